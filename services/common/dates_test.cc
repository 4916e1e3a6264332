#include "services/common/dates.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace passerelle::common {
namespace {

TEST(ParseDateTest, AcceptsRealDates) {
  EXPECT_EQ(ParseDate("2008-03-15"), absl::CivilDay(2008, 3, 15));
  EXPECT_EQ(ParseDate("2024-02-29"), absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(ParseDate("2000-02-29"), absl::CivilDay(2000, 2, 29));
  EXPECT_EQ(ParseDate("1999-12-31"), absl::CivilDay(1999, 12, 31));
  EXPECT_EQ(ParseDate("0001-01-01"), absl::CivilDay(1, 1, 1));
}

TEST(ParseDateTest, RejectsEverythingElse) {
  for (const char* bad : {"",
                          "2024-13-01",
                          "2024-00-10",
                          "2024-01-00",
                          "2024-01-32",
                          "2023-02-29",
                          "1900-02-29",
                          "2024-04-31",
                          "2024-06-31",
                          "2024-1-01",
                          "2024-01-1",
                          "24-01-01",
                          "02024-01-01",
                          "2024/01/01",
                          "2024-01-01 ",
                          " 2024-01-01",
                          "2024-01-01T00:00",
                          "+024-01-01",
                          "-024-01-01",
                          "2024-0a-01",
                          "0000-01-01",
                          "15/03/2008",
                          "2024-01-0\xC2\xB9"}) {
    EXPECT_FALSE(ParseDate(bad).has_value()) << bad;
  }
}

TEST(ParseDateFieldTest, ErrorNamesTheField) {
  auto day = ParseDateField("2024-13-01", "graduate.birth_date");
  ASSERT_FALSE(day.ok());
  EXPECT_EQ(day.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(day.status().message(),
            "graduate.birth_date: must be a date YYYY-MM-DD, got "
            "\"2024-13-01\"");
  EXPECT_EQ(*ParseDateField("2024-12-01", "x"), absl::CivilDay(2024, 12, 1));
}

TEST(FormatDateTest, ZeroPads) {
  EXPECT_EQ(FormatDate(absl::CivilDay(2026, 3, 5)), "2026-03-05");
  EXPECT_EQ(FormatDate(absl::CivilDay(987, 12, 31)), "0987-12-31");
  for (const char* s : {"2024-02-29", "1999-01-01", "2030-10-10"}) {
    EXPECT_EQ(FormatDate(*ParseDate(s)), s);
  }
}

TEST(AgeAtTest, BirthdayIsTheDayOfTheNewAge) {
  const absl::CivilDay birth(2008, 3, 15);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2026, 3, 14)), 17);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2026, 3, 15)), 18);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2026, 12, 31)), 18);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2027, 3, 14)), 18);
  EXPECT_EQ(AgeAt(birth, birth), 0);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2008, 3, 14)), -1);
}

TEST(AgeAtTest, LeapDayBirthdaysFallOnMarchFirst) {
  const absl::CivilDay birth(2008, 2, 29);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2025, 2, 28)), 16);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2025, 3, 1)), 17);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2026, 2, 28)), 17);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2026, 3, 1)), 18);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2028, 2, 28)), 19);
  EXPECT_EQ(AgeAt(birth, absl::CivilDay(2028, 2, 29)), 20);
  EXPECT_EQ(NthBirthday(birth, 18), absl::CivilDay(2026, 3, 1));
  EXPECT_EQ(NthBirthday(birth, 20), absl::CivilDay(2028, 2, 29));
  EXPECT_EQ(NthBirthday(absl::CivilDay(2010, 12, 31), 16),
            absl::CivilDay(2026, 12, 31));
}

TEST(TodayTest, ParisDay) {
  // 2024-06-30 22:30 UTC is already 1 July in Paris (UTC+2 in summer);
  // 2024-01-15 23:30 UTC is 16 January (UTC+1).
  const absl::Time summer = absl::FromCivil(
      absl::CivilSecond(2024, 6, 30, 22, 30, 0), absl::UTCTimeZone());
  const absl::Time winter = absl::FromCivil(
      absl::CivilSecond(2024, 1, 15, 23, 30, 0), absl::UTCTimeZone());
  if (ParisTimeZone().name() == "UTC") {
    GTEST_SKIP() << "no tzdata: Europe/Paris falls back to UTC";
  }
  EXPECT_EQ(DayInParis(summer), absl::CivilDay(2024, 7, 1));
  EXPECT_EQ(DayInParis(winter), absl::CivilDay(2024, 1, 16));
  const absl::CivilDay today = TodayInParis();
  const absl::CivilDay utc_today =
      absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  EXPECT_LE(today - utc_today, 1);
  EXPECT_GE(today - utc_today, 0);
}

}  // namespace
}  // namespace passerelle::common
