#include "clients/cli/args.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/proto_text.h"

namespace passerelle::cli {
namespace {
constexpr char kUsagePayload[] = "passerelle.cli/usage";
}  // namespace

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

void ParsedArgs::AddFlag(std::string name, std::string value) {
  flags_.emplace_back(std::move(name), std::move(value));
}

void ParsedArgs::AddPositional(std::string word) {
  positional_.push_back(std::move(word));
}

bool ParsedArgs::Has(absl::string_view name) const {
  return Get(name).has_value();
}

std::optional<std::string> ParsedArgs::Get(absl::string_view name) const {
  for (auto it = flags_.rbegin(); it != flags_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return std::nullopt;
}

std::string ParsedArgs::GetString(absl::string_view name,
                                  absl::string_view fallback) const {
  auto value = Get(name);
  return value ? *value : std::string(fallback);
}

absl::StatusOr<std::optional<int64_t>> ParsedArgs::GetInt(
    absl::string_view name) const {
  auto value = Get(name);
  if (!value) return std::optional<int64_t>();
  int64_t parsed;
  if (!absl::SimpleAtoi(*value, &parsed)) {
    return UsageError(absl::StrCat("--", name, ": expected an integer, got \"",
                                   *value, "\""));
  }
  return std::optional<int64_t>(parsed);
}

absl::StatusOr<std::optional<double>> ParsedArgs::GetDouble(
    absl::string_view name) const {
  auto value = Get(name);
  if (!value) return std::optional<double>();
  double parsed;
  if (!absl::SimpleAtod(*value, &parsed)) {
    return UsageError(
        absl::StrCat("--", name, ": expected a number, got \"", *value, "\""));
  }
  return std::optional<double>(parsed);
}

absl::StatusOr<bool> ParsedArgs::GetBool(absl::string_view name,
                                         bool fallback) const {
  auto value = Get(name);
  if (!value) return fallback;
  auto parsed = ParseBool(*value);
  if (!parsed.ok()) {
    return UsageError(
        absl::StrCat("--", name, ": ", parsed.status().message()));
  }
  return *parsed;
}

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const FlagKindFn& kind_of) {
  ParsedArgs parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      for (++i; i < args.size(); ++i) parsed.AddPositional(args[i]);
      break;
    }
    if (arg == "-h") {
      parsed.AddFlag("help", "true");
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      if (absl::StartsWith(arg, "-") && arg.size() > 1) {
        return UsageError(absl::StrCat("unknown flag ", arg,
                                       " (flags are written --name=value)"));
      }
      parsed.AddPositional(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    std::optional<FlagKind> kind =
        name == "help" ? std::optional<FlagKind>(FlagKind::kBool)
                       : kind_of(name);
    if (!kind) return UsageError(absl::StrCat("unknown flag --", name));
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (*kind == FlagKind::kBool) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return UsageError(absl::StrCat("flag --", name, " needs a value"));
    }
    if (*kind == FlagKind::kBool) {
      auto b = ParseBool(value);
      if (!b.ok()) {
        return UsageError(absl::StrCat("--", name, ": ", b.status().message()));
      }
      value = *b ? "true" : "false";
    }
    parsed.AddFlag(std::move(name), std::move(value));
  }
  return parsed;
}

}  // namespace passerelle::cli
