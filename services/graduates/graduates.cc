#include "services/graduates/graduates.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/dates.h"
#include "services/common/validation.h"
#include "services/runtime/graduate_access.h"
#include "services/runtime/import_reactor.h"
#include "services/runtime/reactor.h"
#include "storage/status_macros.h"

namespace passerelle::graduates {
namespace {

using runtime::Caller;
using runtime::GraduateAccess;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kMaxFollowers = 8;

// The owner of a record: exactly one of school_id, partner_id.
std::string OwnerKey(const v1::Graduate& g) {
  return g.school_id().empty() ? absl::StrCat("p/", g.partner_id())
                               : absl::StrCat("s/", g.school_id());
}

std::vector<storage::IndexKey> IndexKeys(const v1::Graduate& g) {
  std::vector<storage::IndexKey> keys;
  if (!g.school_id().empty()) keys.push_back({kBySchool, g.school_id(), false});
  if (!g.partner_id().empty())
    keys.push_back({kByPartner, g.partner_id(), false});
  if (!g.external_id().empty()) {
    keys.push_back(
        {kByExternalId, absl::StrCat(OwnerKey(g), "/", g.external_id()), true});
  }
  for (const v1::GraduateFollower& f : g.followers()) {
    keys.push_back({kByFollower, f.partner_id(), false});
  }
  return keys;
}

// What UpdateGraduate may change: everything but what the service keeps.
const std::vector<absl::string_view>& UpdatableGraduatePaths() {
  static const auto* paths = new std::vector<absl::string_view>(
      common::UpdatablePaths(v1::Graduate::descriptor(),
                             {"id", "school_id", "partner_id", "version",
                              "create_time", "update_time", "followers"}));
  return *paths;
}

std::vector<storage::IndexKey> RequestIndexKeys(const v1::GraduateRequest& r) {
  std::vector<storage::IndexKey> keys = {
      {kRequestsByGraduate, r.graduate_id(), false}};
  if (!r.school_id().empty()) {
    keys.push_back({kRequestsBySchool, r.school_id(), false});
  }
  if (!r.partner_id().empty()) {
    keys.push_back({kRequestsByPartner, r.partner_id(), false});
  }
  return keys;
}

constexpr size_t kMaxRequestChars = 2000;

}  // namespace

std::vector<std::string> Tables() { return {kTable, kRequestTable}; }

Graduates::Graduates(storage::Store* store,
                     const common::Referentials* referentials,
                     const runtime::Directory* directory, Clock today)
    : referentials_(referentials),
      directory_(directory),
      today_(today ? std::move(today) : Clock(&common::TodayInParis)),
      repository_(store, {kTable, "graduate", "grd", v1::ENTITY_KIND_GRADUATE,
                          &IndexKeys,
                          [](const v1::Graduate& g, v1::ChangeEvent* e) {
                            e->set_school_id(g.school_id());
                            e->set_partner_id(g.partner_id());
                          }}),
      requests_(store, {kRequestTable, "request", "req",
                        v1::ENTITY_KIND_GRADUATE_REQUEST, &RequestIndexKeys,
                        [](const v1::GraduateRequest& r, v1::ChangeEvent* e) {
                          e->set_school_id(r.school_id());
                          e->set_partner_id(r.partner_id());
                        }}) {}

absl::Status Graduates::CheckOwnerAndFields(const Caller& caller,
                                            v1::Graduate* g) const {
  switch (caller.role) {
    case v1::ROLE_SCHOOL:
      if (g->school_id().empty()) g->set_school_id(caller.organization_id);
      if (g->school_id() != caller.organization_id) {
        return runtime::Denied(
            "graduate.school_id: a school manages its own graduates only");
      }
      if (!g->partner_id().empty()) {
        return absl::InvalidArgumentError(
            "graduate.partner_id: must be empty for a school's graduate");
      }
      break;
    case v1::ROLE_PARTNER:
      if (g->partner_id().empty()) g->set_partner_id(caller.organization_id);
      if (g->partner_id() != caller.organization_id) {
        return runtime::Denied(
            "graduate.partner_id: a partner manages the young people it "
            "follows only");
      }
      if (!g->school_id().empty()) {
        return absl::InvalidArgumentError(
            "graduate.school_id: must be empty for a partner's record");
      }
      break;
    case v1::ROLE_ADMIN:
      if (g->school_id().empty() == g->partner_id().empty()) {
        return absl::InvalidArgumentError(
            "graduate.school_id: exactly one of school_id and partner_id is "
            "required");
      }
      if (!g->school_id().empty()) {
        absl::Status found = directory_->FindSchool(g->school_id()).status();
        if (absl::IsNotFound(found)) {
          return absl::InvalidArgumentError(
              absl::StrCat("graduate.school_id: no school ", g->school_id()));
        }
        RETURN_IF_ERROR(found);
      } else {
        absl::Status found = directory_->FindPartner(g->partner_id()).status();
        if (absl::IsNotFound(found)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "graduate.partner_id: no partner ", g->partner_id()));
        }
        RETURN_IF_ERROR(found);
      }
      break;
    default:
      return runtime::Denied(
          "graduates are managed by their school or partner");
  }
  return common::ValidateGraduate(g, *referentials_, today_());
}

absl::StatusOr<GraduateAccess> Graduates::CheckCanRead(
    const Caller& caller, const v1::Graduate& g) const {
  const GraduateAccess access = runtime::AccessTo(caller, g);
  if (access != GraduateAccess::kNone) return access;
  if (caller.is_graduate_side_person()) {
    return runtime::Denied("a young person's account reads their own record");
  }
  // As if unknown: another tenant's id must not tell that it exists.
  return absl::NotFoundError(absl::StrCat("graduate ", g.id(), " not found"));
}

absl::StatusOr<v1::Graduate> Graduates::GetOwned(const Caller& caller,
                                                 absl::string_view id,
                                                 absl::string_view what) const {
  if (caller.is_graduate_side_person() && !caller.ActsFor(id)) {
    return runtime::Denied("a young person's account reads their own record");
  }
  ASSIGN_OR_RETURN(v1::Graduate g, repository_.Get(id));
  ASSIGN_OR_RETURN(GraduateAccess access, CheckCanRead(caller, g));
  if (access == GraduateAccess::kFollower) {
    return runtime::Denied(
        absl::StrCat(what, " the graduate's school or partner only (graduate ",
                     id, " is followed, not owned)"));
  }
  return g;
}

absl::StatusOr<v1::Graduate> Graduates::Create(const Caller& caller,
                                               v1::Graduate graduate) {
  graduate.clear_id();
  graduate.clear_version();
  graduate.clear_create_time();
  graduate.clear_update_time();
  graduate.clear_followers();  // granted by GrantAccess only
  RETURN_IF_ERROR(CheckOwnerAndFields(caller, &graduate));
  absl::StatusOr<v1::Graduate> created =
      repository_.Create(std::move(graduate));
  if (absl::IsAlreadyExists(created.status())) {
    return absl::AlreadyExistsError(
        "graduate.external_id: already used by another graduate of this owner");
  }
  return created;
}

absl::StatusOr<v1::Graduate> Graduates::Get(const Caller& caller,
                                            absl::string_view id) const {
  // Before the lookup: whether another young person's id exists is not
  // theirs to learn.
  if (caller.is_graduate_side_person() && !caller.ActsFor(id)) {
    return runtime::Denied("a young person's account reads their own record");
  }
  ASSIGN_OR_RETURN(v1::Graduate g, repository_.Get(id));
  ASSIGN_OR_RETURN(GraduateAccess access, CheckCanRead(caller, g));
  RETURN_IF_ERROR(runtime::RecordFollowerAccess(
      audit_, caller, "/passerelle.v1.GraduateService/GetGraduate", g.id(),
      runtime::OwnerOf(g), access));
  runtime::TrimForCaller(caller, &g);
  return g;
}

absl::StatusOr<v1::Graduate> Graduates::Update(
    const Caller& caller, const v1::Graduate& update,
    const google::protobuf::FieldMask& mask) {
  if (update.id().empty())
    return absl::InvalidArgumentError("graduate.id: required");
  if (update.version() <= 0) {
    return absl::InvalidArgumentError(
        "graduate.version: required (the version you read)");
  }
  ASSIGN_OR_RETURN(v1::Graduate current,
                   GetOwned(caller, update.id(), "a record is changed by"));
  if (current.version() != update.version()) {
    return absl::AbortedError(absl::StrCat(
        "graduate ", update.id(), " is at version ", current.version(),
        ", not ", update.version(), ": read it again"));
  }
  v1::Graduate merged = current;
  RETURN_IF_ERROR(common::ApplyFieldMask(mask, update, UpdatableGraduatePaths(),
                                         "update_mask", &merged));
  RETURN_IF_ERROR(CheckOwnerAndFields(caller, &merged));
  absl::StatusOr<v1::Graduate> updated =
      repository_.Update(std::move(merged), current.version());
  if (absl::IsAlreadyExists(updated.status())) {
    return absl::AlreadyExistsError(
        "graduate.external_id: already used by another graduate of this owner");
  }
  return updated;
}

absl::Status Graduates::Delete(const Caller& caller, absl::string_view id) {
  if (caller.role == v1::ROLE_COMPANY || caller.is_graduate_side_person()) {
    return runtime::Denied(
        "a record is erased by the young person's school or partner");
  }
  ASSIGN_OR_RETURN(v1::Graduate current,
                   GetOwned(caller, id, "a record is erased by"));
  // Their requests go first: a failure leaves the record, and a later
  // delete finishes the erasure.
  while (true) {
    ASSIGN_OR_RETURN(
        auto page, requests_.List(kRequestsByGraduate, current.id(), 500, ""));
    if (page.records.empty()) break;
    for (const v1::GraduateRequest& r : page.records) {
      RETURN_IF_ERROR(requests_.Delete(r));
    }
  }
  return repository_.Delete(current);
}

absl::StatusOr<v1::ListGraduatesResponse> Graduates::List(
    const Caller& caller, const v1::ListGraduatesRequest& request) const {
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  if (!request.school_id().empty() && !request.partner_id().empty()) {
    return absl::InvalidArgumentError(
        "school_id: give at most one of school_id and partner_id");
  }
  if (request.followed()) return ListFollowed(caller, request, page_size);
  std::string index, value;
  switch (caller.role) {
    case v1::ROLE_SCHOOL:
      if (!request.partner_id().empty() ||
          (!request.school_id().empty() &&
           request.school_id() != caller.organization_id)) {
        return runtime::Denied("a school lists its own graduates only");
      }
      index = kBySchool;
      value = caller.organization_id;
      break;
    case v1::ROLE_PARTNER:
      if (!request.school_id().empty() ||
          (!request.partner_id().empty() &&
           request.partner_id() != caller.organization_id)) {
        return runtime::Denied(
            "a partner lists the young people it follows only");
      }
      index = kByPartner;
      value = caller.organization_id;
      break;
    case v1::ROLE_ADMIN:
      if (!request.school_id().empty()) {
        index = kBySchool;
        value = request.school_id();
      } else if (!request.partner_id().empty()) {
        index = kByPartner;
        value = request.partner_id();
      }
      break;
    default:
      return runtime::Denied(
          "graduates are listed by their school or partner (a company sees "
          "candidates through matching; a young person reads their own "
          "record)");
  }
  if (!v1::GraduateStatus_IsValid(request.status())) {
    return absl::InvalidArgumentError("status: unknown value");
  }
  ASSIGN_OR_RETURN(auto page, repository_.List(index, value, page_size,
                                               request.page_token()));
  v1::ListGraduatesResponse response;
  for (auto& g : page.records) {
    if (request.status() != v1::GRADUATE_STATUS_UNSPECIFIED &&
        g.status() != request.status()) {
      continue;
    }
    *response.add_graduates() = std::move(g);
  }
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<v1::ListGraduatesResponse> Graduates::ListFollowed(
    const Caller& caller, const v1::ListGraduatesRequest& request,
    int page_size) const {
  std::string partner;
  if (caller.is_admin()) {
    if (request.partner_id().empty()) {
      return absl::InvalidArgumentError(
          "partner_id: required with followed (whose followed young people)");
    }
    partner = request.partner_id();
  } else if (caller.role == v1::ROLE_PARTNER) {
    if (!request.school_id().empty() ||
        (!request.partner_id().empty() &&
         request.partner_id() != caller.organization_id)) {
      return runtime::Denied(
          "a partner lists the young people it follows only");
    }
    partner = caller.organization_id;
  } else {
    return runtime::Denied(
        "followed: only a partner follows young people beside their owner");
  }
  if (!v1::GraduateStatus_IsValid(request.status())) {
    return absl::InvalidArgumentError("status: unknown value");
  }
  ASSIGN_OR_RETURN(auto page, repository_.List(kByFollower, partner, page_size,
                                               request.page_token()));
  v1::ListGraduatesResponse response;
  for (v1::Graduate& g : page.records) {
    if (request.status() != v1::GRADUATE_STATUS_UNSPECIFIED &&
        g.status() != request.status()) {
      continue;
    }
    RETURN_IF_ERROR(runtime::RecordFollowerAccess(
        audit_, caller, "/passerelle.v1.GraduateService/ListGraduates", g.id(),
        runtime::OwnerOf(g), runtime::AccessTo(caller, g)));
    runtime::TrimForCaller(caller, &g);
    *response.add_graduates() = std::move(g);
  }
  response.set_next_page_token(page.next_page_token);
  return response;
}

// --- Access granted to partners ---------------------------------------------

absl::StatusOr<v1::Graduate> Graduates::ChangeAccess(const Caller& caller,
                                                     absl::string_view id,
                                                     absl::string_view partner,
                                                     bool grant) {
  if (id.empty()) return absl::InvalidArgumentError("graduate_id: required");
  if (partner.empty())
    return absl::InvalidArgumentError("partner_id: required");
  if (caller.role == v1::ROLE_COMPANY || caller.is_graduate_side_person()) {
    return runtime::Denied(
        "access to a young person is granted by their school or partner");
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    ASSIGN_OR_RETURN(v1::Graduate current, repository_.Get(id));
    ASSIGN_OR_RETURN(GraduateAccess access, CheckCanRead(caller, current));
    // A follower may end its own access, nothing more.
    const bool own_revocation = !grant && access == GraduateAccess::kFollower &&
                                partner == caller.organization_id;
    if (access != GraduateAccess::kOwner && !own_revocation) {
      return runtime::Denied(absl::StrCat("access to graduate ", id, " is ",
                                          grant ? "granted" : "revoked",
                                          " by their school or partner"));
    }
    auto* followers = current.mutable_followers();
    auto it = std::find_if(followers->begin(), followers->end(),
                           [&](const v1::GraduateFollower& f) {
                             return f.partner_id() == partner;
                           });
    if (grant) {
      if (partner == current.partner_id()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "partner_id: ", partner, " owns graduate ", id, " already"));
      }
      if (it != followers->end()) {  // granted already: nothing changes
        runtime::TrimForCaller(caller, &current);
        return current;
      }
      if (followers->size() >= kMaxFollowers) {
        return absl::FailedPreconditionError(
            absl::StrCat("partner_id: graduate ", id, " is followed by ",
                         kMaxFollowers, " partners already; revoke one first"));
      }
      absl::Status found = directory_->FindPartner(partner).status();
      if (absl::IsNotFound(found)) {
        return absl::InvalidArgumentError(
            absl::StrCat("partner_id: no partner ", partner));
      }
      RETURN_IF_ERROR(found);
      v1::GraduateFollower* f = followers->Add();
      f->set_partner_id(std::string(partner));
      runtime::SetTimestamp(absl::Now(), f->mutable_grant_time());
      f->set_granted_by(caller.user_id.empty() ? caller.token_id
                                               : caller.user_id);
    } else {
      if (it == followers->end()) {
        return absl::NotFoundError(absl::StrCat(
            "partner_id: ", partner, " does not follow graduate ", id));
      }
      followers->erase(it);
    }
    const int64_t read_version = current.version();
    repository_.PrepareUpdate(&current, read_version, absl::Now());
    std::vector<storage::Mutation> mutations = {repository_.PutMutation(
        current, storage::Mutation::Expect::kVersion, read_version)};
    if (audit_ != nullptr) {
      // In the same commit: no access without its entry.
      v1::AuditEvent event;
      event.set_kind(v1::AUDIT_KIND_SHARING);
      runtime::SetActor(caller, &event);
      event.set_concerned_organization_id(
          own_revocation ? runtime::OwnerOf(current) : std::string(partner));
      event.set_method(
          grant ? "/passerelle.v1.GraduateService/GrantGraduateAccess"
                : "/passerelle.v1.GraduateService/RevokeGraduateAccess");
      event.set_resource_id(current.id());
      event.set_outcome("OK");
      event.set_message(
          absl::StrCat(grant ? "granted to " : "revoked from ", partner));
      event.set_client_address(caller.client_address);
      // The owner and the partner both see it, also when the federation
      // gave or took the access.
      mutations.push_back(runtime::AuditLog::PutMutation(
          std::move(event), {runtime::OwnerOf(current)}));
    }
    absl::Status committed =
        repository_.Commit(std::move(mutations),
                           {repository_.Event(current, v1::CHANGE_OP_UPDATED)});
    if (absl::IsAborted(committed)) continue;  // changed meanwhile: again
    RETURN_IF_ERROR(committed);
    if (own_revocation) {
      current.clear_followers();
    } else {
      runtime::TrimForCaller(caller, &current);
    }
    return current;
  }
  return absl::AbortedError(
      absl::StrCat("graduate ", id, ": concurrent updates; try again"));
}

absl::StatusOr<v1::Graduate> Graduates::GrantAccess(
    const Caller& caller, const v1::GrantGraduateAccessRequest& request) {
  return ChangeAccess(caller, request.graduate_id(), request.partner_id(),
                      /*grant=*/true);
}

absl::StatusOr<v1::Graduate> Graduates::RevokeAccess(
    const Caller& caller, const v1::RevokeGraduateAccessRequest& request) {
  return ChangeAccess(caller, request.graduate_id(), request.partner_id(),
                      /*grant=*/false);
}

std::unique_ptr<runtime::BatchUpserter<v1::Graduate>> Graduates::NewImport(
    const Caller& caller) {
  runtime::BatchUpserter<v1::Graduate>::Hooks hooks;
  hooks.validate = [this, caller](v1::Graduate* g) {
    g->clear_id();
    g->clear_version();
    g->clear_create_time();
    g->clear_update_time();
    g->clear_followers();
    return CheckOwnerAndFields(caller, g);
  };
  hooks.external_key = [](const v1::Graduate& g) {
    return storage::IndexKey{
        kByExternalId, absl::StrCat(OwnerKey(g), "/", g.external_id()), true};
  };
  hooks.keep = [](const v1::Graduate& existing, v1::Graduate* incoming) {
    // A placement is recorded by the proposal service, not by a re-import.
    if (existing.status() == v1::GRADUATE_STATUS_PLACED) {
      incoming->set_status(existing.status());
    }
    // Access granted to partners stays until revoked.
    *incoming->mutable_followers() = existing.followers();
  };
  return std::make_unique<runtime::BatchUpserter<v1::Graduate>>(
      &repository_, std::move(hooks));
}

// --- gRPC ------------------------------------------------------------------

grpc::ServerUnaryReactor* GraduateServiceImpl::CreateGraduate(
    grpc::CallbackServerContext* context,
    const v1::CreateGraduateRequest* request, v1::Graduate* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response,
                         graduates_->Create(caller, request->graduate()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* GraduateServiceImpl::GetGraduate(
    grpc::CallbackServerContext* context, const v1::GetGraduateRequest* request,
    v1::Graduate* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, graduates_->Get(caller, request->id()));
        return absl::OkStatus();
      });
}

// --- Requests ----------------------------------------------------------------

absl::StatusOr<v1::GraduateRequest> Graduates::CreateRequest(
    const Caller& caller, v1::GraduateRequest request) {
  if (!caller.is_graduate_side_person()) {
    return runtime::Denied(
        "requests are made by the young person or their legal "
        "representative, from their space");
  }
  ASSIGN_OR_RETURN(std::string own_id,
                   runtime::OwnGraduate(
                       caller, request.graduate_id(),
                       "a young person's account asks for themselves only"));
  request.set_graduate_id(std::move(own_id));
  ASSIGN_OR_RETURN(v1::Graduate g, repository_.Get(request.graduate_id()));
  std::string message = request.message();
  RETURN_IF_ERROR(common::NormalizeText("request.message", &message, 0,
                                        kMaxRequestChars,
                                        /*allow_line_breaks=*/true));
  v1::GraduateRequest out;
  out.set_graduate_id(g.id());
  out.set_school_id(g.school_id());
  out.set_partner_id(g.partner_id());
  out.set_kind(request.kind());
  out.set_message(message);
  out.set_state(v1::GRADUATE_REQUEST_STATE_OPEN);
  out.set_asked_by(caller.role);
  switch (request.kind()) {
    case v1::GRADUATE_REQUEST_KIND_PUT_FORWARD: {
      if (request.offer_id().empty()) {
        return absl::InvalidArgumentError(
            "request.offer_id: required to be put forward");
      }
      if (!offer_lookup_) {
        return absl::FailedPreconditionError(
            "request.offer_id: offers are not readable here (the embedded "
            "server serves these requests)");
      }
      absl::StatusOr<v1::Offer> offer = offer_lookup_(request.offer_id());
      if (absl::IsNotFound(offer.status())) {
        return absl::InvalidArgumentError(
            absl::StrCat("request.offer_id: no offer ", request.offer_id()));
      }
      RETURN_IF_ERROR(offer.status());
      out.set_offer_id(offer->id());
      out.set_offer_title(offer->title());
      break;
    }
    case v1::GRADUATE_REQUEST_KIND_CORRECTION:
      if (message.empty()) {
        return absl::InvalidArgumentError(
            "request.message: required: say what to correct");
      }
      if (!request.offer_id().empty()) {
        return absl::InvalidArgumentError(
            "request.offer_id: only to be put forward");
      }
      break;
    default:
      return absl::InvalidArgumentError(
          "request.kind: GRADUATE_REQUEST_KIND_PUT_FORWARD or "
          "GRADUATE_REQUEST_KIND_CORRECTION");
  }
  return requests_.Create(std::move(out));
}

absl::StatusOr<v1::ListGraduateRequestsResponse> Graduates::ListRequests(
    const Caller& caller,
    const v1::ListGraduateRequestsRequest& request) const {
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  if (!v1::GraduateRequestState_IsValid(request.state())) {
    return absl::InvalidArgumentError("state: unknown value");
  }
  std::string index, value;
  if (caller.is_graduate_side_person()) {
    index = kRequestsByGraduate;
    ASSIGN_OR_RETURN(
        value, runtime::OwnGraduate(
                   caller, request.graduate_id(),
                   "a young person's account lists their own requests only"));
  } else if (!request.graduate_id().empty()) {
    ASSIGN_OR_RETURN(v1::Graduate g,
                     GetOwned(caller, request.graduate_id(),
                              "a young person's requests are read by"));
    index = kRequestsByGraduate;
    value = g.id();
  } else if (caller.role == v1::ROLE_SCHOOL) {
    index = kRequestsBySchool;
    value = caller.organization_id;
  } else if (caller.role == v1::ROLE_PARTNER) {
    index = kRequestsByPartner;
    value = caller.organization_id;
  } else if (!caller.is_admin()) {
    return runtime::Denied(
        "requests are read by the young person and their school or partner");
  }
  ASSIGN_OR_RETURN(
      auto page, requests_.List(index, value, page_size, request.page_token()));
  v1::ListGraduateRequestsResponse response;
  for (v1::GraduateRequest& r : page.records) {
    if (request.state() != v1::GRADUATE_REQUEST_STATE_UNSPECIFIED &&
        r.state() != request.state()) {
      continue;
    }
    *response.add_requests() = std::move(r);
  }
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<v1::GraduateRequest> Graduates::CloseRequest(
    const Caller& caller, const v1::CloseGraduateRequestRequest& request) {
  if (request.id().empty()) return absl::InvalidArgumentError("id: required");
  if (caller.is_graduate_side_person() || caller.role == v1::ROLE_COMPANY) {
    return runtime::Denied("a request is answered by the school or partner");
  }
  if (request.state() != v1::GRADUATE_REQUEST_STATE_DONE &&
      request.state() != v1::GRADUATE_REQUEST_STATE_DECLINED) {
    return absl::InvalidArgumentError(
        "state: GRADUATE_REQUEST_STATE_DONE or "
        "GRADUATE_REQUEST_STATE_DECLINED");
  }
  std::string answer = request.answer();
  RETURN_IF_ERROR(common::NormalizeText("answer", &answer, 0, kMaxRequestChars,
                                        /*allow_line_breaks=*/true));
  if (request.state() == v1::GRADUATE_REQUEST_STATE_DECLINED &&
      answer.empty()) {
    return absl::InvalidArgumentError("answer: required: say why");
  }
  absl::StatusOr<v1::GraduateRequest> current = requests_.Get(request.id());
  const bool owner =
      current.ok() && (caller.is_admin() ||
                       (!current->school_id().empty() &&
                        caller.Owns(v1::ROLE_SCHOOL, current->school_id())) ||
                       (!current->partner_id().empty() &&
                        caller.Owns(v1::ROLE_PARTNER, current->partner_id())));
  if (absl::IsNotFound(current.status()) || (current.ok() && !owner)) {
    return absl::NotFoundError(
        absl::StrCat("request ", request.id(), " not found"));
  }
  RETURN_IF_ERROR(current.status());
  if (current->state() != v1::GRADUATE_REQUEST_STATE_OPEN) {
    return absl::FailedPreconditionError(
        absl::StrCat("request ", request.id(), " is already closed"));
  }
  v1::GraduateRequest closed = *current;
  closed.set_state(request.state());
  closed.set_answer(answer);
  runtime::SetTimestamp(absl::Now(), closed.mutable_close_time());
  return requests_.Update(std::move(closed), current->version());
}

grpc::ServerUnaryReactor* GraduateServiceImpl::SubmitGraduateRequest(
    grpc::CallbackServerContext* context,
    const v1::SubmitGraduateRequestRequest* request,
    v1::GraduateRequest* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response,
                         graduates_->CreateRequest(caller, request->request()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* GraduateServiceImpl::ListGraduateRequests(
    grpc::CallbackServerContext* context,
    const v1::ListGraduateRequestsRequest* request,
    v1::ListGraduateRequestsResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, graduates_->ListRequests(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* GraduateServiceImpl::CloseGraduateRequest(
    grpc::CallbackServerContext* context,
    const v1::CloseGraduateRequestRequest* request,
    v1::GraduateRequest* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, graduates_->CloseRequest(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* GraduateServiceImpl::GrantGraduateAccess(
    grpc::CallbackServerContext* context,
    const v1::GrantGraduateAccessRequest* request, v1::Graduate* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, graduates_->GrantAccess(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* GraduateServiceImpl::RevokeGraduateAccess(
    grpc::CallbackServerContext* context,
    const v1::RevokeGraduateAccessRequest* request, v1::Graduate* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, graduates_->RevokeAccess(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* GraduateServiceImpl::ExportGraduateData(
    grpc::CallbackServerContext* context,
    const v1::ExportGraduateDataRequest* request,
    v1::ExportGraduateDataResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        if (request->graduate_id().empty()) {
          return absl::InvalidArgumentError("graduate_id: required");
        }
        if (!exporter_) {
          return absl::UnimplementedError(
              "ExportGraduateData: served by the embedded server, where "
              "graduates and proposals are stored together");
        }
        ASSIGN_OR_RETURN(*response->mutable_json(),
                         exporter_(caller, request->graduate_id()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* GraduateServiceImpl::UpdateGraduate(
    grpc::CallbackServerContext* context,
    const v1::UpdateGraduateRequest* request, v1::Graduate* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response,
                         graduates_->Update(caller, request->graduate(),
                                            request->update_mask()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* GraduateServiceImpl::DeleteGraduate(
    grpc::CallbackServerContext* context,
    const v1::DeleteGraduateRequest* request, v1::DeleteGraduateResponse*) {
  return runtime::ServeUnary(context, *authenticator_,
                             [&](const Caller& caller) {
                               return graduates_->Delete(caller, request->id());
                             });
}

grpc::ServerUnaryReactor* GraduateServiceImpl::ListGraduates(
    grpc::CallbackServerContext* context,
    const v1::ListGraduatesRequest* request,
    v1::ListGraduatesResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, graduates_->List(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerReadReactor<grpc::ByteBuffer>* GraduateServiceImpl::ImportGraduates(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  absl::StatusOr<Caller> caller =
      runtime::AuthenticateCall(*authenticator_, *context);
  absl::StatusOr<std::unique_ptr<runtime::BatchUpserter<v1::Graduate>>>
      upserter =
          caller.ok()
              ? absl::StatusOr<
                    std::unique_ptr<runtime::BatchUpserter<v1::Graduate>>>(
                    graduates_->NewImport(*caller))
              : caller.status();
  return new runtime::ImportReactor<v1::ImportGraduatesRequest, v1::Graduate>(
      context, std::move(upserter), response, pool_,
      [](v1::ImportGraduatesRequest* r) { return r->mutable_graduate(); },
      import_calls_,
      import_listener_ && caller.ok()
          ? [listener = import_listener_, who = *caller](
                const v1::ImportResponse& outcome,
                const grpc::Status& status) { listener(who, outcome, status); }
          : runtime::ImportReactor<v1::ImportGraduatesRequest,
                                   v1::Graduate>::OnFinished());
}

}  // namespace passerelle::graduates
