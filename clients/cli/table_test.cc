#include "clients/cli/table.h"

#include <sstream>

#include "absl/strings/str_split.h"
#include "clients/cli/output.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "passerelle/v1/graduate.pb.h"

namespace passerelle::cli {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

TEST(DisplayWidthTest, Utf8) {
  EXPECT_EQ(DisplayWidth("Clemence"), 8u);
  EXPECT_EQ(DisplayWidth("Clémence"), 8u);          // precomposed é
  EXPECT_EQ(DisplayWidth("Cle\xCC\x81mence"), 8u);  // e + combining acute
  EXPECT_EQ(DisplayWidth("Chloë Lefèvre-Œuvrard"), 21u);
  EXPECT_EQ(DisplayWidth("日本"), 4u);  // wide
  EXPECT_EQ(DisplayWidth("\xFF"
                         "a"),
            2u);  // stray byte counts 1
  EXPECT_EQ(DisplayWidth(""), 0u);
}

TEST(DisplayWidthTest, ValidUtf8) {
  EXPECT_TRUE(IsValidUtf8("Clémence 日本 😀"));
  EXPECT_FALSE(IsValidUtf8("Cl\xE9mence"));   // Latin-1
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
}

TEST(TruncateTest, CutsOnCharacterBoundaries) {
  EXPECT_EQ(TruncateToWidth("Clémence", 8), "Clémence");
  EXPECT_EQ(TruncateToWidth("Clémence", 4), "Clé\u2026");
  EXPECT_EQ(DisplayWidth(TruncateToWidth("日本日本", 5)), 5u);
}

TEST(TableTest, AccentedNamesAreAligned) {
  Table table({"GIVEN_NAME", "FAMILY_NAME", "CITY"});
  table.AddRow({"Clémence", "Lefèvre", "Lille"});
  table.AddRow({"Camille", "Dupont", "Roubaix"});
  table.AddRow({"Zoé", "Nguyễn", "Tourcoing"});
  std::ostringstream out;
  table.Print(out);
  const auto lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines, ElementsAre("GIVEN_NAME  FAMILY_NAME  CITY",
                                 "Clémence    Lefèvre      Lille",
                                 "Camille     Dupont       Roubaix",
                                 "Zoé         Nguyễn       Tourcoing"));
  // Every third column starts at the same display column.
  for (const std::string& line : lines) {
    const size_t byte = line.rfind("  ") + 2;
    EXPECT_EQ(DisplayWidth(line.substr(0, byte)), 25u) << line;
  }
}

TEST(TableTest, RightAlignNoTrailingSpacesFlattenedCells) {
  Table table({"NAME", "N", "NOTE"});
  table.SetAlign(1, Align::kRight);
  table.AddRow({"Éloïse", "7", ""});
  table.AddRow({"Al", "1234", "deux\nlignes"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_THAT(Lines(out.str()),
              ElementsAre("NAME       N  NOTE", "Éloïse     7",
                          "Al      1234  deux lignes"));
}

TEST(TableTest, MaxWidthTruncates) {
  Table table({"TITLE"});
  table.SetMaxWidth(10);
  table.AddRow({"Opérateur de production en plasturgie"});
  std::ostringstream out;
  table.Print(out);
  EXPECT_THAT(Lines(out.str()), ElementsAre("TITLE", "Opérateur\u2026"));
}

TEST(MessageTableTest, ColumnsFromFieldPaths) {
  passerelle::v1::Graduate a;
  a.set_given_name("Clémence");
  a.mutable_diploma()->set_code("50025123");
  a.add_accepted_contracts(passerelle::v1::CONTRACT_TYPE_APPRENTICESHIP);
  passerelle::v1::Graduate b;
  b.set_given_name("Léo");
  std::ostringstream out;
  MessageTable({&a, &b}, {{"NAME", "given_name"},
                          {"DIPLOMA", "diploma.code"},
                          {"CONTRACTS", "accepted_contracts"}})
      .Print(out);
  EXPECT_THAT(Lines(out.str()),
              ElementsAre("NAME      DIPLOMA   CONTRACTS",
                          "Clémence  50025123  apprenticeship", "Léo"));
}

}  // namespace
}  // namespace passerelle::cli
