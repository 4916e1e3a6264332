#include "tests/bench/datagen_tool.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "passerelle/v1/graduate.grpc.pb.h"
#include "passerelle/v1/offer.grpc.pb.h"
#include "passerelle/v1/organization.grpc.pb.h"
#include "services/common/validation.h"
#include "services/graduates/graduates.h"
#include "services/offers/offers.h"
#include "services/organizations/organizations.h"
#include "services/runtime/auth.h"
#include "storage/status_macros.h"
#include "storage/store.h"

namespace passerelle::datagen {
namespace {

using Clock = std::chrono::steady_clock;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string CompanyPlaceholder(int index) {
  return absl::StrCat("company-", index + 1);
}
std::string SchoolPlaceholder(int index) {
  return absl::StrCat("school-", index + 1);
}

// --- files ----------------------------------------------------------------

absl::StatusOr<std::string> ToJson(const Message& message) {
  std::string out;
  const auto status =
      google::protobuf::util::MessageToJsonString(message, &out);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("JSON: ", status.ToString()));
  }
  return out;
}

std::string FormatDouble(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string FormatScalar(const Message& m, const FieldDescriptor* f,
                         int index) {
  const auto* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(m, f, index)
                              : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(m, f, index)
                              : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatDouble(rep ? r->GetRepeatedDouble(m, f, index)
                              : r->GetDouble(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return (rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name();
    default:
      return "";
  }
}

// The cell of field path `path` ("place.commune_insee"): lists joined by
// '|', as `passerelle-cli import` reads them.
std::string Cell(const Message& message, const std::string& path) {
  const Message* m = &message;
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(parts[i]);
    if (f == nullptr) return "";
    if (i + 1 < parts.size()) {
      m = &m->GetReflection()->GetMessage(*m, f);
      continue;
    }
    if (!f->is_repeated()) return FormatScalar(*m, f, 0);
    std::vector<std::string> items;
    for (int k = 0; k < m->GetReflection()->FieldSize(*m, f); ++k) {
      items.push_back(FormatScalar(*m, f, k));
    }
    return absl::StrJoin(items, "|");
  }
  return "";
}

std::string CsvQuote(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

const std::vector<std::string>& OfferColumns() {
  static const auto* columns =
      new std::vector<std::string>{"external_id",
                                   "company_id",
                                   "title",
                                   "rome_code",
                                   "contract_type",
                                   "duration_months",
                                   "start_date",
                                   "weekly_hours",
                                   "night_work",
                                   "regulated_work",
                                   "regulated_work_declared",
                                   "required_level",
                                   "target_diploma.code",
                                   "required_skills",
                                   "desired_skills",
                                   "driving_licence_required",
                                   "place.commune_insee",
                                   "positions",
                                   "monthly_gross_salary_eur",
                                   "status",
                                   "expires_on"};
  return *columns;
}

const std::vector<std::string>& GraduateColumns() {
  static const auto* columns = new std::vector<std::string>{
      "external_id",     "school_id",           "given_name",
      "family_name",     "birth_date",          "diploma.code",
      "diploma.status",  "diploma.obtained_on", "rome_codes",
      "skills",          "home.commune_insee",  "max_distance_km",
      "driving_licence", "accepted_contracts",  "available_from",
      "status",          "completed_college"};
  return *columns;
}

// Writes records to a .jsonl or .csv file.
class RecordFile {
 public:
  static absl::StatusOr<std::unique_ptr<RecordFile>> Open(
      const std::string& path, bool csv,
      const std::vector<std::string>* columns) {
    auto file = std::unique_ptr<RecordFile>(new RecordFile(path, csv, columns));
    if (!file->out_) {
      return absl::InvalidArgumentError(
          absl::StrCat("out_dir: cannot write ", path));
    }
    if (csv) {
      std::vector<std::string> header;
      for (const std::string& c : *columns) header.push_back(c);
      file->out_ << absl::StrJoin(header, ",") << "\n";
    }
    return file;
  }

  absl::Status Write(const Message& message) {
    if (csv_) {
      std::vector<std::string> cells;
      for (const std::string& c : *columns_) {
        cells.push_back(CsvQuote(Cell(message, c)));
      }
      out_ << absl::StrJoin(cells, ",") << "\n";
    } else {
      ASSIGN_OR_RETURN(std::string json, ToJson(message));
      out_ << json << "\n";
    }
    return absl::OkStatus();
  }

  absl::Status Close() {
    out_.close();
    if (!out_) {
      return absl::InternalError(absl::StrCat("out_dir: writing ", path_));
    }
    return absl::OkStatus();
  }

 private:
  RecordFile(const std::string& path, bool csv,
             const std::vector<std::string>* columns)
      : path_(path),
        csv_(csv),
        columns_(columns),
        out_(path, std::ios::trunc) {}

  std::string path_;
  bool csv_;
  const std::vector<std::string>* columns_;
  std::ofstream out_;
};

// --- server ---------------------------------------------------------------

absl::StatusOr<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("token_file: cannot read ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(ss.str()));
  if (token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("token_file: ", path, " is empty"));
  }
  return token;
}

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

class Api {
 public:
  Api(const std::string& address, std::string token)
      : channel_(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        token_(std::move(token)),
        organizations_(v1::OrganizationService::NewStub(channel_)),
        graduates_(v1::GraduateService::NewStub(channel_)),
        offers_(v1::OfferService::NewStub(channel_)) {}

  std::unique_ptr<grpc::ClientContext> Context(int seconds = 60) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(seconds));
    return context;
  }

  v1::OrganizationService::Stub& organizations() { return *organizations_; }
  v1::GraduateService::Stub& graduates() { return *graduates_; }
  v1::OfferService::Stub& offers() { return *offers_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::string token_;
  std::unique_ptr<v1::OrganizationService::Stub> organizations_;
  std::unique_ptr<v1::GraduateService::Stub> graduates_;
  std::unique_ptr<v1::OfferService::Stub> offers_;
};

// Totals of several Import calls.
struct ImportTotals {
  int64_t received = 0, created = 0, updated = 0, unchanged = 0, rejected = 0;
  std::vector<v1::ImportError> errors;  // the first few

  void Add(const v1::ImportResponse& r, int64_t offset) {
    received += r.received();
    created += r.created();
    updated += r.updated();
    unchanged += r.unchanged();
    rejected += r.rejected();
    for (const v1::ImportError& e : r.errors()) {
      if (errors.size() >= 10) break;
      errors.push_back(e);
      errors.back().set_index(e.index() + offset);
    }
  }

  void Print(const char* noun, double seconds) const {
    std::printf(
        "%s: %lld received, %lld created, %lld updated, %lld unchanged, "
        "%lld rejected in %.2f s (%.0f records/s)\n",
        noun, static_cast<long long>(received), static_cast<long long>(created),
        static_cast<long long>(updated), static_cast<long long>(unchanged),
        static_cast<long long>(rejected), seconds,
        seconds > 0 ? received / seconds : 0.0);
    for (const v1::ImportError& e : errors) {
      std::printf("  rejected #%lld %s: %s: %s\n",
                  static_cast<long long>(e.index()), e.external_id().c_str(),
                  e.field().c_str(), e.message().c_str());
    }
  }
};

// Streams records [0, count) through `import` in calls of `batch`.
template <typename Request, typename Fill>
absl::StatusOr<ImportTotals> Import(
    Api& api, uint64_t count, int batch,
    std::function<std::unique_ptr<grpc::ClientWriter<Request>>(
        grpc::ClientContext*, v1::ImportResponse*)>
        open,
    Fill fill) {
  ImportTotals totals;
  for (uint64_t first = 0; first < count; first += batch) {
    const uint64_t end = std::min<uint64_t>(count, first + batch);
    auto context = api.Context(600);
    v1::ImportResponse response;
    auto writer = open(context.get(), &response);
    Request request;
    for (uint64_t i = first; i < end; ++i) {
      request.Clear();
      fill(i, &request);
      if (!writer->Write(request)) break;  // the server ended the call
    }
    writer->WritesDone();
    RETURN_IF_ERROR(FromGrpc(writer->Finish(), "import"));
    totals.Add(response, static_cast<int64_t>(first));
  }
  return totals;
}

// --- data directory ---------------------------------------------------------

// One commit's worth of records, prepared off the committing thread.
struct Batch {
  std::vector<storage::Mutation> mutations;
  std::vector<std::string> changes;
  std::vector<std::string> errors;  // "<external_id>: <status>"
};

template <typename T, typename Make>
absl::Status CommitAll(const char* noun, uint64_t count, int batch_size,
                       runtime::Repository<T>& repository, Make make) {
  auto prepare = [&](uint64_t first) {
    Batch batch;
    const uint64_t end = std::min<uint64_t>(count, first + batch_size);
    const absl::Time now = absl::Now();
    for (uint64_t i = first; i < end; ++i) {
      T record;
      absl::Status valid = make(i, &record);
      if (!valid.ok()) {
        batch.errors.push_back(
            absl::StrCat(record.external_id(), ": ", valid.ToString()));
        continue;
      }
      repository.PrepareCreate(&record, now);
      batch.mutations.push_back(repository.PutMutation(
          record, storage::Mutation::Expect::kAbsent, 0));
      batch.changes.push_back(repository.Event(record, v1::CHANGE_OP_CREATED));
    }
    return batch;
  };
  const auto start = Clock::now();
  uint64_t written = 0, rejected = 0;
  std::future<Batch> next;
  if (count > 0) next = std::async(std::launch::async, prepare, 0);
  auto last_report = start;
  for (uint64_t first = 0; first < count; first += batch_size) {
    Batch batch = next.get();
    // Generate and validate the next batch while this one is written.
    if (first + batch_size < count) {
      next = std::async(std::launch::async, prepare, first + batch_size);
    }
    for (const std::string& e : batch.errors) {
      if (rejected < 10) std::printf("  %s rejected: %s\n", noun, e.c_str());
      ++rejected;
    }
    written += batch.mutations.size();
    if (!batch.mutations.empty()) {
      absl::Status committed = repository.Commit(std::move(batch.mutations),
                                                 std::move(batch.changes));
      if (!committed.ok()) {
        if (next.valid()) next.wait();
        return committed;
      }
    }
    if (Seconds(last_report) >= 5) {
      last_report = Clock::now();
      std::printf("  %s: %llu / %llu (%.0f/s)\n", noun,
                  static_cast<unsigned long long>(written),
                  static_cast<unsigned long long>(count),
                  written / Seconds(start));
      std::fflush(stdout);
    }
  }
  const double seconds = Seconds(start);
  std::printf("%s: %llu written, %llu rejected in %.2f s (%.0f records/s)\n",
              noun, static_cast<unsigned long long>(written),
              static_cast<unsigned long long>(rejected), seconds,
              seconds > 0 ? written / seconds : 0.0);
  if (rejected > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(rejected, " ", noun, " failed validation"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFiles(const ToolOptions& options,
                        const common::Referentials& refs) {
  if (options.format != "jsonl" && options.format != "csv") {
    return absl::InvalidArgumentError("format: expected jsonl or csv");
  }
  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat(
        "out_dir: cannot create ", options.out_dir, ": ", error.message()));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<RecordMaker> maker,
                   RecordMaker::Create(refs, options.records));
  const bool csv = options.format == "csv";
  const std::string dir = options.out_dir + "/";
  const auto start = Clock::now();

  ASSIGN_OR_RETURN(auto companies,
                   RecordFile::Open(dir + "companies.jsonl", false, nullptr));
  for (int i = 0; i < options.records.companies; ++i) {
    RETURN_IF_ERROR(companies->Write(maker->Company(i)));
  }
  RETURN_IF_ERROR(companies->Close());
  ASSIGN_OR_RETURN(auto schools,
                   RecordFile::Open(dir + "schools.jsonl", false, nullptr));
  for (int i = 0; i < options.records.schools; ++i) {
    RETURN_IF_ERROR(schools->Write(maker->School(i)));
  }
  RETURN_IF_ERROR(schools->Close());

  const std::string ext = csv ? ".csv" : ".jsonl";
  ASSIGN_OR_RETURN(auto offers, RecordFile::Open(dir + "offers" + ext, csv,
                                                 &OfferColumns()));
  for (uint64_t i = 0; i < options.offers; ++i) {
    int company = 0;
    v1::Offer o = maker->Offer(i, &company);
    o.set_company_id(CompanyPlaceholder(company));
    RETURN_IF_ERROR(offers->Write(o));
  }
  RETURN_IF_ERROR(offers->Close());
  ASSIGN_OR_RETURN(auto graduates, RecordFile::Open(dir + "graduates" + ext,
                                                    csv, &GraduateColumns()));
  for (uint64_t i = 0; i < options.graduates; ++i) {
    int school = 0;
    v1::Graduate g = maker->Graduate(i, &school);
    g.set_school_id(SchoolPlaceholder(school));
    RETURN_IF_ERROR(graduates->Write(g));
  }
  RETURN_IF_ERROR(graduates->Close());
  std::printf(
      "wrote %d companies, %d schools, %llu offers, %llu graduates (%s) to "
      "%s in %.2f s\n",
      options.records.companies, options.records.schools,
      static_cast<unsigned long long>(options.offers),
      static_cast<unsigned long long>(options.graduates),
      options.format.c_str(), options.out_dir.c_str(), Seconds(start));
  std::printf(
      "offers name their company \"company-<n>\" (line n of "
      "companies.jsonl), graduates their school \"school-<n>\": replace them "
      "with the ids CreateCompany / CreateSchool return before importing as "
      "admin.\n");
  return absl::OkStatus();
}

absl::Status FillServer(const ToolOptions& options,
                        const common::Referentials& refs) {
  ASSIGN_OR_RETURN(std::string token, ReadToken(options.token_file));
  ASSIGN_OR_RETURN(std::unique_ptr<RecordMaker> maker,
                   RecordMaker::Create(refs, options.records));
  Api api(options.address, token);
  const auto start = Clock::now();

  // Companies and schools: reuse those of an earlier run (same SIRET / UAI).
  absl::flat_hash_map<std::string, std::string> by_siret, by_uai;
  {
    v1::ListCompaniesRequest request;
    request.set_page_size(500);
    do {
      v1::ListCompaniesResponse page;
      RETURN_IF_ERROR(FromGrpc(api.organizations().ListCompanies(
                                   api.Context().get(), request, &page),
                               "ListCompanies"));
      for (const v1::Company& c : page.companies())
        by_siret[c.siret()] = c.id();
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    v1::ListSchoolsRequest schools;
    schools.set_page_size(500);
    do {
      v1::ListSchoolsResponse page;
      RETURN_IF_ERROR(FromGrpc(
          api.organizations().ListSchools(api.Context().get(), schools, &page),
          "ListSchools"));
      for (const v1::School& s : page.schools()) by_uai[s.uai()] = s.id();
      schools.set_page_token(page.next_page_token());
    } while (!schools.page_token().empty());
  }
  std::vector<std::string> company_ids, school_ids;
  int created_companies = 0, created_schools = 0;
  for (int i = 0; i < options.records.companies; ++i) {
    v1::CreateCompanyRequest request;
    *request.mutable_company() = maker->Company(i);
    auto found = by_siret.find(request.company().siret());
    if (found != by_siret.end()) {
      company_ids.push_back(found->second);
      continue;
    }
    v1::Company created;
    RETURN_IF_ERROR(FromGrpc(api.organizations().CreateCompany(
                                 api.Context().get(), request, &created),
                             absl::StrCat("CreateCompany ", i)));
    company_ids.push_back(created.id());
    ++created_companies;
  }
  for (int i = 0; i < options.records.schools; ++i) {
    v1::CreateSchoolRequest request;
    *request.mutable_school() = maker->School(i);
    auto found = by_uai.find(request.school().uai());
    if (found != by_uai.end()) {
      school_ids.push_back(found->second);
      continue;
    }
    v1::School created;
    RETURN_IF_ERROR(FromGrpc(api.organizations().CreateSchool(
                                 api.Context().get(), request, &created),
                             absl::StrCat("CreateSchool ", i)));
    school_ids.push_back(created.id());
    ++created_schools;
  }
  std::printf(
      "companies: %d created, %d existing; schools: %d created, %d "
      "existing (%.2f s)\n",
      created_companies, options.records.companies - created_companies,
      created_schools, options.records.schools - created_schools,
      Seconds(start));

  auto offers_start = Clock::now();
  ASSIGN_OR_RETURN(
      ImportTotals offers,
      (Import<v1::ImportOffersRequest>(
          api, options.offers, options.import_batch,
          [&](grpc::ClientContext* c, v1::ImportResponse* r) {
            return api.offers().ImportOffers(c, r);
          },
          [&](uint64_t i, v1::ImportOffersRequest* request) {
            int company = 0;
            *request->mutable_offer() = maker->Offer(i, &company);
            request->mutable_offer()->set_company_id(company_ids[company]);
          })));
  offers.Print("offers", Seconds(offers_start));
  auto graduates_start = Clock::now();
  ASSIGN_OR_RETURN(
      ImportTotals graduates,
      (Import<v1::ImportGraduatesRequest>(
          api, options.graduates, options.import_batch,
          [&](grpc::ClientContext* c, v1::ImportResponse* r) {
            return api.graduates().ImportGraduates(c, r);
          },
          [&](uint64_t i, v1::ImportGraduatesRequest* request) {
            int school = 0;
            *request->mutable_graduate() = maker->Graduate(i, &school);
            request->mutable_graduate()->set_school_id(school_ids[school]);
          })));
  graduates.Print("graduates", Seconds(graduates_start));
  if (offers.rejected + graduates.rejected > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the server rejected ", offers.rejected, " offers and ",
                     graduates.rejected, " graduates"));
  }
  return absl::OkStatus();
}

absl::Status FillDataDir(const ToolOptions& options,
                         const common::Referentials& refs) {
  const auto start = Clock::now();
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data_dir: cannot create ", options.data_dir, ": ", error.message()));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<RecordMaker> maker,
                   RecordMaker::Create(refs, options.records));
  const absl::CivilDay today = options.records.today;

  // The tables passerelle-server opens (services/server/server.cc).
  storage::Store::Options store_options;
  store_options.path = options.data_dir + "/db";
  for (auto tables :
       {organizations::Tables(), graduates::Tables(), offers::Tables()}) {
    for (std::string& t : tables) store_options.tables.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store,
                   storage::Store::Open(store_options));
  for (const char* table : {offers::kTable, graduates::kTable}) {
    ASSIGN_OR_RETURN(storage::Page page, store->List(table, 1, ""));
    if (!page.records.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data_dir: ", options.data_dir, " already holds ", table,
          "; fill a new directory (or add to a running server with "
          "--address)"));
    }
  }
  organizations::Organizations organizations(store.get(), &refs);
  const std::string token_path = options.data_dir + "/admin.token";
  ASSIGN_OR_RETURN(bool created_token,
                   organizations.EnsureAdminToken(token_path));
  if (created_token) {
    std::printf("admin token written to %s (mode 0600)\n", token_path.c_str());
  }
  const runtime::Caller admin{std::string(runtime::kFederationId),
                              v1::ROLE_ADMIN,
                              "",
                              "",
                              false,
                              "",
                              {},
                              "",
                              ""};

  // Companies and schools through the library (validation included).
  absl::flat_hash_map<std::string, std::string> by_siret, by_uai;
  {
    v1::ListCompaniesRequest request;
    request.set_page_size(500);
    do {
      ASSIGN_OR_RETURN(v1::ListCompaniesResponse page,
                       organizations.ListCompanies(admin, request));
      for (const v1::Company& c : page.companies())
        by_siret[c.siret()] = c.id();
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    v1::ListSchoolsRequest schools;
    schools.set_page_size(500);
    do {
      ASSIGN_OR_RETURN(v1::ListSchoolsResponse page,
                       organizations.ListSchools(admin, schools));
      for (const v1::School& s : page.schools()) by_uai[s.uai()] = s.id();
      schools.set_page_token(page.next_page_token());
    } while (!schools.page_token().empty());
  }
  std::vector<std::string> company_ids, school_ids;
  for (int i = 0; i < options.records.companies; ++i) {
    v1::Company company = maker->Company(i);
    auto found = by_siret.find(company.siret());
    if (found != by_siret.end()) {
      company_ids.push_back(found->second);
      continue;
    }
    ASSIGN_OR_RETURN(v1::Company created,
                     organizations.CreateCompany(admin, std::move(company)));
    company_ids.push_back(created.id());
  }
  for (int i = 0; i < options.records.schools; ++i) {
    v1::School school = maker->School(i);
    auto found = by_uai.find(school.uai());
    if (found != by_uai.end()) {
      school_ids.push_back(found->second);
      continue;
    }
    ASSIGN_OR_RETURN(v1::School created,
                     organizations.CreateSchool(admin, std::move(school)));
    school_ids.push_back(created.id());
  }
  std::printf("%d companies, %d schools (%.2f s)\n", options.records.companies,
              options.records.schools, Seconds(start));

  // Offers and graduates: the services' own repositories (tables, index
  // keys, change-log events), fed in large commits.
  auto clock = [today] { return today; };
  offers::Offers offer_lib(store.get(), &refs, &organizations, clock);
  graduates::Graduates graduate_lib(store.get(), &refs, &organizations, clock);
  // The offers table is empty: this only marks its indexes filled, since
  // every offer below is written with all of them (the server would
  // otherwise rewrite them all at its first start).
  RETURN_IF_ERROR(offer_lib.FillIndexes().status());
  const auto records_start = Clock::now();
  RETURN_IF_ERROR(CommitAll<v1::Offer>(
      "offers", options.offers, options.commit_batch, offer_lib.repository(),
      [&](uint64_t i, v1::Offer* o) {
        int company = 0;
        *o = maker->Offer(i, &company);
        o->set_company_id(company_ids[company]);
        return common::ValidateOffer(o, refs, today,
                                     common::OfferWrite::kCreate);
      }));
  RETURN_IF_ERROR(CommitAll<v1::Graduate>(
      "graduates", options.graduates, options.commit_batch,
      graduate_lib.repository(), [&](uint64_t i, v1::Graduate* g) {
        int school = 0;
        *g = maker->Graduate(i, &school);
        g->set_school_id(school_ids[school]);
        return common::ValidateGraduate(g, refs, today);
      }));
  const double records_seconds = Seconds(records_start);
  const auto close_start = Clock::now();
  RETURN_IF_ERROR(store->Close());
  std::printf(
      "filled %s: %llu offers + %llu graduates in %.2f s (%.0f records/s), "
      "store closed in %.2f s; total %.2f s\n",
      options.data_dir.c_str(), static_cast<unsigned long long>(options.offers),
      static_cast<unsigned long long>(options.graduates), records_seconds,
      (options.offers + options.graduates) / records_seconds,
      Seconds(close_start), Seconds(start));
  return absl::OkStatus();
}

}  // namespace passerelle::datagen
