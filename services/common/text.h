#pragma once

// UTF-8 helpers shared by the CSV reader and the request validators.

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace passerelle::common {

// True if `text` is well-formed UTF-8: no stray continuation bytes, no
// truncated sequences, no overlong forms, no UTF-16 surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF. The empty string is valid.
bool IsValidUtf8(absl::string_view text);

// The code point that starts at text[*i] (*i < text.size()), advancing *i
// past it; U+FFFD, advancing one byte only, for a byte that does not start
// a complete sequence (a stray continuation byte, a truncated sequence,
// 0xF8..0xFF). Overlong forms and surrogates are not checked: see
// IsValidUtf8.
char32_t NextCodePoint(absl::string_view text, size_t* i);

// Number of Unicode code points ("characters") in `text`. Precondition:
// IsValidUtf8(text); on invalid input the count is of lead bytes.
size_t Utf8Length(absl::string_view text);

// True if `text` (valid UTF-8) contains a control character: C0
// (U+0000..U+001F), DEL (U+007F) or C1 (U+0080..U+009F). When
// `allow_line_breaks`, '\n', '\r' and '\t' are not counted as control
// characters (for free-text fields such as descriptions).
bool HasControlCharacter(absl::string_view text, bool allow_line_breaks);

// The first character of `text` (valid UTF-8) that is invisible or steers
// the text's direction, or 0 if none: bidirectional controls (U+061C,
// U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), zero-width and other
// invisible format characters (U+00AD, U+180E, U+200B..U+200D,
// U+2060..U+2064, U+206A..U+206F, U+FEFF, U+FFF9..U+FFFB, the tags
// U+E0000..U+E007F), invisible fillers (U+115F, U+1160, U+3164, U+FFA0),
// the line and paragraph separators U+2028, U+2029, and noncharacters
// (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF). Such characters make a name read
// differently from what is stored (U+202E shows "Dupont" for "tnopuD"), or
// two different names look the same; no name, title or skill needs them.
char32_t FindInvisibleCharacter(absl::string_view text);

// `value` as it may appear in an error message: between double quotes,
// non-printable bytes and quotes escaped (valid UTF-8 is kept readable),
// cut after `max_bytes` bytes (on a character boundary) with "..." appended.
std::string QuoteForError(absl::string_view value, size_t max_bytes = 64);

}  // namespace passerelle::common
