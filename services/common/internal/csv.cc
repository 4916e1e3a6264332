#include "services/common/internal/csv.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/text.h"

namespace passerelle::common::internal {

CsvReader::CsvReader(absl::string_view text) : text_(text) {
  if (absl::StartsWith(text_, "\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvReader::Fail(int line, absl::string_view what) {
  record_line_ = line;
  status_ = absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", what));
  pos_ = text_.size();
  return false;
}

bool CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  if (!status_.ok()) return false;
  // Skip empty lines.
  while (pos_ < text_.size()) {
    if (text_[pos_] == '\n') {
      ++pos_;
      ++line_;
    } else if (text_[pos_] == '\r' && pos_ + 1 < text_.size() &&
               text_[pos_ + 1] == '\n') {
      pos_ += 2;
      ++line_;
    } else {
      break;
    }
  }
  if (pos_ >= text_.size()) return false;
  record_line_ = line_;

  const size_t n = text_.size();
  while (true) {
    // At the start of a field.
    std::string field;
    if (pos_ < n && text_[pos_] == '"') {
      const int quote_line = line_;
      ++pos_;
      while (true) {
        if (pos_ >= n) return Fail(quote_line, "unterminated quoted field");
        const size_t quote = text_.find('"', pos_);
        if (quote == absl::string_view::npos) {
          return Fail(quote_line, "unterminated quoted field");
        }
        absl::string_view chunk = text_.substr(pos_, quote - pos_);
        for (char c : chunk) {
          if (c == '\n') ++line_;
        }
        field.append(chunk.data(), chunk.size());
        pos_ = quote + 1;
        if (pos_ < n && text_[pos_] == '"') {  // doubled quote
          field.push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      if (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n' &&
          !(text_[pos_] == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n')) {
        return Fail(line_, "unexpected character after a closing quote");
      }
    } else {
      const size_t start = pos_;
      while (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n') {
        if (text_[pos_] == '"') {
          return Fail(line_, "quote inside an unquoted field");
        }
        if (text_[pos_] == '\r' && pos_ + 1 < n && text_[pos_ + 1] == '\n') {
          break;
        }
        ++pos_;
      }
      field.assign(text_.data() + start, pos_ - start);
    }
    if (!IsValidUtf8(field)) {
      return Fail(line_, absl::StrCat("field ", fields->size() + 1,
                                      " is not valid UTF-8"));
    }
    fields->push_back(std::move(field));
    // After a field: ',', end of record, or end of text.
    if (pos_ >= n) return true;
    if (text_[pos_] == ',') {
      ++pos_;
      continue;
    }
    pos_ += text_[pos_] == '\r' ? 2 : 1;
    ++line_;
    return true;
  }
}

absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(
    absl::string_view text) {
  CsvReader reader(text);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  while (reader.Next(&fields)) records.push_back(std::move(fields));
  if (!reader.status().ok()) return reader.status();
  return records;
}

}  // namespace passerelle::common::internal
