#pragma once

// Weights and shapes of the soft score. One struct with defaults; the engine
// normalizes the weights so that they sum to 1.

#include "absl/status/status.h"

namespace passerelle::engine {

// Factor names, in the order results list them.
inline constexpr const char* kFactorSkills = "skills";
inline constexpr const char* kFactorDistance = "distance";
inline constexpr const char* kFactorTrade = "trade";
inline constexpr const char* kFactorContract = "contract_preference";
inline constexpr const char* kFactorSalary = "salary";
inline constexpr const char* kFactorFreshness = "freshness";
inline constexpr const char* kFactorOfferFit = "offer_fit";
inline constexpr int kNumFactors = 7;

struct ScoringConfig {
  // Weights (any non-negative scale; normalized to sum 1).
  double w_skills = 0.25;
  double w_distance = 0.20;
  double w_trade = 0.20;
  double w_contract = 0.10;
  double w_salary = 0.10;
  double w_freshness = 0.05;
  double w_offer_fit = 0.10;

  // skills: required coverage counts this much, desired the rest. An empty
  // list counts as fully covered.
  double skills_required_share = 0.75;

  // distance: exp(-ln(1/floor) * d / radius): 1 at the door, `floor` at the
  // radius.
  double distance_value_at_radius = 0.1;

  // trade closeness.
  double trade_other_own_code = 0.9;  // one of the graduate's other codes
  double trade_mobility_rank1 = 0.8;  // mobility rank 1 (closest)
  double trade_mobility_step = 0.02;  // minus this per rank
  double trade_mobility_floor = 0.4;  // never below
  // ROME 4.0 split some ROME v3 fiches into several codes that keep the v3
  // code as "parent"; a code sharing the parent of one of the graduate's but
  // absent from the mobility table is allowed with this closeness. Set
  // `allow_same_parent` false to exclude such offers.
  bool allow_same_parent = true;
  double trade_same_parent = 0.3;

  // contract preference: first accepted type 1, last `contract_last`.
  double contract_last = 0.5;

  // salary: below the legal minimum 0 (and a warning), at the minimum
  // `salary_at_minimum`, rising linearly to 1 at `salary_full_ratio` x the
  // minimum. Not stated: `salary_not_stated`.
  double salary_at_minimum = 0.5;
  double salary_full_ratio = 1.5;
  double salary_not_stated = 0.5;

  // freshness: 0.5^(days since last update / half life).
  double freshness_half_life_days = 30;

  // offer_fit (reciprocal: the graduate from the employer's side) mixes the
  // level fit, readiness (diploma obtained vs in progress) and required skills
  // held, with these shares.
  double fit_level_share = 0.4;
  double fit_readiness_share = 0.3;
  double fit_skills_share = 0.3;

  // Checks ranges (weights >= 0 with a positive sum, shares in [0, 1], ...);
  // InvalidArgument naming the field otherwise.
  absl::Status Validate() const;
};

}  // namespace passerelle::engine
