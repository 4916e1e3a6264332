#include "clients/cli/records.h"

#include <iterator>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/args.h"
#include "clients/cli/table.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "passerelle/v1/offer.pb.h"
#include "services/common/dates.h"
#include "services/offers/formats/formats.h"

namespace passerelle::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::Message;

constexpr char kListSeparator = '|';

bool AllEmpty(const std::vector<std::string>& cells) {
  for (const std::string& cell : cells) {
    if (!absl::StripAsciiWhitespace(cell).empty()) return false;
  }
  return true;
}

class CsvRecordReader : public RecordReader {
 public:
  CsvRecordReader(std::unique_ptr<CsvReader> csv, CsvSchema schema,
                  const Message& prototype)
      : csv_(std::move(csv)),
        schema_(std::move(schema)),
        prototype_(prototype) {}

  bool Next(Row* row) override {
    CsvRecord record;
    for (;;) {
      if (!csv_->Next(&record)) return false;
      if (record.error.empty() && AllEmpty(record.fields)) continue;
      break;
    }
    row->line = record.line;
    row->errors.clear();
    row->message.reset();
    std::string external_id;
    const int id_column = schema_.external_id_column();
    if (id_column >= 0 &&
        static_cast<size_t>(id_column) < record.fields.size()) {
      external_id =
          std::string(absl::StripAsciiWhitespace(record.fields[id_column]));
    }
    if (!record.error.empty()) {
      RowError error;
      error.line = record.line;
      error.column = record.error_column;
      error.external_id = external_id;
      error.message = record.error;
      if (record.error_column >= 1 &&
          static_cast<size_t>(record.error_column) <= schema_.num_columns()) {
        error.field = header_name(record.error_column - 1);
      }
      row->errors.push_back(std::move(error));
      return true;
    }
    std::unique_ptr<Message> message(prototype_.New());
    row->errors = schema_.Apply(record.fields, message.get());
    for (RowError& error : row->errors) {
      error.line = record.line;
      error.external_id = external_id;
    }
    if (row->errors.empty()) row->message = std::move(message);
    return true;
  }

  int64_t bytes_consumed() const override { return csv_->bytes_consumed(); }

  void set_header(std::vector<std::string> header) {
    header_ = std::move(header);
  }

 private:
  std::string header_name(int index) const {
    return static_cast<size_t>(index) < header_.size() ? header_[index] : "";
  }

  std::unique_ptr<CsvReader> csv_;
  CsvSchema schema_;
  const Message& prototype_;
  std::vector<std::string> header_;
};

class JsonlRecordReader : public RecordReader {
 public:
  JsonlRecordReader(std::istream* in, const Message& prototype)
      : in_(in), prototype_(prototype) {}

  bool Next(Row* row) override {
    std::string line;
    for (;;) {
      if (!std::getline(*in_, line)) return false;
      ++line_;
      consumed_ += static_cast<int64_t>(line.size()) + 1;
      if (line_ == 1 && absl::StartsWith(line, "\xEF\xBB\xBF")) {
        line.erase(0, 3);
      }
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!absl::StripAsciiWhitespace(line).empty()) break;
    }
    row->line = line_;
    row->errors.clear();
    row->message.reset();
    RowError error;
    error.line = line_;
    if (!IsValidUtf8(line)) {
      error.message = "not valid UTF-8";
      row->errors.push_back(std::move(error));
      return true;
    }
    std::unique_ptr<Message> message(prototype_.New());
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(line.data(), line.size()), message.get());
    if (status.ok()) {
      row->message = std::move(message);
      return true;
    }
    // The parser appends the input and a caret on further lines.
    std::string why(status.message());
    why = why.substr(0, why.find('\n'));
    // Name the record when the line is at least JSON.
    google::protobuf::Struct object;
    if (google::protobuf::util::JsonStringToMessage(
            google::protobuf::StringPiece(line.data(), line.size()), &object)
            .ok()) {
      auto it = object.fields().find("external_id");
      if (it == object.fields().end()) it = object.fields().find("externalId");
      if (it != object.fields().end() && it->second.has_string_value()) {
        error.external_id = it->second.string_value();
      }
      error.message = absl::StrCat(
          "not a valid ", prototype_.GetDescriptor()->full_name(), ": ", why);
    } else {
      error.message = absl::StrCat("invalid JSON: ", why);
    }
    row->errors.push_back(std::move(error));
    return true;
  }

  int64_t bytes_consumed() const override { return consumed_; }

 private:
  std::istream* in_;
  const Message& prototype_;
  int64_t line_ = 0;
  int64_t consumed_ = 0;
};

}  // namespace

absl::StatusOr<ImportFormat> ImportFormatFromName(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower == "csv" || lower == "tsv") return ImportFormat::kCsv;
  if (lower == "jsonl" || lower == "ndjson" || lower == "json") {
    return ImportFormat::kJsonl;
  }
  if (lower == "france-travail") return ImportFormat::kFranceTravail;
  if (lower == "labonnealternance") return ImportFormat::kLaBonneAlternance;
  return UsageError(absl::StrCat(
      "--format: expected csv, jsonl, france-travail or labonnealternance, "
      "got \"",
      name, "\""));
}

namespace {

class PartnerRecordReader : public RecordReader {
 public:
  explicit PartnerRecordReader(std::vector<Row> rows, int64_t bytes)
      : rows_(std::move(rows)), bytes_(bytes) {}
  bool Next(Row* row) override {
    if (next_ >= rows_.size()) return false;
    *row = std::move(rows_[next_++]);
    return true;
  }
  int64_t bytes_consumed() const override {
    return next_ >= rows_.size() ? bytes_ : 0;
  }

 private:
  std::vector<Row> rows_;
  size_t next_ = 0;
  int64_t bytes_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RecordReader>> NewPartnerRecordReader(
    std::istream* in, ImportFormat format) {
  const std::string content(std::istreambuf_iterator<char>(*in), {});
  const offers::formats::Format partner =
      format == ImportFormat::kFranceTravail
          ? offers::formats::Format::kFranceTravail
          : offers::formats::Format::kLaBonneAlternance;
  std::vector<Row> rows;
  absl::Status read = offers::formats::ForEachRecord(
      partner, content, common::TodayInParis(),
      [&](int index, absl::StatusOr<passerelle::v1::Offer> offer) {
        Row row;
        row.line = index + 1;
        if (offer.ok()) {
          row.message =
              std::make_unique<passerelle::v1::Offer>(*std::move(offer));
        } else {
          RowError error;
          error.line = row.line;
          const std::string message(offer.status().message());
          const size_t colon = message.find(": ");
          if (colon != std::string::npos && colon < 60) {
            error.field = message.substr(0, colon);
          }
          error.message = message;
          row.errors.push_back(std::move(error));
        }
        rows.push_back(std::move(row));
      });
  if (!read.ok()) return UsageError(read.message());
  return std::make_unique<PartnerRecordReader>(
      std::move(rows), static_cast<int64_t>(content.size()));
}

absl::StatusOr<ImportFormat> ImportFormatFromPath(absl::string_view path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (dot != absl::string_view::npos &&
      (slash == absl::string_view::npos || dot > slash)) {
    auto format = ImportFormatFromName(path.substr(dot + 1));
    if (format.ok()) return format;
  }
  return UsageError(absl::StrCat("cannot tell the format of \"", path,
                                 "\" from its name: pass --format=csv or "
                                 "--format=jsonl"));
}

absl::StatusOr<CsvSchema> CsvSchema::FromHeader(
    const Descriptor* type, const std::vector<std::string>& header) {
  CsvSchema schema;
  absl::flat_hash_map<std::string, int> seen;
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string name(absl::StripAsciiWhitespace(header[i]));
    const std::string where = absl::StrCat("header, column ", i + 1);
    if (name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": empty column name"));
    }
    auto path = ResolveFieldPath(type, name);
    if (!path.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " (", name, "): not a field path of ",
                       type->full_name(), ": ", path.status().message()));
    }
    const std::string canonical = path->ToString();
    auto [it, inserted] = seen.emplace(canonical, static_cast<int>(i + 1));
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, " (", name, "): same field as column ", it->second));
    }
    if (canonical == "external_id") {
      schema.external_id_column_ = static_cast<int>(i);
    }
    schema.columns_.push_back(Column{name, *std::move(path)});
  }
  return schema;
}

std::vector<RowError> CsvSchema::Apply(const std::vector<std::string>& cells,
                                       Message* message) const {
  std::vector<RowError> errors;
  if (cells.size() != columns_.size()) {
    RowError error;
    error.message = absl::StrCat("the row has ", cells.size(),
                                 " cells, the header has ", columns_.size());
    errors.push_back(std::move(error));
    return errors;
  }
  for (size_t i = 0; i < cells.size(); ++i) {
    if (absl::StripAsciiWhitespace(cells[i]).empty()) continue;
    const absl::Status status =
        SetFieldFromText(message, columns_[i].path, cells[i], kListSeparator);
    if (!status.ok()) {
      RowError error;
      error.column = static_cast<int>(i + 1);
      error.field = columns_[i].name;
      error.message = std::string(status.message());
      errors.push_back(std::move(error));
    }
  }
  return errors;
}

absl::StatusOr<std::unique_ptr<RecordReader>> NewCsvRecordReader(
    std::istream* in, const Message& prototype, char delimiter) {
  auto csv = std::make_unique<CsvReader>(in, delimiter);
  CsvRecord header;
  if (!csv->Next(&header)) {
    return absl::InvalidArgumentError("empty file: expected a header row");
  }
  if (!header.error.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "header, column ", header.error_column, ": ", header.error));
  }
  auto schema = CsvSchema::FromHeader(prototype.GetDescriptor(), header.fields);
  if (!schema.ok()) return schema.status();
  auto reader = std::make_unique<CsvRecordReader>(
      std::move(csv), *std::move(schema), prototype);
  reader->set_header(std::move(header.fields));
  return std::unique_ptr<RecordReader>(std::move(reader));
}

std::unique_ptr<RecordReader> NewJsonlRecordReader(std::istream* in,
                                                   const Message& prototype) {
  return std::make_unique<JsonlRecordReader>(in, prototype);
}

}  // namespace passerelle::cli
