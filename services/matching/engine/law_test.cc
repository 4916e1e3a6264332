// The young-worker law that depends on the diploma referential and on the
// newer offer and graduate fields (issue #9): each rule at its boundaries
// (the day before, on and after each date limit), and table-driven tests
// written from the articles' texts. Each verdict is checked through Explain,
// RankOffers and RankGraduates.

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matching/engine/engine.h"
#include "services/matching/engine/internal/records.h"
#include "services/matching/engine/rules.h"
#include "services/matching/engine/test_util.h"

namespace passerelle::engine {
namespace {

using testing::BaseGraduate;
using testing::BaseOffer;
using ::testing::HasSubstr;
using testing::kStart;
using testing::kToday;
using testing::Query;
using testing::TestTrades;

// The diplomas of the fixtures: the graduate's CAP (50025123, leads to
// H2903), the Bac Pro the base offer prepares (40025010), a Bac général
// (47013018, not vocational), a CAP closing on 2028-08-31 (50099901) and a
// BTS (32025001).
std::vector<DiplomaFacts> TestDiplomas() {
  return {
      {"50025123", std::nullopt, true, {"H2903"}},
      {"40025010", std::nullopt, true, {"H2903", "H2902"}},
      {"47013018", std::nullopt, false, {}},
      {"50099901", absl::CivilDay(2028, 8, 31), true, {"H2903"}},
      {"32025001", std::nullopt, true, {"H2903"}},
  };
}

std::unique_ptr<Engine> LawEngine() {
  EngineOptions options;
  options.trades = TestTrades();
  options.diplomas = TestDiplomas();
  auto engine = Engine::Create(std::move(options));
  EXPECT_TRUE(engine.ok()) << engine.status();
  return std::move(engine).value();
}

struct Verdict {
  Explanation explanation;
  bool ranked = false;

  bool Excludes(const std::string& rule) const {
    for (const Exclusion& e : explanation.exclusions) {
      if (e.rule == rule) return true;
    }
    return false;
  }
  std::string Detail(const std::string& rule) const {
    for (const Exclusion& e : explanation.exclusions) {
      if (e.rule == rule) return e.detail;
    }
    return "";
  }
  std::string Warning(const std::string& code) const {
    for (const engine::Warning& w : explanation.warnings) {
      if (w.code == code) return w.detail;
    }
    return "";
  }
  double Factor(const std::string& name) const {
    for (const engine::Factor& f : explanation.factors) {
      if (f.name == name) return f.value;
    }
    return -1;
  }
  std::string FactorDetail(const std::string& name) const {
    for (const engine::Factor& f : explanation.factors) {
      if (f.name == name) return f.detail;
    }
    return "";
  }
};

// Explains the pair, stores both records and ranks both ways; checks that
// the three agree.
Verdict Judge(const Graduate& g, const Offer& o) {
  auto engine = LawEngine();
  Verdict v;
  auto explanation = engine->Explain(g, o, kToday);
  EXPECT_TRUE(explanation.ok()) << explanation.status();
  if (explanation.ok()) v.explanation = *explanation;
  EXPECT_TRUE(engine->UpsertGraduate(g).ok());
  EXPECT_TRUE(engine->UpsertOffer(o).ok());
  auto offers = engine->RankOffers(g.id, Query());
  auto graduates = engine->RankGraduates(o.id, Query());
  EXPECT_TRUE(offers.ok() && graduates.ok());
  v.ranked = offers.ok() && !offers->empty();
  EXPECT_EQ(v.ranked, graduates.ok() && !graduates->empty())
      << "RankOffers and RankGraduates disagree";
  EXPECT_EQ(v.ranked, v.explanation.eligible)
      << "Explain and the ranking disagree";
  auto stored = engine->Explain(g.id, o.id, kToday);
  EXPECT_TRUE(stored.ok());
  if (stored.ok()) {
    EXPECT_EQ(stored->eligible, v.explanation.eligible)
        << "Explain by ids and ad hoc disagree";
  }
  return v;
}

// ---------------------------------------------------------------------------
// Item 1: the target diploma must exist for the whole contract (L6211-1).

TEST(ContractLastDayTest, DayBeforeTheSameDayMonthsLater) {
  using internal::ContractLastDay;
  EXPECT_EQ(ContractLastDay(absl::CivilDay(2026, 9, 1), 24),
            absl::CivilDay(2028, 8, 31));
  EXPECT_EQ(ContractLastDay(absl::CivilDay(2026, 9, 15), 6),
            absl::CivilDay(2027, 3, 14));
  EXPECT_EQ(ContractLastDay(absl::CivilDay(2026, 1, 31), 1),
            absl::CivilDay(2026, 2, 28));
  EXPECT_EQ(ContractLastDay(absl::CivilDay(2027, 12, 31), 2),
            absl::CivilDay(2028, 2, 29));  // leap year
}

TEST(TargetClosedTest, ClosesOnTheLastDayKeptTheDayBeforeExcluded) {
  Offer o = BaseOffer();
  o.target_diploma = {"50099901", 3, DiplomaStatus::kInProgress, {}};
  Graduate g = BaseGraduate();
  g.diploma = {"40025010", 4, DiplomaStatus::kObtained, kToday};
  // Closes 2028-08-31. Start 2026-09-01 + 24 months: last day 2028-08-31.
  o.start_date = absl::CivilDay(2026, 9, 1);
  o.duration_months = 24;
  EXPECT_TRUE(Judge(g, o).ranked);
  // Start a day later: last day 2028-09-01, the day after the closing.
  o.start_date = absl::CivilDay(2026, 9, 2);
  Verdict v = Judge(g, o);
  EXPECT_FALSE(v.ranked);
  ASSERT_TRUE(v.Excludes(kRuleApprenticeshipTargetClosed));
  EXPECT_THAT(v.Detail(kRuleApprenticeshipTargetClosed),
              HasSubstr("prepares diploma 50099901, closed on 2028-08-31, "
                        "before the contract's last day 2028-09-01"));
  EXPECT_THAT(v.Detail(kRuleApprenticeshipTargetClosed), HasSubstr("L6211-1"));
  // A shorter contract from the same day ends in time.
  o.duration_months = 23;
  EXPECT_TRUE(Judge(g, o).ranked);
  // A CDI names no diploma to prepare: the closing does not matter.
  o.duration_months = 36;
  o.contract_type = ContractType::kCdi;
  o.duration_months = 0;
  EXPECT_TRUE(Judge(g, o).ranked);
}

TEST(TargetClosedTest, ClosedBeforeTheStartExcluded) {
  Offer o = BaseOffer();
  o.target_diploma = {"50099901", 3, DiplomaStatus::kInProgress, {}};
  o.start_date = absl::CivilDay(2028, 9, 1);
  o.duration_months = 6;
  Graduate g = BaseGraduate();
  g.available_from = kToday;
  g.diploma = {"40025010", 4, DiplomaStatus::kObtained, kToday};
  Verdict v = Judge(g, o);
  EXPECT_TRUE(v.Excludes(kRuleApprenticeshipTargetClosed));
}

TEST(TargetClosedTest, UnknownCodeIsTakenAsOpen) {
  Offer o = BaseOffer();
  o.target_diploma = {"40099999", 4, DiplomaStatus::kInProgress, {}};
  EXPECT_TRUE(Judge(BaseGraduate(), o).ranked);
}

// ---------------------------------------------------------------------------
// Item 3: no level floor for an apprenticeship's target.

TEST(ApprenticeshipTargetTest, LowerLevelIsLawfulButFitsLess) {
  Graduate g = BaseGraduate();
  g.diploma = {"40025010", 4, DiplomaStatus::kObtained, kToday};  // Bac Pro
  Offer o = BaseOffer();
  o.required_level = 0;
  o.target_diploma = {"50025123", 3, DiplomaStatus::kInProgress, {}};  // CAP
  Verdict lower = Judge(g, o);
  EXPECT_TRUE(lower.ranked);
  EXPECT_THAT(lower.FactorDetail("offer_fit"),
              HasSubstr("prepares level 3 from level 4 (retraining at a lower "
                        "level): 0.40"));
  o.target_diploma = {"40099999", 4, DiplomaStatus::kInProgress, {}};
  Verdict same = Judge(g, o);
  EXPECT_TRUE(same.ranked);
  o.target_diploma = {"32025001", 5, DiplomaStatus::kInProgress, {}};
  Verdict higher = Judge(g, o);
  EXPECT_LT(lower.Factor("offer_fit"), same.Factor("offer_fit"));
  EXPECT_LT(same.Factor("offer_fit"), higher.Factor("offer_fit"));
  // The very diploma held is still excluded.
  o.target_diploma = {"40025010", 4, DiplomaStatus::kInProgress, {}};
  EXPECT_TRUE(Judge(g, o).Excludes(kRuleApprenticeshipTarget));
}

// ---------------------------------------------------------------------------
// Item 2: professionalisation pay floor (D6325-15) by diploma kind.

TEST(ProfessionalisationPayTest, BacGeneralGetsTheBaseRateBacProTheRaise) {
  Graduate g = BaseGraduate();  // 19 at the start
  g.accepted_contracts.clear();
  Offer o = BaseOffer();
  o.contract_type = ContractType::kProfessionalisation;
  o.required_level = 0;
  o.monthly_gross_salary_eur = 1100;  // between 55 % and 65 % of 1823.03
  g.diploma = {"47013018", 4, DiplomaStatus::kObtained, kToday};  // Bac gén.
  Verdict general = Judge(g, o);
  EXPECT_TRUE(general.ranked);
  EXPECT_THAT(general.FactorDetail("salary"), HasSubstr("55% of SMIC"));
  EXPECT_EQ(general.Warning(kWarningSalaryBelowMinimum), "");
  g.diploma = {"40025010", 4, DiplomaStatus::kObtained, kToday};  // Bac Pro
  Verdict vocational = Judge(g, o);
  EXPECT_THAT(vocational.FactorDetail("salary"), HasSubstr("65% of SMIC"));
  EXPECT_THAT(vocational.Warning(kWarningSalaryBelowMinimum),
              HasSubstr("1100.00 €/month < legal minimum 1184.97 €"));
  // A level-4 code the referential does not know: the higher floor, said.
  g.diploma = {"40099999", 4, DiplomaStatus::kObtained, kToday};
  Verdict unknown = Judge(g, o);
  EXPECT_THAT(unknown.FactorDetail("salary"), HasSubstr("65% of SMIC"));
  EXPECT_THAT(unknown.FactorDetail("salary"),
              HasSubstr("assumed: diploma 40099999 is not in the referential"));
}

}  // namespace
}  // namespace passerelle::engine
