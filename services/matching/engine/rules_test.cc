// Every hard rule: a violating offer is excluded (with the rule named and
// its values in the detail) and a compliant one kept, at the boundaries.
// Each verdict is checked three ways: Explain, RankOffers (index) and
// RankGraduates (reverse index).

#include "services/matching/engine/rules.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matching/engine/engine.h"
#include "services/matching/engine/geo.h"
#include "services/matching/engine/test_util.h"

namespace passerelle::engine {
namespace {

using testing::BaseGraduate;
using testing::BaseOffer;
using ::testing::HasSubstr;
using testing::kStart;
using testing::kToday;
using testing::MakeEngine;
using testing::Query;

bool Ranked(const Graduate& g, const Offer& o) {
  auto engine = MakeEngine();
  EXPECT_TRUE(engine->UpsertGraduate(g).ok());
  EXPECT_TRUE(engine->UpsertOffer(o).ok());
  auto offers = engine->RankOffers(g.id, Query());
  EXPECT_TRUE(offers.ok()) << offers.status();
  auto graduates = engine->RankGraduates(o.id, Query());
  EXPECT_TRUE(graduates.ok()) << graduates.status();
  const bool by_graduate = offers.ok() && !offers->empty();
  const bool by_offer = graduates.ok() && !graduates->empty();
  EXPECT_EQ(by_graduate, by_offer) << "RankOffers and RankGraduates disagree";
  return by_graduate;
}

void ExpectKept(const Graduate& g, const Offer& o) {
  auto engine = MakeEngine();
  auto explanation = engine->Explain(g, o, kToday);
  ASSERT_TRUE(explanation.ok()) << explanation.status();
  EXPECT_TRUE(explanation->eligible);
  for (const Exclusion& e : explanation->exclusions) {
    ADD_FAILURE() << "unexpected exclusion " << e.rule << ": " << e.detail;
  }
  EXPECT_TRUE(Ranked(g, o)) << "not ranked";
}

void ExpectExcluded(const Graduate& g, const Offer& o, const std::string& rule,
                    const std::string& detail = "") {
  auto engine = MakeEngine();
  auto explanation = engine->Explain(g, o, kToday);
  ASSERT_TRUE(explanation.ok()) << explanation.status();
  EXPECT_FALSE(explanation->eligible);
  bool found = false;
  for (const Exclusion& e : explanation->exclusions) {
    if (e.rule == rule) {
      found = true;
      EXPECT_THAT(e.detail, HasSubstr(detail));
    }
  }
  EXPECT_TRUE(found) << "rule " << rule << " not reported";
  EXPECT_FALSE(Ranked(g, o)) << "ranked despite " << rule;
}

TEST(RulesTest, BaseFixturesMatch) { ExpectKept(BaseGraduate(), BaseOffer()); }

TEST(RulesTest, ContractTypeAmongAccepted) {
  Offer o = BaseOffer();
  o.contract_type = ContractType::kCdd;
  ExpectExcluded(BaseGraduate(), o, kRuleContractNotAccepted,
                 "offer is CDD; graduate accepts APPRENTICESHIP, CDI");
  o.contract_type = ContractType::kCdi;
  ExpectKept(BaseGraduate(), o);
  Graduate any = BaseGraduate();
  any.accepted_contracts.clear();  // no preference: every type
  o.contract_type = ContractType::kCdd;
  ExpectKept(any, o);
}

TEST(RulesTest, OfferOpen) {
  Offer o = BaseOffer();
  o.open = false;
  ExpectExcluded(BaseGraduate(), o, kRuleOfferClosed);
}

TEST(RulesTest, PositionsLeft) {
  Offer o = BaseOffer();
  o.positions = 2;
  o.positions_filled = 2;
  ExpectExcluded(BaseGraduate(), o, kRuleNoPositionLeft, "2 of 2");
  o.positions_filled = 1;
  ExpectKept(BaseGraduate(), o);
}

TEST(RulesTest, ExpiredTheDayBeforeTodayButOpenOnItsDay) {
  Offer o = BaseOffer();
  o.expires_on = kToday - 1;
  ExpectExcluded(BaseGraduate(), o, kRuleOfferExpired,
                 "expired on 2026-03-14, before today 2026-03-15");
  o.expires_on = kToday;
  ExpectKept(BaseGraduate(), o);
  o.expires_on.reset();
  ExpectKept(BaseGraduate(), o);
}

TEST(RulesTest, StartNotBeforeAvailability) {
  Graduate g = BaseGraduate();
  g.available_from = kStart + 1;
  ExpectExcluded(g, BaseOffer(), kRuleStartBeforeAvailability,
                 "starts 2026-09-01, before the graduate is available on "
                 "2026-09-02");
  g.available_from = kStart;
  ExpectKept(g, BaseOffer());
}

TEST(RulesTest, TradeOwnMobilitySameParentOrExcluded) {
  Offer o = BaseOffer();
  o.rome_code = "H2902";  // mobility rank 1
  ExpectKept(BaseGraduate(), o);
  o.rome_code = "H2901";  // mobility rank 3
  ExpectKept(BaseGraduate(), o);
  o.rome_code = "H2904";  // same ROME v3 parent, not in the mobility list
  ExpectKept(BaseGraduate(), o);
  o.rome_code = "H2905";  // same domain H29, unrelated otherwise
  ExpectExcluded(BaseGraduate(), o, kRuleTradeUnrelated, "H2905");
  o.rome_code = "K1201";
  ExpectExcluded(BaseGraduate(), o, kRuleTradeUnrelated, "K1201");
  Graduate second = BaseGraduate();
  second.rome_codes = {"K1201", "H2903"};
  o.rome_code = "H2903";
  ExpectKept(second, o);
}

TEST(RulesTest, SameParentCanBeDisallowed) {
  ScoringConfig strict;
  strict.allow_same_parent = false;
  auto engine = MakeEngine(strict);
  Offer o = BaseOffer();
  o.rome_code = "H2904";
  auto explanation = engine->Explain(BaseGraduate(), o, kToday);
  ASSERT_TRUE(explanation.ok());
  ASSERT_EQ(explanation->exclusions.size(), 1u);
  EXPECT_EQ(explanation->exclusions[0].rule, kRuleTradeUnrelated);
}

TEST(RulesTest, DiplomaLevelHeld) {
  Offer o = BaseOffer();
  o.contract_type = ContractType::kCdi;
  o.required_level = 4;
  ExpectExcluded(BaseGraduate(), o, kRuleDiplomaLevel,
                 "requires level 4; graduate's diploma is level 3");
}

TEST(RulesTest, DiplomaInProgressCountsIfObtainedByTheStart) {
  Graduate g = BaseGraduate();
  g.diploma = {"40025010", 4, DiplomaStatus::kInProgress, kStart + 1};
  Offer o = BaseOffer();
  o.contract_type = ContractType::kCdi;
  o.required_level = 4;
  ExpectExcluded(g, o, kRuleDiplomaLevel,
                 "requires level 4 by the start 2026-09-01; the graduate's "
                 "level-4 diploma is expected on 2026-09-02");
  g.diploma.obtained_on = kStart;
  ExpectKept(g, o);
  g.diploma.obtained_on.reset();  // in progress, no date: never held
  ExpectExcluded(g, o, kRuleDiplomaLevel);
}

TEST(RulesTest, ApprenticeshipTargetReachable) {
  Graduate g = BaseGraduate();
  g.diploma = {"40025010", 4, DiplomaStatus::kObtained, kToday};
  Offer o = BaseOffer();
  // A lower level is lawful (retraining through a CAP): see law_test.cc.
  o.target_diploma = {"50025123", 3, DiplomaStatus::kInProgress, {}};
  ExpectKept(g, o);
  o.target_diploma = {"40099999", 4, DiplomaStatus::kInProgress, {}};
  ExpectKept(g, o);  // same level, another speciality
  o.target_diploma = {"40025010", 4, DiplomaStatus::kInProgress, {}};
  ExpectExcluded(g, o, kRuleApprenticeshipTarget, "holds by the start");
  o.target_diploma = {"", 0, DiplomaStatus::kInProgress, {}};
  ExpectExcluded(g, o, kRuleApprenticeshipTarget, "no diploma");
  // Not an apprenticeship: no target needed.
  o.contract_type = ContractType::kCdi;
  ExpectKept(g, o);
}

TEST(RulesTest, ApprenticeshipUnder30AtStart) {
  Graduate g = BaseGraduate();
  g.birth_date = absl::CivilDay(1997, 9, 1);  // 29th birthday on the start
  ExpectKept(g, BaseOffer());
  g.birth_date = absl::CivilDay(1996, 9, 2);  // 29, turns 30 the day after
  ExpectKept(g, BaseOffer());
  g.birth_date = absl::CivilDay(1996, 9, 1);  // 30th birthday on the start
  ExpectExcluded(g, BaseOffer(), kRuleApprenticeshipTooOld,
                 "aged 30 at the start 2026-09-01 (born 1996-09-01)");
  // The age limit is the apprenticeship's: a CDI is fine at 30.
  Offer cdi = BaseOffer();
  cdi.contract_type = ContractType::kCdi;
  ExpectKept(g, cdi);
}

TEST(RulesTest, ApprenticeshipAt15OnlyAfterCollege) {
  Graduate g = BaseGraduate();
  g.birth_date = absl::CivilDay(2011, 8, 1);  // 15 at the start
  g.diploma = {"", 0, DiplomaStatus::kInProgress, {}};
  Offer o = BaseOffer();
  o.required_level = 0;
  o.target_diploma = {"50025123", 3, DiplomaStatus::kInProgress, {}};
  g.completed_college = true;
  ExpectKept(g, o);
  g.completed_college = false;
  ExpectExcluded(g, o, kRuleApprenticeshipTooYoung,
                 "aged 15 at the start 2026-09-01");
  g.completed_college = true;
  g.birth_date = absl::CivilDay(2011, 9, 2);  // 14 at the start
  ExpectExcluded(g, o, kRuleApprenticeshipTooYoung, "aged 14");
}

TEST(RulesTest, OtherContractsFrom16) {
  Graduate g = BaseGraduate();
  g.birth_date = absl::CivilDay(2011, 8, 1);  // 15 at the start
  g.completed_college = true;
  Offer o = BaseOffer();
  o.contract_type = ContractType::kCdi;
  o.required_level = 0;
  ExpectExcluded(g, o, kRuleUnderWorkingAge, "aged 15");
  g.birth_date = absl::CivilDay(2010, 9, 1);  // 16th birthday on the start
  ExpectKept(g, o);
}

TEST(RulesTest, NightWorkAdultOnTheEighteenthBirthday) {
  Graduate g = BaseGraduate();
  Offer o = BaseOffer();
  o.night_work = true;
  g.birth_date = absl::CivilDay(2008, 9, 1);  // 18 on the start: adult
  ExpectKept(g, o);
  g.birth_date = absl::CivilDay(2008, 9, 2);  // 18 the day after: minor
  ExpectExcluded(g, o, kRuleMinorNightWork,
                 "for a 17-year-old at the start 2026-09-01: forbidden "
                 "(L3163-2)");
}

TEST(RulesTest, MinorAtMost35HoursAWeek) {
  Graduate g = BaseGraduate();
  g.birth_date = absl::CivilDay(2009, 1, 1);  // 17 at the start
  Offer o = BaseOffer();
  o.weekly_hours = 35.0;
  ExpectKept(g, o);
  o.weekly_hours = 35.5;
  ExpectExcluded(g, o, kRuleMinorWeeklyHours,
                 "35 h 30 a week for a 17-year-old at the start 2026-09-01; "
                 "at most 35 h (L3162-1)");
  g.birth_date = absl::CivilDay(2008, 9, 1);  // adult on the start
  ExpectKept(g, o);
}

TEST(RulesTest, MinorRegulatedWorkOnlyIfDeclared) {
  Graduate g = BaseGraduate();
  g.birth_date = absl::CivilDay(2009, 1, 1);  // 17 at the start
  Offer o = BaseOffer();
  o.regulated_work = true;
  o.regulated_work_declared = true;
  ExpectKept(g, o);
  o.regulated_work_declared = false;
  ExpectExcluded(g, o, kRuleMinorRegulatedWork, "not declared");
  g.birth_date = absl::CivilDay(2007, 1, 1);  // adult
  ExpectKept(g, o);
}

TEST(RulesTest, DrivingLicence) {
  Graduate g = BaseGraduate();
  Offer o = BaseOffer();
  o.driving_licence_required = true;
  ExpectExcluded(g, o, kRuleDrivingLicence);
  g.driving_licence = true;
  ExpectKept(g, o);
}

TEST(RulesTest, DistanceExactlyAtTheRadiusIsWithin) {
  Graduate g = BaseGraduate();
  const Offer o = BaseOffer();
  const double d =
      HaversineKm(g.latitude, g.longitude, o.latitude, o.longitude);
  ASSERT_GT(d, 5);
  g.max_distance_km = d;
  ExpectKept(g, o);
  g.max_distance_km = std::nextafter(d, 0.0);
  ExpectExcluded(g, o, kRuleDistance, "> radius");
  g.max_distance_km = d - 0.001;
  ExpectExcluded(g, o, kRuleDistance);
}

TEST(RulesTest, DistanceExactlyAtTheRadiusFarAway) {
  // A large radius: the S2 covering must still reach the boundary.
  Graduate g = BaseGraduate();
  Offer o = BaseOffer();
  o.latitude = 43.2965;  // Marseille
  o.longitude = 5.3698;
  const double d =
      HaversineKm(g.latitude, g.longitude, o.latitude, o.longitude);
  g.max_distance_km = d;
  ExpectKept(g, o);
  g.max_distance_km = std::nextafter(d, 0.0);
  ExpectExcluded(g, o, kRuleDistance);
}

TEST(RulesTest, GraduateSeeking) {
  Graduate g = BaseGraduate();
  g.seeking = false;
  ExpectExcluded(g, BaseOffer(), kRuleGraduateNotSeeking);
}

TEST(RulesTest, ExplainListsEveryBrokenRule) {
  Graduate g = BaseGraduate();
  g.birth_date = absl::CivilDay(2009, 1, 1);  // 17 at the start
  Offer o = BaseOffer();
  o.night_work = true;
  o.weekly_hours = 39;
  o.driving_licence_required = true;
  o.expires_on = kToday - 10;
  o.latitude = 48.8566;  // Paris, far beyond 30 km
  o.longitude = 2.3522;
  auto engine = MakeEngine();
  auto explanation = engine->Explain(g, o, kToday);
  ASSERT_TRUE(explanation.ok());
  std::vector<std::string> rules;
  for (const auto& e : explanation->exclusions) rules.push_back(e.rule);
  EXPECT_THAT(rules,
              ::testing::ElementsAre(kRuleOfferExpired, kRuleMinorNightWork,
                                     kRuleMinorWeeklyHours, kRuleDrivingLicence,
                                     kRuleDistance));
  EXPECT_FALSE(explanation->eligible);
  EXPECT_EQ(explanation->factors.size(), 7u);
}

TEST(RulesTest, ExplainByIdsMatchesAdHoc) {
  auto engine = MakeEngine();
  Graduate g = BaseGraduate();
  Offer o = BaseOffer();
  o.night_work = true;
  g.birth_date = absl::CivilDay(2009, 1, 1);
  ASSERT_TRUE(engine->UpsertGraduate(g).ok());
  ASSERT_TRUE(engine->UpsertOffer(o).ok());
  auto by_id = engine->Explain(g.id, o.id, kToday);
  auto ad_hoc = engine->Explain(g, o, kToday);
  ASSERT_TRUE(by_id.ok());
  ASSERT_TRUE(ad_hoc.ok());
  ASSERT_EQ(by_id->exclusions.size(), ad_hoc->exclusions.size());
  EXPECT_EQ(by_id->exclusions[0].detail, ad_hoc->exclusions[0].detail);
  EXPECT_EQ(by_id->score, ad_hoc->score);
  EXPECT_EQ(engine->Explain("nobody", o.id, kToday).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(engine->Explain(g.id, "nothing", kToday).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace passerelle::engine
