#include "services/organizations/remote.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"

namespace passerelle::organizations {
namespace {

constexpr size_t kMaxCachedTokens = 100000;

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      s.error_message());
}

void Prepare(grpc::ClientContext* context, absl::string_view token) {
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(5));
}

// A failure to reach the organization service is the callee's problem, not
// the caller's: never let it look like a bad token.
absl::Status Upstream(const grpc::Status& s) {
  absl::Status status = FromGrpc(s);
  if (absl::IsUnauthenticated(status) || absl::IsNotFound(status) ||
      absl::IsInvalidArgument(status)) {
    return status;
  }
  return absl::UnavailableError(
      absl::StrCat("organization service: ", status.message()));
}

}  // namespace

RemoteOrganizations::RemoteOrganizations(std::shared_ptr<grpc::Channel> channel,
                                         std::string service_token,
                                         absl::Duration token_ttl)
    : stub_(v1::OrganizationService::NewStub(channel)),
      service_token_(std::move(service_token)),
      token_ttl_(token_ttl) {}

absl::StatusOr<runtime::Caller> RemoteOrganizations::Authenticate(
    absl::string_view token) const {
  const std::string key = runtime::HashToken(token);
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = callers_.find(key);
    if (it != callers_.end() && it->second.expires > now)
      return it->second.caller;
  }
  grpc::ClientContext context;
  Prepare(&context, token);
  v1::WhoAmIResponse who;
  grpc::Status s = stub_->WhoAmI(&context, v1::WhoAmIRequest(), &who);
  absl::StatusOr<runtime::Caller> caller;
  if (s.ok()) {
    runtime::Caller known;
    known.organization_id = who.organization_id();
    known.role = who.role();
    known.token_id = who.token_id();
    known.user_id = who.user_id();
    known.email = who.email();
    known.graduate_id = who.graduate_id();
    known.graduate_ids.assign(who.graduate_ids().begin(),
                              who.graduate_ids().end());
    known.organization_admin = who.organization_admin();
    caller = std::move(known);
  } else if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    caller = absl::UnauthenticatedError("unknown or revoked token");
  } else {
    return Upstream(s);  // not cached
  }
  absl::MutexLock lock(&mu_);
  if (callers_.size() >= kMaxCachedTokens) callers_.clear();
  callers_[key] = {caller, now + token_ttl_};
  return caller;
}

absl::StatusOr<v1::Company> RemoteOrganizations::FindCompany(
    absl::string_view id) const {
  grpc::ClientContext context;
  Prepare(&context, service_token_);
  v1::GetCompanyRequest request;
  request.set_id(std::string(id));
  v1::Company company;
  grpc::Status s = stub_->GetCompany(&context, request, &company);
  if (!s.ok()) return Upstream(s);
  return company;
}

absl::StatusOr<v1::School> RemoteOrganizations::FindSchool(
    absl::string_view id) const {
  grpc::ClientContext context;
  Prepare(&context, service_token_);
  v1::GetSchoolRequest request;
  request.set_id(std::string(id));
  v1::School school;
  grpc::Status s = stub_->GetSchool(&context, request, &school);
  if (!s.ok()) return Upstream(s);
  return school;
}

absl::StatusOr<v1::Partner> RemoteOrganizations::FindPartner(
    absl::string_view id) const {
  grpc::ClientContext context;
  Prepare(&context, service_token_);
  v1::GetPartnerRequest request;
  request.set_id(std::string(id));
  v1::Partner partner;
  grpc::Status s = stub_->GetPartner(&context, request, &partner);
  if (!s.ok()) return Upstream(s);
  return partner;
}

}  // namespace passerelle::organizations
