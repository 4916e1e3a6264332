#include "storage/internal/status.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace passerelle::storage::internal {
namespace {

// RocksDB has no code for "locked": PosixEnv::LockFile returns an IOError
// whose message is either "lock hold by current process ..." (same process)
// or "While lock file: <path>/LOCK: <strerror>" (another process).
bool IsLockError(const rocksdb::Status& status, const std::string& message) {
  return status.IsIOError() &&
         (absl::StrContains(message, "lock hold by current process") ||
          absl::StrContains(message, "While lock file") ||
          absl::StrContains(message, "/LOCK:"));
}

}  // namespace

absl::Status FromRocksDb(const rocksdb::Status& status,
                         absl::string_view context, RocksDbOp op) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = status.ToString();
  const std::string text = absl::StrCat(context, ": ", message);
  switch (status.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(text);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(text);
    case rocksdb::Status::kInvalidArgument:
      return absl::InvalidArgumentError(text);
    case rocksdb::Status::kNotSupported:
      return absl::UnimplementedError(text);
    case rocksdb::Status::kIOError:
      if (op == RocksDbOp::kOpen && IsLockError(status, message)) {
        return absl::FailedPreconditionError(text);
      }
      if (status.IsNoSpace()) return absl::ResourceExhaustedError(text);
      return absl::InternalError(text);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kShutdownInProgress:
      return absl::UnavailableError(text);
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kExpired:
      return absl::DeadlineExceededError(text);
    case rocksdb::Status::kAborted:
      return absl::AbortedError(text);
    default:
      return absl::InternalError(text);
  }
}

}  // namespace passerelle::storage::internal
