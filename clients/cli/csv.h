#pragma once

// A streaming CSV reader (RFC 4180 plus what spreadsheets really write):
// quoted fields may hold the delimiter, newlines and doubled quotes; lines end
// with \n, \r\n or \r; a UTF-8 byte order mark at the very start is skipped.
// A quote inside an unquoted field is kept as a literal character.

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace passerelle::cli {

struct CsvRecord {
  std::vector<std::string> fields;
  // 1-based physical line on which the record starts (a quoted field may
  // span several lines).
  int64_t line = 0;
  // Non-empty when the record is malformed: `fields` is then incomplete, and
  // the reader has skipped to the end of the offending line.
  std::string error;
  // 1-based index of the field where the error was found.
  int error_column = 0;
};

class CsvReader {
 public:
  // Reads from `in`, which must outlive the reader. `delimiter` 0 detects
  // it from the first line: the most frequent of ',', ';' and tab outside
  // quotes (',' when none appears).
  explicit CsvReader(std::istream* in, char delimiter = ',');

  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into *record. Returns false at the end of the
  // input (and leaves *record untouched). A blank line yields a record with
  // one empty field.
  bool Next(CsvRecord* record);

  // The delimiter in use (after detection, once Next() has been called).
  char delimiter() const { return delimiter_; }
  // Bytes of input consumed so far (for progress reporting).
  int64_t bytes_consumed() const { return consumed_; }

 private:
  // Ensures at least one unread byte is buffered; false at end of input.
  bool Fill();
  int Peek();  // next byte or -1, not consumed
  int Get();   // next byte or -1
  void DetectDelimiter();
  // Consumes the rest of the current physical line, newline included.
  void SkipLine();

  std::istream* in_;
  char delimiter_;
  std::string buffer_;
  size_t pos_ = 0;
  int64_t consumed_ = 0;
  int64_t line_ = 1;
  bool started_ = false;
};

}  // namespace passerelle::cli
