#pragma once

// passerelle::storage — a small typed layer over RocksDB, and the only code
// in the project that includes RocksDB headers.
//
// A Store is one RocksDB database with one column family per table, plus
// internal column families for secondary indexes and the change log.
// Records are opaque bytes (serialized protobuf messages) with a version.
// Every Commit applies its record writes, their secondary index entries and
// their change-log entries in one atomic rocksdb::WriteBatch, with the
// write-ahead log on: an acknowledged Commit survives `kill -9`.
//
// Thread-safe: every method may be called concurrently.
//
// After Close(), every method returning a status returns FAILED_PRECONDITION;
// LastSequence() and WaitForChanges() keep returning the last sequence.
// Corrupt stored bytes are reported as DATA_LOSS.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace passerelle::storage {

// A stored record: the caller's bytes and the version it was written with.
struct Record {
  std::string id;
  int64_t version = 0;
  std::string data;
};

// A secondary index entry of a record: (index, value) -> record id.
// A unique entry may be held by one record only: a record cannot add
// (index, value) while another record holds it and either entry is unique.
// Index names are shared by all tables (Lookup takes no table); a record is
// identified by (table, id), so the same id in two tables is two holders.
struct IndexKey {
  std::string index;  // e.g. "graduates_by_school"
  std::string value;  // e.g. the school id
  bool unique = false;
};

// One record write inside a Commit.
struct Mutation {
  enum class Kind { kPut, kDelete };
  // The condition checked atomically with the write.
  enum class Expect {
    kAny,      // no check
    kAbsent,   // the record must not exist: else ALREADY_EXISTS
    kExists,   // the record must exist: else NOT_FOUND
    kVersion,  // must exist (NOT_FOUND) with `expected_version` (ABORTED)
  };

  Kind kind = Kind::kPut;
  std::string table;
  std::string id;
  std::string data;  // kPut: the record's bytes
  // kPut: the version stored with the record, as given: the store does not
  // increment it; callers doing optimistic updates write expected + 1.
  int64_t version = 0;
  Expect expect = Expect::kAny;
  int64_t expected_version = 0;
  // kPut: the new record's index entries. The store keeps them with the
  // record and removes the previous entries on overwrite and on delete.
  std::vector<IndexKey> index_keys;
};

struct CommitResult {
  // Sequence numbers given to the commit's change-log entries, in order;
  // both 0 when the commit had none.
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
};

// A change-log entry: its sequence number and the caller's bytes.
struct Change {
  uint64_t sequence = 0;
  std::string data;
};

struct Page {
  std::vector<Record> records;
  std::string next_page_token;  // empty on the last page
};

// Read methods shared by the live store and its snapshots.
class Reader {
 public:
  virtual ~Reader() = default;

  // Returns the record, or NOT_FOUND. INVALID_ARGUMENT for an unknown table.
  virtual absl::StatusOr<Record> Get(absl::string_view table,
                                     absl::string_view id) const = 0;

  // Records of `table` in id order, at most `page_size` (>= 1) of them,
  // starting after the position encoded in `page_token` (empty = from the
  // start). INVALID_ARGUMENT for a malformed token or unknown table.
  // Tokens are opaque, bound to their listing (a token of another table or
  // of ListByIndex is INVALID_ARGUMENT naming "page_token") and stay valid
  // across commits: the next page starts after the last id returned.
  // next_page_token is empty exactly when no record follows the page.
  virtual absl::StatusOr<Page> List(absl::string_view table, int page_size,
                                    absl::string_view page_token) const = 0;

  // Records of `table` whose index entry (index, value) exists, in id
  // order, paged as List. Entries held by other tables' records are
  // skipped. A token is valid only for the same (table, index, value).
  virtual absl::StatusOr<Page> ListByIndex(
      absl::string_view table, absl::string_view index, absl::string_view value,
      int page_size, absl::string_view page_token) const = 0;

  // Ids holding (index, value), at most `limit`, in id order, whatever
  // their table; an id held in several tables appears once.
  virtual absl::StatusOr<std::vector<std::string>> Lookup(
      absl::string_view index, absl::string_view value, size_t limit) const = 0;

  // Calls `fn` for every record of `table` in id order until it returns
  // false. Used to build in-memory indexes. Sees one consistent state.
  // `fn` must not call Close() (Close waits for running reads); if another
  // thread closes the store meanwhile, returns FAILED_PRECONDITION.
  virtual absl::Status ForEach(
      absl::string_view table,
      const std::function<bool(const Record&)>& fn) const = 0;
};

// The ListByIndex(table, index, value) page token of a page that ended at
// `last_id` (which need not hold the entry): the next page starts at the
// first id after it. For a caller that walks several listings in step,
// merging them by id, with one position of its own for all of them.
std::string IndexPageTokenAfter(absl::string_view table,
                                absl::string_view index,
                                absl::string_view value,
                                absl::string_view last_id);

// A consistent read view: sees every commit up to `sequence()` and none
// after. It may outlive its Store; once the Store is closed its methods
// return FAILED_PRECONDITION. Release snapshots promptly: RocksDB keeps
// every version they can see.
class Snapshot : public Reader {
 public:
  // The last change-log sequence number included in the snapshot.
  virtual uint64_t sequence() const = 0;
};

class Store : public Reader {
 public:
  struct Options {
    std::string path;  // the database directory
    // Column families; created if missing. Names must be non-empty, not
    // "default" and not start with "__" (reserved for the store's own).
    // Tables on disk but not listed are kept, unreachable (INVALID_ARGUMENT).
    std::vector<std::string> tables;
    bool create_if_missing = true;
    bool sync = false;  // fsync the WAL on each commit (machine crashes)
  };

  // Opens (or creates) the database. Errors: INVALID_ARGUMENT for bad
  // options (including a missing database with create_if_missing false),
  // FAILED_PRECONDITION when locked by another process or another open
  // Store, or written in an unknown format; INTERNAL or DATA_LOSS for I/O
  // and corruption.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const Options& options);

  // Closes the database (flushes memtables); idempotent, later calls return
  // the first call's status. Wakes WaitForChanges, waits for running
  // operations, and ends outstanding Snapshots. The destructor calls it.
  virtual absl::Status Close() = 0;

  // Applies all mutations and appends all `changes` to the change log, in
  // one atomic write, or nothing at all. Commits are serialized: sequence
  // numbers are consecutive, and a reader that sees sequence N sees every
  // sequence below it. Errors (nothing written): ALREADY_EXISTS (kAbsent
  // failed, or a unique index entry is held by another record; the message
  // names the index), NOT_FOUND (kExists/kVersion on a missing record),
  // ABORTED (version mismatch), INVALID_ARGUMENT (unknown table, empty id,
  // empty index name), INTERNAL for I/O errors (RESOURCE_EXHAUSTED when the
  // disk is full). Mutations apply in order, each seeing the ones before
  // it (e.g. delete then kAbsent put of one id succeeds; a record may
  // release a unique entry that a later mutation takes). A commit with
  // neither mutations nor changes writes nothing and returns {0, 0}.
  virtual absl::StatusOr<CommitResult> Commit(
      std::vector<Mutation> mutations, std::vector<std::string> changes) = 0;

  // The highest change-log sequence number committed; 0 when empty.
  virtual uint64_t LastSequence() const = 0;

  // Change-log entries with sequence > `since`, in order, at most `limit`,
  // never beyond LastSequence(). The log is never trimmed.
  virtual absl::StatusOr<std::vector<Change>> ReadChanges(
      uint64_t since, size_t limit) const = 0;

  // Blocks until LastSequence() > `after` or `deadline` passes, then
  // returns LastSequence(). Never blocks after Close().
  virtual uint64_t WaitForChanges(uint64_t after,
                                  absl::Time deadline) const = 0;

  // Never null. After Close() the snapshot's reads return
  // FAILED_PRECONDITION (this signature cannot return a status).
  virtual std::unique_ptr<Snapshot> GetSnapshot() const = 0;

  // Writes a consistent copy of the database to `dir` (must not exist:
  // else ALREADY_EXISTS), openable with Open. Hard-links files where it can.
  virtual absl::Status Checkpoint(const std::string& dir) const = 0;
};

}  // namespace passerelle::storage
