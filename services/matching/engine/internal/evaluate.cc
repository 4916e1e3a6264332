#include "services/matching/engine/internal/evaluate.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/matching/engine/geo.h"
#include "services/matching/engine/rules.h"

namespace passerelle::engine::internal {
namespace {

double Clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }

std::string Day(PackedDay day) {
  if (day == kNoDay) return "(none)";
  return absl::StrFormat("%04d-%02d-%02d", day / 10000, day / 100 % 100,
                         day % 100);
}

double FreshnessValue(const EvalContext& ctx, const OfferRec& o);

// Sinks for CheckRules. Fail() returns whether to keep checking;
// AfterDistance() whether the candidate is still worth checking.
struct FirstFailure {
  template <typename DetailFn>
  bool Fail(const char*, DetailFn&&) {
    return false;
  }
  // With the distance known, bound the score by the exact trade, contract,
  // distance and freshness values and 1 for the rest (skills, salary, offer
  // fit), summed like Score() sums: below the threshold, stop.
  bool AfterDistance(const EvalContext& ctx, const GraduateRec& g,
                     const OfferRec& o, const TradeMatch& trade,
                     Evaluation* e) const {
    if (threshold <= 0) return true;
    const EvalParams& p = *ctx.params;
    const double values[kNumFactors] = {1,
                                        DistanceValue(p, g, e->distance_km),
                                        Clamp01(trade.closeness),
                                        ContractValue(p.config, g, o.contract),
                                        1,
                                        FreshnessValue(ctx, o),
                                        1};
    double bound = 0;
    for (int i = 0; i < kNumFactors; ++i) bound += p.weights[i] * values[i];
    if (Clamp01(bound) < threshold) {
      e->pruned = true;
      return false;
    }
    return true;
  }
  double threshold;
};

struct CollectAll {
  template <typename DetailFn>
  bool Fail(const char* rule, DetailFn&& detail) {
    out->push_back(Exclusion{rule, detail()});
    return true;
  }
  bool AfterDistance(const EvalContext&, const GraduateRec&, const OfferRec&,
                     const TradeMatch&, Evaluation*) const {
    return true;
  }
  std::vector<Exclusion>* out;
};

// Checks one rule: when `broken`, reports `rule` to the sink with a detail
// built (only if the sink wants it) by the trailing lambda body.
#define PASSERELLE_RULE(broken, rule, ...)                                  \
  do {                                                                      \
    if (broken) {                                                           \
      if (!sink.Fail(rule, [&]() -> std::string __VA_ARGS__)) return false; \
    }                                                                       \
  } while (0)

// Counts of `wanted` (sorted) found in `held` (sorted).
int CountHeld(const uint32_t* wanted, int n,
              const std::vector<uint32_t>& held) {
  int count = 0;
  auto it = held.begin();
  for (int i = 0; i < n && it != held.end(); ++i) {
    it = std::lower_bound(it, held.end(), wanted[i]);
    if (it != held.end() && *it == wanted[i]) ++count;
  }
  return count;
}

std::string AcceptedContracts(const GraduateRec& g) {
  if (g.n_contracts == 0) return "every type";
  std::vector<absl::string_view> names(g.n_contracts);
  for (int type = 1; type < kNumContractTypes; ++type) {
    if (g.contract_pos[type] > 0) {
      names[g.contract_pos[type] - 1] =
          ContractTypeName(static_cast<ContractType>(type));
    }
  }
  return absl::StrJoin(names, ", ");
}

std::string RomeList(const GraduateRec& g, const Names& names) {
  std::vector<absl::string_view> codes;
  for (uint16_t code : g.romes) codes.push_back(names.romes.Get(code));
  return codes.empty() ? "none" : absl::StrJoin(codes, ", ");
}

// ---------------------------------------------------------------------------
// Regulated work for minors ("travaux réglementés").
//
// Work of the D4153-15 to D4153-37 families is forbidden to the under-18s
// (L4153-8) save on one of these bases (L4153-9):
//  - R4153-39 1° and R4153-40: a minor in training (apprentice,
//    professionalisation contract) may be assigned to it for three years
//    from the employer's declaration of derogation (R4153-41);
//  - R4153-49: a young worker holding a diploma or title corresponding to
//    the activity (here: the diploma held by the start leads, per the
//    referential, to the offer's ROME code), found fit by the doctor;
//  - R4153-50: electrical work (D4153-24) with an electrical clearance;
//  - R4153-51: driving self-propelled mobile or lifting equipment
//    (D4153-27) with the training and driving authorisation (R4323-55/-56).
// The declaration does not cover a CDI or CDD. The occupational doctor's
// fitness (R4153-47, R4153-49) comes after hiring: it is said, not checked.

enum RegulatedBasis : uint8_t {
  kRegulatedNotApplicable = 0,  // no regulated work, or an adult
  kRegulatedExcluded,
  kRegulatedDeclaration,     // R4153-40, dated
  kRegulatedDeclarationOld,  // R4153-40, undated older record: assumed
  kRegulatedDiploma,         // R4153-49
  kRegulatedAuthorisations,  // R4153-50 / R4153-51
};

constexpr uint16_t Bit(RegulatedWork w) {
  return static_cast<uint16_t>(1u << static_cast<int>(w));
}

// The categories each authorisation covers.
uint16_t CoveredByAuthorisations(const GraduateRec& g) {
  uint16_t covered = 0;
  if (g.authorisations &
      (1u << static_cast<int>(WorkAuthorisation::kElectricalClearance))) {
    covered |= Bit(RegulatedWork::kElectrical);  // R4153-50
  }
  if (g.authorisations &
      (1u << static_cast<int>(WorkAuthorisation::kDriving))) {
    covered |= Bit(RegulatedWork::kMobileEquipment);  // R4153-51
  }
  return covered;
}

bool IsTrainee(ContractType contract) {
  return contract == ContractType::kApprenticeship ||
         contract == ContractType::kProfessionalisation;
}

absl::CivilDay DeclaredOn(const OfferRec& o) {
  return absl::CivilDay(1970, 1, 1) + o.declared_days;
}

// Whether the declaration covers the start: sent on or before it, and the
// start within the three years (R4153-40).
bool DeclarationCoversStart(const OfferRec& o) {
  if (!o.Has(kOfferRegulatedDeclared)) return false;
  if (o.declared_days == 0) return true;  // older record: assumed
  const absl::CivilDay declared = DeclaredOn(o);
  const PackedDay start = o.start;
  return Pack(declared) <= start && start <= Pack(DeclarationLastDay(declared));
}

bool DiplomaCorresponds(const GraduateRec& g, const OfferRec& o,
                        bool diploma_held) {
  return diploma_held &&
         std::find(g.diploma_romes.begin(), g.diploma_romes.end(), o.rome) !=
             g.diploma_romes.end();
}

RegulatedBasis JudgeRegulated(const GraduateRec& g, const OfferRec& o,
                              bool diploma_held) {
  if (IsTrainee(o.contract) && DeclarationCoversStart(o)) {
    return o.declared_days == 0 ? kRegulatedDeclarationOld
                                : kRegulatedDeclaration;
  }
  if (DiplomaCorresponds(g, o, diploma_held)) return kRegulatedDiploma;
  if (o.regulated_works != 0 &&
      (o.regulated_works & ~CoveredByAuthorisations(g)) == 0) {
    return kRegulatedAuthorisations;
  }
  return kRegulatedExcluded;
}

std::string RegulatedList(uint16_t works) {
  if (works == 0) return "categories not stated";
  std::vector<absl::string_view> names;
  for (int w = 1; w < kNumRegulatedWorks; ++w) {
    if (works & (1u << w)) {
      names.push_back(RegulatedWorkName(static_cast<RegulatedWork>(w)));
    }
  }
  return absl::StrJoin(names, ", ");
}

std::string DiplomaTrades(const GraduateRec& g, const Names& names) {
  std::vector<absl::string_view> codes;
  for (uint16_t code : g.diploma_romes) codes.push_back(names.romes.Get(code));
  return codes.empty() ? "no trade in the referential"
                       : absl::StrJoin(codes, ", ");
}

std::string RegulatedExcludedDetail(const GraduateRec& g, const OfferRec& o,
                                    int age, bool diploma_held,
                                    const Names& names) {
  std::string out = absl::StrFormat(
      "regulated work (%s) for a %d-year-old on a %s starting %s: ",
      RegulatedList(o.regulated_works), age, ContractTypeName(o.contract),
      Day(o.start));
  if (!IsTrainee(o.contract)) {
    absl::StrAppend(&out,
                    "the employer's declaration covers minors in training "
                    "only (R4153-39, R4153-40), not a ",
                    ContractTypeName(o.contract), "; ");
  } else if (!o.Has(kOfferRegulatedDeclared)) {
    absl::StrAppend(&out,
                    "the employer has not declared it to the labour "
                    "inspectorate (R4153-40, R4153-41); ");
  } else {
    const absl::CivilDay declared = DeclaredOn(o);
    const absl::CivilDay last = DeclarationLastDay(declared);
    if (Pack(declared) > o.start) {
      absl::StrAppendFormat(&out,
                            "the employer's declaration of %s is after the "
                            "start (R4153-41: before assignment); ",
                            Day(Pack(declared)));
    } else {
      absl::StrAppendFormat(&out,
                            "the employer's declaration of %s was valid "
                            "until %s, before the start (three years, "
                            "R4153-40); ",
                            Day(Pack(declared)), Day(Pack(last)));
    }
  }
  if (!diploma_held || g.diploma == 0) {
    absl::StrAppend(&out,
                    "the graduate holds no diploma by the start that could "
                    "correspond to the activity (R4153-49)");
  } else {
    absl::StrAppendFormat(
        &out,
        "the graduate's diploma %s leads to %s, not to the offer's trade %s "
        "(R4153-49)",
        names.diplomas.Get(g.diploma), DiplomaTrades(g, names),
        names.romes.Get(o.rome));
  }
  if (o.regulated_works == 0) {
    absl::StrAppend(&out,
                    "; the categories are not stated, so no authorisation "
                    "can cover them (R4153-50, R4153-51)");
  } else {
    absl::StrAppendFormat(
        &out,
        "; no authorisation covers %s (an electrical clearance covers "
        "D4153-24, R4153-50; a driving authorisation D4153-27, R4153-51)",
        RegulatedList(o.regulated_works & ~CoveredByAuthorisations(g)));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Age limits and their attested exceptions (L6222-2, L6325-1).

bool HasAttestation(const GraduateRec& g, AttestationKind kind) {
  return (g.attestations & (1u << static_cast<int>(kind))) != 0;
}

PackedDay AddYears(PackedDay day, int years) {
  const absl::CivilDay d = Unpack(day);
  return Pack(absl::CivilDay(d.year() + years, d.month(), d.day()));
}

PackedDay AttestedOn(const GraduateRec& g, AttestationKind kind) {
  for (const auto& [k, day] : g.attested) {
    if (k == static_cast<uint8_t>(kind)) return day;
  }
  return kNoDay;
}

// L6222-2 1° and 2°: the new contract starts after the previous one's last
// day and within `years` of it.
bool FollowsWithin(PackedDay previous_end, PackedDay start, int years) {
  return previous_end != kNoDay && previous_end < start &&
         start <= AddYears(previous_end, years);
}

// The exception of L6222-2 that allows an apprenticeship at `age` (past
// 29), or 0.
uint8_t ApprenticeshipAgeException(const LegalTables& legal,
                                   const GraduateRec& g, const OfferRec& o,
                                   int age) {
  for (AttestationKind kind :
       {AttestationKind::kRqth, AttestationKind::kBusinessProject,
        AttestationKind::kHighLevelAthlete}) {
    if (HasAttestation(g, kind)) return static_cast<uint8_t>(kind);
  }
  if (age > legal.apprenticeship_exception_max_age) return 0;
  const int years = legal.apprenticeship_exception_years;
  if (HasAttestation(g, AttestationKind::kFollowOn) &&
      FollowsWithin(g.follow_on_end, o.start, years) &&
      o.target_level > g.follow_on_level) {
    return static_cast<uint8_t>(AttestationKind::kFollowOn);
  }
  if (HasAttestation(g, AttestationKind::kBrokenContract) &&
      FollowsWithin(g.broken_end, o.start, years)) {
    return static_cast<uint8_t>(AttestationKind::kBrokenContract);
  }
  return 0;
}

// Why no exception of L6222-2 applies.
std::string NoApprenticeshipExceptionDetail(const LegalTables& legal,
                                            const GraduateRec& g,
                                            const OfferRec& o, int age) {
  std::vector<std::string> why;
  const int years = legal.apprenticeship_exception_years;
  const int max_age = legal.apprenticeship_exception_max_age;
  for (AttestationKind kind :
       {AttestationKind::kFollowOn, AttestationKind::kBrokenContract}) {
    if (!HasAttestation(g, kind)) continue;
    const PackedDay end =
        kind == AttestationKind::kFollowOn ? g.follow_on_end : g.broken_end;
    std::string reason;
    if (age > max_age) {
      reason = absl::StrFormat("aged over %d", max_age);
    } else if (!FollowsWithin(end, o.start, years)) {
      reason = absl::StrFormat(
          "the previous contract ended on %s; the start must follow it "
          "within %d year(s), by %s",
          Day(end), years, Day(AddYears(end, years)));
    } else {
      reason = absl::StrFormat(
          "the offer prepares level %d, not above the previous level %d",
          o.target_level, g.follow_on_level);
    }
    why.push_back(absl::StrCat(AttestationName(kind), ": ", reason));
  }
  if (why.empty()) return "no exception of L6222-2 attested";
  return absl::StrCat("L6222-2 does not apply: ", absl::StrJoin(why, "; "));
}

uint8_t ProfessionalisationStatus(const GraduateRec& g) {
  for (AttestationKind kind :
       {AttestationKind::kJobSeeker, AttestationKind::kRsa,
        AttestationKind::kAss, AttestationKind::kAah, AttestationKind::kCui}) {
    if (HasAttestation(g, kind)) return static_cast<uint8_t>(kind);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Driving licence by category (Code de la route R221-4, R221-5).

// Whether the graduate holds, or expects by `by`, a licence covering
// `required` (0: any category).
bool HoldsLicence(const GraduateRec& g, uint8_t required, PackedDay by) {
  for (const auto& [category, on] : g.licences) {
    if (on > by) continue;
    if (required == 0 ||
        LicenceCovers(static_cast<LicenceCategory>(category),
                      static_cast<LicenceCategory>(required))) {
      return true;
    }
  }
  return false;
}

std::string LicenceList(const GraduateRec& g) {
  if (g.licences.empty()) {
    return g.Has(kGradLicence) ? "a licence of unstated category" : "none";
  }
  std::vector<std::string> out;
  for (const auto& [category, on] : g.licences) {
    out.push_back(absl::StrFormat(
        "%s from %s",
        LicenceCategoryName(static_cast<LicenceCategory>(category)), Day(on)));
  }
  return absl::StrJoin(out, ", ");
}

std::string TargetClosedDetail(const EvalContext& ctx, const OfferRec& o,
                               const Names& names) {
  const absl::string_view code = names.diplomas.Get(o.target_diploma);
  const absl::CivilDay last =
      ContractLastDay(Unpack(o.start), o.duration_months);
  std::string closes = "?";
  if (ctx.params->diplomas != nullptr) {
    auto it = ctx.params->diplomas->find(code);
    if (it != ctx.params->diplomas->end() && it->second.closes_on) {
      closes = Day(Pack(*it->second.closes_on));
    }
  }
  return absl::StrFormat(
      "prepares diploma %s, closed on %s, before the contract's last day %s "
      "(start %s + %d months): an apprenticeship leads to a diploma that "
      "exists for its whole duration (Code du travail L6211-1)",
      code, closes, Day(Pack(last)), Day(o.start), o.duration_months);
}

int FirstBit(uint16_t bits) {
  int i = 0;
  while ((bits & (1u << i)) == 0) ++i;
  return i;
}

// Fills the rule-related numbers of `e` and checks every rule, in the order
// Explain lists them.
template <typename Sink>
bool CheckRules(const EvalContext& ctx, const GraduateRec& g, OfferRef ref,
                const TradeMatch& trade, const Names* names, Evaluation* e,
                Sink& sink) {
  const OfferRec& o = *ref.rec;
  const LegalTables& legal = ctx.params->legal;

  PASSERELLE_RULE(!g.Has(kGradSeeking), kRuleGraduateNotSeeking,
                  { return "the graduate is placed or withdrawn"; });
  PASSERELLE_RULE(!o.Has(kOfferOpen), kRuleOfferClosed,
                  { return "the offer is closed"; });
  PASSERELLE_RULE(o.positions_filled >= o.positions, kRuleNoPositionLeft, {
    return absl::StrFormat("%d of %d positions filled", o.positions_filled,
                           o.positions);
  });
  PASSERELLE_RULE(o.expires != kNoDay && o.expires < ctx.today,
                  kRuleOfferExpired, {
                    return absl::StrFormat("expired on %s, before today %s",
                                           Day(o.expires), Day(ctx.today));
                  });
  const int type = static_cast<int>(o.contract);
  PASSERELLE_RULE(g.n_contracts > 0 && g.contract_pos[type] == 0,
                  kRuleContractNotAccepted, {
                    return absl::StrFormat("offer is %s; graduate accepts %s",
                                           ContractTypeName(o.contract),
                                           AcceptedContracts(g));
                  });
  PASSERELLE_RULE(o.start < g.available, kRuleStartBeforeAvailability, {
    return absl::StrFormat("starts %s, before the graduate is available on %s",
                           Day(o.start), Day(g.available));
  });
  PASSERELLE_RULE(trade.kind == TradeMatch::kNone, kRuleTradeUnrelated, {
    return absl::StrFormat(
        "offer's trade %s is not among the graduate's (%s), their mobility "
        "table nor their ROME v3 parents",
        names->romes.Get(o.rome), RomeList(g, *names));
  });

  e->diploma_held =
      g.level > 0 && (g.status == DiplomaStatus::kObtained ||
                      (g.obtained != kNoDay && g.obtained <= o.start));
  e->held_level = e->diploma_held ? g.level : 0;
  PASSERELLE_RULE(o.required_level > e->held_level, kRuleDiplomaLevel, {
    if (g.level >= o.required_level) {
      return absl::StrFormat(
          "requires level %d by the start %s; the graduate's level-%d diploma "
          "is expected on %s",
          o.required_level, Day(o.start), g.level, Day(g.obtained));
    }
    return absl::StrFormat("requires level %d; graduate's diploma is level %d",
                           o.required_level, g.level);
  });

  const bool apprenticeship = o.contract == ContractType::kApprenticeship;
  if (apprenticeship) {
    const bool has_target = o.target_level > 0 || o.target_diploma != 0;
    PASSERELLE_RULE(!has_target, kRuleApprenticeshipTarget, {
      return "the apprenticeship names no diploma to prepare";
    });
    PASSERELLE_RULE(o.target_diploma != 0 && o.target_diploma == g.diploma &&
                        e->diploma_held,
                    kRuleApprenticeshipTarget, {
                      return absl::StrFormat(
                          "prepares diploma %s, which the graduate holds by "
                          "the start %s",
                          names->diplomas.Get(o.target_diploma), Day(o.start));
                    });
    // L6211-1: the diploma prepared must exist for the whole contract.
    PASSERELLE_RULE(o.Has(kOfferTargetClosed), kRuleApprenticeshipTargetClosed,
                    { return TargetClosedDetail(ctx, o, *names); });
  }

  e->age_at_start = AgeAt(g.birth, o.start);
  const int age = e->age_at_start;
  if (apprenticeship) {
    const int min_age = g.Has(kGradCollege)
                            ? legal.apprenticeship_min_age_after_college
                            : legal.apprenticeship_min_age;
    PASSERELLE_RULE(age < min_age, kRuleApprenticeshipTooYoung, {
      return absl::StrFormat(
          "aged %d at the start %s (born %s); an apprenticeship starts at %d, "
          "or %d once collège is completed (completed: %s)",
          age, Day(o.start), Day(g.birth), legal.apprenticeship_min_age,
          legal.apprenticeship_min_age_after_college,
          g.Has(kGradCollege) ? "yes" : "no");
    });
    e->age_exception = age > legal.apprenticeship_max_age
                           ? ApprenticeshipAgeException(legal, g, o, age)
                           : 0;
    PASSERELLE_RULE(
        age > legal.apprenticeship_max_age && e->age_exception == 0,
        kRuleApprenticeshipTooOld, {
          return absl::StrFormat(
              "aged %d at the start %s (born %s); an apprenticeship starts "
              "before %d (L6222-1); %s",
              age, Day(o.start), Day(g.birth), legal.apprenticeship_max_age + 1,
              NoApprenticeshipExceptionDetail(legal, g, o, age));
        });
  } else {
    PASSERELLE_RULE(age < legal.work_min_age, kRuleUnderWorkingAge, {
      return absl::StrFormat(
          "aged %d at the start %s (born %s); a %s requires %d", age,
          Day(o.start), Day(g.birth), ContractTypeName(o.contract),
          legal.work_min_age);
    });
    const bool pro_too_old = o.contract == ContractType::kProfessionalisation &&
                             age > legal.professionalisation_max_age;
    e->age_exception = pro_too_old ? ProfessionalisationStatus(g) : 0;
    PASSERELLE_RULE(
        pro_too_old && e->age_exception == 0, kRuleProfessionalisationTooOld, {
          return absl::StrFormat(
              "aged %d at the start %s (born %s); a professionalisation "
              "contract is for 16 to %d, or from %d for a registered job "
              "seeker or an RSA, ASS, AAH or CUI recipient (L6325-1): none "
              "attested",
              age, Day(o.start), Day(g.birth),
              legal.professionalisation_max_age,
              legal.professionalisation_max_age + 1);
        });
  }

  if (age < legal.majority_age) {
    // Working time (working_time.h): the bits were judged when the offer
    // was stored; the details are judged again only for Explain.
    if (const uint16_t broken = ref.MinorRules(age); broken != 0) {
      if (names == nullptr) {
        PASSERELLE_RULE(true, MinorTimeRuleName(FirstBit(broken)),
                        { return std::string(); });
      } else {
        for (TimeFinding& f :
             JudgeMinorTime(ref.Time(), age, /*details=*/true).exclusions) {
          PASSERELLE_RULE(true, f.rule, { return std::move(f.detail); });
        }
      }
    }
    if (o.Has(kOfferRegulated)) {
      e->regulated_basis = JudgeRegulated(g, o, e->diploma_held);
      PASSERELLE_RULE(
          e->regulated_basis == kRegulatedExcluded, kRuleMinorRegulatedWork, {
            return RegulatedExcludedDetail(g, o, age, e->diploma_held, *names);
          });
    } else {
      e->regulated_basis = kRegulatedNotApplicable;
    }
  } else {
    e->regulated_basis = kRegulatedNotApplicable;
  }

  e->licence_assumed = false;
  if (o.Has(kOfferLicenceRequired)) {
    bool held = HoldsLicence(g, o.licence_category, o.start);
    if (!held && g.licences.empty() && g.Has(kGradLicence)) {
      // An older profile says "a licence" without its category: a B (the
      // licence a young person holds), which covers B and AM.
      held = o.licence_category == 0 ||
             LicenceCovers(LicenceCategory::kB,
                           static_cast<LicenceCategory>(o.licence_category));
      e->licence_assumed = held && o.licence_category != 0;
    }
    PASSERELLE_RULE(!held, kRuleDrivingLicence, {
      return absl::StrFormat(
          "the offer requires %s by the start %s; the graduate holds %s",
          o.licence_category == 0
              ? std::string("a driving licence")
              : absl::StrCat("a ",
                             LicenceCategoryName(static_cast<LicenceCategory>(
                                 o.licence_category)),
                             " licence (or one covering it, R221-4)"),
          Day(o.start), LicenceList(g));
    });
  }

  // Last: the only rule that needs trigonometry.
  e->distance_km = HaversineKm(g.lat, g.lng, o.lat, o.lng);
  PASSERELLE_RULE(e->distance_km > g.max_km, kRuleDistance, {
    return absl::StrFormat("%.3f km from home > radius %.3f km", e->distance_km,
                           g.max_km);
  });
  return sink.AfterDistance(ctx, g, o, trade, e);
}

#undef PASSERELLE_RULE

double FreshnessValue(const EvalContext& ctx, const OfferRec& o) {
  const int days = std::max(0, ctx.today_days - o.updated_days);
  return Clamp01(
      std::exp2(-days / ctx.params->config.freshness_half_life_days));
}

double SmicMonthlyAt(const EvalParams& p, PackedDay day) {
  double value = p.smic_monthly.front().second;
  for (const auto& [from, monthly] : p.smic_monthly) {
    if (from <= day) value = monthly;
  }
  return value;
}

// Soft score. Relies on the rule pass having filled distance, held level,
// ages.
void Score(const EvalContext& ctx, const GraduateRec& g, OfferRef ref,
           const TradeMatch& trade, Evaluation* e) {
  const OfferRec& o = *ref.rec;
  const EvalParams& p = *ctx.params;
  const ScoringConfig& c = p.config;

  // skills
  e->req_total = o.n_required;
  e->des_total = o.n_desired;
  e->req_held = CountHeld(ref.skills, o.n_required, g.skills);
  e->des_held = CountHeld(ref.skills + o.n_required, o.n_desired, g.skills);
  const double req_cov =
      e->req_total == 0 ? 1.0 : double(e->req_held) / e->req_total;
  const double des_cov =
      e->des_total == 0 ? 1.0 : double(e->des_held) / e->des_total;
  e->values[0] = Clamp01(c.skills_required_share * req_cov +
                         (1 - c.skills_required_share) * des_cov);

  // distance
  e->values[1] = DistanceValue(p, g, e->distance_km);

  // trade
  e->values[2] = Clamp01(trade.closeness);

  // contract preference
  e->values[3] = ContractValue(c, g, o.contract);

  // salary against the legal minimum for this candidate
  e->pay_age = AgeAt(g.birth, EndOfPreviousMonth(o.start));
  const double share =
      LegalMinimumShare(p.legal, o.contract, e->pay_age, e->held_level,
                        g.Has(kGradVocational), 1 + o.pay_year_offset);
  double floor_35h = SmicMonthlyAt(p, o.start) * share;
  const double branch_share = BranchMinimumShare(
      p.legal, o.contract, e->pay_age, 1 + o.pay_year_offset);
  if (branch_share > 0) {
    const int32_t branch_cents = ref.BranchMinCents();
    if (branch_cents > 0) {
      floor_35h = std::max(floor_35h, branch_cents / 100.0 * branch_share);
    }
  }
  e->legal_min_cents = std::llround(
      floor_35h * WeeklyHoursFactor(p.legal, o.weekly_centihours / 100.0) *
      100);
  double salary_value = c.salary_not_stated;
  e->salary_below_minimum = false;
  if (o.salary_cents > 0) {
    if (o.salary_cents < e->legal_min_cents) {
      e->salary_below_minimum = true;
      salary_value = 0;
    } else if (e->legal_min_cents <= 0) {
      salary_value = 1;
    } else {
      const double ratio = double(o.salary_cents) / e->legal_min_cents;
      salary_value =
          c.salary_at_minimum +
          (1 - c.salary_at_minimum) *
              std::min(1.0,
                       (ratio - 1) / std::max(1e-9, c.salary_full_ratio - 1));
    }
  }
  e->values[4] = Clamp01(salary_value);

  // freshness
  e->days_since_update = std::max(0, ctx.today_days - o.updated_days);
  e->values[5] = FreshnessValue(ctx, o);

  // offer side: the graduate as the employer sees them
  if (o.contract == ContractType::kApprenticeship) {
    // A higher diploma is the usual progression; the same level is another
    // speciality; a lower one is a lawful retraining (no level floor in the
    // law), which an employer may see as a weaker fit.
    e->fit_level = o.target_level > g.level    ? 1.0
                   : o.target_level == g.level ? 0.7
                                               : 0.4;
  } else {
    const int margin = e->held_level - o.required_level;
    e->fit_level = margin >= 1 ? 1.0 : margin == 0 ? 0.8 : 0.0;
  }
  const bool obtained = g.level > 0 && (g.status == DiplomaStatus::kObtained ||
                                        g.obtained <= ctx.today);
  e->fit_readiness = obtained ? 1.0 : 0.7;
  e->fit_skills = req_cov;
  e->values[6] = Clamp01(p.fit_shares[0] * e->fit_level +
                         p.fit_shares[1] * e->fit_readiness +
                         p.fit_shares[2] * e->fit_skills);

  double score = 0;
  for (int i = 0; i < kNumFactors; ++i) score += p.weights[i] * e->values[i];
  e->score = Clamp01(score);
}

}  // namespace

absl::string_view NameTable::Get(uint32_t id) const {
  if (table != nullptr && id < table->capacity()) return table->Get(id);
  const uint32_t base = table != nullptr ? table->capacity() : 0;
  if (overlay != nullptr && id - base < overlay->size()) {
    return (*overlay)[id - base];
  }
  return "?";
}

double DistanceValue(const EvalParams& params, const GraduateRec& g,
                     double distance_km) {
  double value = 1.0;
  if (g.max_km > 0) {
    value = std::exp(params.log_distance_floor * distance_km / g.max_km);
  } else if (distance_km > 0) {
    value = 0;
  }
  return Clamp01(value);
}

uint32_t MinorRulesOf(const OfferRec& rec, const WorkingTerms* terms) {
  OfferRef ref{&rec, nullptr};
  ref.terms = terms;
  const OfferTime time = ref.Time();  // reads no rule bits
  return JudgeMinorTime(time, 17, /*details=*/false).broken |
         uint32_t{JudgeMinorTime(time, 15, /*details=*/false).broken} << 16;
}

EvalContext MakeContext(const EvalParams& params, absl::CivilDay today) {
  EvalContext ctx;
  ctx.params = &params;
  ctx.today = Pack(today);
  ctx.today_days = EpochDays(today);
  return ctx;
}

bool EvaluateFast(const EvalContext& ctx, const GraduateRec& g, OfferRef o,
                  const TradeMatch& trade, Evaluation* e, double threshold) {
  FirstFailure sink{threshold};
  e->pruned = false;
  if (!CheckRules(ctx, g, o, trade, nullptr, e, sink)) return false;
  Score(ctx, g, o, trade, e);
  return true;
}

void EvaluateAll(const EvalContext& ctx, const GraduateRec& g, OfferRef o,
                 const TradeMatch& trade, const Names& names, Evaluation* e,
                 std::vector<Exclusion>* exclusions) {
  CollectAll sink{exclusions};
  CheckRules(ctx, g, o, trade, &names, e, sink);
  Score(ctx, g, o, trade, e);
}

double ContractValue(const ScoringConfig& c, const GraduateRec& g,
                     ContractType type) {
  const int pos = g.contract_pos[static_cast<int>(type)];
  double value = 1.0;
  if (g.n_contracts > 0) {
    if (pos == 0) {
      value = 0;
    } else if (g.n_contracts > 1) {
      value = 1 - (1 - c.contract_last) * (pos - 1) / (g.n_contracts - 1.0);
    }
  }
  return Clamp01(value);
}

double ScoreUpperBound(const EvalContext& ctx, double closeness,
                       double contract_value, double distance_value) {
  const EvalParams& p = *ctx.params;
  // Every factor at 1 except trade, contract and distance, summed like
  // Score() sums.
  const double values[kNumFactors] = {
      1, distance_value, Clamp01(closeness), contract_value, 1, 1, 1};
  double score = 0;
  for (int i = 0; i < kNumFactors; ++i) score += p.weights[i] * values[i];
  return Clamp01(score);
}

std::vector<Factor> DescribeFactors(const EvalContext& ctx,
                                    const GraduateRec& g, OfferRef ref,
                                    const TradeMatch& trade, const Names& names,
                                    const Evaluation& e) {
  const OfferRec& o = *ref.rec;
  const EvalParams& p = *ctx.params;
  std::vector<Factor> factors(kNumFactors);
  static constexpr const char* kNames[kNumFactors] = {
      kFactorSkills, kFactorDistance,  kFactorTrade,   kFactorContract,
      kFactorSalary, kFactorFreshness, kFactorOfferFit};
  for (int i = 0; i < kNumFactors; ++i) {
    factors[i].name = kNames[i];
    factors[i].value = e.values[i];
    factors[i].weight = p.weights[i];
  }

  // skills
  {
    auto missing = [&](const uint32_t* ids, int n) {
      std::vector<absl::string_view> out;
      for (int i = 0; i < n; ++i) {
        if (!std::binary_search(g.skills.begin(), g.skills.end(), ids[i])) {
          out.push_back(names.skills.Get(ids[i]));
        }
      }
      return out;
    };
    std::string detail =
        absl::StrFormat("required %d/%d held", e.req_held, e.req_total);
    const auto missing_required = missing(ref.skills, o.n_required);
    if (!missing_required.empty()) {
      absl::StrAppend(
          &detail, " (missing: ", absl::StrJoin(missing_required, ", "), ")");
    }
    absl::StrAppendFormat(&detail, "; desired %d/%d held", e.des_held,
                          e.des_total);
    factors[0].detail = std::move(detail);
  }
  factors[1].detail = absl::StrFormat("%.1f km from home, radius %.4g km",
                                      e.distance_km, g.max_km);
  {
    const absl::string_view code = names.romes.Get(o.rome);
    switch (trade.kind) {
      case TradeMatch::kFirstChoice:
        factors[2].detail =
            absl::StrFormat("%s is the graduate's first-choice trade", code);
        break;
      case TradeMatch::kOtherOwn:
        factors[2].detail = absl::StrFormat(
            "%s is one of the graduate's trades (not the first)", code);
        break;
      case TradeMatch::kMobility:
        factors[2].detail = absl::StrFormat(
            "%s is close to the graduate's %s (ROME mobility rank %d)", code,
            names.romes.Get(trade.via), trade.rank);
        break;
      case TradeMatch::kSameParent:
        factors[2].detail = absl::StrFormat(
            "%s shares its ROME v3 parent with the graduate's %s (distant but "
            "allowed)",
            code, names.romes.Get(trade.via));
        break;
      case TradeMatch::kNone:
        factors[2].detail =
            absl::StrFormat("%s is unrelated to the graduate's trades", code);
        break;
    }
  }
  {
    const int pos = g.contract_pos[static_cast<int>(o.contract)];
    if (g.n_contracts == 0) {
      factors[3].detail = "the graduate stated no preference";
    } else if (pos == 0) {
      factors[3].detail =
          absl::StrFormat("%s is not accepted (%s)",
                          ContractTypeName(o.contract), AcceptedContracts(g));
    } else {
      factors[3].detail = absl::StrFormat("%s is choice %d of %d (%s)",
                                          ContractTypeName(o.contract), pos,
                                          g.n_contracts, AcceptedContracts(g));
    }
  }
  {
    const LegalMinimum minimum = ComputeLegalMinimum(
        p.legal, o.contract, e.pay_age, e.held_level,
        o.weekly_centihours / 100.0, Unpack(o.start), g.Has(kGradVocational),
        1 + o.pay_year_offset, ref.BranchMinCents() / 100.0);
    const double min_eur = e.legal_min_cents / 100.0;
    if (o.salary_cents <= 0) {
      factors[4].detail =
          absl::StrFormat("not stated; the legal minimum %.2f € applies (%s)",
                          min_eur, minimum.basis);
    } else if (e.salary_below_minimum) {
      factors[4].detail =
          absl::StrFormat("%.2f €/month is BELOW the legal minimum %.2f € (%s)",
                          o.salary_cents / 100.0, min_eur, minimum.basis);
    } else {
      factors[4].detail =
          absl::StrFormat("%.2f €/month = %.2f x the legal minimum %.2f € (%s)",
                          o.salary_cents / 100.0,
                          min_eur > 0 ? o.salary_cents / 100.0 / min_eur : 0.0,
                          min_eur, minimum.basis);
    }
  }
  if (o.contract == ContractType::kProfessionalisation && e.held_level == 4 &&
      !g.Has(kGradDiplomaKnown)) {
    absl::StrAppend(&factors[4].detail, "; assumed: diploma ",
                    names.diplomas.Get(g.diploma),
                    " is not in the referential, taken as vocational");
  }
  factors[5].detail =
      absl::StrFormat("updated %d days ago (half-life %.4g days)",
                      e.days_since_update, p.config.freshness_half_life_days);
  {
    std::string level;
    if (o.contract == ContractType::kApprenticeship) {
      level = absl::StrFormat(
          "prepares level %d from level %d%s: %.2f", o.target_level, g.level,
          o.target_level < g.level ? " (retraining at a lower level)" : "",
          e.fit_level);
    } else {
      level = absl::StrFormat("level %d held for %d required: %.2f",
                              e.held_level, o.required_level, e.fit_level);
    }
    factors[6].detail = absl::StrFormat(
        "%s; diploma %s: %.2f; required skills %d/%d: %.2f", level,
        e.fit_readiness == 1.0 ? "obtained" : "in progress", e.fit_readiness,
        e.req_held, e.req_total, e.fit_skills);
  }
  return factors;
}

std::vector<Warning> DescribeWarnings(const EvalContext& ctx,
                                      const GraduateRec& g, OfferRef ref,
                                      const Names& names, const Evaluation& e) {
  std::vector<Warning> warnings;
  const OfferRec& offer = *ref.rec;
  const std::string works = RegulatedList(offer.regulated_works);
  constexpr absl::string_view kFitness =
      "; the occupational doctor's fitness is required before assignment "
      "(R4153-47, R4153-49)";
  switch (e.regulated_basis) {
    case kRegulatedDeclaration: {
      const absl::CivilDay declared = DeclaredOn(offer);
      warnings.push_back(Warning{
          kWarningRegulatedWorkAllowed,
          absl::StrFormat(
              "regulated work (%s) allowed for a %d-year-old: %s, "
              "employer's declaration of %s valid until %s (R4153-39 1°, "
              "R4153-40)%s",
              works, e.age_at_start, ContractTypeName(offer.contract),
              Day(Pack(declared)), Day(Pack(DeclarationLastDay(declared))),
              kFitness)});
      break;
    }
    case kRegulatedDeclarationOld:
      warnings.push_back(Warning{
          kWarningRegulatedWorkAllowed,
          absl::StrFormat("regulated work (%s) allowed for a %d-year-old: "
                          "%s, employer's declaration (R4153-39 1°, "
                          "R4153-40)%s",
                          works, e.age_at_start,
                          ContractTypeName(offer.contract), kFitness)});
      warnings.push_back(
          Warning{kWarningRegulatedWorkAssumed,
                  "the offer says the declaration is made but not when "
                  "(recorded before the date existed): taken as valid at "
                  "the start; it lasts three years from its sending "
                  "(R4153-40)"});
      break;
    case kRegulatedDiploma:
      warnings.push_back(
          Warning{kWarningRegulatedWorkAllowed,
                  absl::StrFormat(
                      "regulated work (%s) allowed for a %d-year-old: the "
                      "graduate's diploma %s corresponds to the activity %s "
                      "(R4153-49)%s",
                      works, e.age_at_start, names.diplomas.Get(g.diploma),
                      names.romes.Get(offer.rome), kFitness)});
      break;
    case kRegulatedAuthorisations:
      warnings.push_back(Warning{
          kWarningRegulatedWorkAllowed,
          absl::StrFormat("regulated work (%s) allowed for a %d-year-old: "
                          "the graduate's authorisations cover it "
                          "(R4153-50 electrical clearance, R4153-51 driving "
                          "authorisation)%s",
                          works, e.age_at_start, kFitness)});
      break;
    default:
      break;
  }
  if (e.age_exception != 0) {
    const auto kind = static_cast<AttestationKind>(e.age_exception);
    std::string detail = absl::StrFormat(
        "aged %d at the start %s: %s allowed past %d by %s, attested on %s",
        e.age_at_start, Day(offer.start), ContractTypeName(offer.contract),
        offer.contract == ContractType::kApprenticeship
            ? ctx.params->legal.apprenticeship_max_age
            : ctx.params->legal.professionalisation_max_age,
        AttestationName(kind), Day(AttestedOn(g, kind)));
    if (kind == AttestationKind::kFollowOn ||
        kind == AttestationKind::kBrokenContract) {
      absl::StrAppendFormat(
          &detail, "; previous contract ended on %s%s",
          Day(kind == AttestationKind::kFollowOn ? g.follow_on_end
                                                 : g.broken_end),
          kind == AttestationKind::kFollowOn
              ? absl::StrFormat(", level %d to %d", g.follow_on_level,
                                offer.target_level)
              : "");
    }
    warnings.push_back(Warning{kWarningAgeLimitException, std::move(detail)});
  }
  if (e.age_at_start < ctx.params->legal.majority_age) {
    TimeJudgement time =
        JudgeMinorTime(ref.Time(), e.age_at_start, /*details=*/true);
    for (std::string& basis : time.derogations) {
      warnings.push_back(
          Warning{kWarningWorkingTimeDerogation, std::move(basis)});
    }
    if (time.schedule_unstated) {
      warnings.push_back(Warning{
          kWarningScheduleUnstated,
          absl::StrFormat(
              "the offer states no schedule: for a %d-year-old only the "
              "weekly hours (L3162-1) and the night-work flag were checked, "
              "not the daily hours, breaks, night window, daily and weekly "
              "rest or Sundays (L3162-1, L3162-3, L3163-1, L3164-1, L3164-2, "
              "L3164-5)",
              e.age_at_start)});
    }
  }
  if (e.licence_assumed) {
    warnings.push_back(Warning{
        kWarningDrivingLicenceAssumed,
        absl::StrFormat("the graduate's profile says \"driving licence\" "
                        "without a category (recorded before categories "
                        "existed): taken as a B for this %s requirement",
                        LicenceCategoryName(static_cast<LicenceCategory>(
                            offer.licence_category)))});
  }
  if (e.regulated_basis != kRegulatedNotApplicable &&
      e.regulated_basis != kRegulatedExcluded && offer.regulated_works == 0) {
    warnings.push_back(Warning{
        kWarningRegulatedWorkAssumed,
        "the offer states regulated work without its categories (recorded "
        "before they existed)"});
  }
  if (ref.rec->Has(kOfferCddMotiveUnstated)) {
    warnings.push_back(Warning{
        kWarningCddMotiveUnstated,
        absl::StrFormat("a CDD recorded without its motive (before motives "
                        "were required): neither the motive (L1242-2) nor "
                        "its length of %d months against the motive's "
                        "maximum (L1242-8-1) was checked",
                        ref.rec->duration_months)});
  }
  if (e.salary_below_minimum) {
    const OfferRec& o = *ref.rec;
    const LegalMinimum minimum = ComputeLegalMinimum(
        ctx.params->legal, o.contract, e.pay_age, e.held_level,
        o.weekly_centihours / 100.0, Unpack(o.start), g.Has(kGradVocational),
        1 + o.pay_year_offset, ref.BranchMinCents() / 100.0);
    warnings.push_back(
        Warning{kWarningSalaryBelowMinimum,
                absl::StrFormat("%.2f €/month < legal minimum %.2f € for this "
                                "candidate (%s)",
                                o.salary_cents / 100.0,
                                e.legal_min_cents / 100.0, minimum.basis)});
  }
  return warnings;
}

}  // namespace passerelle::engine::internal
