#pragma once

// Seeded generator of realistic offers and graduates for benchmarks and
// load tests, built from the referentials shipped in data/: places are
// communes drawn by population (coordinates from communes.csv, jittered
// within ~1.5 km), trades come from real level-3/4 diplomas with ROME codes
// (diplomas.csv), skills are per-trade plus transversal ones, and the
// contract mix is CDI 40 %, apprenticeship 45 %, professionalisation 5 %,
// CDD 10 %; graduates are 15 to 20 years old.
//
// Deterministic: the same seed and options give the same records on every
// platform (SplitMix64 streams and own integer-to-real transforms, no
// std::*_distribution).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/common/referentials.h"
#include "services/matching/engine/engine.h"
#include "services/matching/engine/types.h"

namespace passerelle::datagen {

// The parts of data/ the generator uses.
struct Referential {
  struct Commune {
    std::string insee;
    std::string name;
    std::string departement;
    double latitude = 0;
    double longitude = 0;
    int64_t population = 0;
  };
  struct Diploma {
    std::string code;
    std::string kind;
    std::string title;
    int level = 0;
    std::vector<std::string> rome_codes;  // only codes of rome_codes.csv
  };
  // Communes with a population: COM rows, except Paris, Lyon and Marseille
  // whose municipal arrondissements (ARM) are used instead (no double
  // counting).
  std::vector<Commune> communes;
  // Diplomas of levels 3 to 5 with at least one ROME fiche, open on `today`.
  std::vector<Diploma> diplomas;
  // ROME code -> title, sorted by code.
  std::vector<std::pair<std::string, std::string>> rome_titles;
  // For the engine: codes with parents, mobility table.
  engine::TradeReferential trades;

  // From the shared referentials (services/common/referentials.h).
  static Referential From(const common::Referentials& refs,
                          absl::CivilDay today);
  // Loads them from `data_dir` (common::Referentials::Load's errors), and
  // InvalidArgument if nothing usable remains.
  static absl::StatusOr<Referential> Load(const std::string& data_dir,
                                          absl::CivilDay today);
};

// The engine's trade referential (codes with ROME v3 parents, mobility
// table) from the shared referentials; what a matching service passes in
// EngineOptions::trades.
engine::TradeReferential TradesFrom(const common::Referentials& refs);

struct Options {
  uint64_t seed = 20260315;
  absl::CivilDay today = absl::CivilDay(2026, 3, 15);
  // Companies offers are spread over (ids "co-0000000").
  int companies = 150000;
};

// An engine record plus what a writer of CSV/JSONL or an API client needs.
struct GeneratedOffer {
  engine::Offer offer;
  std::string commune_insee;
  std::string title;  // the ROME title
};

struct GeneratedGraduate {
  engine::Graduate graduate;
  std::string commune_insee;
  std::string given_name;
  std::string family_name;
  std::string diploma_title;
};

class Generator {
 public:
  // `ref` must outlive the generator.
  Generator(const Referential& ref, Options options);

  // The i-th record of each sequence depends only on the seed and i, so
  // ranges can be generated in any order or in parallel by several
  // generators. Ids: "off-0000001", "grd-0000001" (1-based, 7 digits).
  GeneratedOffer Offer(uint64_t i) const;
  GeneratedGraduate Graduate(uint64_t i) const;

  std::vector<engine::Offer> Offers(uint64_t first, uint64_t count) const;
  std::vector<engine::Graduate> Graduates(uint64_t first, uint64_t count) const;

 private:
  class Rng;
  const Referential::Commune& PickCommune(Rng& rng) const;
  // A level-3/4 diploma, weighted towards CAP/Bac Pro and industry.
  const Referential::Diploma& PickDiploma(Rng& rng) const;

  const Referential& ref_;
  Options options_;
  std::vector<double> commune_cumulative_;
  std::vector<double> diploma_cumulative_;
  std::vector<size_t> level34_;  // indices of level 3-4 diplomas
  // ROME code -> indices of level-5 diplomas leading to it.
  std::vector<std::pair<std::string, std::vector<size_t>>> level5_by_rome_;
  std::vector<std::string> rome_title_codes_;
};

}  // namespace passerelle::datagen
