// PlanRunner: single flight, the federation's lane, the per-organization
// and queue limits, and shutdown. The computation is a gate the test opens:
// the first plan is held running while the test submits the others, so
// every interleaving is forced, none is timed.

#include "services/matching/plan_runner.h"

#include <climits>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::matching {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

runtime::Caller Admin() {
  runtime::Caller caller;
  caller.organization_id = std::string(runtime::kFederationId);
  caller.role = v1::ROLE_ADMIN;
  caller.token_id = "t-admin";
  return caller;
}
runtime::Caller School(const std::string& id, const std::string& token = "t") {
  runtime::Caller caller;
  caller.organization_id = id;
  caller.role = v1::ROLE_SCHOOL;
  caller.token_id = token;
  return caller;
}
PlanScope OfSchool(const std::string& id, int k = 5) {
  PlanScope s;
  s.school_id = id;
  s.k = k;
  return s;
}
PlanScope OfAll() { return PlanScope(); }

// Computations that wait until the test lets them end; each answers its
// rank (1 for the first computed) in `graduates`.
class Gate {
 public:
  PlanRunner::Result Compute(const PlanScope& scope) {
    absl::MutexLock lock(&mu_);
    order_.push_back(scope.Describe());
    const int n = static_cast<int>(order_.size());
    std::pair<Gate*, int> arg(this, n);
    mu_.Await(absl::Condition(
        +[](std::pair<Gate*, int>* a) {
          return a->first->released_ >= a->second;
        },
        &arg));
    v1::PlanPlacementsResponse response;
    response.set_graduates(n);
    return response;
  }
  // Blocks until `n` computations have started.
  void AwaitStarted(int n) {
    absl::MutexLock lock(&mu_);
    std::pair<Gate*, int> arg(this, n);
    mu_.Await(absl::Condition(
        +[](std::pair<Gate*, int>* a) {
          return static_cast<int>(a->first->order_.size()) >= a->second;
        },
        &arg));
  }
  void ReleaseAll() {
    absl::MutexLock lock(&mu_);
    released_ = INT_MAX;
  }
  std::vector<std::string> order() {
    absl::MutexLock lock(&mu_);
    return order_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
  int released_ ABSL_GUARDED_BY(mu_) = 0;
};

// The results delivered, by submission name.
class Results {
 public:
  PlanRunner::Done For(const std::string& name) {
    return [this, name](const PlanRunner::Result& r) {
      absl::MutexLock lock(&mu_);
      results_.emplace(name, r);
    };
  }
  void AwaitCount(size_t n) {
    absl::MutexLock lock(&mu_);
    std::pair<Results*, size_t> arg(this, n);
    mu_.Await(absl::Condition(
        +[](std::pair<Results*, size_t>* a) {
          return a->first->results_.size() >= a->second;
        },
        &arg));
  }
  bool Has(const std::string& name) {
    absl::MutexLock lock(&mu_);
    return results_.count(name) > 0;
  }
  PlanRunner::Result Get(const std::string& name) {
    absl::MutexLock lock(&mu_);
    auto it = results_.find(name);
    return it == results_.end() ? absl::InternalError("no result") : it->second;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, PlanRunner::Result> results_ ABSL_GUARDED_BY(mu_);
};

class PlanRunnerTest : public ::testing::Test {
 protected:
  std::unique_ptr<PlanRunner> NewRunner(PlanRunner::Options options = {}) {
    return std::make_unique<PlanRunner>(
        [this](const PlanScope& s) { return gate_.Compute(s); }, options);
  }

  Gate gate_;
  Results results_;
};

TEST_F(PlanRunnerTest, IdenticalRequestsShareOneComputation) {
  auto runner = NewRunner();
  runner->Submit(School("sch_b"), OfSchool("sch_b"), results_.For("b"));
  gate_.AwaitStarted(1);  // b is running, held by the gate
  // Three callers ask for school A's plan while b runs: one queued plan.
  runner->Submit(School("sch_a", "t1"), OfSchool("sch_a"), results_.For("a1"));
  runner->Submit(School("sch_a", "t2"), OfSchool("sch_a"), results_.For("a2"));
  runner->Submit(Admin(), OfSchool("sch_a"), results_.For("admin-a"));
  // The federation joins the running plan of school B too.
  runner->Submit(Admin(), OfSchool("sch_b"), results_.For("admin-b"));
  EXPECT_EQ(runner->queued(), 1);
  EXPECT_FALSE(results_.Has("a1"));

  gate_.ReleaseAll();
  results_.AwaitCount(5);
  EXPECT_EQ(runner->computed(), 2);
  EXPECT_THAT(gate_.order(), ElementsAre("the plan of school sch_b (k=5)",
                                         "the plan of school sch_a (k=5)"));
  for (const char* name : {"b", "admin-b"}) {
    ASSERT_TRUE(results_.Get(name).ok()) << name;
    EXPECT_EQ(results_.Get(name)->graduates(), 1) << name;
  }
  for (const char* name : {"a1", "a2", "admin-a"}) {
    ASSERT_TRUE(results_.Get(name).ok()) << name;
    EXPECT_EQ(results_.Get(name)->graduates(), 2) << name;
  }
}

TEST_F(PlanRunnerTest, SchoolsCannotStarveTheFederation) {
  PlanRunner::Options options;
  options.max_queued = 3;
  auto runner = NewRunner(options);
  runner->Submit(School("sch_a"), OfSchool("sch_a"), results_.For("a"));
  gate_.AwaitStarted(1);
  runner->Submit(School("sch_b"), OfSchool("sch_b"), results_.For("b"));
  runner->Submit(School("sch_c"), OfSchool("sch_c"), results_.For("c"));
  runner->Submit(School("sch_d"), OfSchool("sch_d"), results_.For("d"));
  // The schools' queue is full: a fifth school is refused at once...
  runner->Submit(School("sch_e"), OfSchool("sch_e"), results_.For("e"));
  ASSERT_TRUE(results_.Has("e"));
  EXPECT_EQ(results_.Get("e").status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(results_.Get("e").status().message()),
              HasSubstr("3 plans of schools and partners are already waiting"));
  // ...but the federation is not: its plan runs next, before the schools'
  // queued ones, and a school plan it joins moves up with it.
  runner->Submit(Admin(), OfAll(), results_.For("all"));
  runner->Submit(Admin(), OfSchool("sch_d"), results_.For("admin-d"));
  EXPECT_FALSE(results_.Has("all"));
  EXPECT_EQ(runner->queued(), 4);  // b, c, d (joined by the federation), all

  gate_.ReleaseAll();
  results_.AwaitCount(7);
  EXPECT_THAT(gate_.order(), ElementsAre("the plan of school sch_a (k=5)",
                                         "the plan of all graduates (k=5)",
                                         "the plan of school sch_d (k=5)",
                                         "the plan of school sch_b (k=5)",
                                         "the plan of school sch_c (k=5)"));
  ASSERT_TRUE(results_.Get("all").ok());
  EXPECT_EQ(results_.Get("all")->graduates(), 2);
  EXPECT_EQ(results_.Get("d")->graduates(), 3);
  EXPECT_EQ(results_.Get("admin-d")->graduates(), 3);
}

TEST_F(PlanRunnerTest, AnOrganizationHasOnePlanPendingAtATime) {
  auto runner = NewRunner();
  runner->Submit(School("sch_a", "t1"), OfSchool("sch_a"), results_.For("a5"));
  gate_.AwaitStarted(1);
  // Another plan of the same school, even from another of its tokens, is
  // refused at once, naming the limit and the plan it waits for.
  runner->Submit(School("sch_a", "t2"), OfSchool("sch_a", 6),
                 results_.For("a6"));
  ASSERT_TRUE(results_.Has("a6"));
  EXPECT_EQ(results_.Get("a6").status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(results_.Get("a6").status().message()),
              HasSubstr("at most 1 at a time per organization, and the plan "
                        "of school sch_a (k=5) is still queued or running"));
  // The same request joins the running one; another school is not limited.
  runner->Submit(School("sch_a", "t2"), OfSchool("sch_a"),
                 results_.For("a5-again"));
  runner->Submit(School("sch_b"), OfSchool("sch_b"), results_.For("b"));
  EXPECT_FALSE(results_.Has("a5-again"));
  EXPECT_FALSE(results_.Has("b"));

  gate_.ReleaseAll();
  results_.AwaitCount(4);
  EXPECT_EQ(results_.Get("a5-again")->graduates(), 1);
  EXPECT_EQ(results_.Get("b")->graduates(), 2);
  // Once its plan has ended, the school may ask for another.
  runner->Submit(School("sch_a"), OfSchool("sch_a", 6), results_.For("a6b"));
  results_.AwaitCount(5);
  ASSERT_TRUE(results_.Get("a6b").ok());
  EXPECT_EQ(runner->computed(), 3);
}

TEST_F(PlanRunnerTest, TheFederationHasAFewPlansPending) {
  PlanRunner::Options options;
  options.max_pending_federation = 2;
  auto runner = NewRunner(options);
  runner->Submit(Admin(), OfAll(), results_.For("all"));
  gate_.AwaitStarted(1);
  runner->Submit(Admin(), OfSchool("sch_a"), results_.For("a"));
  runner->Submit(Admin(), OfSchool("sch_b"), results_.For("b"));
  ASSERT_TRUE(results_.Has("b"));
  EXPECT_EQ(results_.Get("b").status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(results_.Get("b").status().message()),
              HasSubstr("at most 2"));
  gate_.ReleaseAll();
  results_.AwaitCount(3);
  EXPECT_TRUE(results_.Get("a").ok());
}

TEST_F(PlanRunnerTest, StopFailsQueuedPlansAndFinishesTheRunningOne) {
  auto runner = NewRunner();
  runner->Submit(School("sch_a"), OfSchool("sch_a"), results_.For("a"));
  gate_.AwaitStarted(1);
  runner->Submit(School("sch_b"), OfSchool("sch_b"), results_.For("b"));
  std::thread stopper([&] { runner->Stop(); });
  // Stop fails the queued plan before waiting for the running one.
  results_.AwaitCount(1);
  EXPECT_EQ(results_.Get("b").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(results_.Has("a"));
  gate_.ReleaseAll();
  stopper.join();
  ASSERT_TRUE(results_.Get("a").ok());
  runner->Submit(School("sch_c"), OfSchool("sch_c"), results_.For("c"));
  EXPECT_EQ(results_.Get("c").status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace passerelle::matching
