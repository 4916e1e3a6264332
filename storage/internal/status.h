#pragma once

// The one place where rocksdb::Status becomes absl::Status. Private to
// storage/.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace passerelle::storage::internal {

// Where the status came from: opening the database reports a lock held by
// another process (or another Store in this one) as an I/O error, which the
// caller must see as FAILED_PRECONDITION rather than INTERNAL.
enum class RocksDbOp { kOpen, kOther };

// Maps `status` to the canonical code a caller can act on, and prefixes the
// message with `context` (e.g. "commit"):
//   NotFound -> NOT_FOUND            Corruption -> DATA_LOSS
//   InvalidArgument -> INVALID_ARGUMENT  NotSupported -> UNIMPLEMENTED
//   IOError -> INTERNAL; RESOURCE_EXHAUSTED when the disk is full;
//     FAILED_PRECONDITION for the LOCK file on kOpen (RocksDB 7.8's Status
//     does not expose its "retryable" bit, so no IOError is UNAVAILABLE)
//   Busy, TryAgain, ShutdownInProgress -> UNAVAILABLE
//   TimedOut, Expired -> DEADLINE_EXCEEDED   Aborted -> ABORTED
//   anything else -> INTERNAL
absl::Status FromRocksDb(const rocksdb::Status& status,
                         absl::string_view context,
                         RocksDbOp op = RocksDbOp::kOther);

}  // namespace passerelle::storage::internal
