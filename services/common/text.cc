#include "services/common/text.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace passerelle::common {

bool IsValidUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* const end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint32_t cp;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return false;  // continuation byte or 0xF8..0xFF as a lead byte
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

char32_t NextCodePoint(absl::string_view text, size_t* i) {
  const size_t start = *i;
  const auto lead = static_cast<unsigned char>(text[start]);
  *i = start + 1;
  if (lead < 0x80) return lead;
  const int extra = lead >= 0xF8   ? 0
                    : lead >= 0xF0 ? 3
                    : lead >= 0xE0 ? 2
                    : lead >= 0xC0 ? 1
                                   : 0;
  if (extra == 0 || start + 1 + extra > text.size()) return 0xFFFD;
  char32_t cp = lead & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    const auto b = static_cast<unsigned char>(text[start + k]);
    if ((b & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b & 0x3F);
  }
  *i = start + 1 + extra;
  return cp;
}

size_t Utf8Length(absl::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool HasControlCharacter(absl::string_view text, bool allow_line_breaks) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20) {
      if (allow_line_breaks && (c == '\n' || c == '\r' || c == '\t')) continue;
      return true;
    }
    if (c == 0x7F) return true;
    // C1 controls U+0080..U+009F are encoded 0xC2 0x80..0x9F.
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

namespace {

bool IsInvisible(char32_t c) {
  if (c < 0xAD) return false;
  if (c == 0xAD || c == 0x61C || c == 0x115F || c == 0x1160 || c == 0x180E ||
      c == 0x3164 || c == 0xFEFF || c == 0xFFA0) {
    return true;
  }
  if (c >= 0x200B && c <= 0x200F) return true;    // zero-width, LRM, RLM
  if (c >= 0x2028 && c <= 0x202E) return true;    // separators, embeddings
  if (c >= 0x2060 && c <= 0x206F) return true;    // joiners, isolates
  if (c >= 0xFDD0 && c <= 0xFDEF) return true;    // noncharacters
  if (c >= 0xFFF9 && c <= 0xFFFB) return true;    // interlinear annotation
  if ((c & 0xFFFE) == 0xFFFE) return true;        // U+xxFFFE, U+xxFFFF
  if (c >= 0xE0000 && c <= 0xE007F) return true;  // tags
  return false;
}

}  // namespace

char32_t FindInvisibleCharacter(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const char32_t cp = NextCodePoint(text, &i);
    if (IsInvisible(cp)) return cp;
  }
  return 0;
}

std::string QuoteForError(absl::string_view value, size_t max_bytes) {
  bool cut = false;
  if (value.size() > max_bytes) {
    size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) {
      --end;
    }
    value = value.substr(0, end);
    cut = true;
  }
  return absl::StrCat("\"", absl::Utf8SafeCHexEscape(value), cut ? "..." : "",
                      "\"");
}

}  // namespace passerelle::common
