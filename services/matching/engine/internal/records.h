#pragma once

// Compact in-memory records of offers and graduates. Strings are interned
// (see engine.h); dates are packed as yyyymmdd integers, which order like
// the dates and give ages by integer division: (on - birth) / 10000.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/time/civil_time.h"
#include "services/matching/engine/types.h"

namespace passerelle::engine::internal {

// yyyymmdd. Years are validated to 1000..9999 on the way in.
using PackedDay = int32_t;
inline constexpr PackedDay kNoDay = std::numeric_limits<int32_t>::max();

inline PackedDay Pack(absl::CivilDay d) {
  return static_cast<PackedDay>(d.year() * 10000 + d.month() * 100 + d.day());
}
inline absl::CivilDay Unpack(PackedDay p) {
  return absl::CivilDay(p / 10000, p / 100 % 100, p % 100);
}
// Days since 1970-01-01.
inline int32_t EpochDays(absl::CivilDay d) {
  return static_cast<int32_t>(d - absl::CivilDay(1970, 1, 1));
}

// Whole years on `on` of someone born on `birth`. Someone born on 29
// February turns a year older on 1 March in non-leap years (same convention
// as services/common/dates.h). -1 if `on` is before `birth`.
inline int AgeAt(PackedDay birth, PackedDay on) {
  return on >= birth ? (on - birth) / 10000 : -1;
}

// The last day of the month before `day`'s month.
inline PackedDay EndOfPreviousMonth(PackedDay day) {
  int y = day / 10000;
  int m = day / 100 % 100 - 1;
  if (m == 0) {
    m = 12;
    --y;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  int d = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) d = 29;
  return y * 10000 + m * 100 + d;
}

// Offer flags.
inline constexpr uint8_t kOfferNightWork = 1 << 0;
inline constexpr uint8_t kOfferRegulated = 1 << 1;
inline constexpr uint8_t kOfferRegulatedDeclared = 1 << 2;
inline constexpr uint8_t kOfferLicenceRequired = 1 << 3;
inline constexpr uint8_t kOfferOpen = 1 << 4;
inline constexpr uint8_t kOfferLive = 1 << 5;  // slot in use
// Apprenticeship whose target diploma closes before the contract's last day
// (L6211-1), per the diploma referential.
inline constexpr uint8_t kOfferTargetClosed = 1 << 6;
// A CDD without a stated motive (an older record).
inline constexpr uint8_t kOfferCddMotiveUnstated = 1 << 7;

// The last day of a contract of `months` months starting on `start`: the
// day before the same day `months` later, e.g. 2026-09-01 + 24 months ->
// 2028-08-31; when that day does not exist, the month's last day
// (2026-01-31 + 1 month -> 2026-02-28).
inline absl::CivilDay ContractLastDay(absl::CivilDay start, int months) {
  const absl::CivilMonth month = absl::CivilMonth(start) + months;
  const absl::CivilDay first(month);
  const int days_in_month = static_cast<int>(absl::CivilDay(month + 1) - first);
  if (start.day() > days_in_month) return first + (days_in_month - 1);
  return first + (start.day() - 2);
}

// 64 bytes. Skills live in a shared pool: `skills` is the offset of
// n_required required ids followed by n_desired desired ids, each run
// sorted and without duplicates.
struct OfferRec {
  double lat = 0;  // degrees
  double lng = 0;
  PackedDay start = 0;
  PackedDay expires = kNoDay;
  int32_t updated_days = 0;  // max(created, updated), days since epoch
  int32_t salary_cents = 0;  // 0 = not stated
  uint32_t company = 0;
  uint32_t target_diploma = 0;  // interned code; 0 = none
  uint32_t skills = 0;
  uint16_t rome = 0;
  uint16_t weekly_centihours = 0;  // hours x 100
  uint16_t positions = 0;
  uint16_t positions_filled = 0;
  uint8_t n_required = 0;
  uint8_t n_desired = 0;
  ContractType contract = ContractType::kCdi;
  uint8_t flags = 0;
  uint8_t required_level = 0;
  uint8_t target_level = 0;
  uint8_t duration_months = 0;
  uint8_t licence_category : 4;  // LicenceCategory value; 0 = none stated
  // Apprenticeship shorter than its diploma's training cycle: the contract
  // years counted as done for pay (D6222-28-1), 0..2.
  uint8_t pay_year_offset : 2;
  // Bit (1 << RegulatedWork value) per category; 0 with kOfferRegulated:
  // categories not stated.
  uint16_t regulated_works = 0;
  // The employer's declaration: days since 1970-01-01; 0 = no date.
  uint16_t declared_days = 0;

  bool Has(uint8_t flag) const { return (flags & flag) != 0; }
};
static_assert(sizeof(OfferRec) == 64, "keep the offer record compact");

// The last day the employer's declaration sent on `declared` allows
// assigning trainees: three years from the sending (R4153-40), i.e. the day
// before its third anniversary (2026-03-02 -> 2029-03-01).
inline absl::CivilDay DeclarationLastDay(absl::CivilDay declared) {
  return absl::CivilDay(declared.year() + 3, declared.month(), declared.day()) -
         1;
}

// Graduate flags.
inline constexpr uint8_t kGradLicence = 1 << 0;
inline constexpr uint8_t kGradCollege = 1 << 1;
inline constexpr uint8_t kGradSeeking = 1 << 2;
inline constexpr uint8_t kGradLive = 1 << 3;
// The diploma is vocational (D6325-15); set too when the referential does
// not know the code (kGradDiplomaKnown unset): the higher pay floor errs on
// the young person's side.
inline constexpr uint8_t kGradVocational = 1 << 4;
inline constexpr uint8_t kGradDiplomaKnown = 1 << 5;

struct GraduateRec {
  double lat = 0;
  double lng = 0;
  double max_km = 0;
  PackedDay birth = 0;
  PackedDay available = 0;
  PackedDay obtained = kNoDay;  // diploma obtained (or expected) on
  uint32_t diploma = 0;         // interned code; 0 = none
  uint8_t level = 0;
  DiplomaStatus status = DiplomaStatus::kObtained;
  uint8_t flags = 0;
  uint8_t radius_class = 0;
  // contract_pos[type] = 1 + position in the preference list, 0 = refused.
  uint8_t contract_pos[kNumContractTypes] = {};
  uint8_t n_contracts = 0;
  uint8_t authorisations = 0;        // bit (1 << WorkAuthorisation value) each
  uint8_t follow_on_level = 0;       // AttestationKind::kFollowOn
  uint16_t attestations = 0;         // bit (1 << AttestationKind value) each
  PackedDay follow_on_end = kNoDay;  // previous contract's last day
  PackedDay broken_end = kNoDay;
  // (LicenceCategory value, from that day), obtained or expected.
  std::vector<std::pair<uint8_t, PackedDay>> licences;
  // (kind, attested on), for explanations; empty for most graduates.
  std::vector<std::pair<uint8_t, PackedDay>> attested;
  absl::InlinedVector<uint16_t, 4> romes;  // first preferred, no duplicates
  // Trades the graduate's diploma leads to (referential), no duplicates.
  absl::InlinedVector<uint16_t, 2> diploma_romes;
  std::vector<uint32_t> skills;  // sorted, no duplicates

  bool Has(uint8_t flag) const { return (flags & flag) != 0; }
};

}  // namespace passerelle::engine::internal
