#include "services/matching/engine/legal_tables.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::engine {
namespace {

using ::testing::HasSubstr;

TEST(LegalTablesTest, SmicInForce) {
  const LegalTables& t = DefaultLegalTables();
  EXPECT_EQ(t.SmicOn(absl::CivilDay(2024, 11, 1)).hourly_gross_eur, 11.88);
  EXPECT_EQ(t.SmicOn(absl::CivilDay(2024, 11, 1)).monthly_gross_eur, 1801.80);
  EXPECT_EQ(t.SmicOn(absl::CivilDay(2025, 12, 31)).monthly_gross_eur, 1801.80);
  EXPECT_EQ(t.SmicOn(absl::CivilDay(2026, 1, 1)).hourly_gross_eur, 12.02);
  EXPECT_EQ(t.SmicOn(absl::CivilDay(2026, 9, 1)).monthly_gross_eur, 1823.03);
  // Each value from its first day; the day before, the previous one.
  EXPECT_EQ(t.SmicOn(absl::CivilDay(2020, 1, 1)).monthly_gross_eur, 1539.42);
  EXPECT_EQ(t.SmicOn(absl::CivilDay(2019, 12, 31)).monthly_gross_eur, 1521.22);
  EXPECT_EQ(t.SmicOn(absl::CivilDay(2023, 5, 1)).hourly_gross_eur, 11.52);
  EXPECT_EQ(t.SmicOn(absl::CivilDay(2023, 4, 30)).hourly_gross_eur, 11.27);
  // Before the first entry: the first one.
  EXPECT_EQ(t.SmicOn(absl::CivilDay(2018, 6, 1)).monthly_gross_eur, 1521.22);
  // Monthly = hourly x 35 x 52 / 12, to the cent.
  for (const SmicValue& v : t.smic) {
    EXPECT_NEAR(v.hourly_gross_eur * 35 * 52 / 12, v.monthly_gross_eur, 0.005);
  }
}

TEST(LegalTablesTest, ApprenticeGridD6222_26) {
  const LegalTables& t = DefaultLegalTables();
  const int expected[4][3] = {
      {27, 39, 55}, {43, 51, 67}, {53, 61, 78}, {100, 100, 100}};
  for (int band = 0; band < 4; ++band) {
    for (int year = 0; year < 3; ++year) {
      EXPECT_EQ(t.apprentice_percent[band][year], expected[band][year]);
    }
  }
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kApprenticeship, 17, 3), 0.27);
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kApprenticeship, 18, 3), 0.43);
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kApprenticeship, 20, 3), 0.43);
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kApprenticeship, 21, 3), 0.53);
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kApprenticeship, 25, 3), 0.53);
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kApprenticeship, 26, 3), 1.0);
}

TEST(LegalTablesTest, ProfessionalisationGrid) {
  const LegalTables& t = DefaultLegalTables();
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kProfessionalisation, 19, 3),
            0.55);
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kProfessionalisation, 19, 4),
            0.65);
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kProfessionalisation, 22, 3),
            0.70);
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kProfessionalisation, 22, 4),
            0.80);
  EXPECT_EQ(LegalMinimumShare(t, ContractType::kProfessionalisation, 26, 3),
            1.0);
}

// D6325-15: the +10 points are for "une qualification au moins égale au
// baccalauréat professionnel ou un titre ou diplôme à finalité
// professionnelle de même niveau": a Bac Pro or BP (vocational, level 4)
// yes; a Bac général (level 4, not vocational) no; a BTS (level 5) yes.
TEST(LegalTablesTest, ProfessionalisationRaiseOnlyForVocationalLevel4) {
  const LegalTables& t = DefaultLegalTables();
  const auto kPro = ContractType::kProfessionalisation;
  struct Case {
    int pay_age, level;
    bool vocational;
    double share;
  } cases[] = {
      {19, 4, true, 0.65},  {19, 4, false, 0.55}, {19, 5, false, 0.65},
      {19, 5, true, 0.65},  {19, 3, true, 0.55},  {22, 4, true, 0.80},
      {22, 4, false, 0.70}, {20, 4, false, 0.55}, {21, 4, false, 0.70},
      {26, 4, false, 1.0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(LegalMinimumShare(t, kPro, c.pay_age, c.level, c.vocational),
              c.share)
        << "pay age " << c.pay_age << ", level " << c.level
        << (c.vocational ? " vocational" : " general");
  }
  const absl::CivilDay start(2026, 9, 1);
  EXPECT_THAT(ComputeLegalMinimum(t, kPro, 19, 4, 35, start, false).basis,
              HasSubstr("55% of SMIC"));
  EXPECT_THAT(ComputeLegalMinimum(t, kPro, 19, 4, 35, start, false).basis,
              HasSubstr("level 4 not vocational (D6325-15)"));
  EXPECT_THAT(ComputeLegalMinimum(t, kPro, 19, 4, 35, start, true).basis,
              HasSubstr("65% of SMIC"));
}

TEST(LegalTablesTest, PayAgeMovesTheMonthAfterTheBirthday) {
  const absl::CivilDay start(2026, 9, 1);
  // 18 on 15 August: the 18-20 band from 1 September.
  EXPECT_EQ(PayAge(absl::CivilDay(2008, 8, 15), start), 18);
  EXPECT_EQ(PayAge(absl::CivilDay(2008, 8, 31), start), 18);
  // 18 on the start day: the band moves on 1 October.
  EXPECT_EQ(PayAge(absl::CivilDay(2008, 9, 1), start), 17);
  // January start: the previous month is December of the year before.
  EXPECT_EQ(PayAge(absl::CivilDay(2008, 12, 31), absl::CivilDay(2027, 1, 5)),
            18);
}

TEST(LegalTablesTest, LegalMinimumAmounts) {
  const LegalTables& t = DefaultLegalTables();
  const absl::CivilDay start(2026, 9, 1);
  // CDI at 35 h: the SMIC.
  EXPECT_DOUBLE_EQ(ComputeLegalMinimum(t, ContractType::kCdi, 19, 3, 35, start)
                       .monthly_gross_eur,
                   1823.03);
  // Part time: pro rata.
  EXPECT_DOUBLE_EQ(ComputeLegalMinimum(t, ContractType::kCdd, 19, 3, 28, start)
                       .monthly_gross_eur,
                   1458.42);  // 1823.03 x 28 / 35 = 1458.424
  // 39 h: 4 overtime hours at +25 %: 1823.03 x 40 / 35.
  EXPECT_DOUBLE_EQ(ComputeLegalMinimum(t, ContractType::kCdi, 19, 3, 39, start)
                       .monthly_gross_eur,
                   2083.46);
  // First-year apprentice under 18: 27 %.
  const LegalMinimum apprentice =
      ComputeLegalMinimum(t, ContractType::kApprenticeship, 17, 3, 35, start);
  EXPECT_DOUBLE_EQ(apprentice.monthly_gross_eur, 492.22);
  EXPECT_THAT(apprentice.basis, HasSubstr("27% of SMIC 1823.03"));
  // Before 2026 the 2024 SMIC applies.
  EXPECT_DOUBLE_EQ(ComputeLegalMinimum(t, ContractType::kCdi, 19, 3, 35,
                                       absl::CivilDay(2025, 9, 1))
                       .monthly_gross_eur,
                   1801.80);
}

}  // namespace
}  // namespace passerelle::engine
