#pragma once

// Organizations: companies, schools, partners (Missions locales) and the
// tokens that let them call Passerelle.
//
// Who may do what:
// - only an admin creates organizations;
// - any authenticated caller reads companies and schools (public business
//   data); partners are read by admins and by themselves;
// - an admin issues and revokes any token; an organization issues tokens for
//   itself (same role) and revokes its own.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "passerelle/internal/records.pb.h"
#include "passerelle/v1/organization.grpc.pb.h"
#include "services/common/referentials.h"
#include "services/runtime/auth.h"
#include "services/runtime/directory.h"
#include "services/runtime/repository.h"
#include "storage/store.h"

namespace passerelle::organizations {

// The tables this component owns in a Store.
std::vector<std::string> Tables();

class Organizations : public runtime::Directory {
 public:
  // `store` must have been opened with Tables(); both must outlive this.
  Organizations(storage::Store* store,
                const common::Referentials* referentials);

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

  // UNAUTHENTICATED for an unknown or revoked token.
  absl::StatusOr<runtime::Caller> Authenticate(absl::string_view token) const;

  // On the first start (no admin token stored yet) issues an admin token and
  // writes it to `path` with mode 0600; returns true when it did.
  absl::StatusOr<bool> EnsureAdminToken(const std::string& path);

  // runtime::Directory
  absl::StatusOr<v1::Company> FindCompany(absl::string_view id) const override;
  absl::StatusOr<v1::School> FindSchool(absl::string_view id) const override;
  absl::StatusOr<v1::Partner> FindPartner(absl::string_view id) const override;

 private:
  absl::StatusOr<v1::IssueTokenResponse> StoreToken(
      const std::string& org_id, v1::Role role, const std::string& description);

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
  OrganizationServiceImpl(Organizations* organizations,
                          const runtime::Authenticator* authenticator)
      : organizations_(organizations), authenticator_(authenticator) {}

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

 private:
  Organizations* organizations_;
  const runtime::Authenticator* authenticator_;
};

}  // namespace passerelle::organizations
