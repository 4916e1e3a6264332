#pragma once

// ArenaMessageAllocator: a grpc::MessageAllocator that places a callback
// unary method's request and response on a protobuf Arena whose first block
// is reused from call to call. A large response (RankOffers: twenty offers
// with their factors, hundreds of strings) is then built without a malloc per
// field and freed at once, instead of string by string.
//
// Install it with the generated Service::SetMessageAllocatorFor_<Method>();
// it must outlive the server. Handlers must build the response in place (an
// arena message assigned from a heap one is deep-copied).

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace passerelle::runtime {

template <typename Request, typename Response>
class ArenaMessageAllocator final
    : public grpc::MessageAllocator<Request, Response> {
 public:
  // `block_bytes`: the reused first block of each call's arena (a response
  // larger than that takes more blocks, freed with the call). At most
  // `max_pooled` idle blocks are kept.
  explicit ArenaMessageAllocator(size_t block_bytes = 128 << 10,
                                 size_t max_pooled = 64)
      : block_bytes_(block_bytes), max_pooled_(max_pooled) {}

  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder(this, TakeBlock());
  }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder(ArenaMessageAllocator* owner, std::unique_ptr<char[]> block)
        : owner_(owner),
          block_(std::move(block)),
          arena_(Options(block_.get(), owner->block_bytes_)) {
      this->set_request(
          google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(
          google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }

    void Release() override {
      ArenaMessageAllocator* owner = owner_;
      std::unique_ptr<char[]> block = std::move(block_);
      delete this;  // the arena first: it stops using the block
      owner->ReturnBlock(std::move(block));
    }

   private:
    static google::protobuf::ArenaOptions Options(char* block, size_t size) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = size;
      return options;
    }

    ArenaMessageAllocator* owner_;
    std::unique_ptr<char[]> block_;
    google::protobuf::Arena arena_;
  };

  std::unique_ptr<char[]> TakeBlock() {
    {
      absl::MutexLock lock(&mu_);
      if (!free_.empty()) {
        std::unique_ptr<char[]> block = std::move(free_.back());
        free_.pop_back();
        return block;
      }
    }
    return std::unique_ptr<char[]>(new char[block_bytes_]);
  }

  void ReturnBlock(std::unique_ptr<char[]> block) {
    absl::MutexLock lock(&mu_);
    if (free_.size() < max_pooled_) free_.push_back(std::move(block));
  }

  const size_t block_bytes_;
  const size_t max_pooled_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<char[]>> free_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passerelle::runtime
