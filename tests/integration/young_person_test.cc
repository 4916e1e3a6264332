// The young person's own access and their legal representative's (issue
// #20), over a real server: ROLE_GRADUATE and ROLE_GUARDIAN tokens, every
// cross-access refusal, a minor's acceptance awaiting the representative
// (the position held, the company seeing neither name nor acceptance), the
// representative's confirmation or refusal, the deadline passing meanwhile,
// a race for the last position, an adult answering alone, the school's
// in-person answer, and the data export.

#include <atomic>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/dates.h"
#include "tests/testing/fake_smtp.h"
#include "tests/testing/fixture.h"

namespace passerelle {
namespace {

using testing::Client;
using ::testing::HasSubstr;
using testing::TestServer;
using testing::Transport;

constexpr Transport kNet = Transport::kLoopback;

// The servers' clock: real time plus an offset the tests move.
std::atomic<int64_t> clock_offset_s{0};
server::Options ClockedOptions() {
  server::Options options;
  options.clock = [] {
    return absl::Now() + absl::Seconds(clock_offset_s.load());
  };
  return options;
}

std::string DaysFromToday(int days) {
  return common::FormatDate(common::TodayInParis() + days);
}

// The birth date of someone who turns 18 in `days` days.
std::string EighteenIn(int days) {
  const absl::CivilDay then = common::TodayInParis() + days;
  return common::FormatDate(
      absl::CivilDay(then.year() - 18, then.month(), then.day()));
}

class YoungPersonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_offset_s = 0;
    admin_ = server_.NewClient(kNet, server_.admin_token());
    school_client_ = testing::CreateSchoolClient(server_, kNet, admin_,
                                                 testing::MakeUai(1), &school_);
    other_school_client_ = testing::CreateSchoolClient(
        server_, kNet, admin_, testing::MakeUai(2), &other_school_);
    company_client_ = testing::CreateCompanyClient(
        server_, kNet, admin_, testing::MakeSiret(1), &company_);
  }
  void TearDown() override { clock_offset_s = 0; }

  v1::Graduate NewGraduate(const std::string& external_id,
                           const std::string& birth_date = "2009-05-14",
                           Client* client = nullptr) {
    Client& c = client ? *client : school_client_;
    v1::Graduate g = testing::SampleGraduate(external_id);
    g.set_birth_date(birth_date);
    g.set_email("jeune@example.fr");
    v1::CreateGraduateRequest req;
    *req.mutable_graduate() = g;
    v1::Graduate out;
    grpc::Status s = c.graduates->CreateGraduate(c.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::Offer NewOffer(const std::string& external_id, int positions) {
    v1::Offer o = testing::SampleOffer(external_id);
    o.set_positions(positions);
    v1::CreateOfferRequest req;
    *req.mutable_offer() = o;
    v1::Offer out;
    grpc::Status s = company_client_.offers->CreateOffer(
        company_client_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::Offer GetOffer(const std::string& id) {
    v1::GetOfferRequest req;
    req.set_id(id);
    v1::Offer out;
    grpc::Status s = company_client_.offers->GetOffer(
        company_client_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::Proposal Send(const std::string& offer_id, const std::string& graduate_id,
                    const std::string& respond_by = "") {
    v1::SendProposalRequest req;
    req.set_offer_id(offer_id);
    req.set_graduate_id(testing::CandidateId(server_, offer_id, graduate_id));
    req.set_respond_by(respond_by);
    v1::Proposal out;
    grpc::Status s = company_client_.proposals->SendProposal(
        company_client_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status IssueFor(Client& issuer, v1::Role role,
                        const std::string& graduate_id, std::string* token) {
    v1::IssueTokenRequest req;
    req.set_role(role);
    req.set_graduate_id(graduate_id);
    v1::IssueTokenResponse resp;
    grpc::Status s =
        issuer.organizations->IssueToken(issuer.Context().get(), req, &resp);
    if (token != nullptr) *token = resp.token();
    return s;
  }

  Client PersonClient(v1::Role role, const std::string& graduate_id) {
    std::string token;
    grpc::Status s = IssueFor(school_client_, role, graduate_id, &token);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return server_.NewClient(kNet, token);
  }

  grpc::Status Respond(Client& c, const std::string& id, bool accept,
                       v1::Proposal* out = nullptr) {
    v1::RespondToProposalRequest req;
    req.set_proposal_id(id);
    req.set_accept(accept);
    v1::Proposal ignored;
    return c.proposals->RespondToProposal(c.Context().get(), req,
                                          out ? out : &ignored);
  }

  std::vector<v1::Proposal> List(Client& c, v1::ListProposalsRequest req,
                                 grpc::Status* status = nullptr) {
    v1::ListProposalsResponse resp;
    grpc::Status s = c.proposals->ListProposals(c.Context().get(), req, &resp);
    if (status != nullptr) *status = s;
    return {resp.proposals().begin(), resp.proposals().end()};
  }

  v1::Proposal CompanyView(const std::string& offer_id,
                           const std::string& proposal_id) {
    v1::ListProposalsRequest req;
    req.set_offer_id(offer_id);
    for (v1::Proposal& p : List(company_client_, req)) {
      if (p.id() == proposal_id) return p;
    }
    ADD_FAILURE() << "proposal " << proposal_id << " not listed";
    return {};
  }

  TestServer server_{ClockedOptions()};
  Client admin_;
  Client school_client_, other_school_client_, company_client_;
  v1::School school_, other_school_;
  v1::Company company_;
};

TEST_F(YoungPersonTest, TokensForTheirOwnRecordOnly) {
  const v1::Graduate minor = NewGraduate("EP-1");
  const v1::Graduate adult = NewGraduate("EP-2", "2006-03-01");
  const v1::Graduate elsewhere =
      NewGraduate("EP-3", "2009-05-14", &other_school_client_);

  std::string token;
  EXPECT_TRUE(
      IssueFor(school_client_, v1::ROLE_GRADUATE, minor.id(), &token).ok());
  EXPECT_TRUE(
      IssueFor(school_client_, v1::ROLE_GUARDIAN, minor.id(), &token).ok());
  // A representative is for a minor.
  grpc::Status s =
      IssueFor(school_client_, v1::ROLE_GUARDIAN, adult.id(), nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("adult"));
  // Another school's young person: as if unknown; so for a company.
  s = IssueFor(school_client_, v1::ROLE_GRADUATE, elsewhere.id(), nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  s = IssueFor(company_client_, v1::ROLE_GRADUATE, minor.id(), nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  s = IssueFor(school_client_, v1::ROLE_GRADUATE, "", nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("graduate_id"));

  const v1::Offer offer = NewOffer("OF-1", 2);
  const v1::Proposal theirs = Send(offer.id(), minor.id());
  const v1::Proposal other = Send(offer.id(), adult.id());

  for (v1::Role role : {v1::ROLE_GRADUATE, v1::ROLE_GUARDIAN}) {
    SCOPED_TRACE(v1::Role_Name(role));
    Client me = PersonClient(role, minor.id());
    v1::WhoAmIResponse who;
    ASSERT_TRUE(
        me.organizations->WhoAmI(me.Context().get(), v1::WhoAmIRequest(), &who)
            .ok());
    EXPECT_EQ(who.graduate_id(), minor.id());
    EXPECT_EQ(who.organization_id(), school_.id());

    // Their own record, ranking, explanation, proposals, export.
    v1::GetGraduateRequest get;
    get.set_id(minor.id());
    v1::Graduate read;
    EXPECT_TRUE(me.graduates->GetGraduate(me.Context().get(), get, &read).ok());
    v1::RankOffersRequest rank;
    rank.set_graduate_id(minor.id());
    v1::RankOffersResponse ranked;
    EXPECT_TRUE(
        me.matching->RankOffers(me.Context().get(), rank, &ranked).ok());
    v1::ExplainMatchRequest explain;
    explain.set_graduate_id(minor.id());
    explain.set_offer_id(offer.id());
    v1::ExplainMatchResponse explained;
    EXPECT_TRUE(
        me.matching->ExplainMatch(me.Context().get(), explain, &explained)
            .ok());
    grpc::Status listed;
    std::vector<v1::Proposal> mine = List(me, {}, &listed);
    EXPECT_TRUE(listed.ok()) << listed.error_message();
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].id(), theirs.id());
    v1::ExportGraduateDataRequest exp;
    exp.set_graduate_id(minor.id());
    v1::ExportGraduateDataResponse exported;
    EXPECT_TRUE(
        me.graduates->ExportGraduateData(me.Context().get(), exp, &exported)
            .ok());

    // Anyone else's: PERMISSION_DENIED, existing or not.
    for (const std::string& id : {adult.id(), elsewhere.id(),
                                  std::string("grd_00000000000000000000")}) {
      get.set_id(id);
      EXPECT_EQ(me.graduates->GetGraduate(me.Context().get(), get, &read)
                    .error_code(),
                grpc::StatusCode::PERMISSION_DENIED)
          << id;
      rank.set_graduate_id(id);
      EXPECT_EQ(me.matching->RankOffers(me.Context().get(), rank, &ranked)
                    .error_code(),
                grpc::StatusCode::PERMISSION_DENIED);
      explain.set_graduate_id(id);
      EXPECT_EQ(
          me.matching->ExplainMatch(me.Context().get(), explain, &explained)
              .error_code(),
          grpc::StatusCode::PERMISSION_DENIED);
      v1::ListProposalsRequest by_graduate;
      by_graduate.set_graduate_id(id);
      List(me, by_graduate, &listed);
      EXPECT_EQ(listed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
      exp.set_graduate_id(id);
      EXPECT_EQ(
          me.graduates->ExportGraduateData(me.Context().get(), exp, &exported)
              .error_code(),
          grpc::StatusCode::PERMISSION_DENIED);
    }
    v1::ListProposalsRequest by_offer;
    by_offer.set_offer_id(offer.id());
    List(me, by_offer, &listed);
    EXPECT_EQ(listed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(Respond(me, other.id(), false).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    // Nor do they manage records.
    v1::ListGraduatesResponse all;
    EXPECT_EQ(me.graduates
                  ->ListGraduates(me.Context().get(),
                                  v1::ListGraduatesRequest(), &all)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    v1::DeleteGraduateRequest del;
    del.set_id(minor.id());
    v1::DeleteGraduateResponse deleted;
    EXPECT_EQ(me.graduates->DeleteGraduate(me.Context().get(), del, &deleted)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    v1::UpdateGraduateRequest update;
    *update.mutable_graduate() = read;
    update.mutable_graduate()->set_id(minor.id());
    update.mutable_graduate()->set_given_name("Autre");
    update.mutable_update_mask()->add_paths("given_name");
    v1::Graduate updated;
    EXPECT_EQ(me.graduates->UpdateGraduate(me.Context().get(), update, &updated)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_F(YoungPersonTest, MinorAcceptanceWaitsForTheRepresentative) {
  const v1::Graduate minor = NewGraduate("EP-1");
  const v1::Offer first = NewOffer("OF-1", 1);
  const v1::Offer second = NewOffer("OF-2", 1);
  const v1::Proposal p1 = Send(first.id(), minor.id());
  const v1::Proposal p2 = Send(second.id(), minor.id());
  Client young = PersonClient(v1::ROLE_GRADUATE, minor.id());
  Client parent = PersonClient(v1::ROLE_GUARDIAN, minor.id());

  // The representative does not answer first.
  grpc::Status s = Respond(parent, p1.id(), true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("answers first"));

  v1::Proposal answered;
  ASSERT_TRUE(Respond(young, p1.id(), true, &answered).ok());
  EXPECT_EQ(answered.state(), v1::PROPOSAL_STATE_AWAITING_GUARDIAN);
  // The position is held, for them: their listing shows nothing against it.
  for (const v1::Proposal& mine : List(young, {})) {
    if (mine.id() == p1.id()) {
      EXPECT_EQ(mine.state(), v1::PROPOSAL_STATE_AWAITING_GUARDIAN);
      EXPECT_TRUE(mine.exclusions().empty()) << mine.exclusions(0).rule();
    }
  }
  EXPECT_EQ(GetOffer(first.id()).positions_filled(), 1);
  EXPECT_EQ(GetOffer(first.id()).status(), v1::OFFER_STATUS_FILLED);
  // The company sees it as sent, and no name.
  v1::Proposal seen = CompanyView(first.id(), p1.id());
  EXPECT_EQ(seen.state(), v1::PROPOSAL_STATE_SENT);
  EXPECT_TRUE(seen.given_name().empty());
  EXPECT_TRUE(seen.answers().empty());
  v1::ListProposalsRequest sent_only;
  sent_only.set_offer_id(first.id());
  sent_only.set_state(v1::PROPOSAL_STATE_SENT);
  EXPECT_EQ(List(company_client_, sent_only).size(), 1u);
  // One acceptance at a time; the young person cannot confirm themselves.
  s = Respond(young, p2.id(), true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr(p1.id()));
  s = Respond(young, p1.id(), true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  ASSERT_TRUE(Respond(parent, p1.id(), true, &answered).ok());
  EXPECT_EQ(answered.state(), v1::PROPOSAL_STATE_ACCEPTED);
  ASSERT_EQ(answered.answers_size(), 2);
  EXPECT_EQ(answered.answers(0).role(), v1::ROLE_GRADUATE);
  EXPECT_EQ(answered.answers(0).channel(), v1::ANSWER_CHANNEL_APP);
  EXPECT_EQ(answered.answers(1).role(), v1::ROLE_GUARDIAN);
  EXPECT_TRUE(answered.answers(1).accept());
  // Now the company sees the name; the other proposal gave way; the
  // position was taken once.
  seen = CompanyView(first.id(), p1.id());
  EXPECT_EQ(seen.state(), v1::PROPOSAL_STATE_ACCEPTED);
  EXPECT_EQ(seen.given_name(), "Clémence");
  EXPECT_EQ(CompanyView(second.id(), p2.id()).state(),
            v1::PROPOSAL_STATE_SUPERSEDED);
  EXPECT_EQ(GetOffer(first.id()).positions_filled(), 1);
}

TEST_F(YoungPersonTest, RepresentativeRefusalFreesThePosition) {
  const v1::Graduate minor = NewGraduate("EP-1");
  const v1::Offer offer = NewOffer("OF-1", 1);
  const v1::Proposal p = Send(offer.id(), minor.id());
  Client young = PersonClient(v1::ROLE_GRADUATE, minor.id());
  Client parent = PersonClient(v1::ROLE_GUARDIAN, minor.id());
  ASSERT_TRUE(Respond(young, p.id(), true).ok());
  EXPECT_EQ(GetOffer(offer.id()).status(), v1::OFFER_STATUS_FILLED);
  v1::Proposal answered;
  ASSERT_TRUE(Respond(parent, p.id(), false, &answered).ok());
  EXPECT_EQ(answered.state(), v1::PROPOSAL_STATE_DECLINED);
  const v1::Offer freed = GetOffer(offer.id());
  EXPECT_EQ(freed.positions_filled(), 0);
  EXPECT_EQ(freed.status(), v1::OFFER_STATUS_OPEN);

  // While it waits, the young person may take their acceptance back.
  const v1::Offer second = NewOffer("OF-2", 1);
  const v1::Proposal q = Send(second.id(), minor.id());
  ASSERT_TRUE(Respond(young, q.id(), true).ok());
  ASSERT_TRUE(Respond(young, q.id(), false, &answered).ok());
  EXPECT_EQ(answered.state(), v1::PROPOSAL_STATE_DECLINED);
  EXPECT_EQ(GetOffer(second.id()).positions_filled(), 0);
}

// Turning 18 while the acceptance waits: the representative's access has
// ended, and the young person confirms it themselves.
TEST_F(YoungPersonTest, EighteenWhileWaitingConfirmsAlone) {
  const std::string birth = EighteenIn(2);
  const v1::Graduate soon = NewGraduate("EP-1", birth);
  const v1::Offer offer = NewOffer("OF-1", 1);
  const v1::Proposal p = Send(offer.id(), soon.id(), DaysFromToday(10));
  Client young = PersonClient(v1::ROLE_GRADUATE, soon.id());
  v1::Proposal answered;
  ASSERT_TRUE(Respond(young, p.id(), true, &answered).ok());
  EXPECT_EQ(answered.state(), v1::PROPOSAL_STATE_AWAITING_GUARDIAN);
  EXPECT_EQ(Respond(young, p.id(), true).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  clock_offset_s = 3 * 86400;  // 18 now
  ASSERT_TRUE(Respond(young, p.id(), true, &answered).ok());
  EXPECT_EQ(answered.state(), v1::PROPOSAL_STATE_ACCEPTED);
  EXPECT_EQ(GetOffer(offer.id()).positions_filled(), 1);
}

TEST_F(YoungPersonTest, AnAdultAcceptsAloneAndTheSchoolRecordsInPerson) {
  const v1::Graduate adult = NewGraduate("EP-1", "2006-03-01");
  const v1::Graduate minor = NewGraduate("EP-2");
  const v1::Offer offer = NewOffer("OF-1", 2);
  const v1::Proposal pa = Send(offer.id(), adult.id());
  const v1::Proposal pm = Send(offer.id(), minor.id());
  Client young = PersonClient(v1::ROLE_GRADUATE, adult.id());
  v1::Proposal answered;
  ASSERT_TRUE(Respond(young, pa.id(), true, &answered).ok());
  EXPECT_EQ(answered.state(), v1::PROPOSAL_STATE_ACCEPTED);
  // The school records a minor's answer given in person (attesting the
  // representative's consent): accepted, marked as such.
  ASSERT_TRUE(Respond(school_client_, pm.id(), true, &answered).ok());
  EXPECT_EQ(answered.state(), v1::PROPOSAL_STATE_ACCEPTED);
  ASSERT_EQ(answered.answers_size(), 1);
  EXPECT_EQ(answered.answers(0).channel(), v1::ANSWER_CHANNEL_IN_PERSON);
  EXPECT_EQ(answered.answers(0).role(), v1::ROLE_SCHOOL);
}

// A minor's pending acceptance holds the last position: of two young people
// accepting it at once, exactly one gets it.
TEST_F(YoungPersonTest, PendingAcceptanceRacesForTheLastPosition) {
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    const v1::Graduate minor = NewGraduate(absl::StrCat("EP-M", round));
    const v1::Graduate adult =
        NewGraduate(absl::StrCat("EP-A", round), "2006-03-01");
    const v1::Offer offer = NewOffer(absl::StrCat("OF-", round), 1);
    const v1::Proposal pm = Send(offer.id(), minor.id());
    const v1::Proposal pa = Send(offer.id(), adult.id());
    Client young_minor = PersonClient(v1::ROLE_GRADUATE, minor.id());
    Client young_adult = PersonClient(v1::ROLE_GRADUATE, adult.id());
    absl::Barrier barrier(2);
    grpc::Status sm, sa;
    std::thread t1([&] {
      barrier.Block();
      sm = Respond(young_minor, pm.id(), true);
    });
    std::thread t2([&] {
      barrier.Block();
      sa = Respond(young_adult, pa.id(), true);
    });
    t1.join();
    t2.join();
    EXPECT_NE(sm.ok(), sa.ok())
        << sm.error_message() << " / " << sa.error_message();
    const grpc::Status& lost = sm.ok() ? sa : sm;
    EXPECT_EQ(lost.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(lost.error_message(), HasSubstr("no position left"));
    EXPECT_EQ(GetOffer(offer.id()).positions_filled(), 1);
  }
}

TEST_F(YoungPersonTest, DeadlinePassingWhileAwaitingFreesThePosition) {
  const v1::Graduate minor = NewGraduate("EP-1");
  const v1::Graduate other = NewGraduate("EP-2", "2006-03-01");
  const v1::Offer offer = NewOffer("OF-1", 1);
  const v1::Proposal p = Send(offer.id(), minor.id(), DaysFromToday(2));
  Client young = PersonClient(v1::ROLE_GRADUATE, minor.id());
  Client parent = PersonClient(v1::ROLE_GUARDIAN, minor.id());
  ASSERT_TRUE(Respond(young, p.id(), true).ok());
  EXPECT_EQ(GetOffer(offer.id()).status(), v1::OFFER_STATUS_FILLED);

  clock_offset_s = 4 * 86400;  // past respond_by
  // The daily sweep frees the position by itself.
  for (int i = 0; i < 100 && GetOffer(offer.id()).positions_filled() != 0;
       ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(GetOffer(offer.id()).positions_filled(), 0);
  EXPECT_EQ(GetOffer(offer.id()).status(), v1::OFFER_STATUS_OPEN);
  // The company may propose the freed position to someone else.
  const v1::Proposal next = Send(offer.id(), other.id());
  EXPECT_EQ(next.state(), v1::PROPOSAL_STATE_SENT);
  EXPECT_EQ(GetOffer(offer.id()).positions_filled(), 0);
  grpc::Status s = Respond(parent, p.id(), true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("EXPIRED"));
  Client young_other = PersonClient(v1::ROLE_GRADUATE, other.id());
  ASSERT_TRUE(Respond(young_other, next.id(), true).ok());
  EXPECT_EQ(GetOffer(offer.id()).positions_filled(), 1);
}

TEST_F(YoungPersonTest, RepresentativeAccessEndsOnTheEighteenthBirthday) {
  // 18 in two days.
  const std::string birth = EighteenIn(2);
  const v1::Graduate soon = NewGraduate("EP-1", birth);
  Client parent = PersonClient(v1::ROLE_GUARDIAN, soon.id());
  Client young = PersonClient(v1::ROLE_GRADUATE, soon.id());
  v1::GetGraduateRequest get;
  get.set_id(soon.id());
  v1::Graduate read;
  EXPECT_TRUE(
      parent.graduates->GetGraduate(parent.Context().get(), get, &read).ok());
  clock_offset_s = 3 * 86400;
  EXPECT_EQ(parent.graduates->GetGraduate(parent.Context().get(), get, &read)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // The young person's own access goes on.
  EXPECT_TRUE(
      young.graduates->GetGraduate(young.Context().get(), get, &read).ok());
  // And no new representative's token for an adult.
  grpc::Status s =
      IssueFor(school_client_, v1::ROLE_GUARDIAN, soon.id(), nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(YoungPersonTest, ExportHoldsEverythingAndWhoSawTheName) {
  const v1::Graduate minor = NewGraduate("EP-1");
  const v1::Offer offer = NewOffer("OF-1", 1);
  const v1::Proposal p = Send(offer.id(), minor.id());
  Client young = PersonClient(v1::ROLE_GRADUATE, minor.id());
  Client parent = PersonClient(v1::ROLE_GUARDIAN, minor.id());
  ASSERT_TRUE(Respond(young, p.id(), true).ok());
  ASSERT_TRUE(Respond(parent, p.id(), true).ok());

  v1::ExportGraduateDataRequest req;
  req.set_graduate_id(minor.id());
  v1::ExportGraduateDataResponse resp;
  ASSERT_TRUE(
      young.graduates->ExportGraduateData(young.Context().get(), req, &resp)
          .ok());
  EXPECT_THAT(resp.json(), HasSubstr("\"exportTime\""));
  EXPECT_THAT(resp.json(), HasSubstr(minor.id()));
  EXPECT_THAT(resp.json(), HasSubstr("jeune@example.fr"));
  EXPECT_THAT(resp.json(), HasSubstr(p.id()));
  EXPECT_THAT(resp.json(), HasSubstr("ANSWER_CHANNEL_APP"));
  EXPECT_THAT(resp.json(), HasSubstr("\"nameSeenBy\""));
  EXPECT_THAT(resp.json(), HasSubstr(company_.name()));
  // Their school may export it; a company, or another school, may not.
  EXPECT_TRUE(
      school_client_.graduates
          ->ExportGraduateData(school_client_.Context().get(), req, &resp)
          .ok());
  EXPECT_EQ(
      company_client_.graduates
          ->ExportGraduateData(company_client_.Context().get(), req, &resp)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      other_school_client_.graduates
          ->ExportGraduateData(other_school_client_.Context().get(), req, &resp)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
}

// People, not tokens: the school invites the young person and a parent;
// each opens their account with the one-time link and signs in; the school
// sees who was invited and who signed in; the representative's session
// ends on the 18th birthday.
TEST_F(YoungPersonTest, InvitationsOpenTheirAccounts) {
  const v1::Graduate minor = NewGraduate("EP-1");
  const v1::Graduate adult = NewGraduate("EP-2", "2006-03-01");
  const v1::Graduate elsewhere =
      NewGraduate("EP-3", "2009-05-14", &other_school_client_);
  Client anonymous = server_.NewClient(kNet, "");
  auto invite = [&](Client& as, const std::string& email, v1::Role role,
                    const std::string& graduate_id, v1::Invitation* out) {
    v1::InviteUserRequest req;
    req.set_email(email);
    req.set_role(role);
    req.set_graduate_id(graduate_id);
    return as.organizations->InviteUser(as.Context().get(), req, out);
  };
  auto open = [&](const v1::Invitation& invitation, const std::string& name) {
    v1::AcceptInvitationRequest req;
    req.set_invitation_token(invitation.token());
    req.set_password("un-mot-de-passe-solide");
    req.set_display_name(name);
    v1::User user;
    grpc::Status s = anonymous.organizations->AcceptInvitation(
        anonymous.Context().get(), req, &user);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return user;
  };
  auto sign_in = [&](const std::string& email, v1::SignInResponse* out) {
    v1::SignInRequest req;
    req.set_email(email);
    req.set_password("un-mot-de-passe-solide");
    return anonymous.organizations->SignIn(anonymous.Context().get(), req, out);
  };

  v1::Invitation young_invitation, parent_invitation, refused;
  ASSERT_TRUE(invite(school_client_, "lina@example.fr", v1::ROLE_GRADUATE,
                     minor.id(), &young_invitation)
                  .ok());
  EXPECT_EQ(young_invitation.organization_id(), school_.id());
  EXPECT_EQ(young_invitation.graduate_id(), minor.id());
  EXPECT_THAT(young_invitation.link_path(), HasSubstr("/invitations/"));
  ASSERT_TRUE(invite(school_client_, "parent@example.fr", v1::ROLE_GUARDIAN,
                     minor.id(), &parent_invitation)
                  .ok());
  EXPECT_EQ(invite(school_client_, "p2@example.fr", v1::ROLE_GUARDIAN,
                   adult.id(), &refused)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(invite(school_client_, "p3@example.fr", v1::ROLE_GRADUATE,
                   elsewhere.id(), &refused)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(invite(company_client_, "p4@example.fr", v1::ROLE_GRADUATE,
                   minor.id(), &refused)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  const v1::User young_user = open(young_invitation, "Lina");
  EXPECT_EQ(young_user.role(), v1::ROLE_GRADUATE);
  EXPECT_EQ(young_user.graduate_id(), minor.id());
  open(parent_invitation, "Parent de Lina");
  v1::SignInResponse session;
  ASSERT_TRUE(sign_in("lina@example.fr", &session).ok());
  Client young = server_.NewClient(kNet, session.session_token());
  v1::WhoAmIResponse who;
  ASSERT_TRUE(young.organizations
                  ->WhoAmI(young.Context().get(), v1::WhoAmIRequest(), &who)
                  .ok());
  EXPECT_EQ(who.role(), v1::ROLE_GRADUATE);
  EXPECT_EQ(who.graduate_id(), minor.id());
  v1::GetGraduateRequest get;
  get.set_id(adult.id());
  v1::Graduate read;
  EXPECT_EQ(young.graduates->GetGraduate(young.Context().get(), get, &read)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The school sees who was invited and who signed in.
  v1::ListUsersRequest users_req;
  users_req.set_organization_id(school_.id());
  v1::ListUsersResponse users;
  ASSERT_TRUE(
      admin_.organizations->ListUsers(admin_.Context().get(), users_req, &users)
          .ok());
  int signed_in = 0, young_people = 0;
  for (const v1::User& u : users.users()) {
    if (u.graduate_id() != minor.id()) continue;
    ++young_people;
    signed_in += u.has_last_sign_in_time();
  }
  EXPECT_EQ(young_people, 2);
  EXPECT_EQ(signed_in, 1);
  // Anyone of the school (not only its administrators) sees them by the
  // young person; another school does not.
  v1::ListUsersRequest by_graduate;
  by_graduate.set_graduate_id(minor.id());
  ASSERT_TRUE(
      school_client_.organizations
          ->ListUsers(school_client_.Context().get(), by_graduate, &users)
          .ok());
  EXPECT_EQ(users.users_size(), 2);
  EXPECT_EQ(
      other_school_client_.organizations
          ->ListUsers(other_school_client_.Context().get(), by_graduate, &users)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);

  // Minor born 2009-05-14: 18 on 2027-05-14. A session opened the minute
  // before works; the minute after, it no longer does.
  const int64_t to_birthday = absl::ToInt64Seconds(
      absl::FromCivil(absl::CivilDay(2027, 5, 14), common::ParisTimeZone()) -
      absl::Now());
  clock_offset_s = to_birthday - 60;
  ASSERT_TRUE(sign_in("parent@example.fr", &session).ok());
  Client parent = server_.NewClient(kNet, session.session_token());
  get.set_id(minor.id());
  EXPECT_TRUE(
      parent.graduates->GetGraduate(parent.Context().get(), get, &read).ok());
  clock_offset_s = to_birthday + 60;
  grpc::Status s =
      parent.graduates->GetGraduate(parent.Context().get(), get, &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("18th birthday"));
}

// A parent of two minors, followed by two schools, has one account: each
// school adds its young person; the account acts for both, for each until
// their 18th birthday; each school sees only its own young person on it and
// ends only its own part.
TEST_F(YoungPersonTest, OneRepresentativeForSeveralMinors) {
  const v1::Graduate elder = NewGraduate("EP-1");  // 18 on 2027-05-14
  const v1::Graduate younger =
      NewGraduate("EP-2", "2010-01-10", &other_school_client_);
  const v1::Graduate stranger = NewGraduate("EP-3");
  Client anonymous = server_.NewClient(kNet, "");
  auto invite = [&](Client& as, const std::string& email, v1::Role role,
                    const std::string& graduate_id, bool admin,
                    v1::Invitation* out) {
    v1::InviteUserRequest req;
    req.set_email(email);
    req.set_role(role);
    req.set_graduate_id(graduate_id);
    req.set_organization_admin(admin);
    if (graduate_id.empty()) req.set_organization_id(other_school_.id());
    return as.organizations->InviteUser(as.Context().get(), req, out);
  };
  auto sign_in = [&](const std::string& email) {
    v1::SignInRequest in;
    in.set_email(email);
    in.set_password("un-mot-de-passe-solide");
    v1::SignInResponse session;
    grpc::Status s = anonymous.organizations->SignIn(anonymous.Context().get(),
                                                     in, &session);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return server_.NewClient(kNet, session.session_token());
  };
  auto open_and_sign_in = [&](const v1::Invitation& invitation,
                              const std::string& email) {
    v1::AcceptInvitationRequest req;
    req.set_invitation_token(invitation.token());
    req.set_password("un-mot-de-passe-solide");
    req.set_display_name("Quelqu'un");
    v1::User user;
    grpc::Status s = anonymous.organizations->AcceptInvitation(
        anonymous.Context().get(), req, &user);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return sign_in(email);
  };
  auto who = [](Client& c) {
    v1::WhoAmIResponse out;
    grpc::Status s =
        c.organizations->WhoAmI(c.Context().get(), v1::WhoAmIRequest(), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return std::vector<std::string>(out.graduate_ids().begin(),
                                    out.graduate_ids().end());
  };
  auto get = [](Client& c, const std::string& id) {
    v1::GetGraduateRequest req;
    req.set_id(id);
    v1::Graduate out;
    return c.graduates->GetGraduate(c.Context().get(), req, &out).error_code();
  };

  v1::Invitation first, second, again;
  ASSERT_TRUE(invite(school_client_, "parent@example.fr", v1::ROLE_GUARDIAN,
                     elder.id(), false, &first)
                  .ok());
  Client parent = open_and_sign_in(first, "parent@example.fr");
  EXPECT_THAT(who(parent), ::testing::ElementsAre(elder.id()));
  // The other school adds the younger child to the same account: no new
  // account, no token to open.
  ASSERT_TRUE(invite(other_school_client_, "Parent@Example.fr",
                     v1::ROLE_GUARDIAN, younger.id(), false, &second)
                  .ok());
  EXPECT_TRUE(second.added_to_account());
  EXPECT_TRUE(second.token().empty());
  EXPECT_EQ(second.user_id(), first.user_id());
  EXPECT_EQ(invite(school_client_, "parent@example.fr", v1::ROLE_GUARDIAN,
                   elder.id(), false, &again)
                .error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // Another role at the same address is still refused.
  EXPECT_EQ(invite(school_client_, "parent@example.fr", v1::ROLE_GRADUATE,
                   stranger.id(), false, &again)
                .error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  // The open session now acts for both, and for them only.
  EXPECT_THAT(who(parent), ::testing::ElementsAre(elder.id(), younger.id()));
  EXPECT_EQ(get(parent, elder.id()), grpc::StatusCode::OK);
  EXPECT_EQ(get(parent, younger.id()), grpc::StatusCode::OK);
  EXPECT_EQ(get(parent, stranger.id()), grpc::StatusCode::PERMISSION_DENIED);
  // Which young person a request is about must be said.
  const v1::Offer offer = NewOffer("OF-1", 2);
  Send(offer.id(), younger.id());
  grpc::Status status;
  List(parent, v1::ListProposalsRequest(), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("graduate_id"));
  v1::ListProposalsRequest for_younger;
  for_younger.set_graduate_id(younger.id());
  EXPECT_EQ(List(parent, for_younger, &status).size(), 1u);
  EXPECT_TRUE(status.ok()) << status.error_message();
  v1::ListProposalsRequest for_stranger;
  for_stranger.set_graduate_id(stranger.id());
  List(parent, for_stranger, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Each school sees the account with its own young person only.
  auto listed = [&](Client& as, const std::string& graduate_id) {
    v1::ListUsersRequest req;
    req.set_graduate_id(graduate_id);
    v1::ListUsersResponse out;
    grpc::Status s = as.organizations->ListUsers(as.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  const v1::ListUsersResponse seen_by_other =
      listed(other_school_client_, younger.id());
  ASSERT_EQ(seen_by_other.users_size(), 1);
  const v1::User& u = seen_by_other.users(0);
  EXPECT_EQ(u.graduate_id(), younger.id());
  EXPECT_EQ(u.organization_id(), other_school_.id());
  ASSERT_EQ(u.representations_size(), 1);
  EXPECT_EQ(u.representations(0).graduate_id(), younger.id());
  EXPECT_EQ(u.DebugString().find(elder.id()), std::string::npos);
  const v1::ListUsersResponse seen_by_first =
      listed(school_client_, elder.id());
  ASSERT_EQ(seen_by_first.users_size(), 1);
  EXPECT_EQ(seen_by_first.users(0).DebugString().find(younger.id()),
            std::string::npos);

  // The elder's 18th birthday ends that access only.
  const int64_t to_birthday = absl::ToInt64Seconds(
      absl::FromCivil(absl::CivilDay(2027, 5, 14), common::ParisTimeZone()) -
      absl::Now());
  clock_offset_s = to_birthday + 60;
  Client later = sign_in("parent@example.fr");  // sessions last hours
  EXPECT_THAT(who(later), ::testing::ElementsAre(younger.id()));
  EXPECT_EQ(get(later, elder.id()), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(get(later, younger.id()), grpc::StatusCode::OK);
  EXPECT_EQ(List(later, v1::ListProposalsRequest(), &status).size(), 1u);
  EXPECT_TRUE(status.ok()) << status.error_message();
  clock_offset_s = 0;

  // The other school's administrator ends its part; the first school's
  // stays.
  v1::Invitation admin_invitation;
  ASSERT_TRUE(invite(admin_, "direction@ecole2.example.fr", v1::ROLE_SCHOOL, "",
                     true, &admin_invitation)
                  .ok());
  Client other_admin =
      open_and_sign_in(admin_invitation, "direction@ecole2.example.fr");
  v1::DisableUserRequest disable;
  disable.set_user_id(first.user_id());
  v1::User disabled;
  ASSERT_TRUE(other_admin.organizations
                  ->DisableUser(other_admin.Context().get(), disable, &disabled)
                  .ok());
  EXPECT_EQ(disabled.state(), v1::USER_STATE_DISABLED);
  EXPECT_EQ(disabled.representations_size(), 0);
  EXPECT_THAT(who(parent), ::testing::ElementsAre(elder.id()));
  EXPECT_EQ(get(parent, younger.id()), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(get(parent, elder.id()), grpc::StatusCode::OK);
  EXPECT_EQ(listed(other_school_client_, younger.id()).users_size(), 0);
  EXPECT_EQ(listed(school_client_, elder.id()).users_size(), 1);
}

// What the young person asks their school: to be put forward for an offer,
// or a correction; the school answers; nobody else reads or answers.
TEST_F(YoungPersonTest, RequestsToTheSchool) {
  const v1::Graduate minor = NewGraduate("EP-1");
  const v1::Graduate other = NewGraduate("EP-2");
  const v1::Offer offer = NewOffer("OF-1", 1);
  Client young = PersonClient(v1::ROLE_GRADUATE, minor.id());
  Client parent = PersonClient(v1::ROLE_GUARDIAN, minor.id());
  auto create = [](Client& as, v1::GraduateRequest r,
                   v1::GraduateRequest* out) {
    v1::SubmitGraduateRequestRequest req;
    *req.mutable_request() = std::move(r);
    return as.graduates->SubmitGraduateRequest(as.Context().get(), req, out);
  };
  auto list = [](Client& as, const std::string& graduate_id,
                 grpc::Status* status) {
    v1::ListGraduateRequestsRequest req;
    req.set_graduate_id(graduate_id);
    v1::ListGraduateRequestsResponse resp;
    *status =
        as.graduates->ListGraduateRequests(as.Context().get(), req, &resp);
    return std::vector<v1::GraduateRequest>(resp.requests().begin(),
                                            resp.requests().end());
  };

  v1::GraduateRequest put_forward, correction, out;
  put_forward.set_kind(v1::GRADUATE_REQUEST_KIND_PUT_FORWARD);
  put_forward.set_offer_id(offer.id());
  put_forward.set_message("Ce métier me plaît, pouvez-vous me proposer ?");
  ASSERT_TRUE(create(young, put_forward, &out).ok());
  EXPECT_EQ(out.graduate_id(), minor.id());
  EXPECT_EQ(out.school_id(), school_.id());
  EXPECT_EQ(out.offer_title(), offer.title());
  EXPECT_EQ(out.state(), v1::GRADUATE_REQUEST_STATE_OPEN);
  EXPECT_EQ(out.asked_by(), v1::ROLE_GRADUATE);
  const std::string first = out.id();
  correction.set_kind(v1::GRADUATE_REQUEST_KIND_CORRECTION);
  correction.set_message("Mon numéro de téléphone a changé.");
  ASSERT_TRUE(create(parent, correction, &out).ok());
  EXPECT_EQ(out.asked_by(), v1::ROLE_GUARDIAN);

  // Bad input names the field; nothing is stored.
  v1::GraduateRequest bad = put_forward;
  bad.set_offer_id("off_00000000000000000000");
  grpc::Status s = create(young, bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("request.offer_id"));
  bad = correction;
  bad.clear_message();
  s = create(young, bad, &out);
  EXPECT_THAT(s.error_message(), HasSubstr("request.message"));
  bad.set_kind(v1::GRADUATE_REQUEST_KIND_UNSPECIFIED);
  s = create(young, bad, &out);
  EXPECT_THAT(s.error_message(), HasSubstr("request.kind"));
  // For someone else, or by a school or company: refused.
  bad = correction;
  bad.set_graduate_id(other.id());
  EXPECT_EQ(create(young, bad, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(create(school_client_, correction, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(create(company_client_, correction, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  grpc::Status listed;
  EXPECT_EQ(list(young, "", &listed).size(), 2u);
  EXPECT_TRUE(listed.ok());
  list(young, other.id(), &listed);
  EXPECT_EQ(listed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(list(school_client_, "", &listed).size(), 2u);
  EXPECT_EQ(list(school_client_, minor.id(), &listed).size(), 2u);
  list(other_school_client_, minor.id(), &listed);
  EXPECT_EQ(listed.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(list(other_school_client_, "", &listed).empty());
  list(company_client_, "", &listed);
  EXPECT_EQ(listed.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // The school answers; a refusal says why; once only.
  v1::CloseGraduateRequestRequest close;
  close.set_id(first);
  close.set_state(v1::GRADUATE_REQUEST_STATE_DECLINED);
  s = school_client_.graduates->CloseGraduateRequest(
      school_client_.Context().get(), close, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("answer"));
  close.set_answer("L'offre demande le permis B, que tu n'as pas encore.");
  EXPECT_EQ(
      young.graduates->CloseGraduateRequest(young.Context().get(), close, &out)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(other_school_client_.graduates
                ->CloseGraduateRequest(other_school_client_.Context().get(),
                                       close, &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(
      school_client_.graduates
          ->CloseGraduateRequest(school_client_.Context().get(), close, &out)
          .ok());
  EXPECT_EQ(out.state(), v1::GRADUATE_REQUEST_STATE_DECLINED);
  EXPECT_TRUE(out.has_close_time());
  EXPECT_EQ(
      school_client_.graduates
          ->CloseGraduateRequest(school_client_.Context().get(), close, &out)
          .error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);

  // The export holds them; erasing the young person erases them.
  v1::ExportGraduateDataRequest exp;
  exp.set_graduate_id(minor.id());
  v1::ExportGraduateDataResponse exported;
  ASSERT_TRUE(
      young.graduates->ExportGraduateData(young.Context().get(), exp, &exported)
          .ok());
  EXPECT_THAT(exported.json(), HasSubstr("permis B"));
  v1::DeleteGraduateRequest del;
  del.set_id(minor.id());
  v1::DeleteGraduateResponse deleted;
  ASSERT_TRUE(
      school_client_.graduates
          ->DeleteGraduate(school_client_.Context().get(), del, &deleted)
          .ok());
  EXPECT_TRUE(list(school_client_, "", &listed).empty());
}

// With a relay configured (--smtp_url), invitations are also mailed: the
// young person's, the representative's, and a representative's new young
// person; a relay refusing the address leaves the invitation valid and says
// why it was not mailed.
TEST(InvitationMailTest, InvitationsAreMailedThroughTheRelay) {
  testing::FakeSmtpServer relay;
  server::Options options;
  options.smtp_url = relay.url();
  options.smtp_from = "passerelle@ecoles-de-production.example.fr";
  options.public_url = "https://passerelle.example.fr/";
  TestServer server(options);
  Client admin = server.NewClient(kNet, server.admin_token());
  v1::School school, other_school;
  Client school_client = testing::CreateSchoolClient(
      server, kNet, admin, testing::MakeUai(1), &school);
  Client other_client = testing::CreateSchoolClient(
      server, kNet, admin, testing::MakeUai(2), &other_school);
  auto graduate = [&](Client& c, const std::string& id,
                      const std::string& given) {
    v1::CreateGraduateRequest req;
    *req.mutable_graduate() = testing::SampleGraduate(id);
    req.mutable_graduate()->set_birth_date("2009-05-14");
    req.mutable_graduate()->set_given_name(given);
    v1::Graduate out;
    grpc::Status s = c.graduates->CreateGraduate(c.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  const v1::Graduate lina = graduate(school_client, "EP-1", "Lina");
  const v1::Graduate yanis = graduate(other_client, "EP-2", "Yanis");
  auto invite = [&](Client& c, const std::string& email, v1::Role role,
                    const std::string& graduate_id) {
    v1::InviteUserRequest req;
    req.set_email(email);
    req.set_role(role);
    req.set_graduate_id(graduate_id);
    v1::Invitation out;
    grpc::Status s = c.organizations->InviteUser(c.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  auto body = [](const testing::FakeSmtpServer::Message& m) {
    std::string b64 = m.data.substr(m.data.find("\r\n\r\n") + 4);
    absl::StrReplaceAll({{"\r\n", ""}}, &b64);
    std::string text;
    EXPECT_TRUE(absl::Base64Unescape(b64, &text));
    return text;
  };

  const v1::Invitation young =
      invite(school_client, "lina@example.fr", v1::ROLE_GRADUATE, lina.id());
  EXPECT_TRUE(young.mailed()) << young.mail_error();
  const v1::Invitation parent =
      invite(school_client, "parent@example.fr", v1::ROLE_GUARDIAN, lina.id());
  EXPECT_TRUE(parent.mailed()) << parent.mail_error();
  std::vector<testing::FakeSmtpServer::Message> got =
      relay.WaitFor(2, absl::Seconds(10));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_THAT(got[0].rcpt_to, ::testing::ElementsAre("lina@example.fr"));
  EXPECT_EQ(got[0].mail_from, options.smtp_from);
  const std::string to_lina = body(got[0]);
  EXPECT_THAT(to_lina, HasSubstr("Bonjour Lina"));
  EXPECT_THAT(to_lina, HasSubstr(absl::StrCat(
                           "https://passerelle.example.fr/invitations/",
                           young.token())));
  EXPECT_THAT(got[1].rcpt_to, ::testing::ElementsAre("parent@example.fr"));
  EXPECT_THAT(body(got[1]), HasSubstr("représentant légal de Lina"));
  EXPECT_THAT(body(got[1]), HasSubstr(parent.token()));

  // The representative opens the account; another school adds Yanis.
  Client anonymous = server.NewClient(kNet, "");
  v1::AcceptInvitationRequest accept;
  accept.set_invitation_token(parent.token());
  accept.set_password("un-mot-de-passe-solide");
  accept.set_display_name("Parent");
  v1::User user;
  ASSERT_TRUE(anonymous.organizations
                  ->AcceptInvitation(anonymous.Context().get(), accept, &user)
                  .ok());
  const v1::Invitation added =
      invite(other_client, "parent@example.fr", v1::ROLE_GUARDIAN, yanis.id());
  EXPECT_TRUE(added.added_to_account());
  EXPECT_TRUE(added.mailed()) << added.mail_error();
  got = relay.WaitFor(3, absl::Seconds(10));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_THAT(body(got[2]), HasSubstr("représentant légal de Yanis"));
  EXPECT_THAT(body(got[2]), HasSubstr("https://passerelle.example.fr/\r\n"));

  // A relay refusing the address: the invitation stands, not mailed, why.
  relay.set_refuse_recipients(true);
  const v1::Invitation refused =
      invite(school_client, "tuteur@example.fr", v1::ROLE_GUARDIAN, lina.id());
  EXPECT_FALSE(refused.mailed());
  EXPECT_THAT(refused.mail_error(), HasSubstr("smtp relay"));
  EXPECT_FALSE(refused.token().empty());
  accept.set_invitation_token(refused.token());
  EXPECT_TRUE(anonymous.organizations
                  ->AcceptInvitation(anonymous.Context().get(), accept, &user)
                  .ok());
}

TEST(InvitationMailTest, ARelayNeedsThePublicUrlAndASender) {
  server::Options options;
  options.smtp_url = "smtp://127.0.0.1:2525";
  options.smtp_from = "passerelle@example.fr";
  options.data_dir = ::testing::TempDir() + "/mail-options";
  absl::StatusOr<std::unique_ptr<server::Server>> started =
      server::Server::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.status().message(), HasSubstr("--public_url"));
  options.public_url = "https://passerelle.example.fr";
  options.smtp_from = "passerelle";
  started = server::Server::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.status().message(), HasSubstr("--smtp_from"));
}

}  // namespace
}  // namespace passerelle
