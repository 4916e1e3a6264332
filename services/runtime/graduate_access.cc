#include "services/runtime/graduate_access.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace passerelle::runtime {

const std::string& OwnerOf(const v1::Graduate& g) {
  return g.school_id().empty() ? g.partner_id() : g.school_id();
}

std::vector<std::string> FollowerIds(const v1::Graduate& g) {
  std::vector<std::string> ids;
  ids.reserve(g.followers_size());
  for (const v1::GraduateFollower& f : g.followers()) {
    ids.push_back(f.partner_id());
  }
  return ids;
}

GraduateAccess AccessTo(const Caller& caller, absl::string_view graduate_id,
                        absl::string_view school_id,
                        absl::string_view partner_id,
                        absl::Span<const std::string> followers) {
  if (caller.is_admin()) return GraduateAccess::kOwner;
  if (caller.is_graduate_side_person()) {
    return caller.ActsFor(graduate_id) ? GraduateAccess::kSelf
                                       : GraduateAccess::kNone;
  }
  if ((!school_id.empty() && caller.Owns(v1::ROLE_SCHOOL, school_id)) ||
      (!partner_id.empty() && caller.Owns(v1::ROLE_PARTNER, partner_id))) {
    return GraduateAccess::kOwner;
  }
  if (caller.role == v1::ROLE_PARTNER &&
      std::find(followers.begin(), followers.end(), caller.organization_id) !=
          followers.end()) {
    return GraduateAccess::kFollower;
  }
  return GraduateAccess::kNone;
}

GraduateAccess AccessTo(const Caller& caller, const v1::Graduate& g) {
  return AccessTo(caller, g.id(), g.school_id(), g.partner_id(),
                  FollowerIds(g));
}

void TrimForCaller(const Caller& caller, v1::Graduate* g) {
  if (AccessTo(caller, *g) != GraduateAccess::kFollower) return;
  auto* followers = g->mutable_followers();
  followers->erase(std::remove_if(followers->begin(), followers->end(),
                                  [&](const v1::GraduateFollower& f) {
                                    return f.partner_id() !=
                                           caller.organization_id;
                                  }),
                   followers->end());
}

std::optional<v1::AuditEvent> FollowerAccessEntry(const Caller& caller,
                                                  absl::string_view method,
                                                  absl::string_view graduate_id,
                                                  absl::string_view owner_id,
                                                  GraduateAccess access) {
  if (access != GraduateAccess::kFollower) return std::nullopt;
  v1::AuditEvent event;
  event.set_kind(v1::AUDIT_KIND_ACCESS);
  SetActor(caller, &event);
  event.set_concerned_organization_id(std::string(owner_id));
  event.set_method(std::string(method));
  event.set_resource_id(std::string(graduate_id));
  event.set_outcome("OK");
  event.set_client_address(caller.client_address);
  return event;
}

absl::Status RecordFollowerAccess(AuditLog* log, const Caller& caller,
                                  absl::string_view method,
                                  absl::string_view graduate_id,
                                  absl::string_view owner_id,
                                  GraduateAccess access) {
  std::optional<v1::AuditEvent> event =
      FollowerAccessEntry(caller, method, graduate_id, owner_id, access);
  if (log == nullptr || !event.has_value()) return absl::OkStatus();
  absl::Status recorded = log->Record(std::move(*event));
  if (!recorded.ok()) {
    return absl::UnavailableError(
        absl::StrCat("graduate ", graduate_id,
                     ": a follower's access could not be recorded in the "
                     "audit log, so it is refused: ",
                     recorded.message()));
  }
  return absl::OkStatus();
}

v1::AuditEvent EventAccessEntry(absl::string_view organization,
                                absl::string_view event_type,
                                absl::string_view graduate_id,
                                absl::string_view owner_id) {
  v1::AuditEvent event;
  event.set_kind(v1::AUDIT_KIND_ACCESS);
  event.set_organization_id(std::string(organization));
  event.set_concerned_organization_id(std::string(owner_id));
  event.set_method(absl::StrCat("event:", event_type));
  event.set_resource_id(std::string(graduate_id));
  event.set_outcome("OK");
  return event;
}

}  // namespace passerelle::runtime
