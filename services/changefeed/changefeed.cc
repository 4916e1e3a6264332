#include "services/changefeed/changefeed.h"

#include <atomic>
#include <deque>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "services/runtime/grpc_status.h"

namespace passerelle::changefeed {
namespace {
constexpr size_t kReadBatch = 512;
}  // namespace

bool Visible(const runtime::Caller& caller, const v1::ChangeEvent& event) {
  switch (caller.role) {
    case v1::ROLE_ADMIN:
      return true;
    case v1::ROLE_SCHOOL:
      return !event.school_id().empty() &&
             event.school_id() == caller.organization_id;
    case v1::ROLE_PARTNER:
      return !event.partner_id().empty() &&
             event.partner_id() == caller.organization_id;
    case v1::ROLE_COMPANY:
      return !event.company_id().empty() &&
             event.company_id() == caller.organization_id;
    default:
      return false;
  }
}

void Redact(const runtime::Caller& caller, v1::ChangeEvent* event) {
  if (caller.role == v1::ROLE_COMPANY) {
    event->clear_school_id();
    event->clear_partner_id();
  }
}

// States: writing (one event in flight), parked (caught up, waiting for the
// log to grow), finished. Every transition happens under mu_; Finish is
// called exactly once.
class ChangeFeedServiceImpl::Watcher final
    : public grpc::ServerWriteReactor<v1::ChangeEvent> {
 public:
  Watcher(ChangeFeedServiceImpl* service, runtime::Caller caller,
          const v1::WatchRequest& request)
      : service_(service), caller_(std::move(caller)), since_(request.since()) {
    for (int kind : request.kinds()) kinds_.insert(kind);
  }

  // Sends what the log holds after since_, or parks. Called by the service
  // (start, and when the log grows) and after each write.
  void Pump() {
    absl::MutexLock lock(&mu_);
    PumpLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {  // the client went away
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
      return;
    }
    PumpLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (!writing_) FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    service_->Forget(this);
    Unref();
  }

  // The service holds a reference while it calls in from its own thread, so
  // that a call ending meanwhile cannot free the watcher under it.
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  void Stop() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (!writing_) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "server shutting down; reconnect with since = "
                                "the last sequence received"));
    }
  }

 private:
  void PumpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || writing_) return;
    if (cancelled_) {
      FinishLocked(grpc::Status::CANCELLED);
      return;
    }
    if (stopping_) {
      FinishLocked(
          grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
      return;
    }
    while (pending_.empty()) {
      absl::StatusOr<std::vector<storage::Change>> changes =
          service_->store_->ReadChanges(since_, kReadBatch);
      if (!changes.ok()) {
        FinishLocked(runtime::ToGrpcStatus(changes.status()));
        return;
      }
      if (changes->empty()) {
        service_->Park(this);
        return;
      }
      for (storage::Change& change : *changes) {
        since_ = change.sequence;
        v1::ChangeEvent event;
        if (!event.ParseFromString(change.data)) {
          LOG(ERROR) << "unreadable change-log entry " << change.sequence;
          continue;
        }
        // Integration events have feeds of their own (IntegrationService).
        if (event.kind() == v1::ENTITY_KIND_EVENT) continue;
        if (!kinds_.empty() && !kinds_.contains(event.kind())) continue;
        if (!Visible(caller_, event)) continue;
        Redact(caller_, &event);
        event.set_sequence(change.sequence);
        pending_.push_back(std::move(event));
      }
    }
    current_ = std::move(pending_.front());
    pending_.pop_front();
    writing_ = true;
    StartWrite(&current_);
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  std::atomic<int> refs_{1};
  ChangeFeedServiceImpl* service_;
  const runtime::Caller caller_;
  absl::flat_hash_set<int> kinds_;
  absl::Mutex mu_;
  uint64_t since_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::ChangeEvent> pending_ ABSL_GUARDED_BY(mu_);
  v1::ChangeEvent current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

ChangeFeedServiceImpl::ChangeFeedServiceImpl(
    storage::Store* store, const runtime::Authenticator* authenticator)
    : store_(store), authenticator_(authenticator) {
  tail_thread_ = std::thread([this] { Tail(); });
}

ChangeFeedServiceImpl::~ChangeFeedServiceImpl() {
  Stop();
  tail_thread_.join();
}

grpc::ServerWriteReactor<v1::ChangeEvent>* ChangeFeedServiceImpl::Watch(
    grpc::CallbackServerContext* context, const v1::WatchRequest* request) {
  absl::StatusOr<runtime::Caller> caller =
      runtime::AuthenticateCall(*authenticator_, *context);
  absl::Status valid = caller.status();
  for (int i = 0; valid.ok() && i < request->kinds_size(); ++i) {
    if (request->kinds(i) == v1::ENTITY_KIND_UNSPECIFIED ||
        !v1::EntityKind_IsValid(request->kinds(i))) {
      valid = absl::InvalidArgumentError(
          absl::StrCat("kinds[", i, "]: unknown entity kind"));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (valid.ok() && stopping_) {
      valid = absl::UnavailableError("server shutting down");
    }
  }
  if (!valid.ok()) {
    // A reactor that only reports the error.
    class Refused final : public grpc::ServerWriteReactor<v1::ChangeEvent> {
     public:
      explicit Refused(const absl::Status& s) {
        Finish(runtime::ToGrpcStatus(s));
      }
      void OnDone() override { delete this; }
    };
    return new Refused(valid);
  }
  auto* watcher = new Watcher(this, *std::move(caller), *request);
  {
    absl::MutexLock lock(&mu_);
    all_.insert(watcher);
  }
  watcher->Pump();
  return watcher;
}

void ChangeFeedServiceImpl::Park(Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  parked_.insert(watcher);
}

void ChangeFeedServiceImpl::Forget(Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  parked_.erase(watcher);
  all_.erase(watcher);
}

void ChangeFeedServiceImpl::Tail() {
  uint64_t seen = store_->LastSequence();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    const uint64_t last =
        store_->WaitForChanges(seen, absl::Now() + absl::Milliseconds(200));
    // Wake the parked watchers on growth; and every 200 ms regardless, which
    // also covers one that parked between its read and our wait.
    std::vector<Watcher*> wake;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      wake.assign(parked_.begin(), parked_.end());
      parked_.clear();
      for (Watcher* w : wake) w->Ref();
    }
    seen = last;
    for (Watcher* w : wake) {
      w->Pump();  // may park it again
      w->Unref();
    }
  }
}

void ChangeFeedServiceImpl::Stop() {
  std::vector<Watcher*> all;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    all.assign(all_.begin(), all_.end());
    for (Watcher* w : all) w->Ref();
  }
  for (Watcher* w : all) {
    w->Stop();
    w->Unref();
  }
}

}  // namespace passerelle::changefeed
