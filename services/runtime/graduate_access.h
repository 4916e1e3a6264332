#pragma once

// How a caller stands to a young person's record, and the audit entry a
// follower's read leaves.
//
// A graduate has one owner (their school or partner) and, when the owner
// grants it, partners following them beside it (v1::GraduateFollower, e.g. a
// Mission locale). A follower reads the record, ranks offers, sees the
// proposals and records answers as the owner does; every such read is
// recorded in the audit log, seen by both organizations. Changing or erasing
// the record, its requests, its accounts and granting access stay the
// owner's.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/organization.pb.h"
#include "services/runtime/audit.h"
#include "services/runtime/auth.h"

namespace passerelle::runtime {

enum class GraduateAccess {
  kNone,      // anybody else: the record is as if unknown to them
  kSelf,      // the young person, or their legal representative
  kOwner,     // the owning school or partner, or the admin
  kFollower,  // a partner the owner granted access to
};

// The owner's organization id: school_id or partner_id.
const std::string& OwnerOf(const v1::Graduate& g);
// The partners following `g` beside its owner.
std::vector<std::string> FollowerIds(const v1::Graduate& g);

GraduateAccess AccessTo(const Caller& caller, const v1::Graduate& g);
// The same from the record's keys (the matching index keeps these only).
GraduateAccess AccessTo(const Caller& caller, absl::string_view graduate_id,
                        absl::string_view school_id,
                        absl::string_view partner_id,
                        absl::Span<const std::string> followers);

// The record as `caller` may see it: a follower sees its own follower
// entry, not the other partners the owner chose.
void TrimForCaller(const Caller& caller, v1::Graduate* g);

// For a follower's read: records an AUDIT_KIND_ACCESS entry (the caller,
// `method`, the graduate, its owner) in `log`; the read must not go on if
// this fails. Does nothing for anybody else, or when `log` is null (a
// component used without a log, as in unit tests).
absl::Status RecordFollowerAccess(AuditLog* log, const Caller& caller,
                                  absl::string_view method,
                                  absl::string_view graduate_id,
                                  absl::string_view owner_id,
                                  GraduateAccess access);

// The same entry, for a follower's change (an answer) to write in the
// change's own commit (AuditLog::PutMutation); none for anybody else.
std::optional<v1::AuditEvent> FollowerAccessEntry(const Caller& caller,
                                                  absl::string_view method,
                                                  absl::string_view graduate_id,
                                                  absl::string_view owner_id,
                                                  GraduateAccess access);

// The AUDIT_KIND_ACCESS entry of `organization`'s (a partner's) receiving
// data about `graduate_id` without a call (an integration event).
v1::AuditEvent EventAccessEntry(absl::string_view organization,
                                absl::string_view event_type,
                                absl::string_view graduate_id,
                                absl::string_view owner_id);

}  // namespace passerelle::runtime
