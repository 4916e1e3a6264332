#include "storage/store.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_batch.h"
#include "storage/internal/encoding.h"
#include "storage/internal/status.h"
#include "storage/status_macros.h"

// Layout of the database (see storage/internal/encoding.h for the bytes):
//
//   <table>        one column family per table: id -> record envelope
//                  (version, data, the record's index keys)
//   __index        Component(index) Component(value) Component(id)
//                  Component(table) -> unique flag
//   __changelog    big-endian uint64 sequence -> the caller's change bytes
//   __meta         "format" -> kFormatValue, checked on Open
//   default        unused (RocksDB requires it)
//
// Concurrency: a commit is planned under `commit_mu_` (its checks read the
// current envelopes and unique index holders), then written outside it, in
// planning order, while the next commit is planned. What is planned but not
// yet written is in the overlay (`overlay_records_`, `overlay_unique_`):
// planning reads it before the database, so a commit sees every commit
// planned before it, written or not. Only a write of the planned keys can
// change them, so the database reads of the plan cannot be invalidated.
// A failed write leaves later commits planned on top of it unwritable: the
// store refuses all commits from then on (RocksDB itself turns read-only on
// write errors). GetSnapshot holds `commit_mu_` and waits until every planned
// commit is written, so a snapshot's sequence() matches its data.
// Readers never take `commit_mu_`: RocksDB reads are consistent on their own
// (an iterator, or an explicit snapshot where two reads must agree).
//
// Lifetime: every operation registers itself with Core::Enter() and
// unregisters with Exit(); Close() marks the store closed, waits until no
// operation is running, releases outstanding Snapshot objects' RocksDB
// snapshots (RocksDB refuses to close with live snapshots), flushes and
// closes. Snapshot objects share ownership of the Core, so one outliving its
// Store is safe: its methods then return FAILED_PRECONDITION.

namespace passerelle::storage {
namespace {

using internal::DecodeBigEndian64;
using internal::DecodeEnvelope;
using internal::DecodeIndexSuffix;
using internal::DecodePageToken;
using internal::EncodeBigEndian64;
using internal::EncodeEnvelope;
using internal::EncodePageToken;
using internal::Envelope;
using internal::FromRocksDb;
using internal::IndexEntryKey;
using internal::IndexHolder;
using internal::IndexPrefix;
using internal::PageScope;
using internal::RocksDbOp;

constexpr char kIndexCf[] = "__index";
constexpr char kChangelogCf[] = "__changelog";
constexpr char kMetaCf[] = "__meta";
constexpr char kFormatKey[] = "format";
constexpr char kFormatValue[] = "passerelle-storage-1";

// Shared by all column families. Not in Store::Options yet: no caller needs
// to tune it, and one number is easy to find here.
constexpr size_t kBlockCacheBytes = 64 << 20;
// Bounds memtable memory across all column families (one per table).
constexpr size_t kTotalWriteBufferBytes = 256 << 20;

rocksdb::Slice ToSlice(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}
absl::string_view ToView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

absl::Status ClosedError() {
  return absl::FailedPreconditionError("storage: store is closed");
}

absl::Status UnknownTable(absl::string_view table) {
  return absl::InvalidArgumentError(
      absl::StrCat("storage: unknown table \"", table, "\""));
}

absl::Status CheckPageSize(int page_size) {
  if (page_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("storage: page_size must be >= 1, got ", page_size));
  }
  return absl::OkStatus();
}

// Every index key ends with the component terminator 0x00 0x01, so bumping
// the last byte gives the smallest key after every key with this prefix.
std::string PrefixUpperBound(absl::string_view prefix) {
  std::string bound(prefix);
  bound.back() = '\x02';
  return bound;
}

bool IsValidTableName(const std::string& name) {
  return !name.empty() && name != rocksdb::kDefaultColumnFamilyName &&
         !absl::StartsWith(name, "__");
}

rocksdb::CompressionType Pick(
    const std::vector<rocksdb::CompressionType>& supported,
    std::initializer_list<rocksdb::CompressionType> preferred) {
  for (rocksdb::CompressionType type : preferred) {
    if (std::find(supported.begin(), supported.end(), type) !=
        supported.end()) {
      return type;
    }
  }
  return rocksdb::kNoCompression;
}

rocksdb::DBOptions MakeDbOptions(const Store::Options& options) {
  rocksdb::DBOptions db;
  db.create_if_missing = options.create_if_missing;
  db.create_missing_column_families = true;
  db.max_background_jobs = 4;
  db.bytes_per_sync = 1 << 20;
  db.keep_log_file_num = 10;
  db.db_write_buffer_size = kTotalWriteBufferBytes;
  // A rarely written table would otherwise keep every WAL file alive until
  // its own memtable fills; this forces its flush instead.
  db.max_total_wal_size = 256 << 20;
  // The default, spelled out because durability depends on it: after a
  // kill -9 the WAL is replayed up to its last intact record, and every
  // acknowledged write was handed to the OS in full before Write returned.
  db.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  return db;
}

rocksdb::ColumnFamilyOptions MakeCfOptions(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Point lookups by id (Get, commit reads) skip files that lack the key.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Index and filter in 4 KiB partitions under a small pinned top level. A
  // whole-file index block of a large bottom-level file (megabytes, zstd)
  // fits no block cache shard, so it was read and decompressed again by
  // every lookup: an import slowed from 50,000 to 5,000 records/s past
  // 600,000 offers.
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.pin_top_level_index_and_filter = true;
  table.format_version = 5;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // One cheap compression at every level: records and change-log entries
  // have increasing keys (ids start with a clock), so their files move down
  // the levels without being rewritten, which RocksDB only does when the
  // compression stays the same.
  cf.compression =
      Pick(rocksdb::GetSupportedCompressions(),
           {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression});
  cf.level_compaction_dynamic_level_bytes = true;
  // A bloom filter on the memtable too: creating a record first checks that
  // its new id is absent, which then skips the skip list.
  cf.memtable_whole_key_filtering = true;
  cf.memtable_prefix_bloom_size_ratio = 0.02;
  return cf;
}

// Index keys by their (index, value) prefix. Every read of the index column
// family stays within one such prefix (a lookup, a listing, a uniqueness
// check), so bloom filters on it let a read of a value nobody holds (every
// new external id of an import) skip the memtable and each file.
class IndexPrefixExtractor : public rocksdb::SliceTransform {
 public:
  // Part of every file's properties: a change of what Transform returns
  // needs a new name, so that old filters are not trusted.
  const char* Name() const override { return "passerelle.IndexPrefix.1"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), internal::IndexPrefixLength(ToView(key)));
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return internal::IndexPrefixLength(ToView(key)) > 0;
  }
};

rocksdb::ColumnFamilyOptions MakeIndexCfOptions(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf = MakeCfOptions(cache);
  cf.prefix_extractor = std::make_shared<IndexPrefixExtractor>();
  cf.memtable_prefix_bloom_size_ratio = 0.05;
  cf.memtable_whole_key_filtering = false;
  // Index entries land all over the key space and are rewritten by every
  // compaction: none above the bottom level (LZ4 on their flushes was 2% of
  // an import's CPU), zstd's fastest level at the bottom that holds most.
  cf.compression = rocksdb::kNoCompression;
  cf.bottommost_compression = Pick(
      rocksdb::GetSupportedCompressions(),
      {rocksdb::kZSTD, rocksdb::kLZ4Compression, rocksdb::kSnappyCompression});
  cf.bottommost_compression_opts.level = 1;
  cf.bottommost_compression_opts.enabled = true;
  rocksdb::BlockBasedTableOptions table =
      *cf.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
  // Nothing reads an index entry by its whole key.
  table.whole_key_filtering = false;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

// The change log is only ever scanned in order: no bloom filters.
rocksdb::ColumnFamilyOptions MakeChangelogCfOptions(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf = MakeCfOptions(cache);
  cf.memtable_whole_key_filtering = false;
  cf.memtable_prefix_bloom_size_ratio = 0;
  rocksdb::BlockBasedTableOptions table =
      *cf.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
  table.filter_policy.reset();
  table.partition_filters = false;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

// Reads confined to the (index, value) prefix of their first Seek.
rocksdb::ReadOptions IndexReadOptions(const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  read_options.prefix_same_as_start = true;
  return read_options;
}

// The state of the database shared by a Store and its Snapshots.
class Core {
 public:
  // `tables` are the caller's; other column families found on disk (tables
  // a previous caller listed) are opened, as RocksDB requires, but are not
  // reachable.
  Core(std::unique_ptr<rocksdb::DB> db,
       std::vector<rocksdb::ColumnFamilyHandle*> handles,
       const std::set<std::string>& tables, bool sync)
      : db_(std::move(db)), handles_(std::move(handles)), sync_(sync) {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      const std::string& name = handle->GetName();
      if (name == kIndexCf) {
        index_cf_ = handle;
      } else if (name == kChangelogCf) {
        changelog_cf_ = handle;
      } else if (name == kMetaCf) {
        meta_cf_ = handle;
      } else if (tables.count(name) > 0) {
        tables_[name] = handle;
      }
    }
    CHECK(index_cf_ != nullptr && changelog_cf_ != nullptr &&
          meta_cf_ != nullptr)
        << "internal column families were not opened";
  }

  ~Core() {
    absl::Status status = Close();
    if (!status.ok()) LOG(ERROR) << "storage: close failed: " << status;
  }

  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Checks the format marker and recovers the last sequence. Called once by
  // Open before the Core is shared.
  absl::Status Init(const std::set<std::string>& tables);

  absl::Status Close() ABSL_LOCKS_EXCLUDED(close_mu_, mu_);

  // Registers a running operation; false once the store is closed.
  bool Enter() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (closed_) return false;
    ++in_flight_;
    return true;
  }
  void Exit() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    --in_flight_;
  }

  // Read operations, at `snapshot` (nullptr = latest). The caller has
  // entered.
  absl::StatusOr<Record> Get(const rocksdb::Snapshot* snapshot,
                             absl::string_view table,
                             absl::string_view id) const;
  absl::StatusOr<Page> List(const rocksdb::Snapshot* snapshot,
                            absl::string_view table, int page_size,
                            absl::string_view page_token) const;
  absl::StatusOr<Page> ListByIndex(const rocksdb::Snapshot* snapshot,
                                   absl::string_view table,
                                   absl::string_view index,
                                   absl::string_view value, int page_size,
                                   absl::string_view page_token) const;
  absl::StatusOr<std::vector<std::string>> Lookup(
      const rocksdb::Snapshot* snapshot, absl::string_view index,
      absl::string_view value, size_t limit) const;
  absl::Status ForEach(const rocksdb::Snapshot* snapshot,
                       absl::string_view table,
                       const std::function<bool(const Record&)>& fn) const;

  absl::StatusOr<CommitResult> Commit(std::vector<Mutation> mutations,
                                      std::vector<std::string> changes)
      ABSL_LOCKS_EXCLUDED(commit_mu_, mu_);
  absl::StatusOr<std::vector<Change>> ReadChanges(uint64_t since,
                                                  size_t limit) const;
  absl::Status Checkpoint(const std::string& dir) const;

  uint64_t LastSequence() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return last_sequence_;
  }
  uint64_t WaitForChanges(uint64_t after, absl::Time deadline) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // A registered RocksDB snapshot and the sequence it includes. The caller
  // has entered.
  std::pair<const rocksdb::Snapshot*, uint64_t> TakeSnapshot()
      ABSL_LOCKS_EXCLUDED(commit_mu_, mu_);
  // Releases a snapshot from TakeSnapshot unless Close already did.
  void ReleaseSnapshot(const rocksdb::Snapshot* snapshot)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class CommitPlan;

  rocksdb::ColumnFamilyHandle* TableCf(absl::string_view table) const {
    auto it = tables_.find(table);
    return it == tables_.end() ? nullptr : it->second;
  }

  // Not guarded: set before the Core is shared and reset only by Close once
  // no operation is in flight and none can start.
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> tables_;
  rocksdb::ColumnFamilyHandle* index_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* changelog_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  const bool sync_;

  // Lock order: close_mu_, then commit_mu_, then mu_.
  absl::Mutex close_mu_;
  bool close_done_ ABSL_GUARDED_BY(close_mu_) = false;
  absl::Status close_status_ ABSL_GUARDED_BY(close_mu_);

  // What a planned but maybe not yet written commit leaves: a record's
  // version and index keys (its data is never needed by a later plan), or
  // its absence; and for a unique (index, value), its holder's index key,
  // or none.
  struct OverlayRecord {
    uint64_t ticket;
    std::optional<Envelope> envelope;
  };
  struct OverlayUnique {
    uint64_t ticket;
    std::optional<std::string> holder;
  };
  using RecordId = std::pair<std::string, std::string>;  // (table, id)

  // Drops the overlay entries of written commits. The database has them.
  void PruneOverlay() ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Returns once the commit with `ticket` and all before it are written.
  void WaitWritten(uint64_t ticket) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto written = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return written_ticket_ >= ticket;
    };
    mu_.Await(absl::Condition(&written));
  }

  absl::Mutex commit_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  uint64_t last_ticket_ ABSL_GUARDED_BY(commit_mu_) = 0;
  // The last sequence given to a planned commit.
  uint64_t next_sequence_ ABSL_GUARDED_BY(commit_mu_) = 0;
  absl::flat_hash_map<RecordId, OverlayRecord> overlay_records_
      ABSL_GUARDED_BY(commit_mu_);
  absl::flat_hash_map<std::string, OverlayUnique> overlay_unique_
      ABSL_GUARDED_BY(commit_mu_);
  // Per planned commit (ticket order), the overlay keys it set.
  struct OverlayKeys {
    uint64_t ticket;
    std::vector<RecordId> records;
    std::vector<std::string> uniques;
  };
  std::deque<OverlayKeys> overlay_keys_ ABSL_GUARDED_BY(commit_mu_);

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // Published once written, in planning order.
  uint64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t written_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  // Set by a failed write; every later commit fails with it.
  absl::Status write_failure_ ABSL_GUARDED_BY(mu_);
  std::set<const rocksdb::Snapshot*> snapshots_ ABSL_GUARDED_BY(mu_);
  // Lets a long ForEach stop early instead of holding Close up.
  std::atomic<bool> closing_{false};
};

// RAII registration of an operation with Core::Enter/Exit.
class OpGuard {
 public:
  explicit OpGuard(Core* core) : core_(core), entered_(core->Enter()) {}
  ~OpGuard() {
    if (entered_) core_->Exit();
  }
  OpGuard(const OpGuard&) = delete;
  OpGuard& operator=(const OpGuard&) = delete;
  bool entered() const { return entered_; }

 private:
  Core* const core_;
  const bool entered_;
};

absl::Status Core::Init(const std::set<std::string>& tables) {
  for (const std::string& table : tables) {
    if (TableCf(table) == nullptr) {
      return absl::InternalError(
          absl::StrCat("storage: column family ", table, " was not opened"));
    }
  }
  std::string format;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), meta_cf_, kFormatKey, &format);
  if (s.IsNotFound()) {
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    RETURN_IF_ERROR(
        FromRocksDb(db_->Put(write_options, meta_cf_, kFormatKey, kFormatValue),
                    "storage: write format marker"));
  } else if (!s.ok()) {
    return FromRocksDb(s, "storage: read format marker");
  } else if (format != kFormatValue) {
    return absl::FailedPreconditionError(
        absl::StrCat("storage: database format \"", format, "\" is not \"",
                     kFormatValue, "\""));
  }

  // Sequences continue across reopen: the last one is the last key of the
  // change log.
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), changelog_cf_));
  it->SeekToLast();
  uint64_t last = 0;
  if (it->Valid() && !DecodeBigEndian64(ToView(it->key()), &last)) {
    return absl::DataLossError("storage: corrupt change-log key");
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "storage: read change log"));
  absl::MutexLock commit_lock(&commit_mu_);
  next_sequence_ = last;
  absl::MutexLock lock(&mu_);
  last_sequence_ = last;
  return absl::OkStatus();
}

absl::Status Core::Close() {
  absl::MutexLock close_lock(&close_mu_);
  if (close_done_) return close_status_;
  std::set<const rocksdb::Snapshot*> snapshots;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    closing_.store(true, std::memory_order_relaxed);
    // Also wakes WaitForChanges: its condition includes closed_.
    mu_.Await(absl::Condition(
        +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
    snapshots.swap(snapshots_);
  }
  // From here on this thread alone uses db_.
  for (const rocksdb::Snapshot* snapshot : snapshots) {
    db_->ReleaseSnapshot(snapshot);
  }
  absl::Status status;
  // The WAL already makes every commit durable; flushing makes the next
  // Open fast (nothing to replay) and is what the contract promises.
  rocksdb::FlushOptions flush_options;
  flush_options.wait = true;
  status.Update(FromRocksDb(db_->Flush(flush_options, handles_),
                            "storage: flush on close"));
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    status.Update(FromRocksDb(db_->DestroyColumnFamilyHandle(handle),
                              "storage: close column family"));
  }
  handles_.clear();
  status.Update(FromRocksDb(db_->Close(), "storage: close"));
  db_.reset();
  close_status_ = status;
  close_done_ = true;
  return status;
}

absl::StatusOr<Record> Core::Get(const rocksdb::Snapshot* snapshot,
                                 absl::string_view table,
                                 absl::string_view id) const {
  rocksdb::ColumnFamilyHandle* cf = TableCf(table);
  if (cf == nullptr) return UnknownTable(table);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db_->Get(read_options, cf, ToSlice(id), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(
        absl::StrCat("storage: record ", table, "/", id, " not found"));
  }
  RETURN_IF_ERROR(FromRocksDb(s, "storage: get"));
  ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(ToView(value)));
  return Record{std::string(id), envelope.version, std::move(envelope.data)};
}

absl::StatusOr<Page> Core::List(const rocksdb::Snapshot* snapshot,
                                absl::string_view table, int page_size,
                                absl::string_view page_token) const {
  RETURN_IF_ERROR(CheckPageSize(page_size));
  rocksdb::ColumnFamilyHandle* cf = TableCf(table);
  if (cf == nullptr) return UnknownTable(table);
  PageScope scope;
  scope.kind = PageScope::Kind::kList;
  scope.table = std::string(table);
  std::string start;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(start, DecodePageToken(page_token, scope));
    start.push_back('\0');  // the smallest id after the last one returned
  }
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, cf));
  Page page;
  for (it->Seek(start); it->Valid(); it->Next()) {
    // One record past the page tells whether there is a next page, so the
    // last page's token is empty rather than leading to an empty page.
    if (page.records.size() == static_cast<size_t>(page_size)) {
      page.next_page_token = EncodePageToken(scope, page.records.back().id);
      break;
    }
    ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(ToView(it->value())));
    page.records.push_back(Record{it->key().ToString(), envelope.version,
                                  std::move(envelope.data)});
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "storage: list"));
  return page;
}

absl::StatusOr<Page> Core::ListByIndex(const rocksdb::Snapshot* snapshot,
                                       absl::string_view table,
                                       absl::string_view index,
                                       absl::string_view value, int page_size,
                                       absl::string_view page_token) const {
  RETURN_IF_ERROR(CheckPageSize(page_size));
  rocksdb::ColumnFamilyHandle* cf = TableCf(table);
  if (cf == nullptr) return UnknownTable(table);
  PageScope scope;
  scope.kind = PageScope::Kind::kIndex;
  scope.table = std::string(table);
  scope.index = std::string(index);
  scope.value = std::string(value);
  const std::string prefix = IndexPrefix(index, value);
  const std::string upper = PrefixUpperBound(prefix);
  std::string start = prefix;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(std::string last_id, DecodePageToken(page_token, scope));
    start = IndexEntryKey(index, value, last_id, table);
    start.push_back('\0');
  }
  // The index scan and the record reads must see the same commits.
  std::optional<rocksdb::ManagedSnapshot> own_snapshot;
  if (snapshot == nullptr) {
    own_snapshot.emplace(db_.get());
    snapshot = own_snapshot->snapshot();
  }
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions scan_options = IndexReadOptions(snapshot);
  scan_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(scan_options, index_cf_));
  Page page;
  for (it->Seek(start); it->Valid(); it->Next()) {
    ASSIGN_OR_RETURN(
        IndexHolder holder,
        DecodeIndexSuffix(ToView(it->key()).substr(prefix.size())));
    // Index names are global; entries of other tables' records are not
    // this listing's.
    if (holder.table != table) continue;
    if (page.records.size() == static_cast<size_t>(page_size)) {
      page.next_page_token = EncodePageToken(scope, page.records.back().id);
      break;
    }
    rocksdb::PinnableSlice bytes;
    rocksdb::Status s = db_->Get(read_options, cf, holder.id, &bytes);
    if (s.IsNotFound()) {
      // Records and their index entries are written in one batch.
      return absl::DataLossError(absl::StrCat("storage: index ", index,
                                              " points at missing record ",
                                              table, "/", holder.id));
    }
    RETURN_IF_ERROR(FromRocksDb(s, "storage: list by index"));
    ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(ToView(bytes)));
    page.records.push_back(Record{std::move(holder.id), envelope.version,
                                  std::move(envelope.data)});
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "storage: list by index"));
  return page;
}

absl::StatusOr<std::vector<std::string>> Core::Lookup(
    const rocksdb::Snapshot* snapshot, absl::string_view index,
    absl::string_view value, size_t limit) const {
  std::vector<std::string> ids;
  if (limit == 0) return ids;
  const std::string prefix = IndexPrefix(index, value);
  const std::string upper = PrefixUpperBound(prefix);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options = IndexReadOptions(snapshot);
  read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read_options, index_cf_));
  for (it->Seek(prefix); it->Valid() && ids.size() < limit; it->Next()) {
    ASSIGN_OR_RETURN(
        IndexHolder holder,
        DecodeIndexSuffix(ToView(it->key()).substr(prefix.size())));
    // The same id in two tables gives two adjacent entries; report it once.
    if (ids.empty() || ids.back() != holder.id) {
      ids.push_back(std::move(holder.id));
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "storage: lookup"));
  return ids;
}

absl::Status Core::ForEach(const rocksdb::Snapshot* snapshot,
                           absl::string_view table,
                           const std::function<bool(const Record&)>& fn) const {
  rocksdb::ColumnFamilyHandle* cf = TableCf(table);
  if (cf == nullptr) return UnknownTable(table);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  // A full scan would evict the working set from the block cache.
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (closing_.load(std::memory_order_relaxed)) return ClosedError();
    ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(ToView(it->value())));
    const Record record{it->key().ToString(), envelope.version,
                        std::move(envelope.data)};
    if (!fn(record)) break;
  }
  return FromRocksDb(it->status(), "storage: for each");
}

// The effect of one Commit, built mutation by mutation against the current
// database, the overlay of commits planned before it and the commit's own
// earlier mutations, then written as one WriteBatch. Planned under
// commit_mu_ (see the top of this file).
class CommitPlan {
 public:
  explicit CommitPlan(Core& core) : core_(core) {}

  absl::Status Apply(Mutation& mutation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.commit_mu_);
  // Whether the commit changes anything (the change log aside).
  bool empty() const { return records_.empty(); }
  // Records the plan's outcome in the overlay under `ticket`.
  void Register(uint64_t ticket)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.commit_mu_);
  // The WriteBatch of the plan and of `changes` from `first_sequence` on.
  // Needs no lock: the plan is the commit's own.
  absl::StatusOr<rocksdb::WriteBatch> Batch(
      const std::vector<std::string>& changes, uint64_t first_sequence) const;

 private:
  struct RecordState {
    std::optional<Envelope> current;  // as later mutations must see it
    bool existed = false;             // in the database before the commit
  };
  using RecordId = Core::RecordId;

  absl::StatusOr<RecordState*> Load(const std::string& table,
                                    const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.commit_mu_);
  // `prefix` and `self` are the key's IndexPrefix and its IndexEntryKey
  // for this record.
  absl::Status CheckIndex(const IndexKey& key, const std::string& prefix,
                          const std::string& self)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_.commit_mu_);

  Core& core_;
  std::map<RecordId, RecordState> records_;
  // Index CF key -> flags byte to put, or nullopt to delete.
  std::map<std::string, std::optional<char>> index_writes_;
  // For each unique (index, value) this commit changes: its holder's index
  // key after the commit, or none.
  absl::flat_hash_map<std::string, std::optional<std::string>> unique_final_;
  std::unique_ptr<rocksdb::Iterator> index_it_;

 public:
  // The last planned commit whose overlay this plan read (0 for none).
  uint64_t overlay_ticket() const { return overlay_ticket_; }

 private:
  uint64_t overlay_ticket_ = 0;
};

absl::StatusOr<CommitPlan::RecordState*> CommitPlan::Load(
    const std::string& table, const std::string& id) {
  RecordId key(table, id);
  auto it = records_.find(key);
  if (it != records_.end()) return &it->second;
  RecordState state;
  auto planned = core_.overlay_records_.find(key);
  if (planned != core_.overlay_records_.end()) {
    // Written by the time this commit is: it writes after.
    overlay_ticket_ = std::max(overlay_ticket_, planned->second.ticket);
    state.current = planned->second.envelope;
    state.existed = state.current.has_value();
  } else {
    rocksdb::PinnableSlice bytes;
    rocksdb::Status s = core_.db_->Get(
        rocksdb::ReadOptions(), core_.TableCf(table), ToSlice(id), &bytes);
    if (s.ok()) {
      ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(ToView(bytes)));
      envelope.data.clear();  // never written again: a mutation replaces it
      state.current = std::move(envelope);
      state.existed = true;
    } else if (!s.IsNotFound()) {
      return FromRocksDb(s, "storage: commit: read record");
    }
  }
  return &records_.emplace(std::move(key), std::move(state)).first->second;
}

// Whether `table`/`id` may hold `key`. A unique entry must be the only
// holder of its (index, value), whichever side is unique. Holders are this
// commit's pending entries, then those of commits planned before it, then
// the database's minus those this commit rewrites or removes.
absl::Status CommitPlan::CheckIndex(const IndexKey& key,
                                    const std::string& prefix,
                                    const std::string& self) {
  auto conflict = [&](absl::string_view suffix) -> absl::Status {
    absl::StatusOr<IndexHolder> holder = DecodeIndexSuffix(suffix);
    if (!holder.ok()) return holder.status();
    return absl::AlreadyExistsError(absl::StrCat(
        "storage: unique index \"", key.index, "\": value already held by ",
        holder->table, "/", holder->id));
  };
  // A plain entry can only conflict with a unique one, which is rare: scan
  // the commit's entries of the pair only when it touched a unique one, so
  // that a batch of records sharing a plain value (one company's offers)
  // does not compare each with all the others.
  if (key.unique || unique_final_.contains(prefix)) {
    for (auto it = index_writes_.lower_bound(prefix);
         it != index_writes_.end() && absl::StartsWith(it->first, prefix);
         ++it) {
      if (it->first == self || !it->second.has_value()) continue;
      if (key.unique || *it->second == internal::kIndexUnique) {
        return conflict(absl::string_view(it->first).substr(prefix.size()));
      }
    }
  }
  // A plain entry is checked against this commit only: an index is unique
  // or plain for all its entries (store.h), so the database cannot hold a
  // unique holder of a plain pair. That keeps large plain indexes cheap.
  if (!key.unique) return absl::OkStatus();
  auto planned = core_.overlay_unique_.find(prefix);
  if (planned != core_.overlay_unique_.end()) {
    overlay_ticket_ = std::max(overlay_ticket_, planned->second.ticket);
    const std::optional<std::string>& holder = planned->second.holder;
    if (holder.has_value() && *holder != self &&
        index_writes_.count(*holder) == 0) {
      return conflict(absl::string_view(*holder).substr(prefix.size()));
    }
    return absl::OkStatus();
  }
  // One iterator for the whole plan: creating one costs more than a seek.
  if (index_it_ == nullptr) {
    index_it_.reset(
        core_.db_->NewIterator(IndexReadOptions(nullptr), core_.index_cf_));
  }
  rocksdb::Iterator* it = index_it_.get();
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    const std::string entry = it->key().ToString();
    if (entry == self || index_writes_.count(entry) > 0) continue;
    return conflict(absl::string_view(entry).substr(prefix.size()));
  }
  return FromRocksDb(it->status(), "storage: commit: read index");
}

absl::Status CommitPlan::Apply(Mutation& m) {
  ASSIGN_OR_RETURN(RecordState * state, Load(m.table, m.id));
  const std::string name = absl::StrCat(m.table, "/", m.id);
  switch (m.expect) {
    case Mutation::Expect::kAny:
      break;
    case Mutation::Expect::kAbsent:
      if (state->current.has_value()) {
        return absl::AlreadyExistsError(
            absl::StrCat("storage: record ", name, " already exists"));
      }
      break;
    case Mutation::Expect::kExists:
    case Mutation::Expect::kVersion:
      if (!state->current.has_value()) {
        return absl::NotFoundError(
            absl::StrCat("storage: record ", name, " not found"));
      }
      if (m.expect == Mutation::Expect::kVersion &&
          state->current->version != m.expected_version) {
        return absl::AbortedError(absl::StrCat(
            "storage: record ", name, " has version ", state->current->version,
            ", expected ", m.expected_version));
      }
      break;
  }
  if (state->current.has_value()) {
    for (const IndexKey& key : state->current->index_keys) {
      std::string entry = IndexEntryKey(key.index, key.value, m.id, m.table);
      if (key.unique) {
        std::optional<std::string>& holder =
            unique_final_[IndexPrefix(key.index, key.value)];
        if (!holder.has_value() || *holder == entry) holder.reset();
      }
      index_writes_[std::move(entry)] = std::nullopt;
    }
  }
  if (m.kind == Mutation::Kind::kDelete) {
    state->current.reset();
    return absl::OkStatus();
  }
  Envelope envelope;
  envelope.version = m.version;
  envelope.data = std::move(m.data);
  // A pair listed twice is one entry, unique if either says so.
  for (IndexKey& key : m.index_keys) {
    auto same =
        std::find_if(envelope.index_keys.begin(), envelope.index_keys.end(),
                     [&](const IndexKey& k) {
                       return k.index == key.index && k.value == key.value;
                     });
    if (same != envelope.index_keys.end()) {
      same->unique = same->unique || key.unique;
    } else {
      envelope.index_keys.push_back(std::move(key));
    }
  }
  for (const IndexKey& key : envelope.index_keys) {
    std::string prefix = IndexPrefix(key.index, key.value);
    std::string entry = prefix;
    internal::AppendComponent(&entry, m.id);
    internal::AppendComponent(&entry, m.table);
    RETURN_IF_ERROR(CheckIndex(key, prefix, entry));
    if (key.unique) unique_final_[prefix] = entry;
    index_writes_[std::move(entry)] =
        key.unique ? internal::kIndexUnique : internal::kIndexPlain;
  }
  state->current = std::move(envelope);
  return absl::OkStatus();
}

void CommitPlan::Register(uint64_t ticket) {
  Core::OverlayKeys keys;
  keys.ticket = ticket;
  for (const auto& [record_id, state] : records_) {
    Core::OverlayRecord& planned = core_.overlay_records_[record_id];
    planned.ticket = ticket;
    planned.envelope.reset();
    if (state.current.has_value()) {
      planned.envelope.emplace();
      planned.envelope->version = state.current->version;
      planned.envelope->index_keys = state.current->index_keys;
    }
    keys.records.push_back(record_id);
  }
  for (const auto& [prefix, holder] : unique_final_) {
    core_.overlay_unique_[prefix] = Core::OverlayUnique{ticket, holder};
    keys.uniques.push_back(prefix);
  }
  core_.overlay_keys_.push_back(std::move(keys));
}

absl::StatusOr<rocksdb::WriteBatch> CommitPlan::Batch(
    const std::vector<std::string>& changes, uint64_t first_sequence) const {
  rocksdb::WriteBatch batch;
  for (const auto& [record_id, state] : records_) {
    rocksdb::ColumnFamilyHandle* cf = core_.TableCf(record_id.first);
    rocksdb::Status s;
    if (state.current.has_value()) {
      s = batch.Put(cf, record_id.second, EncodeEnvelope(*state.current));
    } else if (state.existed) {
      s = batch.Delete(cf, record_id.second);
    }
    RETURN_IF_ERROR(FromRocksDb(s, "storage: commit: batch"));
  }
  for (const auto& [key, flags] : index_writes_) {
    rocksdb::Status s =
        flags.has_value()
            ? batch.Put(core_.index_cf_, key, rocksdb::Slice(&*flags, 1))
            : batch.Delete(core_.index_cf_, key);
    RETURN_IF_ERROR(FromRocksDb(s, "storage: commit: batch"));
  }
  uint64_t sequence = first_sequence;
  for (const std::string& change : changes) {
    RETURN_IF_ERROR(FromRocksDb(
        batch.Put(core_.changelog_cf_, EncodeBigEndian64(sequence++), change),
        "storage: commit: batch"));
  }
  return batch;
}

void Core::PruneOverlay() {
  uint64_t written;
  {
    absl::MutexLock lock(&mu_);
    written = written_ticket_;
  }
  while (!overlay_keys_.empty() && overlay_keys_.front().ticket <= written) {
    const OverlayKeys& keys = overlay_keys_.front();
    for (const RecordId& id : keys.records) {
      auto it = overlay_records_.find(id);
      // A later commit may have planned the key again.
      if (it != overlay_records_.end() && it->second.ticket == keys.ticket) {
        overlay_records_.erase(it);
      }
    }
    for (const std::string& prefix : keys.uniques) {
      auto it = overlay_unique_.find(prefix);
      if (it != overlay_unique_.end() && it->second.ticket == keys.ticket) {
        overlay_unique_.erase(it);
      }
    }
    overlay_keys_.pop_front();
  }
}

absl::StatusOr<CommitResult> Core::Commit(std::vector<Mutation> mutations,
                                          std::vector<std::string> changes) {
  for (const Mutation& m : mutations) {
    if (TableCf(m.table) == nullptr) return UnknownTable(m.table);
    if (m.id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "storage: empty record id in a mutation of table ", m.table));
    }
    if (m.kind == Mutation::Kind::kPut) {
      for (const IndexKey& key : m.index_keys) {
        if (key.index.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "storage: empty index name on record ", m.table, "/", m.id));
        }
      }
    }
  }
  CommitPlan plan(*this);
  CommitResult result;
  uint64_t ticket = 0;
  absl::Status refused;
  {
    absl::MutexLock commit_lock(&commit_mu_);
    {
      absl::MutexLock lock(&mu_);
      RETURN_IF_ERROR(write_failure_);
    }
    PruneOverlay();
    for (Mutation& m : mutations) {
      refused = plan.Apply(m);
      if (!refused.ok()) break;
    }
    if (refused.ok() && plan.empty() && changes.empty()) return result;
    if (refused.ok()) {
      if (!changes.empty()) {
        result.first_sequence = next_sequence_ + 1;
        result.last_sequence = next_sequence_ + changes.size();
        next_sequence_ = result.last_sequence;
      }
      ticket = ++last_ticket_;
      plan.Register(ticket);
    }
  }
  if (!refused.ok()) {
    // Refused on the strength of a commit not yet written: return once it
    // is, so that a caller who reads again and retries sees why.
    WaitWritten(plan.overlay_ticket());
    return refused;
  }
  // Built while the next commit is planned.
  absl::StatusOr<rocksdb::WriteBatch> batch =
      plan.Batch(changes, result.first_sequence);
  absl::Status written = batch.status();
  {
    absl::MutexLock lock(&mu_);
    auto my_turn = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return written_ticket_ + 1 == ticket;
    };
    mu_.Await(absl::Condition(&my_turn));
    if (written.ok()) written = write_failure_;
  }
  if (written.ok()) {
    rocksdb::WriteOptions write_options;
    write_options.sync = sync_;
    written =
        FromRocksDb(db_->Write(write_options, &*batch), "storage: commit");
  }
  absl::MutexLock lock(&mu_);
  // Waiters' conditions are re-evaluated when mu_ is released.
  written_ticket_ = ticket;
  if (!written.ok()) {
    // Commits planned after this one counted on it.
    if (write_failure_.ok()) {
      write_failure_ = absl::UnavailableError(absl::StrCat(
          "storage: a commit failed to write, the store takes no more "
          "(reopen it): ",
          written.message()));
    }
    return written;
  }
  if (result.last_sequence != 0) last_sequence_ = result.last_sequence;
  return result;
}

absl::StatusOr<std::vector<Change>> Core::ReadChanges(uint64_t since,
                                                      size_t limit) const {
  std::vector<Change> changes;
  // Never past the published LastSequence(), so a caller that reads up to
  // N and then waits for changes after N misses nothing.
  const uint64_t last = LastSequence();
  if (limit == 0 || since >= last) return changes;
  const std::string start = EncodeBigEndian64(since + 1);
  const std::string upper = EncodeBigEndian64(last + 1);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound =
      last == UINT64_MAX ? nullptr : &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(read_options, changelog_cf_));
  for (it->Seek(start); it->Valid() && changes.size() < limit; it->Next()) {
    Change change;
    if (!DecodeBigEndian64(ToView(it->key()), &change.sequence)) {
      return absl::DataLossError("storage: corrupt change-log key");
    }
    change.data = it->value().ToString();
    changes.push_back(std::move(change));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "storage: read changes"));
  return changes;
}

uint64_t Core::WaitForChanges(uint64_t after, absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto ready = [this, after]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return closed_ || last_sequence_ > after;
  };
  mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  return last_sequence_;
}

absl::Status Core::Checkpoint(const std::string& dir) const {
  if (dir.empty()) {
    return absl::InvalidArgumentError("storage: empty checkpoint directory");
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("storage: checkpoint directory ", dir, " exists"));
  }
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocksDb(rocksdb::Checkpoint::Create(db_.get(), &raw),
                              "storage: checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // RocksDB disables file deletions and copies the live WAL alongside the
  // files, so the copy holds whole commits only.
  return FromRocksDb(checkpoint->CreateCheckpoint(dir),
                     absl::StrCat("storage: checkpoint to ", dir));
}

std::pair<const rocksdb::Snapshot*, uint64_t> Core::TakeSnapshot() {
  // Under commit_mu_ no commit is planned; once every planned one is
  // written (and published), the data and the sequence agree.
  absl::MutexLock commit_lock(&commit_mu_);
  WaitWritten(last_ticket_);
  absl::MutexLock lock(&mu_);
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  snapshots_.insert(snapshot);
  return {snapshot, last_sequence_};
}

void Core::ReleaseSnapshot(const rocksdb::Snapshot* snapshot) {
  OpGuard guard(this);
  if (!guard.entered()) return;  // Close released it.
  bool registered;
  {
    absl::MutexLock lock(&mu_);
    registered = snapshots_.erase(snapshot) > 0;
  }
  if (registered) db_->ReleaseSnapshot(snapshot);
}

class SnapshotImpl : public Snapshot {
 public:
  // `snapshot` is null when the store was already closed.
  SnapshotImpl(std::shared_ptr<Core> core, const rocksdb::Snapshot* snapshot,
               uint64_t sequence)
      : core_(std::move(core)), snapshot_(snapshot), sequence_(sequence) {}
  ~SnapshotImpl() override {
    if (snapshot_ != nullptr) core_->ReleaseSnapshot(snapshot_);
  }

  uint64_t sequence() const override { return sequence_; }

  absl::StatusOr<Record> Get(absl::string_view table,
                             absl::string_view id) const override {
    OpGuard guard(core_.get());
    if (!guard.entered() || snapshot_ == nullptr) return ClosedError();
    return core_->Get(snapshot_, table, id);
  }
  absl::StatusOr<Page> List(absl::string_view table, int page_size,
                            absl::string_view page_token) const override {
    OpGuard guard(core_.get());
    if (!guard.entered() || snapshot_ == nullptr) return ClosedError();
    return core_->List(snapshot_, table, page_size, page_token);
  }
  absl::StatusOr<Page> ListByIndex(
      absl::string_view table, absl::string_view index, absl::string_view value,
      int page_size, absl::string_view page_token) const override {
    OpGuard guard(core_.get());
    if (!guard.entered() || snapshot_ == nullptr) return ClosedError();
    return core_->ListByIndex(snapshot_, table, index, value, page_size,
                              page_token);
  }
  absl::StatusOr<std::vector<std::string>> Lookup(absl::string_view index,
                                                  absl::string_view value,
                                                  size_t limit) const override {
    OpGuard guard(core_.get());
    if (!guard.entered() || snapshot_ == nullptr) return ClosedError();
    return core_->Lookup(snapshot_, index, value, limit);
  }
  absl::Status ForEach(
      absl::string_view table,
      const std::function<bool(const Record&)>& fn) const override {
    OpGuard guard(core_.get());
    if (!guard.entered() || snapshot_ == nullptr) return ClosedError();
    return core_->ForEach(snapshot_, table, fn);
  }

 private:
  const std::shared_ptr<Core> core_;
  const rocksdb::Snapshot* const snapshot_;
  const uint64_t sequence_;
};

class StoreImpl : public Store {
 public:
  explicit StoreImpl(std::shared_ptr<Core> core) : core_(std::move(core)) {}
  ~StoreImpl() override {
    absl::Status status = Close();
    if (!status.ok()) LOG(ERROR) << "storage: close failed: " << status;
  }

  absl::Status Close() override { return core_->Close(); }

  absl::StatusOr<Record> Get(absl::string_view table,
                             absl::string_view id) const override {
    OpGuard guard(core_.get());
    if (!guard.entered()) return ClosedError();
    return core_->Get(nullptr, table, id);
  }
  absl::StatusOr<Page> List(absl::string_view table, int page_size,
                            absl::string_view page_token) const override {
    OpGuard guard(core_.get());
    if (!guard.entered()) return ClosedError();
    return core_->List(nullptr, table, page_size, page_token);
  }
  absl::StatusOr<Page> ListByIndex(
      absl::string_view table, absl::string_view index, absl::string_view value,
      int page_size, absl::string_view page_token) const override {
    OpGuard guard(core_.get());
    if (!guard.entered()) return ClosedError();
    return core_->ListByIndex(nullptr, table, index, value, page_size,
                              page_token);
  }
  absl::StatusOr<std::vector<std::string>> Lookup(absl::string_view index,
                                                  absl::string_view value,
                                                  size_t limit) const override {
    OpGuard guard(core_.get());
    if (!guard.entered()) return ClosedError();
    return core_->Lookup(nullptr, index, value, limit);
  }
  absl::Status ForEach(
      absl::string_view table,
      const std::function<bool(const Record&)>& fn) const override {
    OpGuard guard(core_.get());
    if (!guard.entered()) return ClosedError();
    return core_->ForEach(nullptr, table, fn);
  }

  absl::StatusOr<CommitResult> Commit(
      std::vector<Mutation> mutations,
      std::vector<std::string> changes) override {
    OpGuard guard(core_.get());
    if (!guard.entered()) return ClosedError();
    return core_->Commit(std::move(mutations), std::move(changes));
  }
  uint64_t LastSequence() const override { return core_->LastSequence(); }
  absl::StatusOr<std::vector<Change>> ReadChanges(uint64_t since,
                                                  size_t limit) const override {
    OpGuard guard(core_.get());
    if (!guard.entered()) return ClosedError();
    return core_->ReadChanges(since, limit);
  }
  uint64_t WaitForChanges(uint64_t after, absl::Time deadline) const override {
    return core_->WaitForChanges(after, deadline);
  }

  std::unique_ptr<Snapshot> GetSnapshot() const override {
    OpGuard guard(core_.get());
    if (!guard.entered()) {
      return std::make_unique<SnapshotImpl>(core_, nullptr,
                                            core_->LastSequence());
    }
    auto [snapshot, sequence] = core_->TakeSnapshot();
    return std::make_unique<SnapshotImpl>(core_, snapshot, sequence);
  }

  absl::Status Checkpoint(const std::string& dir) const override {
    OpGuard guard(core_.get());
    if (!guard.entered()) return ClosedError();
    return core_->Checkpoint(dir);
  }

 private:
  const std::shared_ptr<Core> core_;
};

}  // namespace

std::string IndexPageTokenAfter(absl::string_view table,
                                absl::string_view index,
                                absl::string_view value,
                                absl::string_view last_id) {
  internal::PageScope scope;
  scope.kind = internal::PageScope::Kind::kIndex;
  scope.table = std::string(table);
  scope.index = std::string(index);
  scope.value = std::string(value);
  return EncodePageToken(scope, last_id);
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const Options& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("storage: empty database path");
  }
  std::set<std::string> tables;
  for (const std::string& table : options.tables) {
    if (!IsValidTableName(table)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "storage: invalid table name \"", table,
          "\" (empty, \"default\" and names starting with \"__\" are "
          "reserved)"));
    }
    if (!tables.insert(table).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("storage: table \"", table, "\" listed twice"));
    }
  }

  const rocksdb::DBOptions db_options = MakeDbOptions(options);
  const std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(kBlockCacheBytes);
  const rocksdb::ColumnFamilyOptions cf_options = MakeCfOptions(cache);
  const rocksdb::ColumnFamilyOptions index_cf_options =
      MakeIndexCfOptions(cache);
  const rocksdb::ColumnFamilyOptions changelog_cf_options =
      MakeChangelogCfOptions(cache);

  // RocksDB must open every existing column family, including tables this
  // caller does not list (they stay on disk, unreachable). The call fails
  // when there is no database yet, which Open then reports or creates.
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing)
           .ok()) {
    existing.clear();
  }
  std::set<std::string> names(existing.begin(), existing.end());
  names.insert(tables.begin(), tables.end());
  names.insert(
      {rocksdb::kDefaultColumnFamilyName, kIndexCf, kChangelogCf, kMetaCf});
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, name == kIndexCf       ? index_cf_options
                                   : name == kChangelogCf ? changelog_cf_options
                                                          : cf_options);
  }

  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  RETURN_IF_ERROR(FromRocksDb(
      rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw),
      absl::StrCat("storage: open ", options.path), RocksDbOp::kOpen));
  auto core = std::make_shared<Core>(std::unique_ptr<rocksdb::DB>(raw),
                                     std::move(handles), tables, options.sync);
  // On error the Core's destructor closes the database.
  RETURN_IF_ERROR(core->Init(tables));
  return std::unique_ptr<Store>(new StoreImpl(std::move(core)));
}

}  // namespace passerelle::storage
