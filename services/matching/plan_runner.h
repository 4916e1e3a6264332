#pragma once

// PlanRunner: placement plans run one at a time on a thread of their own
// (never on the ranking pool), in the order they were asked, the
// federation's before the others'. Identical requests share one
// computation, each organization has at most a fixed number of plans
// pending, and the queue is bounded, so that no school can keep the plan
// busy for everyone else and the federation is never refused because of a
// school's plan.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "passerelle/v1/matching.pb.h"
#include "services/runtime/auth.h"

namespace passerelle::matching {

// What a plan is computed over, once the caller has been authorized for it.
// Two requests with equal scopes are the same plan.
struct PlanScope {
  std::string school_id;   // set: this school's graduates only
  std::string partner_id;  // set: the young people this partner follows
  int k = 5;               // recommendations per graduate
  bool summary_only = false;

  // Equal for equal scopes (the single-flight key).
  std::string Key() const;
  // For messages: "the plan of school sch_1 (k=5)".
  std::string Describe() const;
};

class PlanRunner {
 public:
  using Result = absl::StatusOr<v1::PlanPlacementsResponse>;
  // Computes a plan; called on the runner's thread, one call at a time.
  using Compute = std::function<Result(const PlanScope&)>;
  // Receives a plan's result; called once per Submit.
  using Done = std::function<void(const Result&)>;

  struct Options {
    // Distinct plans waiting (not running) for schools and partners, all
    // together. The federation's plans wait in a lane of their own.
    int max_queued = 8;
    // Distinct plans queued or running for one school or partner, and for
    // the federation (all its admin tokens together).
    int max_pending_per_organization = 1;
    int max_pending_federation = 4;
  };

  // Starts the runner's thread.
  PlanRunner(Compute compute, Options options);
  // Stop(), then joins the thread.
  ~PlanRunner();
  PlanRunner(const PlanRunner&) = delete;
  PlanRunner& operator=(const PlanRunner&) = delete;

  // Runs the plan of `scope` for `caller` (already authorized for it) and
  // calls `done` once with its result:
  // - a plan with the same scope is queued or running: `caller` joins it
  //   and gets its result (single-flight), whoever asked first; a plan
  //   still queued that the federation joins moves to the federation's
  //   lane;
  // - else the plan is queued: the federation's plans run before the
  //   others' (so the federation waits at most for the plan running), and
  //   within a lane in the order asked;
  // - RESOURCE_EXHAUSTED, naming the limit and the caller's pending plan,
  //   when the caller's organization already has its
  //   max_pending_per_organization (federation: max_pending_federation)
  //   distinct plans queued or running, or when max_queued plans of
  //   schools and partners are waiting;
  // - UNAVAILABLE once Stop() has been called.
  // A refusal calls `done` before Submit returns; a result, on the
  // runner's thread. A call whose client has gone away still gets its
  // plan computed (its place stays taken until then).
  void Submit(const runtime::Caller& caller, PlanScope scope, Done done);

  // Refuses new plans and fails the queued ones with UNAVAILABLE; the
  // running plan finishes and delivers its result. Returns once no `done`
  // is left to call. Idempotent.
  void Stop();

  // Plans computed so far (joined requests do not count).
  int64_t computed() const;
  // Distinct plans queued (not running).
  int queued() const;
  // Submits waiting for a result (queued or running, joined ones too).
  int waiting() const;

 private:
  struct Job {
    PlanScope scope;
    std::string key;
    bool federation_lane = false;
    // Each waiter's organization key and callback.
    std::vector<std::pair<std::string, Done>> waiters;
  };

  void Work();
  // The organizations' pending plans: +1 / -1 for `org` on `job`.
  void AddPending(const std::string& org, const Job* job)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Undoes AddPending for each waiter of `job`.
  void ReleasePending(const Job& job,
                      const std::vector<std::pair<std::string, Done>>& waiters)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Compute compute_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<Job>> federation_lane_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Job>> lane_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Job> running_ ABSL_GUARDED_BY(mu_);
  // Queued and running jobs by scope key.
  absl::flat_hash_map<std::string, std::shared_ptr<Job>> by_key_
      ABSL_GUARDED_BY(mu_);
  // Organization key -> distinct jobs it waits for.
  absl::flat_hash_map<std::string, std::vector<const Job*>> pending_
      ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t computed_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace passerelle::matching
