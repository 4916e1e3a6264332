#pragma once

// The organization service seen from another process: token checks and
// organization look-ups over gRPC, cached so that a request costs no call
// in the common case. A revoked token stops working within `token_ttl`.

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "passerelle/v1/organization.grpc.pb.h"
#include "services/runtime/auth.h"
#include "services/runtime/directory.h"

namespace passerelle::organizations {

class RemoteOrganizations final : public runtime::Authenticator,
                                  public runtime::Directory {
 public:
  // `service_token` (an admin token) is used for organization look-ups.
  RemoteOrganizations(std::shared_ptr<grpc::Channel> channel,
                      std::string service_token,
                      absl::Duration token_ttl = absl::Seconds(5));

  absl::StatusOr<runtime::Caller> Authenticate(
      absl::string_view token) const override;
  absl::StatusOr<v1::Company> FindCompany(absl::string_view id) const override;
  absl::StatusOr<v1::School> FindSchool(absl::string_view id) const override;
  absl::StatusOr<v1::Partner> FindPartner(absl::string_view id) const override;

 private:
  struct CachedCaller {
    absl::StatusOr<runtime::Caller> caller;
    absl::Time expires;
  };

  std::unique_ptr<v1::OrganizationService::Stub> stub_;
  std::string service_token_;
  absl::Duration token_ttl_;
  mutable absl::Mutex mu_;
  // Keyed by the token's hash: the process keeps no token in clear.
  mutable absl::flat_hash_map<std::string, CachedCaller> callers_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace passerelle::organizations
