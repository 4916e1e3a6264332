// End to end: the real passerelle-server driven by the real passerelle-cli,
// as an operator and a school would, including a kill -9 in the middle of an
// import. Binary paths come from the build (PASSERELLE_SERVER_BIN,
// PASSERELLE_CLI_BIN).

#include <signal.h>

#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "passerelle/v1/offer.grpc.pb.h"
#include "passerelle/v1/organization.grpc.pb.h"
#include "tests/testing/fixture.h"
#include "tests/testing/http.h"
#include "tests/testing/subprocess.h"

namespace passerelle {
namespace {

using ::testing::HasSubstr;
using testing::Subprocess;
using testing::TempDir;

class ServerProcess {
 public:
  // `extra` flags select a single service (multi-process layout).
  explicit ServerProcess(const std::string& dir,
                         std::vector<std::string> extra = {})
      : dir_(dir) {
    const std::string port_file = dir + "/port";
    unlink(port_file.c_str());
    std::vector<std::string> argv = {PASSERELLE_SERVER_BIN,
                                     "--data_dir=" + dir + "/data", "--port=0",
                                     "--port_file=" + port_file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<Subprocess>(argv, dir + "/server.out",
                                            dir + "/server.err");
    CHECK(testing::WaitForFile(port_file, absl::Seconds(60)))
        << "server did not start: "
        << testing::ReadFileOrDie(dir + "/server.err");
    address_ = absl::StrCat(
        "127.0.0.1:",
        absl::StripAsciiWhitespace(testing::ReadFileOrDie(port_file)));
    if (testing::WaitForFile(dir + "/data/admin.token", absl::ZeroDuration())) {
      admin_token_ = std::string(absl::StripAsciiWhitespace(
          testing::ReadFileOrDie(dir + "/data/admin.token")));
    }
  }

  const std::string& address() const { return address_; }
  const std::string& admin_token() const { return admin_token_; }
  Subprocess& process() { return *process_; }

  // Runs passerelle-cli against this server; returns its exit code.
  int Cli(const std::string& token, std::vector<std::string> args,
          std::string* out = nullptr, std::string* err = nullptr) {
    std::vector<std::string> argv = {
        PASSERELLE_CLI_BIN, "--address=" + address_, "--token=" + token};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string local_err;
    const int code = testing::Run(argv, out, err ? err : &local_err);
    if (code != 0 && err == nullptr) LOG(ERROR) << "cli: " << local_err;
    return code;
  }

 private:
  std::string dir_;
  std::unique_ptr<Subprocess> process_;
  std::string address_;
  std::string admin_token_;
};

// The value of "key": "value" in a line of proto3 JSON.
std::string JsonField(const std::string& json, const std::string& key) {
  const std::string needle = absl::StrCat("\"", key, "\":");
  size_t at = json.find(needle);
  if (at == std::string::npos) return "";
  at = json.find('"', at + needle.size());
  const size_t end = json.find('"', at + 1);
  return json.substr(at + 1, end - at - 1);
}

std::map<std::string, v1::Offer> AllOffers(const std::string& address,
                                           const std::string& token) {
  auto stub = v1::OfferService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  std::map<std::string, v1::Offer> by_external_id;
  v1::ListOffersRequest request;
  request.set_page_size(500);
  do {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::ListOffersResponse page;
    grpc::Status s = stub->ListOffers(&context, request, &page);
    CHECK(s.ok()) << s.error_message();
    for (const v1::Offer& o : page.offers())
      by_external_id[o.external_id()] = o;
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return by_external_id;
}

TEST(ServerCliTest, CliCreatesListsAndRefusesBadInput) {
  TempDir dir;
  ServerProcess server(dir.path());
  const std::string& admin = server.admin_token();
  std::string out, err;
  ASSERT_EQ(
      server.Cli(
          admin,
          {"--output=json", "school", "create",
           R"(--json={"uai":"0596781A","name":"École de Production de Lille","place":{"communeInsee":"59350"}})"},
          &out),
      0);
  const std::string school_id = JsonField(out, "id");
  ASSERT_FALSE(school_id.empty()) << out;
  EXPECT_THAT(out, HasSubstr("Lille"));

  ASSERT_EQ(server.Cli(admin,
                       {"--output=json", "token", "issue",
                        "--organization_id=" + school_id, "--role=school"},
                       &out),
            0);
  const std::string school_token = JsonField(out, "token");
  ASSERT_FALSE(school_token.empty()) << out;

  EXPECT_NE(
      server.Cli(
          school_token,
          {"--output=json", "graduate", "create",
           R"(--json={"externalId":"e-1","givenName":"Clémence","familyName":"Dupont","birthDate":"2009-05-14","diploma":{"code":"50025123","status":"DIPLOMA_STATUS_IN_PROGRESS","obtainedOn":"2027-06-30"},"homeAddress":null})"},
          &out, &err),
      0)
      << "an unknown JSON field is an error, not a success";

  ASSERT_EQ(
      server.Cli(
          school_token,
          {"--output=json", "graduate", "create",
           R"(--json={"externalId":"e-1","givenName":"Clémence","familyName":"Dupont","birthDate":"2009-05-14","diploma":{"code":"50025123","status":"DIPLOMA_STATUS_IN_PROGRESS","obtainedOn":"2027-06-30"},"home":{"communeInsee":"59350"}})"},
          &out),
      0);
  EXPECT_EQ(JsonField(out, "schoolId"), school_id);

  // Bad input: the server names the field; the CLI says so and fails.
  EXPECT_NE(
      server.Cli(
          school_token,
          {"graduate", "create",
           R"(--json={"externalId":"e-2","givenName":"Léo","familyName":"Martin","birthDate":"2009-02-30","diploma":{"code":"50025123","status":"DIPLOMA_STATUS_IN_PROGRESS"},"home":{"communeInsee":"59350"}})"},
          &out, &err),
      0);
  EXPECT_THAT(err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(err, HasSubstr("graduate.birth_date"));

  ASSERT_EQ(server.Cli(school_token, {"graduate", "list"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("Clémence"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("Léo")));

  server.process().Signal(SIGTERM);
  EXPECT_EQ(server.process().Wait(), 0) << "graceful shutdown exits 0";
}

TEST(ServerCliTest, CliInvitesAPersonListsAccountsAndTheAuditLog) {
  TempDir dir;
  ServerProcess server(dir.path());
  const std::string& admin = server.admin_token();
  std::string out, err;
  ASSERT_EQ(server.Cli(admin,
                       {"--output=json", "company", "create",
                        "--siret=73282932000074", "--name=Forges de Lille",
                        "--naf_code=25.62B", "--commune=59350"},
                       &out),
            0);
  const std::string company_id = JsonField(out, "id");
  ASSERT_FALSE(company_id.empty()) << out;

  ASSERT_EQ(server.Cli(admin,
                       {"user", "invite", "--organization_id=" + company_id,
                        "--email=Recruteur@Example.fr", "--role=company",
                        "--organization_admin"},
                       &out, &err),
            0)
      << err;
  // The link is printed, once, for the person invited.
  const size_t at = out.find("/invitations/psl_");
  ASSERT_NE(at, std::string::npos) << out;
  const size_t end = out.find('\n', at);
  const std::string token = out.substr(at + strlen("/invitations/"),
                                       end - at - strlen("/invitations/"));
  EXPECT_THAT(out, HasSubstr("recruteur@example.fr"));
  EXPECT_NE(server.Cli(admin,
                       {"user", "invite", "--organization_id=" + company_id,
                        "--email=not-an-address", "--role=company"},
                       &out, &err),
            0);
  EXPECT_THAT(err, HasSubstr("email"));

  auto stub = v1::OrganizationService::NewStub(grpc::CreateChannel(
      server.address(), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    v1::AcceptInvitationRequest accept;
    accept.set_invitation_token(token);
    accept.set_password("correct horse battery staple");
    accept.set_display_name("Camille");
    v1::User user;
    grpc::Status s = stub->AcceptInvitation(&context, accept, &user);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  ASSERT_EQ(server.Cli(admin, {"user", "list"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("recruteur@example.fr"));
  EXPECT_THAT(out, HasSubstr("active"));
  ASSERT_EQ(
      server.Cli(admin, {"--output=json", "audit", "list", "--all"}, &out), 0);
  EXPECT_THAT(out, HasSubstr("/passerelle.v1.OrganizationService/InviteUser"));
  EXPECT_THAT(out,
              HasSubstr("/passerelle.v1.OrganizationService/AcceptInvitation"));
  EXPECT_THAT(out, HasSubstr("INVALID_ARGUMENT"));  // the refused invitation
}

TEST(ServerCliTest, NoAcknowledgedRecordIsLostToKill9DuringAnImport) {
  TempDir dir;
  auto server = std::make_unique<ServerProcess>(dir.path());
  const std::string admin = server->admin_token();
  std::string out;
  ASSERT_EQ(
      server->Cli(
          admin,
          {"--output=json", "company", "create",
           R"(--json={"siret":"73282932000074","name":"Décolletage du Nord","nafCode":"25.62B","place":{"communeInsee":"59512"}})"},
          &out),
      0);
  const std::string company_id = JsonField(out, "id");
  ASSERT_EQ(server->Cli(admin,
                        {"--output=json", "token", "issue",
                         "--organization_id=" + company_id, "--role=company"},
                        &out),
            0);
  const std::string token = JsonField(out, "token");
  ASSERT_FALSE(token.empty());

  // 60,000 offers in JSON Lines, each one distinct.
  const int kOffers = 60000;
  const std::string jsonl = dir.path() + "/offers.jsonl";
  std::map<std::string, v1::Offer> sent;
  {
    std::ofstream file(jsonl);
    const char* communes[] = {"59350", "59512", "59599",
                              "62041", "80021", "59183"};
    for (int i = 0; i < kOffers; ++i) {
      v1::Offer o = testing::SampleOffer(absl::StrCat("k9-", i));
      o.set_title(absl::StrCat("Offre ", i));
      o.mutable_place()->set_commune_insee(communes[i % 6]);
      o.set_positions(1 + i % 5);
      o.set_monthly_gross_salary_eur(1000 + i % 700);
      std::string line;
      google::protobuf::util::JsonPrintOptions options;
      ASSERT_TRUE(
          google::protobuf::util::MessageToJsonString(o, &line, options).ok());
      file << line << "\n";
      sent[o.external_id()] = o;
    }
  }
  const std::string acks = dir.path() + "/acks";
  Subprocess import(
      {PASSERELLE_CLI_BIN, "--address=" + server->address(), "--token=" + token,
       "import", "offers", jsonl, "--batch_size=500", "--ack_file=" + acks},
      dir.path() + "/import.out", dir.path() + "/import.err");
  // Kill the server once some chunks are acknowledged, in mid-import.
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  while (testing::CountLines(acks) < 5000 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server->process().Signal(SIGKILL);
  EXPECT_EQ(server->process().Wait(), 128 + SIGKILL);
  EXPECT_NE(import.Wait(), 0) << "the import must report the lost server";

  std::set<std::string> acknowledged;
  {
    std::ifstream in(acks);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) acknowledged.insert(line);
    }
  }
  ASSERT_GE(acknowledged.size(), 5000u);
  ASSERT_LT(acknowledged.size(), static_cast<size_t>(kOffers))
      << "the server was not killed mid-import";

  // Restart on the same data directory: every acknowledged offer is there,
  // intact.
  server.reset();
  server = std::make_unique<ServerProcess>(dir.path());
  std::map<std::string, v1::Offer> stored = AllOffers(server->address(), token);
  for (const std::string& id : acknowledged) {
    auto it = stored.find(id);
    ASSERT_NE(it, stored.end()) << "acknowledged offer lost: " << id;
    const v1::Offer& a = it->second;
    const v1::Offer& b = sent[id];
    EXPECT_EQ(a.title(), b.title());
    EXPECT_EQ(a.place().commune_insee(), b.place().commune_insee());
    EXPECT_EQ(a.positions(), b.positions());
    EXPECT_EQ(a.monthly_gross_salary_eur(), b.monthly_gross_salary_eur());
    EXPECT_EQ(a.company_id(), company_id);
  }

  // Importing again completes the set without duplicates.
  ASSERT_EQ(server->Cli(token, {"import", "offers", jsonl, "--batch_size=5000"},
                        &out),
            0);
  stored = AllOffers(server->address(), token);
  EXPECT_EQ(stored.size(), static_cast<size_t>(kOffers));
  server->process().Signal(SIGTERM);
  EXPECT_EQ(server->process().Wait(), 0);
}

TEST(ServerCliTest,
     MultiProcessLayoutChecksTokensAgainstTheOrganizationService) {
  TempDir org_dir, grad_dir;
  ServerProcess organizations(org_dir.path(), {"--service=organizations"});
  const std::string admin = organizations.admin_token();
  ServerProcess graduates(
      grad_dir.path(),
      {"--service=graduates",
       "--organizations_address=" + organizations.address(),
       "--service_token_file=" + org_dir.path() + "/data/admin.token"});
  std::string out;
  ASSERT_EQ(
      organizations.Cli(admin,
                        {"--output=json", "school", "create", "--uai=0596781A",
                         "--name=EdP Lille", "--commune=59350"},
                        &out),
      0);
  const std::string school_id = JsonField(out, "id");
  ASSERT_EQ(
      organizations.Cli(admin,
                        {"--output=json", "token", "issue",
                         "--organization_id=" + school_id, "--role=school"},
                        &out),
      0);
  const std::string token = JsonField(out, "token");
  const std::string token_id = JsonField(out, "tokenId");
  // The graduate service knows the school and the token through the
  // organization service.
  ASSERT_EQ(
      graduates.Cli(
          token,
          {"--output=json", "graduate", "create",
           R"(--json={"externalId":"m-1","givenName":"Inès","familyName":"Leroy","birthDate":"2009-03-02","diploma":{"code":"50025123","status":"DIPLOMA_STATUS_IN_PROGRESS","obtainedOn":"2027-06-30"},"home":{"communeInsee":"59350"}})"},
          &out),
      0);
  EXPECT_EQ(JsonField(out, "schoolId"), school_id);
  std::string err;
  EXPECT_NE(graduates.Cli("psl_forged", {"graduate", "list"}, &out, &err), 0);
  EXPECT_THAT(err, HasSubstr("UNAUTHENTICATED"));
  // Revoked at the organization service: refused by the graduate service
  // within its cache period (5 s).
  ASSERT_EQ(
      organizations.Cli(admin, {"token", "revoke", "--token_id=" + token_id}),
      0);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (graduates.Cli(token, {"graduate", "list"}, &out, &err) == 0) {
    ASSERT_LT(absl::Now(), deadline) << "a revoked token still works";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_THAT(err, HasSubstr("UNAUTHENTICATED"));
}

// passerelle-gateway as its own process in front of the multi-process
// layout: each service's routes go to its own process, with the caller's
// token passed on; routes of a service it was given no address for
// answer 501.
TEST(ServerCliTest, GatewayProcessServesHttpInFrontOfTheServices) {
  TempDir org_dir, grad_dir, gw_dir;
  ServerProcess organizations(org_dir.path(), {"--service=organizations"});
  const std::string admin = organizations.admin_token();
  ServerProcess graduates(
      grad_dir.path(),
      {"--service=graduates",
       "--organizations_address=" + organizations.address(),
       "--service_token_file=" + org_dir.path() + "/data/admin.token"});
  const std::string port_file = gw_dir.path() + "/http_port";
  Subprocess gateway(
      {PASSERELLE_GATEWAY_BIN, "--http_port=0", "--http_port_file=" + port_file,
       "--organizations_address=" + organizations.address(),
       "--graduates_address=" + graduates.address()},
      gw_dir.path() + "/out", gw_dir.path() + "/err");
  ASSERT_TRUE(testing::WaitForFile(port_file, absl::Seconds(60)))
      << testing::ReadFileOrDie(gw_dir.path() + "/err");
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      absl::StripAsciiWhitespace(testing::ReadFileOrDie(port_file)), &port));
  const std::map<std::string, std::string> auth = {
      {"Authorization", "Bearer " + admin}};

  testing::HttpResult school = testing::HttpCall(
      port, "POST", "/v1/schools",
      R"({"uai": "0596781A", "name": "EdP Lille", "place": {"communeInsee": "59350"}})",
      auth);
  ASSERT_EQ(school.status, 200) << school.body;
  const std::string school_id = JsonField(school.body, "id");
  testing::HttpResult token =
      testing::HttpCall(port, "POST", "/v1/tokens",
                        absl::StrCat(R"({"organizationId": ")", school_id,
                                     R"(", "role": "ROLE_SCHOOL"})"),
                        auth);
  ASSERT_EQ(token.status, 200) << token.body;
  const std::map<std::string, std::string> as_school = {
      {"Authorization", "Bearer " + JsonField(token.body, "token")}};
  testing::HttpResult graduate = testing::HttpCall(
      port, "POST", "/v1/graduates",
      R"({"externalId":"m-1","givenName":"Inès","familyName":"Leroy","birthDate":"2009-03-02","diploma":{"code":"50025123","status":"DIPLOMA_STATUS_IN_PROGRESS","obtainedOn":"2027-06-30"},"home":{"communeInsee":"59350"}})",
      as_school);
  ASSERT_EQ(graduate.status, 200) << graduate.body;
  EXPECT_EQ(JsonField(graduate.body, "schoolId"), school_id);
  EXPECT_EQ(testing::HttpCall(port, "GET", "/v1/graduates", "", {}).status,
            401);
  // No offer service was given to this gateway.
  EXPECT_EQ(testing::HttpCall(port, "GET", "/v1/offers", "", auth).status, 501);

  gateway.Signal(SIGTERM);
  EXPECT_EQ(gateway.Wait(), 0);
}

}  // namespace
}  // namespace passerelle
