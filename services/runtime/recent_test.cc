#include "services/runtime/recent.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "passerelle/v1/offer.pb.h"

namespace passerelle::runtime {
namespace {

std::shared_ptr<const v1::Offer> Offer(const std::string& id, int64_t version) {
  auto offer = std::make_shared<v1::Offer>();
  offer->set_id(id);
  offer->set_version(version);
  return offer;
}

TEST(RecentRecordsTest, TakesARecordOnceAndOnlyAtItsVersion) {
  RecentRecords<v1::Offer> recent(10);
  recent.Add(1, Offer("a", 1));
  EXPECT_EQ(recent.Take("a", 2), nullptr);  // another version: read it back
  EXPECT_EQ(recent.Take("b", 1), nullptr);
  std::shared_ptr<const v1::Offer> a = recent.Take("a", 1);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->id(), "a");
  EXPECT_EQ(recent.Take("a", 1), nullptr);  // taken
}

TEST(RecentRecordsTest, KeepsTheLatestVersionOfAnId) {
  RecentRecords<v1::Offer> recent(10);
  recent.Add(1, Offer("a", 1));
  recent.Add(2, Offer("a", 2));
  EXPECT_EQ(recent.Take("a", 1), nullptr);
  EXPECT_NE(recent.Take("a", 2), nullptr);
}

TEST(RecentRecordsTest, ForgetsWhatTheFollowerHasApplied) {
  RecentRecords<v1::Offer> recent(10);
  recent.Add(1, Offer("a", 1));
  recent.Add(2, Offer("b", 1));
  recent.Add(3, Offer("a", 2));
  recent.ForgetThrough(2);
  EXPECT_EQ(recent.Take("b", 1), nullptr);
  EXPECT_NE(recent.Take("a", 2), nullptr);  // its sequence 3 is not applied
  // Published after the follower went past it: never wanted, not kept.
  recent.Add(2, Offer("c", 1));
  EXPECT_EQ(recent.size(), 0u);
}

TEST(RecentRecordsTest, DropsWhatExceedsItsCapacity) {
  RecentRecords<v1::Offer> recent(2);
  recent.Add(1, Offer("a", 1));
  recent.Add(2, Offer("b", 1));
  recent.Add(3, Offer("c", 1));
  EXPECT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent.Take("c", 1), nullptr);
  recent.ForgetThrough(2);
  recent.Add(4, Offer("d", 1));
  EXPECT_NE(recent.Take("d", 1), nullptr);
}

}  // namespace
}  // namespace passerelle::runtime
