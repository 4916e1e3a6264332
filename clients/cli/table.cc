#include "clients/cli/table.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace passerelle::cli {
namespace {

// Decodes one UTF-8 sequence at text[*pos]. Returns the code point and
// advances *pos; returns -1 (advancing one byte) on a malformed sequence.
int32_t DecodeUtf8(absl::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(*pos);
  if (lead < 0x80) {
    ++*pos;
    return lead;
  }
  int length;
  int32_t code;
  int32_t min;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code = lead & 0x07, min = 0x10000;
  } else {
    ++*pos;
    return -1;
  }
  if (*pos + length > text.size()) {
    ++*pos;
    return -1;
  }
  for (int i = 1; i < length; ++i) {
    const unsigned char next = byte(*pos + i);
    if ((next & 0xC0) != 0x80) {
      ++*pos;
      return -1;
    }
    code = (code << 6) | (next & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    ++*pos;
    return -1;
  }
  *pos += length;
  return code;
}

int CodePointWidth(int32_t c) {
  if (c < 0) return 1;  // a stray byte is shown as one replacement glyph
  if (c == 0) return 0;
  if (c < 0x20 || (c >= 0x7F && c < 0xA0)) return 0;  // control characters
  // Combining marks and zero-width characters.
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x0483 && c <= 0x0489) ||
      (c >= 0x0591 && c <= 0x05BD) || (c >= 0x1AB0 && c <= 0x1AFF) ||
      (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x200B && c <= 0x200F) ||
      (c >= 0x20D0 && c <= 0x20FF) || (c >= 0xFE00 && c <= 0xFE0F) ||
      (c >= 0xFE20 && c <= 0xFE2F) || c == 0xFEFF) {
    return 0;
  }
  // East Asian wide and fullwidth forms, emoji.
  if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
      (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
      (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
      (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
      (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
      (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD)) {
    return 2;
  }
  return 1;
}

// Cells are printed on one line.
std::string Flatten(absl::string_view cell) {
  std::string flat(cell);
  for (char& c : flat) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return flat;
}

}  // namespace

size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  size_t pos = 0;
  while (pos < text.size()) width += CodePointWidth(DecodeUtf8(text, &pos));
  return width;
}

bool IsValidUtf8(absl::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (DecodeUtf8(text, &pos) < 0) return false;
  }
  return true;
}

std::string TruncateToWidth(absl::string_view text, size_t max_width) {
  if (DisplayWidth(text) <= max_width) return std::string(text);
  if (max_width == 0) return "";
  // Keep room for the ellipsis (one column).
  size_t width = 0;
  size_t pos = 0;
  size_t cut = 0;
  while (pos < text.size()) {
    size_t next = pos;
    const int w = CodePointWidth(DecodeUtf8(text, &next));
    if (width + w > max_width - 1) break;
    width += w;
    pos = next;
    cut = pos;
  }
  return absl::StrCat(text.substr(0, cut), "\u2026");
}

std::string PadRight(absl::string_view text, size_t width) {
  std::string padded(text);
  const size_t w = DisplayWidth(text);
  if (w < width) padded.append(width - w, ' ');
  return padded;
}

std::string PadLeft(absl::string_view text, size_t width) {
  const size_t w = DisplayWidth(text);
  std::string padded(w < width ? width - w : 0, ' ');
  padded.append(text.data(), text.size());
  return padded;
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), align_(headers_.size(), Align::kLeft) {}

void Table::SetAlign(size_t index, Align align) {
  if (index < align_.size()) align_[index] = align;
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (std::string& cell : cells) {
    cell = Flatten(cell);
    if (max_width_ > 0) cell = TruncateToWidth(cell, max_width_);
  }
  rows_.push_back(std::move(cells));
}

void Table::Print(std::ostream& out) const {
  const size_t n = headers_.size();
  std::vector<size_t> widths(n, 0);
  if (show_header_) {
    for (size_t i = 0; i < n; ++i) widths[i] = DisplayWidth(headers_[i]);
  }
  for (const auto& row : rows_) {
    for (size_t i = 0; i < n; ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  const auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) line += "  ";
      const bool last = i + 1 == n;
      if (align_[i] == Align::kRight) {
        line += PadLeft(row[i], widths[i]);
      } else if (last) {
        line += row[i];  // no trailing spaces
      } else {
        line += PadRight(row[i], widths[i]);
      }
    }
    // A right-aligned or empty last cell may still leave trailing spaces.
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  if (show_header_) print_row(headers_);
  for (const auto& row : rows_) print_row(row);
}

}  // namespace passerelle::cli
