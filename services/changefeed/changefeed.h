#pragma once

// ChangeFeedService.Watch: replays a store's change log after `since`, then
// tails it live. A client that reconnects with the last sequence it saw
// misses nothing and sees nothing twice. Each caller sees its own part:
// a school its graduates, a partner the young people it follows, a company
// its offers and proposals; an admin everything.

#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "passerelle/v1/changefeed.grpc.pb.h"
#include "services/runtime/auth.h"
#include "storage/store.h"

namespace passerelle::changefeed {

// Whether `caller` may see `event`.
bool Visible(const runtime::Caller& caller, const v1::ChangeEvent& event);

// Removes from a visible `event` what `caller` may not read: a company is
// never sent a proposal's school_id or partner_id (they tell who the
// graduate is; the company reads them from the proposal once accepted).
void Redact(const runtime::Caller& caller, v1::ChangeEvent* event);

class ChangeFeedServiceImpl final
    : public v1::ChangeFeedService::CallbackService {
 public:
  ChangeFeedServiceImpl(storage::Store* store,
                        const runtime::Authenticator* authenticator);
  // Stops (see Stop) and joins the tailing thread.
  ~ChangeFeedServiceImpl() override;

  grpc::ServerWriteReactor<v1::ChangeEvent>* Watch(
      grpc::CallbackServerContext* context,
      const v1::WatchRequest* request) override;

  // Ends every open Watch with UNAVAILABLE ("server shutting down") so that
  // a graceful server shutdown does not wait for endless streams. Call it
  // before grpc::Server::Shutdown.
  void Stop();

  class Watcher;  // one Watch call

 private:
  friend class Watcher;
  void Tail();
  // A caught-up watcher waits here until the log grows.
  void Park(Watcher* watcher);
  void Forget(Watcher* watcher);

  storage::Store* store_;
  const runtime::Authenticator* authenticator_;
  absl::Mutex mu_;
  absl::flat_hash_set<Watcher*> parked_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<Watcher*> all_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread tail_thread_;
};

}  // namespace passerelle::changefeed
