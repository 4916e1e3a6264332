#include "tests/bench/datagen_records.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/common/dates.h"
#include "services/matching/engine/working_time.h"

namespace passerelle::datagen {
namespace {

uint64_t Mix(uint64_t x) {  // SplitMix64's finaliser
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Keys of the organization streams, apart from the generator's own.
constexpr uint64_t kCompanyStream = 0xC0;
constexpr uint64_t kSchoolStream = 0x5C;

double Unit(uint64_t bits) { return (bits >> 11) * 0x1.0p-53; }

// Industrial and building sub-classes (NAF rév. 2), the trades Écoles de
// production train for; kept only when the shipped referential has them.
constexpr const char* kNafCodes[] = {
    "25.62B", "25.11Z", "25.99B", "28.99B", "33.12Z", "33.20C", "43.21A",
    "43.22A", "43.32A", "16.23Z", "29.32Z", "22.29A", "31.09B", "10.71C",
    "24.51Z", "27.12Z", "45.20A", "95.29Z", "18.12Z", "30.30Z"};

constexpr const char* kCompanyKinds[] = {
    "Ateliers",    "Mécanique",   "Usinage",  "Chaudronnerie", "Menuiserie",
    "Électricité", "Maintenance", "Fonderie", "Imprimerie",    "Carrosserie"};

constexpr const char* kFamilyNames[] = {
    "Martin", "Bernard", "Dubois",   "Thomas", "Robert",  "Richard",  "Petit",
    "Durand", "Leroy",   "Moreau",   "Simon",  "Laurent", "Lefebvre", "Michel",
    "Garcia", "David",   "Bertrand", "Roux",   "Vincent", "Fournier"};

template <size_t N>
const char* Pick(const char* const (&items)[N], uint64_t bits) {
  return items[bits % N];
}

// 13 digits + the Luhn check digit.
std::string WithLuhnDigit(const std::string& digits) {
  int sum = 0;
  // From the right, the check digit will be position 0 (not doubled): the
  // last of `digits` is position 1 (doubled).
  for (size_t k = 0; k < digits.size(); ++k) {
    int d = digits[digits.size() - 1 - k] - '0';
    if (k % 2 == 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return absl::StrCat(digits, (10 - sum % 10) % 10);
}

// The 3-digit département prefix of a UAI.
std::string UaiDepartement(const std::string& departement) {
  if (departement == "2A") return "620";
  if (departement == "2B") return "720";
  if (departement.size() >= 3) return departement.substr(0, 3);
  return absl::StrCat("0", departement);
}

double SquaredDistance(double lat1, double lng1, double lat2, double lng2) {
  const double x = (lng2 - lng1) * std::cos((lat1 + lat2) * M_PI / 360);
  const double y = lat2 - lat1;
  return x * x + y * y;
}

v1::ContractType ToProto(engine::ContractType type) {
  return static_cast<v1::ContractType>(static_cast<int>(type));
}

template <typename Repeated>
void AddUnique(const std::vector<std::string>& items, Repeated* out) {
  absl::flat_hash_set<std::string> seen;
  for (const std::string& item : items) {
    if (seen.insert(item).second) out->Add()->assign(item);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordMaker>> RecordMaker::Create(
    const common::Referentials& refs, const RecordOptions& options) {
  if (options.companies < 1) {
    return absl::InvalidArgumentError("companies: must be at least 1");
  }
  if (options.schools < 1 || options.schools > 10000) {
    return absl::InvalidArgumentError("schools: must be within [1, 10000]");
  }
  Referential ref = Referential::From(refs, options.today);
  if (!options.region.empty()) {
    std::vector<Referential::Commune> kept;
    for (Referential::Commune& c : ref.communes) {
      const common::Commune* full = refs.FindCommune(c.insee);
      if (full != nullptr && full->region == options.region) {
        kept.push_back(std::move(c));
      }
    }
    ref.communes = std::move(kept);
  }
  if (options.industry_only) {
    std::vector<Referential::Diploma> kept;
    for (Referential::Diploma& d : ref.diplomas) {
      const char domain = d.rome_codes.front().front();
      if (domain == 'H' || domain == 'F' || domain == 'I') {
        kept.push_back(std::move(d));
      }
    }
    ref.diplomas = std::move(kept);
  }
  if (ref.communes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("region: no inhabited commune in region \"",
                     options.region, "\" (INSEE region codes: 11, 32, 84...)"));
  }
  if (ref.diplomas.empty()) {
    return absl::InvalidArgumentError("data: no usable diploma");
  }
  return std::unique_ptr<RecordMaker>(
      new RecordMaker(refs, options, std::move(ref)));
}

RecordMaker::RecordMaker(const common::Referentials& refs,
                         const RecordOptions& options, Referential ref)
    : refs_(refs), options_(options), ref_(std::move(ref)) {
  Options generator_options;
  generator_options.seed = options_.seed;
  generator_options.today = options_.today;
  generator_options.companies = options_.companies;
  generator_ = std::make_unique<Generator>(ref_, generator_options);
  double sum = 0;
  for (const Referential::Commune& c : ref_.communes) {
    sum += static_cast<double>(c.population);
    commune_cumulative_.push_back(sum);
  }
  for (const char* code : kNafCodes) {
    if (refs_.IsNafCode(code)) naf_codes_.push_back(code);
  }
  for (int i = 0; i < options_.schools; ++i) {
    school_communes_.push_back(
        &PickCommune(Mix(options_.seed ^ (kSchoolStream << 56) ^ i)));
  }
}

const Referential::Commune& RecordMaker::PickCommune(uint64_t key) const {
  const double x = Unit(Mix(key)) * commune_cumulative_.back();
  const size_t at = std::upper_bound(commune_cumulative_.begin(),
                                     commune_cumulative_.end(), x) -
                    commune_cumulative_.begin();
  return ref_.communes[std::min(at, ref_.communes.size() - 1)];
}

v1::Company RecordMaker::Company(int i) const {
  const uint64_t key = options_.seed ^ (kCompanyStream << 56) ^ i;
  const Referential::Commune& commune = PickCommune(key);
  const uint64_t bits = Mix(key + 1);
  v1::Company c;
  // A SIRET unique within the seed: 3 digits from the seed, 10 from i.
  c.set_siret(WithLuhnDigit(
      absl::StrFormat("%03d%010d", 100 + options_.seed % 900, i)));
  c.set_name(absl::StrCat(Pick(kCompanyKinds, bits), " ",
                          Pick(kFamilyNames, bits >> 16), " (", commune.name,
                          ")"));
  if (!naf_codes_.empty()) {
    c.set_naf_code(naf_codes_[(bits >> 32) % naf_codes_.size()]);
  }
  c.mutable_place()->set_commune_insee(commune.insee);
  return c;
}

v1::School RecordMaker::School(int i) const {
  const Referential::Commune& commune = *school_communes_[i];
  v1::School s;
  const std::string digits =
      absl::StrFormat("%s%04d", UaiDepartement(commune.departement),
                      static_cast<int>((options_.seed * 7919 + i) % 10000));
  int64_t n = 0;
  (void)absl::SimpleAtoi(digits, &n);
  s.set_uai(
      absl::StrCat(digits, std::string(1, "ABCDEFGHJKLMNPRSTUVWXYZ"[n % 23])));
  s.set_name(absl::StrCat(
      "École de production de ", commune.name,
      options_.schools > 1 ? absl::StrCat(" n°", i + 1) : std::string()));
  s.mutable_place()->set_commune_insee(commune.insee);
  return s;
}

v1::Offer RecordMaker::Offer(uint64_t i, int* company) const {
  const GeneratedOffer generated = generator_->Offer(i);
  const engine::Offer& g = generated.offer;
  const absl::CivilDay today = options_.today;
  int index = 0;
  (void)absl::SimpleAtoi(absl::string_view(g.company_id).substr(3), &index);
  *company = std::clamp(index, 0, options_.companies - 1);

  v1::Offer o;
  o.set_external_id(g.id);
  o.set_title(generated.title.empty() ? absl::StrCat("Offre ", g.rome_code)
                                      : generated.title);
  o.set_rome_code(g.rome_code);
  o.set_contract_type(ToProto(g.contract_type));
  o.set_duration_months(g.duration_months);
  if (g.contract_type == engine::ContractType::kCdd) {
    // A lawful motive for the generated length (6 or 12 months): seasonal
    // work for the short ones, a temporary increase or a replacement else.
    o.set_cdd_motive(g.duration_months <= 6 ? v1::CDD_MOTIVE_SEASONAL
                     : g.id.back() % 2 == 0 ? v1::CDD_MOTIVE_TEMPORARY_INCREASE
                                            : v1::CDD_MOTIVE_REPLACEMENT);
  }
  o.set_start_date(common::FormatDate(g.start_date));
  o.set_weekly_hours(g.weekly_hours);
  o.set_night_work(g.night_work);
  const engine::WorkingTerms& t = g.terms;
  for (const engine::Shift& shift : t.shifts) {
    o.mutable_schedule()->add_shifts(engine::ShiftText(shift));
  }
  o.mutable_schedule()->set_public_holidays(t.public_holidays);
  o.set_work_sector(static_cast<v1::WorkSector>(t.sector));
  if (t.night_authorised_on) {
    // Not after today: the server refuses a future authorisation.
    o.mutable_derogations()->set_night_work_authorised_on(
        common::FormatDate(std::min(*t.night_authorised_on, today)));
  }
  o.mutable_derogations()->set_site_hours(t.site_hours);
  o.mutable_derogations()->set_public_holiday_agreement(
      t.public_holiday_agreement);
  o.set_regulated_work(g.regulated_work);
  o.set_regulated_work_declared(g.regulated_work_declared);
  o.set_required_level(g.required_level);
  if (!g.target_diploma.code.empty()) {
    o.mutable_target_diploma()->set_code(g.target_diploma.code);
  }
  AddUnique(g.required_skills, o.mutable_required_skills());
  AddUnique(g.desired_skills, o.mutable_desired_skills());
  o.set_driving_licence_required(g.driving_licence_required);
  o.mutable_place()->set_commune_insee(generated.commune_insee);
  o.set_positions(g.positions);
  o.set_monthly_gross_salary_eur(g.monthly_gross_salary_eur);
  bool open = g.open;
  if (g.expires_on.has_value()) {
    // Days before tomorrow count as expired: the server's today may have
    // moved on by the time the record arrives.
    if (*g.expires_on > today) {
      o.set_expires_on(common::FormatDate(*g.expires_on));
    } else {
      open = false;
    }
  }
  o.set_status(open ? v1::OFFER_STATUS_OPEN : v1::OFFER_STATUS_CLOSED);
  return o;
}

v1::Graduate RecordMaker::Graduate(uint64_t i, int* school) const {
  const GeneratedGraduate generated = generator_->Graduate(i);
  const engine::Graduate& g = generated.graduate;
  const absl::CivilDay today = options_.today;

  double best = std::numeric_limits<double>::infinity();
  *school = 0;
  for (size_t s = 0; s < school_communes_.size(); ++s) {
    const double d =
        SquaredDistance(g.latitude, g.longitude, school_communes_[s]->latitude,
                        school_communes_[s]->longitude);
    if (d < best) {
      best = d;
      *school = static_cast<int>(s);
    }
  }

  v1::Graduate out;
  out.set_external_id(g.id);
  out.set_given_name(generated.given_name);
  out.set_family_name(generated.family_name);
  out.set_birth_date(common::FormatDate(g.birth_date));
  v1::Diploma* diploma = out.mutable_diploma();
  diploma->set_code(g.diploma.code);
  if (g.diploma.status == engine::DiplomaStatus::kObtained) {
    diploma->set_status(v1::DIPLOMA_STATUS_OBTAINED);
    if (g.diploma.obtained_on.has_value()) {
      diploma->set_obtained_on(
          common::FormatDate(std::min(*g.diploma.obtained_on, today)));
    }
  } else {
    diploma->set_status(v1::DIPLOMA_STATUS_IN_PROGRESS);
    if (g.diploma.obtained_on.has_value()) {
      absl::CivilDay expected = *g.diploma.obtained_on;
      while (expected <= today) {
        expected = absl::CivilDay(expected.year() + 1, expected.month(),
                                  expected.day());
      }
      diploma->set_obtained_on(common::FormatDate(expected));
    }
  }
  AddUnique(g.rome_codes, out.mutable_rome_codes());
  AddUnique(g.skills, out.mutable_skills());
  out.mutable_home()->set_commune_insee(generated.commune_insee);
  out.set_max_distance_km(static_cast<int>(std::lround(g.max_distance_km)));
  out.set_driving_licence(g.driving_licence);
  if (g.accepted_contracts.empty()) {
    for (v1::ContractType c :
         {v1::CONTRACT_TYPE_CDI, v1::CONTRACT_TYPE_APPRENTICESHIP,
          v1::CONTRACT_TYPE_PROFESSIONALISATION, v1::CONTRACT_TYPE_CDD}) {
      out.add_accepted_contracts(c);
    }
  } else {
    for (engine::ContractType c : g.accepted_contracts) {
      out.add_accepted_contracts(ToProto(c));
    }
  }
  out.set_available_from(common::FormatDate(g.available_from));
  out.set_status(g.seeking ? v1::GRADUATE_STATUS_SEEKING
                           : v1::GRADUATE_STATUS_WITHDRAWN);
  out.set_completed_college(g.completed_college);
  return out;
}

}  // namespace passerelle::datagen
