#pragma once

// BatchUpserter<T>: the server side of ImportGraduates / ImportOffers.
// Records arrive one by one; each is checked, matched by its external id to
// an existing record (update, or unchanged) or created, and written in
// batches of one atomic Commit each. A bad record is reported with its index
// and the offending field and never stops the import.

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "google/protobuf/util/message_differencer.h"
#include "passerelle/v1/graduate.pb.h"
#include "services/runtime/repository.h"

namespace passerelle::runtime {

// Splits "graduate.birth_date: must be ..." into field and message.
void FillImportError(const absl::Status& status, v1::ImportError* error);

template <typename T>
class BatchUpserter {
 public:
  struct Hooks {
    // Checks and normalizes an incoming record (owner, fields). Errors are
    // reported against the record.
    std::function<absl::Status(T*)> validate;
    // The unique index entry holding the record's external id.
    std::function<storage::IndexKey(const T&)> external_key;
    // Carries server-owned fields of the stored record over to the incoming
    // one (status, counters...).
    std::function<void(const T& existing, T* incoming)> keep;
    // Optional: checks the record as it would be stored, against the stored
    // one (`existing`, null for a new record), after `keep`; may complete
    // it. An error rejects the record (reported against it, nothing
    // written): for invariants between the incoming and stored fields.
    std::function<absl::Status(const T* existing, T* incoming)> check;
  };

  static constexpr int kMaxReportedErrors = 1000;

  BatchUpserter(Repository<T>* repository, Hooks hooks,
                size_t batch_size = 1024)
      : repository_(repository),
        hooks_(std::move(hooks)),
        batch_size_(batch_size) {}

  // Takes the next record of the stream (written by a later Flush). Returns
  // a non-OK status only for a failure of the store, which ends the import.
  absl::Status Add(T record) {
    const int64_t index = received_.fetch_add(1, std::memory_order_relaxed);
    if (record.external_id().empty()) {
      Reject(
          index, record.external_id(),
          absl::InvalidArgumentError(absl::StrCat(
              repository_->spec().noun, ".external_id: required on import")));
      return absl::OkStatus();
    }
    absl::Status valid = hooks_.validate(&record);
    if (!valid.ok()) {
      Reject(index, record.external_id(), valid);
      return absl::OkStatus();
    }
    storage::IndexKey key = hooks_.external_key(record);
    // The same external id twice in a batch: the second goes into the next
    // batch, which is written after this one and so sees it.
    if (pending_keys_.contains(key.value)) Seal();
    pending_keys_.insert(key.value);
    pending_.push_back({index, std::move(record), std::move(key)});
    if (pending_.size() >= batch_size_) Seal();
    return absl::OkStatus();
  }

  // Takes a record of the stream that could not be read (its bytes do not
  // parse): rejected with `status`, which names the problem.
  void RejectUnreadable(const absl::Status& status) {
    Reject(received_.fetch_add(1, std::memory_order_relaxed), "", status);
  }

  struct Pending {
    int64_t index;
    T record;
    storage::IndexKey key;
  };
  using Batch = std::vector<Pending>;

  // A batch is ready to be written.
  bool ready() const { return !sealed_.empty(); }
  // Nothing is waiting to be written.
  bool empty() const { return sealed_.empty() && pending_.empty(); }
  // The next batch to write: the oldest ready one, else what is pending.
  Batch Take() {
    if (sealed_.empty()) Seal();
    if (sealed_.empty()) return {};
    Batch batch = std::move(sealed_.front());
    sealed_.pop_front();
    return batch;
  }

  // Writes everything taken so far, in order. Returns non-OK only when the
  // store fails.
  absl::Status Flush() {
    while (!empty()) RETURN_IF_ERROR(Write(Take()));
    return absl::OkStatus();
  }

  // Writes one batch (off the network threads: it reads and writes the
  // store). Batches must be written one at a time, in Take() order; Add()
  // may run meanwhile. Returns non-OK only when the store fails.
  absl::Status Write(Batch batch) {
    if (batch.empty()) return absl::OkStatus();
    // After a batch that only created records (a first import), the next
    // is planned as new without looking each external id up: the store's
    // unique index refuses the commit whole if one is taken, and the batch
    // is then planned again with the look-ups.
    const bool assume_new = assume_new_;
    // Until the batch is committed, none of its records is.
    const int64_t first_index = batch.front().index;
    auto failed = [this, first_index](absl::Status status, int64_t from = -1) {
      absl::MutexLock lock(&mu_);
      failed_from_ = from >= 0 ? from : first_index;
      return status;
    };
    std::vector<Planned> plan;
    plan.reserve(batch.size());
    for (Pending& p : batch) {
      absl::StatusOr<Planned> planned = Plan(std::move(p), assume_new);
      if (!planned.ok()) return failed(planned.status());
      plan.push_back(*std::move(planned));
    }
    absl::Status committed = CommitPlanned(plan);
    if (assume_new && absl::IsAlreadyExists(committed)) {
      for (Planned& p : plan) {
        absl::StatusOr<Planned> again =
            Plan(std::move(p.pending), /*assume_new=*/false);
        if (!again.ok()) return failed(again.status());
        p = *std::move(again);
      }
      committed = CommitPlanned(plan);
    }
    if (committed.ok()) {
      int64_t counts[4] = {0, 0, 0, 0};
      for (const Planned& p : plan) {
        ++counts[static_cast<int>(p.outcome)];
        if (p.outcome == Outcome::kRejected) {
          Reject(p.pending.index, p.pending.record.external_id(), p.error);
        }
      }
      assume_new_ = counts[0] == static_cast<int64_t>(plan.size());
      absl::MutexLock lock(&mu_);
      response_.set_created(response_.created() + counts[0]);
      response_.set_updated(response_.updated() + counts[1]);
      response_.set_unchanged(response_.unchanged() + counts[2]);
      return absl::OkStatus();
    }
    assume_new_ = false;
    if (!IsConflict(committed)) return failed(committed);
    // A concurrent writer got in between: redo the batch one record at a
    // time so that each conflict is retried or reported on its own record.
    for (Planned& p : plan) {
      absl::Status single = absl::OkStatus();
      const int64_t index = p.pending.index;
      for (int attempt = 0; attempt < 3; ++attempt) {
        absl::StatusOr<Planned> again =
            Plan(std::move(p.pending), /*assume_new=*/false);
        if (!again.ok()) return failed(again.status(), index);
        p = *std::move(again);
        if (p.outcome == Outcome::kUnchanged ||
            p.outcome == Outcome::kRejected) {
          break;
        }
        absl::StatusOr<storage::CommitResult> one =
            repository_->store()->Commit({p.mutation}, {p.change});
        single = one.status();
        if (one.ok()) Publish(*one, absl::MakeConstSpan(&p, 1));
        if (!IsConflict(single)) break;
      }
      if (p.outcome == Outcome::kRejected) {
        Reject(p.pending.index, p.pending.record.external_id(), p.error);
      } else if (single.ok()) {
        Count(p.outcome);
      } else if (IsConflict(single)) {
        Reject(p.pending.index, p.pending.record.external_id(), single);
      } else {
        return failed(single, index);
      }
    }
    return absl::OkStatus();
  }

  // The counts and errors so far, errors in stream order; `settled` is
  // `received` (every record's outcome is in the counts once Flush()ed).
  v1::ImportResponse response() const {
    absl::MutexLock lock(&mu_);
    v1::ImportResponse out = response_;
    out.set_received(received_.load(std::memory_order_relaxed));
    out.set_settled(out.received());
    SortErrors(&out);
    return out;
  }

  // What an import that ends now, without writing what is left, reports:
  // the records before index `settled` each have their outcome in the
  // counts (created, updated, unchanged or rejected) and the errors; none
  // from `settled` on was written (the batches still queued, or the part
  // of a batch whose write failed), and their rejections are left out.
  // Call it with no Write() in flight.
  v1::ImportResponse Settled() const {
    absl::MutexLock lock(&mu_);
    const int64_t received = received_.load(std::memory_order_relaxed);
    int64_t settled = received;
    if (!sealed_.empty() && !sealed_.front().empty()) {
      settled = sealed_.front().front().index;
    } else if (!pending_.empty()) {
      settled = pending_.front().index;
    }
    if (failed_from_ >= 0) settled = std::min(settled, failed_from_);
    v1::ImportResponse out = response_;
    out.set_received(received);
    out.set_settled(settled);
    int64_t beyond = 0;
    for (int64_t index : rejected_indices_) beyond += index >= settled;
    out.set_rejected(out.rejected() - beyond);
    auto* errors = out.mutable_errors();
    errors->erase(std::remove_if(errors->begin(), errors->end(),
                                 [settled](const v1::ImportError& e) {
                                   return e.index() >= settled;
                                 }),
                  errors->end());
    SortErrors(&out);
    return out;
  }

 private:
  // kRejected: refused by Hooks::check (`error`), nothing to write.
  enum class Outcome {
    kCreated = 0,
    kUpdated = 1,
    kUnchanged = 2,
    kRejected = 3
  };
  struct Planned {
    Pending pending;
    Outcome outcome;
    absl::Status error;               // kRejected
    std::shared_ptr<const T> record;  // as stored, unless unchanged
    storage::Mutation mutation;
    std::string change;
  };

  // Hands the committed records of `plan` (whose changes `result` logged,
  // in order) to the repository's in-process followers.
  void Publish(const storage::CommitResult& result,
               absl::Span<const Planned> plan) {
    RecentRecords<T>* recent = repository_->recent();
    if (recent == nullptr) return;
    uint64_t sequence = result.first_sequence;
    for (const Planned& p : plan) {
      if (p.outcome == Outcome::kCreated || p.outcome == Outcome::kUpdated) {
        recent->Add(sequence++, p.record);
      }
    }
  }

  static bool IsConflict(const absl::Status& s) {
    return absl::IsAborted(s) || absl::IsAlreadyExists(s) ||
           absl::IsNotFound(s);
  }

  // Commits the planned records that change something (their mutations
  // and changes are moved out: a retry plans its records again).
  absl::Status CommitPlanned(std::vector<Planned>& plan) {
    std::vector<storage::Mutation> mutations;
    std::vector<std::string> changes;
    mutations.reserve(plan.size());
    changes.reserve(plan.size());
    for (Planned& p : plan) {
      if (p.outcome != Outcome::kCreated && p.outcome != Outcome::kUpdated) {
        continue;
      }
      mutations.push_back(std::move(p.mutation));
      changes.push_back(std::move(p.change));
    }
    if (mutations.empty()) return absl::OkStatus();
    absl::StatusOr<storage::CommitResult> result =
        repository_->store()->Commit(std::move(mutations), std::move(changes));
    if (result.ok()) Publish(*result, plan);
    return result.status();
  }

  // With `assume_new`, the record is planned as a creation without looking
  // its external id up.
  absl::StatusOr<Planned> Plan(Pending pending, bool assume_new) {
    Planned out;
    std::optional<std::string> id;
    if (!assume_new) {
      ASSIGN_OR_RETURN(
          id, repository_->FindUnique(pending.key.index, pending.key.value));
    }
    auto planned = std::make_shared<T>(pending.record);
    T& record = *planned;
    const absl::Time now = absl::Now();
    std::optional<T> existing;
    if (id.has_value()) {
      absl::StatusOr<T> stored = repository_->Get(*id);
      if (stored.ok()) {
        existing = *std::move(stored);
      } else if (!absl::IsNotFound(stored.status())) {
        return stored.status();
      }
    }
    if (existing.has_value()) {
      record.set_id(existing->id());
      record.set_version(existing->version());
      *record.mutable_create_time() = existing->create_time();
      *record.mutable_update_time() = existing->update_time();
      hooks_.keep(*existing, &record);
      if (absl::Status checked = Check(&*existing, &record, &out);
          !checked.ok()) {
        out.pending = std::move(pending);
        return out;
      }
      if (google::protobuf::util::MessageDifferencer::Equals(record,
                                                             *existing)) {
        out.outcome = Outcome::kUnchanged;
      } else {
        repository_->PrepareUpdate(&record, existing->version(), now);
        out.outcome = Outcome::kUpdated;
        out.mutation = repository_->PutMutation(
            record, storage::Mutation::Expect::kVersion, existing->version());
        out.change = repository_->Event(record, v1::CHANGE_OP_UPDATED);
      }
    } else {
      if (absl::Status checked = Check(nullptr, &record, &out); !checked.ok()) {
        out.pending = std::move(pending);
        return out;
      }
      repository_->PrepareCreate(&record, now);
      out.outcome = Outcome::kCreated;
      out.mutation = repository_->PutMutation(
          record, storage::Mutation::Expect::kAbsent, 0);
      out.change = repository_->Event(record, v1::CHANGE_OP_CREATED);
    }
    if (out.outcome != Outcome::kUnchanged) out.record = std::move(planned);
    out.pending = std::move(pending);
    return out;
  }

  static void SortErrors(v1::ImportResponse* out) {
    std::stable_sort(out->mutable_errors()->begin(),
                     out->mutable_errors()->end(),
                     [](const v1::ImportError& a, const v1::ImportError& b) {
                       return a.index() < b.index();
                     });
  }

  // Runs Hooks::check; a refusal makes `out` a rejection.
  absl::Status Check(const T* existing, T* record, Planned* out) {
    if (!hooks_.check) return absl::OkStatus();
    absl::Status checked = hooks_.check(existing, record);
    if (!checked.ok()) {
      out->outcome = Outcome::kRejected;
      out->error = checked;
    }
    return checked;
  }

  void Seal() {
    if (pending_.empty()) return;
    sealed_.push_back(std::move(pending_));
    pending_.clear();
    pending_keys_.clear();
  }

  void Count(Outcome outcome) {
    absl::MutexLock lock(&mu_);
    switch (outcome) {
      case Outcome::kCreated:
        response_.set_created(response_.created() + 1);
        break;
      case Outcome::kUpdated:
        response_.set_updated(response_.updated() + 1);
        break;
      case Outcome::kUnchanged:
        response_.set_unchanged(response_.unchanged() + 1);
        break;
      case Outcome::kRejected:  // counted by Reject()
        break;
    }
  }

  void Reject(int64_t index, const std::string& external_id,
              const absl::Status& status) {
    absl::MutexLock lock(&mu_);
    response_.set_rejected(response_.rejected() + 1);
    rejected_indices_.push_back(index);
    if (response_.errors_size() >= kMaxReportedErrors) return;
    v1::ImportError* error = response_.add_errors();
    error->set_index(index);
    error->set_external_id(external_id);
    FillImportError(status, error);
  }

  Repository<T>* repository_;
  Hooks hooks_;
  size_t batch_size_;
  // Owned by the Write() side.
  bool assume_new_ = true;
  // Written by the Add() side, read by response() too.
  std::atomic<int64_t> received_{0};
  // Owned by the Add() side.
  Batch pending_;
  absl::flat_hash_set<std::string> pending_keys_;
  std::deque<Batch> sealed_;
  // Counters, updated by both sides.
  mutable absl::Mutex mu_;
  v1::ImportResponse response_ ABSL_GUARDED_BY(mu_);
  // Every rejected record's index (for Settled()).
  std::vector<int64_t> rejected_indices_ ABSL_GUARDED_BY(mu_);
  // The first record a failed Write() left unwritten, or -1.
  int64_t failed_from_ ABSL_GUARDED_BY(mu_) = -1;
};

}  // namespace passerelle::runtime
