#pragma once

// The server side of a client-streaming Import<X> call (ImportGraduates,
// ImportOffers), and what the client learns of it however it ends.
//
// Records are checked as they arrive and written in batches, one atomic
// commit each (BatchUpserter), while reading goes on. How a call ends:
//
// - The client half-closes: everything received is written; OK, and the
//   ImportResponse counts every record (settled == received).
// - Idle timeout: no record arrives for ImportCalls::idle_timeout() (60 s
//   by default) while the server waits for one; this covers a client that
//   never sends and one that never half-closes. Reading stops, what was
//   received is written, and the call ends DEADLINE_EXCEEDED.
// - Graceful shutdown (ImportCalls::StopAll, from Server::Shutdown on
//   SIGTERM): the same, ending UNAVAILABLE; an import that starts after it
//   is refused UNAVAILABLE.
// - A storage failure: no batch is written after the failing one; the
//   call ends with the failure's status.
// - The client cancels (or its deadline passes): no batch is written after
//   the cancellation reaches the server (a batch being written completes).
//   gRPC delivers nothing to a client that cancelled: since imports are
//   upserts by external id, sending the same records again is safe, and
//   those already written come back `unchanged`.
//
// On every non-OK end after the call started, the trailing metadata
// `passerelle-import-bin` (kImportTrailer) holds the serialized
// ImportResponse of what was written: the records before index `settled`
// have their outcome in its counts and errors; none from `settled` on was
// written. A client sends those again.
//
// Records arrive as raw bytes (the services register Import<X> as a raw
// callback method) and are parsed here: a record that does not parse
// (garbage, invalid UTF-8 in a string field) is rejected with its index,
// field "record", and the import goes on. gRPC's typed reader would report
// it as a failed read, indistinguishable from the end of the stream: the
// import would end OK with the rest of the records silently dropped.
//
// Flow control: at most one batch waits behind the one being written; then
// reading pauses until the write is done, so a slow disk slows the client
// down instead of growing memory (a paused read is not idle).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "grpcpp/support/server_callback.h"
#include "services/runtime/grpc_status.h"
#include "services/runtime/thread_pool.h"
#include "services/runtime/upserter.h"

namespace passerelle::runtime {

// The trailing metadata key of an import that did not end OK.
inline constexpr char kImportTrailer[] = "passerelle-import-bin";

// The live import calls of a server: ends them on shutdown and when idle.
// One watcher thread checks them every min(idle_timeout / 4, 1 s).
class ImportCalls {
 public:
  static constexpr absl::Duration kDefaultIdleTimeout = absl::Seconds(60);

  explicit ImportCalls(absl::Duration idle_timeout = kDefaultIdleTimeout)
      : idle_timeout_(idle_timeout), watcher_([this] { Watch(); }) {}
  ~ImportCalls() { StopAll(); }

  absl::Duration idle_timeout() const { return idle_timeout_; }

  // Ends every live import (see the file comment) and refuses new ones.
  // Returns once they have ended (their last batch written, their status
  // sent), or after `wait` at most.
  void StopAll(absl::Duration wait = absl::Seconds(10)) {
    {
      absl::MutexLock lock(&mu_);
      if (!stopped_) {
        stopped_ = true;
        const absl::Status status = absl::UnavailableError(
            "import: the server is shutting down; what was received is "
            "written and counted in the trailing metadata " +
            std::string(kImportTrailer) +
            " (send the records from `settled` on again)");
        for (Call* call : calls_) call->Stop(status);
      }
      // Before the server shuts down: the in-process transport would drop
      // the calls' statuses.
      mu_.AwaitWithTimeout(
          absl::Condition(
              +[](absl::flat_hash_set<Call*>* calls) { return calls->empty(); },
              &calls_),
          wait);
    }
    if (watcher_.joinable()) watcher_.join();
  }

  // What an import reactor shows its registry. Stop() and CheckIdle() are
  // called with the registry's lock held: they must not finish the call
  // inline (Finish may run OnDone, which unregisters).
  class Call {
   public:
    virtual ~Call() = default;
    virtual void Stop(const absl::Status& status) = 0;
    virtual void CheckIdle(absl::Time now, absl::Duration timeout) = 0;
  };

  // False once stopped (the call must then be refused).
  bool Add(Call* call) {
    absl::MutexLock lock(&mu_);
    if (stopped_) return false;
    calls_.insert(call);
    return true;
  }
  void Remove(Call* call) {
    absl::MutexLock lock(&mu_);
    calls_.erase(call);
  }

 private:
  void Watch() {
    const absl::Duration period = std::min(idle_timeout_ / 4, absl::Seconds(1));
    absl::MutexLock lock(&mu_);
    while (!stopped_) {
      mu_.AwaitWithTimeout(absl::Condition(&stopped_), period);
      if (stopped_) break;
      const absl::Time now = absl::Now();
      for (Call* call : calls_) call->CheckIdle(now, idle_timeout_);
    }
  }

  const absl::Duration idle_timeout_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<Call*> calls_ ABSL_GUARDED_BY(mu_);
  std::thread watcher_;  // last: starts once the rest is built
};

// `Request` is the call's request message (ImportOffersRequest), read as
// bytes; `extract` gives its record.
template <typename Request, typename T>
class ImportReactor final : public grpc::ServerReadReactor<grpc::ByteBuffer>,
                            public ImportCalls::Call {
 public:
  using Extract = std::function<T*(Request*)>;
  // Told how the call ended, just before it does (e.g. to announce it).
  using OnFinished =
      std::function<void(const v1::ImportResponse&, const grpc::Status&)>;

  // A failed `upserter` finishes the call at once with its status. With
  // `calls` (may be null: no idle timeout, no shutdown), the call is
  // registered there.
  ImportReactor(grpc::CallbackServerContext* context,
                absl::StatusOr<std::unique_ptr<BatchUpserter<T>>> upserter,
                grpc::ByteBuffer* response, ThreadPool* pool, Extract extract,
                ImportCalls* calls = nullptr, OnFinished on_finished = nullptr)
      : context_(context),
        response_(response),
        pool_(pool),
        extract_(std::move(extract)),
        on_finished_(std::move(on_finished)) {
    if (!upserter.ok()) {
      finished_ = true;
      this->Finish(ToGrpcStatus(upserter.status()));
      return;
    }
    if (calls != nullptr && !calls->Add(this)) {
      finished_ = true;
      this->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "import: the server is shutting down"));
      return;
    }
    calls_ = calls;
    upserter_ = *std::move(upserter);
    {
      absl::MutexLock lock(&mu_);
      read_outstanding_ = true;
      waiting_since_ = absl::Now();
    }
    this->StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      read_outstanding_ = false;
      if (finished_) return;
      if (!ok) {  // the client has sent everything (or gone away)
        done_reading_ = true;
      } else if (Stopping()) {
        // Reading has stopped: a record arriving meanwhile is not taken
        // (not counted as received), so the counts stay exact.
      } else {
        absl::Status added = absl::OkStatus();
        request_.Clear();
        if (grpc::SerializationTraits<Request>::Deserialize(&buffer_, &request_)
                .ok()) {
          added = upserter_->Add(std::move(*extract_(&request_)));
        } else {
          upserter_->RejectUnreadable(absl::InvalidArgumentError(absl::StrCat(
              "record: cannot be parsed as ",
              Request::descriptor()->full_name(),
              " (malformed protobuf bytes, or a string field that is not "
              "valid UTF-8)")));
        }
        buffer_.Clear();
        if (!added.ok()) {
          failure_ = added;
        } else if (upserter_->ready() && writing_) {
          read_paused_ = true;  // one batch waits already: back-pressure
        } else {
          actions.start_read = true;
        }
      }
      Decide(&actions);
    }
    Do(std::move(actions));
  }

  void OnCancel() override {
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      Decide(&actions);
    }
    Do(std::move(actions));
  }

  void OnDone() override {
    if (calls_ != nullptr) calls_->Remove(this);
    delete this;
  }

  // ImportCalls::Call. The actions go to the pool: never Finish inline.
  void Stop(const absl::Status& status) override {
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      if (stop_.ok()) stop_ = status;
      Decide(&actions);
    }
    Schedule(std::move(actions));
  }

  void CheckIdle(absl::Time now, absl::Duration timeout) override {
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || !read_outstanding_ || now - waiting_since_ < timeout ||
          !stop_.ok()) {
        return;
      }
      stop_ = absl::DeadlineExceededError(absl::StrCat(
          "import: no record received for ", absl::FormatDuration(timeout),
          " (idle timeout); what was received is written and counted in the "
          "trailing metadata ",
          kImportTrailer));
      Decide(&actions);
    }
    Schedule(std::move(actions));
  }

 private:
  struct Actions {
    bool start_read = false;
    std::optional<typename BatchUpserter<T>::Batch> write;
    std::optional<grpc::Status> finish;
    std::optional<std::string> trailer;
    std::optional<v1::ImportResponse> outcome;  // for on_finished_
    bool empty() const {
      return !start_read && !write.has_value() && !finish.has_value();
    }
  };

  // Reading has stopped early: idle timeout or shutdown (what was received
  // is still written), a failure or a cancellation (nothing more is).
  bool Stopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !stop_.ok() || !failure_.ok() || cancelled_;
  }

  // What to do next: write a ready batch when none is being written; finish
  // once everything is read and written, or on failure or cancellation
  // once no write is in flight (so that nothing runs after Finish).
  void Decide(Actions* actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || Stopping()) actions->start_read = false;
    if (!finished_ && !writing_) DecideIdle(actions);
    if (actions->start_read) {
      read_outstanding_ = true;
      waiting_since_ = absl::Now();
    }
  }

  void DecideIdle(Actions* actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!failure_.ok() || cancelled_) {
      SetFinish(actions,
                cancelled_ ? grpc::Status::CANCELLED : ToGrpcStatus(failure_),
                upserter_->Settled());
      return;
    }
    const bool no_more = done_reading_ || !stop_.ok();
    if (upserter_->ready() || (no_more && !upserter_->empty())) {
      writing_ = true;
      actions->write = upserter_->Take();
      if (read_paused_) {
        read_paused_ = false;
        actions->start_read = stop_.ok();
      }
      return;
    }
    if (!no_more) return;
    if (stop_.ok()) {
      bool own_buffer = false;
      grpc::Status serialized =
          grpc::SerializationTraits<v1::ImportResponse>::Serialize(
              upserter_->response(), response_, &own_buffer);
      SetFinish(actions, serialized, std::nullopt);
      actions->outcome = upserter_->response();
    } else {
      SetFinish(actions, ToGrpcStatus(stop_), upserter_->response());
    }
  }

  void SetFinish(Actions* actions, grpc::Status status,
                 std::optional<v1::ImportResponse> trailer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    finished_ = true;
    actions->start_read = false;
    actions->finish = std::move(status);
    if (trailer.has_value()) {
      actions->trailer = trailer->SerializeAsString();
      actions->outcome = *trailer;
    }
  }

  // Outside mu_: a reaction may run inline, and after Finish the reactor
  // may be deleted at any time, so Finish comes last.
  void Do(Actions actions) {
    if (actions.write.has_value()) {
      pool_->Schedule([this, batch = std::move(*actions.write)]() mutable {
        absl::Status written = upserter_->Write(std::move(batch));
        Actions next;
        {
          absl::MutexLock lock(&mu_);
          writing_ = false;
          if (!written.ok()) failure_ = written;
          Decide(&next);
        }
        Do(std::move(next));
      });
    }
    if (actions.start_read) this->StartRead(&buffer_);
    if (actions.finish.has_value()) {
      if (on_finished_ && actions.outcome.has_value()) {
        on_finished_(*actions.outcome, *actions.finish);
      }
      if (actions.trailer.has_value()) {
        context_->AddTrailingMetadata(kImportTrailer, *actions.trailer);
      }
      this->Finish(*actions.finish);
    }
  }

  // Do() on the pool, for callers that must not finish the call inline.
  // The reactor lives until its Finish, which only `actions` can issue
  // here (or a write it starts).
  void Schedule(Actions actions) {
    if (actions.empty()) return;
    pool_->Schedule([this, actions = std::move(actions)]() mutable {
      Do(std::move(actions));
    });
  }

  grpc::CallbackServerContext* context_;
  grpc::ByteBuffer buffer_;  // the record being read
  Request request_;          // the record parsed
  grpc::ByteBuffer* response_;
  ThreadPool* pool_;
  Extract extract_;
  OnFinished on_finished_;
  ImportCalls* calls_ = nullptr;
  std::unique_ptr<BatchUpserter<T>> upserter_;
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool read_paused_ ABSL_GUARDED_BY(mu_) = false;
  bool read_outstanding_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time waiting_since_ ABSL_GUARDED_BY(mu_);
  bool done_reading_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  absl::Status stop_ ABSL_GUARDED_BY(mu_);  // idle timeout or shutdown
};

}  // namespace passerelle::runtime
