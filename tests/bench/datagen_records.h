#pragma once

// API records (passerelle.v1) from the seeded generator of datagen.h, shaped
// to pass the server's validation on `today`: companies with Luhn-valid
// SIRETs, schools with valid UAIs, offers and graduates whose dates, ages,
// diplomas and ROME codes the services accept. The same seed and options give
// the same records, so a re-run upserts (by external_id, SIRET, UAI) instead
// of duplicating.
//
// Where the API's rules differ from the engine-level generator, the records
// are adjusted here (the generator itself stays as engine_bench uses it):
// - an offer already expired for the generator is stored closed, without
//   expires_on (the API refuses an expires_on in the past);
// - a diploma "in progress" expected on a day already past is expected next
//   July instead;
// - "accepts any contract" (empty list for the engine) is all four types;
// - positions_filled is left to the proposal service (output only);
// - duplicate skills are dropped.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/offer.pb.h"
#include "passerelle/v1/organization.pb.h"
#include "services/common/referentials.h"
#include "tests/bench/datagen.h"

namespace passerelle::datagen {

struct RecordOptions {
  uint64_t seed = 20260315;
  absl::CivilDay today;  // the servers' today (common::TodayInParis())
  int companies = 40;    // >= 1
  int schools = 4;       // 1..10000
  // INSEE region code ("32" = Hauts-de-France); empty: all of France.
  std::string region;
  // Only the trades Écoles de production mostly teach: diplomas whose first
  // ROME code is in industry (H), building (F) or installation and
  // maintenance (I). Denser matches for a small demo data set.
  bool industry_only = false;
};

class RecordMaker {
 public:
  // INVALID_ARGUMENT naming the option at fault (no commune in `region`,
  // counts out of range).
  static absl::StatusOr<std::unique_ptr<RecordMaker>> Create(
      const common::Referentials& refs, const RecordOptions& options);

  const RecordOptions& options() const { return options_; }

  // The i-th company / school (0-based), without id: for CreateCompany /
  // CreateSchool. Their SIRET / UAI are unique within a seed.
  v1::Company Company(int i) const;
  v1::School School(int i) const;

  // The i-th offer (external_id "off-0000001" for i = 0). company_id is left
  // empty; `*company` is the index of its company in [0, companies).
  v1::Offer Offer(uint64_t i, int* company) const;
  // The i-th graduate (external_id "grd-0000001"). school_id is left empty;
  // `*school` is the index of the nearest school.
  v1::Graduate Graduate(uint64_t i, int* school) const;

 private:
  RecordMaker(const common::Referentials& refs, const RecordOptions& options,
              Referential ref);
  const Referential::Commune& PickCommune(uint64_t key) const;

  const common::Referentials& refs_;
  RecordOptions options_;
  Referential ref_;
  std::unique_ptr<Generator> generator_;
  std::vector<double> commune_cumulative_;
  std::vector<std::string> naf_codes_;
  // Where each school is (its commune), for the nearest-school choice.
  std::vector<const Referential::Commune*> school_communes_;
};

}  // namespace passerelle::datagen
