// PlanPlacements over a real server (issue 16, item 11): who plans over
// whose graduates, and plans queued and shared instead of refused. The
// server's plan hook holds the first plan running while the test sends the
// others, so the interleaving is forced, not timed.

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fixture.h"

namespace passerelle {
namespace {

using testing::Client;
using ::testing::HasSubstr;
using testing::TestServer;
using testing::Transport;

// Holds the first plan until released; later plans run freely.
struct PlanGate {
  absl::Mutex mu;
  int started ABSL_GUARDED_BY(mu) = 0;
  absl::Notification release;

  void OnPlan() {
    int n;
    {
      absl::MutexLock lock(&mu);
      n = ++started;
    }
    if (n == 1) release.WaitForNotification();
  }
  void AwaitStarted(int n) {
    absl::MutexLock lock(&mu);
    std::pair<PlanGate*, int> arg(this, n);
    mu.Await(absl::Condition(
        +[](std::pair<PlanGate*, int>* a) {
          return a->first->started >= a->second;
        },
        &arg));
  }
  int Started() {
    absl::MutexLock lock(&mu);
    return started;
  }
};

server::Options WithGate(PlanGate* gate) {
  server::Options options;
  options.plan_hook_for_testing = [gate] { gate->OnPlan(); };
  return options;
}

class PlanTest : public ::testing::Test {
 protected:
  PlanTest() : server_(WithGate(&gate_)) {}

  void SetUp() override {
    admin_ = server_.NewClient(Transport::kLoopback, server_.admin_token());
    school_a_ = testing::CreateSchoolClient(server_, Transport::kLoopback,
                                            admin_, testing::MakeUai(1), &a_);
    school_b_ = testing::CreateSchoolClient(server_, Transport::kLoopback,
                                            admin_, testing::MakeUai(2), &b_);
    company_ = testing::CreateCompanyClient(server_, Transport::kLoopback,
                                            admin_, testing::MakeSiret(1), &c_);
  }
  void TearDown() override {
    // Whatever a failed test left held.
    if (!gate_.release.HasBeenNotified()) gate_.release.Notify();
  }

  v1::IndexStatus Status() {
    v1::IndexStatus status;
    EXPECT_TRUE(admin_.matching
                    ->GetIndexStatus(admin_.Context().get(),
                                     v1::GetIndexStatusRequest(), &status)
                    .ok());
    return status;
  }

  // Waits (bounded) until `n` plan calls wait in the server's plan queue.
  void AwaitPlanCalls(int n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (Status().plan_calls_waiting() < n) {
      ASSERT_LT(absl::Now(), deadline) << "the plan calls did not arrive";
      std::this_thread::yield();
    }
  }

  grpc::Status Plan(const Client& c, const v1::PlanPlacementsRequest& req,
                    v1::PlanPlacementsResponse* out = nullptr) {
    v1::PlanPlacementsResponse ignored;
    return c.matching->PlanPlacements(c.Context().get(), req,
                                      out ? out : &ignored);
  }

  PlanGate gate_;
  TestServer server_;
  Client admin_, school_a_, school_b_, company_;
  v1::School a_, b_;
  v1::Company c_;
};

TEST_F(PlanTest, PlansAreQueuedAndSharedInsteadOfRefused) {
  std::vector<std::thread> calls;
  std::vector<grpc::Status> results(4);
  v1::PlanPlacementsRequest own;
  calls.emplace_back([&] { results[0] = Plan(school_a_, own); });
  gate_.AwaitStarted(1);  // school A's plan is running, held

  // The federation's plan is queued, not refused (UNAVAILABLE before).
  calls.emplace_back([&] { results[1] = Plan(admin_, own); });
  // Two identical requests of school B: one plan, shared.
  calls.emplace_back([&] { results[2] = Plan(school_b_, own); });
  calls.emplace_back([&] { results[3] = Plan(school_b_, own); });
  AwaitPlanCalls(4);
  EXPECT_EQ(Status().plans_queued(), 2);

  // School A's second, different plan while its first runs: limited.
  v1::PlanPlacementsRequest other_k;
  other_k.set_recommendations_per_graduate(3);
  grpc::Status limited = Plan(school_a_, other_k);
  EXPECT_EQ(limited.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(limited.error_message(), HasSubstr("at most 1 at a time"));

  gate_.release.Notify();
  for (std::thread& t : calls) t.join();
  for (const grpc::Status& s : results)
    EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(gate_.Started(), 3);  // A, the federation's, B's shared
  EXPECT_EQ(Status().plans_computed(), 3);
  // Once its plan has ended, school A plans again.
  EXPECT_TRUE(Plan(school_a_, other_k).ok());
}

TEST_F(PlanTest, EachCallerPlansOverItsOwnGraduatesOnly) {
  gate_.release.Notify();
  // A partner and the young person it follows.
  v1::CreatePartnerRequest create_partner;
  create_partner.mutable_partner()->set_name("Mission locale de Lille");
  create_partner.mutable_partner()->mutable_place()->set_commune_insee("59350");
  v1::Partner partner;
  grpc::Status created = admin_.organizations->CreatePartner(
      admin_.Context().get(), create_partner, &partner);
  ASSERT_TRUE(created.ok()) << created.error_message();
  v1::IssueTokenRequest issue;
  issue.set_organization_id(partner.id());
  issue.set_role(v1::ROLE_PARTNER);
  v1::IssueTokenResponse token;
  ASSERT_TRUE(
      admin_.organizations->IssueToken(admin_.Context().get(), issue, &token)
          .ok());
  Client partner_client =
      server_.NewClient(Transport::kLoopback, token.token());
  auto create = [](const Client& c, const std::string& external_id) {
    v1::CreateGraduateRequest req;
    *req.mutable_graduate() = testing::SampleGraduate(external_id);
    v1::Graduate out;
    grpc::Status s = c.graduates->CreateGraduate(c.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  };
  create(partner_client, "p-1");
  create(school_a_, "a-1");
  create(school_a_, "a-2");
  create(school_b_, "b-1");
  const uint64_t target = Status().log_sequence();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (Status().applied_sequence() < target) {
    ASSERT_LT(absl::Now(), deadline) << "the matcher did not catch up";
    std::this_thread::yield();
  }

  v1::PlanPlacementsRequest req;
  v1::PlanPlacementsResponse plan;
  ASSERT_TRUE(Plan(admin_, req, &plan).ok());
  EXPECT_EQ(plan.graduates(), 4);
  ASSERT_TRUE(Plan(school_a_, req, &plan).ok());
  EXPECT_EQ(plan.graduates(), 2);
  ASSERT_TRUE(Plan(partner_client, req, &plan).ok());
  EXPECT_EQ(plan.graduates(), 1);
  req.set_partner_id(partner.id());
  ASSERT_TRUE(Plan(admin_, req, &plan).ok());
  EXPECT_EQ(plan.graduates(), 1);

  // Someone else's graduates: refused, whoever asks.
  struct Case {
    const Client* caller;
    std::string school_id, partner_id;
    grpc::StatusCode code;
  } cases[] = {
      {&school_a_, b_.id(), "", grpc::StatusCode::PERMISSION_DENIED},
      {&school_a_, "", partner.id(), grpc::StatusCode::PERMISSION_DENIED},
      {&partner_client, a_.id(), "", grpc::StatusCode::PERMISSION_DENIED},
      {&partner_client, "", "ptn_other", grpc::StatusCode::PERMISSION_DENIED},
      {&company_, "", "", grpc::StatusCode::PERMISSION_DENIED},
      {&admin_, a_.id(), partner.id(), grpc::StatusCode::INVALID_ARGUMENT},
  };
  for (const Case& c : cases) {
    v1::PlanPlacementsRequest r;
    r.set_school_id(c.school_id);
    r.set_partner_id(c.partner_id);
    EXPECT_EQ(Plan(*c.caller, r).error_code(), c.code)
        << c.school_id << " " << c.partner_id;
  }
}

}  // namespace
}  // namespace passerelle
