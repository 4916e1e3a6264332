#pragma once

// The working time of young workers (under 18 at the contract's start):
// the offer's schedule, sector, bar service and derogations judged against
// the Code du travail. Plain functions over types.h, used by the engine for
// each minor (per age band: under 16, 16-17) and by the services to check
// and read schedules. docs/law/working-time-minors.md has the research
// behind each reading; services/matching/engine/README.md the rule table.
//
// Readings (each rule's article is on its code in working_time.cc):
// - A shift is uninterrupted work; its day is the day it starts. Intervals
//   are half-open: a shift ending at 22:00 is not night work, one ending at
//   22:01 is.
// - The schedule's weeks repeat as a cycle, the last week followed by the
//   first: rest at the end of the cycle continues into its start.
// - A week's rest (two consecutive free calendar days, or 36 h under an
//   agreement) counts for the week in which it begins (Sunday and the next
//   Monday count for the week of the Sunday).
// - A shift crossing midnight makes the next calendar day a worked day.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "services/matching/engine/types.h"

namespace passerelle::engine {

// "[W<n> ]<day> HH:MM-HH:MM": week W1..W4 (or S1..S4; W1 when omitted), day
// MON..SUN or LUN..DIM (any case), start 00:00..23:59, end 00:00..24:00; an
// end at or before the start is on the next day. INVALID_ARGUMENT saying
// what is wrong (without a field name: the caller adds it).
absl::StatusOr<Shift> ParseShift(absl::string_view text);

// "W1 MON 08:00-12:00" (the normal form ParseShift reads back).
std::string ShiftText(const Shift& shift);

// Shifts in range and not overlapping (on the cyclic timeline), at most
// kMaxShifts; names the shift (e.g. "shifts[3]").
inline constexpr int kMaxShifts = 112;
absl::Status ValidateShifts(const std::vector<Shift>& shifts);

// The cycle's average weekly work in hours (0 without shifts).
double AverageWeeklyHours(const std::vector<Shift>& shifts);
// Whether any shift works between 22:00 and 06:00 (the adult-neutral
// "night work" flag of the API; the engine applies each age's window).
bool HasNightWork(const std::vector<Shift>& shifts);

// The time rules, as bits in rules.h order.
enum MinorTimeRule : uint16_t {
  kMinorNight = 1 << 0,
  kMinorWeeklyHours = 1 << 1,
  kMinorDailyHours = 1 << 2,
  kMinorContinuousWork = 1 << 3,
  kMinorDailyRest = 1 << 4,
  kMinorWeeklyRest = 1 << 5,
  kMinorSunday = 1 << 6,
  kMinorPublicHolidays = 1 << 7,
  kMinorBarService = 1 << 8,
};
inline constexpr int kNumMinorTimeRules = 9;
// The rules.h name of bit `index` (0..kNumMinorTimeRules-1).
const char* MinorTimeRuleName(int index);

// The facts of an offer the time rules read.
struct OfferTime {
  ContractType contract = ContractType::kCdi;
  absl::CivilDay start;
  double weekly_hours = 0;
  bool night_work = false;              // read only without shifts
  const WorkingTerms* terms = nullptr;  // nullptr: none stated
};

struct TimeFinding {
  const char* rule;  // rules.h
  std::string detail;
};

struct TimeJudgement {
  uint16_t broken = 0;  // MinorTimeRule bits
  // With details: one per broken rule, in rules.h order, with the values
  // and the article.
  std::vector<TimeFinding> exclusions;
  // With details: each derogation that lifted a rule, with its basis.
  std::vector<std::string> derogations;
  bool schedule_unstated = false;  // no shifts: only hours and flag checked
};

// The rules for a worker aged `age` (under 18) at the offer's start.
// `details`: fill the texts (Explain), else only the bits (ranking).
TimeJudgement JudgeMinorTime(const OfferTime& offer, int age, bool details);

}  // namespace passerelle::engine
