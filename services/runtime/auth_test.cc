#include "services/runtime/auth.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::runtime {
namespace {

using ::testing::MatchesRegex;

TEST(NewIdTest, PrefixThenTwentyHexCharacters) {
  EXPECT_THAT(NewId("off"), MatchesRegex("off_[0-9a-f]{20}"));
  EXPECT_THAT(NewId("grd"), MatchesRegex("grd_[0-9a-f]{20}"));
}

// The store appends ids made one after the other: they must sort in the
// order they were made, even within one microsecond.
TEST(NewIdTest, IdsMadeInSequenceSortInThatOrder) {
  std::string previous = NewId("off");
  for (int i = 0; i < 100000; ++i) {
    std::string id = NewId("off");
    ASSERT_LT(previous, id);
    previous = std::move(id);
  }
}

TEST(NewIdTest, ThreadsNeverGetTheSameId) {
  constexpr int kThreads = 4, kPerThread = 50000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(NewId("grd"));
    });
  }
  for (std::thread& t : threads) t.join();
  absl::flat_hash_set<std::string> seen;
  for (const auto& list : ids) {
    for (const std::string& id : list) ASSERT_TRUE(seen.insert(id).second);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(TokenTest, TokensAreDistinctAndOnlyTheirHashIsKept) {
  const std::string a = NewToken(), b = NewToken();
  EXPECT_THAT(a, MatchesRegex("psl_[A-Za-z0-9_-]{43}"));
  EXPECT_NE(a, b);
  EXPECT_EQ(HashToken(a).size(), 32u);
  EXPECT_EQ(HashToken(a), HashToken(a));
  EXPECT_NE(HashToken(a), HashToken(b));
}

TEST(ClientAddressTest, IsThePeersHostWithoutThePort) {
  EXPECT_EQ(ClientAddress("ipv4:192.0.2.10:53412", ""), "192.0.2.10");
  EXPECT_EQ(ClientAddress("ipv6:[2001:db8::1]:53412", ""), "2001:db8::1");
  EXPECT_EQ(ClientAddress("ipv6:%5B2001:db8::1%5D:53412", ""), "2001:db8::1");
  EXPECT_EQ(ClientAddress("ipv4:127.0.0.1:4000", ""), "127.0.0.1");
}

// A remote client must not choose the address it is throttled under.
TEST(ClientAddressTest, ForwardedForIsBelievedFromThisMachineOnly) {
  EXPECT_EQ(ClientAddress("ipv4:192.0.2.10:53412", "203.0.113.7"),
            "192.0.2.10");
  EXPECT_EQ(ClientAddress("ipv6:[2001:db8::1]:1", "203.0.113.7"),
            "2001:db8::1");
  EXPECT_EQ(ClientAddress("ipv4:127.0.0.1:4000", "203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(ClientAddress("ipv6:[::1]:4000", "203.0.113.7"), "203.0.113.7");
  // The in-process channel of the HTTP gateway.
  EXPECT_EQ(ClientAddress("inproc", "203.0.113.7"), "203.0.113.7");
  // The last hop is the one our gateway added; earlier ones are the
  // client's own claims.
  EXPECT_EQ(ClientAddress("ipv4:127.0.0.1:4000", "10.1.1.1, 203.0.113.7"),
            "203.0.113.7");
}

TEST(UnauthenticatedMethodsTest, AreExactlyAcceptInvitationAndSignIn) {
  EXPECT_TRUE(IsUnauthenticatedMethod(
      "/passerelle.v1.OrganizationService/AcceptInvitation"));
  EXPECT_TRUE(
      IsUnauthenticatedMethod("/passerelle.v1.OrganizationService/SignIn"));
  EXPECT_FALSE(
      IsUnauthenticatedMethod("/passerelle.v1.OrganizationService/SignOut"));
  EXPECT_FALSE(
      IsUnauthenticatedMethod("/passerelle.v1.OrganizationService/WhoAmI"));
}

}  // namespace
}  // namespace passerelle::runtime
