// The working time of young workers, tested from the articles' texts
// (docs/law/working-time-minors.md quotes them): each limit on, just
// within and just past it, each derogation on and off.

#include "services/matching/engine/working_time.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matching/engine/rules.h"
#include "services/matching/engine/test_util.h"

namespace passerelle::engine {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::CivilDay kStart(2026, 9, 1);

std::vector<Shift> Shifts(const std::vector<std::string>& texts) {
  std::vector<Shift> out;
  for (const std::string& text : texts) {
    auto shift = ParseShift(text);
    EXPECT_TRUE(shift.ok()) << text << ": " << shift.status();
    if (shift.ok()) out.push_back(*shift);
  }
  return out;
}

// "DAYS hh:mm-hh:mm" on each of `days` (e.g. {"MON","TUE"}).
std::vector<std::string> Each(const std::vector<std::string>& days,
                              const std::vector<std::string>& spans) {
  std::vector<std::string> out;
  for (const auto& day : days) {
    for (const auto& span : spans) out.push_back(day + " " + span);
  }
  return out;
}
const std::vector<std::string> kMonFri = {"MON", "TUE", "WED", "THU", "FRI"};
const std::vector<std::string> kMonThu = {"MON", "TUE", "WED", "THU"};

std::set<std::string> Broken(const OfferTime& offer, int age) {
  const TimeJudgement j = JudgeMinorTime(offer, age, /*details=*/true);
  std::set<std::string> out;
  for (const TimeFinding& f : j.exclusions) out.insert(f.rule);
  // The ranking path's bits say the same.
  const TimeJudgement fast = JudgeMinorTime(offer, age, /*details=*/false);
  EXPECT_EQ(fast.broken, j.broken);
  EXPECT_EQ(j.exclusions.size(),
            static_cast<size_t>(__builtin_popcount(j.broken)));
  return out;
}

TEST(ParseShiftTest, FormsAndNormalForm) {
  auto s = ParseShift("mon 08:00-12:00");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(ShiftText(*s), "W1 MON 08:00-12:00");
  s = ParseShift("S2 sam 18h30 - 23h30");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->week, 2);
  EXPECT_EQ(s->day, 6);
  EXPECT_EQ(ShiftText(*s), "W2 SAT 18:30-23:30");
  s = ParseShift("FRI 22:00-02:00");  // ends the next day
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->end_minute, 26 * 60);
  s = ParseShift("Dim 18:00-24:00");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->end_minute, 1440);
  EXPECT_EQ(ShiftText(*s), "W1 SUN 18:00-24:00");
  s = ParseShift("W4 SUN 20:00-00:00");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->end_minute, 1440);

  for (const char* bad :
       {"", "08:00-12:00", "MOON 08:00-12:00", "W5 MON 08:00-12:00",
        "MON 08:00", "MON 8-12", "MON 24:00-02:00", "MON 08:60-12:00",
        "MON 08:00-12:00-13:00", "MON 08:00-08:00", "MON 08:00-24:30"}) {
    EXPECT_FALSE(ParseShift(bad).ok()) << bad;
  }
}

TEST(ValidateShiftsTest, OverlapsNamedAlsoAcrossTheCycle) {
  EXPECT_TRUE(ValidateShifts(Shifts({"MON 08:00-12:00", "MON 12:00-16:00"}))
                  .ok());  // touching is not overlapping
  auto s = ValidateShifts(Shifts({"MON 08:00-12:00", "MON 11:59-16:00"}));
  EXPECT_THAT(std::string(s.message()), HasSubstr("overlap"));
  // Sunday night into the cycle's first Monday.
  s = ValidateShifts(Shifts({"MON 01:00-03:00", "SUN 22:00-02:00"}));
  EXPECT_THAT(std::string(s.message()), HasSubstr("W1 SUN 22:00-02:00"));
  // ... but not when the cycle has a second week in between.
  EXPECT_TRUE(ValidateShifts(Shifts({"MON 01:00-03:00", "SUN 22:00-02:00",
                                     "W2 TUE 08:00-12:00"}))
                  .ok());
}

TEST(ScheduleTest, AverageAndNightFlag) {
  EXPECT_DOUBLE_EQ(
      AverageWeeklyHours(Shifts(Each(kMonFri, {"08:00-12:00", "13:00-16:00"}))),
      35);
  EXPECT_DOUBLE_EQ(
      AverageWeeklyHours(Shifts({"MON 08:00-12:00", "W2 MON 08:00-10:00"})), 3);
  EXPECT_FALSE(HasNightWork(Shifts({"MON 06:00-22:00"})));
  EXPECT_TRUE(HasNightWork(Shifts({"MON 05:59-12:00"})));
  EXPECT_TRUE(HasNightWork(Shifts({"MON 18:00-22:01"})));
}

// One row: the offer's terms, the worker's age, the rules broken; the
// optional terms set by name.
struct Row {
  Row(const char* name, int age, ContractType contract, WorkSector sector,
      std::vector<std::string> shifts, std::set<std::string> broken)
      : name(name), age(age), contract(contract), broken(std::move(broken)) {
    terms.sector = sector;
    terms.shifts = Shifts(shifts);
  }
  Row& Night(absl::CivilDay on) {
    terms.night_authorised_on = on;
    return *this;
  }
  Row& SiteHours() {
    terms.site_hours = true;
    return *this;
  }
  Row& WeeklyRestAgreement() {
    terms.weekly_rest_agreement = true;
    return *this;
  }
  Row& PublicHolidays(bool agreement) {
    terms.public_holidays = true;
    terms.public_holiday_agreement = agreement;
    return *this;
  }
  Row& Bar(std::optional<absl::CivilDay> agrement) {
    terms.bar_service = true;
    terms.bar_agrement_on = agrement;
    return *this;
  }
  Row& Start(absl::CivilDay day) {
    start = day;
    return *this;
  }

  const char* name;
  int age;
  ContractType contract;
  std::set<std::string> broken;
  WorkingTerms terms;
  absl::CivilDay start = kStart;
};

constexpr auto kAppr = ContractType::kApprenticeship;
constexpr auto kCdi = ContractType::kCdi;
constexpr auto kPro = ContractType::kProfessionalisation;
constexpr auto kOther = WorkSector::kOther;
const absl::CivilDay kYearBefore(2025, 9, 2);  // valid through 2026-09-01

std::vector<std::string> Plus(std::vector<std::string> a,
                              const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(WorkingTimeTest, TableFromTheArticles) {
  const auto k35 = Each(kMonFri, {"08:00-12:00", "13:00-16:00"});  // 7 h x 5
  const auto k8h = Each(kMonThu, {"08:00-12:00", "12:30-16:30"});  // 8 h x 4
  const auto k10h =
      Each(kMonThu, {"07:00-11:00", "11:30-15:30", "16:00-18:00"});  // 40 h
  const auto evenings = Each(kMonThu, {"11:30-14:30", "19:00-23:30"});
  const auto bakery = Each(kMonFri, {"04:00-08:00", "08:30-10:30"});
  const auto sundays =
      Each({"WED", "THU", "FRI", "SAT", "SUN"}, {"06:00-10:00"});
  const std::string kNight = kRuleMinorNightWork;
  const std::string kWeekly = kRuleMinorWeeklyHours;
  const std::string kDaily = kRuleMinorDailyHours;
  const std::string kBreak = kRuleMinorContinuousWork;
  const std::string kRest = kRuleMinorDailyRest;
  const std::string kWeekRest = kRuleMinorWeeklyRest;
  const std::string kSunday = kRuleMinorSundayWork;
  const std::string kHolidays = kRuleMinorPublicHolidays;
  const std::string kBar = kRuleMinorBarService;
  using S = WorkSector;
  const std::vector<Row> rows = {
      // L3162-1: "excédant huit heures par jour et trente-cinq heures par
      // semaine".
      Row("35 h in 5 days of 7 h", 17, kCdi, kOther, k35, {}),
      Row("35 h 01", 17, kCdi, kOther, Plus(k35, {"SAT 08:00-08:01"}),
          {kWeekly, kWeekRest}),
      Row("8 h a day", 17, kCdi, kOther, k8h, {}),
      Row("8 h 01 a day", 17, kCdi, kOther,
          Plus(Each(kMonThu, {"08:00-12:00"}),
               {"MON 12:30-16:31", "TUE 12:30-16:30", "WED 12:30-16:30",
                "THU 12:30-16:30"}),
          {kDaily}),
      // D3162-1: sites, "dans la limite de dix heures par jour et de
      // quarante heures par semaine", contracts from 2019-01-01.
      Row("site 10 h / 40 h", 16, kAppr, S::kBuildingSite, k10h, {})
          .SiteHours(),
      Row("site 10 h 01", 16, kAppr, S::kLandscapingSite,
          Plus(Each({"TUE", "WED", "THU"},
                    {"07:00-11:00", "11:30-15:30", "16:00-18:00"}),
               {"MON 07:00-11:00", "MON 11:30-15:30", "MON 16:00-18:01"}),
          {kDaily, kWeekly})
          .SiteHours(),
      Row("site without the organisation's justification", 16, kAppr,
          S::kPublicWorksSite, k10h, {kDaily, kWeekly}),
      Row("10 h off site", 16, kAppr, kOther, k10h, {kDaily, kWeekly})
          .SiteHours(),
      Row("site, contract before 2019", 16, kAppr, S::kBuildingSite, k10h,
          {kDaily, kWeekly})
          .SiteHours()
          .Start(absl::CivilDay(2018, 12, 31)),
      // L3162-3: "quatre heures et demie", then 30 consecutive minutes.
      Row("4 h 30 without a break", 17, kCdi, kOther,
          {"MON 08:00-12:30", "MON 13:00-16:00"}, {}),
      Row("4 h 31 without a break", 17, kCdi, kOther,
          {"MON 08:00-12:31", "MON 13:01-16:00"}, {kBreak}),
      Row("29-minute break", 17, kCdi, kOther,
          {"MON 08:00-12:00", "MON 12:29-16:00"}, {kBreak}),
      Row("a day of 4 h 30 needs no break", 17, kCdi, kOther,
          {"MON 08:00-10:00", "MON 10:05-12:35"}, {}),
      // L3163-1: night 22:00-06:00 from 16, 20:00-06:00 under 16.
      Row("16-17 ends 22:00", 16, kCdi, kOther,
          {"MON 14:00-18:00", "MON 18:30-22:00"}, {}),
      Row("16-17 ends 22:01", 16, kCdi, kOther,
          {"MON 14:00-18:00", "MON 18:30-22:01"}, {kNight}),
      Row("16-17 starts 06:00", 17, kCdi, kOther, {"MON 06:00-10:00"}, {}),
      Row("16-17 starts 05:59", 17, kCdi, kOther, {"MON 05:59-10:00"},
          {kNight}),
      Row("under 16 ends 20:00", 15, kAppr, kOther, {"MON 16:00-20:00"}, {}),
      Row("under 16 ends 20:01", 15, kAppr, kOther, {"MON 16:00-20:01"},
          {kNight}),
      // R3163-2: hotels and restaurants, 22:00 to 23:30, authorised.
      Row("restaurant until 23:30", 17, kAppr, S::kRestaurant, evenings, {})
          .Night(kYearBefore),
      Row("restaurant until 23:31", 17, kAppr, S::kRestaurant,
          {"MON 11:30-14:30", "MON 19:01-23:31", "WED 11:30-14:30",
           "WED 19:00-23:30"},
          {kNight})
          .Night(kYearBefore),
      Row("restaurant without authorisation", 17, kAppr, S::kRestaurant,
          evenings, {kNight}),
      Row("authorisation ended the day before the start", 17, kAppr, S::kHotel,
          evenings, {kNight})
          .Night(absl::CivilDay(2025, 9, 1)),
      Row("authorisation after the start", 17, kAppr, S::kHotel, evenings,
          {kNight})
          .Night(absl::CivilDay(2026, 9, 2)),
      Row("under 16 in a restaurant, authorised", 15, kAppr, S::kRestaurant,
          evenings, {kNight, kRest})
          .Night(kYearBefore),
      Row("other sector, authorised", 17, kCdi, S::kFoodRetail, evenings,
          {kNight})
          .Night(kYearBefore),
      // R3163-3: bakery and pastry "au plus tôt, à partir de quatre heures".
      Row("bakery from 04:00", 16, kAppr, S::kBakery, bakery, {})
          .Night(kYearBefore),
      Row("bakery from 03:59", 16, kAppr, S::kPastry,
          Plus(Each({"TUE", "WED", "THU", "FRI"}, {"04:00-08:00"}),
               {"MON 03:59-08:00"}),
          {kNight})
          .Night(kYearBefore),
      Row("bakery until 22:30", 16, kAppr, S::kBakery, {"MON 18:30-22:30"},
          {kNight})
          .Night(kYearBefore),
      // R3163-4: shows "jusqu'à vingt-quatre heures"; L3163-2: never
      // midnight to 04:00.
      Row("shows until midnight", 17, kCdi, S::kShows, {"FRI 20:00-24:00"}, {})
          .Night(kYearBefore),
      Row("shows until 00:01", 17, kCdi, S::kShows, {"FRI 20:00-00:01"},
          {kNight})
          .Night(kYearBefore),
      // R3163-4: horse racing twice a week and 30 nights a year at most.
      Row("horse racing, 1 night every 2 weeks", 17, kCdi, S::kHorseRacing,
          {"FRI 19:00-23:00", "W2 MON 08:00-12:00"}, {})
          .Night(kYearBefore),
      Row("horse racing, 1 night a week", 17, kCdi, S::kHorseRacing,
          {"FRI 19:00-23:00"}, {kNight})
          .Night(kYearBefore),
      // L3164-1: 12 consecutive hours (14 under 16).
      Row("11 h 59 of rest", 17, kAppr, S::kRestaurant,
          {"MON 11:30-14:30", "MON 19:00-23:30", "TUE 11:29-14:30"}, {kRest})
          .Night(kYearBefore),
      Row("under 16: 14 h", 15, kAppr, kOther,
          {"MON 10:00-13:00", "MON 15:30-20:00", "TUE 10:00-14:00"}, {}),
      Row("under 16: 13 h 59", 15, kAppr, kOther,
          {"MON 10:00-13:00", "MON 15:30-20:00", "TUE 09:59-14:00"}, {kRest}),
      // L3164-2: two consecutive days off; 36 h under an agreement from 16.
      Row("Tuesday to Saturday", 17, kCdi, kOther,
          Each({"TUE", "WED", "THU", "FRI", "SAT"}, {"08:00-12:00"}), {}),
      Row("Thursday and Sunday off", 17, kCdi, kOther,
          Each({"MON", "TUE", "WED", "FRI", "SAT"}, {"08:00-12:00"}),
          {kWeekRest}),
      Row("only Sunday off, no agreement", 17, kCdi, kOther,
          Plus(Each(kMonFri, {"08:00-12:00"}), {"SAT 16:00-20:00"}),
          {kWeekRest}),
      Row("36 h under an agreement", 17, kCdi, kOther,
          Plus(Each(kMonFri, {"08:00-12:00"}), {"SAT 16:00-20:00"}), {})
          .WeeklyRestAgreement(),
      Row("35 h 59 under an agreement", 17, kCdi, kOther,
          Plus(Each({"TUE", "WED", "THU", "FRI"}, {"08:00-12:00"}),
               {"MON 07:59-12:00", "SAT 16:00-20:00"}),
          {kWeekRest})
          .WeeklyRestAgreement(),
      Row("agreement under 16", 15, kAppr, kOther,
          Plus(Each({"TUE", "WED", "FRI"}, {"08:00-12:00"}),
               {"MON 08:00-12:00", "SAT 08:00-12:00"}),
          {kWeekRest})
          .WeeklyRestAgreement(),
      // L3164-5, R3164-1: Sundays for apprentices in the listed sectors.
      Row("apprentice baker on Sunday", 16, kAppr, S::kBakery, sundays, {}),
      Row("employed baker on Sunday", 17, kCdi, S::kBakery, sundays, {kSunday}),
      Row("apprentice on Sunday elsewhere", 16, kAppr, kOther, sundays,
          {kSunday}),
      Row("Saturday night into Sunday", 17, kAppr, S::kShows,
          {"SAT 20:00-00:30"}, {kNight, kSunday})
          .Night(kYearBefore),
      Row("continuous industry on Sunday", 17, kCdi, S::kContinuousIndustry,
          sundays, {}),
      // L3164-6, L3164-8, R3164-2: public holidays.
      Row("restaurant holidays with an agreement", 17, kCdi, S::kRestaurant,
          k35, {})
          .PublicHolidays(true),
      Row("restaurant holidays without", 17, kCdi, S::kRestaurant, k35,
          {kHolidays})
          .PublicHolidays(false),
      Row("shows holidays with an agreement", 17, kCdi, S::kShows, k35, {})
          .PublicHolidays(true),
      Row("building site holidays with an agreement", 17, kCdi,
          S::kBuildingSite, k35, {kHolidays})
          .PublicHolidays(true),
      Row("continuous industry holidays", 17, kCdi, S::kContinuousIndustry, k35,
          {})
          .PublicHolidays(false),
      // L4153-6, R4153-8: the bar, 16-17 in training with the agrément.
      Row("bar, apprentice, agrément", 16, kAppr, S::kCafeTobacco, k35, {})
          .Bar(absl::CivilDay(2021, 9, 2)),
      Row("bar, agrément ended the day before", 16, kAppr, S::kCafeTobacco, k35,
          {kBar})
          .Bar(absl::CivilDay(2021, 9, 1)),
      Row("bar, professionalisation", 17, kPro, S::kCafeTobacco, k35, {})
          .Bar(absl::CivilDay(2024, 1, 1)),
      Row("bar, CDI", 17, kCdi, S::kCafeTobacco, k35, {kBar})
          .Bar(absl::CivilDay(2024, 1, 1)),
      Row("bar, under 16", 15, kAppr, S::kCafeTobacco, k35, {kBar})
          .Bar(absl::CivilDay(2024, 1, 1)),
      Row("bar without agrément", 17, kAppr, S::kRestaurant, k35, {kBar})
          .Bar(std::nullopt),
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    ASSERT_TRUE(ValidateShifts(row.terms.shifts).ok());
    OfferTime offer{row.contract, row.start,
                    AverageWeeklyHours(row.terms.shifts), false, &row.terms};
    EXPECT_EQ(Broken(offer, row.age), row.broken);
  }
}

TEST(WorkingTimeTest, DetailsNameTheValuesAndTheArticle) {
  WorkingTerms terms;
  terms.sector = WorkSector::kRestaurant;
  terms.shifts = Shifts({"MON 11:30-14:30", "MON 19:15-23:45"});
  terms.night_authorised_on = absl::CivilDay(2026, 3, 1);
  const OfferTime offer{kAppr, kStart, 7.75, true, &terms};
  TimeJudgement j = JudgeMinorTime(offer, 17, true);
  ASSERT_THAT(j.exclusions, ::testing::SizeIs(1));
  EXPECT_STREQ(j.exclusions[0].rule, kRuleMinorNightWork);
  EXPECT_THAT(j.exclusions[0].detail,
              AllOf(HasSubstr("W1 MON 19:15-23:45"), HasSubstr("until 23:30"),
                    HasSubstr("R3163-2")));

  terms.shifts = Shifts({"MON 11:30-14:30", "MON 19:00-23:30"});
  j = JudgeMinorTime(offer, 17, true);
  EXPECT_THAT(j.exclusions, IsEmpty());
  EXPECT_THAT(j.derogations,
              ElementsAre(AllOf(HasSubstr("2026-03-01"),
                                HasSubstr("valid until 2027-02-28"),
                                HasSubstr("R3163-5"))));
  EXPECT_FALSE(j.schedule_unstated);
}

// Older records: no schedule, so the weekly hours and the flag only.
TEST(WorkingTimeTest, WithoutScheduleTheFlagAndTheWeek) {
  OfferTime offer{kCdi, kStart, 35, false, nullptr};
  TimeJudgement j = JudgeMinorTime(offer, 17, true);
  EXPECT_EQ(j.broken, 0);
  EXPECT_TRUE(j.schedule_unstated);
  offer.night_work = true;
  offer.weekly_hours = 35.5;
  EXPECT_EQ(Broken(offer, 17), (std::set<std::string>{kRuleMinorNightWork,
                                                      kRuleMinorWeeklyHours}));
  // A flagged night offer with a schedule is judged on the schedule.
  WorkingTerms terms;
  terms.shifts = Shifts(Each(kMonFri, {"08:00-12:00", "13:00-16:00"}));
  offer.terms = &terms;
  offer.weekly_hours = 35;
  EXPECT_EQ(JudgeMinorTime(offer, 17, false).broken, 0);
}

// Lunch and evening service Monday to Thursday until 23:30, with the
// inspector's authorisation of 2026-03-01 (valid for the start 2026-09-01).
void AddRestaurantEvenings(Offer* offer) {
  offer->terms.sector = WorkSector::kRestaurant;
  offer->terms.shifts = Shifts(Each(kMonThu, {"11:30-14:30", "19:00-23:30"}));
  offer->terms.night_authorised_on = absl::CivilDay(2026, 3, 1);
  offer->weekly_hours = AverageWeeklyHours(offer->terms.shifts);
}

// Through the engine: ranking and Explain agree, per age band, and the
// warnings say on which basis a derogation applied or what was assumed.
TEST(WorkingTimeEngineTest, RankAndExplainAgreePerAgeBand) {
  using namespace engine::testing;  // NOLINT
  auto engine = MakeEngine();
  Offer offer = BaseOffer();
  AddRestaurantEvenings(&offer);
  ASSERT_TRUE(engine->UpsertOffer(offer).ok());

  Graduate seventeen = BaseGraduate();
  seventeen.id = "g17";
  seventeen.birth_date = absl::CivilDay(2009, 3, 1);
  Graduate fifteen = BaseGraduate();
  fifteen.id = "g15";
  fifteen.birth_date = absl::CivilDay(2011, 3, 1);
  for (const Graduate& g : {seventeen, fifteen}) {
    ASSERT_TRUE(engine->UpsertGraduate(g).ok());
  }

  auto ranked = engine->RankOffers("g17", Query());
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  ASSERT_THAT(*ranked, ::testing::SizeIs(1));
  auto e17 = engine->Explain("g17", "o1", kToday);
  ASSERT_TRUE(e17.ok());
  EXPECT_TRUE(e17->eligible);
  bool derogation = false;
  for (const Warning& w : e17->warnings) {
    derogation |= w.code == kWarningWorkingTimeDerogation;
    EXPECT_NE(w.code, kWarningScheduleUnstated);
  }
  EXPECT_TRUE(derogation);

  ranked = engine->RankOffers("g15", Query());
  ASSERT_TRUE(ranked.ok());
  EXPECT_THAT(*ranked, IsEmpty());
  auto e15 = engine->Explain("g15", "o1", kToday);
  ASSERT_TRUE(e15.ok());
  EXPECT_FALSE(e15->eligible);
  std::vector<std::string> rules;
  for (const Exclusion& x : e15->exclusions) rules.push_back(x.rule);
  EXPECT_THAT(rules, ElementsAre(kRuleMinorNightWork, kRuleMinorDailyRest));

  // The same offer handed in directly (ad-hoc Explain) is judged alike.
  auto adhoc = engine->Explain(fifteen, offer, kToday);
  ASSERT_TRUE(adhoc.ok());
  EXPECT_EQ(adhoc->exclusions.size(), e15->exclusions.size());

  // Without a schedule, a minor's pair says what was not checked.
  Offer plain = BaseOffer();
  plain.id = "o2";
  ASSERT_TRUE(engine->UpsertOffer(plain).ok());
  auto e = engine->Explain("g17", "o2", kToday);
  ASSERT_TRUE(e.ok());
  bool unstated = false;
  for (const Warning& w : e->warnings) {
    unstated |= w.code == kWarningScheduleUnstated;
  }
  EXPECT_TRUE(unstated);
}

// Offers stating the same terms share one copy; updating or removing one
// leaves the others' verdicts as they were.
TEST(WorkingTimeEngineTest, SharedTermsFollowEachOffer) {
  using namespace engine::testing;  // NOLINT
  auto engine = MakeEngine();
  Graduate g = BaseGraduate();
  g.birth_date = absl::CivilDay(2009, 3, 1);  // 17 at the start
  ASSERT_TRUE(engine->UpsertGraduate(g).ok());
  Offer a = BaseOffer();
  AddRestaurantEvenings(&a);
  Offer b = a;
  b.id = "o2";
  ASSERT_TRUE(engine->UpsertOffer(a).ok());
  ASSERT_TRUE(engine->UpsertOffer(b).ok());
  const size_t shared = engine->Memory().offer_terms;

  a.terms.shifts = Shifts(Each(kMonThu, {"11:30-14:30", "19:15-23:45"}));
  ASSERT_TRUE(engine->UpsertOffer(a).ok());
  EXPECT_GT(engine->Memory().offer_terms, shared);  // two distinct now
  auto ranked = engine->RankOffers("g1", Query());
  ASSERT_TRUE(ranked.ok());
  ASSERT_THAT(*ranked, ::testing::SizeIs(1));
  EXPECT_EQ((*ranked)[0].offer_id, "o2");
  auto ea = engine->Explain("g1", "o1", kToday);
  ASSERT_TRUE(ea.ok());
  // Past 23:30, and 11 h 45 of rest before the next lunch service.
  ASSERT_THAT(ea->exclusions, ::testing::SizeIs(2));
  EXPECT_EQ(ea->exclusions[0].rule, kRuleMinorNightWork);
  EXPECT_THAT(ea->exclusions[0].detail, HasSubstr("19:15-23:45"));
  EXPECT_EQ(ea->exclusions[1].rule, kRuleMinorDailyRest);
  EXPECT_THAT(ea->exclusions[1].detail, HasSubstr("11 h 45 of rest"));

  // o2 removed, then stated again: its terms come back from nothing.
  ASSERT_TRUE(engine->RemoveOffer("o2"));
  ASSERT_TRUE(engine->UpsertOffer(b).ok());
  auto eb = engine->Explain("g1", "o2", kToday);
  ASSERT_TRUE(eb.ok());
  EXPECT_TRUE(eb->eligible);
  // o1 back to no terms at all.
  a.terms = WorkingTerms{};
  a.weekly_hours = 35;
  ASSERT_TRUE(engine->UpsertOffer(a).ok());
  ranked = engine->RankOffers("g1", Query());
  ASSERT_TRUE(ranked.ok());
  EXPECT_THAT(*ranked, ::testing::SizeIs(2));
}

}  // namespace
}  // namespace passerelle::engine
