// Inputs and invariants a hostile or careless client tries (issue 16, holes
// 6-10), over a real server, in process and over 127.0.0.1: offers'
// positions and status, import streams that end early, malformed request
// bytes, invisible characters and out-of-range numbers, the data
// directory's mode.

#include <sys/stat.h>

#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/testing/fixture.h"

namespace passerelle {
namespace {

using testing::Client;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::TestServer;
using testing::Transport;

class HardeningTest : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override {
    admin_ = server_.NewClient(GetParam(), server_.admin_token());
    school_ = testing::CreateSchoolClient(server_, GetParam(), admin_,
                                          testing::MakeUai(1), &school_record_);
    company_ = testing::CreateCompanyClient(
        server_, GetParam(), admin_, testing::MakeSiret(1), &company_record_);
  }

  grpc::Status CreateOffer(const v1::Offer& o, v1::Offer* out) {
    v1::CreateOfferRequest req;
    *req.mutable_offer() = o;
    return company_.offers->CreateOffer(company_.Context().get(), req, out);
  }

  v1::Offer GetOffer(const std::string& id) {
    v1::GetOfferRequest req;
    req.set_id(id);
    v1::Offer out;
    grpc::Status s =
        company_.offers->GetOffer(company_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status UpdateOffer(const v1::Offer& o,
                           const std::vector<std::string>& paths,
                           v1::Offer* out) {
    v1::UpdateOfferRequest req;
    *req.mutable_offer() = o;
    for (const std::string& p : paths) req.mutable_update_mask()->add_paths(p);
    return company_.offers->UpdateOffer(company_.Context().get(), req, out);
  }

  v1::ImportResponse ImportOffers(const std::vector<v1::Offer>& rows) {
    v1::ImportResponse response;
    auto context = company_.Context();
    auto writer = company_.offers->ImportOffers(context.get(), &response);
    for (const v1::Offer& o : rows) {
      v1::ImportOffersRequest req;
      *req.mutable_offer() = o;
      EXPECT_TRUE(writer->Write(req));
    }
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }

  // Fills one position of `offer_id`: a new graduate of the school accepts
  // the company's proposal.
  void FillOnePosition(const std::string& offer_id, int n) {
    v1::CreateGraduateRequest create;
    *create.mutable_graduate() =
        testing::SampleGraduate(absl::StrCat("fill-", n));
    v1::Graduate g;
    grpc::Status s =
        school_.graduates->CreateGraduate(school_.Context().get(), create, &g);
    ASSERT_TRUE(s.ok()) << s.error_message();
    v1::SendProposalRequest send;
    send.set_offer_id(offer_id);
    // A company names a graduate by the offer's candidate id.
    send.set_graduate_id(testing::CandidateId(server_, offer_id, g.id()));
    v1::Proposal p;
    s = company_.proposals->SendProposal(company_.Context().get(), send, &p);
    ASSERT_TRUE(s.ok()) << s.error_message();
    v1::RespondToProposalRequest respond;
    respond.set_proposal_id(p.id());
    respond.set_accept(true);
    s = school_.proposals->RespondToProposal(school_.Context().get(), respond,
                                             &p);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // The id of the company's offer with this external id ("" if none).
  std::string CreatedId(const std::string& external_id) {
    v1::ListOffersRequest req;
    req.set_page_size(500);
    v1::ListOffersResponse out;
    EXPECT_TRUE(
        company_.offers->ListOffers(company_.Context().get(), req, &out).ok());
    for (const v1::Offer& o : out.offers()) {
      if (o.external_id() == external_id) return o.id();
    }
    return "";
  }

  TestServer server_;
  Client admin_;
  Client school_;
  Client company_;
  v1::School school_record_;
  v1::Company company_record_;
};

// --- 6. positions_filled <= positions; FILLED iff no position left ---------

TEST_P(HardeningTest, NoWriteBreaksThePositionsInvariant) {
  v1::Offer offer;
  ASSERT_TRUE(CreateOffer(testing::SampleOffer("pos-1"), &offer).ok());
  ASSERT_EQ(offer.positions(), 2);
  FillOnePosition(offer.id(), 1);
  FillOnePosition(offer.id(), 2);
  offer = GetOffer(offer.id());
  ASSERT_EQ(offer.positions_filled(), 2);
  ASSERT_EQ(offer.status(), v1::OFFER_STATUS_FILLED);

  // Update: back to OPEN with no position left, or fewer positions than
  // filled.
  v1::Offer change = offer;
  change.set_status(v1::OFFER_STATUS_OPEN);
  v1::Offer out;
  grpc::Status s = UpdateOffer(change, {"status"}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("offer.status: "));
  change = offer;
  change.set_positions(1);
  s = UpdateOffer(change, {"positions"}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("offer.positions: "));
  EXPECT_EQ(GetOffer(offer.id()).version(), offer.version());

  // Import: the same row with one position is refused and reported.
  v1::Offer row = testing::SampleOffer("pos-1");
  row.set_positions(1);
  v1::ImportResponse imported = ImportOffers({row});
  EXPECT_EQ(imported.received(), 1);
  EXPECT_EQ(imported.rejected(), 1);
  EXPECT_EQ(imported.updated(), 0);
  ASSERT_EQ(imported.errors_size(), 1);
  EXPECT_EQ(imported.errors(0).field(), "offer.positions");
  EXPECT_EQ(imported.errors(0).external_id(), "pos-1");
  // A row asking for OPEN with every position filled too.
  row.set_positions(2);
  row.set_status(v1::OFFER_STATUS_OPEN);
  imported = ImportOffers({row});
  EXPECT_EQ(imported.rejected(), 1);
  ASSERT_EQ(imported.errors_size(), 1);
  EXPECT_EQ(imported.errors(0).field(), "offer.status");
  v1::Offer stored = GetOffer(offer.id());
  EXPECT_EQ(stored.positions(), 2);
  EXPECT_EQ(stored.positions_filled(), 2);
  EXPECT_EQ(stored.status(), v1::OFFER_STATUS_FILLED);
  EXPECT_EQ(stored.version(), offer.version());

  // Re-importing the row as it was (no status) changes nothing; three
  // positions reopen the offer.
  row.clear_status();
  imported = ImportOffers({row});
  EXPECT_EQ(imported.unchanged(), 1);
  row.set_positions(3);
  imported = ImportOffers({row});
  EXPECT_EQ(imported.updated(), 1);
  stored = GetOffer(offer.id());
  EXPECT_EQ(stored.positions(), 3);
  EXPECT_EQ(stored.positions_filled(), 2);
  EXPECT_EQ(stored.status(), v1::OFFER_STATUS_OPEN);

  // Update: two positions again, status untouched: FILLED follows.
  change = stored;
  change.set_positions(2);
  s = UpdateOffer(change, {"positions"}, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.status(), v1::OFFER_STATUS_FILLED);

  // Create: FILLED with every position free.
  v1::Offer filled = testing::SampleOffer("pos-2");
  filled.set_status(v1::OFFER_STATUS_FILLED);
  s = CreateOffer(filled, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("offer.status: "));
  filled.set_positions(0);
  s = CreateOffer(filled, &out);
  EXPECT_THAT(s.error_message(), StartsWith("offer.positions: "));
}

// --- 7. import streams that end early ------------------------------------

server::Options WithIdleTimeout() {
  server::Options options;
  // Short, yet long enough that a loaded machine never pauses a writing
  // client that long.
  options.import_idle_timeout = absl::Seconds(1);
  return options;
}

class ImportStreamTest : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override { Connect(); }

  void Connect() {
    admin_ = server_.NewClient(GetParam(), server_.admin_token());
    if (company_record_.id().empty()) {
      company_ = testing::CreateCompanyClient(
          server_, GetParam(), admin_, testing::MakeSiret(1), &company_record_);
    } else {  // after a restart: a new channel, a new token
      v1::IssueTokenRequest req;
      req.set_organization_id(company_record_.id());
      req.set_role(v1::ROLE_COMPANY);
      v1::IssueTokenResponse token;
      ASSERT_TRUE(
          admin_.organizations->IssueToken(admin_.Context().get(), req, &token)
              .ok());
      company_ = server_.NewClient(GetParam(), token.token());
    }
  }

  static std::vector<v1::Offer> Rows(int n) {
    std::vector<v1::Offer> rows;
    for (int i = 0; i < n; ++i) {
      rows.push_back(testing::SampleOffer(absl::StrCat("row-", i)));
    }
    return rows;
  }

  int CountOffers() {
    v1::ListOffersRequest req;
    req.set_page_size(500);
    int count = 0;
    do {
      v1::ListOffersResponse out;
      EXPECT_TRUE(
          company_.offers->ListOffers(company_.Context().get(), req, &out)
              .ok());
      count += out.offers_size();
      req.set_page_token(out.next_page_token());
    } while (!req.page_token().empty());
    return count;
  }

  // Sends every row in one ImportOffers call, to its end.
  grpc::Status ImportAll(const std::vector<v1::Offer>& rows,
                         v1::ImportResponse* response) {
    auto context = company_.Context();
    auto writer = company_.offers->ImportOffers(context.get(), response);
    for (const v1::Offer& o : rows) {
      v1::ImportOffersRequest req;
      *req.mutable_offer() = o;
      if (!writer->Write(req)) break;  // Finish says why
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // The ImportResponse a failed call left in its trailing metadata.
  static std::optional<v1::ImportResponse> Trailer(
      const grpc::ClientContext& context) {
    const auto& trailers = context.GetServerTrailingMetadata();
    const auto it = trailers.find("passerelle-import-bin");
    if (it == trailers.end()) return std::nullopt;
    v1::ImportResponse response;
    if (!response.ParseFromArray(it->second.data(), it->second.size())) {
      return std::nullopt;
    }
    return response;
  }

  TestServer server_{WithIdleTimeout()};
  Client admin_;
  Client company_;
  v1::Company company_record_;
};

TEST_P(ImportStreamTest, AnIdleStreamEndsAndReportsWhatWasWritten) {
  // Three records, then nothing, and no end of stream.
  auto context = company_.Context();
  v1::ImportResponse response;
  auto writer = company_.offers->ImportOffers(context.get(), &response);
  for (const v1::Offer& o : Rows(3)) {
    v1::ImportOffersRequest req;
    *req.mutable_offer() = o;
    ASSERT_TRUE(writer->Write(req));
  }
  grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("idle"));
  std::optional<v1::ImportResponse> written = Trailer(*context);
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(written->received(), 3);
  EXPECT_EQ(written->settled(), 3);
  EXPECT_EQ(written->created(), 3);
  EXPECT_EQ(CountOffers(), 3);

  // A stream that never sends.
  context = company_.Context();
  writer = company_.offers->ImportOffers(context.get(), &response);
  s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  written = Trailer(*context);
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(written->received(), 0);
  EXPECT_EQ(written->settled(), 0);
}

TEST_P(ImportStreamTest, ShutdownMidStreamWritesWhatWasReceivedAndSaysSo) {
  auto context = company_.Context();
  v1::ImportResponse response;
  auto writer = company_.offers->ImportOffers(context.get(), &response);
  constexpr int kRows = 1500;
  const std::vector<v1::Offer> rows = Rows(kRows);
  for (const v1::Offer& o : rows) {
    v1::ImportOffersRequest req;
    *req.mutable_offer() = o;
    ASSERT_TRUE(writer->Write(req));
  }
  // SIGTERM's path, while the stream is open.
  std::thread stop([this] { server_.Stop(); });
  grpc::Status s = writer->Finish();
  stop.join();
  std::optional<v1::ImportResponse> written = Trailer(*context);
  if (!written.has_value() && GetParam() == Transport::kLoopback &&
      s.error_code() == grpc::StatusCode::CANCELLED) {
    // Over TCP, under load, the status has been seen lost in transit as the
    // server shut the connection down (gRPC then says CANCELLED; the cause
    // is not established). The client learns nothing was acknowledged and
    // sends everything again, which the upsert makes safe: each record
    // once, none lost.
    LOG(WARNING) << "the import's status was lost in transit ("
                 << s.error_message() << "): sending every record again";
    server_.Restart();
    Connect();
    const int before = CountOffers();
    EXPECT_LE(before, kRows);
    v1::ImportResponse again;
    const grpc::Status resent = ImportAll(rows, &again);
    ASSERT_TRUE(resent.ok()) << resent.error_message();
    EXPECT_EQ(again.unchanged(), before);
    EXPECT_EQ(again.created(), kRows - before);
    EXPECT_EQ(CountOffers(), kRows);
    return;
  }
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  ASSERT_TRUE(written.has_value()) << s.error_message();
  // Whatever had arrived is written, and exactly that is reported.
  EXPECT_EQ(written->settled(), written->received());
  EXPECT_EQ(written->created(), written->received());
  EXPECT_LE(written->received(), kRows);

  server_.Restart();
  Connect();
  EXPECT_EQ(CountOffers(), written->created());
}

TEST_P(ImportStreamTest, ACancelledStreamWritesNothingMoreAndCanBeSentAgain) {
  const std::vector<v1::Offer> rows = Rows(1500);
  {
    auto context = company_.Context();
    v1::ImportResponse response;
    auto writer = company_.offers->ImportOffers(context.get(), &response);
    for (const v1::Offer& o : rows) {
      v1::ImportOffersRequest req;
      *req.mutable_offer() = o;
      if (!writer->Write(req)) break;
    }
    context->TryCancel();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // Once the server is done with the call, the same records again: those
  // the cancelled call wrote come back unchanged, the others are created.
  server_.Restart();
  Connect();
  const int written = CountOffers();
  EXPECT_LE(written, 1500);
  v1::ImportResponse response;
  const grpc::Status s = ImportAll(rows, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.settled(), 1500);
  EXPECT_EQ(response.unchanged(), written);
  EXPECT_EQ(response.created(), 1500 - written);
  EXPECT_EQ(CountOffers(), 1500);
}

INSTANTIATE_TEST_SUITE_P(Transports, ImportStreamTest,
                         ::testing::Values(Transport::kInProcess,
                                           Transport::kLoopback));

// --- 8. request bytes that do not parse ----------------------------------

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

// The bytes of a `type` whose first reachable string field holds invalid
// UTF-8 ("\xC3\x28"), or "" if it has no string field.
std::string WithInvalidUtf8(const google::protobuf::Descriptor* type,
                            int depth = 0) {
  using google::protobuf::FieldDescriptor;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    std::string inner;
    if (f->type() == FieldDescriptor::TYPE_STRING) {
      inner = "\xC3\x28";
    } else if (f->type() == FieldDescriptor::TYPE_MESSAGE && depth < 3) {
      inner = WithInvalidUtf8(f->message_type(), depth + 1);
      if (inner.empty()) continue;
    } else {
      continue;
    }
    return Varint(static_cast<uint64_t>(f->number()) << 3 | 2) +
           Varint(inner.size()) + inner;
  }
  return "";
}

// Sends `messages` as the request messages of `method`, whatever its
// kind, and returns the call's status; the first response message's bytes
// go to *response when given.
grpc::Status CallWithRawBytes(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& token,
                              const std::string& method,
                              const std::vector<std::string>& messages,
                              std::string* response = nullptr) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  grpc::CompletionQueue cq;
  auto next = [&cq](intptr_t expected) {
    void* tag;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), expected);
    return ok;
  };
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  if (next(1)) {
    bool open = true;
    for (const std::string& bytes : messages) {
      grpc::Slice slice(bytes);
      grpc::ByteBuffer buffer(&slice, 1);
      call->Write(buffer, reinterpret_cast<void*>(2));
      if (!(open = next(2))) break;
    }
    if (open) {
      call->WritesDone(reinterpret_cast<void*>(3));
      next(3);
    }
    if (response != nullptr) {
      grpc::ByteBuffer answer;
      call->Read(&answer, reinterpret_cast<void*>(5));
      if (next(5)) {
        std::vector<grpc::Slice> slices;
        EXPECT_TRUE(answer.Dump(&slices).ok());
        for (const grpc::Slice& slice : slices) {
          response->append(reinterpret_cast<const char*>(slice.begin()),
                           slice.size());
        }
      }
    }
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(4));
  next(4);
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

TEST_P(HardeningTest, RequestsThatDoNotParseAreInvalidArguments) {
  const std::shared_ptr<grpc::Channel> channel = server_.Channel(GetParam());
  int methods = 0;
  for (const char* service :
       {"passerelle.v1.OrganizationService", "passerelle.v1.GraduateService",
        "passerelle.v1.OfferService", "passerelle.v1.MatchingService",
        "passerelle.v1.ProposalService", "passerelle.v1.ChangeFeedService",
        "passerelle.v1.ReferentialService"}) {
    const google::protobuf::ServiceDescriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service);
    ASSERT_NE(descriptor, nullptr) << service;
    for (int i = 0; i < descriptor->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = descriptor->method(i);
      // Client-streaming calls (imports) read records one by one: see
      // the import tests.
      if (method->client_streaming()) continue;
      ++methods;
      const std::string path = absl::StrCat("/", service, "/", method->name());
      std::vector<std::string> payloads = {"\xFF\xFF\xFF\xFF"};
      const std::string bad_utf8 = WithInvalidUtf8(method->input_type());
      if (!bad_utf8.empty()) payloads.push_back(bad_utf8);
      for (const std::string& bytes : payloads) {
        grpc::Status s =
            CallWithRawBytes(channel, server_.admin_token(), path, {bytes});
        EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
            << path << " " << s.error_message();
        EXPECT_THAT(s.error_message(),
                    HasSubstr(method->input_type()->full_name()))
            << path;
      }
    }
  }
  EXPECT_GT(methods, 30);
  // An unknown method is still UNIMPLEMENTED.
  grpc::Status s = CallWithRawBytes(channel, server_.admin_token(),
                                    "/passerelle.v1.OfferService/Nope", {""});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_P(HardeningTest,
       AnImportRecordThatDoesNotParseIsRejectedAndTheRestGoesOn) {
  const std::shared_ptr<grpc::Channel> channel = server_.Channel(GetParam());
  std::vector<std::string> messages;
  for (int i = 0; i < 4; ++i) {
    v1::ImportOffersRequest req;
    *req.mutable_offer() = testing::SampleOffer(absl::StrCat("raw-", i));
    messages.push_back(req.SerializeAsString());
  }
  messages[1] = "\xFF\xFF\xFF\xFF";
  messages[2] = WithInvalidUtf8(v1::ImportOffersRequest::descriptor());
  std::string bytes;
  grpc::Status s = CallWithRawBytes(channel, company_.token,
                                    "/passerelle.v1.OfferService/ImportOffers",
                                    messages, &bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::ImportResponse response;
  ASSERT_TRUE(response.ParseFromString(bytes));
  EXPECT_EQ(response.received(), 4);
  EXPECT_EQ(response.created(), 2);
  EXPECT_EQ(response.rejected(), 2);
  ASSERT_EQ(response.errors_size(), 2);
  EXPECT_EQ(response.errors(0).index(), 1);
  EXPECT_EQ(response.errors(0).field(), "record");
  EXPECT_THAT(response.errors(0).message(),
              HasSubstr("passerelle.v1.ImportOffersRequest"));
  EXPECT_EQ(response.errors(1).index(), 2);
  EXPECT_EQ(GetOffer(CreatedId("raw-3")).external_id(), "raw-3");
}

// --- 9. invisible characters, absurd numbers, places outside France -------

TEST_P(HardeningTest, InvisibleCharactersAndPlacesOutsideFranceAreRefused) {
  // Names: a right-to-left override shows "Dupont" for "tnopuD"; a
  // zero-width space or a byte order mark makes two names look alike.
  struct NameCase {
    std::string given, family, field;
  };
  for (const NameCase& c :
       std::vector<NameCase>{{"Léa", "\u202Etnopud", "graduate.family_name"},
                             {"L\u200Béa", "Dupont", "graduate.given_name"},
                             {"\uFEFFLéa", "Dupont", "graduate.given_name"},
                             {"Léa\u2066", "Dupont", "graduate.given_name"},
                             {"Léa\u200E", "Dupont", "graduate.given_name"}}) {
    v1::CreateGraduateRequest req;
    *req.mutable_graduate() = testing::SampleGraduate();
    req.mutable_graduate()->set_given_name(c.given);
    req.mutable_graduate()->set_family_name(c.family);
    v1::Graduate out;
    grpc::Status s =
        school_.graduates->CreateGraduate(school_.Context().get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), StartsWith(c.field + ": "));
    EXPECT_THAT(s.error_message(), HasSubstr("invisible or bidirectional"));
  }
  // An organization's name, an offer's title, a proposal's message.
  v1::CreateCompanyRequest company;
  *company.mutable_company() = testing::SampleCompany(testing::MakeSiret(7));
  company.mutable_company()->set_name("Décolletage\u202E SA");
  v1::Company created_company;
  grpc::Status s = admin_.organizations->CreateCompany(
      admin_.Context().get(), company, &created_company);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("company.name: "));
  v1::Offer offer = testing::SampleOffer();
  offer.set_title("Apprenti\u200B décolleteur");
  v1::Offer out;
  s = CreateOffer(offer, &out);
  EXPECT_THAT(s.error_message(), StartsWith("offer.title: "));

  // weekly_hours: a subnormal number, less than an hour.
  for (double hours : {5e-324, 0.5}) {
    offer = testing::SampleOffer();
    offer.set_weekly_hours(hours);
    s = CreateOffer(offer, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << hours;
    EXPECT_THAT(s.error_message(), StartsWith("offer.weekly_hours: "));
  }

  // Places given by coordinates, and a search's centre.
  offer = testing::SampleOffer();
  offer.mutable_place()->Clear();
  offer.mutable_place()->set_latitude(40.4168);  // Madrid
  offer.mutable_place()->set_longitude(-3.7038);
  s = CreateOffer(offer, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("offer.place.latitude: "));
  offer.mutable_place()->set_latitude(14.6161);  // Fort-de-France
  offer.mutable_place()->set_longitude(-61.0588);
  s = CreateOffer(offer, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();

  v1::SearchOffersRequest search;
  search.set_latitude(46.948);  // Bern
  search.set_longitude(7.447 + 3);
  search.set_radius_km(20);
  v1::SearchOffersResponse found;
  s = school_.offers->SearchOffers(school_.Context().get(), search, &found);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("longitude: "));
  search.set_latitude(50.63);  // Lille
  search.set_longitude(3.06);
  s = school_.offers->SearchOffers(school_.Context().get(), search, &found);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

// --- 10. the data directory is private ------------------------------------

// Collects what the server logs while it lives.
class LogCapture : public google::LogSink {
 public:
  LogCapture() { google::AddLogSink(this); }
  ~LogCapture() override { google::RemoveLogSink(this); }
  using google::LogSink::send;
  void send(google::LogSeverity severity, const char* /*full_filename*/,
            const char* /*base_filename*/, int /*line*/,
            const google::LogMessageTime& /*time*/, const char* message,
            size_t message_len) override {
    absl::MutexLock lock(&mu_);
    lines_.push_back(absl::StrCat(google::GetLogSeverityName(severity), " ",
                                  absl::string_view(message, message_len)));
  }
  std::vector<std::string> lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(DataDirTest, ADirectoryOpenToOthersIsClosedAndTheLogSaysSo) {
  testing::TempDir dir;
  server::Options options;
  options.data_dir = dir.path() + "/data";
  ASSERT_EQ(mkdir(options.data_dir.c_str(), 0755), 0);
  ASSERT_EQ(chmod(options.data_dir.c_str(), 0755), 0);  // whatever the umask
  LogCapture log;
  auto server = server::Server::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(ModeOf(options.data_dir), 0700);
  EXPECT_EQ(ModeOf((*server)->admin_token_path()), 0600);
  (*server)->Shutdown();
  std::vector<std::string> lines = log.lines();
  EXPECT_THAT(lines, ::testing::Contains(::testing::AllOf(
                         StartsWith("WARNING"), HasSubstr(options.data_dir),
                         HasSubstr("0755"), HasSubstr("0700"))));

  // A private directory is used as is, silently.
  LogCapture quiet;
  server = server::Server::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  (*server)->Shutdown();
  EXPECT_EQ(ModeOf(options.data_dir), 0700);
  for (const std::string& line : quiet.lines()) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("open to other users")));
  }
}

TEST(DataDirTest, AFileIsRefused) {
  testing::TempDir dir;
  server::Options options;
  options.data_dir = dir.path() + "/file";
  ASSERT_EQ(mkdir(options.data_dir.c_str(), 0700), 0);
  ASSERT_EQ(rmdir(options.data_dir.c_str()), 0);
  FILE* f = fopen(options.data_dir.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  auto server = server::Server::Start(options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(server.status().message()), StartsWith("data_dir: "));
}

INSTANTIATE_TEST_SUITE_P(Transports, HardeningTest,
                         ::testing::Values(Transport::kInProcess,
                                           Transport::kLoopback));

}  // namespace
}  // namespace passerelle
