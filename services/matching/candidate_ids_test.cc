// Candidate ids: stable per (graduate, offer), different across offers,
// refused on another offer, forged or damaged, and opaque.

#include "services/matching/candidate_ids.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::matching {
namespace {

constexpr char kKey[] = "psl_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
constexpr char kGraduate[] = "grd_661fb9121e1a98025c41";

TEST(CandidateIdsTest, RoundTripsForItsOfferOnly) {
  const CandidateIds ids(kKey);
  const std::string id = ids.Encode("off_a", kGraduate);
  EXPECT_THAT(id, ::testing::StartsWith("cnd_"));
  EXPECT_EQ(ids.Encode("off_a", kGraduate), id);  // stable
  absl::StatusOr<std::string> back = ids.Decode("off_a", id);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, kGraduate);
  // The same graduate on another offer: another id, and this one refused.
  EXPECT_NE(ids.Encode("off_b", kGraduate), id);
  absl::StatusOr<std::string> elsewhere = ids.Decode("off_b", id);
  EXPECT_EQ(elsewhere.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(elsewhere.status().message(),
            "candidate " + id + " not found for offer off_b");
}

TEST(CandidateIdsTest, RevealsNothingOfTheGraduateId) {
  const CandidateIds ids(kKey);
  const std::string id = ids.Encode("off_a", kGraduate);
  EXPECT_FALSE(absl::StrContains(id, "661fb9121e1a9"));  // the clock part
  // Graduates made one after the other share no visible prefix.
  const std::string next = ids.Encode("off_a", "grd_661fb9121e1a98025c42");
  EXPECT_NE(id.substr(0, 12), next.substr(0, 12));
}

TEST(CandidateIdsTest, RefusesForgedDamagedAndForeignIds) {
  const CandidateIds ids(kKey);
  const std::string id = ids.Encode("off_a", kGraduate);
  std::vector<std::string> bad = {
      "",         "cnd_", "cnd_!!!!", kGraduate, id.substr(0, id.size() - 2),
      id + "AAAA"};
  for (size_t i = 4; i < id.size(); i += 7) {
    std::string flipped = id;
    flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
    bad.push_back(flipped);
  }
  // Made with another key.
  bad.push_back(CandidateIds("another key of at least thirty-two bytes!")
                    .Encode("off_a", kGraduate));
  for (const std::string& candidate : bad) {
    EXPECT_EQ(ids.Decode("off_a", candidate).status().code(),
              absl::StatusCode::kNotFound)
        << candidate;
  }
}

}  // namespace
}  // namespace passerelle::matching
