// passerelle-gateway: the HTTP/JSON gateway as its own process, in front of
// the gRPC services of the multi-process layout.

#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/gateway/gateway.h"

ABSL_FLAG(std::string, listen, "127.0.0.1", "Address to listen on");
ABSL_FLAG(int, http_port, 8080, "HTTP port; 0 takes any free port");
ABSL_FLAG(std::string, http_port_file, "",
          "Where to write the bound port once serving");
ABSL_FLAG(std::string, grpc_address, "",
          "The gRPC server serving every service not given below");
ABSL_FLAG(std::string, organizations_address, "",
          "Address of the organization service");
ABSL_FLAG(std::string, graduates_address, "",
          "Address of the graduate service");
ABSL_FLAG(std::string, offers_address, "", "Address of the offer service");
ABSL_FLAG(std::string, services_ca_file, "",
          "Reach the services over TLS, trusting this PEM CA (with "
          "tls_cert_file/tls_key_file as the client certificate for mTLS)");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM client certificate chain presented to the services (mTLS)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of that certificate");
ABSL_FLAG(std::string, http_tls_cert_file, "",
          "Serve HTTPS with this PEM certificate chain (with "
          "http_tls_key_file); plaintext is for loopback only");
ABSL_FLAG(std::string, http_tls_key_file, "",
          "PEM private key of http_tls_cert_file");
ABSL_FLAG(std::string, http_tls_client_ca_file, "",
          "Require HTTPS clients to present a certificate this PEM CA "
          "signed (mTLS)");
ABSL_FLAG(std::string, web_dir, "",
          "The web application's files (default: the build's clients/web)");
ABSL_FLAG(
    bool, allow_insecure_remote, false,
    "Allow plaintext HTTP on a non-loopback address (behind a TLS proxy)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves Passerelle's HTTP/JSON API in front of its gRPC services.");
  absl::ParseCommandLine(argc, argv);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::map<std::string, std::string> addresses = {
      {"passerelle.v1.OrganizationService",
       absl::GetFlag(FLAGS_organizations_address)},
      {"passerelle.v1.GraduateService", absl::GetFlag(FLAGS_graduates_address)},
      {"passerelle.v1.OfferService", absl::GetFlag(FLAGS_offers_address)},
      // Integrations need the proposals: the embedded layout only (the
      // fallback --grpc_address).
      // Every process serves the referentials; the offers one has the forms.
      {"passerelle.v1.ReferentialService", absl::GetFlag(FLAGS_offers_address)},
  };
  const std::string fallback = absl::GetFlag(FLAGS_grpc_address);
  // Plaintext to the services unless a CA is given (the services of the
  // multi-process layout serve TLS).
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (!absl::GetFlag(FLAGS_services_ca_file).empty()) {
    auto read = [](const std::string& path, std::string* out) {
      std::ifstream in(path);
      std::stringstream ss;
      ss << in.rdbuf();
      *out = ss.str();
      return static_cast<bool>(in) && !out->empty();
    };
    grpc::SslCredentialsOptions ssl;
    if (!read(absl::GetFlag(FLAGS_services_ca_file), &ssl.pem_root_certs)) {
      std::cerr << "passerelle-gateway: services_ca_file: cannot read "
                << absl::GetFlag(FLAGS_services_ca_file) << "\n";
      return 2;
    }
    if (!absl::GetFlag(FLAGS_tls_cert_file).empty() &&
        (!read(absl::GetFlag(FLAGS_tls_cert_file), &ssl.pem_cert_chain) ||
         !read(absl::GetFlag(FLAGS_tls_key_file), &ssl.pem_private_key))) {
      std::cerr << "passerelle-gateway: tls_cert_file: cannot read the "
                   "certificate and its tls_key_file\n";
      return 2;
    }
    credentials = grpc::SslCredentials(ssl);
  }
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;
  auto channel_for =
      [&](const std::string& service) -> std::shared_ptr<grpc::Channel> {
    auto it = addresses.find(service);
    const std::string address =
        it != addresses.end() && !it->second.empty() ? it->second : fallback;
    if (address.empty()) return nullptr;
    auto& channel = channels[address];
    if (channel == nullptr) channel = grpc::CreateChannel(address, credentials);
    return channel;
  };

  passerelle::gateway::GatewayOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.port = absl::GetFlag(FLAGS_http_port);
  options.port_file = absl::GetFlag(FLAGS_http_port_file);
  options.tls_cert_file = absl::GetFlag(FLAGS_http_tls_cert_file);
  options.tls_key_file = absl::GetFlag(FLAGS_http_tls_key_file);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_http_tls_client_ca_file);
  options.allow_insecure_remote = absl::GetFlag(FLAGS_allow_insecure_remote);
  options.web_dir = absl::GetFlag(FLAGS_web_dir).empty()
                        ? passerelle::gateway::DefaultWebDir()
                        : absl::GetFlag(FLAGS_web_dir);
  auto gateway = passerelle::gateway::Gateway::Start(options, channel_for);
  if (!gateway.ok()) {
    std::cerr << "passerelle-gateway: " << gateway.status().message() << "\n";
    return 2;
  }
  int signal = 0;
  sigwait(&signals, &signal);
  LOG(INFO) << "Received " << (signal == SIGINT ? "SIGINT" : "SIGTERM");
  (*gateway)->Shutdown();
  return 0;
}
