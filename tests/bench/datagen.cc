#include "tests/bench/datagen.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/matching/engine/legal_tables.h"
#include "services/matching/engine/working_time.h"

namespace passerelle::datagen {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

bool IsMainVocationalKind(const std::string& kind) {
  return kind == "CAP" || kind == "BAC PRO" || kind == "CAPA" || kind == "BP" ||
         kind == "MC" ||
         kind.find("aptitude professionnelle") != std::string::npos ||
         kind.find("Baccalauréat professionnel") != std::string::npos ||
         kind.find("Brevet professionnel") != std::string::npos;
}

// Écoles de production teach mostly industrial and building trades.
bool IsIndustrialTrade(const std::string& rome) {
  return !rome.empty() && (rome[0] == 'H' || rome[0] == 'I' || rome[0] == 'F');
}

const char* const kTransversalSkills[] = {"travail en équipe",
                                          "lecture de plans",
                                          "règles de sécurité",
                                          "autonomie",
                                          "rigueur",
                                          "contrôle qualité",
                                          "maintenance de premier niveau",
                                          "relation client",
                                          "gestes et postures",
                                          "tri des déchets",
                                          "informatique de base",
                                          "organisation du poste",
                                          "habilitation électrique",
                                          "CACES",
                                          "SST secourisme",
                                          "anglais technique",
                                          "métrologie",
                                          "lecture de gammes",
                                          "travail en hauteur",
                                          "conduite de machine",
                                          "communication",
                                          "ponctualité",
                                          "hygiène HACCP",
                                          "manutention",
                                          "pilotage de ligne",
                                          "dessin technique",
                                          "calcul professionnel",
                                          "soudure à l'arc",
                                          "usinage conventionnel",
                                          "câblage"};
constexpr int kNumTransversal =
    sizeof(kTransversalSkills) / sizeof(kTransversalSkills[0]);

const char* const kGivenNames[] = {
    "Léa",  "Lucas", "Emma",    "Hugo", "Chloé", "Nathan", "Inès",
    "Enzo", "Manon", "Louis",   "Jade", "Yanis", "Sarah",  "Mathis",
    "Lina", "Théo",  "Camille", "Adam", "Zoé",   "Rayan"};
const char* const kFamilyNames[] = {
    "Martin", "Bernard", "Dubois",   "Thomas", "Robert",  "Richard",  "Petit",
    "Durand", "Leroy",   "Moreau",   "Simon",  "Laurent", "Lefebvre", "Michel",
    "Garcia", "David",   "Bertrand", "Roux",   "Vincent", "Fournier"};

}  // namespace

// A per-record generator: SplitMix64 (cheap to seed, unlike
// std::mt19937_64 whose 2.5 KB state would dominate the cost of a record),
// uniform reals from 53 random bits.
class Generator::Rng {
 public:
  explicit Rng(uint64_t seed) : state_(SplitMix64(seed)) {}
  uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ull;
    return SplitMix64(state_);
  }
  double U() { return (Next() >> 11) * 0x1.0p-53; }
  int Int(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(U() * (hi - lo + 1));
  }
  bool Bern(double p) { return U() < p; }
  // Index drawn with the given cumulative weights.
  size_t Weighted(const std::vector<double>& cumulative) {
    const double x = U() * cumulative.back();
    return std::min<size_t>(
        std::upper_bound(cumulative.begin(), cumulative.end(), x) -
            cumulative.begin(),
        cumulative.size() - 1);
  }

 private:
  uint64_t state_;
};

engine::TradeReferential TradesFrom(const common::Referentials& refs) {
  engine::TradeReferential trades;
  for (const common::RomeCode& code : refs.rome_codes()) {
    trades.codes.push_back({code.code, code.parent});
    for (const common::MobilityTarget& target : refs.Mobility(code.code)) {
      trades.mobility.push_back({code.code, target.code, target.rank});
    }
  }
  return trades;
}

Referential Referential::From(const common::Referentials& refs,
                              absl::CivilDay today) {
  Referential ref;
  ref.trades = TradesFrom(refs);
  for (const common::RomeCode& code : refs.rome_codes()) {
    ref.rome_titles.emplace_back(code.code, code.title);
  }
  std::sort(ref.rome_titles.begin(), ref.rome_titles.end());
  // Paris, Marseille, Lyon: their arrondissements carry the population.
  const absl::flat_hash_set<std::string> with_arrondissements = {
      "75056", "13055", "69123"};
  for (const common::Commune& c : refs.communes()) {
    if (c.type != "COM" && c.type != "ARM") continue;
    if (with_arrondissements.contains(c.insee) || c.population <= 0) continue;
    ref.communes.push_back({c.insee, c.name, c.departement, c.latitude,
                            c.longitude, c.population});
  }
  // An apprenticeship's target must outlast the contract (L6211-1): keep
  // the diplomas open for longer than any generated contract (a start up
  // to a year ahead, 36 months at most).
  const std::string open_until = engine::FormatDay(
      absl::CivilDay(today.year() + 5, today.month(), today.day()));
  for (const common::Diploma& d : refs.diplomas()) {
    if (!d.closed_on.empty() && d.closed_on <= open_until) continue;
    if (d.level < 3 || d.level > 5 || d.rome_codes.empty()) continue;
    ref.diplomas.push_back({d.code, d.kind, d.title, d.level, d.rome_codes});
  }
  return ref;
}

absl::StatusOr<Referential> Referential::Load(const std::string& data_dir,
                                              absl::CivilDay today) {
  auto refs = common::Referentials::Load(data_dir);
  if (!refs.ok()) return refs.status();
  Referential ref = From(**refs, today);
  if (ref.communes.empty() || ref.diplomas.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(data_dir, ": no usable communes or diplomas"));
  }
  return ref;
}

Generator::Generator(const Referential& ref, Options options)
    : ref_(ref), options_(options) {
  double sum = 0;
  for (const auto& c : ref_.communes) {
    sum += static_cast<double>(c.population);
    commune_cumulative_.push_back(sum);
  }
  absl::flat_hash_map<std::string, std::vector<size_t>> level5;
  sum = 0;
  for (size_t i = 0; i < ref_.diplomas.size(); ++i) {
    const auto& d = ref_.diplomas[i];
    double weight = 0;
    if (d.level <= 4) {
      level34_.push_back(i);
      weight = IsMainVocationalKind(d.kind) ? 6 : 1;
      if (IsIndustrialTrade(d.rome_codes[0])) weight *= 3;
    } else {
      for (const auto& code : d.rome_codes) level5[code].push_back(i);
    }
    sum += weight;
    diploma_cumulative_.push_back(sum);
  }
  level5_by_rome_.assign(level5.begin(), level5.end());
  std::sort(level5_by_rome_.begin(), level5_by_rome_.end());
}

const Referential::Commune& Generator::PickCommune(Rng& rng) const {
  return ref_.communes[rng.Weighted(commune_cumulative_)];
}

const Referential::Diploma& Generator::PickDiploma(Rng& rng) const {
  return ref_.diplomas[rng.Weighted(diploma_cumulative_)];
}

namespace {

void Jitter(double u1, double u2, double* lat, double* lng) {
  // About +-1.5 km around the commune's centre.
  constexpr double kDegLat = 0.0135;
  *lat += (u1 - 0.5) * 2 * kDegLat;
  *lng += (u2 - 0.5) * 2 * kDegLat / std::cos(*lat * M_PI / 180);
  *lat = std::clamp(*lat, -90.0, 90.0);
  *lng = std::clamp(*lng, -180.0, 180.0);
}

std::string TradeSkill(const std::string& rome, int i) {
  return absl::StrCat(rome, "-competence-", i);
}

}  // namespace

// Shifts from "DAY HH:MM-HH:MM" texts on each day of `days`.
void AddShifts(const std::vector<const char*>& days,
               const std::vector<const char*>& spans,
               std::vector<engine::Shift>* out) {
  for (const char* day : days) {
    for (const char* span : spans) {
      auto shift = engine::ParseShift(absl::StrCat(day, " ", span));
      if (shift.ok()) out->push_back(*shift);
    }
  }
}

// A schedule for the offer, shaped by its trade, on about 60 % of offers
// (the rest stand for records written before schedules existed): restaurant
// service (split, evenings to 22:30, Tuesday to Saturday), bakery mornings
// from 05:00, building-site days, or workshop days; weekly_hours follows.
// Some state the derogations a real employer would hold.
void AddSchedule(uint64_t seed, engine::Offer* o) {
  std::mt19937_64 rng(seed);
  auto bern = [&rng](double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng) < p;
  };
  if (!bern(0.6)) return;
  engine::WorkingTerms& t = o->terms;
  const std::string& rome = o->rome_code;
  const std::vector<const char*> tue_sat = {"TUE", "WED", "THU", "FRI", "SAT"};
  const std::vector<const char*> mon_fri = {"MON", "TUE", "WED", "THU", "FRI"};
  if (absl::StartsWith(rome, "G16") || absl::StartsWith(rome, "G17") ||
      absl::StartsWith(rome, "G18")) {
    t.sector = absl::StartsWith(rome, "G17") ? engine::WorkSector::kHotel
                                             : engine::WorkSector::kRestaurant;
    AddShifts(tue_sat, {"11:00-14:30", "18:30-22:30"}, &t.shifts);
    if (bern(0.5)) {
      t.night_authorised_on = o->start_date - 30 * (1 + (seed >> 8) % 6);
    }
    t.public_holidays = bern(0.3);
    t.public_holiday_agreement = t.public_holidays && bern(0.7);
  } else if (rome == "D1102" || rome == "D1104") {
    t.sector = rome == "D1102" ? engine::WorkSector::kBakery
                               : engine::WorkSector::kPastry;
    AddShifts(tue_sat, {"05:00-09:00", "09:30-12:30"}, &t.shifts);
    if (bern(0.6)) {
      t.night_authorised_on = o->start_date - 30 * (1 + (seed >> 8) % 6);
    }
  } else if (absl::StartsWith(rome, "F1")) {
    t.sector = engine::WorkSector::kBuildingSite;
    AddShifts({"MON", "TUE", "WED", "THU"}, {"07:30-11:30", "12:00-16:00"},
              &t.shifts);
    AddShifts({"FRI"}, {"07:30-10:30"}, &t.shifts);
    t.site_hours = bern(0.5);
  } else if (o->weekly_hours <= 35) {
    AddShifts(mon_fri, {"08:00-12:00", "13:00-16:00"}, &t.shifts);
  } else {
    AddShifts({"MON", "TUE", "WED", "THU"}, {"08:00-12:00", "13:00-17:00"},
              &t.shifts);
    AddShifts({"FRI"}, {"08:00-12:00", "13:00-16:00"}, &t.shifts);
  }
  o->weekly_hours =
      std::round(engine::AverageWeeklyHours(t.shifts) * 100) / 100;
  o->night_work = engine::HasNightWork(t.shifts);
}

GeneratedOffer Generator::Offer(uint64_t i) const {
  Rng rng(options_.seed * 0x100000001B3ull ^ (i << 1));
  GeneratedOffer out;
  engine::Offer& o = out.offer;
  o.id = absl::StrFormat("off-%07d", i + 1);
  o.company_id = absl::StrFormat("co-%07d", rng.Int(0, options_.companies - 1));

  const auto& diploma = PickDiploma(rng);
  o.rome_code = diploma.rome_codes[rng.Int(
      0, static_cast<int>(diploma.rome_codes.size()) - 1)];
  const auto title =
      std::lower_bound(ref_.rome_titles.begin(), ref_.rome_titles.end(),
                       std::make_pair(o.rome_code, std::string()));
  if (title != ref_.rome_titles.end() && title->first == o.rome_code) {
    out.title = title->second;
  }

  const double u = rng.U();
  o.contract_type = u < 0.40   ? engine::ContractType::kCdi
                    : u < 0.85 ? engine::ContractType::kApprenticeship
                    : u < 0.90 ? engine::ContractType::kProfessionalisation
                               : engine::ContractType::kCdd;
  const auto& today = options_.today;
  o.start_date = today + rng.Int(15, 240);
  switch (o.contract_type) {
    case engine::ContractType::kApprenticeship:
      o.duration_months = 12 * rng.Int(1, 3);
      break;
    case engine::ContractType::kProfessionalisation:
      o.duration_months = 12 * rng.Int(1, 2);
      break;
    case engine::ContractType::kCdd:
      o.duration_months = rng.Bern(0.5) ? 6 : 12;
      break;
    case engine::ContractType::kCdi:
      o.duration_months = 0;
      break;
  }
  const double h = rng.U();
  o.weekly_hours = h < 0.80 ? 35 : h < 0.92 ? 39 : h < 0.97 ? 37.5 : 30;
  o.night_work = rng.Bern(0.05);
  o.regulated_work = rng.Bern(0.25);
  o.regulated_work_declared = o.regulated_work && rng.Bern(0.8);
  const double lvl = rng.U();
  o.required_level = lvl < 0.35 ? 0 : lvl < 0.85 ? 3 : 4;
  if (o.contract_type == engine::ContractType::kApprenticeship) {
    // Prepares the diploma of the trade, or a level-5 one (BTS) sharing it.
    o.target_diploma = {diploma.code, diploma.level,
                        engine::DiplomaStatus::kInProgress, std::nullopt};
    auto it =
        std::lower_bound(level5_by_rome_.begin(), level5_by_rome_.end(),
                         std::make_pair(o.rome_code, std::vector<size_t>()));
    if (rng.Bern(0.35) && it != level5_by_rome_.end() &&
        it->first == o.rome_code) {
      const auto& bts = ref_.diplomas[it->second[rng.Int(
          0, static_cast<int>(it->second.size()) - 1)]];
      o.target_diploma.code = bts.code;
      o.target_diploma.level = bts.level;
    }
    o.required_level = std::min(o.required_level, 3);
  }
  for (int k = rng.Int(1, 3); k > 0; --k) {
    o.required_skills.push_back(TradeSkill(o.rome_code, rng.Int(0, 7)));
  }
  for (int k = rng.Int(0, 2); k > 0; --k) {
    o.desired_skills.push_back(
        kTransversalSkills[rng.Int(0, kNumTransversal - 1)]);
  }
  o.driving_licence_required = rng.Bern(0.08);
  AddSchedule(options_.seed * 0x9E3779B97F4A7C15ull ^ (i << 3 | 5), &o);

  const auto& commune = PickCommune(rng);
  out.commune_insee = commune.insee;
  o.latitude = commune.latitude;
  o.longitude = commune.longitude;
  Jitter(rng.U(), rng.U(), &o.latitude, &o.longitude);

  o.positions = rng.Bern(0.8) ? 1 : rng.Int(2, 5);
  o.positions_filled = rng.Bern(0.1) ? rng.Int(0, o.positions) : 0;

  const engine::LegalTables& legal = engine::DefaultLegalTables();
  const double smic = legal.SmicOn(o.start_date).monthly_gross_eur *
                      engine::WeeklyHoursFactor(legal, o.weekly_hours);
  double share = 1.0;
  switch (o.contract_type) {
    case engine::ContractType::kApprenticeship:
      share = rng.Bern(0.5) ? 0.27 : 0.43;
      break;
    case engine::ContractType::kProfessionalisation:
      share = rng.Bern(0.5) ? 0.55 : 0.65;
      break;
    default:
      break;
  }
  double pay = smic * share * (1.0 + 0.3 * rng.U());
  if (rng.Bern(0.03)) pay *= 0.85;  // some offers pay below the minimum
  o.monthly_gross_salary_eur = rng.Bern(0.1) ? 0 : std::round(pay * 100) / 100;

  o.open = rng.Bern(0.97);
  if (rng.Bern(0.7)) o.expires_on = today + rng.Int(-10, 120);
  o.created_on = today - rng.Int(0, 120);
  o.updated_on = std::min(today, o.created_on + rng.Int(0, 30));
  return out;
}

GeneratedGraduate Generator::Graduate(uint64_t i) const {
  Rng rng(options_.seed * 0x100000001B3ull ^ (i << 1) ^ 1);
  GeneratedGraduate out;
  engine::Graduate& g = out.graduate;
  g.id = absl::StrFormat("grd-%07d", i + 1);
  out.given_name = kGivenNames[rng.Int(0, 19)];
  out.family_name = kFamilyNames[rng.Int(0, 19)];

  const auto& today = options_.today;
  // 15 to 20 years old today.
  g.birth_date = today - rng.Int(15 * 365 + 4, 21 * 365 + 4);
  const int age = static_cast<int>((today - g.birth_date) / 365.25);

  const auto& diploma = ref_.diplomas[level34_[rng.Int(
      0, static_cast<int>(level34_.size()) - 1)]];
  const auto& weighted = PickDiploma(rng);
  const auto& d = rng.Bern(0.8) ? weighted : diploma;
  out.diploma_title = d.title;
  g.diploma.code = d.code;
  g.diploma.level = d.level;
  if (rng.Bern(0.6)) {  // finishing this year
    g.diploma.status = engine::DiplomaStatus::kInProgress;
    g.diploma.obtained_on = absl::CivilDay(today.year(), 7, rng.Int(1, 10));
  } else {
    g.diploma.status = engine::DiplomaStatus::kObtained;
    g.diploma.obtained_on = absl::CivilDay(today.year() - rng.Int(1, 2), 7, 5);
  }
  // Trades: the diploma's (first preferred), sometimes one more.
  for (const auto& code : d.rome_codes) {
    if (g.rome_codes.size() < 3) g.rome_codes.push_back(code);
  }
  if (rng.Bern(0.2)) {
    const auto& other = PickDiploma(rng);
    const auto& code = other.rome_codes[0];
    if (std::find(g.rome_codes.begin(), g.rome_codes.end(), code) ==
        g.rome_codes.end()) {
      g.rome_codes.push_back(code);
    }
  }
  for (int k = rng.Int(3, 6); k > 0; --k) {
    g.skills.push_back(TradeSkill(g.rome_codes[0], rng.Int(0, 7)));
  }
  for (int k = rng.Int(2, 4); k > 0; --k) {
    g.skills.push_back(kTransversalSkills[rng.Int(0, kNumTransversal - 1)]);
  }

  const auto& commune = PickCommune(rng);
  out.commune_insee = commune.insee;
  g.latitude = commune.latitude;
  g.longitude = commune.longitude;
  Jitter(rng.U(), rng.U(), &g.latitude, &g.longitude);
  const double r = rng.U();
  g.max_distance_km = r < 0.15   ? 10
                      : r < 0.30 ? 15
                      : r < 0.50 ? 20
                      : r < 0.60 ? 25
                      : r < 0.80 ? 30
                      : r < 0.88 ? 40
                      : r < 0.95 ? 50
                      : r < 0.98 ? 80
                                 : 100;
  g.driving_licence = age >= 18 ? rng.Bern(0.25) : age == 17 && rng.Bern(0.03);

  using engine::ContractType;
  std::vector<ContractType> accepted;
  const double c = rng.U();
  if (age < 18) {
    accepted =
        c < 0.6   ? std::vector<ContractType>{ContractType::kApprenticeship,
                                              ContractType::kCdi}
        : c < 0.9 ? std::vector<ContractType>{ContractType::kApprenticeship}
                  : std::vector<ContractType>{
                        ContractType::kApprenticeship, ContractType::kCdi,
                        ContractType::kCdd, ContractType::kProfessionalisation};
  } else {
    accepted =
        c < 0.4 ? std::vector<ContractType>{ContractType::kCdi,
                                            ContractType::kApprenticeship}
        : c < 0.7
            ? std::vector<ContractType>{ContractType::kApprenticeship,
                                        ContractType::kCdi,
                                        ContractType::kProfessionalisation}
        : c < 0.9
            ? std::vector<ContractType>{ContractType::kCdi, ContractType::kCdd}
            : std::vector<ContractType>{};  // anything
  }
  g.accepted_contracts = std::move(accepted);
  g.available_from = today + rng.Int(-30, 200);
  g.completed_college = rng.Bern(0.95);
  g.seeking = rng.Bern(0.97);
  return out;
}

std::vector<engine::Offer> Generator::Offers(uint64_t first,
                                             uint64_t count) const {
  std::vector<engine::Offer> out;
  out.reserve(count);
  for (uint64_t i = first; i < first + count; ++i) {
    out.push_back(std::move(Offer(i).offer));
  }
  return out;
}

std::vector<engine::Graduate> Generator::Graduates(uint64_t first,
                                                   uint64_t count) const {
  std::vector<engine::Graduate> out;
  out.reserve(count);
  for (uint64_t i = first; i < first + count; ++i) {
    out.push_back(std::move(Graduate(i).graduate));
  }
  return out;
}

}  // namespace passerelle::datagen
