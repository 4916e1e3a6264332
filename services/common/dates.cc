#include "services/common/dates.h"

#include <glog/logging.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/text.h"

namespace passerelle::common {
namespace {

bool IsLeapYear(absl::civil_year_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(absl::civil_year_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

bool Digits(absl::string_view s, int* value) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = v;
  return true;
}

}  // namespace

std::optional<absl::CivilDay> ParseDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  int y, m, d;
  if (!Digits(text.substr(0, 4), &y) || !Digits(text.substr(5, 2), &m) ||
      !Digits(text.substr(8, 2), &d)) {
    return std::nullopt;
  }
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) {
    return std::nullopt;
  }
  return absl::CivilDay(y, m, d);
}

absl::StatusOr<absl::CivilDay> ParseDateField(absl::string_view text,
                                              absl::string_view field) {
  std::optional<absl::CivilDay> day = ParseDate(text);
  if (!day.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must be a date YYYY-MM-DD, got ", QuoteForError(text)));
  }
  return *day;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::CivilDay NthBirthday(absl::CivilDay birth, int years) {
  const absl::civil_year_t y = birth.year() + years;
  if (birth.month() == 2 && birth.day() == 29 && !IsLeapYear(y)) {
    return absl::CivilDay(y, 3, 1);
  }
  return absl::CivilDay(y, birth.month(), birth.day());
}

int AgeAt(absl::CivilDay birth, absl::CivilDay on) {
  int years = static_cast<int>(on.year() - birth.year());
  if (on < NthBirthday(birth, years)) --years;
  return years;
}

absl::TimeZone ParisTimeZone() {
  static const absl::TimeZone* const kZone = [] {
    auto* zone = new absl::TimeZone;
    if (!absl::LoadTimeZone("Europe/Paris", zone)) {
      LOG(WARNING) << "Cannot load time zone Europe/Paris (is tzdata "
                      "installed?); using UTC for today's date";
      *zone = absl::UTCTimeZone();
    }
    return zone;
  }();
  return *kZone;
}

absl::CivilDay DayInParis(absl::Time t) {
  return absl::ToCivilDay(t, ParisTimeZone());
}

absl::CivilDay TodayInParis() { return DayInParis(absl::Now()); }

}  // namespace passerelle::common
