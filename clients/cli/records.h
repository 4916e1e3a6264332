#pragma once

// Reading import files into messages: CSV whose header names field paths,
// or JSON Lines of proto3 JSON. A row that cannot be parsed is reported
// (line, column, why) and the reader goes on with the next one.

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/cli/csv.h"
#include "clients/cli/proto_text.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace passerelle::cli {

// kFranceTravail, kLaBonneAlternance: offers in a partner's own format
// (services/offers/formats, docs/formats.md).
enum class ImportFormat { kCsv, kJsonl, kFranceTravail, kLaBonneAlternance };

// "csv" (or "tsv"), "jsonl" (or "ndjson", "json"), "france-travail",
// "labonnealternance"; a usage error otherwise.
absl::StatusOr<ImportFormat> ImportFormatFromName(absl::string_view name);
// From the file's extension (.csv, .tsv, .jsonl, .ndjson, .json); a usage
// error asking for --format when the extension says nothing.
absl::StatusOr<ImportFormat> ImportFormatFromPath(absl::string_view path);

// Why a row was not sent, or why the server rejected it.
struct RowError {
  int64_t line = 0;         // 1-based line of the file (0: unknown)
  int column = 0;           // 1-based CSV column (0: not applicable)
  std::string field;        // the column name or field path, when known
  std::string external_id;  // when known
  std::string message;
};

struct Row {
  int64_t line = 0;
  // The parsed record, or null when the row had errors.
  std::unique_ptr<google::protobuf::Message> message;
  std::vector<RowError> errors;
};

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Reads the next data row into *row. Returns false at the end of the
  // input. Blank rows are skipped.
  virtual bool Next(Row* row) = 0;
  // Bytes of input consumed so far.
  virtual int64_t bytes_consumed() const = 0;
};

// Maps a CSV header to field paths and converts rows through reflection.
class CsvSchema {
 public:
  // Each header cell must name a field path of `type` (proto or JSON names,
  // "diploma.code"), at most once. INVALID_ARGUMENT naming the column
  // otherwise.
  static absl::StatusOr<CsvSchema> FromHeader(
      const google::protobuf::Descriptor* type,
      const std::vector<std::string>& header);

  // Fills *message from `cells`, one per column: an empty cell leaves its
  // field unset, a repeated field takes items separated by '|'. Returns one
  // error per bad cell (column and field set, line left 0); a wrong number
  // of cells is one error.
  std::vector<RowError> Apply(const std::vector<std::string>& cells,
                              google::protobuf::Message* message) const;

  size_t num_columns() const { return columns_.size(); }
  // The column holding external_id, or -1.
  int external_id_column() const { return external_id_column_; }

 private:
  struct Column {
    std::string name;  // as written in the header
    FieldPath path;
  };
  std::vector<Column> columns_;
  int external_id_column_ = -1;
};

// Reads a CSV file whose first row is the header. The header is read at
// once: INVALID_ARGUMENT (saying which column) when it does not fit
// `prototype`'s type. `delimiter` 0 detects ',' ';' or tab.
absl::StatusOr<std::unique_ptr<RecordReader>> NewCsvRecordReader(
    std::istream* in, const google::protobuf::Message& prototype,
    char delimiter = 0);

// Reads JSON Lines: one proto3 JSON object of `prototype`'s type per line.
// Unknown fields are errors.
std::unique_ptr<RecordReader> NewJsonlRecordReader(
    std::istream* in, const google::protobuf::Message& prototype);

// Offers in a partner's format: the whole input is read, mapped record by
// record (a record's "line" is its 1-based index in the file); a record
// that cannot be mapped is a row with its reason. A usage error when the
// input is not one of the format's shapes.
absl::StatusOr<std::unique_ptr<RecordReader>> NewPartnerRecordReader(
    std::istream* in, ImportFormat format);

}  // namespace passerelle::cli
