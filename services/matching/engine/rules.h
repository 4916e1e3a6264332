#pragma once

// Names of the hard rules. An offer breaking any of them is never proposed
// to the graduate; Engine::Explain lists every one broken, each with the
// values that broke it. The names are stable: clients and tests match on
// them. Explain lists broken rules in the order of this file.

namespace passerelle::engine {

// The graduate is not seeking (placed or withdrawn).
inline constexpr char kRuleGraduateNotSeeking[] = "graduate_not_seeking";
// The offer is closed (or filled) by its company.
inline constexpr char kRuleOfferClosed[] = "offer_closed";
// positions_filled >= positions.
inline constexpr char kRuleNoPositionLeft[] = "no_position_left";
// expires_on is before today (an offer is still open on its expiry day).
inline constexpr char kRuleOfferExpired[] = "offer_expired";
// The contract type is not among the graduate's accepted ones (an empty
// list accepts every type).
inline constexpr char kRuleContractNotAccepted[] = "contract_not_accepted";
// The offer starts before the graduate is available.
inline constexpr char kRuleStartBeforeAvailability[] =
    "start_before_availability";
// The offer's ROME code is neither one of the graduate's, nor in the
// mobility list of one of them, nor (ScoringConfig::allow_same_parent)
// sharing a ROME v3 parent with one of them.
inline constexpr char kRuleTradeUnrelated[] = "trade_unrelated";
// The graduate does not hold, by the start date, the required level: an
// obtained diploma counts; one in progress counts if expected on or before
// the start date; otherwise the graduate is taken to hold no level.
inline constexpr char kRuleDiplomaLevel[] = "diploma_level";
// Apprenticeship: it must lead to a diploma (target set), and not to the
// very diploma the graduate holds by the start date. The law sets no level
// floor (a Bac Pro holder may retrain through a CAP): a lower level only
// lowers the offer_fit factor.
inline constexpr char kRuleApprenticeshipTarget[] = "apprenticeship_target";
// Apprenticeship: the target diploma closes (diploma referential) before
// the contract's last day, start + duration_months - 1 day (L6211-1: the
// contract leads to a diploma, which must exist for its whole duration).
inline constexpr char kRuleApprenticeshipTargetClosed[] =
    "apprenticeship_target_closed";
// Apprenticeship: under 16 at start (15 allowed after collège), L6222-1.
inline constexpr char kRuleApprenticeshipTooYoung[] =
    "apprenticeship_too_young";
// Apprenticeship: 30 or older at start ("29 ans révolus"), L6222-1, unless
// an attested exception of L6222-2 applies: RQTH (3°), business project
// (4°), high-level athlete (5°): no limit; follow-on towards a higher
// diploma (1°) or a contract broken through no fault of the apprentice
// (2°): 35 at most at the start, within a year after the previous
// contract's last day.
inline constexpr char kRuleApprenticeshipTooOld[] = "apprenticeship_too_old";
// CDI, CDD, professionalisation: under 16 at start (L4153-1; 14-15 only for
// holiday jobs, which Passerelle does not carry).
inline constexpr char kRuleUnderWorkingAge[] = "under_working_age";
// Professionalisation: 26 or older at start ("16 à 25 ans révolus",
// L6325-1) without an attested status: registered job seeker, RSA, ASS,
// AAH or CUI.
inline constexpr char kRuleProfessionalisationTooOld[] =
    "professionalisation_too_old";
// Under 18 at start (the 18th birthday on the start date is adult): no
// night work (L3163-2), at most 35 h a week (L3162-1), "travaux réglementés"
// (D4153-15 to D4153-37) only on a legal basis: for an apprentice or a
// professionalisation contract, the employer's declaration sent on or
// before the start and less than three years before it (R4153-39 1°,
// R4153-40); for anyone, a diploma held by the start that leads to the
// offer's trade (R4153-49), or an authorisation covering every stated
// category (electrical clearance for D4153-24, R4153-50; driving
// authorisation for D4153-27, R4153-51). The declaration never covers a CDI
// or CDD.
//
// The working time of a minor (working_time.h has each rule's reading):
// night work (L3163-1, L3163-2; the R3163-1 to R3163-4 sector windows with
// the inspector's authorisation, never midnight to 04:00), the week (35 h,
// L3162-1; 40 h on sites, D3162-1), the day (8 h; 10 h on sites), 4 h 30
// without a 30-minute break (L3162-3), daily rest (12 h, 14 h under 16,
// L3164-1), two consecutive rest days a week (L3164-2; 36 h under an
// agreement from 16), Sundays (L3164-5, R3164-1: apprentices in the listed
// sectors; L3164-7), public holidays (L3164-6, L3164-8, R3164-2) and bar
// service (L4153-6, R4153-8).
inline constexpr char kRuleMinorNightWork[] = "minor_night_work";
inline constexpr char kRuleMinorWeeklyHours[] = "minor_weekly_hours";
inline constexpr char kRuleMinorDailyHours[] = "minor_daily_hours";
inline constexpr char kRuleMinorContinuousWork[] = "minor_continuous_work";
inline constexpr char kRuleMinorDailyRest[] = "minor_daily_rest";
inline constexpr char kRuleMinorWeeklyRest[] = "minor_weekly_rest";
inline constexpr char kRuleMinorSundayWork[] = "minor_sunday_work";
inline constexpr char kRuleMinorPublicHolidays[] = "minor_public_holidays";
inline constexpr char kRuleMinorBarService[] = "minor_bar_service";
inline constexpr char kRuleMinorRegulatedWork[] = "minor_regulated_work";
// The offer requires a driving licence the graduate does not hold (or
// expect) by the start: its category, or one covering it (Code de la route
// R221-4: A covers A2, A1, AM; A2 covers A1, AM; A1 and B cover AM; C
// covers C1); an older offer without a category accepts any licence; an
// older profile with only the driving_licence flag is taken as a B.
inline constexpr char kRuleDrivingLicence[] = "driving_licence";
// Haversine distance above the graduate's max_distance_km (exactly at the
// radius is within).
inline constexpr char kRuleDistance[] = "distance";

// Warning: a minor may do the offer's regulated work; says on which basis
// (declaration with its dates, diploma, authorisations).
inline constexpr char kWarningRegulatedWorkAllowed[] = "regulated_work_allowed";
// Warning: the engine had to assume something of an older record (an
// undated declaration, categories not stated).
inline constexpr char kWarningRegulatedWorkAssumed[] = "regulated_work_assumed";

// Warning: a derogation lifted a young-worker time rule (night window,
// site hours, weekly rest, Sunday, public holidays, bar); says which, on
// what basis and until when.
inline constexpr char kWarningWorkingTimeDerogation[] =
    "working_time_derogation";
// Warning: the offer states no schedule (an older record, or none given):
// for a minor, only the weekly hours and the night-work flag were checked.
inline constexpr char kWarningScheduleUnstated[] = "schedule_unstated";

// Warning: an age limit was lifted by an attested fact; says which, with
// its article and date.
inline constexpr char kWarningAgeLimitException[] = "age_limit_exception";

// Warning: a profile's uncategorised licence was taken as a B.
inline constexpr char kWarningDrivingLicenceAssumed[] =
    "driving_licence_assumed";

// Warning: a CDD recorded before its motive was required (L1242-2): its
// motive and its length (L1242-8-1) were not checked.
inline constexpr char kWarningCddMotiveUnstated[] = "cdd_motive_unstated";

// Warning: the offer pays less than the legal minimum for this candidate.
inline constexpr char kWarningSalaryBelowMinimum[] =
    "salary_below_legal_minimum";

}  // namespace passerelle::engine
