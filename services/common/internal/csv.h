#pragma once

// A small, strict CSV reader (RFC 4180) for the referentials shipped in
// data/. Internal to services/common: not part of its public contract.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace passerelle::common::internal {

// Reads records one at a time from a CSV text held in memory.
//
// Dialect: fields separated by ',', records by "\n" or "\r\n". A field that
// starts with '"' is quoted: it may hold ',', '"' written as '""', and line
// breaks; after its closing quote only ',' or the end of the record may
// follow. A '"' inside an unquoted field is an error. Every field must be
// valid UTF-8. A UTF-8 byte-order mark at the start is skipped. Entirely
// empty lines are skipped (they are not records of one empty field).
//
// The text must outlive the reader.
class CsvReader {
 public:
  explicit CsvReader(absl::string_view text);

  // Reads the next record into `*fields` (replacing its contents). Returns
  // true if a record was read; false at the end of the text or on malformed
  // input, in which case status() says which (OK at the end).
  bool Next(std::vector<std::string>* fields);

  // 1-based line number on which the record last returned by Next() starts
  // (or, after an error, the line of the error).
  int line() const { return record_line_; }

  // OK unless Next() met malformed input; the message then names the line,
  // e.g. "line 12: unterminated quoted field".
  const absl::Status& status() const { return status_; }

 private:
  bool Fail(int line, absl::string_view what);

  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;         // line of text_[pos_]
  int record_line_ = 0;  // line where the last record started
  absl::Status status_;
};

// Parses a whole CSV text (same dialect) into records. The error, if any,
// is the reader's status.
absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(
    absl::string_view text);

}  // namespace passerelle::common::internal
