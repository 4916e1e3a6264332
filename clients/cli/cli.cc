#include "clients/cli/cli.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/args.h"
#include "clients/cli/commands.h"
#include "clients/cli/output.h"
#include "clients/cli/proto_text.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace passerelle::cli {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_interrupt_handlers{0};
static_assert(std::atomic<bool>::is_always_lock_free &&
                  std::atomic<int>::is_always_lock_free,
              "used from a signal handler");

struct GlobalFlag {
  const char* name;
  FlagKind kind;
  const char* help;
};

constexpr GlobalFlag kGlobalFlags[] = {
    {"address", FlagKind::kString,
     "server HOST:PORT (env PASSERELLE_ADDRESS; default 127.0.0.1:50051)"},
    {"token", FlagKind::kString, "your bearer token (env PASSERELLE_TOKEN)"},
    {"token_file", FlagKind::kString,
     "read your token from this file, e.g. DATA_DIR/admin.token"},
    {"output", FlagKind::kString,
     "table (default) or json (proto3 JSON, one object per line)"},
    {"timeout_s", FlagKind::kString,
     "deadline of each call in seconds (default 30, 0: none)"},
    {"tls", FlagKind::kBool, "connect with TLS"},
    {"ca_cert", FlagKind::kString,
     "PEM file of the CA that signed the server's certificate (implies --tls)"},
    {"client_cert", FlagKind::kString,
     "PEM client certificate, for mutual TLS (implies --tls)"},
    {"client_key", FlagKind::kString,
     "PEM key of --client_cert (implies --tls)"},
    {"insecure", FlagKind::kBool,
     "allow plaintext to a non-loopback address (the token travels in clear)"},
};

// abseil's own flags: cli_main.cc hands them to absl::ParseCommandLine.
constexpr const char* kAbseilFlags[] = {"flagfile", "fromenv", "tryfromenv",
                                        "undefok"};
constexpr const char* kAbseilBoolFlags[] = {"helpfull", "helpshort"};

std::optional<FlagKind> GlobalKind(absl::string_view name) {
  for (const GlobalFlag& flag : kGlobalFlags) {
    if (name == flag.name) return flag.kind;
  }
  for (const char* flag : kAbseilFlags) {
    if (name == flag) return FlagKind::kString;
  }
  for (const char* flag : kAbseilBoolFlags) {
    if (name == flag) return FlagKind::kBool;
  }
  return std::nullopt;
}

bool IsAbseilFlag(absl::string_view name) {
  for (const char* flag : kAbseilFlags) {
    if (name == flag) return true;
  }
  for (const char* flag : kAbseilBoolFlags) {
    if (name == flag) return true;
  }
  return false;
}

std::string FlagName(absl::string_view arg) {
  arg.remove_prefix(2);
  return std::string(arg.substr(0, arg.find('=')));
}

bool IsHelp(absl::string_view arg) { return arg == "--help" || arg == "-h"; }

// Takes the global flag at args[*i] (and its value) into *global.
absl::Status TakeGlobal(const std::vector<std::string>& args, size_t* i,
                        FlagKind kind, std::vector<std::string>* global) {
  const std::string& arg = args[*i];
  if (arg.find('=') != std::string::npos || kind == FlagKind::kBool) {
    global->push_back(arg);
    return absl::OkStatus();
  }
  if (*i + 1 >= args.size()) {
    return UsageError(absl::StrCat("flag ", arg, " needs a value"));
  }
  global->push_back(absl::StrCat(arg, "=", args[++*i]));
  return absl::OkStatus();
}

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

absl::StatusOr<std::string> ReadSmallFile(absl::string_view flag,
                                          const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return UsageError(absl::StrCat("--", flag, ": cannot read \"", path,
                                   "\": ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Environment, token file and implied settings; usage errors name the flag.
absl::Status ResolveOptions(CliOptions* options) {
  if (options->address.empty()) options->address = Getenv("PASSERELLE_ADDRESS");
  if (options->address.empty()) options->address = kDefaultAddress;
  if (!options->token.empty() && !options->token_file.empty()) {
    return UsageError("give --token or --token_file, not both");
  }
  if (options->token.empty() && !options->token_file.empty()) {
    auto content = ReadSmallFile("token_file", options->token_file);
    if (!content.ok()) return content.status();
    options->token = std::string(absl::StripAsciiWhitespace(*content));
    if (options->token.empty()) {
      return UsageError(
          absl::StrCat("--token_file: \"", options->token_file, "\" is empty"));
    }
  }
  if (options->token.empty()) options->token = Getenv("PASSERELLE_TOKEN");
  for (const char c : options->token) {
    if (c <= 0x20 || c >= 0x7F) {
      return UsageError(
          "the token holds characters a header cannot carry (spaces, line "
          "breaks or non-ASCII): check --token / --token_file");
    }
  }
  if (options->timeout_s < 0) {
    return UsageError("--timeout_s: expected a number >= 0");
  }
  if (!options->ca_cert.empty() || !options->client_cert.empty() ||
      !options->client_key.empty()) {
    options->tls = true;
  }
  if (options->client_cert.empty() != options->client_key.empty()) {
    return UsageError("--client_cert and --client_key go together");
  }
  return absl::OkStatus();
}

// Loopback: 127.0.0.0/8, ::1, localhost, or a Unix socket.
bool IsLoopback(absl::string_view address) {
  for (absl::string_view scheme : {"dns:///", "ipv4:", "ipv6:"}) {
    if (absl::StartsWith(address, scheme)) address.remove_prefix(scheme.size());
  }
  if (absl::StartsWith(address, "unix:") ||
      absl::StartsWith(address, "unix-abstract:")) {
    return true;
  }
  absl::string_view host = address;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(1, host.find(']') - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    host = host.substr(0, host.find(':'));
  }
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const CliOptions& options) {
  if (options.channel != nullptr) return options.channel;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_cert.empty()) {
      auto pem = ReadSmallFile("ca_cert", options.ca_cert);
      if (!pem.ok()) return pem.status();
      ssl.pem_root_certs = *std::move(pem);
    }
    if (!options.client_cert.empty()) {
      auto cert = ReadSmallFile("client_cert", options.client_cert);
      if (!cert.ok()) return cert.status();
      auto key = ReadSmallFile("client_key", options.client_key);
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *std::move(cert);
      ssl.pem_private_key = *std::move(key);
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    if (!IsLoopback(options.address) && !options.insecure) {
      return UsageError(absl::StrCat(
          "--address=", options.address,
          " is not a loopback address: use --tls (with --ca_cert), or "
          "--insecure to send your token in clear"));
    }
    credentials = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments arguments;
  // A placement plan or a page of results can exceed gRPC's 4 MiB default.
  arguments.SetMaxReceiveMessageSize(512 << 20);
  return grpc::CreateCustomChannel(options.address, credentials, arguments);
}

// `help [words]`: the general text, a group's commands or one command.
int PrintHelp(const std::vector<std::string>& words, std::ostream& out,
              std::ostream& err) {
  size_t consumed = 0;
  const Command* command = FindCommand(words, &consumed);
  if (command != nullptr && consumed == words.size()) {
    out << CommandUsage(*command);
    return kExitOk;
  }
  if (!words.empty()) {
    std::vector<std::string> group;
    for (const Command& c : AllCommands()) {
      if (c.words.front() == words.front()) group.push_back(c.name());
    }
    if (group.empty()) {
      err << "error: unknown command \"" << absl::StrJoin(words, " ") << "\"\n";
      return kExitUsage;
    }
    out << "commands:\n  passerelle-cli "
        << absl::StrJoin(group, "\n  passerelle-cli ") << "\n";
    return kExitOk;
  }
  out << UsageText();
  return kExitOk;
}

int ReportError(const absl::Status& status, const Command* command,
                std::ostream& err) {
  if (IsUsageError(status)) {
    err << "error: " << status.message() << "\n";
    if (command != nullptr) {
      err << "(passerelle-cli " << command->name()
          << " --help shows its flags)\n";
    }
    return kExitUsage;
  }
  err << "error: " << absl::StatusCodeToString(status.code()) << ": "
      << status.message() << "\n";
  return kExitError;
}

}  // namespace

void RequestInterrupt() { g_interrupted.store(true); }
bool InterruptRequested() { return g_interrupted.load(); }
bool InterruptHandled() { return g_interrupt_handlers.load() > 0; }

ScopedInterruptHandling::ScopedInterruptHandling() {
  g_interrupt_handlers.fetch_add(1);
}
ScopedInterruptHandling::~ScopedInterruptHandling() {
  g_interrupt_handlers.fetch_sub(1);
}

const std::vector<std::string>& GlobalFlagNames() {
  static const auto* const names = [] {
    auto* names = new std::vector<std::string>();
    for (const GlobalFlag& flag : kGlobalFlags) names->push_back(flag.name);
    return names;
  }();
  return *names;
}

std::string UsageText() {
  std::ostringstream text;
  text << "passerelle-cli: the command-line client of Passerelle.\n\n"
          "usage: passerelle-cli [global flags] <command> [args] [--flags]\n\n"
          "commands:\n";
  Table commands({"", ""});
  commands.set_show_header(false);
  for (const Command& command : AllCommands()) {
    std::string name = command.name();
    if (!command.positional_synopsis.empty()) {
      name += " " + command.positional_synopsis;
    }
    // The first sentence.
    std::string summary = command.summary.substr(0, command.summary.find(". "));
    summary = summary.substr(0, summary.find('\n'));
    commands.AddRow({"  " + name, summary});
  }
  commands.Print(text);
  text << "\nglobal flags (before the command, or after it):\n";
  Table flags({"", ""});
  flags.set_show_header(false);
  for (const GlobalFlag& flag : kGlobalFlags) {
    flags.AddRow({absl::StrCat("  --", flag.name,
                               flag.kind == FlagKind::kString ? "=VALUE" : ""),
                  flag.help});
  }
  flags.Print(text);
  text << "\n'passerelle-cli <command> --help' shows a command's flags.\n"
          "Exit codes: 0 success; 1 the server answered an error (\"error: "
          "CODE: message\"); 2 usage error; 3 rows rejected with "
          "--fail_on_reject.\n";
  return text.str();
}

absl::StatusOr<SplitArgs> SplitCommandLine(
    const std::vector<std::string>& args) {
  SplitArgs split;
  size_t i = 0;
  // Before the command: global flags (and --help).
  for (; i < args.size() && absl::StartsWith(args[i], "-"); ++i) {
    if (args[i] == "--") {
      ++i;
      break;
    }
    if (IsHelp(args[i])) {
      split.command_args.push_back(args[i]);
      continue;
    }
    if (!absl::StartsWith(args[i], "--")) {
      return UsageError(absl::StrCat("unknown flag ", args[i]));
    }
    const std::string name = FlagName(args[i]);
    auto kind = GlobalKind(name);
    if (!kind) {
      return UsageError(
          absl::StrCat("unknown global flag --", name,
                       " (a command's flags go after the command)"));
    }
    const absl::Status status = TakeGlobal(args, &i, *kind, &split.global_args);
    if (!status.ok()) return status;
  }
  // The command's words.
  std::vector<std::string> words;
  for (size_t j = i; j < args.size() && !absl::StartsWith(args[j], "-"); ++j) {
    words.push_back(args[j]);
  }
  size_t consumed = 0;
  const Command* command = FindCommand(words, &consumed);
  if (command == nullptr) {
    // `help ...` or an unknown command: RunCommand reports it.
    split.command_args.insert(split.command_args.end(), args.begin() + i,
                              args.end());
    return split;
  }
  for (size_t j = 0; j < consumed; ++j) split.command_args.push_back(args[i++]);
  // After the command: its own flags first, then global ones.
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      split.command_args.insert(split.command_args.end(), args.begin() + i,
                                args.end());
      break;
    }
    if (!absl::StartsWith(arg, "--")) {
      split.command_args.push_back(arg);
      continue;
    }
    const std::string name = FlagName(arg);
    if (auto kind = CommandFlagKind(*command, name); kind || name == "help") {
      split.command_args.push_back(arg);
      if (kind == FlagKind::kString && arg.find('=') == std::string::npos &&
          i + 1 < args.size()) {
        split.command_args.push_back(args[++i]);
      }
      continue;
    }
    if (auto kind = GlobalKind(name)) {
      const absl::Status status =
          TakeGlobal(args, &i, *kind, &split.global_args);
      if (!status.ok()) return status;
      continue;
    }
    split.command_args.push_back(arg);  // unknown: RunCommand names it
  }
  return split;
}

absl::StatusOr<CliOptions> ParseGlobalArgs(
    const std::vector<std::string>& global_args) {
  CliOptions options;
  for (const std::string& arg : global_args) {
    const std::string name = FlagName(arg);
    const size_t eq = arg.find('=');
    const bool has_value = eq != std::string::npos;
    const std::string value = has_value ? arg.substr(eq + 1) : "";
    auto kind = GlobalKind(name);
    if (!kind) return UsageError(absl::StrCat("unknown flag --", name));
    if (IsAbseilFlag(name)) {
      return UsageError(
          absl::StrCat("--", name, " is only understood by the binary"));
    }
    bool flag = true;
    if (*kind == FlagKind::kBool && has_value) {
      auto parsed = ParseBool(value);
      if (!parsed.ok()) {
        return UsageError(
            absl::StrCat("--", name, ": ", parsed.status().message()));
      }
      flag = *parsed;
    }
    if (name == "address") options.address = value;
    if (name == "token") options.token = value;
    if (name == "token_file") options.token_file = value;
    if (name == "output") options.output = value;
    if (name == "ca_cert") options.ca_cert = value;
    if (name == "client_cert") options.client_cert = value;
    if (name == "client_key") options.client_key = value;
    if (name == "tls") options.tls = flag;
    if (name == "insecure") options.insecure = flag;
    if (name == "timeout_s" && !absl::SimpleAtod(value, &options.timeout_s)) {
      return UsageError(
          absl::StrCat("--timeout_s: expected a number, got \"", value, "\""));
    }
  }
  return options;
}

int RunCommand(CliOptions options, const std::vector<std::string>& command_args,
               std::ostream& out, std::ostream& err) {
  g_interrupted.store(false);
  if (command_args.empty()) {
    err << UsageText();
    return kExitUsage;
  }
  if (IsHelp(command_args.front())) return PrintHelp({}, out, err);
  std::vector<std::string> words;
  size_t i = 0;
  for (; i < command_args.size() && !absl::StartsWith(command_args[i], "-");
       ++i) {
    words.push_back(command_args[i]);
  }
  if (words.empty()) {
    return ReportError(
        UsageError(absl::StrCat("expected a command before ", command_args[0],
                                " (passerelle-cli help lists the commands)")),
        nullptr, err);
  }
  if (words.front() == "help") {
    return PrintHelp({words.begin() + 1, words.end()}, out, err);
  }
  size_t consumed = 0;
  const Command* command = FindCommand(words, &consumed);
  if (command == nullptr) {
    std::vector<std::string> group;
    for (const Command& c : AllCommands()) {
      if (c.words.front() == words.front()) group.push_back(c.words.back());
    }
    if (!group.empty()) {
      const bool given = words.size() > 1;
      const bool wants_help =
          std::any_of(command_args.begin(), command_args.end(), IsHelp);
      if (wants_help && !given) return PrintHelp({words.front()}, out, err);
      return ReportError(
          UsageError(absl::StrCat(
              "'", words.front(), "' ",
              given ? absl::StrCat("has no subcommand \"", words[1], "\"")
                    : "needs a subcommand",
              ": ", absl::StrJoin(group, ", "))),
          nullptr, err);
    }
    return ReportError(
        UsageError(absl::StrCat("unknown command \"", words.front(),
                                "\" (passerelle-cli help lists the commands)")),
        nullptr, err);
  }
  const std::vector<std::string> rest(command_args.begin() + consumed,
                                      command_args.end());
  auto args = ParseArgs(rest, [command](absl::string_view name) {
    return CommandFlagKind(*command, name);
  });
  if (!args.ok()) return ReportError(args.status(), command, err);
  if (args->Has("help")) {
    out << CommandUsage(*command);
    return kExitOk;
  }
  const size_t positional = args->positional().size();
  if (positional < command->min_positional ||
      positional > command->max_positional) {
    return ReportError(
        UsageError(
            positional > command->max_positional
                ? absl::StrCat("unexpected argument \"",
                               args->positional()[command->max_positional],
                               "\" for '", command->name(), "'")
                : absl::StrCat("'", command->name(), "' needs ",
                               command->positional_synopsis)),
        command, err);
  }
  if (const absl::Status status = ResolveOptions(&options); !status.ok()) {
    return ReportError(status, command, err);
  }
  auto format = ParseOutputFormat(options.output);
  if (!format.ok()) return ReportError(format.status(), command, err);
  auto channel = MakeChannel(options);
  if (!channel.ok()) return ReportError(channel.status(), command, err);
  Printer printer(*format, out);
  Invocation inv{*command, options, *args, printer, out, err, *channel};
  const absl::Status status = command->run(inv);
  out.flush();
  if (!status.ok()) return ReportError(status, command, err);
  return inv.exit_code;
}

int RunCli(int argc, const char* const* argv, std::ostream& out,
           std::ostream& err) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  auto split = SplitCommandLine(args);
  if (!split.ok()) return ReportError(split.status(), nullptr, err);
  auto options = ParseGlobalArgs(split->global_args);
  if (!options.ok()) return ReportError(options.status(), nullptr, err);
  return RunCommand(*std::move(options), split->command_args, out, err);
}

}  // namespace passerelle::cli
