// What a company reads of a pair: distance bands, the distance factor and
// score at the band, and details with no personal value.

#include "services/matching/company_view.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::matching {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CompanyViewTest, DistancesAreRoundedUpToFiveKmBands) {
  EXPECT_EQ(DistanceBandKm(0), 5);
  EXPECT_EQ(DistanceBandKm(0.4), 5);
  EXPECT_EQ(DistanceBandKm(5), 5);
  EXPECT_EQ(DistanceBandKm(5.01), 10);
  EXPECT_EQ(DistanceBandKm(12.3), 15);
  EXPECT_EQ(DistanceBandKm(std::nan("")), 5);
}

v1::Factor MakeFactor(const std::string& name, double value, double weight,
                      const std::string& detail) {
  v1::Factor f;
  f.set_name(name);
  f.set_value(value);
  f.set_weight(weight);
  f.set_detail(detail);
  return f;
}

TEST(CompanyViewTest, TheDistanceFactorAndScoreAreThoseOfTheBand) {
  v1::Graduate g;
  g.set_max_distance_km(25);
  v1::Offer o;
  o.set_rome_code("H2903");
  o.set_monthly_gross_salary_eur(1900);
  const double km = 12.3;
  const double value = std::pow(0.1, km / 25);  // the engine's decay
  google::protobuf::RepeatedPtrField<v1::Factor> factors;
  *factors.Add() =
      MakeFactor("distance", value, 0.2, "12.3 km from home, radius 25 km");
  *factors.Add() = MakeFactor("contract_preference", 0.5, 0.1,
                              "CDI is choice 2 of 2 (APPRENTICESHIP, CDI)");
  *factors.Add() =
      MakeFactor("trade", 1, 0.2, "H2903 is the graduate's first-choice trade");
  *factors.Add() = MakeFactor(
      "salary", 0.8, 0.1,
      "1900.00 €/month = 1.04 x the legal minimum (apprentice, pay age 17)");
  double score = 0.7;
  double distance = km;
  CompanyView(g, o, &score, &distance, &factors);
  EXPECT_EQ(distance, 15);
  const double banded = std::pow(0.1, 15.0 / 25);
  EXPECT_NEAR(factors[0].value(), banded, 1e-12);
  EXPECT_NEAR(score, 0.7 + 0.2 * (banded - value), 1e-12);
  EXPECT_EQ(factors[0].detail(),
            "within 15 km (distances are shown in 5 km bands)");
  EXPECT_THAT(factors[1].detail(), Not(HasSubstr("choice")));
  EXPECT_THAT(factors[1].detail(), Not(HasSubstr("APPRENTICESHIP")));
  EXPECT_THAT(factors[2].detail(), Not(HasSubstr("first")));
  EXPECT_THAT(factors[3].detail(), Not(HasSubstr("pay age")));
  EXPECT_THAT(factors[3].detail(), HasSubstr("at or above"));
}

TEST(CompanyViewTest, AtTheDoorTheRadiusComesFromTheRecord) {
  v1::Graduate g;
  g.set_max_distance_km(10);
  google::protobuf::RepeatedPtrField<v1::Factor> factors;
  *factors.Add() = MakeFactor("distance", 1, 0.2, "0.0 km from home");
  double score = 0.9;
  double distance = 0;
  CompanyView(g, v1::Offer(), &score, &distance, &factors);
  EXPECT_EQ(distance, 5);
  EXPECT_NEAR(factors[0].value(), std::pow(0.1, 5.0 / 10), 1e-12);
  EXPECT_LT(score, 0.9);
}

TEST(CompanyViewTest, ExclusionsKeepTheirRuleOnly) {
  google::protobuf::RepeatedPtrField<v1::Exclusion> exclusions;
  v1::Exclusion* e = exclusions.Add();
  e->set_rule("minor_night_work");
  e->set_detail("night work for a 17-year-old at the start (born ...)");
  CompanyView(&exclusions);
  EXPECT_EQ(exclusions[0].rule(), "minor_night_work");
  EXPECT_TRUE(exclusions[0].detail().empty());
}

// The law's warnings speak of the candidate (issue 9 added them): a company
// gets their names only, and not even the name of an age-limit exception,
// whose detail names an attested status such as a disability recognition.
TEST(CompanyViewTest, WarningsAboutTheCandidateKeepNoDetail) {
  v1::Graduate graduate;
  graduate.set_max_distance_km(30);
  v1::Offer offer;
  offer.set_monthly_gross_salary_eur(1500);
  google::protobuf::RepeatedPtrField<v1::Factor> factors;
  auto add = [&](const std::string& name, const std::string& detail) {
    v1::Factor* f = factors.Add();
    f->set_name(name);
    f->set_detail(detail);
  };
  add("warning:age_limit_exception", "RQTH attested on 2026-01-10: no limit");
  add("warning:regulated_work_allowed",
      "young worker: CAP 50025123 held, electrical clearance B1V");
  add("warning:driving_licence_assumed", "licence flag only: counted as B");
  double score = 0.5, km = 12;
  CompanyView(graduate, offer, &score, &km, &factors);
  ASSERT_EQ(factors.size(), 2);
  for (const v1::Factor& f : factors) {
    EXPECT_NE(f.name(), "warning:age_limit_exception");
    EXPECT_TRUE(f.detail().empty()) << f.name() << ": " << f.detail();
  }
}

}  // namespace
}  // namespace passerelle::matching
