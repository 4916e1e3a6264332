#include "services/matching/index.h"

#include <algorithm>
#include <deque>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "services/graduates/graduates.h"
#include "services/matching/convert.h"
#include "services/offers/offers.h"
#include "storage/status_macros.h"

namespace passerelle::matching {
namespace {

constexpr size_t kBuildBatch = 20000;
constexpr size_t kLagWindow = 1024;

template <typename T>
absl::StatusOr<T> Parse(const storage::Record& record) {
  T out;
  if (!out.ParseFromString(record.data)) {
    return absl::DataLossError(absl::StrCat("unreadable record ", record.id));
  }
  return out;
}

// The serialized offers recently read to answer RankOffers. A ranking's
// twenty offers are point reads spread over the whole table, which the
// store's block cache mostly misses (a block read and decompressed per
// offer: about a third of a RankOffers' CPU on 1,000,000 offers), while the
// same offers recur across the graduates of one area. FIFO eviction. An
// entry is dropped as soon as the change log names its offer, and a read
// that overlapped any such change is not kept, so an answer is never staler
// than the index itself (the follower's lag).
class OfferCache {
 public:
  explicit OfferCache(size_t capacity) : ring_(capacity) {}

  // To take before reading the store, for Insert.
  uint64_t epoch() const {
    absl::MutexLock lock(&mu_);
    return epoch_;
  }

  bool Find(absl::string_view id, std::string* bytes) const {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return false;
    *bytes = it->second;
    return true;
  }

  // Keeps `bytes` as read after `epoch()` returned `epoch`, unless an offer
  // changed since.
  void Insert(uint64_t epoch, absl::string_view id, const std::string& bytes) {
    absl::MutexLock lock(&mu_);
    if (epoch != epoch_ || ring_.empty()) return;
    if (!entries_.try_emplace(id, bytes).second) return;
    // A slot may name an entry already dropped (or since re-read): erasing
    // it again only evicts early.
    std::string& slot = ring_[next_];
    if (!slot.empty()) entries_.erase(slot);
    slot.assign(id.data(), id.size());
    next_ = (next_ + 1) % ring_.size();
  }

  void Invalidate(absl::string_view id) {
    absl::MutexLock lock(&mu_);
    ++epoch_;
    entries_.erase(id);
  }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> ring_ ABSL_GUARDED_BY(mu_);  // insertion order
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
};

// About 75 MB (measured: serialized offers of ~400 bytes, keys and
// overhead), 40 % of the index's own memory on 1,000,000 offers; it serves
// about 40 % of RankOffers' reads in rank_load.
constexpr size_t kOfferCacheEntries = 131072;

// Parses every record of `table` into one reused message (parsing reuses
// its fields' memory) and calls `fn` with it.
template <typename T>
absl::Status ForEachParsed(const storage::Reader& reader,
                           absl::string_view table,
                           const std::function<void(const T&)>& fn) {
  T message;
  absl::Status failed;
  RETURN_IF_ERROR(reader.ForEach(table, [&](const storage::Record& r) {
    if (!message.ParseFromString(r.data)) {
      failed = absl::DataLossError(absl::StrCat("unreadable record ", r.id));
      return false;
    }
    fn(message);
    return true;
  }));
  return failed;
}

// The record an import published for `event`, or null.
template <typename T>
std::shared_ptr<const T> TakeRecent(runtime::RecentRecords<T>* recent,
                                    const v1::ChangeEvent& event) {
  return recent == nullptr ? nullptr
                           : recent->Take(event.id(), event.version());
}

class StoreSource final : public RecordSource {
 public:
  StoreSource(storage::Store* store,
              runtime::RecentRecords<v1::Graduate>* recent_graduates,
              runtime::RecentRecords<v1::Offer>* recent_offers)
      : store_(store),
        recent_graduates_(recent_graduates),
        recent_offers_(recent_offers),
        offer_cache_(kOfferCacheEntries) {}

  absl::StatusOr<uint64_t> Snapshot(
      const std::function<void(const v1::Graduate&)>& on_graduate,
      const std::function<void(const v1::Offer&)>& on_offer) override {
    std::unique_ptr<storage::Snapshot> snapshot = store_->GetSnapshot();
    RETURN_IF_ERROR(ForEachParsed(*snapshot, graduates::kTable, on_graduate));
    RETURN_IF_ERROR(ForEachParsed(*snapshot, offers::kTable, on_offer));
    return snapshot->sequence();
  }

  absl::StatusOr<std::vector<v1::ChangeEvent>> Changes(
      uint64_t since, absl::Time deadline) override {
    // Everything up to `since` is applied.
    if (recent_graduates_ != nullptr) recent_graduates_->ForgetThrough(since);
    if (recent_offers_ != nullptr) recent_offers_->ForgetThrough(since);
    if (store_->LastSequence() <= since)
      store_->WaitForChanges(since, deadline);
    ASSIGN_OR_RETURN(std::vector<storage::Change> changes,
                     store_->ReadChanges(since, 1024));
    std::vector<v1::ChangeEvent> events;
    for (const storage::Change& change : changes) {
      v1::ChangeEvent event;
      if (!event.ParseFromString(change.data)) {
        return absl::DataLossError(
            absl::StrCat("unreadable change-log entry ", change.sequence));
      }
      event.set_sequence(change.sequence);
      if (event.kind() == v1::ENTITY_KIND_OFFER) {
        offer_cache_.Invalidate(event.id());
      }
      events.push_back(std::move(event));
    }
    return events;
  }

  uint64_t LastSequence() override { return store_->LastSequence(); }

  absl::StatusOr<v1::Graduate> GetGraduate(absl::string_view id) override {
    ASSIGN_OR_RETURN(storage::Record r, store_->Get(graduates::kTable, id));
    return Parse<v1::Graduate>(r);
  }

  absl::StatusOr<v1::Offer> GetOffer(absl::string_view id) override {
    ASSIGN_OR_RETURN(storage::Record r, store_->Get(offers::kTable, id));
    return Parse<v1::Offer>(r);
  }

  absl::StatusOr<std::shared_ptr<const v1::Graduate>> ChangedGraduate(
      const v1::ChangeEvent& event) override {
    if (auto graduate = TakeRecent(recent_graduates_, event)) return graduate;
    return RecordSource::ChangedGraduate(event);
  }

  absl::StatusOr<std::shared_ptr<const v1::Offer>> ChangedOffer(
      const v1::ChangeEvent& event) override {
    if (auto offer = TakeRecent(recent_offers_, event)) return offer;
    return RecordSource::ChangedOffer(event);
  }

  absl::Status ReadOffer(absl::string_view id, v1::Offer* out) override {
    std::string bytes;
    if (!offer_cache_.Find(id, &bytes)) {
      const uint64_t epoch = offer_cache_.epoch();
      ASSIGN_OR_RETURN(storage::Record r, store_->Get(offers::kTable, id));
      bytes = std::move(r.data);
      offer_cache_.Insert(epoch, id, bytes);
    }
    if (!out->ParseFromString(bytes)) {
      return absl::DataLossError(absl::StrCat("unreadable record ", id));
    }
    return absl::OkStatus();
  }

 private:
  storage::Store* store_;
  runtime::RecentRecords<v1::Graduate>* const recent_graduates_;
  runtime::RecentRecords<v1::Offer>* const recent_offers_;
  OfferCache offer_cache_;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t at =
      std::min(values.size() - 1,
               static_cast<size_t>(p * static_cast<double>(values.size())));
  return values[at];
}

// Loads batches of engine records into the engine on a thread of its own,
// with at most kQueuedBatches waiting: Add blocks beyond that, which bounds
// the memory of a build.
class EngineLoader {
 public:
  explicit EngineLoader(engine::Engine* engine)
      : engine_(engine), thread_([this] { Run(); }) {}
  ~EngineLoader() { Finish().IgnoreError(); }

  // Takes the records of `*batch` (none: does nothing) and leaves it empty.
  template <typename Record>
  void Add(std::vector<Record>* batch) {
    if (batch->empty()) return;
    Batch item;
    if constexpr (std::is_same_v<Record, engine::Offer>) {
      item.offers = std::move(*batch);
    } else {
      item.graduates = std::move(*batch);
    }
    batch->clear();
    batch->reserve(kBuildBatch);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &EngineLoader::HasRoom));
    queue_.push_back(std::move(item));
  }

  // Waits until every batch is loaded. Returns the engine's first error.
  absl::Status Finish() {
    {
      absl::MutexLock lock(&mu_);
      finishing_ = true;
    }
    if (thread_.joinable()) thread_.join();
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  static constexpr size_t kQueuedBatches = 2;
  struct Batch {
    std::vector<engine::Offer> offers;
    std::vector<engine::Graduate> graduates;
  };

  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.size() < kQueuedBatches;
  }
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || finishing_;
  }

  void Run() {
    while (true) {
      Batch batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &EngineLoader::HasWork));
        if (queue_.empty()) return;  // finishing, and nothing left
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      absl::Status status = batch.offers.empty()
                                ? engine_->UpsertGraduates(batch.graduates)
                                : engine_->UpsertOffers(batch.offers);
      absl::MutexLock lock(&mu_);
      if (status_.ok()) status_ = status;
    }
  }

  engine::Engine* engine_;
  absl::Mutex mu_;
  std::deque<Batch> queue_ ABSL_GUARDED_BY(mu_);
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace

std::unique_ptr<RecordSource> NewStoreSource(
    storage::Store* store,
    runtime::RecentRecords<v1::Graduate>* recent_graduates,
    runtime::RecentRecords<v1::Offer>* recent_offers) {
  return std::make_unique<StoreSource>(store, recent_graduates, recent_offers);
}

MatchingIndex::MatchingIndex(RecordSource* source,
                             std::unique_ptr<engine::Engine> engine)
    : source_(source), engine_(std::move(engine)) {}

absl::StatusOr<std::unique_ptr<MatchingIndex>> MatchingIndex::Start(
    RecordSource* source, const common::Referentials& referentials) {
  engine::EngineOptions options;
  options.trades = TradesFrom(referentials);
  options.diplomas = DiplomasFrom(referentials);
  // The SMIC of data/smic.csv (a revaluation is a line there, no build).
  options.legal.smic = SmicFrom(referentials);
  ASSIGN_OR_RETURN(std::unique_ptr<engine::Engine> engine,
                   engine::Engine::Create(std::move(options)));
  std::unique_ptr<MatchingIndex> index(
      new MatchingIndex(source, std::move(engine)));
  RETURN_IF_ERROR(index->Build());
  index->follower_ = std::thread([raw = index.get()] { raw->Follow(); });
  return index;
}

MatchingIndex::~MatchingIndex() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (follower_.joinable()) follower_.join();
}

absl::Status MatchingIndex::Build() {
  const absl::Time start = absl::Now();
  // This thread reads, parses and converts the snapshot while a second one
  // loads the converted batches into the engine: on two cores the build
  // takes about the longer of the two instead of their sum.
  EngineLoader loader(engine_.get());
  std::vector<engine::Graduate> graduates;
  std::vector<engine::Offer> offers;
  absl::flat_hash_map<std::string, Owner> owners;
  size_t skipped = 0;
  ASSIGN_OR_RETURN(uint64_t sequence,
                   source_->Snapshot(
                       [&](const v1::Graduate& g) {
                         absl::StatusOr<engine::Graduate> e = ToEngine(g);
                         if (!e.ok()) {
                           ++skipped;
                           LOG(WARNING) << "matching: graduate " << g.id()
                                        << " skipped: " << e.status();
                           return;
                         }
                         owners[g.id()] = Owner{g.school_id(), g.partner_id()};
                         graduates.push_back(*std::move(e));
                         if (graduates.size() >= kBuildBatch)
                           loader.Add(&graduates);
                       },
                       [&](const v1::Offer& o) {
                         absl::StatusOr<engine::Offer> e = ToEngine(o);
                         if (!e.ok()) {
                           ++skipped;
                           LOG(WARNING) << "matching: offer " << o.id()
                                        << " skipped: " << e.status();
                           return;
                         }
                         offers.push_back(*std::move(e));
                         if (offers.size() >= kBuildBatch) loader.Add(&offers);
                       }));
  loader.Add(&graduates);
  loader.Add(&offers);
  RETURN_IF_ERROR(loader.Finish());
  build_seconds_ = absl::ToDoubleSeconds(absl::Now() - start);
  absl::MutexLock lock(&mu_);
  owners_ = std::move(owners);
  applied_ = sequence;
  LOG(INFO) << "matching: index built from the snapshot at sequence "
            << sequence << ": " << engine_->offer_count() << " offers, "
            << engine_->graduate_count() << " graduates in " << build_seconds_
            << " s"
            << (skipped ? absl::StrCat(" (", skipped, " skipped)") : "");
  return absl::OkStatus();
}

void MatchingIndex::Follow() {
  while (true) {
    uint64_t since;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      since = applied_;
    }
    absl::StatusOr<std::vector<v1::ChangeEvent>> events =
        source_->Changes(since, absl::Now() + absl::Milliseconds(200));
    if (!events.ok()) {
      LOG(ERROR) << "matching: reading the change feed: " << events.status();
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1));
      continue;
    }
    for (const v1::ChangeEvent& event : *events) {
      Apply(event);
      const absl::Time committed =
          absl::FromUnixSeconds(event.time().seconds()) +
          absl::Nanoseconds(event.time().nanos());
      const bool counted = event.kind() == v1::ENTITY_KIND_GRADUATE ||
                           event.kind() == v1::ENTITY_KIND_OFFER;
      absl::MutexLock lock(&mu_);
      applied_ = event.sequence();
      if (counted) {
        ++applied_events_;
        lags_ms_.push_back(absl::ToDoubleMilliseconds(absl::Now() - committed));
        if (lags_ms_.size() > kLagWindow) lags_ms_.pop_front();
      }
    }
  }
}

void MatchingIndex::Apply(const v1::ChangeEvent& event) {
  if (event.kind() == v1::ENTITY_KIND_GRADUATE) {
    absl::StatusOr<std::shared_ptr<const v1::Graduate>> g =
        event.op() == v1::CHANGE_OP_DELETED ? absl::NotFoundError("deleted")
                                            : source_->ChangedGraduate(event);
    if (absl::IsNotFound(g.status())) {
      engine_->RemoveGraduate(event.id());
      absl::MutexLock lock(&mu_);
      owners_.erase(event.id());
      return;
    }
    absl::StatusOr<engine::Graduate> e =
        g.ok() ? ToEngine(**g) : absl::StatusOr<engine::Graduate>(g.status());
    absl::Status upserted = e.ok() ? engine_->UpsertGraduate(*e) : e.status();
    if (!upserted.ok()) {
      LOG(WARNING) << "matching: graduate " << event.id() << ": " << upserted;
      return;
    }
    absl::MutexLock lock(&mu_);
    owners_[(*g)->id()] = Owner{(*g)->school_id(), (*g)->partner_id()};
  } else if (event.kind() == v1::ENTITY_KIND_OFFER) {
    absl::StatusOr<std::shared_ptr<const v1::Offer>> o =
        event.op() == v1::CHANGE_OP_DELETED ? absl::NotFoundError("deleted")
                                            : source_->ChangedOffer(event);
    if (absl::IsNotFound(o.status())) {
      engine_->RemoveOffer(event.id());
      return;
    }
    absl::StatusOr<engine::Offer> e =
        o.ok() ? ToEngine(**o) : absl::StatusOr<engine::Offer>(o.status());
    absl::Status upserted = e.ok() ? engine_->UpsertOffer(*e) : e.status();
    if (!upserted.ok()) {
      LOG(WARNING) << "matching: offer " << event.id() << ": " << upserted;
    }
  }
}

std::optional<MatchingIndex::Owner> MatchingIndex::GraduateOwner(
    absl::string_view id) const {
  absl::MutexLock lock(&mu_);
  auto it = owners_.find(id);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

bool MatchingIndex::WaitForSequence(uint64_t sequence,
                                    absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return applied_ >= sequence;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

v1::IndexStatus MatchingIndex::Status() const {
  v1::IndexStatus status;
  const engine::MemoryStats memory = engine_->Memory();
  status.set_offers(static_cast<int64_t>(memory.offers));
  status.set_graduates(static_cast<int64_t>(memory.graduates));
  status.set_memory_bytes(static_cast<int64_t>(memory.total));
  status.set_bytes_per_offer(memory.bytes_per_offer);
  status.set_build_seconds(build_seconds_);
  status.set_log_sequence(source_->LastSequence());
  absl::MutexLock lock(&mu_);
  status.set_applied_sequence(applied_);
  status.set_applied_events(applied_events_);
  std::vector<double> lags(lags_ms_.begin(), lags_ms_.end());
  status.set_lag_p50_ms(Percentile(lags, 0.5));
  status.set_lag_p99_ms(Percentile(lags, 0.99));
  status.set_lag_max_ms(
      lags.empty() ? 0 : *std::max_element(lags.begin(), lags.end()));
  return status;
}

}  // namespace passerelle::matching
