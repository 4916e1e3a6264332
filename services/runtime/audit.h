#pragma once

// The audit log: sign-ins, and every change made through the API (who,
// when, what, with what outcome), kept in a service's own store. The
// services add the entries no interceptor can know of: access to a young
// person granted or revoked, and a follower's reads (graduate_access.h).
//
// Changes are recorded by one gRPC server interceptor (AuditInterceptors)
// rather than by each handler: every call of a server passes through it,
// unary or streaming, whichever adapter serves it, so a new RPC cannot be
// forgotten. It records every passerelle.v1 call that is not a read (the
// reads are named by their prefix: Get, List, Search, Rank, Explain, Watch,
// WhoAmI); SignIn is recorded by the organization service itself, which
// knows the address given and the account.
//
// In the multi-process layout each process keeps the log of the calls it
// served in its own store; ListAuditEvents reads the organization
// service's.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/server_interceptor.h"
#include "passerelle/v1/organization.pb.h"
#include "services/runtime/auth.h"
#include "storage/store.h"

namespace passerelle::runtime {

class AuditLog {
 public:
  // The tables the log needs in its store.
  static std::vector<std::string> Tables();

  // `store` must have been opened with Tables() and outlive this.
  explicit AuditLog(storage::Store* store) : store_(store) {}

  // Stores `event`, giving it its id (time-ordered) and time when unset.
  absl::Status Record(v1::AuditEvent event);
  // The same as a mutation, for a commit of a store opened with Tables().
  // Listed for the event's organization and the one concerned, and for
  // `also_listed_for` (a graduate's owner when the federation grants a
  // partner access to them).
  static storage::Mutation PutMutation(
      v1::AuditEvent event,
      const std::vector<std::string>& also_listed_for = {});

  // Events oldest first: every organization's (`organization_id` empty) or
  // one organization's. INVALID_ARGUMENT naming page_size or page_token.
  absl::StatusOr<v1::ListAuditEventsResponse> List(
      absl::string_view organization_id, int page_size,
      absl::string_view page_token) const;

 private:
  storage::Store* store_;
};

// Names `caller` as the entry's actor: the person (id and address) or the
// token, and the organization.
void SetActor(const Caller& caller, v1::AuditEvent* event);

// True for the passerelle.v1 RPCs that change nothing (see above).
bool IsReadMethod(absl::string_view full_method);

// The interceptor factory to register on a server (ServerBuilder::
// experimental().SetInterceptorCreators): records in `log` each change
// call's caller (authenticated with `authenticator`), its method, the id of
// the resource its answer names, its outcome and the client's address.
// Both must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewAuditInterceptorFactory(AuditLog* log, const Authenticator* authenticator);

}  // namespace passerelle::runtime
