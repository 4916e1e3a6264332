#pragma once

// Validation and normalisation of the public API's input messages, shared by
// every service.
//
// Error convention: bad input is INVALID_ARGUMENT whose message starts with
// the offending field's path, then ": ", e.g.
//   graduate.birth_date: must be a date YYYY-MM-DD, got "2024-13-01"
//   graduate.rome_codes[2]: unknown ROME code "H9999"
// ErrorField() extracts that path (for ImportError.field).
//
// The message validators normalise in place (trim names, upper-case codes,
// fill fields from the referentials, apply defaults) and return the first
// problem found. On error the message may be partly normalised: callers
// store nothing. They never look at output-only fields (id, version,
// create_time, update_time, positions_filled's owner...): clearing or
// setting those is the caller's job.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "passerelle/v1/common.pb.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/offer.pb.h"
#include "passerelle/v1/organization.pb.h"
#include "services/common/referentials.h"

namespace passerelle::common {

// ---------------------------------------------------------------------------
// Limits and defaults (lengths are in characters, i.e. Unicode code points).

inline constexpr size_t kMaxOrganizationNameChars = 200;
inline constexpr size_t kMaxPersonNameChars = 100;
inline constexpr size_t kMaxTitleChars = 200;
inline constexpr size_t kMaxDiplomaTitleChars = 300;
inline constexpr size_t kMaxDescriptionChars = 5000;
inline constexpr size_t kMaxSkillChars = 100;
inline constexpr int kMaxSkills = 50;
inline constexpr int kMaxGraduateRomeCodes = 10;
inline constexpr size_t kMaxExternalIdChars = 64;
inline constexpr size_t kMaxEmailChars = 254;
inline constexpr int kMinGraduateAge = 14;
inline constexpr int kMaxGraduateAge = 30;
inline constexpr int kDefaultMaxDistanceKm = 30;
inline constexpr int kMaxDistanceKm = 300;
// Below an hour a week is no job; the floor also refuses subnormal numbers
// (5e-324). The legal part-time minimum of 24 h has exceptions (students
// under 26), so it is not the floor.
inline constexpr double kMinWeeklyHours = 1;
inline constexpr double kMaxWeeklyHours = 48;
inline constexpr int kMaxPositions = 1000;
inline constexpr double kMaxMonthlySalaryEur = 100000;
inline constexpr int kMaxStartYearsAhead = 2;

// The field path at the start of an error produced by this file
// ("graduate.birth_date" for "graduate.birth_date: must be ..."), or "" if
// the message has no such prefix.
absl::string_view ErrorField(const absl::Status& status);

// ---------------------------------------------------------------------------
// Text.

// OK if `value` is valid UTF-8, has no control character (C0, DEL, C1;
// '\n', '\r', '\t' are allowed when `allow_line_breaks`) and has between
// `min_chars` and `max_chars` characters. Errors, for field "f":
//   f: required                                  (empty, min_chars >= 1)
//   f: must be valid UTF-8
//   f: must not contain control characters
//   f: must not contain invisible or bidirectional control characters,
//      got U+202E                                (FindInvisibleCharacter)
//   f: must be at most N characters, got M
//   f: must be at least N characters, got M
absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t min_chars, size_t max_chars,
                       bool allow_line_breaks = false);

// Trims leading and trailing ASCII whitespace from `*value`, then
// CheckText().
absl::Status NormalizeText(absl::string_view field, std::string* value,
                           size_t min_chars, size_t max_chars,
                           bool allow_line_breaks = false);

// ---------------------------------------------------------------------------
// Identifiers: pure predicates, no normalisation.

// True if `siret` is 14 ASCII digits with a valid Luhn checksum. La Poste's
// establishments (SIREN 356000000) do not follow Luhn: for a SIRET starting
// with "356000000", the sum of its digits being a multiple of 5 also makes
// it valid (INSEE's published exception).
bool IsValidSiret(absl::string_view siret);

// True if `uai` is an Éducation nationale establishment code: 7 ASCII
// digits then an upper-case check letter, the letter being
// "ABCDEFGHJKLMNPRSTUVWXYZ"[n % 23] where n is the 7-digit number (the
// RNE/UAI key, without I, O, Q). E.g. "0750654D" (lycée Louis-le-Grand).
bool IsValidUai(absl::string_view uai);

// True if `code` has the shape of a ROME code: an upper-case letter and 4
// digits ("H2903"). Says nothing of its existence.
bool IsRomeCodeFormat(absl::string_view code);

// True if `code` has the shape of an INSEE commune code: 5 digits, or "2A"
// / "2B" and 3 digits (Corsica). Says nothing of its existence.
bool IsInseeCodeFormat(absl::string_view code);

// True if `email` looks like an address: one '@', a non-empty local part of
// at most 64 printable ASCII characters without spaces, a domain of
// dot-separated labels (letters, digits, '-', not starting or ending with
// '-') with at least one dot; at most 254 characters. Non-ASCII domains
// must be given in their "xn--" form.
bool IsPlausibleEmail(absl::string_view email);

// True if `phone` looks like a French phone number once spaces, '.', '-'
// and parentheses are removed: "0" + 9 digits (the first not 0), or
// "+33" / "0033" + 9 digits (the first not 0), or an overseas prefix
// (+262 +269 +508 +590 +594 +596 +681 +687 +689) + 6 to 9 digits.
bool IsPlausibleFrenchPhone(absl::string_view phone);

// ---------------------------------------------------------------------------
// Identifier fields: normalise in place, then check. Errors name `field`.

// Removes ASCII spaces ("123 456 789 00012"), then IsValidSiret().
// Errors: "f: required", "f: must be 14 digits, got \"...\"",
// "f: invalid SIRET checksum \"...\"".
absl::Status ValidateSiret(absl::string_view field, std::string* siret);

// Trims and upper-cases, then IsValidUai(). Errors: "f: required",
// "f: must be 7 digits and a letter, got ...", "f: invalid UAI check
// letter ... (expected X)".
absl::Status ValidateUai(absl::string_view field, std::string* uai);

// Trims and upper-cases, then checks the format and that the code exists
// in the referential. Errors: "f: required", "f: must be a ROME code (a
// letter and 4 digits), got ...", "f: unknown ROME code ...".
absl::Status ValidateRomeCode(const Referentials& refs, absl::string_view field,
                              std::string* code);

// Trims and upper-cases; "2562B" becomes "25.62B". Then the code must be a
// NAF rév. 2 sub-class of the referential. Errors: "f: required",
// "f: unknown NAF code ...".
absl::Status ValidateNafCode(const Referentials& refs, absl::string_view field,
                             std::string* code);

// Trims and upper-cases ("2a004" -> "2A004"), then checks the format and
// that the commune exists. Errors: "f: required", "f: must be an INSEE
// commune code (5 characters), got ...", "f: unknown commune ...".
absl::Status ValidateInseeCode(const Referentials& refs,
                               absl::string_view field, std::string* code);

// ---------------------------------------------------------------------------
// Messages.

// Resolves a place (field path `prefix`, e.g. "graduate.home"):
// - commune_insee set: normalised as by ValidateInseeCode() and must exist;
//   commune_name, latitude, longitude, departement_code and region_code are
//   overwritten from the commune; postal_code, if empty, becomes the
//   commune's first postal code, and if given must be one of its codes
//   ("<prefix>.postal_code: 59999 is not a postal code of Lille (59350)").
// - commune_insee empty, latitude/longitude given (not both 0): both must
//   be finite, latitude in [-90, 90], longitude in [-180, 180], and in
//   France (CheckInFrance); they are kept. A postal_code, if given, must be 5
//   digits. commune_name, departement_code and region_code cannot be checked
//   and are cleared.
// - neither: "<prefix>.commune_insee: required".
// OK if (latitude, longitude) lies in metropolitan France (Corsica
// included) or an overseas département (Guadeloupe, Martinique, Guyane,
// La Réunion, Mayotte), each taken as a bounding box with a few km of
// margin. Else INVALID_ARGUMENT naming `latitude_field` when no region
// spans that latitude, `longitude_field` otherwise:
//   "offer.place.latitude: (40.41680, -3.70380) is outside France (...)"
absl::Status CheckInFrance(absl::string_view latitude_field,
                           absl::string_view longitude_field, double latitude,
                           double longitude);

absl::Status ResolvePlace(const Referentials& refs,
                          passerelle::v1::Place* place,
                          absl::string_view prefix);

// A company to create: siret required and valid (ValidateSiret); name
// required, 1..200 characters after trimming; naf_code optional, valid
// (ValidateNafCode) when set; place required (ResolvePlace). Paths start
// with "company.".
absl::Status ValidateCompany(passerelle::v1::Company* company,
                             const Referentials& refs);

// A school: uai required and valid (ValidateUai); name 1..200; place
// required. Paths start with "school.".
absl::Status ValidateSchool(passerelle::v1::School* school,
                            const Referentials& refs);

// A partner: name 1..200; siret optional, valid when set; place required.
// Paths start with "partner.".
absl::Status ValidatePartner(passerelle::v1::Partner* partner,
                             const Referentials& refs);

// A graduate as it will be stored (create, import, or the result of an
// update merged onto the stored record). Paths start with "graduate.".
// - school_id and partner_id must not both be set (which one is the
//   caller's concern);
// - external_id: at most 64 printable ASCII characters (trimmed);
// - given_name, family_name: 1..100 characters (trimmed);
// - birth_date: a date, age (AgeAt) between 14 and 30 on `today`;
// - diploma: code required (trimmed, upper-cased) and in the referential;
//   title filled from it when empty (else 1..300 characters); level filled
//   when 0, else must equal the referential's; status required;
//   obtained_on a date when set, required when OBTAINED, and then not after
//   `today`;
// - rome_codes: at most 10, each ValidateRomeCode()d ("graduate.rome_codes
//   [i]: ..."), no duplicates; when empty, filled with the diploma's ROME
//   codes (at most 10), and if it has none: "graduate.rome_codes: required
//   (diploma <code> lists no trade)";
// - skills: at most 50, each 1..100 characters (trimmed);
// - home: ResolvePlace(), required;
// - max_distance_km: 0 becomes 30; else 1..300;
// - accepted_contracts: known values, not UNSPECIFIED, no duplicates;
//   empty becomes {CDI, APPRENTICESHIP};
// - available_from: a date when set; empty becomes `today`;
// - status: UNSPECIFIED becomes SEEKING; unknown values rejected;
// - email (trimmed) plausible when set (IsPlausibleEmail); phone (trimmed)
//   plausible when set (IsPlausibleFrenchPhone);
// - work_authorisations: known values, not UNSPECIFIED, no duplicates;
// - attestations[i]: kind known and not UNSPECIFIED, one per kind;
//   attested_on a date not after `today`; previous_contract_end a date,
//   required for (and only for) APPRENTICESHIP_FOLLOW_ON / _BROKEN;
//   previous_level 3..8 for (and only for) APPRENTICESHIP_FOLLOW_ON;
// - driving_licences[i]: category known and not UNSPECIFIED, one per
//   category; obtained_on a date, not after `today` unless in_training, and
//   not before the category's minimum age (Code de la route R221-5: AM 14,
//   A1 16, B 17 from 2024-01-01 and 18 before, A 20, others 18); an
//   obtained one sets driving_licence.
absl::Status ValidateGraduate(passerelle::v1::Graduate* graduate,
                              const Referentials& refs, absl::CivilDay today);

// Whether an offer is being created or is the result of an update: an
// update may keep a start_date that has passed since.
enum class OfferWrite { kCreate, kUpdate };

// An offer as it will be stored. Paths start with "offer.".
// - external_id as for graduates; title 1..200; description 0..5000
//   (line breaks allowed);
// - rome_code required, ValidateRomeCode();
// - contract_type required, a known value;
// - duration_months: APPRENTICESHIP, PROFESSIONALISATION 6..36; CDD 1..36;
//   CDI exactly 0;
// - start_date required, a date, at most 2 years after `today`, and not
//   before `today` unless `write` is kUpdate;
// - weekly_hours in [1, 48] (NaN, infinities, subnormals refused);
// - required_level 0 (none) or 3..8;
// - target_diploma: when its code is set, it must exist (title and level
//   filled as for a graduate's diploma); required for APPRENTICESHIP
//   ("offer.target_diploma.code: required for an apprenticeship");
// - required_skills, desired_skills: at most 50 each, each 1..100;
// - place: ResolvePlace(), required;
// - positions 1..1000 and not below positions_filled (>= 0);
// - monthly_gross_salary_eur 0 (not given), or finite, >= 1 and < 100000;
// - regulated_work_declared is accepted with or without regulated_work;
// - driving_licence_category: a known value; when set, sets
//   driving_licence_required;
// - regulated_works: known values, not UNSPECIFIED, no duplicates
//   ("offer.regulated_works[i]: ..."); any sets regulated_work;
// - regulated_work_declared_on: a date, not after `today` (the day the
//   declaration was sent); when set, sets regulated_work_declared;
// - target_diploma of an APPRENTICESHIP: must not close (referential) before
//   the contract's last day, start_date + duration_months - 1 day
//   ("offer.target_diploma.code: diploma ... closes on ...", L6211-1);
// - expires_on a date, not before `today`, when set;
// - status: UNSPECIFIED becomes OPEN; unknown values rejected.
absl::Status ValidateOffer(passerelle::v1::Offer* offer,
                           const Referentials& refs, absl::CivilDay today,
                           OfferWrite write = OfferWrite::kCreate);

// ---------------------------------------------------------------------------
// Paging and field masks.

// The page size to use for a List/Rank request: 0 gives `default_size`,
// values above `max_size` are lowered to `max_size` (AIP-158).
// Error: "page_size: must not be negative, got -1".
absl::StatusOr<int> ValidatePageSize(int32_t page_size, int default_size,
                                     int max_size);

// OK if every path of `mask` is one of `allowed_paths` or lies under one
// ("home.postal_code" under "home"), and, when `descriptor` is given,
// names a field of that message (FieldMaskUtil's rules: no path through a
// repeated field). `field_name` names the mask in errors:
//   update_mask: path "id" cannot be updated (allowed: given_name, ...)
//   update_mask: unknown field "foo"
absl::Status ValidateFieldMask(
    const google::protobuf::FieldMask& mask,
    absl::Span<const absl::string_view> allowed_paths,
    absl::string_view field_name,
    const google::protobuf::Descriptor* descriptor = nullptr);

// Update semantics: copies the fields named by `mask` from `source` into
// `*target` (same message type), after ValidateFieldMask() against
// `target`'s descriptor. A named field that is empty in `source` is cleared
// in `*target`; repeated and message fields are replaced, not merged. An
// empty mask means every allowed path that is populated in `source`
// (non-default scalar, non-empty repeated, present message), as AIP-134
// prescribes. Returns INVALID_ARGUMENT as ValidateFieldMask(), or
// INTERNAL if the two messages are of different types.
// The paths an update may name: every top-level field of `descriptor` but
// those the service keeps (`kept`: ids, owners, versions, timestamps), so a
// field added to the API is updatable without a list to keep in step. The
// views point into the descriptor (valid as long as it is).
std::vector<absl::string_view> UpdatablePaths(
    const google::protobuf::Descriptor* descriptor,
    std::initializer_list<absl::string_view> kept);

absl::Status ApplyFieldMask(const google::protobuf::FieldMask& mask,
                            const google::protobuf::Message& source,
                            absl::Span<const absl::string_view> allowed_paths,
                            absl::string_view field_name,
                            google::protobuf::Message* target);

// The longest a CDD with this motive may last, renewals included, when no
// branch agreement sets another maximum (Code du travail L1242-8-1): 9
// months awaiting a permanent hire or for urgent safety work, 24 before a
// post is abolished or for an exceptional export order, else 18.
int CddMaxMonths(v1::CddMotive motive);

}  // namespace passerelle::common
