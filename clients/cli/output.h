#pragma once

// What commands print on stdout: proto3 JSON (one object per line, so lists
// and streams are JSON Lines) or aligned tables.

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/cli/table.h"
#include "google/protobuf/message.h"

namespace passerelle::cli {

enum class OutputFormat { kTable, kJson };

// "table" or "json"; a usage error naming --output otherwise.
absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view name);

// Compact proto3 JSON in its canonical form: lowerCamelCase keys
// ("givenName"), enums by full name, 64-bit integers as strings. Readers
// (this CLI included) accept proto field names too.
std::string ToJson(const google::protobuf::Message& message);

// One column of a list table: a header and the field path it shows.
struct Column {
  std::string header;
  std::string path;
  Align align = Align::kLeft;
};

// The rows of `messages` under `columns`, for a Table.
Table MessageTable(
    const std::vector<const google::protobuf::Message*>& messages,
    const std::vector<Column>& columns);

// Widest a list cell may be before it is cut with "…".
inline constexpr size_t kMaxCellWidth = 48;

class Printer {
 public:
  Printer(OutputFormat format, std::ostream& out)
      : format_(format), out_(out) {}

  OutputFormat format() const { return format_; }
  bool json() const { return format_ == OutputFormat::kJson; }
  std::ostream& out() { return out_; }

  // JSON: one line. Table: one "field  value" line per set field, nested
  // fields flattened ("home.commune_insee").
  void PrintMessage(const google::protobuf::Message& message);
  // JSON: one line per message. Table: one row per message.
  void PrintList(const std::vector<const google::protobuf::Message*>& messages,
                 const std::vector<Column>& columns);
  void PrintJsonLine(const google::protobuf::Message& message);

 private:
  OutputFormat format_;
  std::ostream& out_;
};

}  // namespace passerelle::cli
