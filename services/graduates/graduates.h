#pragma once

// Graduates: the young people in the matching pool. A school owns its
// graduates, a partner (Mission locale) the young people it follows; an admin
// acts for either. Companies never read these records (they see
// pseudonymous candidates through matching).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "passerelle/v1/graduate.grpc.pb.h"
#include "passerelle/v1/offer.pb.h"
#include "services/common/referentials.h"
#include "services/runtime/audit.h"
#include "services/runtime/auth.h"
#include "services/runtime/directory.h"
#include "services/runtime/graduate_access.h"
#include "services/runtime/import_reactor.h"
#include "services/runtime/repository.h"
#include "services/runtime/thread_pool.h"
#include "services/runtime/upserter.h"
#include "storage/store.h"

namespace passerelle::graduates {

inline constexpr char kTable[] = "graduates";
inline constexpr char kBySchool[] = "graduates_by_school";
inline constexpr char kByPartner[] = "graduates_by_partner";
inline constexpr char kByExternalId[] = "graduate_by_external_id";
// The partners following a graduate beside its owner (Graduate.followers).
inline constexpr char kByFollower[] = "graduates_by_follower";
inline constexpr char kRequestTable[] = "graduate_requests";
inline constexpr char kRequestsByGraduate[] = "graduate_requests_by_graduate";
inline constexpr char kRequestsBySchool[] = "graduate_requests_by_school";
inline constexpr char kRequestsByPartner[] = "graduate_requests_by_partner";

// The tables this component owns in a Store.
std::vector<std::string> Tables();

class Graduates {
 public:
  using Clock = std::function<absl::CivilDay()>;

  // All pointers must outlive this. `today` defaults to today in Paris.
  Graduates(storage::Store* store, const common::Referentials* referentials,
            const runtime::Directory* directory, Clock today = nullptr);

  // Errors: INVALID_ARGUMENT naming the field, PERMISSION_DENIED for a
  // record the caller may not create, ALREADY_EXISTS for a taken
  // external_id. Get, Update and Delete answer a record the caller does not
  // own NOT_FOUND, as an unknown id: ids of another tenant tell nothing.
  absl::StatusOr<v1::Graduate> Create(const runtime::Caller& caller,
                                      v1::Graduate graduate);
  absl::StatusOr<v1::Graduate> Get(const runtime::Caller& caller,
                                   absl::string_view id) const;
  // `graduate` carries the id and the expected version (ABORTED if stale);
  // only the mask's paths change.
  absl::StatusOr<v1::Graduate> Update(const runtime::Caller& caller,
                                      const v1::Graduate& graduate,
                                      const google::protobuf::FieldMask& mask);
  // Erases the record and its index entries; the change log keeps the id.
  absl::Status Delete(const runtime::Caller& caller, absl::string_view id);
  absl::StatusOr<v1::ListGraduatesResponse> List(
      const runtime::Caller& caller,
      const v1::ListGraduatesRequest& request) const;

  // Access to a graduate for a partner beside its owner (see
  // runtime/graduate_access.h): granted by the owner or the admin, revoked by
  // them or by the partner itself; each in one commit with its
  // AUDIT_KIND_SHARING entry (when the log is set).
  absl::StatusOr<v1::Graduate> GrantAccess(
      const runtime::Caller& caller,
      const v1::GrantGraduateAccessRequest& request);
  absl::StatusOr<v1::Graduate> RevokeAccess(
      const runtime::Caller& caller,
      const v1::RevokeGraduateAccessRequest& request);

  // The audit log a follower's reads and the grants are recorded in: it
  // must use this component's store. Unset, nothing is recorded.
  void set_audit(runtime::AuditLog* audit) { audit_ = audit; }

  // An import on behalf of `caller` (upsert by external_id).
  std::unique_ptr<runtime::BatchUpserter<v1::Graduate>> NewImport(
      const runtime::Caller& caller);

  runtime::Repository<v1::Graduate>& repository() { return repository_; }

  // Requests from the young person's space to their school or partner.
  // Created by the young person or their representative (for themselves
  // only); listed by them and by the school or partner; closed by the
  // school or partner. A PUT_FORWARD request names an offer that exists
  // (`set_offer_lookup`; unset: FAILED_PRECONDITION).
  absl::StatusOr<v1::GraduateRequest> CreateRequest(
      const runtime::Caller& caller, v1::GraduateRequest request);
  absl::StatusOr<v1::ListGraduateRequestsResponse> ListRequests(
      const runtime::Caller& caller,
      const v1::ListGraduateRequestsRequest& request) const;
  absl::StatusOr<v1::GraduateRequest> CloseRequest(
      const runtime::Caller& caller,
      const v1::CloseGraduateRequestRequest& request);
  using OfferLookup =
      std::function<absl::StatusOr<v1::Offer>(absl::string_view)>;
  void set_offer_lookup(OfferLookup lookup) {
    offer_lookup_ = std::move(lookup);
  }
  runtime::Repository<v1::GraduateRequest>& requests() { return requests_; }

 private:
  // Checks the owner fields against the caller (filling them for a school
  // or partner) and every other field.
  absl::Status CheckOwnerAndFields(const runtime::Caller& caller,
                                   v1::Graduate* graduate) const;
  // How the caller may read the record: NOT_FOUND as if unknown, or
  // PERMISSION_DENIED for another young person's account.
  absl::StatusOr<runtime::GraduateAccess> CheckCanRead(
      const runtime::Caller& caller, const v1::Graduate& graduate) const;
  // The record, for what its owner (or the young person) only may do:
  // PERMISSION_DENIED, saying "`what` the graduate's school or partner
  // only", to a follower.
  absl::StatusOr<v1::Graduate> GetOwned(const runtime::Caller& caller,
                                        absl::string_view id,
                                        absl::string_view what) const;
  absl::StatusOr<v1::ListGraduatesResponse> ListFollowed(
      const runtime::Caller& caller, const v1::ListGraduatesRequest& request,
      int page_size) const;
  absl::StatusOr<v1::Graduate> ChangeAccess(const runtime::Caller& caller,
                                            absl::string_view id,
                                            absl::string_view partner,
                                            bool grant);

  const common::Referentials* referentials_;
  const runtime::Directory* directory_;
  Clock today_;
  runtime::Repository<v1::Graduate> repository_;
  runtime::Repository<v1::GraduateRequest> requests_;
  OfferLookup offer_lookup_;
  runtime::AuditLog* audit_ = nullptr;
};

// ImportGraduates is registered raw: its reactor parses each record itself
// (runtime/import_reactor.h).
class GraduateServiceImpl final
    : public v1::GraduateService::WithRawCallbackMethod_ImportGraduates<
          v1::GraduateService::CallbackService> {
 public:
  // Told of each import call's end (the embedded server announces it:
  // integration events), with the caller and the counts.
  using ImportListener = std::function<void(
      const runtime::Caller&, const v1::ImportResponse&, const grpc::Status&)>;
  void set_import_listener(ImportListener listener) {
    import_listener_ = std::move(listener);
  }

  GraduateServiceImpl(Graduates* graduates,
                      const runtime::Authenticator* authenticator,
                      runtime::ThreadPool* pool,
                      runtime::ImportCalls* import_calls = nullptr)
      : graduates_(graduates),
        authenticator_(authenticator),
        pool_(pool),
        import_calls_(import_calls) {}

  grpc::ServerUnaryReactor* CreateGraduate(
      grpc::CallbackServerContext* context,
      const v1::CreateGraduateRequest* request,
      v1::Graduate* response) override;
  grpc::ServerUnaryReactor* GetGraduate(grpc::CallbackServerContext* context,
                                        const v1::GetGraduateRequest* request,
                                        v1::Graduate* response) override;
  grpc::ServerUnaryReactor* UpdateGraduate(
      grpc::CallbackServerContext* context,
      const v1::UpdateGraduateRequest* request,
      v1::Graduate* response) override;
  grpc::ServerUnaryReactor* DeleteGraduate(
      grpc::CallbackServerContext* context,
      const v1::DeleteGraduateRequest* request,
      v1::DeleteGraduateResponse* response) override;
  grpc::ServerUnaryReactor* ListGraduates(
      grpc::CallbackServerContext* context,
      const v1::ListGraduatesRequest* request,
      v1::ListGraduatesResponse* response) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportGraduates(
      grpc::CallbackServerContext* context,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SubmitGraduateRequest(
      grpc::CallbackServerContext* context,
      const v1::SubmitGraduateRequestRequest* request,
      v1::GraduateRequest* response) override;
  grpc::ServerUnaryReactor* ListGraduateRequests(
      grpc::CallbackServerContext* context,
      const v1::ListGraduateRequestsRequest* request,
      v1::ListGraduateRequestsResponse* response) override;
  grpc::ServerUnaryReactor* CloseGraduateRequest(
      grpc::CallbackServerContext* context,
      const v1::CloseGraduateRequestRequest* request,
      v1::GraduateRequest* response) override;
  grpc::ServerUnaryReactor* GrantGraduateAccess(
      grpc::CallbackServerContext* context,
      const v1::GrantGraduateAccessRequest* request,
      v1::Graduate* response) override;
  grpc::ServerUnaryReactor* RevokeGraduateAccess(
      grpc::CallbackServerContext* context,
      const v1::RevokeGraduateAccessRequest* request,
      v1::Graduate* response) override;
  grpc::ServerUnaryReactor* ExportGraduateData(
      grpc::CallbackServerContext* context,
      const v1::ExportGraduateDataRequest* request,
      v1::ExportGraduateDataResponse* response) override;

  // Writes the export document (it reads proposals, which this component
  // does not own): the embedded server sets it; unset, the RPC answers
  // UNIMPLEMENTED.
  using Exporter = std::function<absl::StatusOr<std::string>(
      const runtime::Caller&, absl::string_view graduate_id)>;
  void set_exporter(Exporter exporter) { exporter_ = std::move(exporter); }

 private:
  Exporter exporter_;
  Graduates* graduates_;
  const runtime::Authenticator* authenticator_;
  runtime::ThreadPool* pool_;
  runtime::ImportCalls* import_calls_;  // may be null
  ImportListener import_listener_;
};

}  // namespace passerelle::graduates
