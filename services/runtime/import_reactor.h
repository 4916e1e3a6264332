#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_callback.h"
#include "services/runtime/grpc_status.h"
#include "services/runtime/thread_pool.h"
#include "services/runtime/upserter.h"

namespace passerelle::runtime {

// The reactor of a client-streaming Import<X> call. Records are checked on
// the gRPC thread as they arrive (microseconds each) while the previous
// batch is written on `pool`: reading and writing overlap. At most one
// batch waits behind the one being written; then reading pauses until the
// write is done, so a slow disk slows the client down instead of growing
// memory.
template <typename Request, typename T>
class ImportReactor final : public grpc::ServerReadReactor<Request> {
 public:
  using Extract = std::function<T*(Request*)>;

  // A failed `upserter` finishes the call at once with its status.
  ImportReactor(absl::StatusOr<std::unique_ptr<BatchUpserter<T>>> upserter,
                v1::ImportResponse* response, ThreadPool* pool, Extract extract)
      : response_(response), pool_(pool), extract_(std::move(extract)) {
    if (!upserter.ok()) {
      finished_ = true;
      this->Finish(ToGrpcStatus(upserter.status()));
      return;
    }
    upserter_ = *std::move(upserter);
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      if (!ok) {  // the client has sent everything (or gone away)
        done_reading_ = true;
      } else {
        absl::Status added = upserter_->Add(std::move(*extract_(&request_)));
        request_.Clear();
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

  void OnDone() override { delete this; }

 private:
  struct Actions {
    bool start_read = false;
    std::optional<typename BatchUpserter<T>::Batch> write;
    std::optional<grpc::Status> finish;
  };

  // What to do next: write a ready batch when none is being written; finish
  // once everything is read and written (or on failure, once no write is in
  // flight, so that nothing runs after Finish).
  void Decide(Actions* actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || writing_) {
      if (finished_ || !failure_.ok()) actions->start_read = false;
      return;
    }
    if (!failure_.ok()) {
      finished_ = true;
      actions->start_read = false;
      actions->finish = ToGrpcStatus(failure_);
      return;
    }
    if (upserter_->ready() || (done_reading_ && !upserter_->empty())) {
      writing_ = true;
      actions->write = upserter_->Take();
      if (read_paused_) {
        read_paused_ = false;
        actions->start_read = true;
      }
      return;
    }
    if (done_reading_) {
      finished_ = true;
      actions->start_read = false;
      *response_ = upserter_->response();
      actions->finish = grpc::Status::OK;
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
    if (actions.start_read) this->StartRead(&request_);
    if (actions.finish.has_value()) this->Finish(*actions.finish);
  }

  Request request_;
  v1::ImportResponse* response_;
  ThreadPool* pool_;
  Extract extract_;
  std::unique_ptr<BatchUpserter<T>> upserter_;
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool read_paused_ ABSL_GUARDED_BY(mu_) = false;
  bool done_reading_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passerelle::runtime
