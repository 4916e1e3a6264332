#pragma once

// Organizations: companies, schools, partners (Missions locales) and the
// tokens that let them call Passerelle.
//
// Who may do what:
// - only an admin creates organizations;
// - any authenticated caller reads companies and schools (public business
//   data); partners are read by admins and by themselves;
// - an admin issues and revokes any token; an organization issues tokens for
//   itself (same role) and revokes its own;
// - people: the admin invites anyone into any organization, an
//   organization's own admin (a person) into that organization; an invited
//   person opens the account with the one-time invitation token and a
//   password, then signs in for a session that acts as a token of the
//   account's organization and role. The admin and organization admins list
//   and disable accounts and read the audit log (theirs only).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "passerelle/internal/records.pb.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/organization.grpc.pb.h"
#include "services/common/referentials.h"
#include "services/organizations/throttle.h"
#include "services/runtime/audit.h"
#include "services/runtime/auth.h"
#include "services/runtime/directory.h"
#include "services/runtime/mail.h"
#include "services/runtime/repository.h"
#include "services/runtime/thread_pool.h"
#include "storage/store.h"

namespace passerelle::organizations {

// The tables this component owns in a Store.
std::vector<std::string> Tables();

struct AccountOptions {
  absl::Duration invitation_validity = absl::Hours(24 * 7);
  absl::Duration session_validity = absl::Hours(12);
  SignInThrottle::Options throttle;
  // The time invitations, sessions and throttling see (tests move it).
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class Organizations : public runtime::Directory {
 public:
  using AccountOptions = organizations::AccountOptions;

  // `store` must have been opened with Tables(); `store`, `referentials`
  // and `audit` (null: no audit of sign-ins) must outlive this.
  Organizations(storage::Store* store, const common::Referentials* referentials,
                runtime::AuditLog* audit = nullptr,
                AccountOptions account_options = AccountOptions());

  absl::StatusOr<v1::Company> CreateCompany(const runtime::Caller& caller,
                                            v1::Company company);
  absl::StatusOr<v1::Company> GetCompany(const runtime::Caller& caller,
                                         absl::string_view id) const;
  absl::StatusOr<v1::ListCompaniesResponse> ListCompanies(
      const runtime::Caller& caller,
      const v1::ListCompaniesRequest& request) const;

  absl::StatusOr<v1::School> CreateSchool(const runtime::Caller& caller,
                                          v1::School school);
  absl::StatusOr<v1::School> GetSchool(const runtime::Caller& caller,
                                       absl::string_view id) const;
  absl::StatusOr<v1::ListSchoolsResponse> ListSchools(
      const runtime::Caller& caller,
      const v1::ListSchoolsRequest& request) const;

  absl::StatusOr<v1::Partner> CreatePartner(const runtime::Caller& caller,
                                            v1::Partner partner);
  absl::StatusOr<v1::Partner> GetPartner(const runtime::Caller& caller,
                                         absl::string_view id) const;
  absl::StatusOr<v1::ListPartnersResponse> ListPartners(
      const runtime::Caller& caller,
      const v1::ListPartnersRequest& request) const;

  // INVALID_ARGUMENT when the role does not fit the organization's kind,
  // NOT_FOUND for an unknown organization.
  absl::StatusOr<v1::IssueTokenResponse> IssueToken(
      const runtime::Caller& caller, const v1::IssueTokenRequest& request);
  // NOT_FOUND for an unknown token; revoking twice is OK.
  absl::Status RevokeToken(const runtime::Caller& caller,
                           const v1::RevokeTokenRequest& request);

  // --- People (accounts.cc) ---

  // Creates the account (USER_STATE_INVITED) and a one-time invitation;
  // inviting again an address whose invitation was not used replaces it.
  // INVALID_ARGUMENT naming email, role, organization_id or valid_hours;
  // NOT_FOUND for an unknown organization; PERMISSION_DENIED unless the
  // caller is the admin or a person administering that organization;
  // ALREADY_EXISTS when the address has an account.
  absl::StatusOr<v1::Invitation> InviteUser(
      const runtime::Caller& caller, const v1::InviteUserRequest& request);
  // Opens the invited account. NOT_FOUND for an unknown token;
  // FAILED_PRECONDITION when used already, expired or replaced;
  // INVALID_ARGUMENT naming password or display_name. Slow (hashes the
  // password): call on a pool.
  absl::StatusOr<v1::User> AcceptInvitation(
      const v1::AcceptInvitationRequest& request);
  // A new session for the account. UNAUTHENTICATED "wrong e-mail or
  // password" for any failure (unknown address, wrong password, account
  // not active), RESOURCE_EXHAUSTED while the account or `client_address`
  // waits after failures. Every attempt goes to the audit log. Slow.
  absl::StatusOr<v1::SignInResponse> SignIn(const v1::SignInRequest& request,
                                            absl::string_view client_address);
  // Ends the caller's session: FAILED_PRECONDITION for a token.
  absl::Status SignOut(const runtime::Caller& caller);
  absl::StatusOr<v1::ListUsersResponse> ListUsers(
      const runtime::Caller& caller, const v1::ListUsersRequest& request) const;
  // Disables the account and ends its sessions (admin or its
  // organization's admin). NOT_FOUND for an unknown user.
  absl::StatusOr<v1::User> DisableUser(const runtime::Caller& caller,
                                       const v1::DisableUserRequest& request);
  // The admin: every organization's (or the one named); an organization's
  // admin: that organization's. PERMISSION_DENIED otherwise.
  absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(
      const runtime::Caller& caller,
      const v1::ListAuditEventsRequest& request) const;

  // UNAUTHENTICATED for an unknown or revoked token, or a session that
  // expired, was signed out or whose account was disabled.
  absl::StatusOr<runtime::Caller> Authenticate(absl::string_view token) const;

  // How IssueToken finds a graduate for ROLE_GRADUATE and ROLE_GUARDIAN
  // tokens (the embedded server: the graduates' repository); unset, such
  // tokens are refused (FAILED_PRECONDITION).
  void set_graduate_lookup(
      std::function<absl::StatusOr<v1::Graduate>(absl::string_view)> find) {
    find_graduate_ = std::move(find);
  }

  // Invitations are also e-mailed through `mailer` (not owned; null: not
  // mailed), with links under `public_url` (e.g. "https://passerelle.fr").
  void set_mailer(runtime::Mailer* mailer, std::string public_url) {
    mailer_ = mailer;
    public_url_ = std::move(public_url);
  }

  // On the first start (no admin token stored yet) issues an admin token and
  // writes it to `path` with mode 0600; returns true when it did.
  absl::StatusOr<bool> EnsureAdminToken(const std::string& path);

  // runtime::Directory
  absl::StatusOr<v1::Company> FindCompany(absl::string_view id) const override;
  absl::StatusOr<v1::School> FindSchool(absl::string_view id) const override;
  absl::StatusOr<v1::Partner> FindPartner(absl::string_view id) const override;

 private:
  absl::StatusOr<v1::IssueTokenResponse> StoreToken(
      const std::string& org_id, v1::Role role, const std::string& description,
      const std::string& graduate_id = "",
      std::optional<absl::Time> expire = std::nullopt);
  // The organization a young person's account (or a representative's)
  // belongs to, and when a representative's access ends; checks the caller
  // follows the graduate (else NOT_FOUND, as if unknown) and a
  // representative's is for a minor.
  struct GraduateFor {
    std::string organization_id;
    std::optional<absl::Time> access_end;
    std::string given_name;  // for the invitation's text
  };
  absl::StatusOr<GraduateFor> GraduateForAccount(
      const runtime::Caller& caller, v1::Role role,
      const std::string& graduate_id, const std::string& organization_id) const;
  absl::StatusOr<v1::IssueTokenResponse> IssueGraduateToken(
      const runtime::Caller& caller, const v1::IssueTokenRequest& request);
  std::function<absl::StatusOr<v1::Graduate>(absl::string_view)> find_graduate_;
  // Sends an invitation (or a representative's new young person) by
  // e-mail when a mailer is set; records the outcome in `invitation`.
  void MailInvitation(const std::string& organization_id,
                      const std::string& given_name,
                      v1::Invitation* invitation) const;
  runtime::Mailer* mailer_ = nullptr;
  std::string public_url_;
  absl::StatusOr<runtime::Caller> AuthenticateSession(
      const std::string& hash) const;
  // NOT_FOUND naming organization_id when `org_id` is not an organization
  // of the kind `role` acts for; its name otherwise.
  absl::StatusOr<std::string> OrganizationName(v1::Role role,
                                               const std::string& org_id) const;
  void AuditSignIn(v1::AuditEvent event);

  AccountOptions account_options_;
  runtime::AuditLog* audit_;
  SignInThrottle throttle_;

  storage::Store* store_;
  const common::Referentials* referentials_;
  runtime::Repository<v1::Company> companies_;
  runtime::Repository<v1::School> schools_;
  runtime::Repository<v1::Partner> partners_;
};

// Authenticates against the organization store, in the same process.
class StoreAuthenticator : public runtime::Authenticator {
 public:
  explicit StoreAuthenticator(const Organizations* organizations)
      : organizations_(organizations) {}
  absl::StatusOr<runtime::Caller> Authenticate(
      absl::string_view token) const override {
    return organizations_->Authenticate(token);
  }

 private:
  const Organizations* organizations_;
};

class OrganizationServiceImpl final
    : public v1::OrganizationService::CallbackService {
 public:
  // `pool` runs the password hashing of AcceptInvitation and SignIn.
  OrganizationServiceImpl(Organizations* organizations,
                          const runtime::Authenticator* authenticator,
                          runtime::ThreadPool* pool)
      : organizations_(organizations),
        authenticator_(authenticator),
        pool_(pool) {}

  grpc::ServerUnaryReactor* CreateCompany(
      grpc::CallbackServerContext* context,
      const v1::CreateCompanyRequest* request, v1::Company* response) override;
  grpc::ServerUnaryReactor* GetCompany(grpc::CallbackServerContext* context,
                                       const v1::GetCompanyRequest* request,
                                       v1::Company* response) override;
  grpc::ServerUnaryReactor* ListCompanies(
      grpc::CallbackServerContext* context,
      const v1::ListCompaniesRequest* request,
      v1::ListCompaniesResponse* response) override;
  grpc::ServerUnaryReactor* CreateSchool(grpc::CallbackServerContext* context,
                                         const v1::CreateSchoolRequest* request,
                                         v1::School* response) override;
  grpc::ServerUnaryReactor* GetSchool(grpc::CallbackServerContext* context,
                                      const v1::GetSchoolRequest* request,
                                      v1::School* response) override;
  grpc::ServerUnaryReactor* ListSchools(
      grpc::CallbackServerContext* context,
      const v1::ListSchoolsRequest* request,
      v1::ListSchoolsResponse* response) override;
  grpc::ServerUnaryReactor* CreatePartner(
      grpc::CallbackServerContext* context,
      const v1::CreatePartnerRequest* request, v1::Partner* response) override;
  grpc::ServerUnaryReactor* GetPartner(grpc::CallbackServerContext* context,
                                       const v1::GetPartnerRequest* request,
                                       v1::Partner* response) override;
  grpc::ServerUnaryReactor* ListPartners(
      grpc::CallbackServerContext* context,
      const v1::ListPartnersRequest* request,
      v1::ListPartnersResponse* response) override;
  grpc::ServerUnaryReactor* IssueToken(
      grpc::CallbackServerContext* context,
      const v1::IssueTokenRequest* request,
      v1::IssueTokenResponse* response) override;
  grpc::ServerUnaryReactor* RevokeToken(
      grpc::CallbackServerContext* context,
      const v1::RevokeTokenRequest* request,
      v1::RevokeTokenResponse* response) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::WhoAmIResponse* response) override;

  grpc::ServerUnaryReactor* InviteUser(grpc::CallbackServerContext* context,
                                       const v1::InviteUserRequest* request,
                                       v1::Invitation* response) override;
  grpc::ServerUnaryReactor* AcceptInvitation(
      grpc::CallbackServerContext* context,
      const v1::AcceptInvitationRequest* request, v1::User* response) override;
  grpc::ServerUnaryReactor* SignIn(grpc::CallbackServerContext* context,
                                   const v1::SignInRequest* request,
                                   v1::SignInResponse* response) override;
  grpc::ServerUnaryReactor* SignOut(grpc::CallbackServerContext* context,
                                    const v1::SignOutRequest* request,
                                    v1::SignOutResponse* response) override;
  grpc::ServerUnaryReactor* ListUsers(grpc::CallbackServerContext* context,
                                      const v1::ListUsersRequest* request,
                                      v1::ListUsersResponse* response) override;
  grpc::ServerUnaryReactor* DisableUser(grpc::CallbackServerContext* context,
                                        const v1::DisableUserRequest* request,
                                        v1::User* response) override;
  grpc::ServerUnaryReactor* ListAuditEvents(
      grpc::CallbackServerContext* context,
      const v1::ListAuditEventsRequest* request,
      v1::ListAuditEventsResponse* response) override;

 private:
  Organizations* organizations_;
  const runtime::Authenticator* authenticator_;
  runtime::ThreadPool* pool_;
};

}  // namespace passerelle::organizations
