#pragma once

// Hard rules and soft score over the compact records. Each rule is written
// once (CheckRules) and run either to the first failure without formatting
// anything (ranking) or to the end collecting every exclusion with its
// values (Explain). Scores are computed by one function, so the indexed
// ranking, the brute-force scan and Explain agree to the last bit.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "services/matching/engine/internal/records.h"
#include "services/matching/engine/internal/string_table.h"
#include "services/matching/engine/internal/trade_graph.h"
#include "services/matching/engine/legal_tables.h"
#include "services/matching/engine/scoring_config.h"
#include "services/matching/engine/types.h"
#include "services/matching/engine/working_time.h"

namespace passerelle::engine::internal {

// Everything a query needs besides the two records; built once per engine
// (Params) and once per query (today).
struct EvalParams {
  ScoringConfig config;
  LegalTables legal;
  double weights[kNumFactors] = {};  // normalized, sum 1
  double fit_shares[3] = {};         // level, readiness, skills; sum 1
  double log_distance_floor = 0;     // log(config.distance_value_at_radius)
  std::vector<std::pair<PackedDay, double>> smic_monthly;  // ascending
  // The diploma referential by code (owned by the engine); for details.
  const absl::flat_hash_map<std::string, DiplomaFacts>* diplomas = nullptr;
};

struct EvalContext {
  const EvalParams* params = nullptr;
  PackedDay today = 0;
  int32_t today_days = 0;
};

EvalContext MakeContext(const EvalParams& params, absl::CivilDay today);

// Numbers behind a verdict and a score (no strings).
struct Evaluation {
  double distance_km = 0;
  double score = 0;
  double values[kNumFactors] = {};
  int age_at_start = 0;
  int pay_age = 0;
  int held_level = 0;         // level held by the start date
  bool diploma_held = false;  // the graduate's diploma is held by the start
  int req_total = 0, req_held = 0, des_total = 0, des_held = 0;
  int64_t legal_min_cents = 0;
  bool pruned = false;  // EvaluateFast stopped: score below the threshold
  bool salary_below_minimum = false;
  int days_since_update = 0;
  double fit_level = 0, fit_readiness = 0, fit_skills = 0;
  // Regulated work for a minor: the legal basis that allows it (a
  // RegulatedBasis of evaluate.cc), kRegulatedNotApplicable otherwise.
  uint8_t regulated_basis = 0;
  // The AttestationKind that lifted an age limit (L6222-2, L6325-1), or 0.
  uint8_t age_exception = 0;
  // The graduate's bare driving_licence flag was taken as a B licence.
  bool licence_assumed = false;
};

// String views for ids in details. Ids at or above the table's capacity
// come from `overlay` (strings an ad-hoc Explain did not intern).
struct NameTable {
  const StringTable* table = nullptr;
  const std::vector<std::string>* overlay = nullptr;
  absl::string_view Get(uint32_t id) const;
};
struct Names {
  NameTable romes, skills, diplomas;
};

// The offer's required skills are skills[0, n_required), desired ones
// follow.
struct OfferRef {
  const OfferRec* rec;
  const uint32_t* skills;
  // The branch minimum at 35 h in cents (0 = none): read only where the
  // legal floor refers to it.
  const int32_t* branch_min_cents = nullptr;
  int32_t BranchMinCents() const {
    return branch_min_cents == nullptr ? 0 : *branch_min_cents;
  }
  // The young-worker time rules the offer breaks (MinorTimeRule bits): for
  // 16-17 in the low half, under 16 in the high one (MinorRulesOf).
  // Read only for a minor (nullptr: none broken).
  const uint32_t* minor_rules = nullptr;
  uint16_t MinorRules(int age) const {
    if (minor_rules == nullptr) return 0;
    return static_cast<uint16_t>(age < 16 ? *minor_rules >> 16 : *minor_rules);
  }
  // The terms behind them, for details (nullptr: none stated); filled
  // where details are written (Explain, factors), not for ranking.
  const WorkingTerms* terms = nullptr;
  OfferTime Time() const {
    return OfferTime{rec->contract, Unpack(rec->start),
                     rec->weekly_centihours / 100.0, rec->Has(kOfferNightWork),
                     terms};
  }
};

// The MinorTimeRule bits of an offer for each age band, as
// OfferRef::minor_rules holds them.
uint32_t MinorRulesOf(const OfferRec& rec, const WorkingTerms* terms);

// Ranking path: false at the first broken rule, or (e->pruned) as soon as
// the score is known to be below `threshold` (a candidate that cannot enter
// the top k need not be checked further). If true, fills `e`.
bool EvaluateFast(const EvalContext& ctx, const GraduateRec& g, OfferRef o,
                  const TradeMatch& trade, Evaluation* e,
                  double threshold = -1);

// Explain path: every broken rule into `exclusions` (in rule order), and
// the evaluation (scored as if eligible) into `e`.
void EvaluateAll(const EvalContext& ctx, const GraduateRec& g, OfferRef o,
                 const TradeMatch& trade, const Names& names, Evaluation* e,
                 std::vector<Exclusion>* exclusions);

// An upper bound of the score of any offer whose trade has `closeness`,
// whose contract preference value is `contract_value` and whose distance
// factor is at most `distance_value`: the exact
// score (Evaluate*) is <= this value, bit for bit (same operations in the
// same order on values that are each >= the real ones).
double ScoreUpperBound(const EvalContext& ctx, double closeness,
                       double contract_value, double distance_value);

// The distance factor's value at `distance_km` (decreasing in it).
double DistanceValue(const EvalParams& params, const GraduateRec& g,
                     double distance_km);

// The contract_preference factor's value for an offer of type `type`.
double ContractValue(const ScoringConfig& config, const GraduateRec& g,
                     ContractType type);

// The factors behind `e`, with their details, in kFactor* order.
std::vector<Factor> DescribeFactors(const EvalContext& ctx,
                                    const GraduateRec& g, OfferRef o,
                                    const TradeMatch& trade, const Names& names,
                                    const Evaluation& e);
std::vector<Warning> DescribeWarnings(const EvalContext& ctx,
                                      const GraduateRec& g, OfferRef o,
                                      const Names& names, const Evaluation& e);

}  // namespace passerelle::engine::internal
