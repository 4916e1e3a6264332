// The soft score: in [0, 1], seven named factors whose weights sum to 1,
// and each factor moving the way its definition says.

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matching/engine/engine.h"
#include "services/matching/engine/rules.h"
#include "services/matching/engine/test_util.h"

namespace passerelle::engine {
namespace {

using testing::BaseGraduate;
using testing::BaseOffer;
using ::testing::HasSubstr;
using testing::kStart;
using testing::kToday;
using testing::MakeEngine;

Explanation Explain(const Graduate& g, const Offer& o) {
  auto engine = MakeEngine();
  auto e = engine->Explain(g, o, kToday);
  EXPECT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(e->eligible);
  for (const auto& x : e->exclusions)
    ADD_FAILURE() << x.rule << ": " << x.detail;
  return *e;
}

std::map<std::string, Factor> ByName(const Explanation& e) {
  std::map<std::string, Factor> out;
  for (const Factor& f : e.factors) out[f.name] = f;
  return out;
}

double Value(const Graduate& g, const Offer& o, const std::string& name) {
  return ByName(Explain(g, o))[name].value;
}

TEST(ScoringTest, FactorsPresentWeightsSumToOneScoreInUnitInterval) {
  const Explanation e = Explain(BaseGraduate(), BaseOffer());
  ASSERT_EQ(e.factors.size(), 7u);
  std::vector<std::string> names;
  double weights = 0, weighted = 0;
  for (const Factor& f : e.factors) {
    names.push_back(f.name);
    EXPECT_GE(f.value, 0);
    EXPECT_LE(f.value, 1);
    EXPECT_GT(f.weight, 0);
    EXPECT_FALSE(f.detail.empty()) << f.name;
    weights += f.weight;
    weighted += f.weight * f.value;
  }
  EXPECT_THAT(names, ::testing::ElementsAre("skills", "distance", "trade",
                                            "contract_preference", "salary",
                                            "freshness", "offer_fit"));
  EXPECT_NEAR(weights, 1.0, 1e-12);
  EXPECT_NEAR(e.score, weighted, 1e-12);
  EXPECT_GT(e.score, 0);
  EXPECT_LE(e.score, 1);
}

TEST(ScoringTest, WeightsAreNormalized) {
  ScoringConfig c;
  c.w_skills = 10;  // any scale
  auto engine = MakeEngine(c);
  double sum = 0;
  for (const auto& [name, w] : engine->Weights()) sum += w;
  EXPECT_NEAR(sum, 1.0, 1e-12);
  ScoringConfig bad;
  bad.w_trade = -1;
  EngineOptions options;
  options.scoring = bad;
  EXPECT_EQ(Engine::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ScoringTest, SkillsRequiredFirstThenDesired) {
  Offer o = BaseOffer();
  o.required_skills = {"tournage", "fraisage"};
  o.desired_skills = {"soudure", "lecture de plans"};
  const auto f = ByName(Explain(BaseGraduate(), o));
  // required 2/2, desired 1/2: 0.75 + 0.25 x 0.5.
  EXPECT_DOUBLE_EQ(f.at("skills").value, 0.875);
  EXPECT_THAT(f.at("skills").detail, HasSubstr("required 2/2 held"));
  o.required_skills = {"tournage", "soudure"};
  o.desired_skills = {"fraisage", "lecture de plans"};
  const auto g = ByName(Explain(BaseGraduate(), o));
  EXPECT_DOUBLE_EQ(g.at("skills").value, 0.625);  // 0.75 x 0.5 + 0.25
  EXPECT_THAT(g.at("skills").detail, HasSubstr("missing: soudure"));
}

TEST(ScoringTest, DistanceDecays) {
  Offer near = BaseOffer();
  near.latitude = 50.63;
  near.longitude = 3.06;
  Offer far = BaseOffer();  // Roubaix, ~11 km
  EXPECT_GT(Value(BaseGraduate(), near, "distance"),
            Value(BaseGraduate(), far, "distance"));
  Graduate at_radius = BaseGraduate();
  const Explanation e = Explain(at_radius, far);
  at_radius.max_distance_km = e.distance_km;
  EXPECT_NEAR(Value(at_radius, far, "distance"), 0.1, 1e-12);
}

TEST(ScoringTest, TradeClosenessOrder) {
  Graduate g = BaseGraduate();
  g.rome_codes = {"H2903", "H2905"};
  Offer o = BaseOffer();
  std::vector<std::pair<std::string, double>> values;
  for (const char* code : {"H2903", "H2905", "H2902", "H2901", "H2904"}) {
    o.rome_code = code;
    values.emplace_back(code, Value(g, o, "trade"));
  }
  EXPECT_EQ(values[0].second, 1.0);            // first choice
  EXPECT_EQ(values[1].second, 0.9);            // other own code
  EXPECT_EQ(values[2].second, 0.8);            // mobility rank 1
  EXPECT_NEAR(values[3].second, 0.76, 1e-12);  // mobility rank 3
  EXPECT_EQ(values[4].second, 0.3);            // same ROME v3 parent
  o.rome_code = "H2902";
  EXPECT_THAT(
      ByName(Explain(g, o)).at("trade").detail,
      HasSubstr("close to the graduate's H2903 (ROME mobility rank 1)"));
}

TEST(ScoringTest, ContractPreferenceFollowsTheGraduatesOrder) {
  Graduate g = BaseGraduate();
  g.accepted_contracts = {ContractType::kCdi, ContractType::kCdd,
                          ContractType::kApprenticeship};
  Offer o = BaseOffer();
  o.contract_type = ContractType::kCdi;
  EXPECT_EQ(Value(g, o, "contract_preference"), 1.0);
  o.contract_type = ContractType::kCdd;
  EXPECT_EQ(Value(g, o, "contract_preference"), 0.75);
  o.contract_type = ContractType::kApprenticeship;
  EXPECT_EQ(Value(g, o, "contract_preference"), 0.5);
}

TEST(ScoringTest, SalaryAgainstTheCandidatesLegalMinimum) {
  Graduate g = BaseGraduate();  // 19 at the start: apprentice 43 % in year 1
  Offer o = BaseOffer();
  const double minimum = 783.90;  // 1823.03 x 0.43 = 783.9029
  o.monthly_gross_salary_eur = minimum;
  auto f = ByName(Explain(g, o));
  EXPECT_EQ(f.at("salary").value, 0.5);
  EXPECT_THAT(f.at("salary").detail, HasSubstr("legal minimum 783.90"));
  EXPECT_THAT(f.at("salary").detail, HasSubstr("43% of SMIC"));
  o.monthly_gross_salary_eur = minimum * 1.5;
  EXPECT_EQ(Value(g, o, "salary"), 1.0);
  o.monthly_gross_salary_eur = 0;  // not stated
  EXPECT_EQ(Value(g, o, "salary"), 0.5);

  // Below the minimum: value 0 and a warning, but not an exclusion.
  o.monthly_gross_salary_eur = 783.89;
  const Explanation below = Explain(g, o);
  EXPECT_TRUE(below.eligible);
  EXPECT_EQ(ByName(below).at("salary").value, 0);
  ASSERT_EQ(below.warnings.size(), 1u);
  EXPECT_EQ(below.warnings[0].code, kWarningSalaryBelowMinimum);
  EXPECT_THAT(below.warnings[0].detail,
              HasSubstr("783.89 €/month < legal minimum 783.90"));

  // A CDI for the same person: the SMIC pro rata of the hours.
  o.contract_type = ContractType::kCdi;
  o.weekly_hours = 28;
  o.monthly_gross_salary_eur = 1458.41;
  const Explanation cdi = Explain(g, o);
  ASSERT_EQ(cdi.warnings.size(), 1u);
  EXPECT_THAT(cdi.warnings[0].detail, HasSubstr("legal minimum 1458.42"));
  o.monthly_gross_salary_eur = 1458.42;
  EXPECT_TRUE(Explain(g, o).warnings.empty());
}

TEST(ScoringTest, FreshnessHalvesEveryThirtyDays) {
  Offer o = BaseOffer();
  o.created_on = kToday - 100;
  o.updated_on = kToday;
  EXPECT_EQ(Value(BaseGraduate(), o, "freshness"), 1.0);
  o.updated_on = kToday - 30;
  o.created_on = kToday - 30;
  EXPECT_DOUBLE_EQ(Value(BaseGraduate(), o, "freshness"), 0.5);
}

TEST(ScoringTest, OfferFitRewardsMarginReadinessAndSkills) {
  Graduate g = BaseGraduate();
  Offer o = BaseOffer();
  o.contract_type = ContractType::kCdi;
  o.required_level = 3;
  const double at_level = Value(g, o, "offer_fit");
  o.required_level = 0;
  const double margin = Value(g, o, "offer_fit");
  EXPECT_GT(margin, at_level);
  g.diploma.status = DiplomaStatus::kInProgress;
  g.diploma.obtained_on = kStart;  // expected by the start, not yet today
  EXPECT_LT(Value(g, o, "offer_fit"), margin);
}

}  // namespace
}  // namespace passerelle::engine
