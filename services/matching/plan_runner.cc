#include "services/matching/plan_runner.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace passerelle::matching {
namespace {

// Limits are per organization: a school holding several tokens is still
// one school.
std::string OrganizationKey(const runtime::Caller& caller) {
  return absl::StrCat(static_cast<int>(caller.role), "/",
                      caller.organization_id);
}

}  // namespace

std::string PlanScope::Key() const {
  // Length-prefixed: no id can make two scopes collide.
  return absl::StrCat(school_id.size(), ":", school_id, "/", partner_id.size(),
                      ":", partner_id, "/", k, "/", summary_only ? 1 : 0);
}

std::string PlanScope::Describe() const {
  std::string who = "all graduates";
  if (!school_id.empty()) who = absl::StrCat("school ", school_id);
  if (!partner_id.empty()) who = absl::StrCat("partner ", partner_id);
  return absl::StrCat("the plan of ", who, " (k=", k,
                      summary_only ? ", summary only)" : ")");
}

PlanRunner::PlanRunner(Compute compute, Options options)
    : compute_(std::move(compute)), options_(options) {
  thread_ = std::thread([this] { Work(); });
}

PlanRunner::~PlanRunner() { Stop(); }

void PlanRunner::AddPending(const std::string& org, const Job* job) {
  std::vector<const Job*>& jobs = pending_[org];
  if (std::find(jobs.begin(), jobs.end(), job) == jobs.end()) {
    jobs.push_back(job);
  }
}

void PlanRunner::ReleasePending(
    const Job& job, const std::vector<std::pair<std::string, Done>>& waiters) {
  for (const auto& [org, done] : waiters) {
    auto it = pending_.find(org);
    if (it == pending_.end()) continue;
    it->second.erase(std::remove(it->second.begin(), it->second.end(), &job),
                     it->second.end());
    if (it->second.empty()) pending_.erase(it);
  }
}

void PlanRunner::Submit(const runtime::Caller& caller, PlanScope scope,
                        Done done) {
  absl::Status refusal;
  {
    absl::MutexLock lock(&mu_);
    const std::string org = OrganizationKey(caller);
    const std::string key = scope.Key();
    if (stopping_) {
      refusal = absl::UnavailableError(
          "the server is shutting down: no placement plan is taken");
    } else if (auto it = by_key_.find(key); it != by_key_.end()) {
      // The same plan is queued or running: share its result. Joining
      // costs no computation, so it is never refused.
      Job* job = it->second.get();
      job->waiters.emplace_back(org, std::move(done));
      AddPending(org, job);
      if (caller.is_admin() && !job->federation_lane && job != running_.get()) {
        lane_.erase(std::find(lane_.begin(), lane_.end(), it->second));
        federation_lane_.push_back(it->second);
        job->federation_lane = true;
      }
      return;
    } else {
      const int limit = caller.is_admin()
                            ? options_.max_pending_federation
                            : options_.max_pending_per_organization;
      auto mine = pending_.find(org);
      if (mine != pending_.end() &&
          static_cast<int>(mine->second.size()) >= limit) {
        refusal = absl::ResourceExhaustedError(absl::StrCat(
            "placement plans: at most ", limit,
            " at a time per organization, and ",
            mine->second.front()->scope.Describe(),
            " is still queued or running; ask again once it has ended (the "
            "same request joins it)"));
      } else if (!caller.is_admin() &&
                 static_cast<int>(lane_.size()) >= options_.max_queued) {
        refusal = absl::ResourceExhaustedError(absl::StrCat(
            "placement plans: ", options_.max_queued,
            " plans of schools and partners are already waiting; ask again "
            "later"));
      } else {
        auto job = std::make_shared<Job>();
        job->scope = std::move(scope);
        job->key = key;
        job->federation_lane = caller.is_admin();
        job->waiters.emplace_back(org, std::move(done));
        (job->federation_lane ? federation_lane_ : lane_).push_back(job);
        by_key_[key] = job;
        AddPending(org, job.get());
        return;
      }
    }
  }
  done(refusal);
}

void PlanRunner::Work() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](PlanRunner* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
            return r->stopping_ || !r->federation_lane_.empty() ||
                   !r->lane_.empty();
          },
          this));
      if (stopping_) return;  // Stop() fails what is queued
      std::deque<std::shared_ptr<Job>>& from =
          federation_lane_.empty() ? lane_ : federation_lane_;
      job = std::move(from.front());
      from.pop_front();
      running_ = job;
    }
    const Result result = compute_(job->scope);
    std::vector<std::pair<std::string, Done>> waiters;
    {
      absl::MutexLock lock(&mu_);
      ++computed_;
      by_key_.erase(job->key);
      running_.reset();
      waiters = std::move(job->waiters);
      ReleasePending(*job, waiters);
    }
    for (auto& [org, done] : waiters) done(result);
  }
}

void PlanRunner::Stop() {
  std::vector<std::shared_ptr<Job>> dropped;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto* lane : {&federation_lane_, &lane_}) {
      for (std::shared_ptr<Job>& job : *lane) {
        by_key_.erase(job->key);
        dropped.push_back(std::move(job));
      }
      lane->clear();
    }
    for (const std::shared_ptr<Job>& job : dropped) {
      ReleasePending(*job, job->waiters);
    }
  }
  const Result unavailable = absl::UnavailableError(
      "the server is shutting down: the placement plan was not computed");
  for (const std::shared_ptr<Job>& job : dropped) {
    for (auto& [org, done] : job->waiters) done(unavailable);
  }
  // The running plan delivers its result before the thread returns.
  thread_.join();
}

int64_t PlanRunner::computed() const {
  absl::MutexLock lock(&mu_);
  return computed_;
}

int PlanRunner::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(federation_lane_.size() + lane_.size());
}

int PlanRunner::waiting() const {
  absl::MutexLock lock(&mu_);
  size_t n = running_ ? running_->waiters.size() : 0;
  for (const auto* lane : {&federation_lane_, &lane_}) {
    for (const std::shared_ptr<Job>& job : *lane) n += job->waiters.size();
  }
  return static_cast<int>(n);
}

}  // namespace passerelle::matching
