#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "grpcpp/support/server_callback.h"
#include "services/runtime/grpc_status.h"
#include "services/runtime/thread_pool.h"
#include "services/runtime/upserter.h"

namespace passerelle::runtime {

// The reactor of a client-streaming Import<X> call. Records are checked on
// the gRPC thread as they arrive (microseconds each); each full batch is
// written on `pool`, and the next read starts once it is written, so a slow
// disk slows the client down instead of growing memory.
template <typename Request, typename T>
class ImportReactor final : public grpc::ServerReadReactor<Request> {
 public:
  using Extract = std::function<T*(Request*)>;

  // A null `upserter` finishes the call at once with `status`.
  ImportReactor(absl::StatusOr<std::unique_ptr<BatchUpserter<T>>> upserter,
                v1::ImportResponse* response, ThreadPool* pool, Extract extract)
      : response_(response), pool_(pool), extract_(std::move(extract)) {
    if (!upserter.ok()) {
      this->Finish(ToGrpcStatus(upserter.status()));
      return;
    }
    upserter_ = *std::move(upserter);
    this->StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client has sent everything (or gone away)
      pool_->Schedule([this] {
        absl::Status status = upserter_->Flush();
        *response_ = upserter_->response();
        this->Finish(ToGrpcStatus(status));
      });
      return;
    }
    absl::Status added = upserter_->Add(std::move(*extract_(&request_)));
    request_.Clear();
    if (!added.ok()) {
      this->Finish(ToGrpcStatus(added));
      return;
    }
    if (!upserter_->full()) {
      this->StartRead(&request_);
      return;
    }
    pool_->Schedule([this] {
      absl::Status flushed = upserter_->Flush();
      if (!flushed.ok()) {
        this->Finish(ToGrpcStatus(flushed));
        return;
      }
      this->StartRead(&request_);
    });
  }

  void OnDone() override { delete this; }

 private:
  Request request_;
  v1::ImportResponse* response_;
  ThreadPool* pool_;
  Extract extract_;
  std::unique_ptr<BatchUpserter<T>> upserter_;
};

}  // namespace passerelle::runtime
