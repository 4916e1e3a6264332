// ProposalService and PlanPlacements over a real server: the state machine
// (send, accept, decline, withdraw, supersede, and the refusals), parallel
// accepts of the last positions, who sees the graduate's identity, the
// graduate's received offers ranked, erasure with the graduate, placement
// statistics on a small known data set, and the placement plan.

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/dates.h"
#include "tests/testing/fixture.h"

namespace passerelle {
namespace {

using testing::Client;
using ::testing::HasSubstr;
using testing::TestServer;
using testing::Transport;

class ProposalsTest : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override {
    admin_ = server_.NewClient(GetParam(), server_.admin_token());
    school_client_ = testing::CreateSchoolClient(server_, GetParam(), admin_,
                                                 testing::MakeUai(1), &school_);
    other_school_client_ = testing::CreateSchoolClient(
        server_, GetParam(), admin_, testing::MakeUai(2), &other_school_);
    company_client_ = testing::CreateCompanyClient(
        server_, GetParam(), admin_, testing::MakeSiret(1), &company_);
    other_company_client_ = testing::CreateCompanyClient(
        server_, GetParam(), admin_, testing::MakeSiret(2), &other_company_);
  }

  v1::Graduate CreateGraduate(v1::Graduate g, Client* client = nullptr) {
    Client& c = client ? *client : school_client_;
    v1::CreateGraduateRequest req;
    *req.mutable_graduate() = std::move(g);
    v1::Graduate out;
    grpc::Status s = c.graduates->CreateGraduate(c.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // A graduate with their contact, for the identity checks.
  v1::Graduate NewGraduate(const std::string& external_id,
                           Client* client = nullptr) {
    v1::Graduate g = testing::SampleGraduate(external_id);
    g.set_email("clemence.dupont@example.fr");
    g.set_phone("0612345678");
    return CreateGraduate(g, client);
  }

  v1::Offer CreateOffer(v1::Offer o, Client* client = nullptr) {
    Client& c = client ? *client : company_client_;
    v1::CreateOfferRequest req;
    *req.mutable_offer() = std::move(o);
    v1::Offer out;
    grpc::Status s = c.offers->CreateOffer(c.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::Offer OfferWith(
      int positions, Client* client = nullptr,
      v1::ContractType contract = v1::CONTRACT_TYPE_APPRENTICESHIP) {
    v1::Offer o = testing::SampleOffer();
    o.set_positions(positions);
    if (contract == v1::CONTRACT_TYPE_CDI) {
      o.set_contract_type(v1::CONTRACT_TYPE_CDI);
      o.set_duration_months(0);
      o.clear_target_diploma();
      o.set_monthly_gross_salary_eur(1900);
      o.set_title("Décolleteur");
    }
    return CreateOffer(o, client);
  }

  grpc::Status Send(Client& c, const std::string& offer_id,
                    const std::string& graduate_id, v1::Proposal* out,
                    const std::string& respond_by = "") {
    v1::SendProposalRequest req;
    req.set_offer_id(offer_id);
    // A company names the graduate by the offer's candidate id.
    req.set_graduate_id(testing::CandidateId(server_, offer_id, graduate_id));
    req.set_respond_by(respond_by);
    req.set_message("Nous serions ravis de vous accueillir.");
    return c.proposals->SendProposal(c.Context().get(), req, out);
  }

  v1::Proposal SendOk(const std::string& offer_id,
                      const std::string& graduate_id,
                      Client* client = nullptr) {
    Client& c = client ? *client : company_client_;
    v1::Proposal p;
    grpc::Status s = Send(c, offer_id, graduate_id, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return p;
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

  grpc::Status Withdraw(Client& c, const std::string& id,
                        v1::Proposal* out = nullptr) {
    v1::WithdrawProposalRequest req;
    req.set_proposal_id(id);
    v1::Proposal ignored;
    return c.proposals->WithdrawProposal(c.Context().get(), req,
                                         out ? out : &ignored);
  }

  grpc::Status List(Client& c, v1::ListProposalsRequest req,
                    std::vector<v1::Proposal>* out) {
    out->clear();
    while (true) {
      v1::ListProposalsResponse resp;
      grpc::Status s =
          c.proposals->ListProposals(c.Context().get(), req, &resp);
      if (!s.ok()) return s;
      for (const auto& p : resp.proposals()) out->push_back(p);
      if (resp.next_page_token().empty()) return s;
      req.set_page_token(resp.next_page_token());
    }
  }

  std::vector<v1::Proposal> ForGraduate(const std::string& id,
                                        Client* client = nullptr) {
    v1::ListProposalsRequest req;
    req.set_graduate_id(id);
    std::vector<v1::Proposal> out;
    grpc::Status s = List(client ? *client : school_client_, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::vector<v1::Proposal> ForOffer(const std::string& id,
                                     Client* client = nullptr) {
    v1::ListProposalsRequest req;
    req.set_offer_id(id);
    std::vector<v1::Proposal> out;
    grpc::Status s = List(client ? *client : company_client_, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::map<std::string, v1::ProposalState> States(
      const std::vector<v1::Proposal>& ps) {
    std::map<std::string, v1::ProposalState> out;
    for (const auto& p : ps) out[p.id()] = p.state();
    return out;
  }

  v1::Offer GetOffer(const std::string& id) {
    v1::GetOfferRequest req;
    req.set_id(id);
    v1::Offer out;
    EXPECT_TRUE(
        admin_.offers->GetOffer(admin_.Context().get(), req, &out).ok());
    return out;
  }

  v1::Graduate GetGraduate(const std::string& id) {
    v1::GetGraduateRequest req;
    req.set_id(id);
    v1::Graduate out;
    EXPECT_TRUE(
        admin_.graduates->GetGraduate(admin_.Context().get(), req, &out).ok());
    return out;
  }

  uint64_t LogSequence() {
    v1::IndexStatus status;
    EXPECT_TRUE(admin_.matching
                    ->GetIndexStatus(admin_.Context().get(),
                                     v1::GetIndexStatusRequest(), &status)
                    .ok());
    return status.log_sequence();
  }

  void WaitForIndex() {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (true) {
      v1::IndexStatus status;
      ASSERT_TRUE(admin_.matching
                      ->GetIndexStatus(admin_.Context().get(),
                                       v1::GetIndexStatusRequest(), &status)
                      .ok());
      if (status.applied_sequence() >= status.log_sequence()) return;
      ASSERT_LT(absl::Now(), deadline) << "the matcher did not catch up";
      std::this_thread::yield();
    }
  }

  // The change-log events after `since`, as the admin sees them.
  std::vector<v1::ChangeEvent> EventsSince(uint64_t since, size_t count) {
    auto context = admin_.Context();
    v1::WatchRequest watch;
    watch.set_since(since);
    auto reader = admin_.feed->Watch(context.get(), watch);
    std::vector<v1::ChangeEvent> events;
    v1::ChangeEvent e;
    while (events.size() < count && reader->Read(&e)) events.push_back(e);
    context->TryCancel();
    return events;
  }

  TestServer server_;
  Client admin_, school_client_, other_school_client_, company_client_,
      other_company_client_;
  v1::School school_, other_school_;
  v1::Company company_, other_company_;
};

TEST_P(ProposalsTest,
       AcceptTakesAPositionPlacesTheGraduateAndSupersedesTheRest) {
  v1::Graduate g = NewGraduate("a-1");
  v1::Offer o1 = OfferWith(1);
  v1::Offer o2 = OfferWith(2, nullptr, v1::CONTRACT_TYPE_CDI);
  v1::Offer o3 = OfferWith(1, &other_company_client_);
  v1::Proposal p1 = SendOk(o1.id(), g.id());
  v1::Proposal p2 = SendOk(o2.id(), g.id());
  v1::Proposal p3 = SendOk(o3.id(), g.id(), &other_company_client_);

  EXPECT_EQ(p1.state(), v1::PROPOSAL_STATE_SENT);
  EXPECT_EQ(p1.company_id(), company_.id());
  EXPECT_GT(p1.score(), 0);
  EXPECT_EQ(p1.score(), p1.sent_score());
  EXPECT_FALSE(p1.factors().empty());
  EXPECT_EQ(p1.respond_by(),
            common::FormatDate(common::TodayInParis() + 14));  // the default
  EXPECT_EQ(p1.offer_title(), o1.title());

  // The school sees the three offers, best current score first, each
  // explained and with its deadline.
  std::vector<v1::Proposal> received = ForGraduate(g.id());
  ASSERT_EQ(received.size(), 3u);
  for (size_t i = 0; i < received.size(); ++i) {
    EXPECT_EQ(received[i].state(), v1::PROPOSAL_STATE_SENT);
    EXPECT_FALSE(received[i].factors().empty());
    EXPECT_FALSE(received[i].respond_by().empty());
    EXPECT_TRUE(received[i].exclusions().empty());
    EXPECT_FALSE(received[i].offer().id().empty());
    EXPECT_EQ(received[i].offer().id(), received[i].offer_id());
    if (i > 0) {
      EXPECT_GE(received[i - 1].score(), received[i].score());
    }
  }

  const uint64_t before = LogSequence();
  v1::Proposal accepted;
  grpc::Status s = Respond(school_client_, p1.id(), true, &accepted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(accepted.state(), v1::PROPOSAL_STATE_ACCEPTED);
  EXPECT_TRUE(accepted.has_respond_time());

  v1::Offer filled = GetOffer(o1.id());
  EXPECT_EQ(filled.positions_filled(), 1);
  EXPECT_EQ(filled.status(), v1::OFFER_STATUS_FILLED);
  EXPECT_EQ(filled.version(), o1.version() + 1);
  EXPECT_EQ(GetGraduate(g.id()).status(), v1::GRADUATE_STATUS_PLACED);
  std::map<std::string, v1::ProposalState> states = States(ForGraduate(g.id()));
  EXPECT_EQ(states[p1.id()], v1::PROPOSAL_STATE_ACCEPTED);
  EXPECT_EQ(states[p2.id()], v1::PROPOSAL_STATE_SUPERSEDED);
  EXPECT_EQ(states[p3.id()], v1::PROPOSAL_STATE_SUPERSEDED);
  EXPECT_EQ(GetOffer(o2.id()).positions_filled(), 0);

  // One commit: five change events (proposal, offer, graduate, the two
  // superseded proposals), ids only, and in the same commit the eight
  // integration events Watch does not stream (webhooks_test): accepted to
  // the company and the school, graduate.placed, offer.filled, and each
  // supersession to its company and the school.
  std::vector<v1::ChangeEvent> events = EventsSince(before, 5);
  ASSERT_EQ(events.size(), 5u);
  std::set<std::string> ids;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_GT(events[i].sequence(), before);
    EXPECT_LE(events[i].sequence(), before + 13);
    if (i > 0) {
      EXPECT_GT(events[i].sequence(), events[i - 1].sequence());
    }
    EXPECT_EQ(events[i].op(), v1::CHANGE_OP_UPDATED);
    ids.insert(events[i].id());
    EXPECT_FALSE(absl::StrContains(events[i].SerializeAsString(), "Dupont"));
  }
  EXPECT_EQ(
      ids, (std::set<std::string>{p1.id(), o1.id(), g.id(), p2.id(), p3.id()}));
  EXPECT_EQ(LogSequence(), before + 13);

  // No second placement, no answer to a superseded proposal, no new one.
  s = Respond(school_client_, p2.id(), true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("SUPERSEDED"));
  s = Respond(school_client_, p1.id(), false);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  v1::Proposal ignored;
  s = Send(company_client_, o2.id(), g.id(), &ignored);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("graduate_not_seeking"));
  // Nor may another graduate have the filled offer.
  v1::Graduate other = NewGraduate("a-2");
  s = Send(company_client_, o1.id(), other.id(), &ignored);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("offer_closed"));

  // Now ranked for the graduate, the filled offer says why it no longer
  // holds.
  for (const v1::Proposal& p : ForGraduate(g.id())) {
    std::set<std::string> rules;
    for (const auto& e : p.exclusions()) rules.insert(e.rule());
    EXPECT_TRUE(rules.count("graduate_not_seeking")) << p.id();
    if (p.id() == p1.id()) {
      EXPECT_TRUE(rules.count("no_position_left"));
    }
  }
}

TEST_P(ProposalsTest, DeclineAndWithdrawAreFinal) {
  v1::Graduate g = NewGraduate("d-1");
  v1::Offer o = OfferWith(2);
  v1::Proposal p = SendOk(o.id(), g.id());

  // One live proposal per (offer, graduate).
  v1::Proposal ignored;
  grpc::Status s = Send(company_client_, o.id(), g.id(), &ignored);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);

  v1::Proposal declined;
  s = Respond(school_client_, p.id(), false, &declined);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(declined.state(), v1::PROPOSAL_STATE_DECLINED);
  EXPECT_EQ(Respond(school_client_, p.id(), true).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Withdraw(company_client_, p.id()).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(GetOffer(o.id()).positions_filled(), 0);
  EXPECT_EQ(GetGraduate(g.id()).status(), v1::GRADUATE_STATUS_SEEKING);

  // After a decline the company may propose again; then withdraw.
  v1::Proposal again = SendOk(o.id(), g.id());
  EXPECT_NE(again.id(), p.id());
  EXPECT_EQ(Withdraw(school_client_, again.id()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Another company's proposal answers as an unknown one.
  EXPECT_EQ(Withdraw(other_company_client_, again.id()).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::Proposal withdrawn;
  s = Withdraw(company_client_, again.id(), &withdrawn);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(withdrawn.state(), v1::PROPOSAL_STATE_WITHDRAWN);
  EXPECT_TRUE(withdrawn.given_name().empty());
  s = Respond(school_client_, again.id(), true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("WITHDRAWN"));
  EXPECT_EQ(Withdraw(company_client_, again.id()).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  std::map<std::string, v1::ProposalState> states = States(ForGraduate(g.id()));
  EXPECT_EQ(states[p.id()], v1::PROPOSAL_STATE_DECLINED);
  EXPECT_EQ(states[again.id()], v1::PROPOSAL_STATE_WITHDRAWN);

  // The state filter.
  v1::ListProposalsRequest req;
  req.set_graduate_id(g.id());
  req.set_state(v1::PROPOSAL_STATE_WITHDRAWN);
  std::vector<v1::Proposal> only;
  ASSERT_TRUE(List(school_client_, req, &only).ok());
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].id(), again.id());
}

TEST_P(ProposalsTest, SendRefusesWhatTheRulesForbid) {
  v1::Graduate g = NewGraduate("r-1");
  v1::Offer o = OfferWith(1);
  v1::Proposal p;
  auto code = [&](grpc::Status s) { return s.error_code(); };

  EXPECT_EQ(code(Send(company_client_, "", g.id(), &p)),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status s = Send(company_client_, o.id(), g.id(), &p, "2026-02-30");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("respond_by"));
  s = Send(company_client_, o.id(), g.id(), &p,
           common::FormatDate(common::TodayInParis() - 1));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("respond_by"));
  s = Send(company_client_, o.id(), g.id(), &p,
           common::FormatDate(common::TodayInParis() + 200));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(code(Send(company_client_, o.id(), "grd_nope", &p)),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(code(Send(company_client_, "off_nope", g.id(), &p)),
            grpc::StatusCode::NOT_FOUND);
  // Only the offer's company sends; to another, the offer is unknown.
  EXPECT_EQ(code(Send(other_company_client_, o.id(), g.id(), &p)),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(code(Send(school_client_, o.id(), g.id(), &p)),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(code(Send(admin_, o.id(), g.id(), &p)),
            grpc::StatusCode::PERMISSION_DENIED);

  // A minor (17 at a start on 2027-02-01) is never proposed night work;
  // the rule is named.
  v1::Offer night = testing::SampleOffer();
  night.set_start_date("2027-02-01");
  night.set_night_work(true);
  night = CreateOffer(night);
  s = Send(company_client_, night.id(), g.id(), &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("minor_night_work"));
  // Too far: Amiens is beyond the graduate's 25 km.
  v1::Offer far = testing::SampleOffer();
  far.mutable_place()->set_commune_insee("80021");
  far = CreateOffer(far);
  s = Send(company_client_, far.id(), g.id(), &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("distance"));

  // A closed offer.
  v1::CloseOfferRequest close;
  close.set_id(o.id());
  v1::Offer closed;
  ASSERT_TRUE(company_client_.offers
                  ->CloseOffer(company_client_.Context().get(), close, &closed)
                  .ok());
  s = Send(company_client_, o.id(), g.id(), &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("offer_closed"));

  // Nothing was stored.
  EXPECT_TRUE(ForGraduate(g.id()).empty());
}

TEST_P(ProposalsTest, OnlyTheGraduatesSideAnswers) {
  v1::Graduate g = NewGraduate("o-1");
  v1::Offer o = OfferWith(1);
  v1::Proposal p = SendOk(o.id(), g.id());
  // Another school's proposal answers as an unknown one.
  EXPECT_EQ(Respond(other_school_client_, p.id(), true).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Respond(company_client_, p.id(), true).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Respond(school_client_, "prp_nope", true).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Other schools and companies read nothing of it, not even that the
  // graduate exists.
  v1::ListProposalsRequest req;
  req.set_graduate_id(g.id());
  std::vector<v1::Proposal> out;
  EXPECT_EQ(List(other_school_client_, req, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(List(company_client_, req, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // The federation may answer for the graduate.
  v1::Proposal accepted;
  ASSERT_TRUE(Respond(admin_, p.id(), true, &accepted).ok());
  EXPECT_EQ(accepted.state(), v1::PROPOSAL_STATE_ACCEPTED);
}

TEST_P(ProposalsTest, TheCompanySeesTheGraduatesIdentityOnlyOnceAccepted) {
  v1::Graduate g = NewGraduate("i-1");
  v1::Offer o = OfferWith(1);
  v1::Offer other_offer = OfferWith(1, &other_company_client_);
  v1::Proposal sent = SendOk(o.id(), g.id());
  SendOk(other_offer.id(), g.id(), &other_company_client_);

  auto anonymous = [&](const v1::Proposal& p) {
    EXPECT_TRUE(p.given_name().empty());
    EXPECT_TRUE(p.family_name().empty());
    EXPECT_TRUE(p.email().empty());
    EXPECT_TRUE(p.phone().empty());
    EXPECT_TRUE(p.school_id().empty());
    EXPECT_THAT(p.candidate().pseudonym(), HasSubstr("Candidat-"));
    // The candidate id of the offer, in the proposal and its candidate.
    EXPECT_EQ(p.candidate().graduate_id(),
              testing::CandidateId(server_, p.offer_id(), g.id()));
    EXPECT_EQ(p.graduate_id(), p.candidate().graduate_id());
    EXPECT_FALSE(absl::StrContains(p.SerializeAsString(), g.id()));
    EXPECT_FALSE(absl::StrContains(p.SerializeAsString(), "Dupont"));
    EXPECT_FALSE(absl::StrContains(p.SerializeAsString(), "Clémence"));
  };
  anonymous(sent);
  std::vector<v1::Proposal> mine = ForOffer(o.id());
  ASSERT_EQ(mine.size(), 1u);
  anonymous(mine[0]);
  // The pseudonym and candidate id are RankGraduates' ones for this offer.
  WaitForIndex();
  v1::RankGraduatesRequest rank;
  rank.set_offer_id(o.id());
  v1::RankGraduatesResponse ranked;
  ASSERT_TRUE(
      company_client_.matching
          ->RankGraduates(company_client_.Context().get(), rank, &ranked)
          .ok());
  ASSERT_EQ(ranked.results_size(), 1);
  EXPECT_EQ(ranked.results(0).candidate().pseudonym(),
            mine[0].candidate().pseudonym());
  EXPECT_EQ(ranked.results(0).candidate().graduate_id(), mine[0].graduate_id());

  // Another company: nothing of this offer's proposals.
  v1::ListProposalsRequest req;
  req.set_offer_id(o.id());
  std::vector<v1::Proposal> out;
  EXPECT_EQ(List(other_company_client_, req, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Unfiltered, each company lists its own only.
  ASSERT_TRUE(List(company_client_, v1::ListProposalsRequest(), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].id(), sent.id());
  anonymous(out[0]);

  ASSERT_TRUE(Respond(school_client_, sent.id(), true).ok());
  mine = ForOffer(o.id());
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].state(), v1::PROPOSAL_STATE_ACCEPTED);
  EXPECT_EQ(mine[0].given_name(), "Clémence");
  EXPECT_EQ(mine[0].family_name(), "Dupont");
  EXPECT_EQ(mine[0].email(), "clemence.dupont@example.fr");
  EXPECT_EQ(mine[0].phone(), "0612345678");
  EXPECT_EQ(mine[0].school_id(), school_.id());
  // The other company, whose proposal was superseded, still does not know.
  std::vector<v1::Proposal> theirs =
      ForOffer(other_offer.id(), &other_company_client_);
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0].state(), v1::PROPOSAL_STATE_SUPERSEDED);
  anonymous(theirs[0]);
}

// Issue 16, leak 3: Watch streamed a company its proposals' school_id and
// partner_id, though ListProposals hides them before acceptance.
TEST_P(ProposalsTest, ACompanysWatchCarriesNoSchoolOrPartner) {
  v1::Graduate g = NewGraduate("wch-1");
  v1::Offer o = OfferWith(1);
  v1::Proposal p = SendOk(o.id(), g.id());
  auto proposal_events = [&](Client& c, size_t count) {
    auto context = c.Context();
    v1::WatchRequest req;
    req.add_kinds(v1::ENTITY_KIND_PROPOSAL);
    auto reader = c.feed->Watch(context.get(), req);
    std::vector<v1::ChangeEvent> events;
    v1::ChangeEvent e;
    while (events.size() < count && reader->Read(&e)) events.push_back(e);
    context->TryCancel();
    reader->Finish().IgnoreError();
    return events;
  };
  ASSERT_TRUE(Respond(school_client_, p.id(), true).ok());
  // Sent, then accepted: the company learns the school from the accepted
  // proposal (ListProposals), never from the feed.
  const std::vector<v1::ChangeEvent> company_sees =
      proposal_events(company_client_, 2);
  ASSERT_EQ(company_sees.size(), 2u);
  for (const v1::ChangeEvent& e : company_sees) {
    EXPECT_EQ(e.id(), p.id());
    EXPECT_EQ(e.company_id(), company_.id());
    EXPECT_TRUE(e.school_id().empty()) << e.school_id();
    EXPECT_TRUE(e.partner_id().empty());
  }
  // The school's own feed keeps its id.
  const std::vector<v1::ChangeEvent> school_sees =
      proposal_events(school_client_, 1);
  ASSERT_EQ(school_sees.size(), 1u);
  EXPECT_EQ(school_sees[0].school_id(), school_.id());
}

TEST_P(ProposalsTest, ParallelAcceptsTakeExactlyTheOpenPositions) {
  for (int positions : {1, 3}) {
    SCOPED_TRACE(absl::StrCat(positions, " position(s)"));
    constexpr int kGraduates = 8;
    v1::Offer o = OfferWith(positions);
    std::vector<v1::Proposal> sent;
    std::vector<std::string> graduate_ids;
    for (int i = 0; i < kGraduates; ++i) {
      v1::Graduate g = NewGraduate(absl::StrCat("par-", positions, "-", i));
      sent.push_back(SendOk(o.id(), g.id()));
      graduate_ids.push_back(g.id());
    }
    absl::Barrier* barrier = new absl::Barrier(kGraduates);
    std::vector<grpc::Status> results(kGraduates);
    std::vector<std::thread> threads;
    for (int i = 0; i < kGraduates; ++i) {
      threads.emplace_back([&, i] {
        Client c = server_.NewClient(GetParam(), school_client_.token);
        v1::RespondToProposalRequest req;
        req.set_proposal_id(sent[i].id());
        req.set_accept(true);
        v1::Proposal out;
        auto context = c.Context();
        if (barrier->Block()) delete barrier;
        results[i] = c.proposals->RespondToProposal(context.get(), req, &out);
      });
    }
    for (std::thread& t : threads) t.join();
    int won = 0;
    for (const grpc::Status& s : results) {
      if (s.ok()) {
        ++won;
        continue;
      }
      EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
          << s.error_message();
      EXPECT_THAT(s.error_message(), HasSubstr("no position left"));
    }
    EXPECT_EQ(won, positions);
    v1::Offer after = GetOffer(o.id());
    EXPECT_EQ(after.positions_filled(), positions);
    EXPECT_EQ(after.status(), v1::OFFER_STATUS_FILLED);
    int accepted = 0, placed = 0;
    for (const v1::Proposal& p : ForOffer(o.id())) {
      if (p.state() == v1::PROPOSAL_STATE_ACCEPTED) ++accepted;
    }
    for (const std::string& id : graduate_ids) {
      if (GetGraduate(id).status() == v1::GRADUATE_STATUS_PLACED) ++placed;
    }
    EXPECT_EQ(accepted, positions);
    EXPECT_EQ(placed, positions);
  }
}

TEST_P(ProposalsTest, OneGraduateAcceptingTwoOffersAtOnceIsPlacedOnce) {
  v1::Graduate g = NewGraduate("twice");
  v1::Offer a = OfferWith(1);
  v1::Offer b = OfferWith(1, &other_company_client_);
  v1::Proposal pa = SendOk(a.id(), g.id());
  v1::Proposal pb = SendOk(b.id(), g.id(), &other_company_client_);
  absl::Barrier* barrier = new absl::Barrier(2);
  grpc::Status sa, sb;
  std::thread ta([&] {
    Client c = server_.NewClient(GetParam(), school_client_.token);
    if (barrier->Block()) delete barrier;
    sa = Respond(c, pa.id(), true);
  });
  std::thread tb([&] {
    Client c = server_.NewClient(GetParam(), school_client_.token);
    if (barrier->Block()) delete barrier;
    sb = Respond(c, pb.id(), true);
  });
  ta.join();
  tb.join();
  EXPECT_EQ(sa.ok() + sb.ok(), 1)
      << sa.error_message() << " / " << sb.error_message();
  EXPECT_EQ(
      GetOffer(a.id()).positions_filled() + GetOffer(b.id()).positions_filled(),
      1);
  std::map<std::string, v1::ProposalState> states = States(ForGraduate(g.id()));
  EXPECT_EQ(states[pa.id()], sa.ok() ? v1::PROPOSAL_STATE_ACCEPTED
                                     : v1::PROPOSAL_STATE_SUPERSEDED);
  EXPECT_EQ(states[pb.id()], sb.ok() ? v1::PROPOSAL_STATE_ACCEPTED
                                     : v1::PROPOSAL_STATE_SUPERSEDED);
}

TEST_P(ProposalsTest, DeletingAGraduateErasesTheirProposals) {
  v1::Graduate g = NewGraduate("del-1");
  v1::Graduate kept = NewGraduate("del-2");
  v1::Offer o = OfferWith(2);
  v1::Offer other = OfferWith(1, &other_company_client_);
  v1::Proposal p1 = SendOk(o.id(), g.id());
  v1::Proposal p2 = SendOk(other.id(), g.id(), &other_company_client_);
  v1::Proposal p3 = SendOk(o.id(), kept.id());

  const uint64_t before = LogSequence();
  v1::DeleteGraduateRequest del;
  del.set_id(g.id());
  v1::DeleteGraduateResponse deleted;
  ASSERT_TRUE(
      school_client_.graduates
          ->DeleteGraduate(school_client_.Context().get(), del, &deleted)
          .ok());
  // Gone from the company's view at once.
  std::vector<v1::Proposal> left = ForOffer(o.id());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id(), p3.id());
  EXPECT_EQ(Respond(admin_, p1.id(), true).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Erased from storage by the follower: two PROPOSAL DELETED events after
  // the graduate's.
  std::vector<v1::ChangeEvent> events = EventsSince(before, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind(), v1::ENTITY_KIND_GRADUATE);
  EXPECT_EQ(events[0].op(), v1::CHANGE_OP_DELETED);
  std::set<std::string> erased;
  for (int i = 1; i < 3; ++i) {
    EXPECT_EQ(events[i].kind(), v1::ENTITY_KIND_PROPOSAL);
    EXPECT_EQ(events[i].op(), v1::CHANGE_OP_DELETED);
    erased.insert(events[i].id());
  }
  EXPECT_EQ(erased, (std::set<std::string>{p1.id(), p2.id()}));
  std::vector<v1::Proposal> all;
  ASSERT_TRUE(List(admin_, v1::ListProposalsRequest(), &all).ok());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id(), p3.id());
}

TEST_P(ProposalsTest, PlacementStatsOnAKnownDataSet) {
  const absl::CivilDay today = common::TodayInParis();
  auto graduate = [&](const std::string& ext, int available_days_ago,
                      Client* c) {
    v1::Graduate g = testing::SampleGraduate(ext);
    g.set_available_from(common::FormatDate(today - available_days_ago));
    return CreateGraduate(g, c);
  };
  // School 1: g1 placed in a CDI (available 10 days ago, received 2), g2
  // placed in an apprenticeship (20 days, received 1), g3 seeking with 2
  // pending, g4 withdrawn with none, g5 seeking with none.
  v1::Graduate g1 = graduate("s-1", 10, &school_client_);
  v1::Graduate g2 = graduate("s-2", 20, &school_client_);
  v1::Graduate g3 = graduate("s-3", 5, &school_client_);
  v1::Graduate g4 = graduate("s-4", 5, &school_client_);
  v1::Graduate g5 = graduate("s-5", 5, &school_client_);
  // School 2: one graduate with 12 proposals, none answered.
  v1::Graduate h = graduate("t-1", 3, &other_school_client_);

  v1::Offer cdi = OfferWith(3, nullptr, v1::CONTRACT_TYPE_CDI);
  v1::Offer app = OfferWith(3);
  v1::Offer app2 = OfferWith(3, &other_company_client_);
  const v1::Proposal to_g1 = SendOk(cdi.id(), g1.id());
  SendOk(app.id(), g1.id());  // superseded by the acceptance below
  ASSERT_TRUE(Respond(school_client_, to_g1.id(), true).ok());
  ASSERT_TRUE(
      Respond(school_client_, SendOk(app.id(), g2.id()).id(), true).ok());
  SendOk(app.id(), g3.id());
  SendOk(app2.id(), g3.id(), &other_company_client_);
  v1::UpdateGraduateRequest update;
  *update.mutable_graduate() = g4;
  update.mutable_graduate()->set_status(v1::GRADUATE_STATUS_WITHDRAWN);
  update.mutable_update_mask()->add_paths("status");
  v1::Graduate withdrawn;
  ASSERT_TRUE(
      school_client_.graduates
          ->UpdateGraduate(school_client_.Context().get(), update, &withdrawn)
          .ok());
  for (int i = 0; i < 12; ++i) {
    v1::Offer o = OfferWith(1);
    SendOk(o.id(), h.id());
  }
  (void)g5;

  v1::GetPlacementStatsRequest req;
  req.set_school_id(school_.id());
  v1::PlacementStats stats;
  grpc::Status s = school_client_.proposals->GetPlacementStats(
      school_client_.Context().get(), req, &stats);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(stats.graduates(), 5);
  EXPECT_EQ(stats.seeking(), 2);
  EXPECT_EQ(stats.placed(), 2);
  EXPECT_EQ(stats.withdrawn(), 1);
  EXPECT_DOUBLE_EQ(stats.placement_rate(), 0.5);  // 2 / (2 + 2)
  // Received: g1 2, g2 1, g3 2, g4 0, g5 0.
  EXPECT_EQ(stats.proposals(), 5);
  EXPECT_EQ(stats.proposals_pending(), 2);
  EXPECT_THAT(stats.offers_received_histogram(),
              ::testing::ElementsAre(2, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_DOUBLE_EQ(stats.mean_offers_received(), 1.0);
  EXPECT_DOUBLE_EQ(stats.median_days_to_placement(), 15);  // 10 and 20
  ASSERT_EQ(stats.by_contract_size(), 2);
  EXPECT_EQ(stats.by_contract(0).contract_type(), v1::CONTRACT_TYPE_CDI);
  EXPECT_EQ(stats.by_contract(0).placed(), 1);
  EXPECT_EQ(stats.by_contract(1).contract_type(),
            v1::CONTRACT_TYPE_APPRENTICESHIP);
  EXPECT_EQ(stats.by_contract(1).placed(), 1);

  // Everything (the federation): the other school's graduate with 12
  // proposals lands in the last bucket ("10 or more").
  v1::PlacementStats all;
  ASSERT_TRUE(admin_.proposals
                  ->GetPlacementStats(admin_.Context().get(),
                                      v1::GetPlacementStatsRequest(), &all)
                  .ok());
  EXPECT_EQ(all.graduates(), 6);
  EXPECT_EQ(all.proposals(), 17);
  EXPECT_THAT(all.offers_received_histogram(),
              ::testing::ElementsAre(2, 1, 2, 0, 0, 0, 0, 0, 0, 0, 1));
  // Grouped by school: each school's figures, which add up to the whole.
  v1::GetPlacementStatsRequest grouped;
  grouped.set_group_by(v1::PLACEMENT_STATS_GROUP_BY_SCHOOL);
  v1::PlacementStats by_school;
  ASSERT_TRUE(
      admin_.proposals
          ->GetPlacementStats(admin_.Context().get(), grouped, &by_school)
          .ok());
  EXPECT_EQ(by_school.graduates(), 6);
  ASSERT_EQ(by_school.groups_size(), 2);
  std::map<std::string, v1::PlacementStats> groups;
  for (const auto& g : by_school.groups()) groups[g.key()] = g.stats();
  ASSERT_EQ(groups.count(school_.id()), 1u);
  ASSERT_EQ(groups.count(other_school_.id()), 1u);
  EXPECT_EQ(groups[school_.id()].graduates(), 5);
  EXPECT_EQ(groups[school_.id()].placed(), 2);
  EXPECT_EQ(groups[school_.id()].proposals_pending(), 2);
  EXPECT_DOUBLE_EQ(groups[school_.id()].median_days_to_placement(), 15);
  EXPECT_EQ(groups[other_school_.id()].graduates(), 1);
  EXPECT_EQ(groups[other_school_.id()].proposals(), 12);
  EXPECT_EQ(groups[other_school_.id()].groups_size(), 0);
  // A school may group its own graduates (by département here).
  grouped.set_school_id(school_.id());
  grouped.set_group_by(v1::PLACEMENT_STATS_GROUP_BY_DEPARTEMENT);
  v1::PlacementStats own;
  ASSERT_TRUE(
      school_client_.proposals
          ->GetPlacementStats(school_client_.Context().get(), grouped, &own)
          .ok());
  ASSERT_EQ(own.groups_size(), 1);
  EXPECT_EQ(own.groups(0).key(), "59");
  EXPECT_EQ(own.groups(0).stats().graduates(), 5);
  grouped.set_group_by(static_cast<v1::PlacementStatsGroupBy>(99));
  EXPECT_EQ(
      school_client_.proposals
          ->GetPlacementStats(school_client_.Context().get(), grouped, &own)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);

  // By département (Lille: 59) and region (Hauts-de-France: 32): all of
  // them live there.
  v1::GetPlacementStatsRequest dep;
  dep.set_departement_code("59");
  v1::PlacementStats by_dep;
  ASSERT_TRUE(
      admin_.proposals->GetPlacementStats(admin_.Context().get(), dep, &by_dep)
          .ok());
  EXPECT_EQ(by_dep.graduates(), 6);
  v1::GetPlacementStatsRequest region;
  region.set_region_code("32");
  v1::PlacementStats by_region;
  ASSERT_TRUE(
      admin_.proposals
          ->GetPlacementStats(admin_.Context().get(), region, &by_region)
          .ok());
  EXPECT_EQ(by_region.placed(), 2);
  dep.set_departement_code("75");
  ASSERT_TRUE(
      admin_.proposals->GetPlacementStats(admin_.Context().get(), dep, &by_dep)
          .ok());
  EXPECT_EQ(by_dep.graduates(), 0);

  // Who may ask what.
  v1::PlacementStats denied;
  EXPECT_EQ(school_client_.proposals
                ->GetPlacementStats(school_client_.Context().get(),
                                    v1::GetPlacementStatsRequest(), &denied)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  req.set_school_id(other_school_.id());
  EXPECT_EQ(
      school_client_.proposals
          ->GetPlacementStats(school_client_.Context().get(), req, &denied)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  dep.set_departement_code("59");
  EXPECT_EQ(
      school_client_.proposals
          ->GetPlacementStats(school_client_.Context().get(), dep, &denied)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      company_client_.proposals
          ->GetPlacementStats(company_client_.Context().get(), dep, &denied)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  req.set_departement_code("59");
  EXPECT_EQ(
      admin_.proposals->GetPlacementStats(admin_.Context().get(), req, &denied)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(ProposalsTest, PlanPlacementsIsStableAndBoundsExposure) {
  // Six graduates around Lille, four offers with five positions in all.
  std::vector<v1::Graduate> graduates;
  for (int i = 0; i < 6; ++i) {
    v1::Graduate g = testing::SampleGraduate(absl::StrCat("plan-", i));
    if (i % 2 == 1) g.add_skills("fraisage");
    graduates.push_back(CreateGraduate(g));
  }
  v1::Graduate other =
      CreateGraduate(testing::SampleGraduate("plan-x"), &other_school_client_);
  std::map<std::string, int> capacity;
  for (int positions : {1, 1, 1, 2}) {
    v1::Offer o = OfferWith(positions, nullptr,
                            positions == 2 ? v1::CONTRACT_TYPE_CDI
                                           : v1::CONTRACT_TYPE_APPRENTICESHIP);
    capacity[o.id()] = positions;
  }
  WaitForIndex();

  v1::PlanPlacementsRequest req;
  req.set_recommendations_per_graduate(3);
  v1::PlanPlacementsResponse plan;
  grpc::Status s =
      admin_.matching->PlanPlacements(admin_.Context().get(), req, &plan);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(plan.graduates(), 7);
  EXPECT_EQ(plan.offers(), 4);
  EXPECT_EQ(plan.blocking_pairs_size(), 0);
  EXPECT_EQ(plan.matched_graduates(), 5);  // every position taken
  EXPECT_EQ(plan.assignments_size(), 5);
  std::map<std::string, int> assigned;
  std::set<std::string> graduates_assigned;
  for (const auto& a : plan.assignments()) {
    ASSERT_TRUE(capacity.count(a.offer_id())) << a.offer_id();
    EXPECT_LE(++assigned[a.offer_id()], capacity[a.offer_id()]);
    EXPECT_TRUE(graduates_assigned.insert(a.graduate_id()).second);
    EXPECT_GT(a.score(), 0);
  }
  std::map<std::string, int> exposure;
  for (const auto& r : plan.recommendations()) {
    EXPECT_LE(r.offer_ids_size(), 3);
    for (const auto& id : r.offer_ids()) ++exposure[id];
  }
  for (const auto& [id, n] : exposure) EXPECT_LE(n, 3 * capacity[id]) << id;
  EXPECT_LE(plan.exposure().max(), 3.0);
  EXPECT_EQ(plan.exposure_bound(), 3.0);
  EXPECT_EQ(plan.candidates_per_graduate(), 50);
  EXPECT_GT(plan.coverage(), 0);

  // Once a graduate is placed, they leave the plan.
  const v1::Assignment* first = nullptr;
  for (const auto& a : plan.assignments()) {
    if (a.graduate_id() != other.id()) {
      first = &a;
      break;
    }
  }
  ASSERT_NE(first, nullptr);
  v1::Proposal p = SendOk(first->offer_id(), first->graduate_id());
  ASSERT_TRUE(Respond(admin_, p.id(), true).ok());
  WaitForIndex();
  req.set_summary_only(true);
  ASSERT_TRUE(
      admin_.matching->PlanPlacements(admin_.Context().get(), req, &plan).ok());
  EXPECT_EQ(plan.graduates(), 6);
  EXPECT_EQ(plan.blocking_pairs_size(), 0);
  EXPECT_EQ(plan.assignments_size(), 0);  // summary only
  EXPECT_EQ(plan.recommendations_size(), 0);
  EXPECT_EQ(plan.matched_graduates(), 4);

  // A school plans for its own graduates; companies do not plan.
  v1::PlanPlacementsRequest mine;
  ASSERT_TRUE(school_client_.matching
                  ->PlanPlacements(school_client_.Context().get(), mine, &plan)
                  .ok());
  EXPECT_EQ(plan.graduates(), 5);
  for (const auto& a : plan.assignments())
    EXPECT_NE(a.graduate_id(), other.id());
  mine.set_school_id(other_school_.id());
  EXPECT_EQ(school_client_.matching
                ->PlanPlacements(school_client_.Context().get(), mine, &plan)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(company_client_.matching
                ->PlanPlacements(company_client_.Context().get(), req, &plan)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  req.set_recommendations_per_graduate(50);
  EXPECT_EQ(admin_.matching->PlanPlacements(admin_.Context().get(), req, &plan)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

INSTANTIATE_TEST_SUITE_P(Transports, ProposalsTest,
                         ::testing::Values(Transport::kInProcess,
                                           Transport::kLoopback),
                         [](const ::testing::TestParamInfo<Transport>& info) {
                           return info.param == Transport::kInProcess
                                      ? "InProcess"
                                      : "Loopback";
                         });

}  // namespace
}  // namespace passerelle
