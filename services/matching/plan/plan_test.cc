// The placement plan on random markets, checked by a brute-force stability
// checker written here from the definitions (not from plan.cc): every
// (graduate, offer) pair is examined against explicit rank tables.

#include "services/matching/plan/plan.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/matching/engine/test_util.h"

namespace passerelle::plan {
namespace {

// A random market: each graduate lists a random subset of the offers in a
// random order; offer keys take few values so that ties (broken by score,
// then by graduate index) are common.
Market RandomMarket(std::mt19937_64& rng, int graduates, int offers,
                    int max_capacity, double list_share) {
  Market m;
  for (int o = 0; o < offers; ++o) {
    m.offer_ids.push_back(absl::StrCat("o", o));
    m.capacity.push_back(static_cast<int32_t>(rng() % (max_capacity + 1)));
  }
  std::uniform_real_distribution<double> unit(0, 1);
  for (int g = 0; g < graduates; ++g) {
    std::vector<int> offer_order(offers);
    for (int o = 0; o < offers; ++o) offer_order[o] = o;
    std::shuffle(offer_order.begin(), offer_order.end(), rng);
    std::vector<Edge> list;
    for (int o : offer_order) {
      if (unit(rng) >= list_share) continue;
      Edge e;
      e.offer = static_cast<uint32_t>(o);
      e.offer_key = static_cast<float>(rng() % 4) / 4;
      e.score = static_cast<double>(rng() % 5) / 5;
      list.push_back(e);
    }
    m.AddGraduate(absl::StrCat("g", g), list);
  }
  if (m.begin.empty()) m.begin.push_back(0);
  return m;
}

// Rank tables built from the definitions: grank[g][o] = position of o in
// g's list (or -1: unacceptable); the offer side compares (key, score,
// -graduate) lexicographically.
struct Tables {
  std::vector<std::vector<int>> grank;
  std::vector<std::vector<double>> key, score;  // [g][o], valid if listed
};

Tables MakeTables(const Market& m) {
  Tables t;
  const size_t G = m.graduates(), O = m.offers();
  t.grank.assign(G, std::vector<int>(O, -1));
  t.key.assign(G, std::vector<double>(O, 0));
  t.score.assign(G, std::vector<double>(O, 0));
  for (size_t g = 0; g < G; ++g) {
    for (uint32_t i = m.begin[g]; i < m.begin[g + 1]; ++i) {
      const Edge& e = m.edges[i];
      t.grank[g][e.offer] = static_cast<int>(i - m.begin[g]);
      t.key[g][e.offer] = e.offer_key;
      t.score[g][e.offer] = e.score;
    }
  }
  return t;
}

// Offer o strictly prefers graduate a to graduate b.
bool Prefers(const Tables& t, size_t o, size_t a, size_t b) {
  const auto ka =
      std::make_tuple(t.key[a][o], t.score[a][o], -static_cast<double>(a));
  const auto kb =
      std::make_tuple(t.key[b][o], t.score[b][o], -static_cast<double>(b));
  return ka > kb;
}

// Every pair (g, o), by brute force. -1 when the assignment is infeasible.
int BruteForceBlockingPairs(const Market& m, const std::vector<int32_t>& a) {
  const Tables t = MakeTables(m);
  const size_t G = m.graduates(), O = m.offers();
  std::vector<std::vector<size_t>> members(O);
  for (size_t g = 0; g < G; ++g) {
    if (a[g] < 0) continue;
    if (t.grank[g][a[g]] < 0) return -1;  // unacceptable pair
    members[a[g]].push_back(g);
  }
  for (size_t o = 0; o < O; ++o) {
    if (static_cast<int>(members[o].size()) > m.capacity[o]) return -1;
  }
  int blocking = 0;
  for (size_t g = 0; g < G; ++g) {
    for (size_t o = 0; o < O; ++o) {
      if (t.grank[g][o] < 0) continue;  // g does not accept o
      if (a[g] >= 0 && t.grank[g][o] >= t.grank[g][a[g]]) continue;
      if (m.capacity[o] == 0) continue;
      bool o_would = static_cast<int>(members[o].size()) < m.capacity[o];
      for (size_t h : members[o]) o_would = o_would || Prefers(t, o, g, h);
      if (o_would) ++blocking;
    }
  }
  return blocking;
}

TEST(PlanTest, DeferredAcceptanceIsStableOnRandomMarkets) {
  std::mt19937_64 rng(20260315);
  for (int round = 0; round < 300; ++round) {
    const int graduates = 1 + static_cast<int>(rng() % 40);
    const int offers = 1 + static_cast<int>(rng() % 20);
    const Market m = RandomMarket(rng, graduates, offers, 3, 0.4);
    ASSERT_TRUE(Validate(m).ok()) << Validate(m);
    const std::vector<int32_t> a = DeferredAcceptance(m);
    ASSERT_EQ(BruteForceBlockingPairs(m, a), 0) << "round " << round;
    absl::StatusOr<std::vector<BlockingPair>> found = FindBlockingPairs(m, a);
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_TRUE(found->empty());
    // Capacity respected (also checked by both checkers).
    std::vector<int> count(m.offers(), 0);
    for (int32_t o : a) {
      if (o < 0) continue;
      ASSERT_LE(++count[o], m.capacity[o]);
    }
  }
}

TEST(PlanTest, CheckerAgreesWithBruteForceOnArbitraryAssignments) {
  std::mt19937_64 rng(7);
  int with_blocking = 0;
  for (int round = 0; round < 300; ++round) {
    const Market m = RandomMarket(rng, 1 + static_cast<int>(rng() % 25),
                                  1 + static_cast<int>(rng() % 10), 2, 0.5);
    // A random feasible assignment: each graduate a random listed offer
    // with room, or none.
    std::vector<int32_t> a(m.graduates(), -1);
    std::vector<int> count(m.offers(), 0);
    for (size_t g = 0; g < m.graduates(); ++g) {
      const uint32_t n = m.begin[g + 1] - m.begin[g];
      if (n == 0 || rng() % 3 == 0) continue;
      const uint32_t o = m.edges[m.begin[g] + rng() % n].offer;
      if (count[o] < m.capacity[o]) {
        ++count[o];
        a[g] = static_cast<int32_t>(o);
      }
    }
    absl::StatusOr<std::vector<BlockingPair>> found = FindBlockingPairs(m, a);
    ASSERT_TRUE(found.ok()) << found.status();
    const int brute = BruteForceBlockingPairs(m, a);
    ASSERT_EQ(static_cast<int>(found->size()), brute) << "round " << round;
    if (brute > 0) ++with_blocking;
  }
  EXPECT_GT(with_blocking, 100);  // the checker was exercised
}

TEST(PlanTest, CheckerRejectsInfeasibleAssignments) {
  Market m;
  m.offer_ids = {"o0", "o1"};
  m.capacity = {1, 1};
  m.AddGraduate("g0", {Edge{0, 0.5f, 0.5}});
  m.AddGraduate("g1", {Edge{0, 0.5f, 0.4}});
  EXPECT_FALSE(FindBlockingPairs(m, {0, 0}).ok());   // over capacity
  EXPECT_FALSE(FindBlockingPairs(m, {1, -1}).ok());  // not in the list
  EXPECT_FALSE(FindBlockingPairs(m, {0}).ok());      // size
  absl::StatusOr<std::vector<BlockingPair>> found =
      FindBlockingPairs(m, {-1, 0});
  ASSERT_TRUE(found.ok());
  // o0 prefers g0 (same key, higher score) who is unassigned.
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].graduate, 0u);
}

// Every stable matching of a tiny market, by enumeration.
void EnumerateStable(const Market& m, size_t g, std::vector<int32_t>* a,
                     std::vector<std::vector<int32_t>>* out) {
  if (g == m.graduates()) {
    if (BruteForceBlockingPairs(m, *a) == 0) out->push_back(*a);
    return;
  }
  (*a)[g] = -1;
  EnumerateStable(m, g + 1, a, out);
  for (uint32_t i = m.begin[g]; i < m.begin[g + 1]; ++i) {
    (*a)[g] = static_cast<int32_t>(m.edges[i].offer);
    EnumerateStable(m, g + 1, a, out);
  }
  (*a)[g] = -1;
}

TEST(PlanTest, DeferredAcceptanceIsGraduateOptimal) {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 200; ++round) {
    const Market m = RandomMarket(rng, 1 + static_cast<int>(rng() % 6),
                                  1 + static_cast<int>(rng() % 4), 2, 0.6);
    const Tables t = MakeTables(m);
    const std::vector<int32_t> da = DeferredAcceptance(m);
    std::vector<int32_t> a(m.graduates(), -1);
    std::vector<std::vector<int32_t>> stable;
    EnumerateStable(m, 0, &a, &stable);
    ASSERT_FALSE(stable.empty());  // a stable matching always exists
    auto rank = [&](size_t g, int32_t o) {
      return o < 0 ? 1 << 20 : t.grank[g][o];
    };
    for (const auto& s : stable) {
      for (size_t g = 0; g < m.graduates(); ++g) {
        EXPECT_LE(rank(g, da[g]), rank(g, s[g])) << "round " << round;
      }
    }
  }
}

TEST(PlanTest, RecommendationsRespectKAndExposureBounds) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 100; ++round) {
    const Market m = RandomMarket(rng, 1 + static_cast<int>(rng() % 200),
                                  1 + static_cast<int>(rng() % 40), 3, 0.3);
    PlanOptions options;
    options.recommendations_per_graduate = 1 + static_cast<int>(rng() % 6);
    options.exposure_factor = 1 + static_cast<double>(rng() % 4) / 2;
    absl::StatusOr<PlanResult> r = Plan(m, options);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->blocking_pairs.empty());
    const Tables t = MakeTables(m);
    const int k = options.recommendations_per_graduate;
    std::vector<int64_t> exposure(m.offers(), 0);
    int64_t full = 0;
    for (size_t g = 0; g < m.graduates(); ++g) {
      std::vector<uint32_t> recs(
          r->recommended.begin() + r->recommended_begin[g],
          r->recommended.begin() + r->recommended_begin[g + 1]);
      ASSERT_LE(static_cast<int>(recs.size()), k);
      EXPECT_EQ(std::set<uint32_t>(recs.begin(), recs.end()).size(),
                recs.size());
      if (r->assignment[g] >= 0) {
        ASSERT_FALSE(recs.empty());
        EXPECT_EQ(recs[0], static_cast<uint32_t>(r->assignment[g]));
      }
      for (uint32_t o : recs) {
        EXPECT_GE(t.grank[g][o], 0) << "recommended outside the list";
        ++exposure[o];
      }
      if (static_cast<int>(recs.size()) == k) ++full;
    }
    double max_ratio = 0;
    for (size_t o = 0; o < m.offers(); ++o) {
      EXPECT_LE(exposure[o], static_cast<int64_t>(std::floor(
                                 options.exposure_factor * m.capacity[o])))
          << "offer " << o;
      if (m.capacity[o] > 0) {
        max_ratio = std::max(max_ratio,
                             static_cast<double>(exposure[o]) / m.capacity[o]);
      }
    }
    // Maximal: fewer than k means every other listed offer is at its bound.
    for (size_t g = 0; g < m.graduates(); ++g) {
      const uint32_t n = r->recommended_begin[g + 1] - r->recommended_begin[g];
      if (static_cast<int>(n) >= k) continue;
      const std::set<uint32_t> mine(
          r->recommended.begin() + r->recommended_begin[g],
          r->recommended.begin() + r->recommended_begin[g + 1]);
      for (uint32_t i = m.begin[g]; i < m.begin[g + 1]; ++i) {
        const uint32_t o = m.edges[i].offer;
        if (mine.count(o)) continue;
        EXPECT_GE(exposure[o], static_cast<int64_t>(std::floor(
                                   options.exposure_factor * m.capacity[o])))
            << "graduate " << g << " could have had offer " << o;
      }
    }
    EXPECT_DOUBLE_EQ(r->coverage, static_cast<double>(full) / m.graduates());
    EXPECT_DOUBLE_EQ(r->exposure.max, max_ratio);
    EXPECT_LE(r->exposure.max, options.exposure_factor);
  }
}

TEST(PlanTest, ScarceGraduatesPickFirst) {
  // g0 can take o0 or o1; g1 only o1. With one recommendation slot of
  // exposure each, g1 must get o1 even though g0 ranks o1 first.
  Market m;
  m.offer_ids = {"o0", "o1"};
  m.capacity = {1, 1};
  m.AddGraduate("g0", {Edge{1, 0.0f, 0.9}, Edge{0, 0.0f, 0.8}});
  m.AddGraduate("g1", {Edge{1, 1.0f, 0.7}});
  PlanOptions options;
  options.recommendations_per_graduate = 1;
  options.exposure_factor = 1;
  absl::StatusOr<PlanResult> r = Plan(m, options);
  ASSERT_TRUE(r.ok());
  // Stable: o1 prefers g1 (higher key), so g0 goes to o0.
  EXPECT_THAT(r->assignment, ::testing::ElementsAre(0, 1));
  EXPECT_EQ(r->matched, 2);
  EXPECT_DOUBLE_EQ(r->coverage, 1.0);
}

TEST(PlanTest, RejectsBadMarketsAndOptions) {
  Market m;
  m.offer_ids = {"o0"};
  m.capacity = {1};
  m.AddGraduate("g0", {Edge{0, 0, 0.5}, Edge{0, 0, 0.4}});
  EXPECT_FALSE(Validate(m).ok());
  Market ok;
  ok.offer_ids = {"o0"};
  ok.capacity = {1};
  ok.AddGraduate("g0", {Edge{0, 0, 0.5}});
  PlanOptions bad;
  bad.recommendations_per_graduate = 0;
  EXPECT_FALSE(Plan(ok, bad).ok());
  bad = PlanOptions{};
  bad.exposure_factor = 0.5;
  EXPECT_FALSE(Plan(ok, bad).ok());
  Market empty;
  absl::StatusOr<PlanResult> r = Plan(empty, PlanOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->matched, 0);
}

TEST(PlanTest, MarketFromEngineUsesScoresAndOfferFit) {
  using engine::testing::BaseGraduate;
  using engine::testing::BaseOffer;
  std::unique_ptr<engine::Engine> engine = engine::testing::MakeEngine();
  engine::Graduate g1 = BaseGraduate();
  engine::Graduate g2 = BaseGraduate();
  g2.id = "g2";
  g2.skills = {"fraisage"};  // lacks the required skill: lower fit
  engine::Graduate placed = BaseGraduate();
  placed.id = "g3";
  placed.seeking = false;
  for (const auto& g : {g1, g2, placed})
    ASSERT_TRUE(engine->UpsertGraduate(g).ok());
  engine::Offer o1 = BaseOffer();
  engine::Offer o2 = BaseOffer();
  o2.id = "o2";
  o2.latitude = 50.6886;  // Armentières, farther than Roubaix
  o2.longitude = 2.8814;
  engine::Offer full = BaseOffer();
  full.id = "o3";
  for (const auto& o : {o1, o2, full}) ASSERT_TRUE(engine->UpsertOffer(o).ok());

  EngineMarketOptions options;
  options.today = engine::testing::kToday;
  options.candidates_per_graduate = 10;
  int capacity_calls = 0;
  absl::StatusOr<Market> m = MarketFromEngine(
      *engine, {"g1", "g2", "g3", "unknown"},
      [&](absl::string_view id) {
        ++capacity_calls;
        return id == "o3" ? 0 : 1;  // o3 has no position left
      },
      options);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE(Validate(*m).ok());
  EXPECT_EQ(capacity_calls, 3);  // once per distinct offer
  EXPECT_THAT(m->offer_ids, ::testing::UnorderedElementsAre("o1", "o2"));
  ASSERT_EQ(m->graduates(), 4u);
  EXPECT_EQ(m->begin[1] - m->begin[0], 2u);  // g1: o1, o2
  EXPECT_EQ(m->begin[3] - m->begin[2], 0u);  // g3 is placed
  EXPECT_EQ(m->begin[4] - m->begin[3], 0u);  // unknown
  const Edge& best = m->edges[m->begin[0]];
  EXPECT_EQ(m->offer_ids[best.offer], "o1");  // nearer first
  absl::StatusOr<engine::Explanation> x =
      engine->Explain("g1", "o1", engine::testing::kToday);
  ASSERT_TRUE(x.ok());
  EXPECT_DOUBLE_EQ(best.score, x->score);
  EXPECT_FLOAT_EQ(best.offer_key, static_cast<float>(x->factors[6].value));
  EXPECT_EQ(x->factors[6].name, engine::kFactorOfferFit);
  // g1 holds the required skill, g2 does not: both offers prefer g1.
  absl::StatusOr<PlanResult> r = Plan(*m, PlanOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(m->offer_ids[r->assignment[0]], "o1");
  EXPECT_EQ(m->offer_ids[r->assignment[1]], "o2");
  EXPECT_TRUE(r->blocking_pairs.empty());
}

}  // namespace
}  // namespace passerelle::plan
