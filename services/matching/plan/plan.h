#pragma once

// passerelle::plan — the global placement plan, in plain C++ over the
// matching engine (no gRPC, protobuf or storage).
//
// A Market is a two-sided market with capacities:
// - each graduate has a strict preference list over the offers they are
//   eligible for, best first: the engine's top N by score (ties by offer
//   id, the engine's order). An offer outside a graduate's list is not
//   acceptable to them (never assigned, never blocking);
// - each offer has a capacity (open positions = positions -
//   positions_filled) and ranks the graduates whose list holds it by
//   OfferPrefers(): the offer side's fit first (the engine's `offer_fit`
//   factor: level, readiness, required skills held), then the pair's score,
//   then the smaller graduate index (so that the order is strict).
//
// Plan() computes
// 1. a stable assignment: graduate-proposing deferred acceptance (Gale and
//    Shapley; Roth's hospitals/residents form with capacities). It is the
//    graduate-optimal stable matching: no graduate gets a better offer in
//    any stable matching. Each graduate is assigned at most one offer, each
//    offer at most `capacity` graduates;
// 2. a congestion-aware recommendation of up to k offers per graduate: the
//    assigned offer first, then, round by round (each graduate's next pick
//    before anyone's following one; within a round the graduates with the
//    fewest eligible offers first), the graduate's best-scored offer whose
//    exposure (graduates it is recommended to) is below
//    floor(exposure_factor x capacity). No offer is recommended to more
//    graduates than that bound, so that every graduate gets several good
//    offers and no offer is flooded. A graduate with fewer than k
//    recommendations has had every other offer of their list at its bound
//    (or has no more offers);
// 3. the blocking pairs of the assignment, by FindBlockingPairs() (an
//    independent check: it must find none), coverage and exposure figures.
//
// MarketFromEngine() builds a Market by asking the engine for each
// graduate's top N offers (RankOffers with values, several threads).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "services/matching/engine/engine.h"

namespace passerelle::plan {

// One acceptable (graduate, offer) pair, in the graduate's list.
struct Edge {
  uint32_t offer = 0;   // index into Market::offer_ids
  float offer_key = 0;  // the offer side's fit for this graduate, [0, 1]
  double score = 0;     // the pair's engine score, [0, 1]
};

struct Market {
  std::vector<std::string> graduate_ids;
  std::vector<std::string> offer_ids;
  std::vector<int32_t> capacity;  // per offer, >= 0
  // Graduate g's list is edges[begin[g], begin[g + 1]), best first, each
  // offer at most once. begin.size() == graduate_ids.size() + 1.
  std::vector<uint32_t> begin;
  std::vector<Edge> edges;

  size_t graduates() const { return graduate_ids.size(); }
  size_t offers() const { return offer_ids.size(); }
  // Appends a graduate with its list (best first).
  void AddGraduate(std::string id, const std::vector<Edge>& list);
};

// Whether an offer prefers the graduate of edge `a` (graduate index
// `ga`) to that of `b` (`gb`): higher offer_key, then higher score, then
// smaller index. A strict total order over any one offer's applicants.
inline bool OfferPrefers(const Edge& a, uint32_t ga, const Edge& b,
                         uint32_t gb) {
  if (a.offer_key != b.offer_key) return a.offer_key > b.offer_key;
  if (a.score != b.score) return a.score > b.score;
  return ga < gb;
}

// Checks the market's shape: sizes, offer indices in range, an offer at
// most once per list, capacities >= 0. InvalidArgument naming the fault.
absl::Status Validate(const Market& market);

// Graduate-proposing deferred acceptance. Returns, per graduate, the index
// of the assigned offer or -1.
std::vector<int32_t> DeferredAcceptance(const Market& market);

struct BlockingPair {
  uint32_t graduate = 0;
  uint32_t offer = 0;
};

// The pairs (g, o) that block `assignment`: o is in g's list ahead of g's
// assigned offer (or g is unassigned), and o has a free position or
// prefers g to one of the graduates assigned to it. Written apart from
// DeferredAcceptance (it only reads the lists). InvalidArgument when the
// assignment itself is not feasible: a size mismatch, an offer outside the
// graduate's list, or an offer over capacity.
absl::StatusOr<std::vector<BlockingPair>> FindBlockingPairs(
    const Market& market, const std::vector<int32_t>& assignment);

struct PlanOptions {
  int recommendations_per_graduate = 5;  // k, >= 1
  // Each offer is recommended to at most floor(exposure_factor x capacity)
  // graduates; >= 1 so that the assignment always fits.
  double exposure_factor = 3;
};

struct ExposureStats {
  // Over the offers with a position that appear in some graduate's list:
  // graduates recommended per open position.
  double mean = 0, p50 = 0, p99 = 0, max = 0;
  int64_t offers = 0;  // how many such offers
};

struct PlanResult {
  std::vector<int32_t> assignment;  // per graduate: offer index or -1
  // Graduate g's recommendations (offer indices, the assigned offer first,
  // then by the graduate's preference):
  // recommended[recommended_begin[g], recommended_begin[g + 1]).
  std::vector<uint32_t> recommended_begin;
  std::vector<uint32_t> recommended;
  std::vector<BlockingPair> blocking_pairs;  // from FindBlockingPairs
  int64_t matched = 0;
  int64_t without_options = 0;  // graduates with an empty list
  double coverage = 0;          // share of graduates with k recommendations
  double mean_recommendations = 0;
  ExposureStats exposure;
  // Wall seconds per phase.
  double assign_seconds = 0, recommend_seconds = 0, check_seconds = 0;
};

// Validate()'s errors; InvalidArgument for options out of range.
absl::StatusOr<PlanResult> Plan(const Market& market,
                                const PlanOptions& options);

// The recommendation step alone (used by Plan), given a feasible
// assignment.
void Recommend(const Market& market, const std::vector<int32_t>& assignment,
               const PlanOptions& options, PlanResult* result);

struct EngineMarketOptions {
  absl::CivilDay today;
  int candidates_per_graduate = 50;  // N
  int threads = 2;
  // Filled when given: seconds spent ranking, and merging the lists.
  double* rank_seconds = nullptr;
  double* merge_seconds = nullptr;
};

// A Market of `graduate_ids` (those the engine does not know, or that are
// not seeking, get an empty list) over the engine's current offers.
// `capacity_of(offer_id)` gives an offer's open positions; it is called
// once per distinct offer, from the calling thread; offers with 0 are
// left out of the lists. Errors: InvalidArgument for options out of range.
absl::StatusOr<Market> MarketFromEngine(
    const engine::Engine& engine, std::vector<std::string> graduate_ids,
    const std::function<int32_t(absl::string_view offer_id)>& capacity_of,
    const EngineMarketOptions& options);

}  // namespace passerelle::plan
