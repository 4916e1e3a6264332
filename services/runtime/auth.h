#pragma once

// Callers: who is calling, and how a bearer token becomes a Caller.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "passerelle/v1/common.pb.h"

namespace passerelle::runtime {

// The organization id carried by admin tokens.
inline constexpr absl::string_view kFederationId = "federation";

struct Caller {
  std::string organization_id;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  // The token's id, or for a signed-in person the session's id.
  std::string token_id;
  // Set for a signed-in person (a session), empty for a token.
  std::string user_id;
  // A person who administers `organization_id` (invites, disables, audits).
  bool organization_admin = false;
  // ROLE_GRADUATE: the young person (organization_id is their school or
  // partner). ROLE_GUARDIAN: the first minor represented today.
  std::string graduate_id;
  // ROLE_GRADUATE, ROLE_GUARDIAN: every young person acted for today (a
  // representative of two minors acts for both); includes graduate_id.
  std::vector<std::string> graduate_ids;
  // The client's address (ClientAddress), when authenticated from a call.
  std::string client_address;
  // A signed-in person's address (their account's), empty for a token.
  std::string email;

  bool is_admin() const { return role == v1::ROLE_ADMIN; }
  // The young person or their legal representative.
  bool is_graduate_side_person() const {
    return role == v1::ROLE_GRADUATE || role == v1::ROLE_GUARDIAN;
  }
  // True when the caller is the young person `id`, or acts for them as
  // their representative.
  bool ActsFor(absl::string_view id) const {
    if (!is_graduate_side_person() || id.empty()) return false;
    if (graduate_id == id) return true;
    for (const std::string& g : graduate_ids) {
      if (g == id) return true;
    }
    return false;
  }
  // True when the caller is `organization_id` acting in `role`, or an admin.
  bool Owns(v1::Role owner_role, absl::string_view owner_id) const {
    return is_admin() || (role == owner_role && organization_id == owner_id);
  }
};

// The young person a graduate-side caller's request is about: `requested`
// when given (PERMISSION_DENIED, saying `what`, unless the caller acts for
// them), else the caller's own; a representative of several minors must
// name one (INVALID_ARGUMENT naming graduate_id).
absl::StatusOr<std::string> OwnGraduate(const Caller& caller,
                                        absl::string_view requested,
                                        absl::string_view what);

// Turns a bearer token into a Caller. Implementations: a lookup in the
// organization store (one process), a cached remote lookup (several).
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // UNAUTHENTICATED for an unknown or revoked token.
  virtual absl::StatusOr<Caller> Authenticate(
      absl::string_view token) const = 0;
};

// Reads `authorization: Bearer <token>` from a call's metadata and
// authenticates it. UNAUTHENTICATED when missing, malformed or unknown.
absl::StatusOr<Caller> AuthenticateMetadata(
    const Authenticator& authenticator,
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// Reads `authorization: Bearer <token>` from the call's metadata and
// authenticates it. UNAUTHENTICATED when missing, malformed or unknown.
absl::StatusOr<Caller> AuthenticateCall(const Authenticator& authenticator,
                                        const grpc::ServerContextBase& context);

// The full names of the only RPCs served without a bearer token: a person
// proves who they are with the invitation token or the password instead.
inline constexpr absl::string_view kUnauthenticatedMethods[] = {
    "/passerelle.v1.OrganizationService/AcceptInvitation",
    "/passerelle.v1.OrganizationService/SignIn",
};
bool IsUnauthenticatedMethod(absl::string_view full_method);

// The address of the client a call comes from, without the port ("ipv4:
// 10.0.0.7:5678" -> "10.0.0.7"). When the peer is this machine (loopback,
// or the in-process channel the HTTP gateway uses) and the call carries
// `x-forwarded-for`, its last entry (the one the nearest proxy, our gateway,
// added) is the client; from any other peer that metadata is ignored, so a
// remote client cannot choose the address it is throttled under.
std::string ClientAddress(const grpc::ServerContextBase& context);
// The same from gRPC's peer string and the x-forwarded-for value (empty
// when absent).
std::string ClientAddress(absl::string_view peer,
                          absl::string_view forwarded_for);

// A new random token ("psl_" + 43 characters of base64url, 256 bits).
std::string NewToken();

// SHA-256 of a token: what the store keeps instead of the token.
std::string HashToken(absl::string_view token);

// A new record id: `prefix` + "_" + 20 lowercase hex characters, the first
// 13 a microsecond clock that never repeats or goes back within a process,
// the last 7 random. Ids made one after the other sort in that order, so
// the store appends them to its tables and indexes instead of inserting at
// random places (which costs a cache miss per skip-list level).
std::string NewId(absl::string_view prefix);

// PERMISSION_DENIED with a message naming what was refused.
absl::Status Denied(absl::string_view what);

}  // namespace passerelle::runtime
