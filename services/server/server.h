#pragma once

// passerelle-server: every service in one process, on one port, with one
// data directory (the embedded default). The per-service binaries build on
// the same libraries.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace passerelle::server {

// Which services a process runs: all of them (the embedded default), or one
// write service with its own store and change feed (multi-process layout).
enum class Mode { kAll, kOrganizations, kGraduates, kOffers };

// Parses "all", "organizations", "graduates", "offers".
absl::StatusOr<Mode> ParseMode(absl::string_view name);

struct Options {
  Mode mode = Mode::kAll;
  // Graduates and offers processes: where the organization service is, and
  // the file holding an admin token for organization look-ups.
  std::string organizations_address;
  std::string service_token_file;
  // Set: reach the organization service over TLS, trusting this CA (and
  // presenting tls_cert_file/tls_key_file when given, for mTLS).
  std::string organizations_ca_file;
  std::string data_dir;  // created if missing
  std::string listen_address = "127.0.0.1";
  int port = 0;                  // 0: any free port
  std::string port_file;         // written once serving
  std::string referentials_dir;  // empty: common::DefaultDataDir()
  // Imports, searches, lists and proposals run on `worker_threads`;
  // ranking (RankOffers, RankGraduates, ExplainMatch, GetIndexStatus) on
  // `rank_threads` of its own, so that scans cannot delay it; placement
  // plans on a thread of their own.
  int worker_threads = 2;
  int rank_threads = 2;
  int max_message_bytes = 4 << 20;  // larger requests are refused
  // An import stream that receives no record for this long is ended
  // (runtime/import_reactor.h).
  absl::Duration import_idle_timeout = absl::Seconds(60);
  // TLS: both files, or neither (plaintext, allowed on loopback only unless
  // allow_insecure_remote).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;  // set: mTLS, client certificates required
  bool allow_insecure_remote = false;
  // The HTTP/JSON gateway (embedded layout only): -1 off, 0 any free port.
  // It calls the services in process and follows the same --listen rule.
  int http_port = -1;
  std::string http_port_file;  // written once serving HTTP
  // The web application's files (empty: gateway::DefaultWebDir()).
  std::string web_dir;
  // Invitations by e-mail (the organizations service): the relay
  // (runtime/mail.h; empty: not mailed), the sender, and the address the
  // links in mails start with (required with a relay).
  std::string smtp_url;
  std::string smtp_from;
  std::string smtp_user;
  std::string smtp_password;  // from PASSERELLE_SMTP_PASSWORD
  std::string smtp_ca_file;
  std::string public_url;

  // Webhooks: hosts, addresses or CIDR ranges exempted from the refusal of
  // private, loopback and link-local destinations (and allowed http://);
  // a CA to trust besides the system's; the first retry's delay and each
  // attempt's timeout (0: 10 s each).
  std::vector<std::string> webhook_allowed_hosts;
  std::string webhook_ca_file;
  absl::Duration webhook_retry_base;
  absl::Duration webhook_timeout;

  // Tests only: called at the start of every offer search, on the worker
  // pool (to hold searches there).
  std::function<void()> search_hook_for_testing;
  // Tests only: called on the plan thread as each placement plan starts.
  std::function<void()> plan_hook_for_testing;

  // Tests: the time invitations, sessions, tokens, sign-in throttling and
  // proposals (deadlines) see (empty: the system clock).
  std::function<absl::Time()> clock;
};

class Server {
 public:
  // Opens the store, creates the admin token on the first start, starts
  // serving and writes the port file. Errors name the option at fault.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const Options& options);
  virtual ~Server() = default;

  virtual int port() const = 0;
  // The HTTP/JSON port, or 0 when HTTP is off.
  virtual int http_port() const = 0;
  // A channel to this server that bypasses the network stack.
  virtual std::shared_ptr<grpc::Channel> InProcessChannel() = 0;
  // DATA_DIR/admin.token
  virtual std::string admin_token_path() const = 0;
  // Graceful: stops accepting, ends change-feed streams, ends import
  // streams once what they received is written (UNAVAILABLE with their
  // counts in the trailing metadata), lets in-flight calls finish (up to
  // 10 s), closes the store. Idempotent.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown has completed.
  virtual void Wait() = 0;
};

}  // namespace passerelle::server
