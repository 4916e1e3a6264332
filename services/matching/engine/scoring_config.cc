#include "services/matching/engine/scoring_config.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace passerelle::engine {
namespace {

absl::Status Check(bool ok, const char* field, const char* what) {
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("scoring.", field, ": ", what));
}

bool Unit(double v) { return std::isfinite(v) && v >= 0 && v <= 1; }
bool NonNegative(double v) { return std::isfinite(v) && v >= 0; }

}  // namespace

absl::Status ScoringConfig::Validate() const {
  const std::pair<const char*, double> weights[] = {
      {"w_skills", w_skills},      {"w_distance", w_distance},
      {"w_trade", w_trade},        {"w_contract", w_contract},
      {"w_salary", w_salary},      {"w_freshness", w_freshness},
      {"w_offer_fit", w_offer_fit}};
  double sum = 0;
  for (const auto& [name, w] : weights) {
    if (!NonNegative(w)) {
      return Check(false, name, "must be finite and >= 0");
    }
    sum += w;
  }
  if (!(sum > 0)) return Check(false, "w_*", "weights must not all be 0");
  const std::pair<const char*, double> units[] = {
      {"skills_required_share", skills_required_share},
      {"trade_other_own_code", trade_other_own_code},
      {"trade_mobility_rank1", trade_mobility_rank1},
      {"trade_mobility_floor", trade_mobility_floor},
      {"trade_same_parent", trade_same_parent},
      {"contract_last", contract_last},
      {"salary_at_minimum", salary_at_minimum},
      {"salary_not_stated", salary_not_stated},
      {"fit_level_share", fit_level_share},
      {"fit_readiness_share", fit_readiness_share},
      {"fit_skills_share", fit_skills_share}};
  for (const auto& [name, v] : units) {
    if (!Unit(v)) return Check(false, name, "must be in [0, 1]");
  }
  if (!(fit_level_share + fit_readiness_share + fit_skills_share > 0)) {
    return Check(false, "fit_*_share", "shares must not all be 0");
  }
  if (!(std::isfinite(distance_value_at_radius) &&
        distance_value_at_radius > 0 && distance_value_at_radius <= 1)) {
    return Check(false, "distance_value_at_radius", "must be in (0, 1]");
  }
  if (!NonNegative(trade_mobility_step)) {
    return Check(false, "trade_mobility_step", "must be >= 0");
  }
  if (!(std::isfinite(salary_full_ratio) && salary_full_ratio > 1)) {
    return Check(false, "salary_full_ratio", "must be > 1");
  }
  if (!(std::isfinite(freshness_half_life_days) &&
        freshness_half_life_days > 0)) {
    return Check(false, "freshness_half_life_days", "must be > 0");
  }
  return absl::OkStatus();
}

}  // namespace passerelle::engine
