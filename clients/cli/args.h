#pragma once

// Command-line arguments of one subcommand: positional words and --flags.
// Flags are written `--name=value` or `--name value`; a boolean flag may be
// given alone (`--all`) or with a value (`--all=false`). `--` ends the flags.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace passerelle::cli {

// A usage error: the command line itself is wrong (exit code 2), as opposed
// to an error the server answered (exit code 1).
absl::Status UsageError(absl::string_view message);
bool IsUsageError(const absl::Status& status);

enum class FlagKind { kString, kBool };

// Returns the kind of the flag `name` (without dashes), or nullopt when the
// command has no such flag.
using FlagKindFn = std::function<std::optional<FlagKind>(absl::string_view)>;

class ParsedArgs {
 public:
  void AddFlag(std::string name, std::string value);
  void AddPositional(std::string word);

  const std::vector<std::string>& positional() const { return positional_; }
  // Every flag in the order given (a flag may repeat).
  const std::vector<std::pair<std::string, std::string>>& flags() const {
    return flags_;
  }

  bool Has(absl::string_view name) const;
  // The last value given for `name`.
  std::optional<std::string> Get(absl::string_view name) const;
  std::string GetString(absl::string_view name,
                        absl::string_view fallback = "") const;

  // Typed accessors: nullopt (or `fallback`) when the flag is absent, a
  // usage error naming the flag when its value does not parse.
  absl::StatusOr<std::optional<int64_t>> GetInt(absl::string_view name) const;
  absl::StatusOr<std::optional<double>> GetDouble(absl::string_view name) const;
  absl::StatusOr<bool> GetBool(absl::string_view name, bool fallback) const;

 private:
  std::vector<std::string> positional_;
  std::vector<std::pair<std::string, std::string>> flags_;
};

// Parses `args`. "-h" is read as "--help" (always accepted, boolean). A
// usage error names the offending flag: unknown, missing value, or a bad
// boolean.
absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const FlagKindFn& kind_of);

}  // namespace passerelle::cli
