#include "services/matching/engine/working_time.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace passerelle::engine {
namespace {

constexpr int kDay = 1440;
constexpr int kWeek = 7 * kDay;
constexpr int kMaxWeeks = 4;

constexpr const char* kDays[] = {"",    "MON", "TUE", "WED",
                                 "THU", "FRI", "SAT", "SUN"};
constexpr const char* kJours[] = {"",    "LUN", "MAR", "MER",
                                  "JEU", "VEN", "SAM", "DIM"};

using Interval = std::pair<int, int>;  // [first, second) minutes

std::string Hm(int minute) {
  minute = ((minute % kDay) + kDay) % kDay;
  return absl::StrFormat("%02d:%02d", minute / 60, minute % 60);
}

// "8 h", "8 h 30".
std::string Duration(int minutes) {
  if (minutes % 60 == 0) return absl::StrFormat("%d h", minutes / 60);
  return absl::StrFormat("%d h %02d", minutes / 60, minutes % 60);
}

std::string DayText(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// The day before the same day `years` later (a year's validity).
absl::CivilDay LastDayOf(absl::CivilDay from, int years) {
  return absl::CivilDay(from.year() + years, from.month(), from.day()) - 1;
}

int Begin(const Shift& s) {
  return ((s.week - 1) * 7 + s.day - 1) * kDay + s.start_minute;
}
int Length(const Shift& s) { return s.end_minute - s.start_minute; }
int Weeks(const std::vector<Shift>& shifts) {
  int weeks = 1;
  for (const Shift& s : shifts) weeks = std::max(weeks, s.week);
  return weeks;
}

// Whether the shift's [start, end) (minutes from its day's midnight, up to
// 2880) meets any of `windows` (the same frame).
bool Meets(const Shift& s, const std::vector<Interval>& windows) {
  for (const auto& [from, to] : windows) {
    if (s.start_minute < to && from < s.end_minute) return true;
  }
  return false;
}

// Night (L3163-1) in a shift's two-day frame: 22:00-06:00 from 16, 20:00-
// 06:00 under 16.
std::vector<Interval> NightWindows(bool under16) {
  const int from = under16 ? 20 * 60 : 22 * 60;
  return {{0, 6 * 60}, {from, kDay + 6 * 60}, {kDay + from, 2 * kDay}};
}

bool NightSector(WorkSector s) {  // R3163-1
  switch (s) {
    case WorkSector::kHotel:
    case WorkSector::kRestaurant:
    case WorkSector::kBakery:
    case WorkSector::kPastry:
    case WorkSector::kShows:
    case WorkSector::kHorseRacing:
      return true;
    default:
      return false;
  }
}

bool SiteSector(WorkSector s) {  // D3162-1
  return s == WorkSector::kBuildingSite || s == WorkSector::kPublicWorksSite ||
         s == WorkSector::kLandscapingSite;
}

bool SundaySector(WorkSector s) {  // R3164-1
  switch (s) {
    case WorkSector::kHotel:
    case WorkSector::kRestaurant:
    case WorkSector::kCatering:
    case WorkSector::kCafeTobacco:
    case WorkSector::kBakery:
    case WorkSector::kPastry:
    case WorkSector::kButcher:
    case WorkSector::kCharcuterie:
    case WorkSector::kCheeseDairy:
    case WorkSector::kFishmonger:
    case WorkSector::kFloristGarden:
    case WorkSector::kFoodRetail:
      return true;
    default:
      return false;
  }
}

bool HolidaySector(WorkSector s) {  // R3164-2: R3164-1's and shows
  return SundaySector(s) || s == WorkSector::kShows;
}

// What a valid night-work authorisation allows in `sector` (16 and 17):
// the windows still forbidden, and the allowed span in words.
struct SectorNight {
  std::vector<Interval> forbidden;
  const char* window;
  const char* article;
};
SectorNight NightAllowance(WorkSector s) {
  constexpr int k0400 = 4 * 60, k0600 = 6 * 60, k2200 = 22 * 60;
  switch (s) {
    case WorkSector::kHotel:
    case WorkSector::kRestaurant:  // until 23:30
      return {
          {{0, k0600}, {23 * 60 + 30, kDay + k0600}}, "until 23:30", "R3163-2"};
    case WorkSector::kBakery:
    case WorkSector::kPastry:  // from 04:00
      return {{{0, k0400}, {k2200, kDay + k0400}, {kDay + k2200, 2 * kDay}},
              "from 04:00",
              "R3163-3"};
    default:  // shows, horse racing: until midnight
      return {{{0, k0600}, {kDay, kDay + k0600}}, "until midnight", "R3163-4"};
  }
}

absl::StatusOr<int> ParseTime(absl::string_view text, bool end) {
  const size_t sep = text.find_first_of(":hH");
  absl::string_view hours = text.substr(0, sep);
  absl::string_view minutes =
      sep == absl::string_view::npos ? "" : text.substr(sep + 1);
  int h = 0, m = 0;
  const bool minutes_ok =
      minutes.empty() ? sep != absl::string_view::npos &&
                            (text[sep] == 'h' || text[sep] == 'H')
                      : minutes.size() == 2 && absl::SimpleAtoi(minutes, &m);
  if (hours.empty() || hours.size() > 2 || !absl::SimpleAtoi(hours, &h) ||
      !minutes_ok || h < 0 || m < 0 || m > 59 || h > 24 ||
      (h == 24 && (m != 0 || !end))) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a time of day (HH:MM, ",
                     end ? "00:00 to 24:00" : "00:00 to 23:59", ")"));
  }
  return h * 60 + m;
}

int DayNumber(absl::string_view token) {
  const std::string upper = absl::AsciiStrToUpper(token);
  for (int d = 1; d <= 7; ++d) {
    if (upper == kDays[d] || upper == kJours[d]) return d;
  }
  return 0;
}

}  // namespace

absl::StatusOr<Shift> ParseShift(absl::string_view text) {
  std::vector<absl::string_view> tokens =
      absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  Shift shift;
  size_t i = 0;
  if (!tokens.empty() && tokens[0].size() == 2 &&
      (tokens[0][0] == 'W' || tokens[0][0] == 'w' || tokens[0][0] == 'S' ||
       tokens[0][0] == 's') &&
      absl::ascii_isdigit(tokens[0][1])) {
    shift.week = tokens[0][1] - '0';
    if (shift.week < 1 || shift.week > kMaxWeeks) {
      return absl::InvalidArgumentError(
          absl::StrCat("week \"", tokens[0], "\" must be W1 to W4"));
    }
    ++i;
  }
  if (i >= tokens.size() || (shift.day = DayNumber(tokens[i])) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text,
        "\" must read \"[W<n> ]<day> HH:MM-HH:MM\", the day MON..SUN or "
        "LUN..DIM"));
  }
  const std::string span =
      absl::StrJoin(tokens.begin() + i + 1, tokens.end(), "");
  const std::vector<absl::string_view> ends = absl::StrSplit(span, '-');
  if (ends.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": the hours must read HH:MM-HH:MM"));
  }
  auto start = ParseTime(ends[0], /*end=*/false);
  if (!start.ok()) return start.status();
  auto end = ParseTime(ends[1], /*end=*/true);
  if (!end.ok()) return end.status();
  shift.start_minute = *start;
  shift.end_minute = *end;
  if (shift.end_minute == shift.start_minute) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": a shift cannot last 24 hours"));
  }
  if (shift.end_minute < shift.start_minute) shift.end_minute += kDay;
  return shift;
}

std::string ShiftText(const Shift& s) {
  const int day = s.day >= 1 && s.day <= 7 ? s.day : 0;
  return absl::StrFormat("W%d %s %s-%s", s.week, day ? kDays[day] : "?",
                         Hm(s.start_minute),
                         s.end_minute == kDay ? "24:00" : Hm(s.end_minute));
}

absl::Status ValidateShifts(const std::vector<Shift>& shifts) {
  if (shifts.size() > static_cast<size_t>(kMaxShifts)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("shifts: at most %d", kMaxShifts));
  }
  std::vector<std::pair<int, size_t>> order;  // begin, index
  for (size_t i = 0; i < shifts.size(); ++i) {
    const Shift& s = shifts[i];
    if (s.week < 1 || s.week > kMaxWeeks || s.day < 1 || s.day > 7 ||
        s.start_minute < 0 || s.start_minute >= kDay ||
        s.end_minute <= s.start_minute ||
        s.end_minute >= s.start_minute + kDay) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "shifts[%d]: week 1..4, day 1..7, start 0..1439 and an end after "
          "it, less than 24 hours later",
          i));
    }
    order.emplace_back(Begin(s), i);
  }
  std::sort(order.begin(), order.end());
  const int cycle = Weeks(shifts) * kWeek;
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t a = order[k].second;
    const size_t b = order[(k + 1) % order.size()].second;
    if (a == b) break;
    int next = order[(k + 1) % order.size()].first;
    if (k + 1 == order.size()) next += cycle;
    if (order[k].first + Length(shifts[a]) > next) {
      return absl::InvalidArgumentError(
          absl::StrFormat("shifts[%d] (%s) and shifts[%d] (%s) overlap", a,
                          ShiftText(shifts[a]), b, ShiftText(shifts[b])));
    }
  }
  return absl::OkStatus();
}

double AverageWeeklyHours(const std::vector<Shift>& shifts) {
  if (shifts.empty()) return 0;
  int total = 0;
  for (const Shift& s : shifts) total += Length(s);
  return total / 60.0 / Weeks(shifts);
}

bool HasNightWork(const std::vector<Shift>& shifts) {
  const std::vector<Interval> night = NightWindows(/*under16=*/false);
  for (const Shift& s : shifts) {
    if (Meets(s, night)) return true;
  }
  return false;
}

absl::string_view WorkSectorName(WorkSector sector) {
  static constexpr absl::string_view kNames[kNumWorkSectors] = {
      "other",
      "hotel",
      "restaurant",
      "bakery",
      "pastry",
      "shows",
      "horse racing",
      "building site",
      "public works site",
      "landscaping site",
      "catering",
      "café-tabac",
      "butcher",
      "charcuterie",
      "cheese and dairy",
      "fishmonger",
      "florist or garden centre",
      "food retail",
      "continuous industry"};
  const int i = static_cast<int>(sector);
  return i >= 0 && i < kNumWorkSectors ? kNames[i] : "?";
}

const char* MinorTimeRuleName(int index) {
  static constexpr const char* kNames[kNumMinorTimeRules] = {
      "minor_night_work",      "minor_weekly_hours",    "minor_daily_hours",
      "minor_continuous_work", "minor_daily_rest",      "minor_weekly_rest",
      "minor_sunday_work",     "minor_public_holidays", "minor_bar_service"};
  return index >= 0 && index < kNumMinorTimeRules ? kNames[index] : "?";
}

namespace {

int BitIndex(uint16_t bit) {
  int i = 0;
  while ((bit >> i) != 1) ++i;
  return i;
}

// One judgement in progress.
class Judge {
 public:
  Judge(const OfferTime& offer, int age, bool details)
      : o_(offer),
        t_(offer.terms != nullptr ? *offer.terms : kNone),
        age_(age),
        under16_(age < 16),
        details_(details),
        weeks_(Weeks(t_.shifts)) {
    // Shifts by their start on the cycle, grouped by day.
    absl::InlinedVector<size_t, 16> order(t_.shifts.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [this](size_t a, size_t b) {
      return Begin(t_.shifts[a]) < Begin(t_.shifts[b]);
    });
    for (size_t i : order) {
      const Shift& s = t_.shifts[i];
      const int day = (s.week - 1) * 7 + s.day - 1;
      if (workdays_.empty() || workdays_.back().first != day) {
        workdays_.emplace_back();
        workdays_.back().first = day;
      }
      workdays_.back().second.push_back(i);
    }
  }

  TimeJudgement Run() {
    j_.schedule_unstated = t_.shifts.empty();
    Night();
    WeeklyHours();
    if (!t_.shifts.empty()) {
      DailyHours();
      Continuous();
      DailyRest();
      WeeklyRest();
      Sunday();
    }
    PublicHolidays();
    Bar();
    return std::move(j_);
  }

 private:
  template <typename DetailFn>
  void Fail(uint16_t bit, DetailFn&& detail) {
    j_.broken |= bit;
    if (details_) {
      j_.exclusions.push_back(TimeFinding{MinorTimeRuleName(BitIndex(bit)),
                                          std::forward<DetailFn>(detail)()});
    }
  }
  template <typename DetailFn>
  void Allow(DetailFn&& detail) {
    if (details_) j_.derogations.push_back(std::forward<DetailFn>(detail)());
  }

  std::string Who() const {
    return absl::StrFormat("a %d-year-old at the start %s", age_,
                           DayText(o_.start));
  }
  std::string Sector() const { return std::string(WorkSectorName(t_.sector)); }
  bool Site() const {  // D3162-1, for contracts from 2019-01-01
    return SiteSector(t_.sector) && t_.site_hours &&
           o_.start >= absl::CivilDay(2019, 1, 1);
  }
  std::string WhyNoSite() const {
    if (!SiteSector(t_.sector)) {
      return absl::StrFormat(
          "the sector (%s) is not a building, public works or landscaping "
          "site (D3162-1)",
          Sector());
    }
    if (!t_.site_hours) {
      return "the offer does not state that the site's collective "
             "organisation of work justifies longer hours (D3162-1)";
    }
    return "D3162-1 applies to contracts from 2019-01-01";
  }

  // Night work (L3163-1, L3163-2, R3163-1 to R3163-5).
  void Night() {
    const std::string window =
        under16_ ? "20:00-06:00 under 16" : "22:00-06:00 from 16";
    if (t_.shifts.empty()) {
      if (o_.night_work) {
        Fail(kMinorNight, [&] {
          return absl::StrFormat(
              "night work (%s, L3163-1) for %s: forbidden (L3163-2); the "
              "offer states no schedule, so no sector window (R3163-2 to "
              "R3163-4) can apply",
              window, Who());
        });
      }
      return;
    }
    const std::vector<Interval> night = NightWindows(under16_);
    std::vector<size_t> at_night;
    for (size_t i = 0; i < t_.shifts.size(); ++i) {
      if (Meets(t_.shifts[i], night)) at_night.push_back(i);
    }
    if (at_night.empty()) return;
    std::string no_derogation;
    const auto& on = t_.night_authorised_on;
    if (under16_) {
      no_derogation = "no derogation exists under 16 (L3163-2)";
    } else if (!NightSector(t_.sector)) {
      no_derogation = absl::StrFormat(
          "no derogation exists in the sector (%s): only hotels, "
          "restaurants, bakery, pastry, shows and horse racing (R3163-1)",
          Sector());
    } else if (!on) {
      no_derogation =
          "the offer states no labour inspector's authorisation (R3163-5)";
    } else if (*on > o_.start) {
      no_derogation = absl::StrFormat(
          "the inspector's authorisation of %s is after the start",
          DayText(*on));
    } else if (LastDayOf(*on, 1) < o_.start) {
      no_derogation = absl::StrFormat(
          "the inspector's authorisation of %s ended on %s (one year, "
          "R3163-5)",
          DayText(*on), DayText(LastDayOf(*on, 1)));
    }
    if (!no_derogation.empty()) {
      Fail(kMinorNight, [&] {
        return absl::StrFormat(
            "%s at night (%s, L3163-1) for %s: forbidden (L3163-2); %s",
            ShiftsWork(at_night), window, Who(), no_derogation);
      });
      return;
    }
    const SectorNight allowed = NightAllowance(t_.sector);
    std::vector<size_t> outside;
    for (size_t i : at_night) {
      if (Meets(t_.shifts[i], allowed.forbidden)) outside.push_back(i);
    }
    if (!outside.empty()) {
      Fail(kMinorNight, [&] {
        return absl::StrFormat(
            "%s at night outside what the authorisation allows in the "
            "sector (%s): %s (%s), never between 00:00 and 04:00 (L3163-2)",
            ShiftsWork(outside), Sector(), allowed.window, allowed.article);
      });
      return;
    }
    if (t_.sector == WorkSector::kHorseRacing && !HorseRacingNights()) return;
    Allow([&] {
      return absl::StrFormat(
          "night work %s for %s: sector %s (R3163-1, %s), labour inspector's "
          "authorisation of %s valid until %s (R3163-5)",
          allowed.window, Who(), Sector(), allowed.article, DayText(*on),
          DayText(LastDayOf(*on, 1)));
    });
  }

  // R3163-4: horse racing at night twice a week and 30 nights a year at
  // most (the cycle repeated over 52 weeks).
  bool HorseRacingNights() {
    std::array<int, kMaxWeeks> per_week = {};
    int total = 0;
    for (const auto& [day, list] : workdays_) {
      bool late = false;
      for (size_t i : list) late |= t_.shifts[i].end_minute > 22 * 60;
      if (late) {
        ++per_week[day / 7];
        ++total;
      }
    }
    int worst = 0;
    for (int n : per_week) worst = std::max(worst, n);
    const int per_year = (total * 52 + weeks_ - 1) / weeks_;
    if (worst <= 2 && per_year <= 30) return true;
    Fail(kMinorNight, [&] {
      return absl::StrFormat(
          "horse racing: %d night(s) past 22:00 in a week and %d a year "
          "(the %d-week cycle over 52 weeks); at most 2 and 30 (R3163-4)",
          worst, per_year, weeks_);
    });
    return false;
  }

  // L3162-1: 35 h a week; D3162-1: 40 h on sites.
  void WeeklyHours() {
    int minutes = static_cast<int>(std::lround(o_.weekly_hours * 60));
    int week = 0;
    if (!t_.shifts.empty()) {
      std::vector<int> per_week(weeks_, 0);
      for (const Shift& s : t_.shifts) per_week[s.week - 1] += Length(s);
      const auto it = std::max_element(per_week.begin(), per_week.end());
      minutes = *it;
      week = static_cast<int>(it - per_week.begin()) + 1;
    }
    if (minutes <= 35 * 60) return;
    const std::string where =
        week == 0 ? "" : absl::StrFormat(" (week %d of the schedule)", week);
    if (Site() && minutes <= 40 * 60) {
      Allow([&] {
        return absl::StrFormat(
            "%s a week%s for %s: site (%s) whose collective organisation "
            "justifies up to 40 h (L3162-1, D3162-1), with equivalent "
            "compensatory rest",
            Duration(minutes), where, Who(), Sector());
      });
      return;
    }
    Fail(kMinorWeeklyHours, [&] {
      return absl::StrFormat(
          "%s a week%s for %s; at most 35 h (L3162-1)%s", Duration(minutes),
          where, Who(),
          Site() ? ", 40 h on this site (D3162-1)"
                 : absl::StrCat("; 40 h only on a site: ", WhyNoSite()));
    });
  }

  // L3162-1: 8 h a day; D3162-1: 10 h on sites.
  void DailyHours() {
    int worst = 0, worst_day = 0;
    for (const auto& [day, list] : workdays_) {
      int sum = 0;
      for (size_t i : list) sum += Length(t_.shifts[i]);
      if (sum > worst) worst = sum, worst_day = day;
    }
    if (worst <= 8 * 60) return;
    if (Site() && worst <= 10 * 60) {
      Allow([&] {
        return absl::StrFormat(
            "%s on %s for %s: site (%s) whose collective organisation "
            "justifies up to 10 h a day (L3162-1, D3162-1), with equivalent "
            "rest",
            Duration(worst), DayLabel(worst_day), Who(), Sector());
      });
      return;
    }
    Fail(kMinorDailyHours, [&] {
      return absl::StrFormat(
          "%s of work on %s for %s; at most 8 h a day (L3162-1)%s",
          Duration(worst), DayLabel(worst_day), Who(),
          Site() ? ", 10 h on this site (D3162-1)"
                 : absl::StrCat("; 10 h only on a site: ", WhyNoSite()));
    });
  }

  // L3162-3: 4 h 30 at most without a break; over 4 h 30 a day, a break of
  // 30 consecutive minutes.
  void Continuous() {
    for (const Shift& s : t_.shifts) {
      if (Length(s) > 270) {
        Fail(kMinorContinuousWork, [&] {
          return absl::StrFormat(
              "%s is %s without a break for %s; at most 4 h 30 (L3162-3)",
              ShiftText(s), Duration(Length(s)), Who());
        });
        return;
      }
    }
    for (const auto& [day, list] : workdays_) {
      int sum = 0, longest_break = 0;
      for (size_t k = 0; k < list.size(); ++k) {
        const Shift& s = t_.shifts[list[k]];
        sum += Length(s);
        if (k > 0) {
          longest_break =
              std::max(longest_break,
                       s.start_minute - t_.shifts[list[k - 1]].end_minute);
        }
      }
      if (sum > 270 && longest_break < 30) {
        Fail(kMinorContinuousWork, [&] {
          return absl::StrFormat(
              "%s on %s with no break of 30 consecutive minutes (longest "
              "%d min) for %s; required past 4 h 30 a day (L3162-3)",
              Duration(sum), DayLabel(day), longest_break, Who());
        });
        return;
      }
    }
  }

  // L3164-1: 12 consecutive hours between two days' work, 14 under 16.
  void DailyRest() {
    const int need = under16_ ? 14 * 60 : 12 * 60;
    const int cycle = weeks_ * kWeek;
    for (auto it = workdays_.begin(); it != workdays_.end(); ++it) {
      auto next = std::next(it);
      const bool wraps = next == workdays_.end();
      if (wraps) next = workdays_.begin();
      if (next == it) return;  // one working day in the cycle
      int end = 0;
      for (size_t i : it->second) {
        end = std::max(end, Begin(t_.shifts[i]) + Length(t_.shifts[i]));
      }
      const int start =
          Begin(t_.shifts[next->second.front()]) + (wraps ? cycle : 0);
      const int rest = start - end;
      if (rest < need) {
        Fail(kMinorDailyRest, [&] {
          return absl::StrFormat(
              "%s of rest between the work of %s (ends %s) and of %s "
              "(starts %s) for %s; at least %s (L3164-1)",
              Duration(rest), DayLabel(it->first), Hm(end),
              DayLabel(next->first), Hm(start), Who(), Duration(need));
        });
        return;
      }
    }
  }

  // L3164-2: two consecutive days off each week; from 16, 36 consecutive
  // hours under an agreement (or the inspector's decision).
  void WeeklyRest() {
    const int days = weeks_ * 7;
    const int cycle = weeks_ * kWeek;
    std::array<bool, kMaxWeeks* 7> worked = {};
    for (const Shift& s : t_.shifts) {
      const int b = Begin(s);
      for (int m = b / kDay; m <= (b + Length(s) - 1) / kDay; ++m) {
        worked[m % days] = true;
      }
    }
    // Rest gaps between consecutive shifts on the cycle, by starting week.
    absl::InlinedVector<std::pair<int, int>, 16> spans;  // begin, end
    for (const Shift& s : t_.shifts) {
      spans.emplace_back(Begin(s), Begin(s) + Length(s));
    }
    std::sort(spans.begin(), spans.end());
    std::array<int, kMaxWeeks> longest_gap = {};
    for (size_t k = 0; k < spans.size(); ++k) {
      const int end = spans[k].second;
      const int next = k + 1 < spans.size() ? spans[k + 1].first
                                            : spans.front().first + cycle;
      const int week = (end % cycle) / kWeek;
      longest_gap[week] = std::max(longest_gap[week], next - end);
    }
    const bool agreement = t_.weekly_rest_agreement && !under16_;
    for (int w = 0; w < weeks_; ++w) {
      bool two_days = false;
      for (int d = w * 7; d < w * 7 + 7 && !two_days; ++d) {
        two_days = !worked[d] && !worked[(d + 1) % days];
      }
      if (two_days) continue;
      if (agreement && longest_gap[w] >= 36 * 60) {
        Allow([&] {
          return absl::StrFormat(
              "week %d of the schedule: %s of consecutive rest instead of "
              "two days for %s, under the agreement the offer states "
              "(L3164-2)",
              w + 1, Duration(longest_gap[w]), Who());
        });
        continue;
      }
      Fail(kMinorWeeklyRest, [&] {
        std::string why;
        if (t_.weekly_rest_agreement && under16_) {
          why = "; the agreement's 36 h applies only from 16 (L3164-2)";
        } else if (agreement) {
          why = absl::StrFormat(
              "; under the agreement, 36 consecutive hours: the longest is %s",
              Duration(longest_gap[w]));
        }
        return absl::StrFormat(
            "week %d of the schedule has no two consecutive days off for %s "
            "(L3164-2)%s",
            w + 1, Who(), why);
      });
      return;
    }
  }

  // L3164-5, R3164-1: Sundays for apprentices in the listed sectors;
  // L3164-7: industry running continuously.
  void Sunday() {
    std::vector<size_t> on_sunday;
    for (size_t i = 0; i < t_.shifts.size(); ++i) {
      const Shift& s = t_.shifts[i];
      if (s.day == 7 || (s.day == 6 && s.end_minute > kDay)) {
        on_sunday.push_back(i);
      }
    }
    if (on_sunday.empty()) return;
    if (t_.sector == WorkSector::kContinuousIndustry) {
      Allow([&] {
        return absl::StrFormat(
            "Sunday work for %s: industry running continuously (L3164-7), "
            "with the weekly rest of L3164-2",
            Who());
      });
      return;
    }
    const bool apprentice = o_.contract == ContractType::kApprenticeship;
    if (apprentice && SundaySector(t_.sector)) {
      Allow([&] {
        return absl::StrFormat(
            "Sunday work for %s: apprentice in a sector of R3164-1 (%s), "
            "L3164-5",
            Who(), Sector());
      });
      return;
    }
    Fail(kMinorSunday, [&] {
      return absl::StrFormat(
          "%s on Sunday for %s: a minor works on Sundays only as an "
          "apprentice in a sector of R3164-1 (L3164-5), or in industry "
          "running continuously (L3164-7); here a %s, sector %s",
          ShiftsWork(on_sunday), Who(), ContractTypeName(o_.contract),
          Sector());
    });
  }

  // L3164-6: no public holidays; L3164-8, R3164-2: in the listed sectors
  // under an agreement; L3164-7.
  void PublicHolidays() {
    if (!t_.public_holidays) return;
    if (t_.sector == WorkSector::kContinuousIndustry) {
      Allow([&] {
        return absl::StrFormat(
            "public holidays for %s: industry running continuously "
            "(L3164-7)",
            Who());
      });
      return;
    }
    if (HolidaySector(t_.sector) && t_.public_holiday_agreement) {
      Allow([&] {
        return absl::StrFormat(
            "public holidays for %s: sector of R3164-2 (%s) under the "
            "agreement the offer states (L3164-8)",
            Who(), Sector());
      });
      return;
    }
    Fail(kMinorPublicHolidays, [&] {
      return absl::StrFormat(
          "the position works on public holidays: forbidden for %s "
          "(L3164-6) except in a sector of R3164-2 under an agreement "
          "(L3164-8): %s",
          Who(),
          HolidaySector(t_.sector)
              ? std::string("the offer states no agreement")
              : absl::StrCat("sector ", Sector(), " is not listed"));
    });
  }

  // L4153-6, R4153-8: bar service.
  void Bar() {
    if (!t_.bar_service) return;
    std::string why;
    const bool training = o_.contract == ContractType::kApprenticeship ||
                          o_.contract == ContractType::kProfessionalisation;
    const auto& on = t_.bar_agrement_on;
    if (under16_) {
      why = "never under 16";
    } else if (!training) {
      why = absl::StrFormat(
          "only for minors in training (apprenticeship, "
          "professionalisation), not a %s",
          ContractTypeName(o_.contract));
    } else if (!on) {
      why = "the offer states no prefect's agrément (R4153-8)";
    } else if (*on > o_.start) {
      why = absl::StrFormat("the agrément of %s is after the start",
                            DayText(*on));
    } else if (LastDayOf(*on, 5) < o_.start) {
      why = absl::StrFormat("the agrément of %s ended on %s (five years)",
                            DayText(*on), DayText(LastDayOf(*on, 5)));
    }
    if (why.empty()) {
      Allow([&] {
        return absl::StrFormat(
            "bar service for %s in training (%s): prefect's agrément of %s "
            "valid until %s (L4153-6, R4153-8)",
            Who(), ContractTypeName(o_.contract), DayText(*on),
            DayText(LastDayOf(*on, 5)));
      });
      return;
    }
    Fail(kMinorBarService, [&] {
      return absl::StrFormat(
          "bar service in a place serving drinks for %s (L4153-6): %s", Who(),
          why);
    });
  }

  std::string DayLabel(int day) const {
    return absl::StrFormat("W%d %s", day / 7 + 1, kDays[day % 7 + 1]);
  }
  // "shift W1 MON 19:00-23:45 works", "shifts A, B work".
  std::string ShiftsWork(const std::vector<size_t>& list) const {
    return absl::StrCat(ShiftList(list), list.size() == 1 ? " works" : " work");
  }
  std::string ShiftList(const std::vector<size_t>& list) const {
    std::vector<std::string> out;
    for (size_t i : list) {
      if (out.size() == 3) {
        out.push_back(absl::StrFormat("and %d more", list.size() - 3));
        break;
      }
      out.push_back(ShiftText(t_.shifts[i]));
    }
    return absl::StrCat(list.size() == 1 ? "shift " : "shifts ",
                        absl::StrJoin(out, ", "));
  }

  static const WorkingTerms kNone;
  const OfferTime& o_;
  const WorkingTerms& t_;
  const int age_;
  const bool under16_;
  const bool details_;
  const int weeks_;
  // (cycle day, its shifts by start), by day.
  absl::InlinedVector<std::pair<int, absl::InlinedVector<size_t, 4>>, 8>
      workdays_;
  TimeJudgement j_;
};

const WorkingTerms Judge::kNone;

}  // namespace

TimeJudgement JudgeMinorTime(const OfferTime& offer, int age, bool details) {
  return Judge(offer, age, details).Run();
}

}  // namespace passerelle::engine
