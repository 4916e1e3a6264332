#pragma once

// Calendar dates as the API writes them ("YYYY-MM-DD"), ages, and "today"
// in France.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace passerelle::common {

// Parses "YYYY-MM-DD" strictly: exactly 10 characters, a 4-digit year
// (0001..9999), zero-padded 2-digit month and day, '-' separators, and a
// real calendar date (2023-02-29 and 2024-04-31 are rejected; 2024-02-29 is
// accepted). No surrounding whitespace, no sign, no time part. Returns
// nullopt when `text` is not such a date.
std::optional<absl::CivilDay> ParseDate(absl::string_view text);

// Same as ParseDate(), for request fields: on failure returns
// INVALID_ARGUMENT with the message
//   <field>: must be a date YYYY-MM-DD, got "<text>"
absl::StatusOr<absl::CivilDay> ParseDateField(absl::string_view text,
                                              absl::string_view field);

// Formats a day as "YYYY-MM-DD" (the year zero-padded to 4 digits).
// ParseDate(FormatDate(d)) == d for years 1..9999.
std::string FormatDate(absl::CivilDay day);

// The day on which someone born on `birth` turns `years` years old. Someone
// born on 29 February has their birthday on 1 March in non-leap years
// (the convention of French civil law for ages).
absl::CivilDay NthBirthday(absl::CivilDay birth, int years);

// Age in whole years on day `on` of someone born on `birth`: the largest n
// with NthBirthday(birth, n) <= on. Born 2008-03-15: 17 on 2026-03-14, 18
// on 2026-03-15. Born 2008-02-29: 17 on 2025-02-28, 18 on 2026-03-01 (not
// yet on 2026-02-28). Negative when `on` is before `birth`.
int AgeAt(absl::CivilDay birth, absl::CivilDay on);

// The Europe/Paris time zone. If the zone cannot be loaded (no tzdata on
// the machine: install the Debian package `tzdata`, or set TZDIR), falls
// back to UTC and logs a warning once; days near midnight may then be
// off by one (Paris is UTC+1 or UTC+2).
absl::TimeZone ParisTimeZone();

// The calendar day in Paris at instant `t` (see ParisTimeZone()).
absl::CivilDay DayInParis(absl::Time t);

// Today in Paris: DayInParis(absl::Now()).
absl::CivilDay TodayInParis();

}  // namespace passerelle::common
