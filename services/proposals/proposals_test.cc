// The Proposals library over a real store in a temporary directory, with a
// clock the test moves: deadlines (expiry is lazy, then stored), many
// threads accepting the last positions at once, and erasure with the
// graduate (the start-up sweep and the change-log follower).

#include "services/proposals/proposals.h"

#include <atomic>
#include <memory>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/dates.h"
#include "services/common/referentials.h"
#include "services/graduates/graduates.h"
#include "services/matching/convert.h"
#include "services/offers/offers.h"
#include "tests/testing/fixture.h"

namespace passerelle::proposals {
namespace {

using runtime::Caller;
using ::testing::HasSubstr;

// Every organization exists.
class AnyDirectory final : public runtime::Directory {
 public:
  absl::StatusOr<v1::Company> FindCompany(absl::string_view id) const override {
    v1::Company c;
    c.set_id(std::string(id));
    return c;
  }
  absl::StatusOr<v1::School> FindSchool(absl::string_view id) const override {
    v1::School s;
    s.set_id(std::string(id));
    return s;
  }
  absl::StatusOr<v1::Partner> FindPartner(absl::string_view id) const override {
    v1::Partner p;
    p.set_id(std::string(id));
    return p;
  }
};

const Caller kSchool{"sch_1", v1::ROLE_SCHOOL, "t1", "", false, "", {}, "", ""};
const Caller kCompany{"cmp_1", v1::ROLE_COMPANY, "t2", "", false, "", {}, "",
                      ""};

class ProposalsLibraryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto refs = common::Referentials::Load(common::DefaultDataDir());
    ASSERT_TRUE(refs.ok()) << refs.status();
    referentials_ = *std::move(refs);
    OpenStore();
    engine::EngineOptions options;
    options.trades = matching::TradesFrom(*referentials_);
    auto engine = engine::Engine::Create(std::move(options));
    ASSERT_TRUE(engine.ok());
    engine_ = *std::move(engine);
    proposals_ = NewProposals();
  }

  void TearDown() override {
    proposals_.reset();
    graduates_.reset();
    offers_.reset();
    store_.reset();
  }

  void OpenStore() {
    storage::Store::Options options;
    options.path = dir_.path() + "/db";
    for (auto tables : {graduates::Tables(), offers::Tables(), Tables()}) {
      for (auto& t : tables) options.tables.push_back(t);
    }
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    graduates_ = std::make_unique<graduates::Graduates>(
        store_.get(), referentials_.get(), &directory_);
    offers_ = std::make_unique<offers::Offers>(
        store_.get(), referentials_.get(), &directory_);
  }

  std::unique_ptr<Proposals> NewProposals() {
    Proposals::Options options;
    options.store = store_.get();
    options.graduates = &graduates_->repository();
    options.offers = &offers_->repository();
    options.engine = engine_.get();
    options.candidate = [this](const v1::Graduate& g, const v1::Offer& o) {
      v1::Candidate c;
      c.set_pseudonym("Candidat-TEST");
      c.set_graduate_id(candidate_ids_.Encode(o.id(), g.id()));
      return c;
    };
    options.candidate_ids = &candidate_ids_;
    options.now = [this] { return Now(); };
    return std::make_unique<Proposals>(std::move(options));
  }

  absl::Time Now() const { return absl::FromUnixNanos(now_nanos_.load()); }
  absl::CivilDay Today() const { return common::DayInParis(Now()); }
  void AdvanceDays(int days) {
    now_nanos_ += absl::ToInt64Nanoseconds(absl::Hours(24 * days));
  }

  v1::Graduate Graduate(const std::string& ext) {
    auto g = graduates_->Create(kSchool, testing::SampleGraduate(ext));
    EXPECT_TRUE(g.ok()) << g.status();
    return *g;
  }
  v1::Offer Offer(int positions) {
    v1::Offer o = testing::SampleOffer();
    o.set_positions(positions);
    auto created = offers_->Create(kCompany, o);
    EXPECT_TRUE(created.ok()) << created.status();
    return *created;
  }
  absl::StatusOr<v1::Proposal> Send(const v1::Offer& o, const v1::Graduate& g,
                                    int respond_in_days) {
    v1::SendProposalRequest req;
    req.set_offer_id(o.id());
    req.set_graduate_id(candidate_ids_.Encode(o.id(), g.id()));
    req.set_respond_by(common::FormatDate(Today() + respond_in_days));
    return proposals_->Send(kCompany, req);
  }
  absl::StatusOr<v1::Proposal> Respond(const std::string& id, bool accept) {
    v1::RespondToProposalRequest req;
    req.set_proposal_id(id);
    req.set_accept(accept);
    return proposals_->Respond(kSchool, req);
  }
  v1::ProposalState Stored(const std::string& id) {
    auto p = proposals_->repository().Get(id);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? p->state() : v1::PROPOSAL_STATE_UNSPECIFIED;
  }

  testing::TempDir dir_;
  std::unique_ptr<common::Referentials> referentials_;
  AnyDirectory directory_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<graduates::Graduates> graduates_;
  std::unique_ptr<offers::Offers> offers_;
  std::unique_ptr<engine::Engine> engine_;
  matching::CandidateIds candidate_ids_{"0123456789abcdef0123456789abcdef"};
  std::atomic<int64_t> now_nanos_{absl::ToUnixNanos(absl::Now())};
  std::unique_ptr<Proposals> proposals_;
};

TEST_F(ProposalsLibraryTest, AnswerableThroughRespondByThenExpired) {
  v1::Graduate g = Graduate("e-1");
  v1::Offer o1 = Offer(2);
  v1::Offer o2 = Offer(2);
  absl::StatusOr<v1::Proposal> late = Send(o1, g, 3);
  absl::StatusOr<v1::Proposal> on_time = Send(o2, g, 4);
  ASSERT_TRUE(late.ok() && on_time.ok());

  AdvanceDays(4);  // late's respond_by was yesterday; on_time's is today
  v1::ListProposalsRequest list;
  list.set_graduate_id(g.id());
  auto listed = proposals_->List(kSchool, list);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->proposals_size(), 2);
  for (const auto& p : listed->proposals()) {
    EXPECT_EQ(p.state(), p.id() == late->id() ? v1::PROPOSAL_STATE_EXPIRED
                                              : v1::PROPOSAL_STATE_SENT);
  }
  EXPECT_EQ(Stored(late->id()), v1::PROPOSAL_STATE_SENT);  // lazily

  absl::StatusOr<v1::Proposal> answer = Respond(late->id(), true);
  EXPECT_TRUE(absl::IsFailedPrecondition(answer.status())) << answer.status();
  EXPECT_THAT(answer.status().message(), HasSubstr("EXPIRED"));
  EXPECT_EQ(Stored(late->id()), v1::PROPOSAL_STATE_EXPIRED);  // now stored
  v1::WithdrawProposalRequest withdraw;
  withdraw.set_proposal_id(late->id());
  EXPECT_TRUE(absl::IsFailedPrecondition(
      proposals_->Withdraw(kCompany, withdraw).status()));

  // The deadline day itself still counts.
  answer = Respond(on_time->id(), true);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->state(), v1::PROPOSAL_STATE_ACCEPTED);
}

// A record the engine cannot read (here a birth date in another format,
// written without validation) fails the send as INTERNAL, but the company
// reads neither the graduate's id nor the value (issue 16).
TEST_F(ProposalsLibraryTest, AnUnusableRecordTellsTheCompanyNothing) {
  v1::Graduate g = Graduate("u-1");
  v1::Offer o = Offer(1);
  g.set_birth_date("14/05/2009");
  auto stored = graduates_->repository().Update(g, g.version());
  ASSERT_TRUE(stored.ok()) << stored.status();
  absl::StatusOr<v1::Proposal> sent = Send(o, *stored, 7);
  EXPECT_EQ(sent.status().code(), absl::StatusCode::kInternal);
  const std::string message(sent.status().message());
  EXPECT_THAT(message, ::testing::Not(HasSubstr(g.id())));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("2009")));
}

TEST_F(ProposalsLibraryTest, AcceptanceClosesOthersAsSupersededOrExpired) {
  v1::Graduate g = Graduate("s-1");
  v1::Offer a = Offer(1), b = Offer(1), c = Offer(1);
  auto pa = Send(a, g, 1), pb = Send(b, g, 10), pc = Send(c, g, 10);
  ASSERT_TRUE(pa.ok() && pb.ok() && pc.ok());
  AdvanceDays(2);
  ASSERT_TRUE(Respond(pc->id(), true).ok());
  EXPECT_EQ(Stored(pa->id()), v1::PROPOSAL_STATE_EXPIRED);
  EXPECT_EQ(Stored(pb->id()), v1::PROPOSAL_STATE_SUPERSEDED);
  EXPECT_EQ(Stored(pc->id()), v1::PROPOSAL_STATE_ACCEPTED);
}

TEST_F(ProposalsLibraryTest, AnExpiredProposalGivesWayToANewOne) {
  v1::Graduate g = Graduate("n-1");
  v1::Offer o = Offer(1);
  auto first = Send(o, g, 0);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(absl::IsAlreadyExists(Send(o, g, 5).status()));
  AdvanceDays(1);
  auto second = Send(o, g, 5);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(Stored(first->id()), v1::PROPOSAL_STATE_EXPIRED);
  EXPECT_EQ(Stored(second->id()), v1::PROPOSAL_STATE_SENT);
}

TEST_F(ProposalsLibraryTest, ManyThreadsAcceptingTheLastPositionsAtOnce) {
  constexpr int kThreads = 12;
  for (int round = 0; round < 10; ++round) {
    const int positions = 1 + round % 3;
    SCOPED_TRACE(
        absl::StrCat("round ", round, ", ", positions, " position(s)"));
    v1::Offer o = Offer(positions);
    std::vector<std::string> ids;
    for (int i = 0; i < kThreads; ++i) {
      auto p = Send(o, Graduate(absl::StrCat("m-", round, "-", i)), 5);
      ASSERT_TRUE(p.ok()) << p.status();
      ids.push_back(p->id());
    }
    absl::Barrier* barrier = new absl::Barrier(kThreads);
    std::vector<absl::Status> results(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        if (barrier->Block()) delete barrier;
        results[i] = Respond(ids[i], true).status();
      });
    }
    for (std::thread& t : threads) t.join();
    int won = 0;
    for (const absl::Status& s : results) {
      if (s.ok()) {
        ++won;
      } else {
        EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
        EXPECT_THAT(s.message(), HasSubstr("no position left"));
      }
    }
    EXPECT_EQ(won, positions);
    auto after = offers_->repository().Get(o.id());
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->positions_filled(), positions);
    EXPECT_EQ(after->status(), v1::OFFER_STATUS_FILLED);
  }
}

TEST_F(ProposalsLibraryTest, ErasesTheProposalsOfDeletedGraduates) {
  v1::Graduate gone = Graduate("x-1");
  v1::Graduate kept = Graduate("x-2");
  v1::Offer o = Offer(3);
  auto p1 = Send(o, gone, 5), p2 = Send(o, kept, 5);
  ASSERT_TRUE(p1.ok() && p2.ok());
  // Deleted while nobody follows the log: the start-up sweep erases.
  ASSERT_TRUE(graduates_->Delete(kSchool, gone.id()).ok());
  EXPECT_TRUE(proposals_->repository().Get(p1->id()).ok());
  ASSERT_TRUE(proposals_->StartErasure().ok());
  EXPECT_TRUE(
      absl::IsNotFound(proposals_->repository().Get(p1->id()).status()));
  EXPECT_TRUE(proposals_->repository().Get(p2->id()).ok());

  // Followed: the deletion's event erases.
  ASSERT_TRUE(graduates_->Delete(kSchool, kept.id()).ok());
  ASSERT_TRUE(
      proposals_->WaitForErasure(store_->LastSequence(), absl::Seconds(20)));
  EXPECT_TRUE(
      absl::IsNotFound(proposals_->repository().Get(p2->id()).status()));
  proposals_->Stop();
  EXPECT_FALSE(proposals_->WaitForErasure(store_->LastSequence() + 1,
                                          absl::Milliseconds(1)));
}

TEST_F(ProposalsLibraryTest, ASendRacingTheGraduatesDeletionLeavesNoOrphan) {
  ASSERT_TRUE(proposals_->StartErasure().ok());
  v1::Offer o = Offer(100);
  for (int round = 0; round < 20; ++round) {
    v1::Graduate g = Graduate(absl::StrCat("race-", round));
    std::thread sender([&] { (void)Send(o, g, 5); });
    std::thread deleter(
        [&] { ASSERT_TRUE(graduates_->Delete(kSchool, g.id()).ok()); });
    sender.join();
    deleter.join();
    ASSERT_TRUE(
        proposals_->WaitForErasure(store_->LastSequence(), absl::Seconds(20)));
    auto left = proposals_->repository().List(kByGraduate, g.id(), 10, "");
    ASSERT_TRUE(left.ok());
    EXPECT_TRUE(left->records.empty()) << "round " << round;
  }
}

}  // namespace
}  // namespace passerelle::proposals
