#pragma once

// Offers: what companies post (CDI, apprenticeship, professionalisation,
// CDD). A company writes and reads its own offers only; schools, partners and
// the federation read every offer.
//
// Positions and status, on every write (Create, Update, an ImportOffers
// upsert): positions_filled belongs to the proposal service (an incoming
// value is ignored) and positions may not go below it
// ("offer.positions: must be at least the 2 positions already filled");
// CLOSED is the company's choice and stays; otherwise the status is FILLED
// exactly when no position is left. A status the write changes (Create:
// any status given; Update: one differing from the stored; import: a row's
// status differing from the stored) must agree with the positions, else
// INVALID_ARGUMENT naming offer.status; a status left as it was follows the
// positions, so raising the positions of a FILLED offer reopens it.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "passerelle/v1/offer.grpc.pb.h"
#include "services/common/referentials.h"
#include "services/runtime/auth.h"
#include "services/runtime/directory.h"
#include "services/runtime/import_reactor.h"
#include "services/runtime/repository.h"
#include "services/runtime/thread_pool.h"
#include "services/runtime/upserter.h"
#include "storage/store.h"

namespace passerelle::offers {

inline constexpr char kTable[] = "offers";
inline constexpr char kByCompany[] = "offers_by_company";
inline constexpr char kByExternalId[] = "offer_by_external_id";
inline constexpr char kByRome[] = "offers_by_rome";
inline constexpr char kByCell[] = "offers_by_cell";
// Value "<contract type>/<status>" (their enum numbers): a search by
// contract type alone reads only the offers of the page it returns.
inline constexpr char kByContract[] = "offers_by_contract";
// The offers' bookkeeping: which secondary indexes a store has filled.
inline constexpr char kMetaTable[] = "offers_meta";

// The S2 level of the cells that locate offers (~19 km wide).
inline constexpr int kCellLevel = 9;

std::vector<std::string> Tables();

class Offers {
 public:
  using Clock = std::function<absl::CivilDay()>;

  Offers(storage::Store* store, const common::Referentials* referentials,
         const runtime::Directory* directory, Clock today = nullptr);

  absl::StatusOr<v1::Offer> Create(const runtime::Caller& caller,
                                   v1::Offer offer);
  // Another company's offer answers NOT_FOUND to a company (here and in
  // Update, Close), as an unknown id: ids of another tenant tell nothing.
  absl::StatusOr<v1::Offer> Get(const runtime::Caller& caller,
                                absl::string_view id) const;
  absl::StatusOr<v1::Offer> Update(const runtime::Caller& caller,
                                   const v1::Offer& offer,
                                   const google::protobuf::FieldMask& mask);
  // Idempotent: closing a closed offer returns it unchanged.
  absl::StatusOr<v1::Offer> Close(const runtime::Caller& caller,
                                  absl::string_view id);
  absl::StatusOr<v1::ListOffersResponse> List(
      const runtime::Caller& caller,
      const v1::ListOffersRequest& request) const;
  // Fills the secondary indexes that this version keeps and the store was
  // written without (kByContract, for stores written before it), once: a
  // marker in kMetaTable records it. Rewrites the offers' index entries in
  // batches, the records unchanged and no change-log entry. Call before
  // serving (no concurrent writes); idempotent. Returns how many offers it
  // rewrote (0 once filled).
  absl::StatusOr<int64_t> FillIndexes();

  // Open offers (unless include_closed) matching any of the ROME codes and
  // contract types, within radius_km of the centre; nearest first when a
  // centre is given, else by id.
  // Without a centre, ROME codes or company (the caller is a company: its
  // own offers), the search walks kByContract in id order from the page
  // token: a page reads at most (page_size + 1) records per (contract
  // type, status) searched, however many offers there are, and pages run
  // through every match. Otherwise at most kMaxSearchResults in all.
  struct SearchStats {
    int64_t records_read = 0;  // offers read from the store
  };
  absl::StatusOr<v1::SearchOffersResponse> Search(
      const runtime::Caller& caller, const v1::SearchOffersRequest& request,
      SearchStats* stats = nullptr) const;
  static constexpr int kMaxSearchResults = 5000;

  // Tests: called at the start of every Search, on its thread (to hold
  // searches where they run). Set before serving.
  void set_search_hook_for_testing(std::function<void()> hook) {
    search_hook_ = std::move(hook);
  }

  // ImportPartnerOffers: a partner-format file (offers/formats/) mapped
  // and upserted like an import; unmappable records in the errors.
  absl::StatusOr<v1::ImportResponse> ImportPartner(
      const runtime::Caller& caller,
      const v1::ImportPartnerOffersRequest& request);

  std::unique_ptr<runtime::BatchUpserter<v1::Offer>> NewImport(
      const runtime::Caller& caller);

  runtime::Repository<v1::Offer>& repository() { return repository_; }

 private:
  absl::Status CheckOwnerAndFields(const runtime::Caller& caller,
                                   v1::Offer* offer, bool is_update) const;
  absl::Status CheckCanRead(const runtime::Caller& caller,
                            const v1::Offer& offer) const;

  const common::Referentials* referentials_;
  const runtime::Directory* directory_;
  Clock today_;
  runtime::Repository<v1::Offer> repository_;
  std::function<void()> search_hook_;
};

// ImportOffers is registered raw: its reactor parses each record itself
// (runtime/import_reactor.h).
class OfferServiceImpl final
    : public v1::OfferService::WithRawCallbackMethod_ImportOffers<
          v1::OfferService::CallbackService> {
 public:
  // Told of each import call's end (the embedded server announces it:
  // integration events), with the caller and the counts.
  using ImportListener = std::function<void(
      const runtime::Caller&, const v1::ImportResponse&, const grpc::Status&)>;
  void set_import_listener(ImportListener listener) {
    import_listener_ = std::move(listener);
  }

  OfferServiceImpl(Offers* offers, const runtime::Authenticator* authenticator,
                   runtime::ThreadPool* pool,
                   runtime::ImportCalls* import_calls = nullptr)
      : offers_(offers),
        authenticator_(authenticator),
        pool_(pool),
        import_calls_(import_calls) {}

  grpc::ServerUnaryReactor* CreateOffer(grpc::CallbackServerContext* context,
                                        const v1::CreateOfferRequest* request,
                                        v1::Offer* response) override;
  grpc::ServerUnaryReactor* GetOffer(grpc::CallbackServerContext* context,
                                     const v1::GetOfferRequest* request,
                                     v1::Offer* response) override;
  grpc::ServerUnaryReactor* UpdateOffer(grpc::CallbackServerContext* context,
                                        const v1::UpdateOfferRequest* request,
                                        v1::Offer* response) override;
  grpc::ServerUnaryReactor* CloseOffer(grpc::CallbackServerContext* context,
                                       const v1::CloseOfferRequest* request,
                                       v1::Offer* response) override;
  grpc::ServerUnaryReactor* ListOffers(
      grpc::CallbackServerContext* context,
      const v1::ListOffersRequest* request,
      v1::ListOffersResponse* response) override;
  grpc::ServerUnaryReactor* SearchOffers(
      grpc::CallbackServerContext* context,
      const v1::SearchOffersRequest* request,
      v1::SearchOffersResponse* response) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportOffers(
      grpc::CallbackServerContext* context,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ImportPartnerOffers(
      grpc::CallbackServerContext* context,
      const v1::ImportPartnerOffersRequest* request,
      v1::ImportResponse* response) override;

 private:
  Offers* offers_;
  const runtime::Authenticator* authenticator_;
  runtime::ThreadPool* pool_;
  runtime::ImportCalls* import_calls_;  // may be null
  ImportListener import_listener_;
};

}  // namespace passerelle::offers
