#include "services/matching/plan/plan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/matching/engine/scoring_config.h"

namespace passerelle::plan {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The offer_fit factor's position in RankedOffer::values.
constexpr int kOfferFitValue = 6;
static_assert(kOfferFitValue < engine::kFactorValues);

// One graduate held by an offer during deferred acceptance.
struct Held {
  Edge edge;
  uint32_t graduate;
};

// For std::*_heap: "a < b" when the offer prefers a, so the heap's top is
// the held graduate the offer likes least.
bool HeldBefore(const Held& a, const Held& b) {
  return OfferPrefers(a.edge, a.graduate, b.edge, b.graduate);
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t at =
      std::min(sorted.size() - 1,
               static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[at];
}

}  // namespace

void Market::AddGraduate(std::string id, const std::vector<Edge>& list) {
  if (begin.empty()) begin.push_back(0);
  graduate_ids.push_back(std::move(id));
  edges.insert(edges.end(), list.begin(), list.end());
  begin.push_back(static_cast<uint32_t>(edges.size()));
}

absl::Status Validate(const Market& market) {
  const size_t graduates = market.graduates();
  const size_t offers = market.offers();
  if (market.capacity.size() != offers) {
    return absl::InvalidArgumentError(
        absl::StrCat("capacity: ", market.capacity.size(), " entries for ",
                     offers, " offers"));
  }
  for (size_t o = 0; o < offers; ++o) {
    if (market.capacity[o] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("capacity[", o, "]: negative"));
    }
  }
  if (graduates == 0 && market.begin.empty() && market.edges.empty()) {
    return absl::OkStatus();
  }
  if (market.begin.size() != graduates + 1 || market.begin.front() != 0 ||
      market.begin.back() != market.edges.size()) {
    return absl::InvalidArgumentError(
        "begin: must hold graduates + 1 offsets from 0 to edges.size()");
  }
  std::vector<uint32_t> seen(offers, std::numeric_limits<uint32_t>::max());
  for (uint32_t g = 0; g < graduates; ++g) {
    if (market.begin[g] > market.begin[g + 1]) {
      return absl::InvalidArgumentError(
          absl::StrCat("begin[", g + 1, "]: decreasing"));
    }
    for (uint32_t i = market.begin[g]; i < market.begin[g + 1]; ++i) {
      const uint32_t o = market.edges[i].offer;
      if (o >= offers) {
        return absl::InvalidArgumentError(
            absl::StrCat("edges[", i, "].offer: out of range"));
      }
      if (seen[o] == g) {
        return absl::InvalidArgumentError(
            absl::StrCat("graduate ", market.graduate_ids[g], " lists offer ",
                         market.offer_ids[o], " twice"));
      }
      seen[o] = g;
    }
  }
  return absl::OkStatus();
}

std::vector<int32_t> DeferredAcceptance(const Market& market) {
  const size_t graduates = market.graduates();
  std::vector<int32_t> assigned(graduates, -1);
  std::vector<uint32_t> next(graduates, 0);  // next position to propose to
  std::vector<std::vector<Held>> held(market.offers());
  std::vector<uint32_t> free;
  free.reserve(graduates);
  // Proposals in index order: push in reverse so that graduate 0 goes first
  // (the result does not depend on the order, only the work does).
  for (size_t g = graduates; g-- > 0;) free.push_back(static_cast<uint32_t>(g));
  while (!free.empty()) {
    const uint32_t g = free.back();
    free.pop_back();
    const uint32_t first = market.begin[g];
    const uint32_t length = market.begin[g + 1] - first;
    while (next[g] < length) {
      const Edge& edge = market.edges[first + next[g]++];
      const int32_t capacity = market.capacity[edge.offer];
      if (capacity <= 0) continue;
      std::vector<Held>& offer = held[edge.offer];
      const Held candidate{edge, g};
      if (static_cast<int32_t>(offer.size()) < capacity) {
        offer.push_back(candidate);
        std::push_heap(offer.begin(), offer.end(), HeldBefore);
        assigned[g] = static_cast<int32_t>(edge.offer);
        break;
      }
      if (HeldBefore(candidate, offer.front())) {
        std::pop_heap(offer.begin(), offer.end(), HeldBefore);
        const uint32_t rejected = offer.back().graduate;
        offer.back() = candidate;
        std::push_heap(offer.begin(), offer.end(), HeldBefore);
        assigned[rejected] = -1;
        free.push_back(rejected);
        assigned[g] = static_cast<int32_t>(edge.offer);
        break;
      }
    }
  }
  return assigned;
}

absl::StatusOr<std::vector<BlockingPair>> FindBlockingPairs(
    const Market& market, const std::vector<int32_t>& assignment) {
  const size_t graduates = market.graduates();
  const size_t offers = market.offers();
  if (assignment.size() != graduates) {
    return absl::InvalidArgumentError(
        absl::StrCat("assignment: ", assignment.size(), " entries for ",
                     graduates, " graduates"));
  }
  // Where each graduate's assigned offer sits in their list, and each
  // offer's least preferred assigned graduate (with that pair's edge).
  constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> position(graduates, kNone);
  std::vector<int32_t> count(offers, 0);
  std::vector<uint32_t> worst(offers, kNone);
  std::vector<Edge> worst_edge(offers);
  for (uint32_t g = 0; g < graduates; ++g) {
    const int32_t o = assignment[g];
    if (o < 0) continue;
    if (static_cast<size_t>(o) >= offers) {
      return absl::InvalidArgumentError(
          absl::StrCat("assignment[", g, "]: offer index out of range"));
    }
    for (uint32_t i = market.begin[g]; i < market.begin[g + 1]; ++i) {
      if (market.edges[i].offer == static_cast<uint32_t>(o)) {
        position[g] = i - market.begin[g];
        break;
      }
    }
    if (position[g] == kNone) {
      return absl::InvalidArgumentError(absl::StrCat(
          "graduate ", market.graduate_ids[g], " is assigned offer ",
          market.offer_ids[o], ", which is not in their list"));
    }
    const Edge& edge = market.edges[market.begin[g] + position[g]];
    if (++count[o] > market.capacity[o]) {
      return absl::InvalidArgumentError(
          absl::StrCat("offer ", market.offer_ids[o], " is assigned ", count[o],
                       " graduates for ", market.capacity[o], " positions"));
    }
    if (worst[o] == kNone || OfferPrefers(worst_edge[o], worst[o], edge, g)) {
      worst[o] = g;
      worst_edge[o] = edge;
    }
  }
  std::vector<BlockingPair> blocking;
  for (uint32_t g = 0; g < graduates; ++g) {
    const uint32_t first = market.begin[g];
    const uint32_t better =
        position[g] == kNone ? market.begin[g + 1] - first : position[g];
    for (uint32_t i = first; i < first + better; ++i) {
      const Edge& edge = market.edges[i];
      const uint32_t o = edge.offer;
      if (market.capacity[o] <= 0) continue;
      if (count[o] < market.capacity[o] ||
          OfferPrefers(edge, g, worst_edge[o], worst[o])) {
        blocking.push_back({g, o});
      }
    }
  }
  return blocking;
}

void Recommend(const Market& market, const std::vector<int32_t>& assignment,
               const PlanOptions& options, PlanResult* result) {
  const size_t graduates = market.graduates();
  const size_t offers = market.offers();
  const int k = options.recommendations_per_graduate;
  std::vector<int64_t> budget(offers);
  for (size_t o = 0; o < offers; ++o) {
    budget[o] = static_cast<int64_t>(
        std::floor(options.exposure_factor * market.capacity[o]));
  }
  std::vector<int64_t> exposure(offers, 0);
  std::vector<uint32_t> picks(graduates * static_cast<size_t>(k));
  std::vector<int> count(graduates, 0);
  for (size_t g = 0; g < graduates; ++g) {
    if (assignment[g] < 0) continue;
    picks[g * k] = static_cast<uint32_t>(assignment[g]);
    ++exposure[assignment[g]];
    count[g] = 1;
  }
  // Scarcity first: graduates with the fewest eligible offers pick first in
  // every round, so that those with many options do not take the few
  // offers others could have.
  std::vector<uint32_t> order;
  order.reserve(graduates);
  for (uint32_t g = 0; g < graduates; ++g) {
    if (market.begin[g + 1] > market.begin[g]) order.push_back(g);
  }
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return market.begin[a + 1] - market.begin[a] <
           market.begin[b + 1] - market.begin[b];
  });
  // Each graduate's cursor only moves forward: an offer passed over was at
  // its bound (exposure never decreases) or already recommended to them.
  std::vector<uint32_t> cursor(graduates, 0);
  for (int round = 0; round < k && !order.empty(); ++round) {
    size_t kept = 0;
    for (uint32_t g : order) {
      if (count[g] >= k) continue;
      const uint32_t first = market.begin[g];
      const uint32_t length = market.begin[g + 1] - first;
      bool picked = false;
      while (cursor[g] < length) {
        const uint32_t o = market.edges[first + cursor[g]++].offer;
        if (static_cast<int32_t>(o) == assignment[g] ||
            exposure[o] >= budget[o]) {
          continue;
        }
        picks[g * k + count[g]++] = o;
        ++exposure[o];
        picked = true;
        break;
      }
      if (picked && count[g] < k) order[kept++] = g;  // more to pick
    }
    order.resize(kept);
  }

  result->recommended_begin.assign(1, 0);
  result->recommended_begin.reserve(graduates + 1);
  result->recommended.clear();
  int64_t full = 0, total = 0;
  for (size_t g = 0; g < graduates; ++g) {
    result->recommended.insert(result->recommended.end(), picks.begin() + g * k,
                               picks.begin() + g * k + count[g]);
    result->recommended_begin.push_back(
        static_cast<uint32_t>(result->recommended.size()));
    total += count[g];
    if (count[g] == k) ++full;
  }
  result->coverage = graduates == 0 ? 0
                                    : static_cast<double>(full) /
                                          static_cast<double>(graduates);
  result->mean_recommendations =
      graduates == 0
          ? 0
          : static_cast<double>(total) / static_cast<double>(graduates);

  // Exposure over the offers someone could be recommended.
  std::vector<bool> listed(offers, false);
  for (const Edge& e : market.edges) listed[e.offer] = true;
  std::vector<double> ratios;
  for (size_t o = 0; o < offers; ++o) {
    if (!listed[o] || market.capacity[o] <= 0) continue;
    ratios.push_back(static_cast<double>(exposure[o]) / market.capacity[o]);
  }
  std::sort(ratios.begin(), ratios.end());
  ExposureStats& stats = result->exposure;
  stats = ExposureStats{};
  stats.offers = static_cast<int64_t>(ratios.size());
  if (!ratios.empty()) {
    double sum = 0;
    for (double r : ratios) sum += r;
    stats.mean = sum / static_cast<double>(ratios.size());
    stats.p50 = Percentile(ratios, 0.5);
    stats.p99 = Percentile(ratios, 0.99);
    stats.max = ratios.back();
  }
}

absl::StatusOr<PlanResult> Plan(const Market& market,
                                const PlanOptions& options) {
  if (options.recommendations_per_graduate < 1) {
    return absl::InvalidArgumentError(
        "recommendations_per_graduate: must be >= 1");
  }
  if (!(options.exposure_factor >= 1) ||
      !std::isfinite(options.exposure_factor)) {
    return absl::InvalidArgumentError("exposure_factor: must be >= 1");
  }
  if (absl::Status valid = Validate(market); !valid.ok()) return valid;
  PlanResult result;
  Clock::time_point start = Clock::now();
  result.assignment = DeferredAcceptance(market);
  result.assign_seconds = Since(start);
  for (size_t g = 0; g < market.graduates(); ++g) {
    if (result.assignment[g] >= 0) ++result.matched;
    if (market.begin[g + 1] == market.begin[g]) ++result.without_options;
  }
  start = Clock::now();
  Recommend(market, result.assignment, options, &result);
  result.recommend_seconds = Since(start);
  start = Clock::now();
  absl::StatusOr<std::vector<BlockingPair>> blocking =
      FindBlockingPairs(market, result.assignment);
  if (!blocking.ok()) {
    // Deferred acceptance always yields a feasible assignment.
    return absl::InternalError(absl::StrCat("the assignment is not feasible: ",
                                            blocking.status().message()));
  }
  result.blocking_pairs = *std::move(blocking);
  result.check_seconds = Since(start);
  return result;
}

absl::StatusOr<Market> MarketFromEngine(
    const engine::Engine& engine, std::vector<std::string> graduate_ids,
    const std::function<int32_t(absl::string_view offer_id)>& capacity_of,
    const EngineMarketOptions& options) {
  if (options.candidates_per_graduate < 1) {
    return absl::InvalidArgumentError("candidates_per_graduate: must be >= 1");
  }
  if (options.threads < 1)
    return absl::InvalidArgumentError("threads: must be >= 1");
  const size_t graduates = graduate_ids.size();
  const int threads = static_cast<int>(
      std::max<size_t>(1, std::min<size_t>(options.threads, graduates)));

  // Each thread ranks every threads-th graduate (interleaved, so that a
  // region's graduates are spread over threads) and interns the offer ids
  // it meets in its own table: lists hold thread-local offer indices.
  struct Local {
    absl::flat_hash_map<std::string, uint32_t> index;
    std::vector<const std::string*> ids;  // by local index, once ranked
    absl::Status status;
  };
  std::vector<Local> locals(threads);
  std::vector<std::vector<Edge>> lists(graduates);
  Clock::time_point start = Clock::now();
  auto work = [&](int t) {
    Local& local = locals[t];
    engine::RankQuery query;
    query.today = options.today;
    query.k = options.candidates_per_graduate;
    query.with_factors = false;
    query.with_values = true;
    for (size_t g = t; g < graduates; g += threads) {
      absl::StatusOr<std::vector<engine::RankedOffer>> ranked =
          engine.RankOffers(graduate_ids[g], query);
      if (absl::IsNotFound(ranked.status())) continue;  // not in the index
      if (!ranked.ok()) {
        local.status = ranked.status();
        return;
      }
      std::vector<Edge>& list = lists[g];
      list.reserve(ranked->size());
      for (engine::RankedOffer& r : *ranked) {
        auto it = local.index
                      .try_emplace(std::move(r.offer_id),
                                   static_cast<uint32_t>(local.index.size()))
                      .first;
        list.push_back(Edge{
            it->second, static_cast<float>(r.values[kOfferFitValue]), r.score});
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (std::thread& thread : pool) thread.join();
  for (Local& local : locals) {
    if (!local.status.ok()) return local.status;
    // The table no longer grows: its keys stay put.
    local.ids.resize(local.index.size());
    for (const auto& [id, index] : local.index) local.ids[index] = &id;
  }
  if (options.rank_seconds != nullptr) *options.rank_seconds = Since(start);

  // One offer table; offers without a position are dropped from the lists.
  start = Clock::now();
  constexpr uint32_t kDropped = std::numeric_limits<uint32_t>::max();
  Market market;
  absl::flat_hash_map<absl::string_view, uint32_t> global;
  std::vector<std::vector<uint32_t>> remap(threads);
  for (int t = 0; t < threads; ++t) {
    remap[t].resize(locals[t].ids.size());
    for (size_t i = 0; i < locals[t].ids.size(); ++i) {
      const std::string& id = *locals[t].ids[i];
      auto found = global.find(id);
      if (found != global.end()) {
        remap[t][i] = found->second;
        continue;
      }
      const int32_t capacity = capacity_of(id);
      uint32_t index = kDropped;
      if (capacity > 0) {
        index = static_cast<uint32_t>(market.offer_ids.size());
        market.offer_ids.push_back(id);
        market.capacity.push_back(capacity);
      }
      global.emplace(id, index);  // views into locals[t], alive until return
      remap[t][i] = index;
    }
  }
  market.graduate_ids = std::move(graduate_ids);
  market.begin.reserve(graduates + 1);
  market.begin.push_back(0);
  size_t total = 0;
  for (const auto& list : lists) total += list.size();
  market.edges.reserve(total);
  for (size_t g = 0; g < graduates; ++g) {
    const std::vector<uint32_t>& map = remap[g % threads];
    for (const Edge& e : lists[g]) {
      const uint32_t o = map[e.offer];
      if (o == kDropped) continue;
      market.edges.push_back(Edge{o, e.offer_key, e.score});
    }
    market.begin.push_back(static_cast<uint32_t>(market.edges.size()));
    std::vector<Edge>().swap(lists[g]);
  }
  if (options.merge_seconds != nullptr) *options.merge_seconds = Since(start);
  return market;
}

}  // namespace passerelle::plan
