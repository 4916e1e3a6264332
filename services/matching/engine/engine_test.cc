// Mutations, lookups, filters, validation and concurrency of the engine.

#include "services/matching/engine/engine.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matching/engine/test_util.h"

namespace passerelle::engine {
namespace {

using testing::BaseGraduate;
using testing::BaseOffer;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::kToday;
using testing::MakeEngine;
using testing::Query;

std::vector<std::string> OfferIds(const Engine& engine,
                                  const std::string& graduate,
                                  RankQuery query = Query()) {
  auto ranked = engine.RankOffers(graduate, query);
  EXPECT_TRUE(ranked.ok()) << ranked.status();
  std::vector<std::string> ids;
  for (const auto& r : *ranked) ids.push_back(r.offer_id);
  auto brute = engine.RankOffersBruteForce(graduate, query);
  EXPECT_TRUE(brute.ok());
  std::vector<std::string> brute_ids;
  for (const auto& r : *brute) brute_ids.push_back(r.offer_id);
  EXPECT_EQ(ids, brute_ids) << "index and brute force disagree";
  return ids;
}

std::vector<std::string> GraduateIds(const Engine& engine,
                                     const std::string& offer) {
  auto ranked = engine.RankGraduates(offer, Query());
  EXPECT_TRUE(ranked.ok()) << ranked.status();
  std::vector<std::string> ids;
  for (const auto& r : *ranked) ids.push_back(r.graduate_id);
  return ids;
}

TEST(EngineTest, UpsertMovesAnOfferBetweenBuckets) {
  auto engine = MakeEngine();
  ASSERT_TRUE(engine->UpsertGraduate(BaseGraduate()).ok());
  Offer o = BaseOffer();
  ASSERT_TRUE(engine->UpsertOffer(o).ok());
  EXPECT_THAT(OfferIds(*engine, "g1"), ElementsAre("o1"));

  // Another trade: leaves the H2903 bucket.
  o.rome_code = "K1201";
  ASSERT_TRUE(engine->UpsertOffer(o).ok());
  EXPECT_THAT(OfferIds(*engine, "g1"), IsEmpty());
  EXPECT_THAT(GraduateIds(*engine, "o1"), IsEmpty());
  EXPECT_EQ(engine->offer_count(), 1u);

  // Back to the trade, but in Paris: another cell, out of reach.
  o.rome_code = "H2903";
  o.latitude = 48.8566;
  o.longitude = 2.3522;
  ASSERT_TRUE(engine->UpsertOffer(o).ok());
  EXPECT_THAT(OfferIds(*engine, "g1"), IsEmpty());

  // A graduate in Paris finds it there.
  Graduate paris = BaseGraduate();
  paris.id = "g2";
  paris.latitude = 48.86;
  paris.longitude = 2.35;
  ASSERT_TRUE(engine->UpsertGraduate(paris).ok());
  EXPECT_THAT(OfferIds(*engine, "g2"), ElementsAre("o1"));
  EXPECT_THAT(GraduateIds(*engine, "o1"), ElementsAre("g2"));

  // Back to Roubaix.
  ASSERT_TRUE(engine->UpsertOffer(BaseOffer()).ok());
  EXPECT_THAT(OfferIds(*engine, "g1"), ElementsAre("o1"));
  EXPECT_THAT(OfferIds(*engine, "g2"), IsEmpty());
  EXPECT_THAT(GraduateIds(*engine, "o1"), ElementsAre("g1"));
}

TEST(EngineTest, RemoveMakesItDisappear) {
  auto engine = MakeEngine();
  ASSERT_TRUE(engine->UpsertGraduate(BaseGraduate()).ok());
  Offer a = BaseOffer();
  Offer b = BaseOffer();
  b.id = "o2";
  ASSERT_TRUE(engine->UpsertOffer(a).ok());
  ASSERT_TRUE(engine->UpsertOffer(b).ok());
  EXPECT_THAT(OfferIds(*engine, "g1"), ElementsAre("o1", "o2"));  // tie: id
  EXPECT_TRUE(engine->RemoveOffer("o1"));
  EXPECT_FALSE(engine->RemoveOffer("o1"));
  EXPECT_THAT(OfferIds(*engine, "g1"), ElementsAre("o2"));
  EXPECT_EQ(engine->RankGraduates("o1", Query()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(engine->offer_count(), 1u);

  // The freed slot is reused by the next offer; nothing leaks across.
  Offer c = BaseOffer();
  c.id = "o3";
  c.rome_code = "H2902";
  ASSERT_TRUE(engine->UpsertOffer(c).ok());
  EXPECT_THAT(OfferIds(*engine, "g1"), ElementsAre("o2", "o3"));

  EXPECT_TRUE(engine->RemoveGraduate("g1"));
  EXPECT_FALSE(engine->RemoveGraduate("g1"));
  EXPECT_EQ(engine->RankOffers("g1", Query()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(GraduateIds(*engine, "o2"), IsEmpty());
}

TEST(EngineTest, GraduateUpsertChangesTradesAndRadius) {
  auto engine = MakeEngine();
  Graduate g = BaseGraduate();
  ASSERT_TRUE(engine->UpsertGraduate(g).ok());
  ASSERT_TRUE(engine->UpsertOffer(BaseOffer()).ok());
  EXPECT_THAT(GraduateIds(*engine, "o1"), ElementsAre("g1"));
  g.max_distance_km = 5;  // Roubaix is ~11 km away
  ASSERT_TRUE(engine->UpsertGraduate(g).ok());
  EXPECT_THAT(GraduateIds(*engine, "o1"), IsEmpty());
  g.max_distance_km = 500;
  ASSERT_TRUE(engine->UpsertGraduate(g).ok());
  EXPECT_THAT(GraduateIds(*engine, "o1"), ElementsAre("g1"));
  g.rome_codes = {"K1201"};
  ASSERT_TRUE(engine->UpsertGraduate(g).ok());
  EXPECT_THAT(GraduateIds(*engine, "o1"), IsEmpty());
  EXPECT_EQ(engine->graduate_count(), 1u);
}

TEST(EngineTest, FiltersAndK) {
  auto engine = MakeEngine();
  ASSERT_TRUE(engine->UpsertGraduate(BaseGraduate()).ok());
  Offer a = BaseOffer();
  Offer b = BaseOffer();
  b.id = "o2";
  b.contract_type = ContractType::kCdi;
  b.rome_code = "H2902";
  ASSERT_TRUE(engine->UpsertOffer(a).ok());
  ASSERT_TRUE(engine->UpsertOffer(b).ok());
  RankQuery q = Query();
  q.contract_types = {ContractType::kCdi};
  EXPECT_THAT(OfferIds(*engine, "g1", q), ElementsAre("o2"));
  q = Query();
  q.rome_codes = {"H2903"};
  EXPECT_THAT(OfferIds(*engine, "g1", q), ElementsAre("o1"));
  q.rome_codes = {"Z9999"};
  EXPECT_THAT(OfferIds(*engine, "g1", q), IsEmpty());
  EXPECT_THAT(OfferIds(*engine, "g1", Query(1)), ::testing::SizeIs(1));
  EXPECT_THAT(OfferIds(*engine, "g1", Query(0)), IsEmpty());
  EXPECT_EQ(engine->RankOffers("g1", Query(-1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EngineTest, ValidationRejectsAndStoresNothing) {
  auto engine = MakeEngine();
  Offer o = BaseOffer();
  o.latitude = 91;
  auto status = engine->UpsertOffer(o);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              ::testing::HasSubstr("offer.latitude"));
  o = BaseOffer();
  o.id.clear();
  EXPECT_EQ(engine->UpsertOffer(o).code(), absl::StatusCode::kInvalidArgument);
  o = BaseOffer();
  o.weekly_hours = std::nan("");
  EXPECT_EQ(engine->UpsertOffer(o).code(), absl::StatusCode::kInvalidArgument);
  Graduate g = BaseGraduate();
  g.max_distance_km = -1;
  EXPECT_EQ(engine->UpsertGraduate(g).code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<Offer> batch = {BaseOffer(), BaseOffer()};
  batch[1].id = "o2";
  batch[1].required_level = 12;
  status = engine->UpsertOffers(batch);
  EXPECT_THAT(std::string(status.message()),
              ::testing::HasSubstr("offers[1]: offer.required_level"));
  EXPECT_EQ(engine->offer_count(), 0u);
  EXPECT_EQ(engine->graduate_count(), 0u);
}

TEST(EngineTest, UnknownCodesAreInternedAndMatchExactly) {
  auto engine = MakeEngine();
  Graduate g = BaseGraduate();
  g.rome_codes = {"X0001"};  // not in the referential
  Offer o = BaseOffer();
  o.rome_code = "X0001";
  ASSERT_TRUE(engine->UpsertGraduate(g).ok());
  ASSERT_TRUE(engine->UpsertOffer(o).ok());
  EXPECT_THAT(OfferIds(*engine, "g1"), ElementsAre("o1"));
  EXPECT_THAT(GraduateIds(*engine, "o1"), ElementsAre("g1"));
}

TEST(EngineTest, SkillPoolSurvivesManyRewrites) {
  auto engine = MakeEngine();
  ASSERT_TRUE(engine->UpsertGraduate(BaseGraduate()).ok());
  // Enough rewrites with growing skill lists to trigger compaction.
  for (int round = 0; round < 300; ++round) {
    for (int i = 0; i < 20; ++i) {
      Offer o = BaseOffer();
      o.id = "o" + std::to_string(i);
      o.required_skills.clear();
      for (int s = 0; s <= (round + i) % 40; ++s) {
        o.required_skills.push_back("skill" + std::to_string(s));
      }
      if (i == 7) o.required_skills.push_back("tournage");
      ASSERT_TRUE(engine->UpsertOffer(o).ok());
    }
  }
  auto explanation = engine->Explain("g1", "o7", kToday);
  ASSERT_TRUE(explanation.ok());
  // Round 299, offer 7: skill0..skill26 plus "tournage".
  EXPECT_THAT(explanation->factors[0].detail,
              ::testing::HasSubstr("required 1/28 held"));
  EXPECT_EQ(OfferIds(*engine, "g1").size(), 20u);
}

TEST(EngineTest, MemoryReport) {
  auto engine = MakeEngine();
  ASSERT_TRUE(engine->UpsertGraduate(BaseGraduate()).ok());
  for (int i = 0; i < 1000; ++i) {
    Offer o = BaseOffer();
    o.id = "o" + std::to_string(i);
    o.latitude += (i % 37) * 0.01;
    ASSERT_TRUE(engine->UpsertOffer(o).ok());
  }
  const MemoryStats m = engine->Memory();
  EXPECT_EQ(m.offers, 1000u);
  EXPECT_EQ(m.graduates, 1u);
  EXPECT_GE(m.offer_records, 1000 * 64u);
  EXPECT_GT(m.offer_index, 0u);
  EXPECT_GT(m.bytes_per_offer, 64);
  EXPECT_LT(m.bytes_per_offer, 400);
  EXPECT_GT(m.total, m.offer_records);
}

TEST(EngineTest, RankingConcurrentWithUpdates) {
  auto engine = MakeEngine();
  ASSERT_TRUE(engine->UpsertGraduate(BaseGraduate()).ok());
  ASSERT_TRUE(engine->UpsertOffer(BaseOffer()).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> ranks{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto r = engine->RankOffers("g1", Query());
        ASSERT_TRUE(r.ok());
        // o1 never moves out of reach; others come and go.
        ASSERT_FALSE(r->empty());
        auto back = engine->RankGraduates("o1", Query());
        ASSERT_TRUE(back.ok());
        ++ranks;
      }
    });
  }
  // Keep writing until the readers have ranked a fair number of times
  // alongside (no sleeps: progress of both sides is the condition).
  for (int i = 0; i < 2000 || ranks.load() < 200; ++i) {
    Offer o = BaseOffer();
    o.id = "x" + std::to_string(i % 50);
    o.latitude += (i % 7) * 0.05;
    o.rome_code = (i % 3 == 0) ? "K1201" : "H2903";
    ASSERT_TRUE(engine->UpsertOffer(o).ok());
    if (i % 5 == 0) engine->RemoveOffer("x" + std::to_string((i + 1) % 50));
    Graduate g = BaseGraduate();
    g.id = "gx" + std::to_string(i % 20);
    g.max_distance_km = 5 + i % 100;
    ASSERT_TRUE(engine->UpsertGraduate(g).ok());
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_GE(ranks.load(), 200);
}

}  // namespace
}  // namespace passerelle::engine
