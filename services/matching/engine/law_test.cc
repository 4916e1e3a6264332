// The young-worker law that depends on the diploma referential and on the
// newer offer and graduate fields (issue #9): each rule at its boundaries
// (the day before, on and after each date limit), and table-driven tests
// written from the articles' texts. Each verdict is checked through Explain,
// RankOffers and RankGraduates.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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
      // A Bac Pro with its three-year cycle (D6222-28-1 tests).
      {"40025099", std::nullopt, true, {"H2903"}, 36},
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

// ---------------------------------------------------------------------------
// Item 4: regulated work for minors on its legal bases.

// 17 at kStart (2026-09-01), holding a Bac général that leads to no trade
// (so R4153-49 does not apply unless a test gives another diploma).
Graduate Minor() {
  Graduate g = BaseGraduate();
  g.birth_date = absl::CivilDay(2009, 1, 1);
  g.diploma = {"47013018", 4, DiplomaStatus::kObtained,
               absl::CivilDay(2025, 7, 1)};
  g.accepted_contracts.clear();  // every type
  return g;
}

// The base apprenticeship, with dangerous machines (D4153-28), declared
// on `declared`.
Offer RegulatedOffer(std::optional<absl::CivilDay> declared) {
  Offer o = BaseOffer();
  o.required_level = 0;
  o.regulated_works = {RegulatedWork::kMachines};
  o.regulated_work_declared_on = declared;
  return o;
}

TEST(RegulatedWorkTest, DeclarationValidThreeYearsFromItsSending) {
  // Valid until the day before its third anniversary (R4153-40).
  EXPECT_EQ(internal::DeclarationLastDay(absl::CivilDay(2026, 3, 2)),
            absl::CivilDay(2029, 3, 1));
  EXPECT_EQ(internal::DeclarationLastDay(absl::CivilDay(2024, 2, 29)),
            absl::CivilDay(2027, 2, 28));
  const Graduate g = Minor();
  // Sent 2023-09-02: valid until 2026-09-01, the start: kept.
  Verdict last_day = Judge(g, RegulatedOffer(absl::CivilDay(2023, 9, 2)));
  EXPECT_TRUE(last_day.ranked);
  EXPECT_THAT(last_day.Warning(kWarningRegulatedWorkAllowed),
              HasSubstr("APPRENTICESHIP, employer's declaration of 2023-09-02 "
                        "valid until 2026-09-01 (R4153-39 1°, R4153-40)"));
  EXPECT_THAT(last_day.Warning(kWarningRegulatedWorkAllowed),
              HasSubstr("D4153-28 dangerous machines"));
  // Sent 2023-09-01: valid until 2026-08-31, the day before the start.
  Verdict expired = Judge(g, RegulatedOffer(absl::CivilDay(2023, 9, 1)));
  EXPECT_FALSE(expired.ranked);
  EXPECT_THAT(expired.Detail(kRuleMinorRegulatedWork),
              HasSubstr("declaration of 2023-09-01 was valid until "
                        "2026-08-31, before the start"));
  // Sent on the start day: kept; the day after: excluded.
  EXPECT_TRUE(Judge(g, RegulatedOffer(kStart)).ranked);
  Verdict late = Judge(g, RegulatedOffer(kStart + 1));
  EXPECT_FALSE(late.ranked);
  EXPECT_THAT(late.Detail(kRuleMinorRegulatedWork),
              HasSubstr("is after the start"));
  // Not declared at all.
  Verdict undeclared = Judge(g, RegulatedOffer(std::nullopt));
  EXPECT_FALSE(undeclared.ranked);
  EXPECT_THAT(undeclared.Detail(kRuleMinorRegulatedWork),
              HasSubstr("has not declared it"));
}

TEST(RegulatedWorkTest, DeclarationCoversTraineesNotWorkers) {
  Graduate g = Minor();
  Offer o = RegulatedOffer(absl::CivilDay(2026, 3, 2));
  o.contract_type = ContractType::kProfessionalisation;
  EXPECT_TRUE(Judge(g, o).ranked);
  for (ContractType worker : {ContractType::kCdi, ContractType::kCdd}) {
    o.contract_type = worker;
    o.duration_months = worker == ContractType::kCdi ? 0 : 12;
    Verdict v = Judge(g, o);
    EXPECT_FALSE(v.ranked) << ContractTypeName(worker);
    EXPECT_THAT(v.Detail(kRuleMinorRegulatedWork),
                HasSubstr("covers minors in training only (R4153-39, "
                          "R4153-40)"));
    EXPECT_THAT(v.Detail(kRuleMinorRegulatedWork),
                HasSubstr("the graduate's diploma 47013018 leads to no trade "
                          "in the referential, not to the offer's trade H2903 "
                          "(R4153-49)"));
  }
}

TEST(RegulatedWorkTest, YoungWorkerWithTheMatchingDiploma) {
  Graduate g = Minor();
  Offer o = RegulatedOffer(std::nullopt);
  o.contract_type = ContractType::kCdi;
  o.duration_months = 0;
  // The CAP leads to H2903, the offer's trade: R4153-49.
  g.diploma = {"50025123", 3, DiplomaStatus::kObtained,
               absl::CivilDay(2025, 7, 1)};
  Verdict v = Judge(g, o);
  EXPECT_TRUE(v.ranked);
  EXPECT_THAT(v.Warning(kWarningRegulatedWorkAllowed),
              HasSubstr("the graduate's diploma 50025123 corresponds to the "
                        "activity H2903 (R4153-49)"));
  EXPECT_THAT(v.Warning(kWarningRegulatedWorkAllowed),
              HasSubstr("occupational doctor's fitness"));
  // Expected on the start day: held, kept; the day after: not held.
  g.diploma = {"50025123", 3, DiplomaStatus::kInProgress, kStart};
  EXPECT_TRUE(Judge(g, o).ranked);
  g.diploma.obtained_on = kStart + 1;
  EXPECT_FALSE(Judge(g, o).ranked);
  // A diploma leading elsewhere: the offer in H2902 is in the graduate's
  // mobility, but the CAP does not lead to it.
  g.diploma = {"50025123", 3, DiplomaStatus::kObtained,
               absl::CivilDay(2025, 7, 1)};
  o.rome_code = "H2902";
  EXPECT_FALSE(Judge(g, o).ranked);
}

TEST(RegulatedWorkTest, AuthorisationsCoverTheirCategoryOnly) {
  Graduate g = Minor();
  Offer o = RegulatedOffer(std::nullopt);
  o.contract_type = ContractType::kCdd;
  o.duration_months = 12;
  o.regulated_works = {RegulatedWork::kElectrical};
  EXPECT_FALSE(Judge(g, o).ranked);
  g.work_authorisations = {WorkAuthorisation::kElectricalClearance};
  Verdict v = Judge(g, o);
  EXPECT_TRUE(v.ranked);
  EXPECT_THAT(v.Warning(kWarningRegulatedWorkAllowed),
              HasSubstr("R4153-50 electrical clearance"));
  // A second category the clearance does not cover.
  o.regulated_works = {RegulatedWork::kElectrical,
                       RegulatedWork::kMobileEquipment};
  Verdict partly = Judge(g, o);
  EXPECT_FALSE(partly.ranked);
  EXPECT_THAT(partly.Detail(kRuleMinorRegulatedWork),
              HasSubstr("no authorisation covers D4153-27 self-propelled "
                        "mobile and lifting equipment"));
  g.work_authorisations.push_back(WorkAuthorisation::kDriving);
  EXPECT_TRUE(Judge(g, o).ranked);
  // Categories the authorisations never cover.
  o.regulated_works = {RegulatedWork::kMachines};
  EXPECT_FALSE(Judge(g, o).ranked);
}

TEST(RegulatedWorkTest, AdultOnTheEighteenthBirthday) {
  Graduate g = Minor();
  g.birth_date = absl::CivilDay(2008, 9, 1);  // 18 on the start
  Offer o = RegulatedOffer(std::nullopt);
  o.contract_type = ContractType::kCdi;
  o.duration_months = 0;
  Verdict v = Judge(g, o);
  EXPECT_TRUE(v.ranked);
  EXPECT_EQ(v.Warning(kWarningRegulatedWorkAllowed), "");
  g.birth_date = absl::CivilDay(2008, 9, 2);  // 18 the day after
  EXPECT_FALSE(Judge(g, o).ranked);
}

TEST(RegulatedWorkTest, OlderRecordsKeepTheirMeaningWhereLawful) {
  Graduate g = Minor();
  Offer o = BaseOffer();  // apprenticeship
  o.required_level = 0;
  o.regulated_work = true;  // no categories, no date
  o.regulated_work_declared = true;
  Verdict v = Judge(g, o);
  EXPECT_TRUE(v.ranked);  // as before: declared
  EXPECT_THAT(v.Warning(kWarningRegulatedWorkAssumed),
              HasSubstr("taken as valid at the start"));
  // A CDI was allowed by the declaration before; the law does not allow it.
  o.contract_type = ContractType::kCdi;
  o.duration_months = 0;
  Verdict cdi = Judge(g, o);
  EXPECT_FALSE(cdi.ranked);
  EXPECT_THAT(cdi.Detail(kRuleMinorRegulatedWork),
              HasSubstr("categories not stated"));
}

// From the articles' texts: R4153-39 1° (apprentices and
// professionalisation contracts are the trainees), R4153-40 (three years
// from the declaration), R4153-49 (a diploma corresponding to the
// activity), R4153-50 (electrical clearance: electrical work), R4153-51
// (driving authorisation: mobile and lifting equipment), L4153-8 (under 18
// only).
TEST(RegulatedWorkTest, TableFromTheArticles) {
  enum Decl { kNone, kValid, kExpired };
  struct Row {
    const char* why;
    ContractType contract;
    int age;
    Decl declaration;
    bool diploma_matches;
    std::vector<WorkAuthorisation> authorisations;
    std::vector<RegulatedWork> works;
    bool allowed;
  };
  const auto A = ContractType::kApprenticeship;
  const auto P = ContractType::kProfessionalisation;
  const auto CDI = ContractType::kCdi;
  const auto CDD = ContractType::kCdd;
  const auto M = RegulatedWork::kMachines;
  const auto E = RegulatedWork::kElectrical;
  const auto D = RegulatedWork::kMobileEquipment;
  const auto clear = WorkAuthorisation::kElectricalClearance;
  const auto drive = WorkAuthorisation::kDriving;
  const Row rows[] = {
      {"R4153-40: apprentice, declared", A, 17, kValid, false, {}, {M}, true},
      {"R4153-39 1°: professionalisation", P, 16, kValid, false, {}, {M}, true},
      {"R4153-40: three years passed", A, 17, kExpired, false, {}, {M}, false},
      {"L4153-8: none of the bases", A, 17, kNone, false, {}, {M}, false},
      {"R4153-49 applies to apprentices too",
       A,
       17,
       kNone,
       true,
       {},
       {M},
       true},
      {"R4153-39: a CDI is not training",
       CDI,
       17,
       kValid,
       false,
       {},
       {M},
       false},
      {"R4153-39: a CDD is not training",
       CDD,
       16,
       kValid,
       false,
       {},
       {M},
       false},
      {"R4153-49: diploma for the activity",
       CDI,
       17,
       kNone,
       true,
       {},
       {M},
       true},
      {"R4153-50: electrical clearance",
       CDD,
       17,
       kNone,
       false,
       {clear},
       {E},
       true},
      {"R4153-50 covers electrical work only",
       CDD,
       17,
       kNone,
       false,
       {clear},
       {M},
       false},
      {"R4153-51: driving authorisation",
       CDI,
       17,
       kNone,
       false,
       {drive},
       {D},
       true},
      {"R4153-51 does not cover electrical work",
       CDI,
       17,
       kNone,
       false,
       {drive},
       {E},
       false},
      {"L4153-8: adults are not concerned",
       CDI,
       18,
       kNone,
       false,
       {},
       {M},
       true},
  };
  for (const Row& row : rows) {
    Graduate g = Minor();
    g.birth_date =
        absl::CivilDay(kStart.year() - row.age, kStart.month(), kStart.day());
    if (row.diploma_matches) {
      g.diploma = {"50025123", 3, DiplomaStatus::kObtained,
                   absl::CivilDay(2025, 7, 1)};
    }
    g.work_authorisations = row.authorisations;
    Offer o = BaseOffer();
    o.required_level = 0;
    o.contract_type = row.contract;
    o.duration_months = row.contract == CDI ? 0 : 12;
    o.regulated_works = row.works;
    if (row.declaration == kValid) {
      o.regulated_work_declared_on = absl::CivilDay(2025, 1, 10);
    } else if (row.declaration == kExpired) {
      o.regulated_work_declared_on = absl::CivilDay(2023, 1, 10);
    }
    const Verdict v = Judge(g, o);
    EXPECT_EQ(v.ranked, row.allowed) << row.why;
    EXPECT_EQ(v.Excludes(kRuleMinorRegulatedWork), !row.allowed) << row.why;
  }
}

// ---------------------------------------------------------------------------
// Item 6: exceptions to the apprenticeship age limit (L6222-2).

// Born so as to be `age` on kStart (2026-09-01), the birthday on the start.
Graduate AgedOnStart(int age) {
  Graduate g = BaseGraduate();
  g.birth_date = absl::CivilDay(kStart.year() - age, 9, 1);
  return g;
}

Attestation Attested(AttestationKind kind,
                     std::optional<absl::CivilDay> previous_end = {},
                     int previous_level = 0) {
  return Attestation{kind, absl::CivilDay(2026, 1, 10), previous_end,
                     previous_level};
}

TEST(ApprenticeshipAgeTest, NoUpperLimitForRqthBusinessAthlete) {
  Graduate g = AgedOnStart(30);
  Verdict none = Judge(g, BaseOffer());
  EXPECT_FALSE(none.ranked);
  EXPECT_THAT(none.Detail(kRuleApprenticeshipTooOld),
              HasSubstr("no exception of L6222-2 attested"));
  for (AttestationKind kind :
       {AttestationKind::kRqth, AttestationKind::kBusinessProject,
        AttestationKind::kHighLevelAthlete}) {
    Graduate old = AgedOnStart(45);
    old.attestations = {Attested(kind)};
    Verdict v = Judge(old, BaseOffer());
    EXPECT_TRUE(v.ranked) << AttestationName(kind);
    EXPECT_THAT(v.Warning(kWarningAgeLimitException),
                HasSubstr(absl::StrCat("aged 45 at the start 2026-09-01: "
                                       "APPRENTICESHIP allowed past 29 by ",
                                       AttestationName(kind),
                                       ", attested on 2026-01-10")));
  }
  // A professionalisation status does not lift the apprenticeship limit.
  g.attestations = {Attested(AttestationKind::kJobSeeker)};
  EXPECT_FALSE(Judge(g, BaseOffer()).ranked);
}

TEST(ApprenticeshipAgeTest, FollowOnWithinAYearUpTo35TowardsAHigherLevel) {
  // The base offer prepares a level-4 diploma from 2026-09-01.
  const absl::CivilDay end(2025, 9, 1);  // + 1 year = the start
  Graduate g = AgedOnStart(35);
  g.attestations = {Attested(AttestationKind::kFollowOn, end, 3)};
  Verdict v = Judge(g, BaseOffer());
  EXPECT_TRUE(v.ranked);
  EXPECT_THAT(v.Warning(kWarningAgeLimitException),
              HasSubstr("previous contract ended on 2025-09-01, level 3 to 4"));
  // 36 on the start: over 35.
  Graduate older = AgedOnStart(36);
  older.attestations = g.attestations;
  Verdict too_old = Judge(older, BaseOffer());
  EXPECT_FALSE(too_old.ranked);
  EXPECT_THAT(too_old.Detail(kRuleApprenticeshipTooOld),
              HasSubstr("aged over 35"));
  // Ended a day earlier: the year is over the day before the start.
  g.attestations = {
      Attested(AttestationKind::kFollowOn, absl::CivilDay(2025, 8, 31), 3)};
  Verdict late = Judge(g, BaseOffer());
  EXPECT_FALSE(late.ranked);
  EXPECT_THAT(late.Detail(kRuleApprenticeshipTooOld),
              HasSubstr("the previous contract ended on 2025-08-31; the start "
                        "must follow it within 1 year(s), by 2026-08-31"));
  // Not towards a higher diploma.
  g.attestations = {Attested(AttestationKind::kFollowOn, end, 4)};
  Verdict same = Judge(g, BaseOffer());
  EXPECT_FALSE(same.ranked);
  EXPECT_THAT(same.Detail(kRuleApprenticeshipTooOld),
              HasSubstr("prepares level 4, not above the previous level 4"));
  // A broken contract: the same dates, any level.
  g.attestations = {Attested(AttestationKind::kBrokenContract, end)};
  EXPECT_TRUE(Judge(g, BaseOffer()).ranked);
  g.attestations = {
      Attested(AttestationKind::kBrokenContract, absl::CivilDay(2025, 8, 31))};
  EXPECT_FALSE(Judge(g, BaseOffer()).ranked);
  // The previous contract must have ended before the start.
  g.attestations = {Attested(AttestationKind::kBrokenContract, kStart)};
  EXPECT_FALSE(Judge(g, BaseOffer()).ranked);
}

// ---------------------------------------------------------------------------
// Item 7: professionalisation from 26 (L6325-1).

Offer Professionalisation() {
  Offer o = BaseOffer();
  o.contract_type = ContractType::kProfessionalisation;
  o.duration_months = 12;
  return o;
}

TEST(ProfessionalisationAgeTest, From26OnlyWithAStatus) {
  Graduate g = AgedOnStart(26);
  g.birth_date += 1;  // 25 at the start, 26 the day after
  g.accepted_contracts.clear();
  EXPECT_TRUE(Judge(g, Professionalisation()).ranked);
  g = AgedOnStart(26);  // 26th birthday on the start
  g.accepted_contracts.clear();
  Verdict v = Judge(g, Professionalisation());
  EXPECT_FALSE(v.ranked);
  EXPECT_THAT(v.Detail(kRuleProfessionalisationTooOld),
              HasSubstr("aged 26 at the start 2026-09-01 (born 2000-09-01); a "
                        "professionalisation contract is for 16 to 25"));
  g.attestations = {Attested(AttestationKind::kJobSeeker)};
  Verdict seeker = Judge(g, Professionalisation());
  EXPECT_TRUE(seeker.ranked);
  EXPECT_THAT(seeker.Warning(kWarningAgeLimitException),
              HasSubstr("PROFESSIONALISATION allowed past 25 by registered "
                        "job seeker (L6325-1), attested on 2026-01-10"));
  // An apprenticeship exception does not open professionalisation.
  g.attestations = {Attested(AttestationKind::kHighLevelAthlete)};
  EXPECT_FALSE(Judge(g, Professionalisation()).ranked);
}

// From the texts: L6222-1 ("vingt-neuf ans révolus"), L6222-2 1° to 5°
// and its last paragraph (35 at most, within a year), L6325-1 ("seize à
// vingt-cinq ans révolus"; from 26: job seekers, RSA, ASS, AAH, CUI).
TEST(AgeLimitTest, TableFromTheArticles) {
  const absl::CivilDay end(2026, 6, 30);  // previous contract's last day
  struct Row {
    const char* why;
    ContractType contract;
    int age;
    std::vector<Attestation> attestations;
    bool allowed;
  };
  const auto A = ContractType::kApprenticeship;
  const auto P = ContractType::kProfessionalisation;
  const Row rows[] = {
      {"L6222-1: 29 révolus", A, 29, {}, true},
      {"L6222-1: 30", A, 30, {}, false},
      {"L6222-2 3° RQTH", A, 50, {Attested(AttestationKind::kRqth)}, true},
      {"L6222-2 4° business",
       A,
       31,
       {Attested(AttestationKind::kBusinessProject)},
       true},
      {"L6222-2 5° athlete",
       A,
       33,
       {Attested(AttestationKind::kHighLevelAthlete)},
       true},
      {"L6222-2 1° follow-on",
       A,
       32,
       {Attested(AttestationKind::kFollowOn, end, 3)},
       true},
      {"L6222-2 1° needs a higher diploma",
       A,
       32,
       {Attested(AttestationKind::kFollowOn, end, 5)},
       false},
      {"L6222-2 2° broken",
       A,
       35,
       {Attested(AttestationKind::kBrokenContract, end)},
       true},
      {"L6222-2: 35 at most",
       A,
       36,
       {Attested(AttestationKind::kBrokenContract, end)},
       false},
      {"L6222-2: within a year",
       A,
       31,
       {Attested(AttestationKind::kBrokenContract,
                 absl::CivilDay(2024, 6, 30))},
       false},
      {"L6325-1: 25 révolus", P, 25, {}, true},
      {"L6325-1: 26", P, 26, {}, false},
      {"L6325-1: job seeker",
       P,
       40,
       {Attested(AttestationKind::kJobSeeker)},
       true},
      {"L6325-1: RSA", P, 30, {Attested(AttestationKind::kRsa)}, true},
      {"L6325-1: ASS", P, 30, {Attested(AttestationKind::kAss)}, true},
      {"L6325-1: AAH", P, 30, {Attested(AttestationKind::kAah)}, true},
      {"L6325-1: CUI", P, 30, {Attested(AttestationKind::kCui)}, true},
      {"L6325-1: RQTH is not a listed status",
       P,
       30,
       {Attested(AttestationKind::kRqth)},
       false},
  };
  for (const Row& row : rows) {
    Graduate g = AgedOnStart(row.age);
    g.accepted_contracts.clear();
    g.attestations = row.attestations;
    Offer o = row.contract == P ? Professionalisation() : BaseOffer();
    const Verdict v = Judge(g, o);
    EXPECT_EQ(v.ranked, row.allowed) << row.why;
  }
}

// ---------------------------------------------------------------------------
// Item 8: driving licence by category (Code de la route R221-4, R221-5).

// From R221-4: which category allows driving what another allows.
TEST(LicenceTest, CoversFromTheCodeDeLaRoute) {
  using L = LicenceCategory;
  struct Row {
    L held, required;
    bool covers;
  } rows[] = {
      {L::kB, L::kB, true},   {L::kB, L::kAM, true},  {L::kB, L::kA1, false},
      {L::kB, L::kC1, false}, {L::kB, L::kBE, false}, {L::kA, L::kA2, true},
      {L::kA, L::kA1, true},  {L::kA, L::kB, false},  {L::kA2, L::kA1, true},
      {L::kA2, L::kA, false}, {L::kA1, L::kAM, true}, {L::kAM, L::kA1, false},
      {L::kC, L::kC1, true},  {L::kC1, L::kC, false}, {L::kC, L::kB, false},
      {L::kCE, L::kCE, true},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(LicenceCovers(row.held, row.required), row.covers)
        << LicenceCategoryName(row.held) << " for "
        << LicenceCategoryName(row.required);
  }
}

TEST(LicenceTest, CategoryHeldOrExpectedByTheStart) {
  Graduate g = BaseGraduate();
  Offer o = BaseOffer();
  o.driving_licence_category = LicenceCategory::kB;
  Verdict none = Judge(g, o);
  EXPECT_FALSE(none.ranked);
  EXPECT_THAT(none.Detail(kRuleDrivingLicence),
              HasSubstr("requires a B licence (or one covering it, R221-4) by "
                        "the start 2026-09-01; the graduate holds none"));
  // In training, expected on the start: counts; the day after: not yet.
  g.driving_licences = {{LicenceCategory::kB, kStart, true}};
  EXPECT_TRUE(Judge(g, o).ranked);
  g.driving_licences = {{LicenceCategory::kB, kStart + 1, true}};
  Verdict late = Judge(g, o);
  EXPECT_FALSE(late.ranked);
  EXPECT_THAT(late.Detail(kRuleDrivingLicence),
              HasSubstr("holds B from 2026-09-02"));
  // An A1 does not allow a car; a B allows a moped (AM).
  g.driving_licences = {{LicenceCategory::kA1, absl::CivilDay(2025, 5, 2)}};
  EXPECT_FALSE(Judge(g, o).ranked);
  o.driving_licence_category = LicenceCategory::kAM;
  EXPECT_TRUE(Judge(g, o).ranked);
  g.driving_licences = {{LicenceCategory::kB, absl::CivilDay(2025, 5, 2)}};
  EXPECT_TRUE(Judge(g, o).ranked);
  o.driving_licence_category = LicenceCategory::kC1;
  EXPECT_FALSE(Judge(g, o).ranked);
}

TEST(LicenceTest, OlderRecordsKeepTheirMeaning) {
  Graduate g = BaseGraduate();
  g.driving_licence = true;  // no category: taken as a B
  Offer o = BaseOffer();
  o.driving_licence_required = true;  // no category: any licence
  EXPECT_TRUE(Judge(g, o).ranked);
  o.driving_licence_category = LicenceCategory::kB;
  Verdict b = Judge(g, o);
  EXPECT_TRUE(b.ranked);
  EXPECT_THAT(b.Warning(kWarningDrivingLicenceAssumed),
              HasSubstr("taken as a B for this B requirement"));
  o.driving_licence_category = LicenceCategory::kC;
  EXPECT_FALSE(Judge(g, o).ranked);
  // An offer requiring any licence takes a categorised one.
  g.driving_licence = false;
  g.driving_licences = {{LicenceCategory::kAM, absl::CivilDay(2024, 5, 2)}};
  o.driving_licence_category.reset();
  EXPECT_TRUE(Judge(g, o).ranked);
}

// L1242-2 / L1242-8-1: a CDD's motive and length are checked when the
// offer is written (services/common/validation); a CDD stored before the
// motive was required is still ranked, and Explain says what was not
// checked.
TEST(CddTest, OlderRecordWithoutMotiveIsRankedAndFlagged) {
  Graduate g = BaseGraduate();
  g.accepted_contracts = {ContractType::kCdd};
  Offer o = BaseOffer();
  o.contract_type = ContractType::kCdd;
  o.duration_months = 20;
  o.target_diploma = {};
  o.cdd_motive_unstated = true;
  Verdict old = Judge(g, o);
  EXPECT_TRUE(old.ranked);
  EXPECT_THAT(old.Warning(kWarningCddMotiveUnstated),
              HasSubstr("length of 20 months"));
  o.cdd_motive_unstated = false;
  Verdict stated = Judge(g, o);
  EXPECT_TRUE(stated.ranked);
  EXPECT_EQ(stated.Warning(kWarningCddMotiveUnstated), "");
}

// ---------------------------------------------------------------------------
// Item 9: a shortened apprenticeship is paid as if the difference with the
// diploma's cycle had been done (D6222-28-1).

TEST(ApprenticePayTest, ShortenedContractStartsAtALaterYear) {
  Graduate g = BaseGraduate();  // pay age 19 at the start: 43 / 51 / 67 %
  Offer o = BaseOffer();
  o.target_diploma = {"40025099", 4, DiplomaStatus::kInProgress, {}};
  o.monthly_gross_salary_eur = 0;
  struct Row {
    int months;
    const char* rate;
  };
  for (const Row& row :
       {Row{36, "43% of SMIC"}, Row{30, "43% of SMIC"}, Row{25, "43% of SMIC"},
        Row{24, "51% of SMIC"}, Row{13, "51% of SMIC"}, Row{12, "67% of SMIC"},
        Row{6, "67% of SMIC"}}) {
    o.duration_months = row.months;
    Verdict v = Judge(g, o);
    EXPECT_TRUE(v.ranked) << row.months;
    EXPECT_THAT(v.FactorDetail("salary"), HasSubstr(row.rate)) << row.months;
  }
  o.duration_months = 24;
  EXPECT_THAT(Judge(g, o).FactorDetail("salary"),
              HasSubstr("year 2: the contract is 1 year(s) shorter than the "
                        "diploma's cycle (D6222-28-1)"));
  // Below the year-2 floor: flagged; the same pay on a full cycle is not.
  o.monthly_gross_salary_eur = 800;  // 43 % = 783.90, 51 % = 929.75
  EXPECT_THAT(Judge(g, o).Warning(kWarningSalaryBelowMinimum),
              HasSubstr("legal minimum 929.75"));
  o.duration_months = 36;
  EXPECT_EQ(Judge(g, o).Warning(kWarningSalaryBelowMinimum), "");
  // A diploma whose cycle the referential does not give: year 1.
  o.target_diploma = {"40025010", 4, DiplomaStatus::kInProgress, {}};
  o.duration_months = 12;
  EXPECT_THAT(Judge(g, o).FactorDetail("salary"), HasSubstr("43% of SMIC"));
}

// Item 9: the branch minimum (salaire minimum conventionnel) raises the
// floor where the law refers to it: apprentices from 21 (D6222-26),
// professionalisation from 26 (D6325-18: 85 %), CDI and CDD.
TEST(BranchMinimumTest, RaisesTheFloorWhereTheLawRefersToIt) {
  Graduate g = BaseGraduate();
  g.accepted_contracts.clear();
  Offer o = BaseOffer();
  o.monthly_gross_salary_eur = 0;
  o.branch_minimum_monthly_eur = 2000;
  // 19 at the start, apprentice: the SMIC grid only (43 %).
  EXPECT_THAT(Judge(g, o).FactorDetail("salary"), HasSubstr("43% of SMIC"));
  // 22: 53 % of the branch minimum (1060.00) over 53 % of SMIC (966.21).
  g.birth_date = absl::CivilDay(2004, 5, 1);
  Verdict apprentice = Judge(g, o);
  EXPECT_THAT(apprentice.FactorDetail("salary"),
              HasSubstr("legal minimum 1060.00 € applies (53% of the branch "
                        "minimum 2000.00 €/month, above 53% of SMIC"));
  EXPECT_THAT(apprentice.FactorDetail("salary"), HasSubstr("D6222-26"));
  // A CDI pays at least the branch minimum.
  o.contract_type = ContractType::kCdi;
  o.duration_months = 0;
  o.target_diploma = {};
  o.monthly_gross_salary_eur = 1900;
  Verdict cdi = Judge(g, o);
  EXPECT_THAT(cdi.Warning(kWarningSalaryBelowMinimum),
              HasSubstr("1900.00 €/month < legal minimum 2000.00 €"));
  // Professionalisation at 27: 85 % of it (1700.00) over the SMIC.
  g.birth_date = absl::CivilDay(1999, 5, 1);
  o.contract_type = ContractType::kProfessionalisation;
  o.duration_months = 12;
  o.monthly_gross_salary_eur = 0;
  g.attestations = {{AttestationKind::kJobSeeker, absl::CivilDay(2026, 1, 5),
                     std::nullopt, 0}};
  Verdict pro = Judge(g, o);
  EXPECT_THAT(pro.FactorDetail("salary"),
              HasSubstr("legal minimum 1823.03 €"));  // the SMIC is higher
  o.branch_minimum_monthly_eur = 2400;                // 85 %: 2040.00
  EXPECT_THAT(Judge(g, o).FactorDetail("salary"),
              HasSubstr("legal minimum 2040.00 € applies (85% of the branch "
                        "minimum 2400.00 €/month"));
}

}  // namespace
}  // namespace passerelle::engine
