#pragma once

// Fixtures shared by the engine's tests: a tiny trade referential, a
// graduate and an offer that match, and an engine built over them.

#include <memory>
#include <string>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "services/matching/engine/engine.h"

namespace passerelle::engine::testing {

inline const absl::CivilDay kToday(2026, 3, 15);
inline const absl::CivilDay kStart(2026, 9, 1);

// H2903 (the graduate's trade) -> H2902 rank 1, H2901 rank 3; H2904 shares
// H2903's ROME v3 parent without being in its mobility list; H2905 and
// K1201 are unrelated.
inline TradeReferential TestTrades() {
  TradeReferential t;
  t.codes = {{"H2901", "H2901"}, {"H2902", "H2902"}, {"H2903", "H2903"},
             {"H2904", "H2903"}, {"H2905", "H2905"}, {"K1201", "K1201"}};
  t.mobility = {{"H2903", "H2902", 1}, {"H2903", "H2901", 3}};
  return t;
}

// 19 at kStart, CAP (level 3) obtained, in Lille, 30 km, accepts
// apprenticeship then CDI.
inline Graduate BaseGraduate() {
  Graduate g;
  g.id = "g1";
  g.birth_date = absl::CivilDay(2007, 1, 15);
  g.diploma = {"50025123", 3, DiplomaStatus::kObtained,
               absl::CivilDay(2025, 7, 1)};
  g.rome_codes = {"H2903"};
  g.skills = {"tournage", "fraisage", "lecture de plans"};
  g.latitude = 50.6292;  // Lille
  g.longitude = 3.0573;
  g.max_distance_km = 30;
  g.accepted_contracts = {ContractType::kApprenticeship, ContractType::kCdi};
  g.available_from = absl::CivilDay(2026, 6, 1);
  g.completed_college = true;
  return g;
}

// An apprenticeship preparing a level-4 diploma in Roubaix (~11 km), open,
// starting kStart.
inline Offer BaseOffer() {
  Offer o;
  o.id = "o1";
  o.company_id = "c1";
  o.rome_code = "H2903";
  o.contract_type = ContractType::kApprenticeship;
  o.duration_months = 24;
  o.start_date = kStart;
  o.weekly_hours = 35;
  o.required_level = 3;
  o.target_diploma = {"40025010", 4, DiplomaStatus::kInProgress, {}};
  o.required_skills = {"tournage"};
  o.desired_skills = {"soudure"};
  o.latitude = 50.6942;  // Roubaix
  o.longitude = 3.1746;
  o.positions = 1;
  o.monthly_gross_salary_eur = 1100;
  o.expires_on = absl::CivilDay(2026, 6, 30);
  o.created_on = absl::CivilDay(2026, 3, 1);
  o.updated_on = absl::CivilDay(2026, 3, 1);
  return o;
}

inline std::unique_ptr<Engine> MakeEngine(ScoringConfig scoring = {}) {
  EngineOptions options;
  options.trades = TestTrades();
  options.scoring = scoring;
  auto engine = Engine::Create(std::move(options));
  EXPECT_TRUE(engine.ok()) << engine.status();
  return std::move(engine).value();
}

inline RankQuery Query(int k = 20) {
  RankQuery q;
  q.today = kToday;
  q.k = k;
  return q;
}

}  // namespace passerelle::engine::testing
