#include "services/common/text.h"

#include <string>

#include "gtest/gtest.h"

namespace passerelle::common {
namespace {

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Lille"));
  EXPECT_TRUE(IsValidUtf8("Ambérieu-en-Bugey"));
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));      // €
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x94\xA7"));  // 🔧
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(IsValidUtf8Test, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("caf\xC3"));           // truncated
  EXPECT_FALSE(IsValidUtf8("\xC3\x28"));          // bad continuation
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("Ambérieu\xE9"));  // Latin-1 é
}

TEST(Utf8LengthTest, CountsCodePoints) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("Été"), 3u);
  EXPECT_EQ(Utf8Length("\xF0\x9F\x94\xA7x"), 2u);
}

TEST(HasControlCharacterTest, FindsC0DelAndC1) {
  EXPECT_FALSE(HasControlCharacter("Jean-Édouard", false));
  EXPECT_TRUE(HasControlCharacter(std::string("a\0b", 3), false));
  EXPECT_TRUE(HasControlCharacter("a\nb", false));
  EXPECT_FALSE(HasControlCharacter("a\nb\r\n\tc", true));
  EXPECT_TRUE(HasControlCharacter("a\x1b", true));
  EXPECT_TRUE(HasControlCharacter("a\x7f", true));
  EXPECT_TRUE(HasControlCharacter("a\xC2\x85", true));   // U+0085 NEL
  EXPECT_FALSE(HasControlCharacter("\xC2\xA0", false));  // no-break space
}

TEST(FindInvisibleCharacterTest, FindsBidiControlsAndInvisibleCharacters) {
  EXPECT_EQ(FindInvisibleCharacter(""), 0u);
  EXPECT_EQ(FindInvisibleCharacter("Jean-Édouard Dupont"), 0u);
  EXPECT_EQ(FindInvisibleCharacter("Ærøskøbing \u00A0 日本 🔧 ß"), 0u);
  EXPECT_EQ(FindInvisibleCharacter("Lucas \u202Etnopud"), 0x202Eu);
  EXPECT_EQ(FindInvisibleCharacter("\uFEFFLéa"), 0xFEFFu);
  EXPECT_EQ(FindInvisibleCharacter("Lé\u200Ba"), 0x200Bu);
  for (char32_t c :
       {0x00AD, 0x061C, 0x115F, 0x1160, 0x180E,  0x200C,  0x200D, 0x200E,
        0x200F, 0x2028, 0x2029, 0x202A, 0x202B,  0x202C,  0x202D, 0x2060,
        0x2064, 0x2066, 0x2067, 0x2068, 0x2069,  0x206F,  0x3164, 0xFDD0,
        0xFFA0, 0xFFF9, 0xFFFE, 0xFFFF, 0x1FFFE, 0xE0001, 0xE007F}) {
    std::string text = "ab";
    // UTF-8 of c.
    if (c < 0x800) {
      text += static_cast<char>(0xC0 | (c >> 6));
    } else if (c < 0x10000) {
      text += static_cast<char>(0xE0 | (c >> 12));
      text += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    } else {
      text += static_cast<char>(0xF0 | (c >> 18));
      text += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      text += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    }
    text += static_cast<char>(0x80 | (c & 0x3F));
    text += "cd";
    ASSERT_TRUE(IsValidUtf8(text));
    EXPECT_EQ(FindInvisibleCharacter(text), c) << std::hex << c;
  }
}

TEST(QuoteForErrorTest, QuotesEscapesAndCuts) {
  EXPECT_EQ(QuoteForError("2024-13-01"), "\"2024-13-01\"");
  EXPECT_EQ(QuoteForError("é\"\n"), "\"é\\\"\\n\"");
  EXPECT_EQ(QuoteForError("abcdef", 3), "\"abc...\"");
  // Never cuts inside a character.
  EXPECT_EQ(QuoteForError("aé", 2), "\"a...\"");
}

TEST(NextCodePointTest, DecodesAndStepsOverMalformedBytes) {
  const std::string text = "a\xc3\xa9\xe2\x80\xae\xf0\x9f\x98\x80\xff\xc3";
  size_t i = 0;
  EXPECT_EQ(NextCodePoint(text, &i), U'a');
  EXPECT_EQ(i, 1u);
  EXPECT_EQ(NextCodePoint(text, &i), U'\u00e9');
  EXPECT_EQ(i, 3u);
  EXPECT_EQ(NextCodePoint(text, &i), U'\u202e');
  EXPECT_EQ(i, 6u);
  EXPECT_EQ(NextCodePoint(text, &i), U'\U0001F600');
  EXPECT_EQ(i, 10u);
  EXPECT_EQ(NextCodePoint(text, &i), U'\ufffd');  // 0xFF: one byte
  EXPECT_EQ(i, 11u);
  EXPECT_EQ(NextCodePoint(text, &i), U'\ufffd');  // truncated at the end
  EXPECT_EQ(i, 12u);
  // A lead byte followed by a non-continuation: only the lead is skipped.
  const std::string broken =
      "\xc3"
      "a";
  i = 0;
  EXPECT_EQ(NextCodePoint(broken, &i), U'\ufffd');
  EXPECT_EQ(NextCodePoint(broken, &i), U'a');
}
}  // namespace
}  // namespace passerelle::common
