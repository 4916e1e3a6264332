#pragma once

// RecentRecords<T>: the records this process has just committed, for a
// follower of the change log in the same process (the matching index) to
// take instead of reading and parsing them back from the store. A hint
// only: a follower that misses (another process wrote, the cache was full,
// the record changed again since) reads the store as before.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace passerelle::runtime {

// T is a v1 resource message with `id` and `version`.
template <typename T>
class RecentRecords {
 public:
  // At most `capacity` records are kept; more are dropped (then read back).
  explicit RecentRecords(size_t capacity) : capacity_(capacity) {}

  // `record` was committed; its change-log event has `sequence`.
  void Add(uint64_t sequence, std::shared_ptr<const T> record) {
    absl::MutexLock lock(&mu_);
    if (sequence <= forgotten_ || by_id_.size() >= capacity_) return;
    std::string id = record->id();
    order_.emplace_back(sequence, id);
    by_id_[std::move(id)] = Entry{sequence, std::move(record)};
  }

  // The record committed as `id` at `version`, if still here; taken out.
  std::shared_ptr<const T> Take(absl::string_view id, int64_t version) {
    absl::MutexLock lock(&mu_);
    auto it = by_id_.find(id);
    if (it == by_id_.end() || it->second.record->version() != version) {
      return nullptr;
    }
    std::shared_ptr<const T> record = std::move(it->second.record);
    by_id_.erase(it);
    return record;
  }

  // The follower has applied every event up to `sequence`: what is left of
  // them is not wanted any more.
  void ForgetThrough(uint64_t sequence) {
    absl::MutexLock lock(&mu_);
    forgotten_ = std::max(forgotten_, sequence);
    while (!order_.empty() && order_.front().first <= sequence) {
      auto it = by_id_.find(order_.front().second);
      if (it != by_id_.end() && it->second.sequence <= sequence) {
        by_id_.erase(it);
      }
      order_.pop_front();
    }
  }

  size_t size() const {
    absl::MutexLock lock(&mu_);
    return by_id_.size();
  }

 private:
  struct Entry {
    uint64_t sequence;
    std::shared_ptr<const T> record;
  };

  const size_t capacity_;
  mutable absl::Mutex mu_;
  uint64_t forgotten_ ABSL_GUARDED_BY(mu_) = 0;
  // Latest record of each id, and (sequence, id) in the order of Add.
  absl::flat_hash_map<std::string, Entry> by_id_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<uint64_t, std::string>> order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passerelle::runtime
