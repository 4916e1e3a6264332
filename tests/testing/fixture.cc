#include "tests/testing/fixture.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/matching/candidate_ids.h"

namespace passerelle::testing {

TempDir::TempDir() {
  const char* tmp = getenv("TMPDIR");
  std::string templ =
      absl::StrCat(tmp ? tmp : "/tmp", "/passerelle-test-XXXXXX");
  CHECK(mkdtemp(templ.data()) != nullptr) << "mkdtemp " << templ;
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path);
  CHECK(in) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<grpc::ClientContext> Client::Context() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  return context;
}

TestServer::TestServer(server::Options options) : options_(std::move(options)) {
  options_.data_dir = dir_.path() + "/data";
  options_.port = 0;
  Start();
}

void TestServer::Restart() {
  Stop();
  server_.reset();
  Start();
}

void TestServer::Start() {
  auto started = server::Server::Start(options_);
  CHECK(started.ok()) << started.status();
  server_ = *std::move(started);
  admin_token_ = std::string(
      absl::StripAsciiWhitespace(ReadFileOrDie(server_->admin_token_path())));
}

TestServer::~TestServer() { Stop(); }

void TestServer::Stop() {
  if (server_) server_->Shutdown();
}

std::shared_ptr<grpc::Channel> TestServer::Channel(Transport transport) {
  if (transport == Transport::kInProcess) return server_->InProcessChannel();
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                             grpc::InsecureChannelCredentials());
}

Client TestServer::NewClient(Transport transport, const std::string& token) {
  Client c;
  c.channel = Channel(transport);
  c.token = token;
  c.organizations = v1::OrganizationService::NewStub(c.channel);
  c.graduates = v1::GraduateService::NewStub(c.channel);
  c.offers = v1::OfferService::NewStub(c.channel);
  c.matching = v1::MatchingService::NewStub(c.channel);
  c.proposals = v1::ProposalService::NewStub(c.channel);
  c.feed = v1::ChangeFeedService::NewStub(c.channel);
  return c;
}

namespace {

Client ClientWithToken(TestServer& server, Transport transport,
                       const Client& admin, const std::string& organization_id,
                       v1::Role role) {
  v1::IssueTokenRequest issue;
  issue.set_organization_id(organization_id);
  issue.set_role(role);
  v1::IssueTokenResponse token;
  grpc::Status s =
      admin.organizations->IssueToken(admin.Context().get(), issue, &token);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return server.NewClient(transport, token.token());
}

}  // namespace

Client CreateSchoolClient(TestServer& server, Transport transport,
                          const Client& admin, const std::string& uai,
                          v1::School* created) {
  v1::CreateSchoolRequest req;
  *req.mutable_school() = SampleSchool(uai);
  grpc::Status s =
      admin.organizations->CreateSchool(admin.Context().get(), req, created);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return ClientWithToken(server, transport, admin, created->id(),
                         v1::ROLE_SCHOOL);
}

Client CreateCompanyClient(TestServer& server, Transport transport,
                           const Client& admin, const std::string& siret,
                           v1::Company* created) {
  v1::CreateCompanyRequest req;
  *req.mutable_company() = SampleCompany(siret);
  grpc::Status s =
      admin.organizations->CreateCompany(admin.Context().get(), req, created);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return ClientWithToken(server, transport, admin, created->id(),
                         v1::ROLE_COMPANY);
}

std::string MakeSiret(int n) {
  // 13 digits from n, then the Luhn check digit.
  std::string body = absl::StrFormat("4%012d", n);
  for (int check = 0; check < 10; ++check) {
    std::string s = body + static_cast<char>('0' + check);
    int sum = 0;
    for (int i = 0; i < 14; ++i) {
      int d = s[13 - i] - '0';
      if (i % 2 == 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    if (sum % 10 == 0) return s;
  }
  LOG(FATAL) << "unreachable";
}

std::string MakeUai(int n) {
  static constexpr char kLetters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
  const int number = 590000 + n % 10000;
  return absl::StrFormat("0%06d%c", number, kLetters[number % 23]);
}

v1::Company SampleCompany(const std::string& siret) {
  v1::Company c;
  c.set_siret(siret);
  c.set_name("Décolletage du Nord");
  c.set_naf_code("25.62B");
  c.mutable_place()->set_commune_insee("59512");  // Roubaix
  return c;
}

v1::School SampleSchool(const std::string& uai) {
  v1::School s;
  s.set_uai(uai);
  s.set_name("École de Production de Lille");
  s.mutable_place()->set_commune_insee("59350");  // Lille
  return s;
}

std::string CandidateId(const TestServer& server, const std::string& offer_id,
                        const std::string& graduate_id) {
  const matching::CandidateIds ids(
      ReadFileOrDie(server.data_dir() + "/data/pseudonym.key"));
  return ids.Encode(offer_id, graduate_id);
}

v1::Graduate SampleGraduate(const std::string& external_id) {
  v1::Graduate g;
  g.set_external_id(external_id);
  g.set_given_name("Clémence");
  g.set_family_name("Dupont");
  g.set_birth_date("2009-05-14");
  g.mutable_diploma()->set_code("50025123");  // CAP décolletage
  g.mutable_diploma()->set_status(v1::DIPLOMA_STATUS_IN_PROGRESS);
  g.mutable_diploma()->set_obtained_on("2027-06-30");
  g.add_rome_codes("H2903");
  g.add_skills("tournage");
  g.mutable_home()->set_commune_insee("59350");
  g.set_max_distance_km(25);
  g.add_accepted_contracts(v1::CONTRACT_TYPE_APPRENTICESHIP);
  g.add_accepted_contracts(v1::CONTRACT_TYPE_CDI);
  return g;
}

v1::Offer SampleOffer(const std::string& external_id) {
  v1::Offer o;
  o.set_external_id(external_id);
  o.set_title("Apprenti décolleteur");
  o.set_rome_code("H2903");
  o.set_contract_type(v1::CONTRACT_TYPE_APPRENTICESHIP);
  o.set_duration_months(24);
  o.set_start_date("2027-09-01");
  o.set_weekly_hours(35);
  o.mutable_target_diploma()->set_code("40025014");  // Bac Pro TRPM
  o.add_required_skills("tournage");
  o.mutable_place()->set_commune_insee("59512");
  o.set_positions(2);
  o.set_monthly_gross_salary_eur(1100);
  return o;
}

}  // namespace passerelle::testing
