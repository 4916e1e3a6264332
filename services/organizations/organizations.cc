#include "services/organizations/organizations.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "services/common/dates.h"
#include "services/common/validation.h"
#include "services/runtime/graduate_access.h"
#include "services/runtime/reactor.h"
#include "storage/status_macros.h"

namespace passerelle::organizations {

// Tables of accounts.cc, listed by Tables().
extern const char kUsers[];
extern const char kInvitations[];
extern const char kSessions[];

namespace {

using runtime::Caller;

constexpr char kCompanies[] = "companies";
constexpr char kSchools[] = "schools";
constexpr char kPartners[] = "partners";
constexpr char kTokens[] = "tokens";
constexpr char kTokenByHash[] = "token_by_hash";
constexpr char kTokenByRole[] = "token_by_role";
constexpr char kCompanyBySiret[] = "company_by_siret";
constexpr char kSchoolByUai[] = "school_by_uai";
constexpr char kPartnerBySiret[] = "partner_by_siret";
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

absl::Status RequireAdmin(const Caller& caller, absl::string_view what) {
  if (caller.is_admin()) return absl::OkStatus();
  return runtime::Denied(
      absl::StrCat("only the federation (admin) may ", what));
}

// Output-only fields are the server's: whatever the client sent is dropped.
template <typename T>
void ClearOutputOnly(T* record) {
  record->clear_id();
  record->clear_version();
  record->clear_create_time();
  record->clear_update_time();
}

// Writes `contents` to `path` with mode 0600, failing if it exists.
absl::Status WriteSecretFile(const std::string& path,
                             const std::string& contents) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  const std::string line = contents + "\n";
  const bool ok = write(fd, line.data(), line.size()) ==
                      static_cast<ssize_t>(line.size()) &&
                  fsync(fd) == 0;
  close(fd);
  if (!ok) {
    unlink(path.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> Tables() {
  return {kCompanies, kSchools,     kPartners, kTokens,
          kUsers,     kInvitations, kSessions};
}

Organizations::Organizations(storage::Store* store,
                             const common::Referentials* referentials,
                             runtime::AuditLog* audit,
                             AccountOptions account_options)
    : account_options_(std::move(account_options)),
      audit_(audit),
      throttle_(account_options_.throttle),
      store_(store),
      referentials_(referentials),
      companies_(store, {kCompanies, "company", "cmp", v1::ENTITY_KIND_COMPANY,
                         [](const v1::Company& c) {
                           return std::vector<storage::IndexKey>{
                               {kCompanyBySiret, c.siret(), true}};
                         },
                         [](const v1::Company& c, v1::ChangeEvent* e) {
                           e->set_company_id(c.id());
                         }}),
      schools_(store, {kSchools, "school", "sch", v1::ENTITY_KIND_SCHOOL,
                       [](const v1::School& s) {
                         return std::vector<storage::IndexKey>{
                             {kSchoolByUai, s.uai(), true}};
                       },
                       [](const v1::School& s, v1::ChangeEvent* e) {
                         e->set_school_id(s.id());
                       }}),
      partners_(store, {kPartners, "partner", "ptn", v1::ENTITY_KIND_PARTNER,
                        [](const v1::Partner& p) {
                          std::vector<storage::IndexKey> keys;
                          if (!p.siret().empty()) {
                            keys.push_back({kPartnerBySiret, p.siret(), true});
                          }
                          return keys;
                        },
                        [](const v1::Partner& p, v1::ChangeEvent* e) {
                          e->set_partner_id(p.id());
                        }}) {}

absl::StatusOr<v1::Company> Organizations::CreateCompany(const Caller& caller,
                                                         v1::Company company) {
  RETURN_IF_ERROR(RequireAdmin(caller, "create companies"));
  ClearOutputOnly(&company);
  RETURN_IF_ERROR(common::ValidateCompany(&company, *referentials_));
  absl::StatusOr<v1::Company> created = companies_.Create(std::move(company));
  if (absl::IsAlreadyExists(created.status())) {
    return absl::AlreadyExistsError(
        "company.siret: a company with this SIRET exists");
  }
  return created;
}

absl::StatusOr<v1::Company> Organizations::GetCompany(
    const Caller&, absl::string_view id) const {
  return companies_.Get(id);
}

absl::StatusOr<v1::ListCompaniesResponse> Organizations::ListCompanies(
    const Caller&, const v1::ListCompaniesRequest& request) const {
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  ASSIGN_OR_RETURN(auto page,
                   companies_.List("", "", page_size, request.page_token()));
  v1::ListCompaniesResponse response;
  for (auto& c : page.records) *response.add_companies() = std::move(c);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<v1::School> Organizations::CreateSchool(const Caller& caller,
                                                       v1::School school) {
  RETURN_IF_ERROR(RequireAdmin(caller, "create schools"));
  ClearOutputOnly(&school);
  RETURN_IF_ERROR(common::ValidateSchool(&school, *referentials_));
  absl::StatusOr<v1::School> created = schools_.Create(std::move(school));
  if (absl::IsAlreadyExists(created.status())) {
    return absl::AlreadyExistsError(
        "school.uai: a school with this UAI exists");
  }
  return created;
}

absl::StatusOr<v1::School> Organizations::GetSchool(
    const Caller&, absl::string_view id) const {
  return schools_.Get(id);
}

absl::StatusOr<v1::ListSchoolsResponse> Organizations::ListSchools(
    const Caller&, const v1::ListSchoolsRequest& request) const {
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  ASSIGN_OR_RETURN(auto page,
                   schools_.List("", "", page_size, request.page_token()));
  v1::ListSchoolsResponse response;
  for (auto& s : page.records) *response.add_schools() = std::move(s);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<v1::Partner> Organizations::CreatePartner(const Caller& caller,
                                                         v1::Partner partner) {
  RETURN_IF_ERROR(RequireAdmin(caller, "create partners"));
  ClearOutputOnly(&partner);
  RETURN_IF_ERROR(common::ValidatePartner(&partner, *referentials_));
  absl::StatusOr<v1::Partner> created = partners_.Create(std::move(partner));
  if (absl::IsAlreadyExists(created.status())) {
    return absl::AlreadyExistsError(
        "partner.siret: a partner with this SIRET exists");
  }
  return created;
}

// The partners (Missions locales) are a public directory for the
// organizations placing young people: a school chooses there whom to grant
// access to one of its graduates (GrantGraduateAccess).
namespace {
absl::Status CheckCanReadPartners(const Caller& caller) {
  if (caller.is_admin() || caller.role == v1::ROLE_SCHOOL ||
      caller.role == v1::ROLE_PARTNER) {
    return absl::OkStatus();
  }
  return runtime::Denied(
      "partners are read by the federation, the schools and the partners");
}
}  // namespace

absl::StatusOr<v1::Partner> Organizations::GetPartner(
    const Caller& caller, absl::string_view id) const {
  RETURN_IF_ERROR(CheckCanReadPartners(caller));
  return partners_.Get(id);
}

absl::StatusOr<v1::ListPartnersResponse> Organizations::ListPartners(
    const Caller& caller, const v1::ListPartnersRequest& request) const {
  RETURN_IF_ERROR(CheckCanReadPartners(caller));
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  ASSIGN_OR_RETURN(auto page,
                   partners_.List("", "", page_size, request.page_token()));
  v1::ListPartnersResponse response;
  for (auto& p : page.records) *response.add_partners() = std::move(p);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<v1::IssueTokenResponse> Organizations::IssueToken(
    const Caller& caller, const v1::IssueTokenRequest& request) {
  if (request.description().size() > 200) {
    return absl::InvalidArgumentError("description: at most 200 bytes");
  }
  std::string org_id = request.organization_id();
  switch (request.role()) {
    case v1::ROLE_ADMIN:
      if (org_id.empty()) org_id = std::string(runtime::kFederationId);
      if (org_id != runtime::kFederationId) {
        return absl::InvalidArgumentError(
            "organization_id: an admin token belongs to \"federation\"");
      }
      break;
    case v1::ROLE_COMPANY:
    case v1::ROLE_SCHOOL:
    case v1::ROLE_PARTNER: {
      if (org_id.empty()) {
        return absl::InvalidArgumentError("organization_id: required");
      }
      // Ownership before existence: whether another organization's id
      // exists is not the caller's to learn.
      if (!caller.Owns(request.role(), org_id)) {
        return runtime::Denied(
            "tokens are issued by the federation, or by an "
            "organization for itself");
      }
      // A person issues the organization's tokens only when administering
      // it (a token would otherwise give them what their account may not).
      if (!caller.is_admin() && !caller.user_id.empty() &&
          !caller.organization_admin) {
        return runtime::Denied(
            "an organization's tokens are issued by a person administering "
            "it");
      }
      absl::Status exists =
          request.role() == v1::ROLE_COMPANY  ? companies_.Get(org_id).status()
          : request.role() == v1::ROLE_SCHOOL ? schools_.Get(org_id).status()
                                              : partners_.Get(org_id).status();
      if (absl::IsNotFound(exists)) {
        return absl::NotFoundError(absl::StrCat(
            "organization_id: no ", v1::Role_Name(request.role()).substr(5),
            " organization ", org_id));
      }
      RETURN_IF_ERROR(exists);
      break;
    }
    case v1::ROLE_GRADUATE:
    case v1::ROLE_GUARDIAN:
      return IssueGraduateToken(caller, request);
    default:
      return absl::InvalidArgumentError(
          "role: one of ROLE_ADMIN, ROLE_SCHOOL, ROLE_COMPANY, ROLE_PARTNER, "
          "ROLE_GRADUATE, ROLE_GUARDIAN");
  }
  if (!request.graduate_id().empty()) {
    return absl::InvalidArgumentError(
        "graduate_id: only for ROLE_GRADUATE and ROLE_GUARDIAN");
  }
  if (!caller.Owns(request.role(), org_id)) {
    return runtime::Denied(
        "tokens are issued by the federation, or by an "
        "organization for itself");
  }
  return StoreToken(org_id, request.role(), request.description());
}

absl::StatusOr<Organizations::GraduateFor> Organizations::GraduateForAccount(
    const Caller& caller, v1::Role role, const std::string& graduate_id,
    const std::string& organization_id) const {
  if (graduate_id.empty()) {
    return absl::InvalidArgumentError(
        "graduate_id: required for ROLE_GRADUATE and ROLE_GUARDIAN");
  }
  if (!find_graduate_) {
    return absl::FailedPreconditionError(
        "graduate_id: the young people's accounts are opened where the "
        "graduates are stored (the embedded server)");
  }
  absl::StatusOr<v1::Graduate> graduate = find_graduate_(graduate_id);
  const bool owner = graduate.ok() &&
                     ((!graduate->school_id().empty() &&
                       caller.Owns(v1::ROLE_SCHOOL, graduate->school_id())) ||
                      (!graduate->partner_id().empty() &&
                       caller.Owns(v1::ROLE_PARTNER, graduate->partner_id())));
  if (graduate.ok() && !owner &&
      runtime::AccessTo(caller, *graduate) ==
          runtime::GraduateAccess::kFollower) {
    // A partner following the young person knows them, but the accounts
    // are their owner's to give.
    return runtime::Denied(absl::StrCat(
        "graduate_id: young people's accounts are given by their school or "
        "partner only (graduate ",
        graduate_id, " is followed, not owned)"));
  }
  if (absl::IsNotFound(graduate.status()) || (graduate.ok() && !owner)) {
    // As if unknown: another organization's graduate must not tell that it
    // exists.
    return absl::NotFoundError(
        absl::StrCat("graduate_id: no graduate ", graduate_id));
  }
  RETURN_IF_ERROR(graduate.status());
  if (!organization_id.empty() && organization_id != graduate->school_id() &&
      organization_id != graduate->partner_id()) {
    return absl::InvalidArgumentError(
        "organization_id: the graduate's school or partner (or empty)");
  }
  GraduateFor out;
  out.organization_id = !graduate->school_id().empty() ? graduate->school_id()
                                                       : graduate->partner_id();
  out.given_name = graduate->given_name();
  if (role == v1::ROLE_GUARDIAN) {
    const std::optional<absl::CivilDay> birth =
        common::ParseDate(graduate->birth_date());
    if (!birth) return absl::DataLossError("stored birth date unreadable");
    const absl::CivilDay majority = common::NthBirthday(*birth, 18);
    out.access_end = absl::FromCivil(majority, common::ParisTimeZone());
    if (*out.access_end <= account_options_.clock()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "role: ROLE_GUARDIAN is for a minor; graduate ", graduate->id(),
          " has been an adult since ", common::FormatDate(majority)));
    }
  }
  return out;
}

absl::StatusOr<v1::IssueTokenResponse> Organizations::IssueGraduateToken(
    const Caller& caller, const v1::IssueTokenRequest& request) {
  ASSIGN_OR_RETURN(
      const GraduateFor graduate,
      GraduateForAccount(caller, request.role(), request.graduate_id(),
                         request.organization_id()));
  return StoreToken(graduate.organization_id, request.role(),
                    request.description(), request.graduate_id(),
                    graduate.access_end);
}

absl::StatusOr<v1::IssueTokenResponse> Organizations::StoreToken(
    const std::string& org_id, v1::Role role, const std::string& description,
    const std::string& graduate_id, std::optional<absl::Time> expire) {
  internal::TokenRecord record;
  record.set_token_id(runtime::NewId("tok"));
  record.set_organization_id(org_id);
  record.set_role(role);
  record.set_graduate_id(graduate_id);
  if (expire) runtime::SetTimestamp(*expire, record.mutable_expire_time());
  const std::string token = runtime::NewToken();
  record.set_sha256(runtime::HashToken(token));
  record.set_description(description);
  runtime::SetTimestamp(absl::Now(), record.mutable_create_time());

  storage::Mutation m;
  m.table = kTokens;
  m.id = record.token_id();
  m.data = record.SerializeAsString();
  m.version = 1;
  m.expect = storage::Mutation::Expect::kAbsent;
  m.index_keys = {{kTokenByHash, record.sha256(), true},
                  {kTokenByRole, v1::Role_Name(role), false}};
  v1::ChangeEvent event;
  event.set_kind(v1::ENTITY_KIND_TOKEN);
  event.set_op(v1::CHANGE_OP_CREATED);
  event.set_id(record.token_id());
  event.set_version(1);
  runtime::SetTimestamp(absl::Now(), event.mutable_time());
  RETURN_IF_ERROR(
      store_->Commit({std::move(m)}, {runtime::ChangeEntry(event)}).status());
  v1::IssueTokenResponse response;
  response.set_token(token);
  response.set_token_id(record.token_id());
  return response;
}

absl::Status Organizations::RevokeToken(const Caller& caller,
                                        const v1::RevokeTokenRequest& request) {
  std::string token_id = request.token_id();
  if (token_id.empty() && request.token().empty()) {
    return absl::InvalidArgumentError("token_id: required (or token)");
  }
  if (token_id.empty()) {
    ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        store_->Lookup(kTokenByHash, runtime::HashToken(request.token()), 1));
    if (ids.empty()) return absl::NotFoundError("token: unknown token");
    token_id = ids.front();
  }
  absl::StatusOr<storage::Record> stored = store_->Get(kTokens, token_id);
  if (absl::IsNotFound(stored.status())) {
    return absl::NotFoundError(absl::StrCat("token_id: no token ", token_id));
  }
  RETURN_IF_ERROR(stored.status());
  internal::TokenRecord record;
  if (!record.ParseFromString(stored->data)) {
    return absl::DataLossError("stored token unreadable");
  }
  if (!caller.Owns(record.role(), record.organization_id())) {
    return runtime::Denied("a token is revoked by the federation or its owner");
  }
  if (!caller.is_admin() && !caller.user_id.empty() &&
      !caller.organization_admin) {
    return runtime::Denied(
        "an organization's tokens are revoked by a person administering it");
  }
  if (record.has_revoke_time()) return absl::OkStatus();
  runtime::SetTimestamp(absl::Now(), record.mutable_revoke_time());
  storage::Mutation m;
  m.table = kTokens;
  m.id = record.token_id();
  m.data = record.SerializeAsString();
  m.version = stored->version + 1;
  m.expect = storage::Mutation::Expect::kVersion;
  m.expected_version = stored->version;
  // A revoked token keeps no index entry: it can no longer be found by hash.
  v1::ChangeEvent event;
  event.set_kind(v1::ENTITY_KIND_TOKEN);
  event.set_op(v1::CHANGE_OP_UPDATED);
  event.set_id(record.token_id());
  event.set_version(m.version);
  runtime::SetTimestamp(absl::Now(), event.mutable_time());
  return store_->Commit({std::move(m)}, {runtime::ChangeEntry(event)}).status();
}

absl::StatusOr<Caller> Organizations::Authenticate(
    absl::string_view token) const {
  absl::StatusOr<std::vector<std::string>> ids =
      store_->Lookup(kTokenByHash, runtime::HashToken(token), 1);
  if (!ids.ok()) return ids.status();
  if (ids->empty()) return AuthenticateSession(runtime::HashToken(token));
  ASSIGN_OR_RETURN(storage::Record stored, store_->Get(kTokens, ids->front()));
  internal::TokenRecord record;
  if (!record.ParseFromString(stored.data) || record.has_revoke_time()) {
    return absl::UnauthenticatedError("unknown or revoked token");
  }
  if (record.has_expire_time() &&
      account_options_.clock() >=
          absl::FromUnixSeconds(record.expire_time().seconds())) {
    return absl::UnauthenticatedError(
        "expired token (a legal representative's access ends on the young "
        "person's 18th birthday)");
  }
  Caller caller;
  caller.organization_id = record.organization_id();
  caller.role = record.role();
  caller.token_id = record.token_id();
  caller.graduate_id = record.graduate_id();
  if (!caller.graduate_id.empty()) caller.graduate_ids = {caller.graduate_id};
  return caller;
}

absl::StatusOr<bool> Organizations::EnsureAdminToken(const std::string& path) {
  ASSIGN_OR_RETURN(
      std::vector<std::string> admins,
      store_->Lookup(kTokenByRole, v1::Role_Name(v1::ROLE_ADMIN), 1));
  if (!admins.empty()) return false;
  // Issue, write the file, then keep: a token is never stored without the
  // file that shows it, and a failed write leaves no stray token.
  ASSIGN_OR_RETURN(v1::IssueTokenResponse issued,
                   StoreToken(std::string(runtime::kFederationId),
                              v1::ROLE_ADMIN, "first-start admin token"));
  unlink(path.c_str());  // a stale file from an erased data directory
  absl::Status written = WriteSecretFile(path, issued.token());
  if (!written.ok()) {
    Caller admin;
    admin.organization_id = std::string(runtime::kFederationId);
    admin.role = v1::ROLE_ADMIN;
    v1::RevokeTokenRequest revoke;
    revoke.set_token_id(issued.token_id());
    RevokeToken(admin, revoke).IgnoreError();
    return written;
  }
  return true;
}

absl::StatusOr<v1::Company> Organizations::FindCompany(
    absl::string_view id) const {
  return companies_.Get(id);
}
absl::StatusOr<v1::School> Organizations::FindSchool(
    absl::string_view id) const {
  return schools_.Get(id);
}
absl::StatusOr<v1::Partner> Organizations::FindPartner(
    absl::string_view id) const {
  return partners_.Get(id);
}

// --- gRPC ------------------------------------------------------------------

namespace {

// Copies a StatusOr's value into a response.
template <typename T>
absl::Status Into(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* OrganizationServiceImpl::CreateCompany(
    grpc::CallbackServerContext* context,
    const v1::CreateCompanyRequest* request, v1::Company* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->CreateCompany(caller, request->company()),
                    response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::GetCompany(
    grpc::CallbackServerContext* context, const v1::GetCompanyRequest* request,
    v1::Company* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->GetCompany(caller, request->id()),
                    response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::ListCompanies(
    grpc::CallbackServerContext* context,
    const v1::ListCompaniesRequest* request,
    v1::ListCompaniesResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->ListCompanies(caller, *request), response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::CreateSchool(
    grpc::CallbackServerContext* context,
    const v1::CreateSchoolRequest* request, v1::School* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->CreateSchool(caller, request->school()),
                    response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::GetSchool(
    grpc::CallbackServerContext* context, const v1::GetSchoolRequest* request,
    v1::School* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->GetSchool(caller, request->id()), response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::ListSchools(
    grpc::CallbackServerContext* context, const v1::ListSchoolsRequest* request,
    v1::ListSchoolsResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->ListSchools(caller, *request), response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::CreatePartner(
    grpc::CallbackServerContext* context,
    const v1::CreatePartnerRequest* request, v1::Partner* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->CreatePartner(caller, request->partner()),
                    response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::GetPartner(
    grpc::CallbackServerContext* context, const v1::GetPartnerRequest* request,
    v1::Partner* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->GetPartner(caller, request->id()),
                    response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::ListPartners(
    grpc::CallbackServerContext* context,
    const v1::ListPartnersRequest* request,
    v1::ListPartnersResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->ListPartners(caller, *request), response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::IssueToken(
    grpc::CallbackServerContext* context, const v1::IssueTokenRequest* request,
    v1::IssueTokenResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->IssueToken(caller, *request), response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::RevokeToken(
    grpc::CallbackServerContext* context, const v1::RevokeTokenRequest* request,
    v1::RevokeTokenResponse*) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return organizations_->RevokeToken(caller, *request);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::WhoAmI(
    grpc::CallbackServerContext* context, const v1::WhoAmIRequest*,
    v1::WhoAmIResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        response->set_organization_id(caller.organization_id);
        response->set_role(caller.role);
        response->set_token_id(caller.token_id);
        response->set_user_id(caller.user_id);
        response->set_email(caller.email);
        response->set_graduate_id(caller.graduate_id);
        for (const std::string& id : caller.graduate_ids) {
          response->add_graduate_ids(id);
        }
        response->set_organization_admin(caller.organization_admin);
        return absl::OkStatus();
      });
}

}  // namespace passerelle::organizations
