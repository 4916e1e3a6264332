#include "services/matching/engine/legal_tables.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace passerelle::engine {

const SmicValue& LegalTables::SmicOn(absl::CivilDay day) const {
  // Tables are short (one entry a year): a linear scan is fine.
  const SmicValue* found = &smic.front();
  for (const SmicValue& value : smic) {
    if (value.effective_from <= day) found = &value;
  }
  return *found;
}

const LegalTables& DefaultLegalTables() {
  static const LegalTables* const kTables = [] {
    auto* t = new LegalTables;
    // SMIC, metropolitan France and DROM except Mayotte: every value since
    // the apprentice grid of D6222-26 (2019), with its decree or order. The
    // servers read the same table from data/smic.csv, where the next
    // revaluation is added without a build (services/matching/convert_test
    // checks that this built-in copy is a prefix of that file). 2026-01-01:
    // decree presented to the Conseil des ministres of 17 December 2025
    // (+1.18 %, no "coup de pouce"); no later revaluation as of November
    // 2026. Monthly = hourly x 35 x 52 / 12, to the cent.
    t->smic = {
        {absl::CivilDay(2019, 1, 1), 10.03, 1521.22,
         "décret n° 2018-1173 du 19 décembre 2018"},
        {absl::CivilDay(2020, 1, 1), 10.15, 1539.42,
         "décret n° 2019-1387 du 18 décembre 2019"},
        {absl::CivilDay(2021, 1, 1), 10.25, 1554.58,
         "décret n° 2020-1598 du 16 décembre 2020"},
        {absl::CivilDay(2021, 10, 1), 10.48, 1589.47,
         "arrêté du 27 septembre 2021 (revaluation on inflation)"},
        {absl::CivilDay(2022, 1, 1), 10.57, 1603.12,
         "décret n° 2021-1741 du 22 décembre 2021"},
        {absl::CivilDay(2022, 5, 1), 10.85, 1645.58,
         "arrêté du 29 avril 2022 (revaluation on inflation)"},
        {absl::CivilDay(2022, 8, 1), 11.07, 1678.95,
         "arrêté du 29 juillet 2022 (revaluation on inflation)"},
        {absl::CivilDay(2023, 1, 1), 11.27, 1709.28,
         "décret n° 2022-1608 du 22 décembre 2022"},
        {absl::CivilDay(2023, 5, 1), 11.52, 1747.20,
         "arrêté du 26 avril 2023 (revaluation on inflation)"},
        {absl::CivilDay(2024, 1, 1), 11.65, 1766.92,
         "décret n° 2023-1216 du 20 décembre 2023"},
        {absl::CivilDay(2024, 11, 1), 11.88, 1801.80,
         "décret n° 2024-951 du 23 octobre 2024"},
        {absl::CivilDay(2026, 1, 1), 12.02, 1823.03,
         "décret portant relèvement du SMIC au 1er janvier 2026"},
    };
    // Code du travail D6222-26 (contracts since 2019-01-01), percent of SMIC;
    // rows: < 18, 18-20, 21-25, 26+; columns: contract year 1, 2, 3. From
    // 21 the base is the SMIC or, if higher, the branch minimum (unknown
    // here). The band rises on the first day of the month after the birthday
    // (D6222-34), see PayAge().
    const int apprentice[4][3] = {
        {27, 39, 55}, {43, 51, 67}, {53, 61, 78}, {100, 100, 100}};
    std::copy(&apprentice[0][0], &apprentice[0][0] + 12,
              &t->apprentice_percent[0][0]);
    // Code du travail D6325-15 and D6325-18: < 21: 55 % (65 % with at least a
    // Bac Pro or a vocational title of that level); 21-25: 70 % (80 %);
    // 26+: the SMIC (or 85 % of the branch minimum if higher).
    const int pro[3][2] = {{55, 65}, {70, 80}, {100, 100}};
    std::copy(&pro[0][0], &pro[0][0] + 6,
              &t->professionalisation_percent[0][0]);
    return t;
  }();
  return *kTables;
}

std::string FormatDay(absl::CivilDay day) {
  // absl::FormatCivilTime goes through time-zone formatting: ~20x slower,
  // and details are formatted for every ranked result.
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

int PayAge(absl::CivilDay birth, absl::CivilDay start) {
  const absl::CivilDay end_of_previous_month =
      absl::CivilDay(absl::CivilMonth(start)) - 1;
  // Whole years, with the 29 February convention of services/common/dates.h
  // (a year older on 1 March in non-leap years): compare (month, day).
  const absl::CivilDay on = end_of_previous_month;
  int age = static_cast<int>(on.year() - birth.year());
  if (on.month() < birth.month() ||
      (on.month() == birth.month() && on.day() < birth.day())) {
    --age;
  }
  return age;
}

bool ProfessionalisationRaised(int held_level, bool vocational) {
  // D6325-15: "au moins égale au baccalauréat professionnel ou [...] à
  // finalité professionnelle de même niveau". Above level 4 every diploma
  // is above the Bac Pro; at level 4 only a vocational one counts.
  return held_level > 4 || (held_level == 4 && vocational);
}

double LegalMinimumShare(const LegalTables& tables, ContractType contract,
                         int pay_age, int held_level, bool vocational,
                         int contract_year) {
  switch (contract) {
    case ContractType::kApprenticeship: {
      const int band = pay_age < 18   ? 0
                       : pay_age < 21 ? 1
                       : pay_age < 26 ? 2
                                      : 3;
      const int year = std::clamp(contract_year, 1, 3);
      return tables.apprentice_percent[band][year - 1] / 100.0;
    }
    case ContractType::kProfessionalisation: {
      const int band = pay_age < 21 ? 0 : pay_age < 26 ? 1 : 2;
      return tables.professionalisation_percent
                 [band]
                 [ProfessionalisationRaised(held_level, vocational) ? 1 : 0] /
             100.0;
    }
    case ContractType::kCdi:
    case ContractType::kCdd:
      break;
  }
  return 1.0;
}

double BranchMinimumShare(const LegalTables& tables, ContractType contract,
                          int pay_age, int contract_year) {
  switch (contract) {
    case ContractType::kApprenticeship:
      if (pay_age < 21) return 0;
      return LegalMinimumShare(tables, contract, pay_age, 0, true,
                               contract_year);
    case ContractType::kProfessionalisation:
      return pay_age < 26 ? 0 : 0.85;
    case ContractType::kCdi:
    case ContractType::kCdd:
      break;
  }
  return 1.0;
}

double WeeklyHoursFactor(const LegalTables& t, double weekly_hours) {
  const double base = t.legal_weekly_hours;
  if (weekly_hours <= base) return std::max(0.0, weekly_hours) / base;
  const double extra = weekly_hours - base;
  const double first = std::min(extra, t.overtime_first_hours);
  const double next = extra - first;
  return (base + first * (1 + t.overtime_first_premium) +
          next * (1 + t.overtime_next_premium)) /
         base;
}

LegalMinimum ComputeLegalMinimum(const LegalTables& tables,
                                 ContractType contract, int pay_age,
                                 int held_level, double weekly_hours,
                                 absl::CivilDay start, bool vocational,
                                 int contract_year, double branch_monthly_eur) {
  const SmicValue& smic = tables.SmicOn(start);
  LegalMinimum result;
  result.smic_share = LegalMinimumShare(tables, contract, pay_age, held_level,
                                        vocational, contract_year);
  const double branch_share =
      BranchMinimumShare(tables, contract, pay_age, contract_year);
  const double smic_based = smic.monthly_gross_eur * result.smic_share;
  const double branch_based = branch_monthly_eur * branch_share;
  const bool from_branch = branch_based > smic_based;
  result.monthly_gross_eur =
      std::round(std::max(smic_based, branch_based) *
                 WeeklyHoursFactor(tables, weekly_hours) * 100) /
      100;
  std::string who;
  switch (contract) {
    case ContractType::kApprenticeship:
      who = contract_year > 1
                ? absl::StrFormat(
                      "apprentice, pay age %d, year %d: the contract is %d "
                      "year(s) shorter than the diploma's cycle (D6222-28-1)",
                      pay_age, std::clamp(contract_year, 1, 3),
                      std::clamp(contract_year, 1, 3) - 1)
                : absl::StrFormat("apprentice, pay age %d, year 1", pay_age);
      break;
    case ContractType::kProfessionalisation:
      who = absl::StrFormat(
          "professionalisation, pay age %d%s", pay_age,
          ProfessionalisationRaised(held_level, vocational)
              ? (held_level == 4 ? ", vocational level 4 (D6325-15)"
                                 : ", level > 4 (D6325-15)")
              : (held_level == 4 ? ", level 4 not vocational (D6325-15)" : ""));
      break;
    case ContractType::kCdi:
    case ContractType::kCdd:
      who = std::string(ContractTypeName(contract));
      break;
  }
  if (from_branch) {
    result.basis = absl::StrFormat(
        "%.0f%% of the branch minimum %.2f €/month, above %.0f%% of SMIC "
        "%.2f €/month (%s; %s), for %.2f h/week",
        branch_share * 100, branch_monthly_eur, result.smic_share * 100,
        smic.monthly_gross_eur, who,
        contract == ContractType::kApprenticeship        ? "D6222-26"
        : contract == ContractType::kProfessionalisation ? "D6325-18"
                                                         : "branch agreement",
        weekly_hours);
  } else {
    result.basis = absl::StrFormat(
        "%.0f%% of SMIC %.2f €/month from %s (%s), for %.2f h/week",
        result.smic_share * 100, smic.monthly_gross_eur,
        FormatDay(smic.effective_from), who, weekly_hours);
  }
  return result;
}

absl::string_view LicenceCategoryName(LicenceCategory category) {
  static constexpr absl::string_view kNames[kNumLicenceCategories] = {
      "?", "AM", "A1", "A2", "A", "B", "BE", "C1", "C", "CE"};
  const int i = static_cast<int>(category);
  return i > 0 && i < kNumLicenceCategories ? kNames[i] : "?";
}

bool LicenceCovers(LicenceCategory held, LicenceCategory required) {
  using L = LicenceCategory;
  if (held == required) return true;
  switch (held) {
    case L::kA:
      return required == L::kA2 || required == L::kA1 || required == L::kAM;
    case L::kA2:
      return required == L::kA1 || required == L::kAM;
    case L::kA1:
    case L::kB:
      return required == L::kAM;
    case L::kC:
      return required == L::kC1;
    default:
      return false;
  }
}

absl::string_view AttestationName(AttestationKind kind) {
  switch (kind) {
    case AttestationKind::kRqth:
      return "recognised disabled worker, RQTH (L6222-2 3°)";
    case AttestationKind::kBusinessProject:
      return "business creation or takeover project (L6222-2 4°)";
    case AttestationKind::kHighLevelAthlete:
      return "high-level athlete (L6222-2 5°)";
    case AttestationKind::kFollowOn:
      return "follows a previous apprenticeship (L6222-2 1°)";
    case AttestationKind::kBrokenContract:
      return "previous apprenticeship broken through no fault of the "
             "apprentice (L6222-2 2°)";
    case AttestationKind::kJobSeeker:
      return "registered job seeker (L6325-1)";
    case AttestationKind::kRsa:
      return "RSA recipient (L6325-1)";
    case AttestationKind::kAss:
      return "ASS recipient (L6325-1)";
    case AttestationKind::kAah:
      return "AAH recipient (L6325-1)";
    case AttestationKind::kCui:
      return "CUI holder (L6325-1)";
  }
  return "?";
}

absl::string_view RegulatedWorkName(RegulatedWork work) {
  switch (work) {
    case RegulatedWork::kChemicalAgents:
      return "D4153-17 hazardous chemical agents";
    case RegulatedWork::kAsbestos:
      return "D4153-18 asbestos (level 1)";
    case RegulatedWork::kElectrical:
      return "D4153-24 electrical work";
    case RegulatedWork::kTractors:
      return "D4153-26 tractors";
    case RegulatedWork::kMobileEquipment:
      return "D4153-27 self-propelled mobile and lifting equipment";
    case RegulatedWork::kMachines:
      return "D4153-28 dangerous machines";
    case RegulatedWork::kMaintenance:
      return "D4153-29 maintenance while running";
    case RegulatedWork::kHeight:
      return "D4153-30 temporary work at height";
    case RegulatedWork::kScaffolding:
      return "D4153-31 scaffolding";
    case RegulatedWork::kPressureVessels:
      return "D4153-33 pressure equipment";
    case RegulatedWork::kConfinedSpaces:
      return "D4153-34 confined spaces";
    case RegulatedWork::kMoltenMetalGlass:
      return "D4153-35 molten glass or metal";
    case RegulatedWork::kAnimals:
      return "D4153-37 animals";
  }
  return "?";
}

absl::string_view ContractTypeName(ContractType type) {
  switch (type) {
    case ContractType::kCdi:
      return "CDI";
    case ContractType::kApprenticeship:
      return "APPRENTICESHIP";
    case ContractType::kProfessionalisation:
      return "PROFESSIONALISATION";
    case ContractType::kCdd:
      return "CDD";
  }
  return "?";
}

}  // namespace passerelle::engine
