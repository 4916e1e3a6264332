// The CLI run in process against fake services over an in-process channel:
// exit codes, error output, metadata, paging, update masks, import chunking
// and acknowledgements.

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/str_split.h"
#include "clients/cli/cli.h"
#include "clients/cli/table.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "passerelle/v1/changefeed.grpc.pb.h"
#include "passerelle/v1/graduate.grpc.pb.h"
#include "passerelle/v1/organization.grpc.pb.h"

namespace passerelle::cli {
namespace {

namespace v1 = ::passerelle::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

std::string Authorization(const grpc::ServerContext* context) {
  auto it = context->client_metadata().find("authorization");
  if (it == context->client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

class FakeOrganizations final : public v1::OrganizationService::Service {
 public:
  grpc::Status WhoAmI(grpc::ServerContext* context, const v1::WhoAmIRequest*,
                      v1::WhoAmIResponse* response) override {
    if (Authorization(context) != "Bearer secret") {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad token");
    }
    response->set_role(v1::ROLE_ADMIN);
    response->set_organization_id("federation");
    return grpc::Status::OK;
  }

  grpc::Status RevokeToken(grpc::ServerContext* context,
                           const v1::RevokeTokenRequest* request,
                           v1::RevokeTokenResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    revoke = *request;
    revoke_authorization = Authorization(context);
    return grpc::Status::OK;
  }

  grpc::Status ListCompanies(grpc::ServerContext*,
                             const v1::ListCompaniesRequest* request,
                             v1::ListCompaniesResponse* response) override {
    if (request->page_token().empty()) {
      response->add_companies()->set_name("Forges de Lille");
      response->add_companies()->set_name("Menuiserie Lefèvre");
      response->set_next_page_token("p2");
    } else if (request->page_token() == "p2") {
      response->add_companies()->set_name("Usinage Œuvrard");
    } else {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "page_token: unknown");
    }
    return grpc::Status::OK;
  }

  std::mutex mu;
  v1::RevokeTokenRequest revoke;
  std::string revoke_authorization;
};

class FakeGraduates final : public v1::GraduateService::Service {
 public:
  grpc::Status UpdateGraduate(grpc::ServerContext*,
                              const v1::UpdateGraduateRequest* request,
                              v1::Graduate* response) override {
    std::lock_guard<std::mutex> lock(mu);
    update = *request;
    *response = request->graduate();
    response->set_version(request->graduate().version() + 1);
    return grpc::Status::OK;
  }

  grpc::Status ListGraduates(grpc::ServerContext*,
                             const v1::ListGraduatesRequest*,
                             v1::ListGraduatesResponse* response) override {
    for (const auto& [given, family] :
         std::vector<std::pair<std::string, std::string>>{
             {"Clémence", "Lefèvre"},
             {"Camille", "Dupont"},
             {"Zoé", "Nguyễn"}}) {
      v1::Graduate* g = response->add_graduates();
      g->set_id("g-" + given.substr(0, 2));
      g->set_given_name(given);
      g->set_family_name(family);
    }
    return grpc::Status::OK;
  }

  // Rejects graduates named "REJECT"; fails call number `fail_call`.
  grpc::Status ImportGraduates(
      grpc::ServerContext* context,
      grpc::ServerReader<v1::ImportGraduatesRequest>* reader,
      v1::ImportResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    v1::ImportGraduatesRequest request;
    int64_t index = 0;
    int64_t size = 0;
    while (reader->Read(&request)) {
      ++size;
      response->set_received(response->received() + 1);
      if (request.graduate().given_name() == "REJECT") {
        response->set_rejected(response->rejected() + 1);
        v1::ImportError* error = response->add_errors();
        error->set_index(index);
        error->set_external_id(request.graduate().external_id());
        error->set_field("graduate.given_name");
        error->set_message("rejected by the test");
      } else {
        response->set_created(response->created() + 1);
      }
      ++index;
    }
    chunk_sizes.push_back(size);
    if (calls == fail_call) {
      if (fail_settled >= 0) {  // as the real server: what it wrote
        v1::ImportResponse written;
        written.set_received(size);
        written.set_settled(fail_settled);
        written.set_created(fail_settled);
        context->AddTrailingMetadata("passerelle-import-bin",
                                     written.SerializeAsString());
      }
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server going away");
    }
    return grpc::Status::OK;
  }

  std::mutex mu;
  v1::UpdateGraduateRequest update;
  int calls = 0;
  int fail_call = -1;
  int fail_settled = -1;  // >= 0: the failed call reports this many written
  std::vector<int64_t> chunk_sizes;
};

class FakeFeed final : public v1::ChangeFeedService::Service {
 public:
  grpc::Status Watch(grpc::ServerContext*, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::ChangeEvent>* writer) override {
    for (uint64_t s = request->since() + 1; s <= request->since() + 5; ++s) {
      v1::ChangeEvent event;
      event.set_sequence(s);
      event.set_kind(v1::ENTITY_KIND_GRADUATE);
      event.set_op(v1::CHANGE_OP_CREATED);
      event.set_id("g" + std::to_string(s));
      if (!writer->Write(event)) break;
    }
    return grpc::Status::OK;
  }
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

class CliRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("PASSERELLE_TOKEN");
    unsetenv("PASSERELLE_ADDRESS");
    grpc::ServerBuilder builder;
    builder.RegisterService(&organizations_);
    builder.RegisterService(&graduates_);
    builder.RegisterService(&feed_);
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
  }

  void TearDown() override { server_->Shutdown(); }

  // Runs the command line against the fakes.
  int Run(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    auto split = SplitCommandLine(args);
    if (!split.ok()) {
      err_ << "split: " << split.status();
      return -1;
    }
    auto options = ParseGlobalArgs(split->global_args);
    if (!options.ok()) {
      err_ << "global: " << options.status();
      return -1;
    }
    options->channel = channel_;
    return RunCommand(*options, split->command_args, out_, err_);
  }

  // A path of this process's own: ctest runs each test of this binary as a
  // process of its own, in parallel, and they share TempDir().
  static std::string TempPath(const std::string& name) {
    return ::testing::TempDir() + "/cli_run_test." + std::to_string(getpid()) +
           "." + name;
  }

  std::string WriteTemp(const std::string& name, const std::string& content) {
    const std::string path = TempPath(name);
    std::ofstream(path) << content;
    return path;
  }

  FakeOrganizations organizations_;
  FakeGraduates graduates_;
  FakeFeed feed_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CliRunTest, SendsTheBearerToken) {
  EXPECT_EQ(Run({"--token=secret", "whoami"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("admin"));
  // Global flags may follow the command.
  EXPECT_EQ(Run({"whoami", "--token", "secret", "--output=json"}), kExitOk);
  EXPECT_EQ(out_.str(),
            "{\"organizationId\":\"federation\",\"role\":\"ROLE_ADMIN\"}\n");
}

TEST_F(CliRunTest, TokenFromFileOrEnvironment) {
  const std::string path = WriteTemp("admin.token", "secret\n");
  EXPECT_EQ(Run({"--token_file=" + path, "whoami"}), kExitOk) << err_.str();
  setenv("PASSERELLE_TOKEN", "secret", 1);
  EXPECT_EQ(Run({"whoami"}), kExitOk) << err_.str();
  unsetenv("PASSERELLE_TOKEN");
  EXPECT_EQ(Run({"--token_file=/nonexistent/admin.token", "whoami"}),
            kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--token_file"));
}

TEST_F(CliRunTest, ServerErrorIsPrintedWithItsCode) {
  EXPECT_EQ(Run({"whoami"}), kExitError);
  EXPECT_THAT(err_.str(), StartsWith("error: UNAUTHENTICATED: bad token"));
  EXPECT_THAT(err_.str(), HasSubstr("PASSERELLE_TOKEN"));
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CliRunTest, UnimplementedRpcsFailCleanly) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"rank", "offers", "--graduate_id=g1"},
           {"rank", "graduates", "--offer_id=o1", "--all"},
           {"explain", "--graduate_id=g1", "--offer_id=o1"},
           {"plan", "--k=6"},
           {"proposal", "send", "--offer_id=o1", "--graduate_id=g1"},
           {"proposal", "respond", "p1", "--decline"},
           {"proposal", "list", "--graduate_id=g1"},
           {"stats", "--departement=59"},
           {"offer", "search", "--rome=H2903,H2202", "--contract=cdi",
            "--commune=59350", "--radius_km=20"}}) {
    EXPECT_EQ(Run(args), kExitError) << args[0];
    EXPECT_THAT(err_.str(), StartsWith("error: UNIMPLEMENTED: ")) << args[0];
    EXPECT_EQ(Lines(err_.str()).size(), 1u) << err_.str();
  }
}

TEST_F(CliRunTest, UsageErrorsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {{"graduate", "list", "--colour=red"}, "--colour"},
           {{"token", "issue", "--role=chef"}, "--role"},
           {{"token", "issue"}, "--role is required"},
           {{"graduate", "list", "--page_size=many"}, "--page_size"},
           {{"graduate", "create", "--max_distance_km=far"},
            "--max_distance_km"},
           {{"graduate", "create", "--accepted_contracts=cdi,interim"},
            "--accepted_contracts"},
           {{"graduate", "update", "g1", "--given_name=Zoé"}, "--version"},
           {{"graduate", "update", "g1", "--version=2"}, "nothing to update"},
           {{"offer", "search", "--lat=50.6"}, "--lat and --lng"},
           {{"company", "create", "--json={nope"}, "--json"},
           {{"--output=xml", "whoami"}, "--output"},
           {{"frobnicate"}, "unknown command"},
           {{"company"}, "needs a subcommand"},
           {{"import", "graduates"}, "needs FILE"},
           {{"import", "graduates", "/nonexistent.csv"}, "cannot open"},
           {{"proposal", "respond", "p1"}, "--accept"},
           {{"stats", "--school_id=s", "--region=32"}, "at most one"}}) {
    EXPECT_EQ(Run(c.args), kExitUsage) << c.args[0] << " " << err_.str();
    EXPECT_THAT(err_.str(), HasSubstr(c.expected)) << c.args[0];
  }
}

TEST_F(CliRunTest, TokenAfterRevokeIsTheTokenToRevoke) {
  ASSERT_EQ(Run({"--token=secret", "token", "revoke", "--token=victim"}),
            kExitOk)
      << err_.str();
  EXPECT_EQ(organizations_.revoke.token(), "victim");
  EXPECT_EQ(organizations_.revoke_authorization, "Bearer secret");
}

TEST_F(CliRunTest, UpdateMaskFromTheFlagsGiven) {
  ASSERT_EQ(Run({"graduate", "update", "g1", "--version=3", "--given_name=Zoé",
                 "--diploma.status=obtained", "--rome=H2903,H2202",
                 "--driving_licence"}),
            kExitOk)
      << err_.str();
  const v1::UpdateGraduateRequest& update = graduates_.update;
  EXPECT_THAT(update.update_mask().paths(),
              ElementsAre("given_name", "diploma.status", "rome_codes",
                          "driving_licence"));
  EXPECT_EQ(update.graduate().id(), "g1");
  EXPECT_EQ(update.graduate().version(), 3);
  EXPECT_EQ(update.graduate().given_name(), "Zoé");
  EXPECT_EQ(update.graduate().diploma().status(), v1::DIPLOMA_STATUS_OBTAINED);
  EXPECT_THAT(update.graduate().rome_codes(), ElementsAre("H2903", "H2202"));
  EXPECT_TRUE(update.graduate().driving_licence());
  EXPECT_THAT(out_.str(), HasSubstr("version"));
}

TEST_F(CliRunTest, UpdateMaskFromJsonAndClearingFlags) {
  ASSERT_EQ(
      Run({"graduate", "update",
           R"(--json={"id":"g2","version":"5","skills":["tig"],"home":{"commune_insee":"59350"}})",
           "--max_distance_km=40", "--phone="}),
      kExitOk)
      << err_.str();
  EXPECT_EQ(graduates_.update.graduate().id(), "g2");
  EXPECT_THAT(graduates_.update.update_mask().paths(),
              ElementsAre("skills", "home", "max_distance_km", "phone"));
  ASSERT_EQ(Run({"graduate", "update", "g3", "--version=1",
                 "--update_mask=skills", "--skills="}),
            kExitOk);
  EXPECT_THAT(graduates_.update.update_mask().paths(), ElementsAre("skills"));
  EXPECT_EQ(graduates_.update.graduate().skills_size(), 0);
}

TEST_F(CliRunTest, ListPagesAndJsonLines) {
  ASSERT_EQ(Run({"company", "list"}), kExitOk);
  EXPECT_THAT(Lines(out_.str()), SizeIs(3));  // header + first page
  EXPECT_THAT(err_.str(), HasSubstr("--page_token=p2"));
  ASSERT_EQ(Run({"company", "list", "--all", "--output=json"}), kExitOk);
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("{\"name\":\"Forges de Lille\"}",
                          "{\"name\":\"Menuiserie Lefèvre\"}",
                          "{\"name\":\"Usinage Œuvrard\"}"));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CliRunTest, ListTableAlignsAccentedNames) {
  ASSERT_EQ(Run({"graduate", "list"}), kExitOk);
  const auto lines = Lines(out_.str());
  ASSERT_THAT(lines, SizeIs(4));
  // FAMILY_NAME starts at the same display column on every line.
  const size_t column =
      DisplayWidth(lines[0].substr(0, lines[0].find("FAMILY")));
  for (size_t i = 1; i < lines.size(); ++i) {
    for (const char* family : {"Lefèvre", "Dupont", "Nguyễn"}) {
      const size_t at = lines[i].find(family);
      if (at != std::string::npos) {
        EXPECT_EQ(DisplayWidth(lines[i].substr(0, at)), column) << lines[i];
      }
    }
  }
}

TEST_F(CliRunTest, WatchStopsAfterMaxEvents) {
  ASSERT_EQ(Run({"watch", "--since=10", "--max_events=3", "--output=json"}),
            kExitOk)
      << err_.str();
  EXPECT_THAT(Lines(out_.str()), ElementsAre(HasSubstr("\"sequence\":\"11\""),
                                             HasSubstr("\"sequence\":\"12\""),
                                             HasSubstr("\"sequence\":\"13\"")));
}

class ImportTest : public CliRunTest {
 protected:
  std::string Csv() {
    return WriteTemp(
        "graduates.csv",
        "external_id,given_name,family_name,max_distance_km,"
        "accepted_contracts\n"
        "EP-1,Clémence,Lefèvre,30,cdi|apprenticeship\n"       // line 2
        "EP-2,Léo,Martin,loin,cdi\n"                          // 3: invalid
        "EP-3,REJECT,Durand,10,cdd\n"                         // 4: rejected
        "EP-4,\"Anne\nSophie\",Petit,20,CONTRACT_TYPE_CDI\n"  // 5-6
        "EP-5,Noé,Bernard,15,apprenticeship\n"                // 7
        "EP-6,Inès,Roux,25,cdi\n");                           // 8
  }

  google::protobuf::Struct Summary() {
    google::protobuf::Struct summary;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(out_.str(), &summary).ok())
        << out_.str();
    return summary;
  }
};

TEST_F(ImportTest, ChunksAcknowledgementsAndLineNumbers) {
  const std::string acks = TempPath("acks-ok.txt");
  std::remove(acks.c_str());
  ASSERT_EQ(Run({"import", "graduates", Csv(), "--batch_size=2",
                 "--ack_file=" + acks, "--output=json", "--quiet"}),
            kExitOk)
      << err_.str();
  EXPECT_THAT(graduates_.chunk_sizes, ElementsAre(2, 2, 1));
  EXPECT_EQ(ReadFile(acks), "EP-1\nEP-4\nEP-5\nEP-6\n");
  const auto summary = Summary();
  const auto& f = summary.fields();
  EXPECT_EQ(f.at("rows").number_value(), 6);
  EXPECT_EQ(f.at("invalid").number_value(), 1);
  EXPECT_EQ(f.at("sent").number_value(), 5);
  EXPECT_EQ(f.at("created").number_value(), 4);
  EXPECT_EQ(f.at("rejected").number_value(), 1);
  EXPECT_EQ(f.at("acknowledged").number_value(), 4);
  EXPECT_TRUE(f.at("complete").bool_value());
  const auto& errors = f.at("errors").list_value().values();
  ASSERT_EQ(errors.size(), 2);
  const auto& invalid = errors[0].struct_value().fields();
  EXPECT_EQ(invalid.at("line").number_value(), 3);
  EXPECT_EQ(invalid.at("column").number_value(), 4);
  EXPECT_EQ(invalid.at("field").string_value(), "max_distance_km");
  EXPECT_EQ(invalid.at("externalId").string_value(), "EP-2");
  const auto& rejected = errors[1].struct_value().fields();
  EXPECT_EQ(rejected.at("line").number_value(), 4);  // mapped from index
  EXPECT_EQ(rejected.at("externalId").string_value(), "EP-3");
  EXPECT_EQ(rejected.at("field").string_value(), "graduate.given_name");
}

TEST_F(ImportTest, TableSummaryAndFailOnReject) {
  ASSERT_EQ(Run({"import", "graduates", Csv(), "--fail_on_reject"}),
            kExitRejected);
  EXPECT_THAT(out_.str(), HasSubstr("rejected"));
  EXPECT_THAT(out_.str(), HasSubstr("max_distance_km (column 4)"));
  EXPECT_THAT(out_.str(), HasSubstr("rejected by the test"));
  // Not a terminal: plain progress lines.
  EXPECT_THAT(err_.str(), HasSubstr("import graduates: 6 rows"));
}

TEST_F(ImportTest, StopsWhenTheServerFails) {
  graduates_.fail_call = 2;
  const std::string acks = TempPath("acks-fail.txt");
  std::remove(acks.c_str());
  ASSERT_EQ(Run({"import", "graduates", Csv(), "--batch_size=2",
                 "--ack_file=" + acks, "--quiet"}),
            kExitError);
  EXPECT_THAT(graduates_.chunk_sizes, SizeIs(2));
  EXPECT_EQ(ReadFile(acks), "EP-1\n");  // only the first chunk's answer
  EXPECT_THAT(err_.str(), StartsWith("error: UNAVAILABLE: server going away"));
  EXPECT_THAT(out_.str(), HasSubstr("not acknowledged"));
}

TEST_F(ImportTest, AFailedCallAcknowledgesWhatTheServerReportsWritten) {
  graduates_.fail_call = 2;
  graduates_.fail_settled = 1;  // of EP-4, EP-5: EP-4 written
  const std::string acks = TempPath("acks-settled.txt");
  std::remove(acks.c_str());
  ASSERT_EQ(Run({"import", "graduates", Csv(), "--batch_size=2",
                 "--ack_file=" + acks, "--quiet", "--output=json"}),
            kExitError);
  EXPECT_EQ(ReadFile(acks), "EP-1\nEP-4\n");
  const google::protobuf::Struct summary = Summary();
  const auto& f = summary.fields();
  EXPECT_EQ(f.at("acknowledged").number_value(), 2);
  EXPECT_EQ(f.at("notAcknowledged").number_value(), 1);
  EXPECT_EQ(f.at("created").number_value(), 2);
  EXPECT_FALSE(f.at("complete").bool_value());
}

TEST_F(ImportTest, JsonLinesAndDryRun) {
  const std::string path =
      WriteTemp("graduates.jsonl",
                "{\"external_id\":\"J-1\",\"given_name\":\"Zoé\"}\n"
                "{\"external_id\":\"J-2\",\"given_name\":}\n"
                "{\"external_id\":\"J-3\",\"given_name\":\"Léa\"}\n");
  ASSERT_EQ(Run({"import", "graduates", path, "--dry_run", "--output=json"}),
            kExitOk);
  EXPECT_THAT(graduates_.chunk_sizes, SizeIs(0));
  EXPECT_EQ(Summary().fields().at("invalid").number_value(), 1);
  ASSERT_EQ(Run({"import", "graduates", path, "--quiet"}), kExitOk);
  EXPECT_THAT(graduates_.chunk_sizes, ElementsAre(2));
}

TEST(CliOutOfProcessTest, UnreachableServerAndPlaintextPolicy) {
  std::ostringstream out, err;
  const char* unreachable[] = {"passerelle-cli", "--address=127.0.0.1:1",
                               "--timeout_s=10", "whoami"};
  EXPECT_EQ(RunCli(4, unreachable, out, err), kExitError);
  EXPECT_THAT(err.str(), StartsWith("error: UNAVAILABLE: "));
  std::ostringstream err2;
  const char* remote[] = {"passerelle-cli", "--address=192.0.2.1:50051",
                          "whoami"};
  EXPECT_EQ(RunCli(3, remote, out, err2), kExitUsage);
  EXPECT_THAT(err2.str(), HasSubstr("--tls"));
}

TEST(CliOutOfProcessTest, Help) {
  std::ostringstream out, err;
  const char* help[] = {"passerelle-cli", "help"};
  EXPECT_EQ(RunCli(2, help, out, err), kExitOk);
  EXPECT_THAT(out.str(), HasSubstr("import graduates FILE"));
  std::ostringstream out2;
  const char* update_help[] = {"passerelle-cli", "graduate", "update",
                               "--help"};
  EXPECT_EQ(RunCli(4, update_help, out2, err), kExitOk);
  EXPECT_THAT(out2.str(), HasSubstr("--diploma.code"));
}

TEST(SplitCommandLineTest, GlobalFlagsBeforeAndAfterTheCommand) {
  auto split =
      SplitCommandLine({"--address", "127.0.0.1:5", "graduate", "list",
                        "--school_id", "s1", "--output=json", "--all"});
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_THAT(split->global_args,
              ElementsAre("--address=127.0.0.1:5", "--output=json"));
  EXPECT_THAT(split->command_args,
              ElementsAre("graduate", "list", "--school_id", "s1", "--all"));
  EXPECT_FALSE(SplitCommandLine({"--school_id=s1", "graduate", "list"}).ok());
}

}  // namespace
}  // namespace passerelle::cli
