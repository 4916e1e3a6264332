#pragma once

// Plain value types of the matching engine: what callers hand in (Offer,
// Graduate) and what they get back (ranked results, explanations). Ids,
// ROME codes and skills are strings here; the engine interns them into
// dense integers internally (see engine.h).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace passerelle::engine {

// Same numbering as passerelle.v1.ContractType (0 = unspecified).
enum class ContractType : uint8_t {
  kCdi = 1,
  kApprenticeship = 2,
  kProfessionalisation = 3,
  kCdd = 4,
};
inline constexpr int kNumContractTypes = 5;  // indexable by the enum value

// "CDI", "APPRENTICESHIP", "PROFESSIONALISATION", "CDD" ("?" otherwise).
absl::string_view ContractTypeName(ContractType type);

// Categories of "travaux réglementés" (Code du travail D4153-15 to
// D4153-37: work forbidden to minors for which a derogation exists). Same
// numbering as passerelle.v1.RegulatedWork.
enum class RegulatedWork : uint8_t {
  kChemicalAgents = 1,     // D4153-17
  kAsbestos = 2,           // D4153-18 (level 1)
  kElectrical = 3,         // D4153-24
  kTractors = 4,           // D4153-26
  kMobileEquipment = 5,    // D4153-27
  kMachines = 6,           // D4153-28
  kMaintenance = 7,        // D4153-29
  kHeight = 8,             // D4153-30
  kScaffolding = 9,        // D4153-31
  kPressureVessels = 10,   // D4153-33
  kConfinedSpaces = 11,    // D4153-34
  kMoltenMetalGlass = 12,  // D4153-35
  kAnimals = 13,           // D4153-37
};
inline constexpr int kNumRegulatedWorks = 14;  // indexable by the value

// "D4153-28 dangerous machines" ("?" for an unknown value).
absl::string_view RegulatedWorkName(RegulatedWork work);

// What a young worker holds that allows one category of regulated work on a
// CDI or CDD (same numbering as passerelle.v1.WorkAuthorisation).
enum class WorkAuthorisation : uint8_t {
  kElectricalClearance = 1,  // habilitation électrique: kElectrical, R4153-50
  kDriving = 2,  // autorisation de conduite: kMobileEquipment, R4153-51
};
inline constexpr int kNumWorkAuthorisations = 3;

// A fact the school or partner attests that opens an age rule (same
// numbering as passerelle.v1.AttestationKind): L6222-2 for an
// apprenticeship past 29, L6325-1 for professionalisation from 26.
enum class AttestationKind : uint8_t {
  kRqth = 1,              // L6222-2 3°: no upper limit
  kBusinessProject = 2,   // L6222-2 4°: no upper limit
  kHighLevelAthlete = 3,  // L6222-2 5°: no upper limit
  kFollowOn = 4,          // L6222-2 1°: up to 35, within a year, higher
  kBrokenContract = 5,    // L6222-2 2°: up to 35, within a year
  kJobSeeker = 6,         // L6325-1
  kRsa = 7,               // L6325-1
  kAss = 8,               // L6325-1
  kAah = 9,               // L6325-1
  kCui = 10,              // L6325-1
};
inline constexpr int kNumAttestationKinds = 11;

// "RQTH (L6222-2 3°)", ... ("?" for an unknown value).
absl::string_view AttestationName(AttestationKind kind);

struct Attestation {
  AttestationKind kind = AttestationKind::kRqth;
  absl::CivilDay attested_on;
  // kFollowOn, kBrokenContract: the previous contract's last day.
  std::optional<absl::CivilDay> previous_contract_end;
  int previous_level = 0;  // kFollowOn: the previous diploma's level
};

// Driving licence categories (Code de la route R221-4); same numbering as
// passerelle.v1.LicenceCategory.
enum class LicenceCategory : uint8_t {
  kAM = 1,
  kA1 = 2,
  kA2 = 3,
  kA = 4,
  kB = 5,
  kBE = 6,
  kC1 = 7,
  kC = 8,
  kCE = 9,
};
inline constexpr int kNumLicenceCategories = 10;

// "AM", "A1", ..., "CE" ("?" otherwise).
absl::string_view LicenceCategoryName(LicenceCategory category);

// Whether holding `held` allows driving what `required` allows (R221-4:
// A covers A2, A1, AM; A2 covers A1, AM; A1 and B cover AM; C covers C1).
bool LicenceCovers(LicenceCategory held, LicenceCategory required);

struct DrivingLicence {
  LicenceCategory category = LicenceCategory::kB;
  // Obtained on, or (in_training) expected on: counts from that day.
  absl::CivilDay obtained_on;
  bool in_training = false;
};

enum class DiplomaStatus : uint8_t {
  kInProgress = 1,  // obtained_on is the expected date
  kObtained = 2,
};

struct Diploma {
  std::string code;  // CFD (8 characters) or RNCP code; may be empty
  int level = 0;     // European level: 3 = CAP, 4 = Bac Pro, 5 = BTS; 0 = none
  DiplomaStatus status = DiplomaStatus::kObtained;
  // Obtained: when. In progress: when it is expected (an unset date means
  // "not before the end of time", i.e. never counts as held).
  std::optional<absl::CivilDay> obtained_on;
};

// What the diploma referential says of one code (EngineOptions::diplomas;
// the matching service fills it from data/diplomas.csv). A code the engine
// has no facts for is taken as open, vocational and leading to no trade;
// Explain says where that assumption mattered.
struct DiplomaFacts {
  std::string code;
  // The last day the code exists (BCN closes a code on 31 August after its
  // last session); unset = open.
  std::optional<absl::CivilDay> closes_on;
  // A vocational qualification (D6325-15: "à finalité professionnelle"),
  // false for a Bac général or technologique.
  bool vocational = true;
  std::vector<std::string> rome_codes;  // trades it leads to
  // The length of its usual training cycle (CAP 24, Bac Pro 36 months...),
  // 0 = unknown: an apprenticeship shorter than it is paid from a later
  // contract year (D6222-28-1).
  int cycle_months = 0;
};

// A young person in the matching pool. Coordinates are WGS84 degrees.
struct Graduate {
  std::string id;
  absl::CivilDay birth_date;
  Diploma diploma;
  std::vector<std::string> rome_codes;  // trades sought, first preferred
  std::vector<std::string> skills;
  double latitude = 0;
  double longitude = 0;
  double max_distance_km = 30;
  bool driving_licence = false;
  // In order of preference (first preferred). Empty = every type, equally.
  std::vector<ContractType> accepted_contracts;
  absl::CivilDay available_from;
  // Completed the first cycle of secondary school (collège): allows an
  // apprenticeship from 15 (Code du travail L6222-1).
  bool completed_college = false;
  bool seeking = true;  // false: placed or withdrawn, never ranked
  std::vector<WorkAuthorisation> work_authorisations;
  std::vector<Attestation> attestations;  // at most one per kind
  // By category; `driving_licence` alone (older records) is taken as a B.
  std::vector<DrivingLicence> driving_licences;
};

// Same numbering as passerelle.v1.WorkSector: where the young-worker rules
// depend on the position's activity (working_time.h).
enum class WorkSector : uint8_t {
  kOther = 0,
  kHotel = 1,
  kRestaurant = 2,
  kBakery = 3,
  kPastry = 4,
  kShows = 5,
  kHorseRacing = 6,
  kBuildingSite = 7,
  kPublicWorksSite = 8,
  kLandscapingSite = 9,
  kCatering = 10,
  kCafeTobacco = 11,
  kButcher = 12,
  kCharcuterie = 13,
  kCheeseDairy = 14,
  kFishmonger = 15,
  kFloristGarden = 16,
  kFoodRetail = 17,
  kContinuousIndustry = 18,
};
inline constexpr int kNumWorkSectors = 19;

// "hotel", "restaurant", ... ("other" for kOther, "?" when unknown).
absl::string_view WorkSectorName(WorkSector sector);

// One uninterrupted stretch of work in a schedule's cycle.
struct Shift {
  int week = 1;          // 1..4
  int day = 1;           // 1 = Monday .. 7 = Sunday: the day it starts
  int start_minute = 0;  // from that day's midnight, 0..1439
  // From the same midnight, start_minute < end_minute <= start_minute +
  // 1440 (past 1440: ends the next day).
  int end_minute = 0;
};

// The young-worker terms of an offer (working_time.h judges them).
struct WorkingTerms {
  WorkSector sector = WorkSector::kOther;
  // Empty: no schedule stated (older records): only weekly_hours and
  // night_work are checked.
  std::vector<Shift> shifts;
  bool public_holidays = false;
  // The labour inspector's night-work authorisation (R3163-5): one year.
  std::optional<absl::CivilDay> night_authorised_on;
  bool site_hours = false;                // D3162-1
  bool weekly_rest_agreement = false;     // L3164-2
  bool public_holiday_agreement = false;  // L3164-8
  bool bar_service = false;               // L4153-6
  // The prefect's agrément (R4153-8): five years.
  std::optional<absl::CivilDay> bar_agrement_on;

  bool empty() const {
    return sector == WorkSector::kOther && shifts.empty() && !public_holidays &&
           !night_authorised_on && !site_hours && !weekly_rest_agreement &&
           !public_holiday_agreement && !bar_service && !bar_agrement_on;
  }
};

// A company's offer. Coordinates are WGS84 degrees.
struct Offer {
  std::string id;
  std::string company_id;
  std::string rome_code;
  ContractType contract_type = ContractType::kCdi;
  int duration_months = 0;  // apprenticeship: 6..36; CDI: 0
  // A CDD recorded before its motive was required (L1242-2): its motive and
  // length were never checked; Explain says so.
  bool cdd_motive_unstated = false;
  absl::CivilDay start_date;
  double weekly_hours = 35;
  bool night_work = false;
  // Schedule, sector, bar service and derogations (working_time.h).
  WorkingTerms terms;
  // "Travaux réglementés": set with no `regulated_works` (records from
  // before the categories existed) means "categories not stated".
  bool regulated_work = false;
  std::vector<RegulatedWork> regulated_works;  // non-empty: regulated_work
  // The employer's declaration of derogation is made (R4153-41) ...
  bool regulated_work_declared = false;
  // ... on this day (years 1971..2149); valid three years (R4153-40). Unset
  // with regulated_work_declared: an older record, taken as valid.
  std::optional<absl::CivilDay> regulated_work_declared_on;
  int required_level = 0;  // European level; 0 = none
  Diploma target_diploma;  // apprenticeship: diploma prepared
  std::vector<std::string> required_skills;
  std::vector<std::string> desired_skills;
  bool driving_licence_required = false;
  // The category required (held or expected by the start); unset with
  // driving_licence_required: any licence (older records).
  std::optional<LicenceCategory> driving_licence_category;
  double latitude = 0;
  double longitude = 0;
  int positions = 1;
  int positions_filled = 0;
  double monthly_gross_salary_eur = 0;  // 0 = not stated
  // The branch agreement's minimum for the position at 35 h (0 = none):
  // raises the legal floor where the law refers to it (legal_tables.h).
  double branch_minimum_monthly_eur = 0;
  bool open = true;                          // false: closed or filled
  std::optional<absl::CivilDay> expires_on;  // still open on that day
  absl::CivilDay created_on;
  absl::CivilDay updated_on;  // freshness counts from max(created, updated)
};

// A broken hard rule: `rule` is a stable name (see rules.h), `detail` says
// which values broke it.
struct Exclusion {
  std::string rule;
  std::string detail;
};

// One named part of a score.
struct Factor {
  std::string name;
  double value = 0;   // in [0, 1]
  double weight = 0;  // normalized: the weights of a result sum to 1
  std::string detail;
};

// Something a reader should know that does not exclude the match, e.g.
// "salary_below_legal_minimum".
struct Warning {
  std::string code;
  std::string detail;
};

// The values of the seven factors, in the order of scoring_config.h's
// kFactor* names (skills, distance, trade, contract_preference, salary,
// freshness, offer_fit), without their details.
inline constexpr int kFactorValues = 7;

struct RankedOffer {
  std::string offer_id;
  double score = 0;
  double distance_km = 0;
  std::vector<Factor> factors;
  std::vector<Warning> warnings;
  // Filled when RankQuery::with_factors or with_values; else zeros.
  double values[kFactorValues] = {};
};

struct RankedGraduate {
  std::string graduate_id;
  double score = 0;
  double distance_km = 0;
  std::vector<Factor> factors;
  std::vector<Warning> warnings;
};

struct Explanation {
  bool eligible = false;
  std::vector<Exclusion> exclusions;  // every broken rule; empty if eligible
  // The score the pair would have; meaningful for ranking only if eligible.
  double score = 0;
  double distance_km = 0;
  std::vector<Factor> factors;
  std::vector<Warning> warnings;
};

}  // namespace passerelle::engine
