#include "services/organizations/throttle.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::organizations {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1800000000);

SignInThrottle::Options Small() {
  SignInThrottle::Options options;
  options.account_failures = 3;
  options.address_failures = 5;
  options.first_delay = absl::Seconds(10);
  options.max_delay = absl::Seconds(35);
  options.memory = absl::Hours(1);
  return options;
}

TEST(SignInThrottleTest, AnAccountWaitsAfterItsFailuresForADoublingDelay) {
  SignInThrottle throttle(Small());
  absl::Time now = kStart;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(throttle.Check("a@x.fr", "ip1", now).ok());
    throttle.Failed("a@x.fr", "ip1", now);
  }
  EXPECT_TRUE(throttle.Check("a@x.fr", "ip1", now).ok());
  throttle.Failed("a@x.fr", "ip1", now);  // the third: 10 s
  absl::Status refused = throttle.Check("a@x.fr", "ip1", now);
  EXPECT_TRUE(absl::IsResourceExhausted(refused));
  EXPECT_THAT(refused.message(), HasSubstr("account"));
  EXPECT_THAT(refused.message(), HasSubstr("10 s"));
  EXPECT_TRUE(throttle.Check("b@x.fr", "ip2", now).ok());
  now += absl::Seconds(10);
  EXPECT_TRUE(throttle.Check("a@x.fr", "ip2", now).ok());
  throttle.Failed("a@x.fr", "ip2", now);  // the fourth: 20 s
  EXPECT_FALSE(throttle.Check("a@x.fr", "ip2", now + absl::Seconds(19)).ok());
  EXPECT_TRUE(throttle.Check("a@x.fr", "ip2", now + absl::Seconds(20)).ok());
  now += absl::Seconds(20);
  throttle.Failed("a@x.fr", "ip2", now);  // the fifth: 40 s, capped at 35
  EXPECT_FALSE(throttle.Check("a@x.fr", "ip2", now + absl::Seconds(34)).ok());
  EXPECT_TRUE(throttle.Check("a@x.fr", "ip2", now + absl::Seconds(35)).ok());
}

TEST(SignInThrottleTest, SuccessClearsTheAccountNotTheAddress) {
  SignInThrottle throttle(Small());
  for (int i = 0; i < 4; ++i) {
    throttle.Failed(absl::StrCat("user", i, "@x.fr"), "ip1", kStart);
  }
  throttle.Failed("a@x.fr", "ip1", kStart);
  throttle.Failed("a@x.fr", "ip1", kStart);
  throttle.Succeeded("a@x.fr");
  // The address has 6 failures now: it waits, whatever the account.
  absl::Status refused = throttle.Check("c@x.fr", "ip1", kStart);
  EXPECT_TRUE(absl::IsResourceExhausted(refused));
  EXPECT_THAT(refused.message(), HasSubstr("address"));
  // The account's two failures were forgotten: one more is not three.
  throttle.Failed("a@x.fr", "ip2", kStart);
  EXPECT_TRUE(throttle.Check("a@x.fr", "ip2", kStart).ok());
}

TEST(SignInThrottleTest, OldFailuresAreForgotten) {
  SignInThrottle throttle(Small());
  throttle.Failed("a@x.fr", "ip1", kStart);
  throttle.Failed("a@x.fr", "ip1", kStart);
  const absl::Time later = kStart + absl::Hours(2);
  throttle.Failed("a@x.fr", "ip1", later);
  EXPECT_TRUE(throttle.Check("a@x.fr", "ip1", later).ok());
}

TEST(SignInThrottleTest, AFullMapKeepsTheEntriesThatWait) {
  SignInThrottle::Options options = Small();
  options.max_entries = 10;
  SignInThrottle throttle(options);
  for (int i = 0; i < 3; ++i) throttle.Failed("victim@x.fr", "ip0", kStart);
  for (int i = 0; i < 100; ++i) {
    throttle.Failed(absl::StrCat("flood", i, "@x.fr"), absl::StrCat("ip", i),
                    kStart);
  }
  EXPECT_FALSE(throttle.Check("victim@x.fr", "other", kStart).ok());
}

}  // namespace
}  // namespace passerelle::organizations
