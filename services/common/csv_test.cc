#include "services/common/internal/csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::common::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Records = std::vector<std::vector<std::string>>;

Records Parse(absl::string_view text) {
  auto records = ParseCsv(text);
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? *records : Records{};
}

TEST(CsvTest, PlainRecords) {
  EXPECT_EQ(Parse("a,b,c\n1,2,3\n"),
            (Records{{"a", "b", "c"}, {"1", "2", "3"}}));
  EXPECT_EQ(Parse("a,b"), (Records{{"a", "b"}}));  // no final line break
  EXPECT_EQ(Parse(""), Records{});
}

TEST(CsvTest, EmptyFields) {
  EXPECT_EQ(Parse(",\n"), (Records{{"", ""}}));
  EXPECT_EQ(Parse("a,,c\n"), (Records{{"a", "", "c"}}));
  EXPECT_EQ(Parse("a,b,\n"), (Records{{"a", "b", ""}}));
  EXPECT_EQ(Parse("a,b,"), (Records{{"a", "b", ""}}));
  EXPECT_EQ(Parse("\"\",x\n"), (Records{{"", "x"}}));
}

TEST(CsvTest, QuotedFields) {
  EXPECT_EQ(Parse("01.11Z,\"Culture de céréales (à l'exception du riz), de "
                  "légumineuses\"\n"),
            (Records{{"01.11Z",
                      "Culture de céréales (à l'exception du riz), de "
                      "légumineuses"}}));
  EXPECT_EQ(Parse("\"say \"\"hi\"\"\",x\n"), (Records{{"say \"hi\"", "x"}}));
  EXPECT_EQ(Parse("\"\"\"\"\n"), (Records{{"\""}}));
  EXPECT_EQ(Parse("\"a,b\",\"c\"\n"), (Records{{"a,b", "c"}}));
}

TEST(CsvTest, LineBreaksInsideQuotesAndLineNumbers) {
  CsvReader reader("h1,h2\n\"two\nlines\",x\nlast,y\n");
  std::vector<std::string> fields;
  ASSERT_TRUE(reader.Next(&fields));
  EXPECT_EQ(reader.line(), 1);
  ASSERT_TRUE(reader.Next(&fields));
  EXPECT_THAT(fields, ElementsAre("two\nlines", "x"));
  EXPECT_EQ(reader.line(), 2);
  ASSERT_TRUE(reader.Next(&fields));
  EXPECT_THAT(fields, ElementsAre("last", "y"));
  EXPECT_EQ(reader.line(), 4);
  EXPECT_FALSE(reader.Next(&fields));
  EXPECT_TRUE(reader.status().ok());
}

TEST(CsvTest, CrLfAndBomAndBlankLines) {
  EXPECT_EQ(Parse("\xEF\xBB\xBFinsee,name\r\n59350,Lille\r\n\r\n"),
            (Records{{"insee", "name"}, {"59350", "Lille"}}));
  EXPECT_EQ(Parse("\"q\"\r\nx\r\n"), (Records{{"q"}, {"x"}}));
  EXPECT_EQ(Parse("a\n\n\nb\n"), (Records{{"a"}, {"b"}}));
}

TEST(CsvTest, Utf8IsKept) {
  EXPECT_EQ(Parse("Ambérieu-en-Bugey,Île-de-France\n"),
            (Records{{"Ambérieu-en-Bugey", "Île-de-France"}}));
}

TEST(CsvTest, MalformedInputNamesTheLine) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"a,b\n\"open,c\n", "line 2: unterminated quoted field"},
      {"a,b\n\"x\"y,c\n", "line 2: unexpected character after a closing quote"},
      {"a,b\nx,y\"z\n", "line 2: quote inside an unquoted field"},
      {"a\nb\n\xE9t\xE9\n", "line 3: field 1 is not valid UTF-8"},
      {"a\n\"multi\nline\",\"bad\xFF\"\n",
       "line 3: field 2 is not valid UTF-8"},
  };
  for (const Case& c : cases) {
    auto records = ParseCsv(c.text);
    ASSERT_FALSE(records.ok()) << c.text;
    EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(records.status().message()), HasSubstr(c.error))
        << c.text;
  }
}

TEST(CsvTest, StopsAfterAnError) {
  CsvReader reader("\"bad\"x\nok\n");
  std::vector<std::string> fields;
  EXPECT_FALSE(reader.Next(&fields));
  EXPECT_FALSE(reader.status().ok());
  EXPECT_FALSE(reader.Next(&fields));
}

}  // namespace
}  // namespace passerelle::common::internal
