#include "clients/cli/csv.h"

#include "absl/strings/str_cat.h"

namespace passerelle::cli {
namespace {
constexpr size_t kChunkSize = 1 << 16;
}  // namespace

CsvReader::CsvReader(std::istream* in, char delimiter)
    : in_(in), delimiter_(delimiter) {}

bool CsvReader::Fill() {
  if (pos_ < buffer_.size()) return true;
  buffer_.resize(kChunkSize);
  in_->read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.resize(static_cast<size_t>(in_->gcount()));
  pos_ = 0;
  return !buffer_.empty();
}

int CsvReader::Peek() {
  if (!Fill()) return -1;
  return static_cast<unsigned char>(buffer_[pos_]);
}

int CsvReader::Get() {
  if (!Fill()) return -1;
  ++consumed_;
  return static_cast<unsigned char>(buffer_[pos_++]);
}

void CsvReader::DetectDelimiter() {
  // Look at the first line only, as far as it is buffered.
  int commas = 0, semicolons = 0, tabs = 0;
  bool quoted = false;
  for (size_t i = pos_; i < buffer_.size(); ++i) {
    const char c = buffer_[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;
    if (c == ',') ++commas;
    if (c == ';') ++semicolons;
    if (c == '\t') ++tabs;
  }
  delimiter_ = ',';
  if (semicolons > commas && semicolons >= tabs) delimiter_ = ';';
  if (tabs > commas && tabs > semicolons) delimiter_ = '\t';
}

void CsvReader::SkipLine() {
  for (;;) {
    const int c = Get();
    if (c == -1 || c == '\n') break;
    if (c == '\r') {
      if (Peek() == '\n') Get();
      break;
    }
  }
  ++line_;
}

bool CsvReader::Next(CsvRecord* record) {
  if (!started_) {
    started_ = true;
    // Skip a UTF-8 byte order mark. Fill() leaves at least the first chunk
    // buffered, so the three bytes are visible unless the input is shorter.
    if (Fill() && buffer_.compare(pos_, 3, "\xEF\xBB\xBF") == 0) {
      pos_ += 3;
      consumed_ += 3;
    }
    if (delimiter_ == 0) {
      Fill();
      DetectDelimiter();
    }
  }
  if (Peek() == -1) return false;

  record->fields.clear();
  record->line = line_;
  record->error.clear();
  record->error_column = 0;

  std::string field;
  for (;;) {
    field.clear();
    const int column = static_cast<int>(record->fields.size()) + 1;
    int c = Peek();
    if (c == '"') {
      Get();
      const int64_t start_line = line_;
      for (;;) {
        c = Get();
        if (c == -1) {
          record->error = absl::StrCat(
              "unterminated quoted field (opened on line ", start_line, ")");
          record->error_column = column;
          record->fields.push_back(std::move(field));
          return true;
        }
        if (c == '"') {
          if (Peek() == '"') {
            Get();
            field += '"';
            continue;
          }
          break;
        }
        if (c == '\n') {
          ++line_;
        } else if (c == '\r' && Peek() != '\n') {
          ++line_;
        }
        field += static_cast<char>(c);
      }
      c = Peek();
      if (c != -1 && c != delimiter_ && c != '\n' && c != '\r') {
        record->error =
            absl::StrCat("unexpected character '", std::string(1, char(c)),
                         "' after a closing quote (a quote inside a quoted "
                         "field must be doubled)");
        record->error_column = column;
        record->fields.push_back(std::move(field));
        SkipLine();
        return true;
      }
    } else {
      while (c != -1 && c != delimiter_ && c != '\n' && c != '\r') {
        field += static_cast<char>(Get());
        c = Peek();
      }
    }
    record->fields.push_back(std::move(field));
    c = Get();
    if (c == delimiter_) continue;
    // End of record: newline or end of input.
    if (c == '\r' && Peek() == '\n') Get();
    if (c != -1) ++line_;
    return true;
  }
}

}  // namespace passerelle::cli
