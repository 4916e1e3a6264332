#pragma once

// French legal figures the engine applies, kept as data so that a yearly
// SMIC revaluation or a new apprentice grid is a configuration change.
// Sources are cited in legal_tables.cc next to each value.

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/matching/engine/types.h"

namespace passerelle::engine {

// One SMIC (salaire minimum interprofessionnel de croissance) value in force
// from `effective_from` (metropolitan France).
struct SmicValue {
  absl::CivilDay effective_from;
  double hourly_gross_eur = 0;
  double monthly_gross_eur = 0;  // 35 h/week: hourly x 35 x 52 / 12
  std::string source;            // the decree
};

// The legal minimum monthly gross pay for one candidate on one offer.
struct LegalMinimum {
  double monthly_gross_eur = 0;
  double smic_share = 1.0;  // e.g. 0.27 for a first-year apprentice < 18
  std::string basis;        // human: "27% of SMIC (apprentice < 18, year 1)"
};

struct LegalTables {
  // Ascending by effective_from; the value in force at a contract's start
  // date is the last one with effective_from <= start (the first if none).
  std::vector<SmicValue> smic;

  // Apprentice minimum pay, percent of SMIC, by age band and contract year
  // (Code du travail D6222-26). Bands: < 18, 18-20, 21-25, 26+.
  int apprentice_percent[4][3] = {};

  // Professionalisation contract minimum pay, percent of SMIC (Code du
  // travail D6325-15, D6325-18): [age < 21, 21-25, 26+] x [below Bac Pro
  // level, at least a level-4 vocational diploma].
  int professionalisation_percent[3][2] = {};

  // Overtime premiums for adults (Code du travail L3121-36): hours 36-43
  // +25 %, from the 44th +50 %.
  double overtime_first_premium = 0.25;
  double overtime_first_hours = 8;
  double overtime_next_premium = 0.50;

  // Young workers.
  int majority_age = 18;            // under 18 at start = minor
  int work_min_age = 16;            // L4153-1 (14-15: holiday jobs only)
  int apprenticeship_min_age = 16;  // L6222-1
  int apprenticeship_min_age_after_college = 15;  // L6222-1 al. 2
  int apprenticeship_max_age = 29;  // "29 ans révolus": 30 is excluded
  // L6222-2 1° and 2° (follow-on or broken contract): at most this age at
  // the start, and within this many years of the previous contract's end.
  int apprenticeship_exception_max_age = 35;
  int apprenticeship_exception_years = 1;
  // L6325-1: professionalisation "16 à 25 ans révolus"; from 26 only for
  // job seekers and RSA / ASS / AAH / CUI recipients.
  int professionalisation_max_age = 25;
  double legal_weekly_hours = 35;  // SMIC monthly figures are for 35 h

  // The SMIC in force on `day`.
  const SmicValue& SmicOn(absl::CivilDay day) const;
};

// "YYYY-MM-DD".
std::string FormatDay(absl::CivilDay day);

// The tables in force as of 2026-01-01 (see legal_tables.cc for sources).
const LegalTables& DefaultLegalTables();

// The age the pay grids apply at a contract start: the grids move to the
// next age band on the first day of the month after the birthday
// (D6222-34 for apprentices; payroll practice applies the same to
// professionalisation contracts), so this is
// the age on the last day of the month before `start`.
int PayAge(absl::CivilDay birth, absl::CivilDay start);

// Share of the SMIC (1.0 = 100 %) that is the legal minimum pay, at the
// contract's start, for a candidate of pay age `pay_age` holding (by the start)
// a diploma of level `held_level`, `vocational` or not. CDI/CDD: 1.0 (the
// SMIC). Professionalisation: the higher rate of D6325-15 for "une
// qualification au moins égale au baccalauréat professionnel ou un titre ou
// diplôme à finalité professionnelle de même niveau", i.e. a vocational
// diploma of level 4 (Bac Pro, BP, BT, titre professionnel...) or any
// diploma above level 4 (BTS, licence...); a Bac général or
// technologique (level 4, not vocational) gets the base rate.
// `contract_year` (1..3) picks the apprentice grid's column: 1, or later
// for a contract shortened against its diploma's cycle (D6222-28-1).
double LegalMinimumShare(const LegalTables& tables, ContractType contract,
                         int pay_age, int held_level, bool vocational = true,
                         int contract_year = 1);

// Share of the branch agreement's minimum for the position (salaire minimum
// conventionnel) that is a legal floor too, 0 where the law does not refer
// to it: an apprentice from 21, the grid's percentage (D6222-26: of the
// SMIC or, if higher, of the branch minimum); a professionalisation
// contract from 26, 85 % (D6325-18); a CDI or CDD, all of it.
double BranchMinimumShare(const LegalTables& tables, ContractType contract,
                          int pay_age, int contract_year = 1);

// Whether D6325-15's higher professionalisation rate applies (see
// LegalMinimumShare).
bool ProfessionalisationRaised(int held_level, bool vocational);

// Pay for `weekly_hours` as a multiple of the 35-hour pay: pro rata below 35
// h, with the legal overtime premiums above.
double WeeklyHoursFactor(const LegalTables& tables, double weekly_hours);

// Legal minimum monthly gross pay: SMIC in force at `start` (35 h) x
// LegalMinimumShare, or the offer's `branch_monthly_eur` (35 h; 0 = none)
// x BranchMinimumShare when higher, x WeeklyHoursFactor, rounded to the
// cent, with a human description of the basis. The under-18 SMIC abatement
// (D3231-3: -20 % before 17, -10 % from 17, for minors with under six months
// of practice in the branch) is not applied: an offer using it is flagged,
// which errs on the minor's side.
LegalMinimum ComputeLegalMinimum(const LegalTables& tables,
                                 ContractType contract, int pay_age,
                                 int held_level, double weekly_hours,
                                 absl::CivilDay start, bool vocational = true,
                                 int contract_year = 1,
                                 double branch_monthly_eur = 0);

}  // namespace passerelle::engine
