#include "services/common/referential_search.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::common {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(FoldForSearchTest, CaseAccentsAndPunctuation) {
  EXPECT_EQ(FoldForSearch("L'Haÿ-les-Roses"), "l hay les roses");
  EXPECT_EQ(FoldForSearch("  Saint-Étienne-du-Rouvray "),
            "saint etienne du rouvray");
  EXPECT_EQ(FoldForSearch("ŒUVRE Façade ß"), "oeuvre facade ss");
  EXPECT_EQ(FoldForSearch("Łódź"), "lodz");
  EXPECT_EQ(FoldForSearch("Conducteur / Conductrice d’engins"),
            "conducteur conductrice d engins");
  EXPECT_EQ(FoldForSearch("62500"), "62500");
  EXPECT_EQ(FoldForSearch("-- ' --"), "");
  EXPECT_EQ(FoldForSearch("\xff"
                          "abc"),
            "abc");  // a stray byte: a space
}

class ReferentialSearchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = Referentials::Load(DefaultDataDir());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    refs_ = loaded->release();
    search_ = new ReferentialSearch(*refs_);
  }
  static std::vector<std::string> CommuneNames(absl::string_view q,
                                               size_t limit) {
    std::vector<std::string> names;
    for (const Commune* c : search_->Communes(q, limit)) {
      names.push_back(c->name);
    }
    return names;
  }
  static const Referentials* refs_;
  static const ReferentialSearch* search_;
};
const Referentials* ReferentialSearchTest::refs_ = nullptr;
const ReferentialSearch* ReferentialSearchTest::search_ = nullptr;

TEST_F(ReferentialSearchTest, CommunesByNameWhateverTheSpelling) {
  for (absl::string_view q :
       {"saint-omer", "SAINT OMER", "st omer", "Saint-Omer"}) {
    auto found = search_->Communes(q, 5);
    ASSERT_FALSE(found.empty()) << q;
    EXPECT_EQ(found.front()->insee, "62765") << q;
  }
  // A word inside the name.
  auto omer = CommuneNames("omer", 20);
  EXPECT_THAT(omer, ::testing::Contains("Saint-Omer"));
}

TEST_F(ReferentialSearchTest, CommunesLargestFirstAndLimited) {
  auto lille = search_->Communes("lill", 3);
  ASSERT_THAT(lille, SizeIs(::testing::Le(3u)));
  ASSERT_FALSE(lille.empty());
  EXPECT_EQ(lille.front()->insee, "59350");
  for (size_t i = 1; i < lille.size(); ++i) {
    EXPECT_GE(lille[i - 1]->population, lille[i]->population);
  }
  EXPECT_THAT(search_->Communes("paris", 0), IsEmpty());
  EXPECT_THAT(search_->Communes("  ", 10), IsEmpty());
  EXPECT_THAT(search_->Communes("zzzzqqq", 10), IsEmpty());
}

TEST_F(ReferentialSearchTest, CommunesByPostalOrInseeCode) {
  // Saint-Omer's postal code; "62500" is also an INSEE code (of a
  // commune whose postal code is 62190).
  auto by_code = search_->Communes("62500", 50);
  ASSERT_FALSE(by_code.empty());
  bool saint_omer = false;
  for (const Commune* c : by_code) {
    const bool postal =
        std::find(c->postal_codes.begin(), c->postal_codes.end(), "62500") !=
        c->postal_codes.end();
    EXPECT_TRUE(postal || c->insee == "62500") << c->name;
    saint_omer = saint_omer || c->insee == "62765";
  }
  EXPECT_TRUE(saint_omer);
  auto by_insee = search_->Communes("2A004", 5);
  ASSERT_FALSE(by_insee.empty());
  EXPECT_EQ(by_insee.front()->name, "Ajaccio");
}

TEST_F(ReferentialSearchTest, TradesByTitleAppellationOrCode) {
  auto soud = search_->Trades("soud", 10);
  ASSERT_FALSE(soud.empty());
  for (const auto& t : soud) {
    const std::string title =
        t.appellation != nullptr ? t.appellation->title : t.rome->title;
    EXPECT_TRUE(absl::StrContains(FoldForSearch(title), "soud")) << title;
    if (t.appellation != nullptr) {
      EXPECT_EQ(t.appellation->rome, t.rome->code);
    }
  }
  // Every word, in any order, as word prefixes.
  auto tig = search_->Trades("tig soudeur", 20);
  ASSERT_FALSE(tig.empty());
  for (const auto& t : tig) {
    const std::string title = FoldForSearch(
        t.appellation != nullptr ? t.appellation->title : t.rome->title);
    EXPECT_TRUE(absl::StrContains(title, "tig")) << title;
    EXPECT_TRUE(absl::StrContains(title, "soudeur")) << title;
  }
  auto code = search_->Trades("h2903", 5);
  ASSERT_THAT(code, SizeIs(1u));
  EXPECT_EQ(code[0].rome->code, "H2903");
  EXPECT_EQ(code[0].appellation, nullptr);
  EXPECT_THAT(search_->Trades("", 5), IsEmpty());
}

}  // namespace
}  // namespace passerelle::common
