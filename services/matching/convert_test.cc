// What the matching service gives the engine from the shipped referentials.

#include "services/matching/convert.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matching/engine/legal_tables.h"

namespace passerelle::matching {
namespace {

class ConvertTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = common::Referentials::Load(common::DefaultDataDir());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    refs_ = loaded->release();
  }
  static const common::Referentials* refs_;
};
const common::Referentials* ConvertTest::refs_ = nullptr;

// data/smic.csv is where revaluations are added; the engine's built-in copy
// (for its own tests and tools) must agree with it on every row it has.
TEST_F(ConvertTest, SmicFileExtendsTheBuiltInTable) {
  const std::vector<engine::SmicValue> file = SmicFrom(*refs_);
  const std::vector<engine::SmicValue>& built_in =
      engine::DefaultLegalTables().smic;
  ASSERT_GE(file.size(), built_in.size());
  for (size_t i = 0; i < built_in.size(); ++i) {
    EXPECT_EQ(file[i].effective_from, built_in[i].effective_from) << i;
    EXPECT_DOUBLE_EQ(file[i].hourly_gross_eur, built_in[i].hourly_gross_eur)
        << i;
    EXPECT_DOUBLE_EQ(file[i].monthly_gross_eur, built_in[i].monthly_gross_eur)
        << i;
    EXPECT_EQ(file[i].source, built_in[i].source) << i;
  }
  // The value a contract starting on 2025-06-01 gets: the November 2024 one.
  engine::LegalTables tables;
  tables.smic = file;
  EXPECT_DOUBLE_EQ(tables.SmicOn(absl::CivilDay(2025, 6, 1)).hourly_gross_eur,
                   11.88);
  EXPECT_DOUBLE_EQ(tables.SmicOn(absl::CivilDay(2022, 4, 30)).hourly_gross_eur,
                   10.57);
  EXPECT_DOUBLE_EQ(tables.SmicOn(absl::CivilDay(2022, 5, 1)).hourly_gross_eur,
                   10.85);
}

TEST_F(ConvertTest, DiplomasCarryTheirTrainingCycle) {
  std::map<std::string, int> cycle;
  for (const engine::DiplomaFacts& d : DiplomasFrom(*refs_)) {
    cycle[d.code] = d.cycle_months;
  }
  EXPECT_EQ(cycle.at("50025123"), 24);  // CAP décolletage
  for (const common::Diploma& d : refs_->diplomas()) {
    if (d.kind == "BAC PRO") {
      EXPECT_EQ(cycle.at(d.code), 36) << d.code;
    } else if (d.kind == "MC") {
      EXPECT_EQ(cycle.at(d.code), 12) << d.code;
    }
  }
}

}  // namespace
}  // namespace passerelle::matching
