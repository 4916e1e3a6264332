#include "clients/cli/csv.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<CsvRecord> ReadAll(const std::string& text, char delimiter = ',') {
  std::istringstream in(text);
  CsvReader reader(&in, delimiter);
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader.Next(&record)) records.push_back(record);
  return records;
}

TEST(CsvReaderTest, PlainRows) {
  auto records = ReadAll("a,b,c\n1,2,3\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b", "c"));
  EXPECT_THAT(records[1].fields, ElementsAre("1", "2", "3"));
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].line, 2);
}

TEST(CsvReaderTest, LastLineWithoutNewline) {
  auto records = ReadAll("a,b\n1,2");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[1].fields, ElementsAre("1", "2"));
}

TEST(CsvReaderTest, EmptyFieldsAndTrailingDelimiter) {
  auto records = ReadAll(",x,,\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre("", "x", "", ""));
}

TEST(CsvReaderTest, QuotedDelimiterNewlineAndDoubledQuotes) {
  auto records = ReadAll(
      "id,comment\n"
      "1,\"Dupont, Jean\"\n"
      "2,\"ligne 1\nligne 2\"\n"
      "3,\"il a dit \"\"bonjour\"\"\"\n"
      "4,\"\"\n");
  ASSERT_EQ(records.size(), 5u);
  EXPECT_THAT(records[1].fields, ElementsAre("1", "Dupont, Jean"));
  EXPECT_THAT(records[2].fields, ElementsAre("2", "ligne 1\nligne 2"));
  EXPECT_THAT(records[3].fields, ElementsAre("3", "il a dit \"bonjour\""));
  EXPECT_THAT(records[4].fields, ElementsAre("4", ""));
  // The record after a two-line field starts on the right physical line.
  EXPECT_EQ(records[2].line, 3);
  EXPECT_EQ(records[3].line, 5);
  EXPECT_EQ(records[4].line, 6);
}

TEST(CsvReaderTest, CrLfAndLoneCr) {
  auto records = ReadAll("a,b\r\n1,2\r3,4\r\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b"));
  EXPECT_THAT(records[1].fields, ElementsAre("1", "2"));
  EXPECT_THAT(records[2].fields, ElementsAre("3", "4"));
  EXPECT_EQ(records[2].line, 3);
}

TEST(CsvReaderTest, CrLfInsideQuotesIsKept) {
  auto records = ReadAll("\"a\r\nb\",c\r\nd,e\r\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("a\r\nb", "c"));
  EXPECT_EQ(records[1].line, 3);
}

TEST(CsvReaderTest, ByteOrderMarkSkipped) {
  auto records = ReadAll("\xEF\xBB\xBFgiven_name,family_name\nZoé,Lefèvre\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("given_name", "family_name"));
  EXPECT_THAT(records[1].fields, ElementsAre("Zoé", "Lefèvre"));
}

TEST(CsvReaderTest, Utf8IsPreservedByteForByte) {
  auto records = ReadAll("\"Clémence, Chloë\",Ærø,日本\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre("Clémence, Chloë", "Ærø", "日本"));
}

TEST(CsvReaderTest, BlankLineIsOneEmptyField) {
  auto records = ReadAll("a\n\nb\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[1].fields, ElementsAre(""));
  EXPECT_EQ(records[2].line, 3);
}

TEST(CsvReaderTest, QuoteInsideUnquotedFieldIsLiteral) {
  auto records = ReadAll("tube 5\" acier,x\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre("tube 5\" acier", "x"));
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsAnErrorAndReadingGoesOn) {
  auto records = ReadAll("a,\"b\"c,d\nnext,row\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(records[0].error.empty());
  EXPECT_EQ(records[0].error_column, 2);
  EXPECT_EQ(records[0].line, 1);
  EXPECT_TRUE(records[1].error.empty());
  EXPECT_THAT(records[1].fields, ElementsAre("next", "row"));
  EXPECT_EQ(records[1].line, 2);
}

TEST(CsvReaderTest, UnterminatedQuoteIsAnError) {
  auto records = ReadAll("a,b\n1,\"never closed\n2,3\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].error.empty());
  EXPECT_THAT(records[1].error, ::testing::HasSubstr("unterminated"));
  EXPECT_EQ(records[1].error_column, 2);
  EXPECT_EQ(records[1].line, 2);
}

TEST(CsvReaderTest, DetectsSemicolonAndTab) {
  {
    std::istringstream in("nom;ville\n\"a;b\";Lille\n");
    CsvReader reader(&in, 0);
    CsvRecord record;
    ASSERT_TRUE(reader.Next(&record));
    EXPECT_EQ(reader.delimiter(), ';');
    ASSERT_TRUE(reader.Next(&record));
    EXPECT_THAT(record.fields, ElementsAre("a;b", "Lille"));
  }
  {
    std::istringstream in("a\tb\tc,d\n1\t2\t3,4\n");
    CsvReader reader(&in, 0);
    CsvRecord record;
    ASSERT_TRUE(reader.Next(&record));
    EXPECT_EQ(reader.delimiter(), '\t');
    EXPECT_THAT(record.fields, ElementsAre("a", "b", "c,d"));
  }
  {
    std::istringstream in("\"x;y\",z\n");
    CsvReader reader(&in, 0);
    CsvRecord record;
    ASSERT_TRUE(reader.Next(&record));
    EXPECT_EQ(reader.delimiter(), ',');  // the ';' is inside quotes
  }
}

TEST(CsvReaderTest, EmptyInput) {
  EXPECT_THAT(ReadAll(""), IsEmpty());
  EXPECT_THAT(ReadAll("\xEF\xBB\xBF"), IsEmpty());
}

TEST(CsvReaderTest, LargeInputAcrossBufferBoundaries) {
  std::string text = "id,name\n";
  for (int i = 0; i < 20000; ++i) {
    text += std::to_string(i) + ",\"Nom " + std::to_string(i) + ", é\"\n";
  }
  std::istringstream in(text);
  CsvReader reader(&in);
  CsvRecord record;
  int count = 0;
  ASSERT_TRUE(reader.Next(&record));
  while (reader.Next(&record)) {
    ASSERT_TRUE(record.error.empty());
    ASSERT_EQ(record.fields.size(), 2u);
    ASSERT_EQ(record.fields[0], std::to_string(count));
    ASSERT_EQ(record.line, count + 2);
    ++count;
  }
  EXPECT_EQ(count, 20000);
  EXPECT_EQ(reader.bytes_consumed(), static_cast<int64_t>(text.size()));
}

}  // namespace
}  // namespace passerelle::cli
