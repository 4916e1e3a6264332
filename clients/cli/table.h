#pragma once

// Plain-text tables for terminals: columns aligned on the *display* width of
// UTF-8 text, so that "Clémence" (9 bytes, 8 columns) lines up with "Camille".

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace passerelle::cli {

// Number of terminal columns `text` occupies: combining marks and zero-width
// characters count 0, East Asian wide characters and emoji 2, every other
// code point 1. Bytes that are not valid UTF-8 count 1 each.
size_t DisplayWidth(absl::string_view text);

// Returns true when `text` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(absl::string_view text);

// `text` cut to at most `max_width` display columns, ending with "…" when
// something was cut. Never splits a UTF-8 sequence.
std::string TruncateToWidth(absl::string_view text, size_t max_width);

// `text` padded with spaces on the right (or left) to `width` columns.
std::string PadRight(absl::string_view text, size_t width);
std::string PadLeft(absl::string_view text, size_t width);

enum class Align { kLeft, kRight };

// A table: a header row and data rows of cells, printed with two spaces
// between columns and no trailing whitespace. Newlines and tabs inside cells
// are shown as spaces so that a row stays on one line.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Right-aligns column `index` (numbers).
  void SetAlign(size_t index, Align align);
  // Cells wider than `width` columns are truncated with "…" (0 = no limit,
  // the default).
  void SetMaxWidth(size_t width) { max_width_ = width; }
  // Whether the header row is printed (default true).
  void set_show_header(bool show) { show_header_ = show; }

  // Adds a row; missing cells are empty, extra cells are dropped.
  void AddRow(std::vector<std::string> cells);

  size_t num_rows() const { return rows_.size(); }

  // Writes the header and every row.
  void Print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
  size_t max_width_ = 0;
  bool show_header_ = true;
};

}  // namespace passerelle::cli
