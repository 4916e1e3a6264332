// The placement plan (services/matching/plan) on data generated from the
// real referentials (datagen.h): 100,000 graduates and 1,000,000 offers by
// default. Builds the engine, then times the plan the way PlanPlacements
// runs it: rank every graduate's top N offers (several threads), merge the
// lists, deferred acceptance, recommendations, the blocking-pair check.
//
//   plan_bench [--offers=N] [--graduates=N] [--k=5] [--candidates=50]
//              [--exposure=3] [--threads=2] [--seed=N]
//
// A benchmark measures and reports; it does not pass or fail on a time
// (DESIGN.md's target: the plan in <= 30 s on the 2-core machine).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "services/common/referentials.h"
#include "services/matching/engine/engine.h"
#include "services/matching/plan/plan.h"
#include "tests/bench/datagen.h"

namespace passerelle {
namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  uint64_t offers = 1000000;
  uint64_t graduates = 100000;
  int k = 5;
  int candidates = 50;
  double exposure = 3;
  int threads = 2;
  uint64_t seed = 20260315;
} flags;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::exit(1);
}

bool ParseFlag(const char* arg) {
  auto value = [&](const char* name) -> const char* {
    const size_t n = std::strlen(name);
    if (std::strncmp(arg, name, n) == 0 && arg[n] == '=') return arg + n + 1;
    return nullptr;
  };
  const char* v = nullptr;
  if ((v = value("--offers"))) return absl::SimpleAtoi(v, &flags.offers);
  if ((v = value("--graduates"))) return absl::SimpleAtoi(v, &flags.graduates);
  if ((v = value("--k"))) return absl::SimpleAtoi(v, &flags.k);
  if ((v = value("--candidates")))
    return absl::SimpleAtoi(v, &flags.candidates);
  if ((v = value("--exposure"))) return absl::SimpleAtod(v, &flags.exposure);
  if ((v = value("--threads"))) return absl::SimpleAtoi(v, &flags.threads);
  if ((v = value("--seed"))) return absl::SimpleAtoi(v, &flags.seed);
  return false;
}

// What recommending every graduate their plain top k would do to the
// offers: graduates per open position, without the exposure bound.
void PrintNaiveExposure(const plan::Market& m, int k) {
  std::vector<int64_t> count(m.offers(), 0);
  for (size_t g = 0; g < m.graduates(); ++g) {
    const uint32_t end = std::min<uint32_t>(m.begin[g + 1], m.begin[g] + k);
    for (uint32_t i = m.begin[g]; i < end; ++i) ++count[m.edges[i].offer];
  }
  std::vector<double> ratios;
  for (size_t o = 0; o < m.offers(); ++o) {
    ratios.push_back(static_cast<double>(count[o]) / m.capacity[o]);
  }
  std::sort(ratios.begin(), ratios.end());
  if (ratios.empty()) return;
  auto at = [&](double q) {
    return ratios[std::min(ratios.size() - 1,
                           static_cast<size_t>(q * ratios.size()))];
  };
  std::printf(
      "  for contrast, plain top-%d (no bound): exposure p50 %.2f, p99 %.2f, "
      "max %.1f graduates per position\n",
      k, at(0.5), at(0.99), ratios.back());
}

int Main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!ParseFlag(argv[i])) Die(std::string("bad flag: ") + argv[i]);
  }
  datagen::Options options;
  options.seed = flags.seed;
  const Clock::time_point t0 = Clock::now();
  absl::StatusOr<datagen::Referential> ref =
      datagen::Referential::Load(common::DefaultDataDir(), options.today);
  if (!ref.ok()) Die(std::string(ref.status().message()));
  datagen::Generator gen(*ref, options);
  std::vector<engine::Offer> offers = gen.Offers(0, flags.offers);
  std::vector<engine::Graduate> graduates = gen.Graduates(0, flags.graduates);
  const Clock::time_point t1 = Clock::now();

  engine::EngineOptions engine_options;
  engine_options.trades = ref->trades;
  absl::StatusOr<std::unique_ptr<engine::Engine>> engine =
      engine::Engine::Create(engine_options);
  if (!engine.ok()) Die(std::string(engine.status().message()));
  if (absl::Status s = (*engine)->UpsertOffers(offers); !s.ok()) {
    Die(std::string(s.message()));
  }
  if (absl::Status s = (*engine)->UpsertGraduates(graduates); !s.ok()) {
    Die(std::string(s.message()));
  }
  const Clock::time_point t2 = Clock::now();

  // The plan's inputs as PlanPlacements has them: the graduates to plan
  // and each offer's open positions (from a store snapshot there).
  std::vector<std::string> graduate_ids;
  graduate_ids.reserve(graduates.size());
  for (const engine::Graduate& g : graduates) {
    if (g.seeking) graduate_ids.push_back(g.id);
  }
  absl::flat_hash_map<std::string, int32_t> capacity;
  capacity.reserve(offers.size());
  int64_t positions = 0;
  for (const engine::Offer& o : offers) {
    if (o.open && o.positions > o.positions_filled) {
      capacity[o.id] = o.positions - o.positions_filled;
      positions += o.positions - o.positions_filled;
    }
  }
  const size_t planned = graduate_ids.size();
  std::vector<engine::Graduate>().swap(graduates);
  std::vector<engine::Offer>().swap(offers);

  std::printf("== Passerelle placement plan benchmark ==\n");
  std::printf("hardware threads: %u; plan threads: %d\n",
              std::thread::hardware_concurrency(), flags.threads);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) {
    std::printf("load average at start: %.2f %.2f %.2f\n", load[0], load[1],
                load[2]);
  }
  std::printf(
      "generate %llu offers + %llu graduates: %.2f s; engine build: %.2f s\n",
      static_cast<unsigned long long>(flags.offers),
      static_cast<unsigned long long>(flags.graduates), Seconds(t0, t1),
      Seconds(t1, t2));
  std::printf(
      "planned: %zu seeking graduates; %zu offers with %lld open positions\n",
      planned, capacity.size(), static_cast<long long>(positions));
  std::printf(
      "options: k = %d, N = %d candidates per graduate, exposure <= %.1f x "
      "open positions\n\n",
      flags.k, flags.candidates, flags.exposure);
  std::fflush(stdout);

  const double cpu0 = ProcessCpuSeconds();
  const Clock::time_point p0 = Clock::now();
  plan::EngineMarketOptions market_options;
  market_options.today = options.today;
  market_options.candidates_per_graduate = flags.candidates;
  market_options.threads = flags.threads;
  double rank_seconds = 0, merge_seconds = 0;
  market_options.rank_seconds = &rank_seconds;
  market_options.merge_seconds = &merge_seconds;
  absl::StatusOr<plan::Market> market = plan::MarketFromEngine(
      **engine, std::move(graduate_ids),
      [&](absl::string_view id) -> int32_t {
        auto it = capacity.find(id);
        return it == capacity.end() ? 0 : it->second;
      },
      market_options);
  if (!market.ok()) Die(std::string(market.status().message()));
  plan::PlanOptions plan_options;
  plan_options.recommendations_per_graduate = flags.k;
  plan_options.exposure_factor = flags.exposure;
  absl::StatusOr<plan::PlanResult> result = plan::Plan(*market, plan_options);
  if (!result.ok()) Die(std::string(result.status().message()));
  const Clock::time_point p1 = Clock::now();
  const double cpu1 = ProcessCpuSeconds();

  std::printf("phases (wall):\n");
  std::printf("  rank top-%d for every graduate (%d threads): %7.2f s\n",
              flags.candidates, flags.threads, rank_seconds);
  std::printf("  merge lists, offer capacities:            %7.2f s\n",
              merge_seconds);
  std::printf("  deferred acceptance:                      %7.2f s\n",
              result->assign_seconds);
  std::printf("  recommendations:                          %7.2f s\n",
              result->recommend_seconds);
  std::printf("  blocking-pair check:                      %7.2f s\n",
              result->check_seconds);
  std::printf(
      "  plan total:                               %7.2f s wall, %.2f s CPU "
      "(target <= 30 s)\n\n",
      Seconds(p0, p1), cpu1 - cpu0);

  const plan::Market& m = *market;
  const double mean_list =
      m.graduates() == 0 ? 0
                         : static_cast<double>(m.edges.size()) / m.graduates();
  std::printf(
      "market: %zu graduates, %zu offers in some list, %zu pairs "
      "(mean list %.1f)\n",
      m.graduates(), m.offers(), m.edges.size(), mean_list);
  std::printf(
      "matched graduates: %lld (%.1f%%); without any eligible offer: %lld\n",
      static_cast<long long>(result->matched),
      m.graduates() ? 100.0 * result->matched / m.graduates() : 0.0,
      static_cast<long long>(result->without_options));
  std::printf("blocking pairs: %zu\n", result->blocking_pairs.size());
  size_t with_k = 0;
  for (size_t g = 0; g < m.graduates(); ++g) {
    if (m.begin[g + 1] - m.begin[g] >= static_cast<uint32_t>(flags.k)) ++with_k;
  }
  std::printf(
      "graduates with at least %d eligible offers: %.1f%% (the most "
      "coverage could be)\n",
      flags.k, m.graduates() ? 100.0 * with_k / m.graduates() : 0.0);
  std::printf(
      "coverage (graduates with %d recommendations): %.1f%%; mean "
      "recommendations %.2f\n",
      flags.k, 100 * result->coverage, result->mean_recommendations);
  std::printf(
      "exposure (graduates recommended per open position, over %lld "
      "offers): mean %.2f, p50 %.2f, p99 %.2f, max %.2f\n",
      static_cast<long long>(result->exposure.offers), result->exposure.mean,
      result->exposure.p50, result->exposure.p99, result->exposure.max);
  PrintNaiveExposure(m, flags.k);
  return 0;
}

}  // namespace
}  // namespace passerelle

int main(int argc, char** argv) { return passerelle::Main(argc, argv); }
