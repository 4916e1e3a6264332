#pragma once

// passerelle-cli as a library: everything but flag parsing lives here, so
// that tests run the very same code in process, with their own streams.
//
//   passerelle-cli [global flags] <command> [args] [--flags]
//
// Exit codes: 0 success, 1 the server answered an error (printed as
// "error: <CODE>: <message>" on stderr), 2 usage error (the message names
// the flag), 3 import ran but rows were rejected and --fail_on_reject was
// given.

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace passerelle::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRejected = 3;

inline constexpr char kDefaultAddress[] = "127.0.0.1:50051";

// The global flags, as cli_main.cc parses them.
struct CliOptions {
  // HOST:PORT. Empty: $PASSERELLE_ADDRESS, else kDefaultAddress.
  std::string address;
  // The bearer token. Empty: the content of token_file, else
  // $PASSERELLE_TOKEN. Giving both token and token_file is a usage error.
  std::string token;
  std::string token_file;        // e.g. DATA_DIR/admin.token
  std::string output = "table";  // "table" or "json"
  double timeout_s = 30;  // deadline of each call (0: none); watch has none
  // TLS: server authentication with ca_cert (PEM; system roots when
  // empty), mutual TLS when client_cert and client_key are given.
  bool tls = false;
  std::string ca_cert;
  std::string client_cert;
  std::string client_key;
  // Without --tls, only loopback addresses are dialed (the token would
  // travel in clear); --insecure allows any address.
  bool insecure = false;
  // Whether stderr is a terminal (progress bars).
  bool stderr_is_tty = false;
  // Tests: talk over this channel instead of dialing `address`.
  std::shared_ptr<grpc::Channel> channel;
};

// The command line split in two: the global flags (as "--name=value") and
// the command with its own arguments. Global flags may appear before the
// command, or after it when the command has no flag of the same name (so
// `token revoke --token=T` revokes T; the caller's token then goes before
// the command or in the environment). A usage error for an unknown command
// or a global flag without its value.
struct SplitArgs {
  std::vector<std::string> global_args;
  std::vector<std::string> command_args;
};
absl::StatusOr<SplitArgs> SplitCommandLine(
    const std::vector<std::string>& args);

// Names of the global flags (without dashes), for cli_main.cc.
const std::vector<std::string>& GlobalFlagNames();

// Parses global_args (as SplitCommandLine returns them) without abseil
// flags: what RunCli uses in process.
absl::StatusOr<CliOptions> ParseGlobalArgs(
    const std::vector<std::string>& global_args);

// Runs one command. Output goes to `out`, errors and progress to `err`.
// Returns the exit code.
int RunCommand(CliOptions options, const std::vector<std::string>& command_args,
               std::ostream& out, std::ostream& err);

// The whole command line, argv[0] being the program name: SplitCommandLine,
// ParseGlobalArgs, RunCommand. What tests call in process.
int RunCli(int argc, const char* const* argv, std::ostream& out,
           std::ostream& err);

// Asks a running `watch` or `import` to stop cleanly (Ctrl-C). Safe to call
// from a signal handler.
void RequestInterrupt();
bool InterruptRequested();
// True while such a command runs; otherwise Ctrl-C should just end the
// process. Safe to call from a signal handler.
bool InterruptHandled();

// Marks the lifetime of a command that handles interruption.
class ScopedInterruptHandling {
 public:
  ScopedInterruptHandling();
  ~ScopedInterruptHandling();
  ScopedInterruptHandling(const ScopedInterruptHandling&) = delete;
  ScopedInterruptHandling& operator=(const ScopedInterruptHandling&) = delete;
};

// The general help text.
std::string UsageText();

}  // namespace passerelle::cli
