#pragma once

// The matcher's in-memory index: the engine, built from a consistent
// snapshot of the graduates and offers, then kept current by following the
// change feed from the snapshot's sequence on, so a write is rankable within
// milliseconds and a restarted matcher loses no event.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "passerelle/v1/changefeed.pb.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/matching.pb.h"
#include "passerelle/v1/offer.pb.h"
#include "services/common/referentials.h"
#include "services/matching/engine/engine.h"
#include "services/runtime/recent.h"
#include "storage/store.h"

namespace passerelle::matching {

// Where the matcher reads records and changes: the shared store in one
// process; the graduate and offer services (List + Watch) across processes.
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Calls the functions for every graduate and offer of one consistent
  // snapshot, one call at a time; returns the change-log sequence the
  // snapshot reflects. A record is valid during its call only (sources
  // reuse one message: a million records without a million allocations).
  virtual absl::StatusOr<uint64_t> Snapshot(
      const std::function<void(const v1::Graduate&)>& on_graduate,
      const std::function<void(const v1::Offer&)>& on_offer) = 0;
  // Graduate and offer events after `since`, in order; waits until
  // `deadline` when there are none yet (then returns none).
  virtual absl::StatusOr<std::vector<v1::ChangeEvent>> Changes(
      uint64_t since, absl::Time deadline) = 0;
  // The change log's last sequence.
  virtual uint64_t LastSequence() = 0;
  // NOT_FOUND when absent (deleted).
  virtual absl::StatusOr<v1::Graduate> GetGraduate(absl::string_view id) = 0;
  virtual absl::StatusOr<v1::Offer> GetOffer(absl::string_view id) = 0;
  // The record of a create or update event: at the event's version when
  // the source still has it at hand, else as GetGraduate / GetOffer (which
  // may be newer: its own event follows).
  virtual absl::StatusOr<std::shared_ptr<const v1::Graduate>> ChangedGraduate(
      const v1::ChangeEvent& event) {
    absl::StatusOr<v1::Graduate> graduate = GetGraduate(event.id());
    if (!graduate.ok()) return graduate.status();
    return std::make_shared<const v1::Graduate>(*std::move(graduate));
  }
  virtual absl::StatusOr<std::shared_ptr<const v1::Offer>> ChangedOffer(
      const v1::ChangeEvent& event) {
    absl::StatusOr<v1::Offer> offer = GetOffer(event.id());
    if (!offer.ok()) return offer.status();
    return std::make_shared<const v1::Offer>(*std::move(offer));
  }
  // As GetOffer, parsed into `*out` (which may live on an arena: no copy).
  virtual absl::Status ReadOffer(absl::string_view id, v1::Offer* out) {
    absl::StatusOr<v1::Offer> offer = GetOffer(id);
    if (!offer.ok()) return offer.status();
    *out = *std::move(offer);
    return absl::OkStatus();
  }
};

// The embedded source: the store that the graduate and offer services
// write, in the same process. Records that their imports publish to
// `recent_graduates` / `recent_offers` (either may be null) are taken from
// there instead of being read back.
std::unique_ptr<RecordSource> NewStoreSource(
    storage::Store* store,
    runtime::RecentRecords<v1::Graduate>* recent_graduates = nullptr,
    runtime::RecentRecords<v1::Offer>* recent_offers = nullptr);

class MatchingIndex {
 public:
  // Builds the engine from `source`'s snapshot (blocking), then follows its
  // changes on a thread of its own. `source` must outlive the index.
  static absl::StatusOr<std::unique_ptr<MatchingIndex>> Start(
      RecordSource* source, const common::Referentials& referentials);
  ~MatchingIndex();  // stops following

  const engine::Engine& engine() const { return *engine_; }
  RecordSource& source() { return *source_; }

  // The owner of a graduate as the index knows it (empty when unknown).
  struct Owner {
    std::string school_id;
    std::string partner_id;
  };
  std::optional<Owner> GraduateOwner(absl::string_view id) const;

  // Blocks until every change up to `sequence` is applied; false on
  // timeout.
  bool WaitForSequence(uint64_t sequence, absl::Duration timeout) const;

  v1::IndexStatus Status() const;

 private:
  MatchingIndex(RecordSource* source, std::unique_ptr<engine::Engine> engine);
  absl::Status Build();
  void Follow();
  void Apply(const v1::ChangeEvent& event);

  RecordSource* source_;
  std::unique_ptr<engine::Engine> engine_;
  double build_seconds_ = 0;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Owner> owners_ ABSL_GUARDED_BY(mu_);
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t applied_events_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<double> lags_ms_ ABSL_GUARDED_BY(mu_);  // the last 1024
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread follower_;
};

}  // namespace passerelle::matching
