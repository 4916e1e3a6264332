// A young person followed by their school and a Mission locale (issue #10,
// item 5), over a real server on loopback: the school grants a partner
// access to one of its graduates, and revokes it; the partner then reads the
// record, ranks offers, sees and answers the proposals, gets the events and
// exports the placement, and nothing the owner alone may do; another
// partner sees nothing; every grant, revocation and access is in the audit
// log of both organizations; a re-import keeps the grant.

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "passerelle/v1/integration.grpc.pb.h"
#include "tests/testing/fixture.h"

namespace passerelle {
namespace {

using testing::Client;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TestServer;
using testing::Transport;

constexpr Transport kNet = Transport::kLoopback;

class CoFollowingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = server_.NewClient(kNet, server_.admin_token());
    school_ = testing::CreateSchoolClient(server_, kNet, admin_,
                                          testing::MakeUai(1), &school_record_);
    company_ = testing::CreateCompanyClient(
        server_, kNet, admin_, testing::MakeSiret(1), &company_record_);
    mission_ = NewPartner("Mission locale de Lille", &mission_id_);
    other_mission_ =
        NewPartner("Mission locale de Roubaix", &other_mission_id_);
  }

  Client NewPartner(const std::string& name, std::string* id) {
    v1::CreatePartnerRequest req;
    req.mutable_partner()->set_name(name);
    req.mutable_partner()->mutable_place()->set_commune_insee("59350");
    v1::Partner partner;
    grpc::Status s = admin_.organizations->CreatePartner(admin_.Context().get(),
                                                         req, &partner);
    EXPECT_TRUE(s.ok()) << s.error_message();
    *id = partner.id();
    v1::IssueTokenRequest issue;
    issue.set_organization_id(partner.id());
    issue.set_role(v1::ROLE_PARTNER);
    v1::IssueTokenResponse token;
    s = admin_.organizations->IssueToken(admin_.Context().get(), issue, &token);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return server_.NewClient(kNet, token.token());
  }

  v1::Graduate NewGraduate(const std::string& external_id) {
    v1::CreateGraduateRequest req;
    *req.mutable_graduate() = testing::SampleGraduate(external_id);
    req.mutable_graduate()->set_birth_date("2004-03-02");  // an adult
    v1::Graduate out;
    grpc::Status s =
        school_.graduates->CreateGraduate(school_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Grant(Client& c, const std::string& graduate_id,
                     const std::string& partner_id, v1::Graduate* out) {
    v1::GrantGraduateAccessRequest req;
    req.set_graduate_id(graduate_id);
    req.set_partner_id(partner_id);
    return c.graduates->GrantGraduateAccess(c.Context().get(), req, out);
  }
  grpc::Status Revoke(Client& c, const std::string& graduate_id,
                      const std::string& partner_id, v1::Graduate* out) {
    v1::RevokeGraduateAccessRequest req;
    req.set_graduate_id(graduate_id);
    req.set_partner_id(partner_id);
    return c.graduates->RevokeGraduateAccess(c.Context().get(), req, out);
  }
  grpc::Status Get(Client& c, const std::string& id, v1::Graduate* out) {
    v1::GetGraduateRequest req;
    req.set_id(id);
    return c.graduates->GetGraduate(c.Context().get(), req, out);
  }
  grpc::Status Proposals(Client& c, const std::string& graduate_id,
                         v1::ListProposalsResponse* out) {
    v1::ListProposalsRequest req;
    req.set_graduate_id(graduate_id);
    return c.proposals->ListProposals(c.Context().get(), req, out);
  }
  // Ranks offers for the graduate, waiting while the matcher indexes it.
  grpc::Status Rank(Client& c, const std::string& graduate_id,
                    v1::RankOffersResponse* out) {
    v1::RankOffersRequest req;
    req.set_graduate_id(graduate_id);
    grpc::Status s;
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    do {
      s = c.matching->RankOffers(c.Context().get(), req, out);
      if (s.ok() && out->results_size() > 0) return s;
      absl::SleepFor(absl::Milliseconds(50));
    } while (absl::Now() < deadline &&
             (s.ok() || s.error_code() == grpc::StatusCode::NOT_FOUND));
    return s;
  }
  std::vector<v1::AuditEvent> Audit(const std::string& organization_id) {
    std::vector<v1::AuditEvent> out;
    v1::ListAuditEventsRequest req;
    req.set_organization_id(organization_id);
    req.set_page_size(500);
    v1::ListAuditEventsResponse resp;
    grpc::Status s = admin_.organizations->ListAuditEvents(
        admin_.Context().get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (const v1::AuditEvent& e : resp.events()) out.push_back(e);
    return out;
  }
  // The methods of `organization_id`'s log's entries of `kind` about
  // `graduate_id`.
  std::multiset<std::string> Logged(const std::string& organization_id,
                                    v1::AuditKind kind,
                                    const std::string& graduate_id) {
    std::multiset<std::string> methods;
    for (const v1::AuditEvent& e : Audit(organization_id)) {
      if (e.kind() == kind && e.resource_id() == graduate_id) {
        methods.insert(e.method());
      }
    }
    return methods;
  }
  std::unique_ptr<v1::IntegrationService::Stub> Integration() {
    return v1::IntegrationService::NewStub(server_.Channel(kNet));
  }

  TestServer server_;
  Client admin_, school_, company_, mission_, other_mission_;
  v1::School school_record_;
  v1::Company company_record_;
  std::string mission_id_, other_mission_id_;
};

constexpr char kGet[] = "/passerelle.v1.GraduateService/GetGraduate";
constexpr char kList[] = "/passerelle.v1.GraduateService/ListGraduates";
constexpr char kProposals[] = "/passerelle.v1.ProposalService/ListProposals";
constexpr char kRank[] = "/passerelle.v1.MatchingService/RankOffers";
constexpr char kExplain[] = "/passerelle.v1.MatchingService/ExplainMatch";
constexpr char kExport[] = "/passerelle.v1.IntegrationService/ExportPlacements";
constexpr char kRespond[] = "/passerelle.v1.ProposalService/RespondToProposal";
constexpr char kGrant[] = "/passerelle.v1.GraduateService/GrantGraduateAccess";
constexpr char kRevoke[] =
    "/passerelle.v1.GraduateService/RevokeGraduateAccess";

TEST_F(CoFollowingTest,
       TheSchoolGrantsAMissionLocaleAndBothFollowTheYoungPerson) {
  const v1::Graduate g = NewGraduate("EP-1");
  v1::Graduate seen;
  // Before the grant: as unknown to the Mission locale.
  EXPECT_EQ(Get(mission_, g.id(), &seen).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Grant(mission_, g.id(), mission_id_, &seen).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Grant(company_, g.id(), mission_id_, &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Bad input names its field; nothing is stored.
  grpc::Status s = Grant(school_, g.id(), "prt_nobody", &seen);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("partner_id"));
  s = Grant(school_, g.id(), school_record_.id(), &seen);  // not a partner
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = Grant(school_, g.id(), "", &seen);
  EXPECT_THAT(s.error_message(), HasSubstr("partner_id"));
  s = Grant(school_, "", mission_id_, &seen);
  EXPECT_THAT(s.error_message(), HasSubstr("graduate_id"));
  ASSERT_TRUE(Get(school_, g.id(), &seen).ok());
  EXPECT_EQ(seen.followers_size(), 0);
  EXPECT_EQ(seen.version(), g.version());

  v1::Graduate granted;
  s = Grant(school_, g.id(), mission_id_, &granted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(granted.followers_size(), 1);
  EXPECT_EQ(granted.followers(0).partner_id(), mission_id_);
  EXPECT_TRUE(granted.followers(0).has_grant_time());
  v1::Graduate again;
  ASSERT_TRUE(Grant(school_, g.id(), mission_id_, &again).ok());
  EXPECT_EQ(again.version(), granted.version());  // nothing changed

  // The Mission locale reads the record, and lists it among those it
  // follows (not among its own).
  s = Get(mission_, g.id(), &seen);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(seen.given_name(), g.given_name());
  v1::ListGraduatesRequest list;
  v1::ListGraduatesResponse listed;
  ASSERT_TRUE(
      mission_.graduates->ListGraduates(mission_.Context().get(), list, &listed)
          .ok());
  EXPECT_EQ(listed.graduates_size(), 0);
  list.set_followed(true);
  ASSERT_TRUE(
      mission_.graduates->ListGraduates(mission_.Context().get(), list, &listed)
          .ok());
  ASSERT_EQ(listed.graduates_size(), 1);
  EXPECT_EQ(listed.graduates(0).id(), g.id());
  EXPECT_EQ(
      school_.graduates->ListGraduates(school_.Context().get(), list, &listed)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  // What only the owner does stays the owner's.
  v1::UpdateGraduateRequest update;
  update.mutable_graduate()->set_id(g.id());
  update.mutable_graduate()->set_version(granted.version());
  update.mutable_graduate()->set_max_distance_km(50);
  update.mutable_update_mask()->add_paths("max_distance_km");
  v1::Graduate updated;
  EXPECT_EQ(mission_.graduates
                ->UpdateGraduate(mission_.Context().get(), update, &updated)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  update.mutable_update_mask()->set_paths(0, "followers");
  EXPECT_EQ(school_.graduates
                ->UpdateGraduate(school_.Context().get(), update, &updated)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::DeleteGraduateRequest del;
  del.set_id(g.id());
  v1::DeleteGraduateResponse deleted;
  EXPECT_EQ(mission_.graduates
                ->DeleteGraduate(mission_.Context().get(), del, &deleted)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Grant(mission_, g.id(), other_mission_id_, &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ExportGraduateDataRequest gdpr;
  gdpr.set_graduate_id(g.id());
  v1::ExportGraduateDataResponse gdpr_out;
  EXPECT_EQ(mission_.graduates
                ->ExportGraduateData(mission_.Context().get(), gdpr, &gdpr_out)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListGraduateRequestsRequest requests;
  requests.set_graduate_id(g.id());
  v1::ListGraduateRequestsResponse requests_out;
  EXPECT_EQ(mission_.graduates
                ->ListGraduateRequests(mission_.Context().get(), requests,
                                       &requests_out)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Nor does it give the young person an account or a token.
  v1::IssueTokenRequest young_token;
  young_token.set_role(v1::ROLE_GRADUATE);
  young_token.set_graduate_id(g.id());
  v1::IssueTokenResponse young_token_out;
  grpc::Status token_status = mission_.organizations->IssueToken(
      mission_.Context().get(), young_token, &young_token_out);
  EXPECT_EQ(token_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(token_status.error_message(), HasSubstr("graduate_id"));
  v1::InviteUserRequest invite;
  invite.set_email("jeune@example.fr");
  invite.set_role(v1::ROLE_GRADUATE);
  invite.set_graduate_id(g.id());
  v1::Invitation invitation;
  EXPECT_EQ(mission_.organizations
                ->InviteUser(mission_.Context().get(), invite, &invitation)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Another Mission locale sees nothing.
  EXPECT_EQ(Get(other_mission_, g.id(), &seen).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(other_mission_.organizations
                ->IssueToken(other_mission_.Context().get(), young_token,
                             &young_token_out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  // The Mission locale hears of a proposal, ranks and explains offers, and
  // answers it in the young person's name.
  v1::CreateEventSubscriptionRequest sub_req;
  v1::EventSubscription sub;
  ASSERT_TRUE(
      Integration()
          ->CreateEventSubscription(mission_.Context().get(), sub_req, &sub)
          .ok());
  v1::CreateOfferRequest offer_req;
  *offer_req.mutable_offer() = testing::SampleOffer("OF-1");
  v1::Offer offer;
  ASSERT_TRUE(
      company_.offers->CreateOffer(company_.Context().get(), offer_req, &offer)
          .ok());
  v1::RankOffersResponse ranked;
  s = Rank(mission_, g.id(), &ranked);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_GT(ranked.results_size(), 0);
  v1::RankOffersRequest rank_req;
  rank_req.set_graduate_id(g.id());
  EXPECT_EQ(other_mission_.matching
                ->RankOffers(other_mission_.Context().get(), rank_req, &ranked)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ExplainMatchRequest explain;
  explain.set_graduate_id(g.id());
  explain.set_offer_id(offer.id());
  v1::ExplainMatchResponse explained;
  s = mission_.matching->ExplainMatch(mission_.Context().get(), explain,
                                      &explained);
  ASSERT_TRUE(s.ok()) << s.error_message();

  v1::SendProposalRequest send;
  send.set_offer_id(offer.id());
  send.set_graduate_id(testing::CandidateId(server_, offer.id(), g.id()));
  v1::Proposal proposal;
  s = company_.proposals->SendProposal(company_.Context().get(), send,
                                       &proposal);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::ListProposalsResponse proposals;
  ASSERT_TRUE(Proposals(mission_, g.id(), &proposals).ok());
  ASSERT_EQ(proposals.proposals_size(), 1);
  EXPECT_EQ(proposals.proposals(0).id(), proposal.id());
  EXPECT_EQ(proposals.proposals(0).given_name(), g.given_name());
  EXPECT_EQ(Proposals(other_mission_, g.id(), &proposals).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::RespondToProposalRequest respond;
  respond.set_proposal_id(proposal.id());
  respond.set_accept(true);
  v1::Proposal answered;
  EXPECT_EQ(other_mission_.proposals
                ->RespondToProposal(other_mission_.Context().get(), respond,
                                    &answered)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  s = mission_.proposals->RespondToProposal(mission_.Context().get(), respond,
                                            &answered);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(answered.state(), v1::PROPOSAL_STATE_ACCEPTED);
  ASSERT_EQ(answered.answers_size(), 1);
  EXPECT_EQ(answered.answers(0).role(), v1::ROLE_PARTNER);
  // The school sees the same answer.
  ASSERT_TRUE(Proposals(school_, g.id(), &proposals).ok());
  ASSERT_EQ(proposals.proposals_size(), 1);
  EXPECT_EQ(proposals.proposals(0).state(), v1::PROPOSAL_STATE_ACCEPTED);
  ASSERT_TRUE(Get(school_, g.id(), &seen).ok());
  EXPECT_EQ(seen.status(), v1::GRADUATE_STATUS_PLACED);

  // Its event feed: the proposal received, accepted, the placement; none
  // for the other Mission locale.
  v1::ListEventsRequest events_req;
  events_req.set_subscription(sub.id());
  v1::ListEventsResponse events;
  std::set<std::string> types;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (types.size() < 3 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));
    ASSERT_TRUE(Integration()
                    ->ListEvents(mission_.Context().get(), events_req, &events)
                    .ok());
    types.clear();
    for (const v1::Event& e : events.events()) {
      EXPECT_EQ(e.organization_id(), mission_id_);
      types.insert(e.type());
    }
  }
  EXPECT_THAT(types, ElementsAre("graduate.placed", "proposal.accepted",
                                 "proposal.received"));

  // Its placements export has the row, as a follower, with the employer.
  v1::ExportPlacementsRequest export_req;
  v1::ExportPlacementsResponse exported;
  s = Integration()->ExportPlacements(mission_.Context().get(), export_req,
                                      &exported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(exported.rows(), 1);
  EXPECT_THAT(exported.content(), HasSubstr(proposal.id()));
  EXPECT_THAT(exported.content(), HasSubstr(company_record_.siret()));
  EXPECT_THAT(exported.content(), HasSubstr(",follower\r\n"));
  s = Integration()->ExportPlacements(other_mission_.Context().get(),
                                      export_req, &exported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(exported.rows(), 0);
  // The federation exporting the Mission locale's records sees the same row.
  export_req.set_organization_id(mission_id_);
  s = Integration()->ExportPlacements(admin_.Context().get(), export_req,
                                      &exported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(exported.rows(), 1);
  EXPECT_THAT(exported.content(), HasSubstr(",follower\r\n"));
  export_req.clear_organization_id();

  // Every grant and access is in both organizations' logs.
  for (const std::string& org : {school_record_.id(), mission_id_}) {
    SCOPED_TRACE(org);
    EXPECT_THAT(Logged(org, v1::AUDIT_KIND_SHARING, g.id()),
                ElementsAre(kGrant));
    const std::multiset<std::string> accesses =
        Logged(org, v1::AUDIT_KIND_ACCESS, g.id());
    for (const char* method :
         {kGet, kList, kRank, kExplain, kProposals, kExport,
          "event:proposal.received", "event:proposal.accepted",
          "event:graduate.placed"}) {
      EXPECT_GE(accesses.count(method), 1u) << method;
    }
    // The answer, written with it (the other Mission locale's refused
    // attempt left none).
    EXPECT_EQ(accesses.count(kRespond), 1u);
  }
  for (const v1::AuditEvent& e : Audit(mission_id_)) {
    if (e.kind() == v1::AUDIT_KIND_ACCESS && e.method() == kGet) {
      EXPECT_EQ(e.organization_id(), mission_id_);
      EXPECT_EQ(e.concerned_organization_id(), school_record_.id());
      EXPECT_EQ(e.client_address(), "127.0.0.1");
    }
  }
  // The owner's own reads are not accesses; the other Mission locale has
  // nothing about the young person.
  EXPECT_TRUE(Logged(other_mission_id_, v1::AUDIT_KIND_ACCESS, g.id()).empty());
  for (const v1::AuditEvent& e : Audit(school_record_.id())) {
    if (e.kind() == v1::AUDIT_KIND_ACCESS) {
      EXPECT_EQ(e.organization_id(), mission_id_) << e.method();
    }
  }

  // Revoked: as unknown again, at once, everywhere.
  v1::Graduate revoked;
  ASSERT_TRUE(Revoke(school_, g.id(), mission_id_, &revoked).ok());
  EXPECT_EQ(revoked.followers_size(), 0);
  EXPECT_EQ(Get(mission_, g.id(), &seen).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Proposals(mission_, g.id(), &proposals).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      mission_.matching->RankOffers(mission_.Context().get(), rank_req, &ranked)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(
      mission_.graduates->ListGraduates(mission_.Context().get(), list, &listed)
          .ok());
  EXPECT_EQ(listed.graduates_size(), 0);
  s = Integration()->ExportPlacements(mission_.Context().get(), export_req,
                                      &exported);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(exported.rows(), 0);
  s = Revoke(school_, g.id(), mission_id_, &revoked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("partner_id"));
  for (const std::string& org : {school_record_.id(), mission_id_}) {
    EXPECT_THAT(Logged(org, v1::AUDIT_KIND_SHARING, g.id()),
                ElementsAre(kGrant, kRevoke));
  }
}

TEST_F(CoFollowingTest, APartnerEndsItsOwnAccessAndAReimportKeepsGrants) {
  const v1::Graduate g = NewGraduate("EP-2");
  v1::Graduate seen;
  ASSERT_TRUE(Grant(school_, g.id(), mission_id_, &seen).ok());
  // The federation may give access too; the school sees it in its log.
  ASSERT_TRUE(Grant(admin_, g.id(), other_mission_id_, &seen).ok());
  EXPECT_EQ(seen.followers_size(), 2);
  bool federation_grant = false;
  for (const v1::AuditEvent& e : Audit(school_record_.id())) {
    if (e.kind() == v1::AUDIT_KIND_SHARING && e.resource_id() == g.id() &&
        e.organization_id() == "federation") {
      federation_grant = true;
      EXPECT_EQ(e.concerned_organization_id(), other_mission_id_);
    }
  }
  EXPECT_TRUE(federation_grant);
  EXPECT_THAT(Logged(other_mission_id_, v1::AUDIT_KIND_SHARING, g.id()),
              ElementsAre(kGrant));
  // Each follower sees itself only among the followers.
  ASSERT_TRUE(Get(mission_, g.id(), &seen).ok());
  ASSERT_EQ(seen.followers_size(), 1);
  EXPECT_EQ(seen.followers(0).partner_id(), mission_id_);

  // The school re-imports its graduates: the grants stay.
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + school_.token);
    v1::ImportResponse response;
    auto writer = school_.graduates->ImportGraduates(&context, &response);
    v1::ImportGraduatesRequest row;
    *row.mutable_graduate() = testing::SampleGraduate("EP-2");
    row.mutable_graduate()->set_birth_date("2004-03-02");
    row.mutable_graduate()->set_max_distance_km(45);
    ASSERT_TRUE(writer->Write(row));
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(response.updated(), 1);
  }
  ASSERT_TRUE(Get(school_, g.id(), &seen).ok());
  EXPECT_EQ(seen.max_distance_km(), 45);
  EXPECT_EQ(seen.followers_size(), 2);

  // A partner ends its own access; it cannot end another's.
  EXPECT_EQ(Revoke(mission_, g.id(), other_mission_id_, &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status s = Revoke(mission_, g.id(), mission_id_, &seen);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Get(mission_, g.id(), &seen).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Get(other_mission_, g.id(), &seen).ok());
  ASSERT_TRUE(Get(school_, g.id(), &seen).ok());
  ASSERT_EQ(seen.followers_size(), 1);
  EXPECT_EQ(seen.followers(0).partner_id(), other_mission_id_);
  // The school sees the partner's own revocation in its log.
  EXPECT_THAT(Logged(school_record_.id(), v1::AUDIT_KIND_SHARING, g.id()),
              ElementsAre(kGrant, kGrant, kRevoke));

  // The young person sees who follows them.
  v1::IssueTokenRequest issue;
  issue.set_role(v1::ROLE_GRADUATE);
  issue.set_graduate_id(g.id());
  v1::IssueTokenResponse token;
  ASSERT_TRUE(
      school_.organizations->IssueToken(school_.Context().get(), issue, &token)
          .ok());
  Client young = server_.NewClient(kNet, token.token());
  ASSERT_TRUE(Get(young, g.id(), &seen).ok());
  ASSERT_EQ(seen.followers_size(), 1);
  EXPECT_EQ(seen.followers(0).partner_id(), other_mission_id_);
  // A young person's reads are not a follower's accesses: the two Mission
  // locales' reads are.
  EXPECT_EQ(
      Logged(school_record_.id(), v1::AUDIT_KIND_ACCESS, g.id()).count(kGet),
      2u);
}

}  // namespace
}  // namespace passerelle
