// passerelle-server: flags into server::Options, signals into Shutdown.

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "services/server/server.h"

ABSL_FLAG(std::string, data_dir, "var/passerelle",
          "Data directory (RocksDB, admin.token)");
ABSL_FLAG(std::string, listen, "127.0.0.1", "Address to listen on");
ABSL_FLAG(int, port, 50051, "Port; 0 takes any free port (see --port_file)");
ABSL_FLAG(std::string, port_file, "",
          "Where to write the bound port once serving");
ABSL_FLAG(
    std::string, referentials_dir, "",
    "Directory of the shipped referentials (default: the project's data/)");
ABSL_FLAG(int, worker_threads, 2,
          "Threads for imports, searches, lists and proposals");
ABSL_FLAG(int, rank_threads, 2,
          "Threads for ranking only (searches cannot delay it)");
ABSL_FLAG(int, max_message_bytes, 4 << 20, "Largest request accepted");
ABSL_FLAG(absl::Duration, import_idle_timeout, absl::Seconds(60),
          "An import stream that receives no record for this long is ended "
          "(its counts in the trailing metadata)");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain (enables TLS)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA for client certificates (mTLS)");
#ifndef PASSERELLE_DEFAULT_SERVICE
#define PASSERELLE_DEFAULT_SERVICE "all"
#endif

ABSL_FLAG(std::string, service, PASSERELLE_DEFAULT_SERVICE,
          "Services to run: all (embedded default), or one of organizations, "
          "graduates, offers (multi-process layout)");
ABSL_FLAG(std::string, organizations_address, "",
          "graduates/offers: address of the organization service");
ABSL_FLAG(
    std::string, service_token_file, "",
    "graduates/offers: file holding an admin token for organization look-ups");
ABSL_FLAG(
    std::string, organizations_ca_file, "",
    "graduates/offers: reach the organization service over TLS with this CA");
ABSL_FLAG(int, http_port, -1,
          "HTTP/JSON API port (embedded layout); 0 takes any free port, -1 "
          "serves no HTTP");
ABSL_FLAG(std::string, http_port_file, "",
          "Where to write the bound HTTP port once serving");
ABSL_FLAG(std::string, web_dir, "",
          "The web application's files (default: the build's clients/web)");
ABSL_FLAG(bool, allow_insecure_remote, false,
          "Allow plaintext on a non-loopback address");

ABSL_FLAG(std::string, smtp_url, "",
          "SMTP relay for invitation mails: smtp://host[:port] (STARTTLS "
          "required off loopback) or smtps://host[:port]; empty: invitations "
          "are not mailed (their link is shown to whoever invites). The "
          "password, if any, is read from PASSERELLE_SMTP_PASSWORD");
ABSL_FLAG(std::string, smtp_from, "", "The sender of invitation mails");
ABSL_FLAG(std::string, smtp_user, "", "The relay's user name, if it asks");
ABSL_FLAG(std::string, smtp_ca_file, "",
          "A CA to trust for the relay's certificate (default: the system's)");
ABSL_FLAG(std::string, public_url, "",
          "Where people reach the web application (https://...): the links "
          "in mails start with it");

ABSL_FLAG(std::vector<std::string>, webhook_allowed_hosts, {},
          "Webhook destinations exempted from the refusal of private, "
          "loopback and link-local addresses (and allowed plain http://): "
          "host names, addresses or CIDR ranges, comma-separated, e.g. "
          "127.0.0.1 or 10.20.0.0/16");
ABSL_FLAG(std::string, webhook_ca_file, "",
          "A CA to trust for webhook receivers, besides the system's");
ABSL_FLAG(absl::Duration, webhook_retry_base, absl::Seconds(10),
          "The first webhook retry's delay (doubling, with jitter, up to 6 h, "
          "for 3 days)");
ABSL_FLAG(absl::Duration, webhook_timeout, absl::Seconds(10),
          "Each webhook attempt's time limit");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Runs every Passerelle service in one process.");
  absl::ParseCommandLine(argc, argv);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  // Debian's abseil records the order of mutex acquisitions to report
  // deadlocks: a debugging aid the tests keep and the server goes without.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  passerelle::server::Options options;
  auto mode = passerelle::server::ParseMode(absl::GetFlag(FLAGS_service));
  if (!mode.ok()) {
    std::cerr << "passerelle-server: " << mode.status().message() << "\n";
    return 2;
  }
  options.mode = *mode;
  options.organizations_address = absl::GetFlag(FLAGS_organizations_address);
  options.service_token_file = absl::GetFlag(FLAGS_service_token_file);
  options.organizations_ca_file = absl::GetFlag(FLAGS_organizations_ca_file);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.port = absl::GetFlag(FLAGS_port);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.referentials_dir = absl::GetFlag(FLAGS_referentials_dir);
  options.worker_threads = absl::GetFlag(FLAGS_worker_threads);
  options.rank_threads = absl::GetFlag(FLAGS_rank_threads);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.import_idle_timeout = absl::GetFlag(FLAGS_import_idle_timeout);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  options.allow_insecure_remote = absl::GetFlag(FLAGS_allow_insecure_remote);
  options.http_port = absl::GetFlag(FLAGS_http_port);
  options.http_port_file = absl::GetFlag(FLAGS_http_port_file);
  options.web_dir = absl::GetFlag(FLAGS_web_dir);
  options.smtp_url = absl::GetFlag(FLAGS_smtp_url);
  options.smtp_from = absl::GetFlag(FLAGS_smtp_from);
  options.smtp_user = absl::GetFlag(FLAGS_smtp_user);
  options.smtp_ca_file = absl::GetFlag(FLAGS_smtp_ca_file);
  options.public_url = absl::GetFlag(FLAGS_public_url);
  options.webhook_allowed_hosts = absl::GetFlag(FLAGS_webhook_allowed_hosts);
  options.webhook_ca_file = absl::GetFlag(FLAGS_webhook_ca_file);
  options.webhook_retry_base = absl::GetFlag(FLAGS_webhook_retry_base);
  options.webhook_timeout = absl::GetFlag(FLAGS_webhook_timeout);
  if (const char* password = std::getenv("PASSERELLE_SMTP_PASSWORD")) {
    options.smtp_password = password;
  }

  auto server = passerelle::server::Server::Start(options);
  if (!server.ok()) {
    std::cerr << "passerelle-server: " << server.status().message() << "\n";
    return 2;
  }
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    LOG(INFO) << "Received " << (signal == SIGINT ? "SIGINT" : "SIGTERM");
    (*server)->Shutdown();
  });
  (*server)->Wait();
  waiter.join();
  return 0;
}
