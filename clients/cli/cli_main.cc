// passerelle-cli: parses the global flags (abseil) into CliOptions and hands
// the command to the library. Everything else lives in passerelle_cli_lib.

#include <unistd.h>

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "clients/cli/cli.h"

ABSL_FLAG(std::string, address, "",
          "server HOST:PORT (env PASSERELLE_ADDRESS; default 127.0.0.1:50051)");
ABSL_FLAG(std::string, token, "", "your bearer token (env PASSERELLE_TOKEN)");
ABSL_FLAG(std::string, token_file, "",
          "read your token from this file, e.g. DATA_DIR/admin.token");
ABSL_FLAG(std::string, output, "table", "table or json");
ABSL_FLAG(double, timeout_s, 30,
          "deadline of each call in seconds (0: none; watch has none)");
ABSL_FLAG(bool, tls, false, "connect with TLS");
ABSL_FLAG(std::string, ca_cert, "", "PEM CA certificate (implies --tls)");
ABSL_FLAG(std::string, client_cert, "",
          "PEM client certificate for mutual TLS (implies --tls)");
ABSL_FLAG(std::string, client_key, "", "PEM key of --client_cert");
ABSL_FLAG(bool, insecure, false, "allow plaintext to a non-loopback address");

namespace {

// Ctrl-C during watch or import: stop cleanly (a second one kills).
// Otherwise: the default, end the process.
void OnInterrupt(int signal) {
  std::signal(SIGINT, SIG_DFL);
  if (passerelle::cli::InterruptHandled()) {
    passerelle::cli::RequestInterrupt();
  } else {
    std::raise(signal);
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace cli = passerelle::cli;
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto split = cli::SplitCommandLine(args);
  if (!split.ok()) {
    std::cerr << "error: " << split.status().message() << "\n";
    return cli::kExitUsage;
  }
  // Check the values first, so that a bad one is a usage error (exit 2)
  // rather than abseil's exit 1. abseil's own flags (--flagfile) pass.
  std::vector<std::string> checked;
  for (const std::string& arg : split->global_args) {
    if (arg.rfind("--flagfile", 0) != 0 && arg.rfind("--fromenv", 0) != 0 &&
        arg.rfind("--tryfromenv", 0) != 0 && arg.rfind("--undefok", 0) != 0 &&
        arg.rfind("--help", 0) != 0) {
      checked.push_back(arg);
    }
  }
  if (auto parsed = cli::ParseGlobalArgs(checked); !parsed.ok()) {
    std::cerr << "error: " << parsed.status().message() << "\n";
    return cli::kExitUsage;
  }

  absl::SetProgramUsageMessage(cli::UsageText());
  std::vector<char*> flag_argv = {argv[0]};
  for (std::string& arg : split->global_args) flag_argv.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(flag_argv.size()), flag_argv.data());

  cli::CliOptions options;
  options.address = absl::GetFlag(FLAGS_address);
  options.token = absl::GetFlag(FLAGS_token);
  options.token_file = absl::GetFlag(FLAGS_token_file);
  options.output = absl::GetFlag(FLAGS_output);
  options.timeout_s = absl::GetFlag(FLAGS_timeout_s);
  options.tls = absl::GetFlag(FLAGS_tls);
  options.ca_cert = absl::GetFlag(FLAGS_ca_cert);
  options.client_cert = absl::GetFlag(FLAGS_client_cert);
  options.client_key = absl::GetFlag(FLAGS_client_key);
  options.insecure = absl::GetFlag(FLAGS_insecure);
  options.stderr_is_tty = isatty(STDERR_FILENO) == 1;

  std::signal(SIGINT, OnInterrupt);
  return cli::RunCommand(std::move(options), split->command_args, std::cout,
                         std::cerr);
}
