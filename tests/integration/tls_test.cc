// TLS on the embedded server's two ports: with --tls_cert_file and
// --tls_key_file, gRPC and HTTP both speak TLS with that certificate (and
// require client certificates with --tls_client_ca_file); plaintext HTTP
// is refused off loopback, as plaintext gRPC is. Certificates:
// tests/testdata/tls (test-only, README there).

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "passerelle/v1/organization.grpc.pb.h"
#include "tests/testing/fixture.h"
#include "tests/testing/http.h"

namespace passerelle {
namespace {

using ::testing::HasSubstr;
using testing::HttpCall;
using testing::HttpResult;
using testing::HttpsCall;
using testing::TlsClient;

std::string TestData(const std::string& name) {
  return absl::StrCat(PASSERELLE_TLS_TESTDATA, "/", name);
}

server::Options WithTls(bool require_client_certificates) {
  server::Options options;
  options.http_port = 0;
  options.tls_cert_file = TestData("server.pem");
  options.tls_key_file = TestData("server.key");
  if (require_client_certificates) {
    options.tls_client_ca_file = TestData("ca.pem");
  }
  return options;
}

std::map<std::string, std::string> Bearer(const std::string& token) {
  return {{"Authorization", absl::StrCat("Bearer ", token)}};
}

TEST(TlsTest, HttpAndGrpcSpeakTlsWithTheServersCertificate) {
  testing::TestServer server(WithTls(false));
  const int http_port = server.server().http_port();
  ASSERT_GT(http_port, 0);
  const TlsClient trusting{TestData("ca.pem"), "", ""};

  HttpResult who = HttpsCall(http_port, trusting, "GET", "/v1/whoami", "",
                             Bearer(server.admin_token()));
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_THAT(who.body, HasSubstr("ROLE_ADMIN"));
  // The web application and the cookies' Secure flag now hold on the wire.
  HttpResult page = HttpsCall(http_port, trusting, "GET", "/");
  EXPECT_EQ(page.status, 200);

  // Plaintext to the TLS port gets no HTTP answer.
  EXPECT_EQ(HttpCall(http_port, "GET", "/v1/whoami").status, 0);
  // A client that does not trust the CA (here: trusts only the client
  // certificate) fails the handshake.
  EXPECT_EQ(HttpsCall(http_port, TlsClient{TestData("client.pem"), "", ""},
                      "GET", "/v1/whoami")
                .status,
            0);

  // gRPC on its port, with the same certificate.
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = testing::ReadFileOrDie(TestData("ca.pem"));
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto channel = grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", server.server().port()),
      grpc::SslCredentials(ssl), args);
  auto stub = v1::OrganizationService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      absl::StrCat("Bearer ", server.admin_token()));
  v1::WhoAmIResponse response;
  grpc::Status status = stub->WhoAmI(&context, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.role(), v1::ROLE_ADMIN);
}

TEST(TlsTest, ClientCertificatesAreRequiredWithAClientCa) {
  testing::TestServer server(WithTls(true));
  const int http_port = server.server().http_port();
  const TlsClient anonymous{TestData("ca.pem"), "", ""};
  const TlsClient certified{TestData("ca.pem"), TestData("client.pem"),
                            TestData("client.key")};
  EXPECT_EQ(HttpsCall(http_port, anonymous, "GET", "/v1/whoami", "",
                      Bearer(server.admin_token()))
                .status,
            0);
  HttpResult who = HttpsCall(http_port, certified, "GET", "/v1/whoami", "",
                             Bearer(server.admin_token()));
  EXPECT_EQ(who.status, 200) << who.body;
}

TEST(TlsTest, BadTlsOptionsNameTheOption) {
  testing::TempDir dir;
  server::Options options;
  options.data_dir = absl::StrCat(dir.path(), "/data");
  options.http_port = 0;
  // Plaintext HTTP off loopback is refused, before anything listens.
  options.listen_address = "0.0.0.0";
  auto started = server::Server::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(std::string(started.status().message()), HasSubstr("listen"));

  options.listen_address = "127.0.0.1";
  options.tls_cert_file = TestData("server.pem");
  options.tls_key_file = TestData("missing.key");
  started = server::Server::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(std::string(started.status().message()),
              HasSubstr("tls_key_file"));
}

}  // namespace
}  // namespace passerelle
