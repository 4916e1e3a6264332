#include "services/matching/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "s2/s1angle.h"
#include "s2/s1chord_angle.h"
#include "s2/s2cap.h"
#include "s2/s2cell.h"
#include "s2/s2cell_id.h"
#include "s2/s2latlng.h"
#include "s2/s2metrics.h"
#include "s2/s2region_coverer.h"
#include "services/matching/engine/geo.h"
#include "services/matching/engine/working_time.h"

namespace passerelle::engine {

static_assert(kFactorValues == kNumFactors,
              "RankedOffer::values holds one value per factor");

using internal::EvalContext;
using internal::Evaluation;
using internal::GraduateRec;
using internal::OfferRec;
using internal::OfferRef;
using internal::Pack;
using internal::TradeMatch;

namespace {

// Offers and graduates are keyed by the level-14 S2 cell (~600 m) of their
// location. A level-14 cell id has its lowest set bit at position 32, so
// id >> 32 is a 32-bit value that orders like the cells; the low 32 bits of
// a key carry the record index.
constexpr int kIndexLevel = 14;
constexpr uint64_t kIndexMask = 0xFFFFFFFFull;

constexpr double kRadiusBounds[] = {5,
                                    10,
                                    15,
                                    20,
                                    30,
                                    40,
                                    50,
                                    75,
                                    100,
                                    150,
                                    200,
                                    300,
                                    std::numeric_limits<double>::infinity()};

int RadiusClass(double km) {
  int c = 0;
  while (km > kRadiusBounds[c]) ++c;
  return c;
}

uint64_t CellKey(double lat, double lng) {
  const S2CellId leaf(S2LatLng::FromDegrees(lat, lng));
  return leaf.parent(kIndexLevel).id() >> 32;
}

uint64_t RecordKey(double lat, double lng, uint32_t idx) {
  return (CellKey(lat, lng) << 32) | idx;
}

struct KeyRange {
  uint64_t lo;  // inclusive
  uint64_t hi;  // inclusive
};

// Key ranges whose cells cover the cap of `radius_km` around (lat, lng).
// The cap is padded by 10 m (and 1e-9 relative) so that a point exactly at
// the radius by HaversineKm is never lost to S2's own rounding; the rule
// then decides on the exact haversine distance.
void Cover(double lat, double lng, double radius_km, int max_cells,
           std::vector<KeyRange>* out) {
  out->clear();
  const double padded = radius_km * (1 + 1e-9) + 0.01;
  S2Cap cap;
  if (padded >= M_PI * kEarthRadiusKm) {
    cap = S2Cap::Full();
  } else {
    cap = S2Cap(S2LatLng::FromDegrees(lat, lng).ToPoint(),
                S1ChordAngle(S1Angle::Radians(padded / kEarthRadiusKm)));
  }
  S2RegionCoverer::Options options;
  options.set_max_cells(max_cells);
  options.set_max_level(kIndexLevel);
  S2RegionCoverer coverer(options);
  std::vector<S2CellId> cells;
  coverer.GetCovering(cap, &cells);  // sorted, disjoint
  for (const S2CellId& cell : cells) {
    const uint64_t first = cell.range_min().parent(kIndexLevel).id() >> 32;
    const uint64_t last = cell.range_max().parent(kIndexLevel).id() >> 32;
    // Consecutive level-14 cells differ by 2 in this space: merge touching
    // ranges into one scan.
    if (!out->empty() && (out->back().hi >> 32) + 2 == first) {
      out->back().hi = (last << 32) | kIndexMask;
    } else {
      out->push_back(KeyRange{first << 32, (last << 32) | kIndexMask});
    }
  }
}

// One covering cell as a key range, with a lower bound of the distance
// from the query point to any point of the cell.
struct CellRange {
  KeyRange range;
  double min_km;
};

void CoverCells(double lat, double lng, double radius_km,
                std::vector<CellRange>* out) {
  out->clear();
  const double padded = radius_km * (1 + 1e-9) + 0.01;
  const S2Point center = S2LatLng::FromDegrees(lat, lng).ToPoint();
  S2Cap cap;
  if (padded >= M_PI * kEarthRadiusKm) {
    cap = S2Cap::Full();
  } else {
    cap =
        S2Cap(center, S1ChordAngle(S1Angle::Radians(padded / kEarthRadiusKm)));
  }
  // Every cell, at the level whose cells are about half the radius across,
  // that touches the cap: a few dozen cells, fine enough to tell the cells
  // near the home from the far ones. A flood fill from the home's cell is
  // much cheaper than S2RegionCoverer's hierarchical search.
  const int level =
      std::clamp(S2::kAvgEdge.GetLevelForMaxValue(padded / 2 / kEarthRadiusKm),
                 0, kIndexLevel);
  std::vector<S2CellId> cells;
  S2RegionCoverer::FloodFill(cap, S2CellId(center).parent(level), &cells);
  for (const S2CellId& id : cells) {
    const uint64_t first = id.range_min().parent(kIndexLevel).id() >> 32;
    const uint64_t last = id.range_max().parent(kIndexLevel).id() >> 32;
    // 20 m below S2's distance: the bound must never exceed what
    // HaversineKm will say for a point of the cell.
    const double km =
        S2Cell(id).GetDistance(center).ToAngle().radians() * kEarthRadiusKm;
    out->push_back(CellRange{KeyRange{first << 32, (last << 32) | kIndexMask},
                             std::max(0.0, km - 0.02)});
  }
}

// The cells' ranges in key order, touching ones merged: fewer lookups
// when the order of the visit does not matter.
void MergeRanges(const std::vector<CellRange>& cells,
                 std::vector<KeyRange>* out) {
  out->clear();
  for (const CellRange& cell : cells) out->push_back(cell.range);
  std::sort(out->begin(), out->end(),
            [](const KeyRange& a, const KeyRange& b) { return a.lo < b.lo; });
  size_t n = 0;
  for (size_t i = 0; i < out->size(); ++i) {
    if (n > 0 && ((*out)[n - 1].hi >> 32) + 2 == ((*out)[i].lo >> 32)) {
      (*out)[n - 1].hi = (*out)[i].hi;
    } else {
      (*out)[n++] = (*out)[i];
    }
  }
  out->resize(n);
}

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::Status CheckDay(absl::CivilDay day, absl::string_view field) {
  if (day.year() < 1000 || day.year() > 9999) {
    return Invalid(field, "year must be within 1000..9999");
  }
  return absl::OkStatus();
}

absl::Status CheckLatLng(double lat, double lng, absl::string_view what) {
  if (!std::isfinite(lat) || lat < -90 || lat > 90) {
    return Invalid(absl::StrCat(what, ".latitude"), "must be in [-90, 90]");
  }
  if (!std::isfinite(lng) || lng < -180 || lng > 180) {
    return Invalid(absl::StrCat(what, ".longitude"), "must be in [-180, 180]");
  }
  return absl::OkStatus();
}

absl::Status CheckLevel(int level, absl::string_view field) {
  if (level < 0 || level > 8) return Invalid(field, "must be within 0..8");
  return absl::OkStatus();
}

absl::Status ValidateOffer(const Offer& o) {
  if (o.id.empty()) return Invalid("offer.id", "must not be empty");
  if (o.rome_code.empty())
    return Invalid("offer.rome_code", "must not be empty");
  const int type = static_cast<int>(o.contract_type);
  if (type < 1 || type >= kNumContractTypes) {
    return Invalid("offer.contract_type", "unknown contract type");
  }
  if (o.duration_months < 0 || o.duration_months > 255) {
    return Invalid("offer.duration_months", "must be within 0..255");
  }
  if (!std::isfinite(o.weekly_hours) || o.weekly_hours < 0 ||
      o.weekly_hours > 168) {
    return Invalid("offer.weekly_hours", "must be within 0..168");
  }
  if (auto s = CheckLevel(o.required_level, "offer.required_level"); !s.ok()) {
    return s;
  }
  if (auto s = CheckLevel(o.target_diploma.level, "offer.target_diploma.level");
      !s.ok()) {
    return s;
  }
  if (o.required_skills.size() > 255 || o.desired_skills.size() > 255) {
    return Invalid("offer.required_skills", "at most 255 skills each");
  }
  for (const auto& s : o.required_skills) {
    if (s.empty()) return Invalid("offer.required_skills", "empty skill");
  }
  for (const auto& s : o.desired_skills) {
    if (s.empty()) return Invalid("offer.desired_skills", "empty skill");
  }
  if (auto s = CheckLatLng(o.latitude, o.longitude, "offer"); !s.ok()) return s;
  if (o.positions < 0) return Invalid("offer.positions", "must be >= 0");
  if (o.positions_filled < 0) {
    return Invalid("offer.positions_filled", "must be >= 0");
  }
  if (!std::isfinite(o.monthly_gross_salary_eur) ||
      o.monthly_gross_salary_eur < 0 || o.monthly_gross_salary_eur > 1e7) {
    return Invalid("offer.monthly_gross_salary_eur", "must be within 0..1e7");
  }
  if (!std::isfinite(o.branch_minimum_monthly_eur) ||
      o.branch_minimum_monthly_eur < 0 || o.branch_minimum_monthly_eur > 1e7) {
    return Invalid("offer.branch_minimum_monthly_eur", "must be within 0..1e7");
  }
  const int sector = static_cast<int>(o.terms.sector);
  if (sector < 0 || sector >= kNumWorkSectors) {
    return Invalid("offer.work_sector", "unknown sector");
  }
  if (auto s = ValidateShifts(o.terms.shifts); !s.ok()) {
    return Invalid("offer.schedule", s.message());
  }
  if (o.terms.night_authorised_on) {
    if (auto s = CheckDay(*o.terms.night_authorised_on,
                          "offer.derogations.night_work_authorised_on");
        !s.ok()) {
      return s;
    }
  }
  if (o.terms.bar_agrement_on) {
    if (auto s = CheckDay(*o.terms.bar_agrement_on,
                          "offer.derogations.bar_agrement_on");
        !s.ok()) {
      return s;
    }
  }
  for (RegulatedWork work : o.regulated_works) {
    const int w = static_cast<int>(work);
    if (w < 1 || w >= kNumRegulatedWorks) {
      return Invalid("offer.regulated_works", "unknown category");
    }
  }
  if (o.driving_licence_category.has_value()) {
    const int c = static_cast<int>(*o.driving_licence_category);
    if (c < 1 || c >= kNumLicenceCategories) {
      return Invalid("offer.driving_licence_category", "unknown category");
    }
  }
  if (o.regulated_work_declared_on.has_value()) {
    const int year = o.regulated_work_declared_on->year();
    if (year < 1971 || year > 2149) {
      return Invalid("offer.regulated_work_declared_on",
                     "year must be within 1971..2149");
    }
  }
  if (auto s = CheckDay(o.start_date, "offer.start_date"); !s.ok()) return s;
  if (o.expires_on.has_value()) {
    if (auto s = CheckDay(*o.expires_on, "offer.expires_on"); !s.ok()) return s;
  }
  if (auto s = CheckDay(o.created_on, "offer.created_on"); !s.ok()) return s;
  if (auto s = CheckDay(o.updated_on, "offer.updated_on"); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status ValidateGraduate(const Graduate& g) {
  if (g.id.empty()) return Invalid("graduate.id", "must not be empty");
  if (auto s = CheckDay(g.birth_date, "graduate.birth_date"); !s.ok()) return s;
  if (auto s = CheckDay(g.available_from, "graduate.available_from"); !s.ok()) {
    return s;
  }
  if (g.diploma.obtained_on.has_value()) {
    if (auto s =
            CheckDay(*g.diploma.obtained_on, "graduate.diploma.obtained_on");
        !s.ok()) {
      return s;
    }
  }
  if (auto s = CheckLevel(g.diploma.level, "graduate.diploma.level"); !s.ok()) {
    return s;
  }
  if (g.diploma.status != DiplomaStatus::kInProgress &&
      g.diploma.status != DiplomaStatus::kObtained) {
    return Invalid("graduate.diploma.status", "unknown status");
  }
  if (g.rome_codes.size() > 64) {
    return Invalid("graduate.rome_codes", "at most 64 codes");
  }
  for (const auto& code : g.rome_codes) {
    if (code.empty()) return Invalid("graduate.rome_codes", "empty code");
  }
  for (const auto& s : g.skills) {
    if (s.empty()) return Invalid("graduate.skills", "empty skill");
  }
  if (auto s = CheckLatLng(g.latitude, g.longitude, "graduate"); !s.ok()) {
    return s;
  }
  if (!std::isfinite(g.max_distance_km) || g.max_distance_km < 0) {
    return Invalid("graduate.max_distance_km", "must be finite and >= 0");
  }
  for (ContractType type : g.accepted_contracts) {
    const int t = static_cast<int>(type);
    if (t < 1 || t >= kNumContractTypes) {
      return Invalid("graduate.accepted_contracts", "unknown contract type");
    }
  }
  for (WorkAuthorisation a : g.work_authorisations) {
    const int v = static_cast<int>(a);
    if (v < 1 || v >= kNumWorkAuthorisations) {
      return Invalid("graduate.work_authorisations", "unknown authorisation");
    }
  }
  for (const DrivingLicence& l : g.driving_licences) {
    const int v = static_cast<int>(l.category);
    if (v < 1 || v >= kNumLicenceCategories) {
      return Invalid("graduate.driving_licences.category", "unknown category");
    }
    if (auto s =
            CheckDay(l.obtained_on, "graduate.driving_licences.obtained_on");
        !s.ok()) {
      return s;
    }
  }
  for (const Attestation& a : g.attestations) {
    const int v = static_cast<int>(a.kind);
    if (v < 1 || v >= kNumAttestationKinds) {
      return Invalid("graduate.attestations.kind", "unknown kind");
    }
    if (auto s = CheckDay(a.attested_on, "graduate.attestations.attested_on");
        !s.ok()) {
      return s;
    }
    if (a.previous_contract_end.has_value()) {
      if (auto s = CheckDay(*a.previous_contract_end,
                            "graduate.attestations.previous_contract_end");
          !s.ok()) {
        return s;
      }
    }
    if (auto s = CheckLevel(a.previous_level,
                            "graduate.attestations.previous_level");
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Interning policies for building records: the engine's tables (writer
// lock held), or a read-only view with an overlay for unseen strings (an
// ad-hoc Explain under a reader lock).
struct Overlay {
  const internal::StringTable* table;
  std::vector<std::string> strings;
  absl::flat_hash_map<std::string, uint32_t> ids;
  uint32_t Get(absl::string_view s) {
    if (auto id = table->Find(s)) return *id;
    auto [it, inserted] = ids.try_emplace(
        std::string(s),
        table->capacity() + static_cast<uint32_t>(strings.size()));
    if (inserted) strings.emplace_back(s);
    return it->second;
  }
};

using DiplomaIndex = absl::flat_hash_map<std::string, DiplomaFacts>;

const DiplomaFacts* FindFacts(const DiplomaIndex& diplomas,
                              const std::string& code) {
  if (code.empty()) return nullptr;
  auto it = diplomas.find(code);
  return it == diplomas.end() ? nullptr : &it->second;
}

template <typename InternFn>
void BuildOfferRec(const Offer& o, InternFn&& intern,
                   const DiplomaIndex& diplomas, OfferRec* rec,
                   std::vector<uint32_t>* skills) {
  rec->lat = o.latitude;
  rec->lng = o.longitude;
  rec->start = Pack(o.start_date);
  rec->expires = o.expires_on ? Pack(*o.expires_on) : internal::kNoDay;
  rec->updated_days = internal::EpochDays(std::max(o.created_on, o.updated_on));
  rec->salary_cents =
      static_cast<int32_t>(std::llround(o.monthly_gross_salary_eur * 100));
  rec->company = intern(1, o.company_id);
  rec->target_diploma = intern(3, o.target_diploma.code);
  rec->rome = static_cast<uint16_t>(intern(0, o.rome_code));
  rec->weekly_centihours =
      static_cast<uint16_t>(std::llround(o.weekly_hours * 100));
  rec->positions = static_cast<uint16_t>(std::min(o.positions, 0xFFFF));
  rec->positions_filled =
      static_cast<uint16_t>(std::min(o.positions_filled, 0xFFFF));
  rec->contract = o.contract_type;
  rec->flags = internal::kOfferLive;
  if (o.night_work) rec->flags |= internal::kOfferNightWork;
  rec->regulated_works = 0;
  for (RegulatedWork work : o.regulated_works) {
    rec->regulated_works |= static_cast<uint16_t>(1u << static_cast<int>(work));
  }
  if (o.regulated_work || rec->regulated_works != 0) {
    rec->flags |= internal::kOfferRegulated;
  }
  rec->declared_days = 0;
  if (o.regulated_work_declared_on.has_value()) {
    rec->declared_days = static_cast<uint16_t>(
        internal::EpochDays(*o.regulated_work_declared_on));
  }
  if (o.regulated_work_declared || rec->declared_days != 0) {
    rec->flags |= internal::kOfferRegulatedDeclared;
  }
  rec->licence_category =
      o.driving_licence_category
          ? static_cast<uint8_t>(*o.driving_licence_category)
          : 0;
  rec->pay_year_offset = 0;
  if (o.driving_licence_required || rec->licence_category != 0) {
    rec->flags |= internal::kOfferLicenceRequired;
  }
  if (o.open) rec->flags |= internal::kOfferOpen;
  if (o.contract_type == ContractType::kCdd && o.cdd_motive_unstated) {
    rec->flags |= internal::kOfferCddMotiveUnstated;
  }
  // L6211-1: an apprenticeship leads to a diploma, which must still exist
  // on the contract's last day. Per offer (not per pair): decided here.
  if (o.contract_type == ContractType::kApprenticeship) {
    const DiplomaFacts* facts = FindFacts(diplomas, o.target_diploma.code);
    // D6222-28-1: a contract shorter than the diploma's cycle counts the
    // difference as apprenticeship already done, for pay.
    if (facts != nullptr && facts->cycle_months > o.duration_months) {
      rec->pay_year_offset = static_cast<uint8_t>(
          std::min(2, (facts->cycle_months - o.duration_months) / 12));
    }
    if (facts != nullptr && facts->closes_on.has_value() &&
        *facts->closes_on <
            internal::ContractLastDay(o.start_date, o.duration_months)) {
      rec->flags |= internal::kOfferTargetClosed;
    }
  }
  rec->required_level = static_cast<uint8_t>(o.required_level);
  rec->target_level = static_cast<uint8_t>(o.target_diploma.level);
  rec->duration_months = static_cast<uint8_t>(o.duration_months);

  std::vector<uint32_t> required, desired;
  for (const auto& s : o.required_skills) required.push_back(intern(2, s));
  for (const auto& s : o.desired_skills) desired.push_back(intern(2, s));
  std::sort(required.begin(), required.end());
  required.erase(std::unique(required.begin(), required.end()), required.end());
  std::sort(desired.begin(), desired.end());
  desired.erase(std::unique(desired.begin(), desired.end()), desired.end());
  // A skill both required and desired counts as required.
  desired.erase(std::remove_if(desired.begin(), desired.end(),
                               [&](uint32_t id) {
                                 return std::binary_search(required.begin(),
                                                           required.end(), id);
                               }),
                desired.end());
  rec->n_required = static_cast<uint8_t>(required.size());
  rec->n_desired = static_cast<uint8_t>(desired.size());
  skills->assign(required.begin(), required.end());
  skills->insert(skills->end(), desired.begin(), desired.end());
}

template <typename InternFn>
void BuildGraduateRec(const Graduate& g, InternFn&& intern,
                      const DiplomaIndex& diplomas, GraduateRec* rec) {
  rec->lat = g.latitude;
  rec->lng = g.longitude;
  rec->max_km = g.max_distance_km;
  rec->birth = Pack(g.birth_date);
  rec->available = Pack(g.available_from);
  rec->obtained =
      g.diploma.obtained_on ? Pack(*g.diploma.obtained_on) : internal::kNoDay;
  rec->diploma = intern(3, g.diploma.code);
  rec->level = static_cast<uint8_t>(g.diploma.level);
  rec->status = g.diploma.status;
  rec->flags = internal::kGradLive;
  if (g.driving_licence) rec->flags |= internal::kGradLicence;
  if (g.completed_college) rec->flags |= internal::kGradCollege;
  if (g.seeking) rec->flags |= internal::kGradSeeking;
  rec->authorisations = 0;
  for (WorkAuthorisation a : g.work_authorisations) {
    rec->authorisations |= static_cast<uint8_t>(1u << static_cast<int>(a));
  }
  rec->licences.clear();
  for (const DrivingLicence& l : g.driving_licences) {
    rec->licences.emplace_back(static_cast<uint8_t>(l.category),
                               Pack(l.obtained_on));
  }
  rec->attestations = 0;
  rec->follow_on_end = rec->broken_end = internal::kNoDay;
  rec->follow_on_level = 0;
  rec->attested.clear();
  for (const Attestation& a : g.attestations) {
    rec->attestations |= static_cast<uint16_t>(1u << static_cast<int>(a.kind));
    rec->attested.emplace_back(static_cast<uint8_t>(a.kind),
                               Pack(a.attested_on));
    const internal::PackedDay end = a.previous_contract_end
                                        ? Pack(*a.previous_contract_end)
                                        : internal::kNoDay;
    if (a.kind == AttestationKind::kFollowOn) {
      rec->follow_on_end = end;
      rec->follow_on_level = static_cast<uint8_t>(a.previous_level);
    } else if (a.kind == AttestationKind::kBrokenContract) {
      rec->broken_end = end;
    }
  }
  rec->diploma_romes.clear();
  if (const DiplomaFacts* facts = FindFacts(diplomas, g.diploma.code)) {
    rec->flags |= internal::kGradDiplomaKnown;
    if (facts->vocational) rec->flags |= internal::kGradVocational;
    for (const auto& code : facts->rome_codes) {
      const auto id = static_cast<uint16_t>(intern(0, code));
      if (std::find(rec->diploma_romes.begin(), rec->diploma_romes.end(), id) ==
          rec->diploma_romes.end()) {
        rec->diploma_romes.push_back(id);
      }
    }
  } else {
    rec->flags |= internal::kGradVocational;  // assumed: see records.h
  }
  rec->radius_class = static_cast<uint8_t>(RadiusClass(g.max_distance_km));
  std::fill(std::begin(rec->contract_pos), std::end(rec->contract_pos), 0);
  rec->n_contracts = 0;
  for (ContractType type : g.accepted_contracts) {
    uint8_t& pos = rec->contract_pos[static_cast<int>(type)];
    if (pos == 0) pos = ++rec->n_contracts;  // duplicates keep the first
  }
  rec->romes.clear();
  for (const auto& code : g.rome_codes) {
    const auto id = static_cast<uint16_t>(intern(0, code));
    if (std::find(rec->romes.begin(), rec->romes.end(), id) ==
        rec->romes.end()) {
      rec->romes.push_back(id);
    }
  }
  rec->skills.clear();
  for (const auto& s : g.skills) rec->skills.push_back(intern(2, s));
  std::sort(rec->skills.begin(), rec->skills.end());
  rec->skills.erase(std::unique(rec->skills.begin(), rec->skills.end()),
                    rec->skills.end());
  rec->skills.shrink_to_fit();
}

}  // namespace

struct Engine::Candidate {
  double score;
  double distance_km;
  uint32_t idx;
  TradeMatch trade;
};

Engine::Engine(EngineOptions options) : options_(std::move(options)) {}
Engine::~Engine() = default;

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(EngineOptions options) {
  if (auto s = options.scoring.Validate(); !s.ok()) return s;
  if (options.legal.smic.empty()) {
    return absl::InvalidArgumentError("legal.smic: at least one value");
  }
  if (options.max_covering_cells < 1) {
    return absl::InvalidArgumentError("max_covering_cells: must be >= 1");
  }
  std::unique_ptr<Engine> engine(new Engine(std::move(options)));
  if (auto s = engine->Init(); !s.ok()) return s;
  return engine;
}

absl::Status Engine::Init() {
  const ScoringConfig& c = options_.scoring;
  params_.config = c;
  params_.legal = options_.legal;
  const double w[kNumFactors] = {c.w_skills,   c.w_distance, c.w_trade,
                                 c.w_contract, c.w_salary,   c.w_freshness,
                                 c.w_offer_fit};
  double sum = 0;
  for (double x : w) sum += x;
  for (int i = 0; i < kNumFactors; ++i) params_.weights[i] = w[i] / sum;
  const double shares =
      c.fit_level_share + c.fit_readiness_share + c.fit_skills_share;
  params_.fit_shares[0] = c.fit_level_share / shares;
  params_.fit_shares[1] = c.fit_readiness_share / shares;
  params_.fit_shares[2] = c.fit_skills_share / shares;
  params_.log_distance_floor = std::log(c.distance_value_at_radius);
  std::vector<SmicValue> smic = options_.legal.smic;
  std::stable_sort(smic.begin(), smic.end(), [](const auto& a, const auto& b) {
    return a.effective_from < b.effective_from;
  });
  for (const SmicValue& v : smic) {
    if (!(v.monthly_gross_eur > 0)) {
      return absl::InvalidArgumentError(
          "legal.smic: monthly value must be > 0");
    }
    params_.smic_monthly.emplace_back(Pack(v.effective_from),
                                      v.monthly_gross_eur);
  }

  for (const DiplomaFacts& facts : options_.diplomas) {
    if (facts.code.empty()) {
      return absl::InvalidArgumentError("diplomas: empty code");
    }
    if (facts.closes_on.has_value()) {
      if (auto s = CheckDay(*facts.closes_on, "diplomas.closes_on"); !s.ok()) {
        return s;
      }
    }
    if (!diploma_facts_.emplace(facts.code, facts).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("diplomas: duplicate code ", facts.code));
    }
  }
  params_.diplomas = &diploma_facts_;

  absl::MutexLock lock(&mu_);
  diplomas_.Intern("");  // id 0 = no diploma
  const TradeReferential& ref = options_.trades;
  std::vector<std::string> parents;
  for (const auto& code : ref.codes) {
    if (code.code.empty()) {
      return absl::InvalidArgumentError("trades.codes: empty code");
    }
    if (romes_.Find(code.code)) {
      return absl::InvalidArgumentError(
          absl::StrCat("trades.codes: duplicate code ", code.code));
    }
    romes_.Intern(code.code);
    parents.push_back(code.parent);
    if (romes_.capacity() >= 0xFFFF) {
      return absl::InvalidArgumentError("trades.codes: too many codes");
    }
  }
  std::vector<std::pair<std::pair<uint16_t, uint16_t>, int>> edges;
  for (const auto& m : ref.mobility) {
    auto from = romes_.Find(m.code);
    auto to = romes_.Find(m.target);
    if (!from || !to) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trades.mobility: unknown code in ", m.code, " -> ", m.target));
    }
    if (m.rank < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trades.mobility: rank must be >= 1 in ", m.code, " -> ", m.target));
    }
    edges.push_back(
        {{static_cast<uint16_t>(*from), static_cast<uint16_t>(*to)}, m.rank});
  }
  trades_.Build(parents, std::move(edges));
  offers_by_rome_.resize(size_t{romes_.capacity()} * kNumContractTypes);
  graduates_by_rome_.resize(size_t{romes_.capacity()} * kRadiusClasses);
  return absl::OkStatus();
}

std::vector<std::pair<std::string, double>> Engine::Weights() const {
  static constexpr const char* kNames[kNumFactors] = {
      kFactorSkills, kFactorDistance,  kFactorTrade,   kFactorContract,
      kFactorSalary, kFactorFreshness, kFactorOfferFit};
  std::vector<std::pair<std::string, double>> out;
  for (int i = 0; i < kNumFactors; ++i) {
    out.emplace_back(kNames[i], params_.weights[i]);
  }
  return out;
}

uint32_t Engine::InternRome(absl::string_view code) {
  const uint32_t id = romes_.Intern(code);
  if (offers_by_rome_.size() <= size_t{id} * kNumContractTypes) {
    offers_by_rome_.resize(size_t{id + 1} * kNumContractTypes);
    graduates_by_rome_.resize(size_t{id + 1} * kRadiusClasses);
  }
  return id;
}

Engine::KeySet& Engine::OfferSet(uint16_t rome, ContractType contract) {
  return offers_by_rome_[size_t{rome} * kNumContractTypes +
                         static_cast<int>(contract)];
}

Engine::KeySet& Engine::GraduateSet(uint16_t rome, int radius_class) {
  return graduates_by_rome_[size_t{rome} * kRadiusClasses + radius_class];
}

// The offer's branch minimum at 35 h, in cents (0 = none).
static int32_t BranchMinCents(const Offer& o) {
  return static_cast<int32_t>(std::llround(o.branch_minimum_monthly_eur * 100));
}

OfferRef Engine::OfferAt(uint32_t idx) const {
  OfferRef ref{&offers_[idx], offer_skill_pool_.data() + offers_[idx].skills,
               offer_branch_min_cents_.data() + idx};
  ref.minor_rules = offer_minor_rules_.data() + idx;
  return ref;
}

OfferRef Engine::OfferWithTerms(uint32_t idx) const {
  OfferRef ref = OfferAt(idx);
  if (offer_terms_[idx] != 0) ref.terms = &terms_pool_[offer_terms_[idx]].terms;
  return ref;
}

internal::Names Engine::NamesLocked() const {
  internal::Names names;
  names.romes.table = &romes_;
  names.skills.table = &skills_;
  names.diplomas.table = &diplomas_;
  return names;
}

// ----------------------------------------------------------------------
// Mutations

void Engine::UpsertOfferLocked(const Offer& offer) {
  auto intern = [this](int kind, absl::string_view s) -> uint32_t {
    switch (kind) {
      case 0:
        return InternRome(s);
      case 1:
        return companies_.Intern(s);
      case 2:
        return skills_.Intern(s);
      default:
        return diplomas_.Intern(s);
    }
  };
  OfferRec rec;
  std::vector<uint32_t> skills;
  BuildOfferRec(offer, intern, diploma_facts_, &rec, &skills);

  const auto existing = offer_ids_.Find(offer.id);
  uint32_t idx;
  if (existing) {
    idx = *existing;
    const OfferRec& old = offers_[idx];
    const uint64_t old_key = RecordKey(old.lat, old.lng, idx);
    const uint64_t new_key = RecordKey(rec.lat, rec.lng, idx);
    if (old.rome != rec.rome || old.contract != rec.contract ||
        old_key != new_key) {
      OfferSet(old.rome, old.contract).erase(old_key);
      OfferSet(rec.rome, rec.contract).insert(new_key);
    }
    const size_t old_n = size_t{old.n_required} + old.n_desired;
    if (skills.size() <= old_n) {
      rec.skills = old.skills;  // rewrite in place
      offer_skill_garbage_ += old_n - skills.size();
    } else {
      rec.skills = static_cast<uint32_t>(offer_skill_pool_.size());
      offer_skill_garbage_ += old_n;
      offer_skill_pool_.resize(offer_skill_pool_.size() + skills.size());
    }
  } else {
    idx = offer_ids_.Intern(offer.id);
    if (idx >= offers_.size()) {
      offers_.resize(idx + 1);
      offer_branch_min_cents_.resize(idx + 1);
      offer_minor_rules_.resize(idx + 1);
      offer_terms_.resize(idx + 1);
    }
    rec.skills = static_cast<uint32_t>(offer_skill_pool_.size());
    offer_skill_pool_.resize(offer_skill_pool_.size() + skills.size());
    OfferSet(rec.rome, rec.contract).insert(RecordKey(rec.lat, rec.lng, idx));
  }
  std::copy(skills.begin(), skills.end(),
            offer_skill_pool_.begin() + rec.skills);
  offers_[idx] = rec;
  offer_branch_min_cents_[idx] = BranchMinCents(offer);
  const uint32_t old_terms = offer_terms_[idx];
  offer_terms_[idx] = offer.terms.empty() ? 0 : AcquireTermsLocked(offer.terms);
  ReleaseTermsLocked(old_terms);
  offer_minor_rules_[idx] = internal::MinorRulesOf(
      offers_[idx],
      offer_terms_[idx] == 0 ? nullptr : &terms_pool_[offer_terms_[idx]].terms);
  MaybeCompactSkills();
}

namespace {

// Equal for equal terms.
std::string TermsKey(const WorkingTerms& t) {
  auto day = [](const std::optional<absl::CivilDay>& d) {
    return d ? absl::StrCat(d->year(), "-", d->month(), "-", d->day()) : "";
  };
  std::string key = absl::StrCat(
      static_cast<int>(t.sector), "|", t.public_holidays, t.site_hours,
      t.weekly_rest_agreement, t.public_holiday_agreement, t.bar_service, "|",
      day(t.night_authorised_on), "|", day(t.bar_agrement_on), "|");
  for (const Shift& s : t.shifts) {
    absl::StrAppend(&key, s.week, ".", s.day, ".", s.start_minute, ".",
                    s.end_minute, ";");
  }
  return key;
}

}  // namespace

uint32_t Engine::AcquireTermsLocked(const WorkingTerms& terms) {
  std::string key = TermsKey(terms);
  auto it = terms_ids_.find(key);
  if (it != terms_ids_.end()) {
    ++terms_pool_[it->second].refs;
    return it->second;
  }
  if (terms_pool_.empty()) terms_pool_.emplace_back();  // id 0: none
  uint32_t id;
  if (free_terms_.empty()) {
    id = static_cast<uint32_t>(terms_pool_.size());
    terms_pool_.emplace_back();
  } else {
    id = free_terms_.back();
    free_terms_.pop_back();
  }
  TermsEntry& entry = terms_pool_[id];
  entry.terms = terms;
  entry.key = key;
  entry.refs = 1;
  terms_ids_.emplace(std::move(key), id);
  return id;
}

void Engine::ReleaseTermsLocked(uint32_t id) {
  if (id == 0 || --terms_pool_[id].refs > 0) return;
  TermsEntry& entry = terms_pool_[id];
  terms_ids_.erase(entry.key);
  entry = TermsEntry{};
  free_terms_.push_back(id);
}

void Engine::RemoveOfferLocked(uint32_t idx) {
  const OfferRec& old = offers_[idx];
  OfferSet(old.rome, old.contract).erase(RecordKey(old.lat, old.lng, idx));
  offer_skill_garbage_ += size_t{old.n_required} + old.n_desired;
  offers_[idx] = OfferRec{};  // flags 0: not live
  offer_branch_min_cents_[idx] = 0;
  offer_minor_rules_[idx] = 0;
  ReleaseTermsLocked(offer_terms_[idx]);
  offer_terms_[idx] = 0;
  offer_ids_.Erase(idx);
  MaybeCompactSkills();
}

void Engine::MaybeCompactSkills() {
  if (offer_skill_garbage_ < 4096 ||
      offer_skill_garbage_ * 2 < offer_skill_pool_.size()) {
    return;
  }
  std::vector<uint32_t> pool;
  pool.reserve(offer_skill_pool_.size() - offer_skill_garbage_);
  for (OfferRec& rec : offers_) {
    if (!rec.Has(internal::kOfferLive)) continue;
    const size_t n = size_t{rec.n_required} + rec.n_desired;
    const uint32_t offset = static_cast<uint32_t>(pool.size());
    pool.insert(pool.end(), offer_skill_pool_.begin() + rec.skills,
                offer_skill_pool_.begin() + rec.skills + n);
    rec.skills = offset;
  }
  offer_skill_pool_ = std::move(pool);
  offer_skill_garbage_ = 0;
}

absl::Status Engine::UpsertOffer(const Offer& offer) {
  if (auto s = ValidateOffer(offer); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  UpsertOfferLocked(offer);
  return absl::OkStatus();
}

absl::Status Engine::UpsertOffers(absl::Span<const Offer> offers) {
  for (size_t i = 0; i < offers.size(); ++i) {
    if (auto s = ValidateOffer(offers[i]); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("offers[", i, "]: ", s.message()));
    }
  }
  absl::MutexLock lock(&mu_);
  offers_.reserve(offers_.size() + offers.size());
  offer_ids_.Reserve(offer_ids_.size() + offers.size());
  for (const Offer& offer : offers) UpsertOfferLocked(offer);
  return absl::OkStatus();
}

bool Engine::RemoveOffer(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  const auto idx = offer_ids_.Find(id);
  if (!idx) return false;
  RemoveOfferLocked(*idx);
  return true;
}

void Engine::IndexGraduate(uint32_t idx, bool insert) {
  const GraduateRec& g = graduates_[idx];
  const uint64_t key = RecordKey(g.lat, g.lng, idx);
  for (uint16_t rome : g.romes) {
    KeySet& set = GraduateSet(rome, g.radius_class);
    if (insert) {
      set.insert(key);
    } else {
      set.erase(key);
    }
  }
  if (insert) {
    ++class_count_[g.radius_class];
    class_max_km_[g.radius_class] =
        std::max(class_max_km_[g.radius_class], g.max_km);
  } else {
    --class_count_[g.radius_class];
  }
}

void Engine::UpsertGraduateLocked(const Graduate& graduate) {
  auto intern = [this](int kind, absl::string_view s) -> uint32_t {
    switch (kind) {
      case 0:
        return InternRome(s);
      case 2:
        return skills_.Intern(s);
      default:
        return diplomas_.Intern(s);
    }
  };
  GraduateRec rec;
  BuildGraduateRec(graduate, intern, diploma_facts_, &rec);
  const auto existing = graduate_ids_.Find(graduate.id);
  uint32_t idx;
  if (existing) {
    idx = *existing;
    IndexGraduate(idx, /*insert=*/false);
  } else {
    idx = graduate_ids_.Intern(graduate.id);
    if (idx >= graduates_.size()) graduates_.resize(idx + 1);
  }
  graduates_[idx] = std::move(rec);
  IndexGraduate(idx, /*insert=*/true);
}

void Engine::RemoveGraduateLocked(uint32_t idx) {
  IndexGraduate(idx, /*insert=*/false);
  // Field by field: assigning a fresh GraduateRec trips GCC 12's
  // -Wuninitialized on InlinedVector.
  GraduateRec& g = graduates_[idx];
  g.flags = 0;  // not live
  g.romes.clear();
  g.diploma_romes.clear();
  std::vector<std::pair<uint8_t, internal::PackedDay>>().swap(g.attested);
  std::vector<std::pair<uint8_t, internal::PackedDay>>().swap(g.licences);
  std::vector<uint32_t>().swap(g.skills);
  graduate_ids_.Erase(idx);
}

absl::Status Engine::UpsertGraduate(const Graduate& graduate) {
  if (auto s = ValidateGraduate(graduate); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  UpsertGraduateLocked(graduate);
  return absl::OkStatus();
}

absl::Status Engine::UpsertGraduates(absl::Span<const Graduate> graduates) {
  for (size_t i = 0; i < graduates.size(); ++i) {
    if (auto s = ValidateGraduate(graduates[i]); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("graduates[", i, "]: ", s.message()));
    }
  }
  absl::MutexLock lock(&mu_);
  graduates_.reserve(graduates_.size() + graduates.size());
  graduate_ids_.Reserve(graduate_ids_.size() + graduates.size());
  for (const Graduate& graduate : graduates) UpsertGraduateLocked(graduate);
  return absl::OkStatus();
}

bool Engine::RemoveGraduate(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  const auto idx = graduate_ids_.Find(id);
  if (!idx) return false;
  RemoveGraduateLocked(*idx);
  return true;
}

// ----------------------------------------------------------------------
// Ranking

absl::StatusOr<std::vector<RankedOffer>> Engine::RankOffers(
    absl::string_view graduate_id, const RankQuery& query) const {
  return RankOffersImpl(graduate_id, query, /*brute_force=*/false);
}

absl::StatusOr<std::vector<RankedOffer>> Engine::RankOffersBruteForce(
    absl::string_view graduate_id, const RankQuery& query) const {
  return RankOffersImpl(graduate_id, query, /*brute_force=*/true);
}

absl::StatusOr<std::vector<RankedGraduate>> Engine::RankGraduates(
    absl::string_view offer_id, const RankQuery& query) const {
  return RankGraduatesImpl(offer_id, query, /*brute_force=*/false);
}

absl::StatusOr<std::vector<RankedGraduate>> Engine::RankGraduatesBruteForce(
    absl::string_view offer_id, const RankQuery& query) const {
  return RankGraduatesImpl(offer_id, query, /*brute_force=*/true);
}

namespace {

// Keeps the k best candidates: score descending, then id ascending. The
// heap's top is the worst kept.
template <typename Candidate, typename IdFn>
class TopK {
 public:
  TopK(size_t k, IdFn id) : k_(k), id_(std::move(id)) { heap_.reserve(k + 1); }

  bool Better(const Candidate& a, const Candidate& b) const {
    if (a.score != b.score) return a.score > b.score;
    return id_(a.idx) < id_(b.idx);
  }
  // Whether a candidate with this score could enter (cheap pre-check).
  bool Admits(double score) const {
    return heap_.size() < k_ || score >= heap_.front().score;
  }
  bool Full() const { return heap_.size() >= k_; }
  // The worst kept score; only meaningful when Full().
  double Worst() const { return heap_.front().score; }
  void Push(const Candidate& c) {
    auto better = [this](const Candidate& a, const Candidate& b) {
      return Better(a, b);
    };
    if (heap_.size() < k_) {
      heap_.push_back(c);
      std::push_heap(heap_.begin(), heap_.end(), better);
    } else if (Better(c, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), better);
      heap_.back() = c;
      std::push_heap(heap_.begin(), heap_.end(), better);
    }
  }
  std::vector<Candidate> Sorted() && {
    auto better = [this](const Candidate& a, const Candidate& b) {
      return Better(a, b);
    };
    std::sort_heap(heap_.begin(), heap_.end(), better);
    return std::move(heap_);
  }

 private:
  size_t k_;
  IdFn id_;
  std::vector<Candidate> heap_;
};

}  // namespace

absl::StatusOr<std::vector<RankedOffer>> Engine::RankOffersImpl(
    absl::string_view graduate_id, const RankQuery& query,
    bool brute_force) const {
  if (query.k < 0) return absl::InvalidArgumentError("k: must be >= 0");
  absl::ReaderMutexLock lock(&mu_);
  const auto gi = graduate_ids_.Find(graduate_id);
  if (!gi) {
    return absl::NotFoundError(absl::StrCat("graduate ", graduate_id));
  }
  const GraduateRec& g = graduates_[*gi];
  const EvalContext ctx = internal::MakeContext(params_, query.today);
  const ScoringConfig& config = params_.config;

  uint8_t contract_mask = 0;
  for (ContractType type : query.contract_types) {
    contract_mask |= static_cast<uint8_t>(1u << static_cast<int>(type));
  }
  std::vector<uint16_t> rome_filter;
  for (const auto& code : query.rome_codes) {
    if (auto id = romes_.Find(code)) rome_filter.push_back(*id);
  }
  std::sort(rome_filter.begin(), rome_filter.end());
  if (!query.rome_codes.empty() && rome_filter.empty()) {
    return std::vector<RankedOffer>{};
  }
  auto rome_allowed = [&](uint16_t rome) {
    return rome_filter.empty() ||
           std::binary_search(rome_filter.begin(), rome_filter.end(), rome);
  };

  auto id_of = [this](uint32_t idx) -> const std::string& {
    return offer_ids_.Get(idx);
  };
  TopK<Candidate, decltype(id_of)> top(static_cast<size_t>(query.k), id_of);
  if (query.k == 0) return std::vector<RankedOffer>{};
  RankQuery::Stats local_stats;
  RankQuery::Stats& stats = query.stats != nullptr ? *query.stats : local_stats;
  stats = RankQuery::Stats{};
  auto consider = [&](uint32_t idx, const TradeMatch& trade) {
    ++stats.visited;
    const OfferRec& o = offers_[idx];
    if (contract_mask != 0 &&
        (contract_mask & (1u << static_cast<int>(o.contract))) == 0) {
      return;
    }
    Evaluation e;
    // The brute force stays the naive reference: it never prunes.
    const double threshold = !brute_force && top.Full() ? top.Worst() : -1;
    if (!internal::EvaluateFast(ctx, g, OfferAt(idx), trade, &e, threshold)) {
      return;
    }
    ++stats.eligible;
    if (!top.Admits(e.score)) return;
    top.Push(Candidate{e.score, e.distance_km, idx, trade});
  };

  if (!brute_force) {
    // Buckets are (ROME code, contract type) sets, visited in decreasing
    // order of the best score any of their offers could have (trade
    // closeness and contract preference are known per bucket); within a
    // large bucket, cells are visited nearest first. Once the heap is full,
    // a bucket or cell whose upper bound is below the worst kept score is
    // skipped with everything after it. Pruning never changes the result:
    // a skipped offer scores at most its bound, strictly below k kept
    // scores.
    std::vector<std::pair<uint16_t, TradeMatch>> romes;
    internal::OfferRomeCandidates(trades_, config, g.romes, &romes);
    std::vector<CellRange> cells;
    CoverCells(g.lat, g.lng, g.max_km, &cells);
    std::sort(cells.begin(), cells.end(),
              [](const CellRange& a, const CellRange& b) {
                if (a.min_km != b.min_km) return a.min_km < b.min_km;
                return a.range.lo < b.range.lo;
              });
    std::vector<KeyRange> merged;
    MergeRanges(cells, &merged);
    std::vector<double> cell_distance_value(cells.size());
    for (size_t c = 0; c < cells.size(); ++c) {
      cell_distance_value[c] =
          internal::DistanceValue(params_, g, cells[c].min_km);
    }
    struct Bucket {
      double bound;  // at distance 0
      double closeness;
      double contract_value;
      const KeySet* set;
      uint32_t rome;  // index in romes
    };
    std::vector<Bucket> buckets;
    for (uint32_t r = 0; r < romes.size(); ++r) {
      const uint16_t rome = romes[r].first;
      if (!rome_allowed(rome)) continue;
      for (int type = 1; type < kNumContractTypes; ++type) {
        if (contract_mask != 0 && (contract_mask & (1u << type)) == 0) continue;
        if (g.n_contracts > 0 && g.contract_pos[type] == 0) continue;
        const size_t slot = size_t{rome} * kNumContractTypes + type;
        if (slot >= offers_by_rome_.size() || offers_by_rome_[slot].empty()) {
          continue;
        }
        const double closeness = romes[r].second.closeness;
        const double contract_value =
            internal::ContractValue(config, g, static_cast<ContractType>(type));
        buckets.push_back(Bucket{
            internal::ScoreUpperBound(ctx, closeness, contract_value, 1.0),
            closeness, contract_value, &offers_by_rome_[slot], r});
      }
    }
    std::sort(buckets.begin(), buckets.end(),
              [](const Bucket& a, const Bucket& b) {
                if (a.bound != b.bound) return a.bound > b.bound;
                return a.set < b.set;  // any fixed order
              });
    // Record indices of one range, read ahead of their evaluation: the
    // records are scattered, so let the memory system fetch several at once.
    constexpr int kBatch = 16;
    uint32_t batch[kBatch];
    // Evaluates a batch, fetching each record's skills a few records ahead
    // (the record itself was prefetched when the batch was filled).
    auto flush = [&](int n, const TradeMatch& trade) {
      constexpr int kAhead = 4;
      for (int i = 0; i < std::min(n, kAhead); ++i) {
        __builtin_prefetch(offer_skill_pool_.data() + offers_[batch[i]].skills);
      }
      for (int i = 0; i < n; ++i) {
        if (i + kAhead < n) {
          __builtin_prefetch(offer_skill_pool_.data() +
                             offers_[batch[i + kAhead]].skills);
        }
        consider(batch[i], trade);
      }
    };
    auto scan = [&](const KeySet& set, const KeyRange& range,
                    const TradeMatch& trade) {
      ++stats.buckets;
      int n = 0;
      for (auto it = set.lower_bound(range.lo);
           it != set.end() && *it <= range.hi; ++it) {
        const uint32_t idx = static_cast<uint32_t>(*it & kIndexMask);
        __builtin_prefetch(&offers_[idx]);
        batch[n++] = idx;
        if (n == kBatch) {
          flush(n, trade);
          n = 0;
        }
      }
      flush(n, trade);
    };
    // Below this many offers nationwide, a bucket is scanned in key order
    // (fewer lookups); above, cell by cell nearest first (pruning).
    constexpr size_t kSmallBucket = 512;
    for (size_t b = 0; b < buckets.size(); ++b) {
      const Bucket& bucket = buckets[b];
      if (top.Full() && bucket.bound < top.Worst()) {
        stats.pruned_buckets += buckets.size() - b;
        break;
      }
      const TradeMatch& trade = romes[bucket.rome].second;
      if (bucket.set->size() <= kSmallBucket) {
        for (const KeyRange& range : merged) scan(*bucket.set, range, trade);
        continue;
      }
      for (size_t c = 0; c < cells.size(); ++c) {
        if (top.Full() && internal::ScoreUpperBound(
                              ctx, bucket.closeness, bucket.contract_value,
                              cell_distance_value[c]) < top.Worst()) {
          ++stats.pruned_buckets;
          break;  // cells are sorted by distance: the rest is farther
        }
        scan(*bucket.set, cells[c].range, trade);
      }
    }
  } else {
    // Independent of the candidate enumeration: every live offer, with the
    // trade match computed by MatchTrade (memoized per code).
    std::vector<TradeMatch> trade_of(romes_.capacity());
    std::vector<bool> known(romes_.capacity(), false);
    for (uint32_t idx = 0; idx < offers_.size(); ++idx) {
      const OfferRec& o = offers_[idx];
      if (!o.Has(internal::kOfferLive) || !rome_allowed(o.rome)) continue;
      if (!known[o.rome]) {
        trade_of[o.rome] =
            internal::MatchTrade(trades_, config, g.romes, o.rome);
        known[o.rome] = true;
      }
      consider(idx, trade_of[o.rome]);
    }
  }

  std::vector<Candidate> best = std::move(top).Sorted();
  std::vector<RankedOffer> results;
  results.reserve(best.size());
  const internal::Names names = NamesLocked();
  for (const Candidate& c : best) {
    RankedOffer r;
    r.offer_id = offer_ids_.Get(c.idx);
    r.score = c.score;
    r.distance_km = c.distance_km;
    if (query.with_factors || query.with_values) {
      Evaluation e;
      const OfferRef offer = OfferWithTerms(c.idx);
      internal::EvaluateFast(ctx, g, offer, c.trade, &e);
      std::copy(e.values, e.values + kFactorValues, r.values);
      if (query.with_factors) {
        r.factors = internal::DescribeFactors(ctx, g, offer, c.trade, names, e);
        r.warnings = internal::DescribeWarnings(ctx, g, offer, names, e);
      }
    }
    results.push_back(std::move(r));
  }
  return results;
}

absl::StatusOr<std::vector<RankedGraduate>> Engine::RankGraduatesImpl(
    absl::string_view offer_id, const RankQuery& query,
    bool brute_force) const {
  if (query.k < 0) return absl::InvalidArgumentError("k: must be >= 0");
  absl::ReaderMutexLock lock(&mu_);
  const auto oi = offer_ids_.Find(offer_id);
  if (!oi) return absl::NotFoundError(absl::StrCat("offer ", offer_id));
  const OfferRef offer = OfferWithTerms(*oi);
  const OfferRec& o = *offer.rec;
  const EvalContext ctx = internal::MakeContext(params_, query.today);
  const ScoringConfig& config = params_.config;
  if (query.k == 0) return std::vector<RankedGraduate>{};

  auto id_of = [this](uint32_t idx) -> const std::string& {
    return graduate_ids_.Get(idx);
  };
  TopK<Candidate, decltype(id_of)> top(static_cast<size_t>(query.k), id_of);
  RankQuery::Stats local_stats;
  RankQuery::Stats& stats = query.stats != nullptr ? *query.stats : local_stats;
  stats = RankQuery::Stats{};
  auto consider = [&](uint32_t idx) {
    ++stats.visited;
    const GraduateRec& g = graduates_[idx];
    const TradeMatch trade =
        internal::MatchTrade(trades_, config, g.romes, o.rome);
    Evaluation e;
    if (!internal::EvaluateFast(ctx, g, offer, trade, &e)) return;
    ++stats.eligible;
    if (!top.Admits(e.score)) return;
    top.Push(Candidate{e.score, e.distance_km, idx, trade});
  };

  if (!brute_force) {
    std::vector<uint16_t> romes;
    internal::GraduateRomeCandidates(trades_, config, o.rome, &romes);
    std::vector<uint32_t> found;
    std::vector<KeyRange> ranges;
    for (int c = 0; c < kRadiusClasses; ++c) {
      if (class_count_[c] == 0) continue;
      const double radius = std::min(kRadiusBounds[c], class_max_km_[c]);
      bool covered = false;
      for (uint16_t rome : romes) {
        const size_t slot = size_t{rome} * kRadiusClasses + c;
        if (slot >= graduates_by_rome_.size()) continue;
        const KeySet& set = graduates_by_rome_[slot];
        if (set.empty()) continue;
        if (!covered) {
          Cover(o.lat, o.lng, radius, options_.max_covering_cells, &ranges);
          covered = true;
        }
        for (const KeyRange& range : ranges) {
          ++stats.buckets;
          for (auto it = set.lower_bound(range.lo);
               it != set.end() && *it <= range.hi; ++it) {
            found.push_back(static_cast<uint32_t>(*it & kIndexMask));
          }
        }
      }
    }
    // A graduate is filed under each of their codes.
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    for (uint32_t idx : found) consider(idx);
  } else {
    for (uint32_t idx = 0; idx < graduates_.size(); ++idx) {
      if (graduates_[idx].Has(internal::kGradLive)) consider(idx);
    }
  }

  std::vector<Candidate> best = std::move(top).Sorted();
  std::vector<RankedGraduate> results;
  results.reserve(best.size());
  const internal::Names names = NamesLocked();
  for (const Candidate& c : best) {
    RankedGraduate r;
    r.graduate_id = graduate_ids_.Get(c.idx);
    r.score = c.score;
    r.distance_km = c.distance_km;
    if (query.with_factors) {
      const GraduateRec& g = graduates_[c.idx];
      Evaluation e;
      internal::EvaluateFast(ctx, g, offer, c.trade, &e);
      r.factors = internal::DescribeFactors(ctx, g, offer, c.trade, names, e);
      r.warnings = internal::DescribeWarnings(ctx, g, offer, names, e);
    }
    results.push_back(std::move(r));
  }
  return results;
}

// ----------------------------------------------------------------------
// Explain

namespace {

Explanation ExplainRecords(const EvalContext& ctx,
                           const internal::TradeGraph& trades,
                           const ScoringConfig& config, const GraduateRec& g,
                           OfferRef o, const internal::Names& names) {
  const TradeMatch trade =
      internal::MatchTrade(trades, config, g.romes, o.rec->rome);
  Explanation out;
  Evaluation e;
  internal::EvaluateAll(ctx, g, o, trade, names, &e, &out.exclusions);
  out.eligible = out.exclusions.empty();
  out.score = e.score;
  out.distance_km = e.distance_km;
  out.factors = internal::DescribeFactors(ctx, g, o, trade, names, e);
  out.warnings = internal::DescribeWarnings(ctx, g, o, names, e);
  return out;
}

}  // namespace

absl::StatusOr<Explanation> Engine::Explain(absl::string_view graduate_id,
                                            absl::string_view offer_id,
                                            absl::CivilDay today) const {
  absl::ReaderMutexLock lock(&mu_);
  const auto gi = graduate_ids_.Find(graduate_id);
  if (!gi) return absl::NotFoundError(absl::StrCat("graduate ", graduate_id));
  const auto oi = offer_ids_.Find(offer_id);
  if (!oi) return absl::NotFoundError(absl::StrCat("offer ", offer_id));
  return ExplainRecords(internal::MakeContext(params_, today), trades_,
                        params_.config, graduates_[*gi], OfferWithTerms(*oi),
                        NamesLocked());
}

absl::StatusOr<Explanation> Engine::Explain(const Graduate& graduate,
                                            const Offer& offer,
                                            absl::CivilDay today) const {
  if (auto s = ValidateGraduate(graduate); !s.ok()) return s;
  if (auto s = ValidateOffer(offer); !s.ok()) return s;
  absl::ReaderMutexLock lock(&mu_);
  Overlay romes{&romes_, {}, {}};
  Overlay companies{&companies_, {}, {}};
  Overlay skills{&skills_, {}, {}};
  Overlay diplomas{&diplomas_, {}, {}};
  auto intern = [&](int kind, absl::string_view s) -> uint32_t {
    switch (kind) {
      case 0:
        return romes.Get(s);
      case 1:
        return companies.Get(s);
      case 2:
        return skills.Get(s);
      default:
        return diplomas.Get(s);
    }
  };
  GraduateRec g;
  BuildGraduateRec(graduate, intern, diploma_facts_, &g);
  OfferRec o;
  std::vector<uint32_t> offer_skills;
  BuildOfferRec(offer, intern, diploma_facts_, &o, &offer_skills);
  o.skills = 0;
  internal::Names names = NamesLocked();
  names.romes.overlay = &romes.strings;
  names.skills.overlay = &skills.strings;
  names.diplomas.overlay = &diplomas.strings;
  const int32_t branch_min_cents = BranchMinCents(offer);
  OfferRef ref{&o, offer_skills.data(), &branch_min_cents};
  ref.terms = offer.terms.empty() ? nullptr : &offer.terms;
  const uint32_t minor_rules = internal::MinorRulesOf(o, ref.terms);
  ref.minor_rules = &minor_rules;
  return ExplainRecords(internal::MakeContext(params_, today), trades_,
                        params_.config, g, ref, names);
}

// ----------------------------------------------------------------------
// Introspection

size_t Engine::offer_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return offer_ids_.size();
}

size_t Engine::graduate_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return graduate_ids_.size();
}

MemoryStats Engine::Memory() const {
  absl::ReaderMutexLock lock(&mu_);
  MemoryStats m;
  m.offers = offer_ids_.size();
  m.graduates = graduate_ids_.size();
  m.offer_records = offers_.capacity() * sizeof(OfferRec);
  m.offer_ids = offer_ids_.MemoryBytes();
  m.offer_skills = offer_skill_pool_.capacity() * sizeof(uint32_t);
  m.offer_terms = offer_branch_min_cents_.capacity() * sizeof(int32_t) +
                  offer_minor_rules_.capacity() * sizeof(uint32_t) +
                  offer_terms_.capacity() * sizeof(offer_terms_[0]);
  for (const TermsEntry& entry : terms_pool_) {
    m.offer_terms += sizeof(entry) + entry.key.capacity() +
                     entry.terms.shifts.capacity() * sizeof(Shift);
  }
  m.offer_terms +=
      terms_ids_.capacity() * (sizeof(std::string) + sizeof(uint32_t) + 1) +
      free_terms_.capacity() * sizeof(uint32_t);
  m.offer_index = offers_by_rome_.capacity() * sizeof(KeySet);
  for (const KeySet& set : offers_by_rome_) m.offer_index += set.BytesUsed();
  m.graduate_bytes = graduates_.capacity() * sizeof(GraduateRec) +
                     graduate_ids_.MemoryBytes() +
                     graduates_by_rome_.capacity() * sizeof(KeySet);
  for (const GraduateRec& g : graduates_) {
    m.graduate_bytes += g.skills.capacity() * sizeof(uint32_t);
    if (g.romes.size() > 4) m.graduate_bytes += g.romes.capacity() * 2;
  }
  for (const KeySet& set : graduates_by_rome_) {
    m.graduate_bytes += set.BytesUsed();
  }
  m.shared_bytes = romes_.MemoryBytes() + skills_.MemoryBytes() +
                   companies_.MemoryBytes() + diplomas_.MemoryBytes() +
                   trades_.MemoryBytes();
  const size_t offer_total = m.offer_records + m.offer_ids + m.offer_skills +
                             m.offer_index + m.offer_terms;
  m.total = offer_total + m.graduate_bytes + m.shared_bytes;
  m.bytes_per_offer = m.offers == 0 ? 0 : double(offer_total) / m.offers;
  return m;
}

}  // namespace passerelle::engine
