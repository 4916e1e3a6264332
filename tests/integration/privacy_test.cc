// What a company can learn of a young person before they accept its
// proposal (issue 16), over a real server on 127.0.0.1:0: candidate ids
// per offer (unlinkable, refused on another offer) and another tenant's
// ids answering as unknown ones. (The Watch events' school:
// ProposalsTest.ACompanysWatchCarriesNoSchoolOrPartner.)

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
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

constexpr Transport kLoopback = Transport::kLoopback;

// Two communes near Lille, the sample graduate's home.
constexpr char kRoubaix[] = "59512";
constexpr char kTourcoing[] = "59599";

class PrivacyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = server_.NewClient(kLoopback, server_.admin_token());
    school_client_ = testing::CreateSchoolClient(server_, kLoopback, admin_,
                                                 testing::MakeUai(1), &school_);
    other_school_client_ = testing::CreateSchoolClient(
        server_, kLoopback, admin_, testing::MakeUai(2), &other_school_);
    company_client_ = testing::CreateCompanyClient(
        server_, kLoopback, admin_, testing::MakeSiret(1), &company_);
    other_company_client_ = testing::CreateCompanyClient(
        server_, kLoopback, admin_, testing::MakeSiret(2), &other_company_);
  }

  void WaitForIndex() {
    auto status = [&] {
      v1::IndexStatus s;
      EXPECT_TRUE(admin_.matching
                      ->GetIndexStatus(admin_.Context().get(),
                                       v1::GetIndexStatusRequest(), &s)
                      .ok());
      return s;
    };
    const uint64_t target = status().log_sequence();
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (status().applied_sequence() < target) {
      ASSERT_LT(absl::Now(), deadline) << "the matcher did not catch up";
      std::this_thread::yield();
    }
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

  // A CDI (the graduate's second choice) at `commune`, starting
  // `start_date`.
  v1::Offer CreateOffer(const std::string& commune,
                        const std::string& start_date = "2027-09-01",
                        bool night_work = false, Client* client = nullptr) {
    Client& c = client ? *client : company_client_;
    v1::Offer o = testing::SampleOffer();
    o.set_contract_type(v1::CONTRACT_TYPE_CDI);
    o.set_duration_months(0);
    o.clear_target_diploma();
    o.set_monthly_gross_salary_eur(1900);
    o.set_start_date(start_date);
    o.set_night_work(night_work);
    o.mutable_place()->set_commune_insee(commune);
    v1::CreateOfferRequest req;
    *req.mutable_offer() = std::move(o);
    v1::Offer out;
    grpc::Status s = c.offers->CreateOffer(c.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Rank(Client& c, const std::string& offer_id,
                    v1::RankGraduatesResponse* out) {
    v1::RankGraduatesRequest req;
    req.set_offer_id(offer_id);
    return c.matching->RankGraduates(c.Context().get(), req, out);
  }

  // The only ranked candidate of `offer_id`.
  v1::RankedGraduate RankOne(const std::string& offer_id) {
    v1::RankGraduatesResponse out;
    grpc::Status s = Rank(company_client_, offer_id, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.results_size(), 1);
    return out.results_size() > 0 ? out.results(0) : v1::RankedGraduate();
  }

  grpc::Status Explain(Client& c, const std::string& offer_id,
                       const std::string& graduate_id,
                       v1::ExplainMatchResponse* out) {
    v1::ExplainMatchRequest req;
    req.set_offer_id(offer_id);
    req.set_graduate_id(graduate_id);
    return c.matching->ExplainMatch(c.Context().get(), req, out);
  }

  grpc::Status Send(Client& c, const std::string& offer_id,
                    const std::string& graduate_id, v1::Proposal* out) {
    v1::SendProposalRequest req;
    req.set_offer_id(offer_id);
    req.set_graduate_id(graduate_id);
    return c.proposals->SendProposal(c.Context().get(), req, out);
  }

  grpc::Status ListProposals(Client& c, const v1::ListProposalsRequest& req,
                             v1::ListProposalsResponse* out) {
    return c.proposals->ListProposals(c.Context().get(), req, out);
  }

  TestServer server_;
  Client admin_, school_client_, other_school_client_, company_client_,
      other_company_client_;
  v1::School school_, other_school_;
  v1::Company company_, other_company_;
};

TEST_F(PrivacyTest, CandidateIdsArePerOfferUnlinkableAndRefusedElsewhere) {
  const v1::Graduate g = CreateGraduate(testing::SampleGraduate("cid-1"));
  const v1::Offer a = CreateOffer(kRoubaix);
  const v1::Offer b = CreateOffer(kTourcoing);
  WaitForIndex();
  const std::string on_a = RankOne(a.id()).candidate().graduate_id();
  const std::string on_b = RankOne(b.id()).candidate().graduate_id();
  EXPECT_THAT(on_a, ::testing::StartsWith("cnd_"));
  EXPECT_NE(on_a, on_b);
  for (const std::string& id : {on_a, on_b}) {
    EXPECT_THAT(id, ::testing::Not(HasSubstr(g.id().substr(4))));
  }
  // Stable for the pair.
  EXPECT_EQ(RankOne(a.id()).candidate().graduate_id(), on_a);

  // Another offer's candidate id, the global id, a forged one: refused,
  // alike.
  std::string forged = on_a;
  forged[10] = forged[10] == 'A' ? 'B' : 'A';
  v1::Proposal p;
  v1::ExplainMatchResponse explained;
  for (const std::string& id : {on_a, g.id(), forged}) {
    grpc::Status s = Send(company_client_, b.id(), id, &p);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << id;
    EXPECT_EQ(s.error_message(),
              absl::StrCat("candidate ", id, " not found for offer ", b.id()));
    EXPECT_EQ(Explain(company_client_, b.id(), id, &explained).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  // Its own offer's: taken; the proposal names the same candidate id.
  grpc::Status s = Send(company_client_, b.id(), on_b, &p);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(p.graduate_id(), on_b);
  EXPECT_EQ(p.candidate().graduate_id(), on_b);
  // The school sees the graduate's own id.
  v1::ListProposalsRequest req;
  req.set_graduate_id(g.id());
  v1::ListProposalsResponse listed;
  ASSERT_TRUE(ListProposals(school_client_, req, &listed).ok());
  ASSERT_EQ(listed.proposals_size(), 1);
  EXPECT_EQ(listed.proposals(0).graduate_id(), g.id());
}

// Every Get/Update/Delete/Close/Rank/Explain/List-with-filter path: another
// tenant's id answers exactly as an unknown id (same code, same message
// but for the id).
TEST_F(PrivacyTest, AnotherTenantsIdAnswersAsAnUnknownOne) {
  const v1::Graduate g = CreateGraduate(testing::SampleGraduate("t-1"));
  const v1::Offer o = CreateOffer(kRoubaix);
  WaitForIndex();
  v1::Proposal p;
  ASSERT_TRUE(Send(company_client_, o.id(),
                   RankOne(o.id()).candidate().graduate_id(), &p)
                  .ok());
  // Unknown ids shaped like real ones.
  const std::string no_graduate = "grd_0000000000000000000";
  const std::string no_offer = "off_0000000000000000000";
  const std::string no_proposal = "prp_0000000000000000000";

  struct Probe {
    std::string what;
    std::function<grpc::Status(const std::string& id)> call;
    std::string real_id;
    std::string unknown_id;
  };
  Client& other_company = other_company_client_;
  Client& other_school = other_school_client_;
  const std::vector<Probe> probes = {
      {"GetGraduate",
       [&](const std::string& id) {
         v1::GetGraduateRequest r;
         r.set_id(id);
         v1::Graduate out;
         return other_school.graduates->GetGraduate(
             other_school.Context().get(), r, &out);
       },
       g.id(), no_graduate},
      {"UpdateGraduate",
       [&](const std::string& id) {
         v1::UpdateGraduateRequest r;
         r.mutable_graduate()->set_id(id);
         r.mutable_graduate()->set_version(1);
         r.mutable_graduate()->set_max_distance_km(5);
         r.mutable_update_mask()->add_paths("max_distance_km");
         v1::Graduate out;
         return other_school.graduates->UpdateGraduate(
             other_school.Context().get(), r, &out);
       },
       g.id(), no_graduate},
      {"DeleteGraduate",
       [&](const std::string& id) {
         v1::DeleteGraduateRequest r;
         r.set_id(id);
         v1::DeleteGraduateResponse out;
         return other_school.graduates->DeleteGraduate(
             other_school.Context().get(), r, &out);
       },
       g.id(), no_graduate},
      {"GetGraduate (company)",
       [&](const std::string& id) {
         v1::GetGraduateRequest r;
         r.set_id(id);
         v1::Graduate out;
         return other_company.graduates->GetGraduate(
             other_company.Context().get(), r, &out);
       },
       g.id(), no_graduate},
      {"RankOffers",
       [&](const std::string& id) {
         v1::RankOffersRequest r;
         r.set_graduate_id(id);
         v1::RankOffersResponse out;
         return other_school.matching->RankOffers(other_school.Context().get(),
                                                  r, &out);
       },
       g.id(), no_graduate},
      {"ExplainMatch (school)",
       [&](const std::string& id) {
         v1::ExplainMatchResponse out;
         return Explain(other_school, o.id(), id, &out);
       },
       g.id(), no_graduate},
      {"ListProposals by graduate",
       [&](const std::string& id) {
         v1::ListProposalsRequest r;
         r.set_graduate_id(id);
         v1::ListProposalsResponse out;
         return ListProposals(other_school, r, &out);
       },
       g.id(), no_graduate},
      {"GetOffer",
       [&](const std::string& id) {
         v1::GetOfferRequest r;
         r.set_id(id);
         v1::Offer out;
         return other_company.offers->GetOffer(other_company.Context().get(), r,
                                               &out);
       },
       o.id(), no_offer},
      {"UpdateOffer",
       [&](const std::string& id) {
         v1::UpdateOfferRequest r;
         r.mutable_offer()->set_id(id);
         r.mutable_offer()->set_version(1);
         r.mutable_offer()->set_title("Autre");
         r.mutable_update_mask()->add_paths("title");
         v1::Offer out;
         return other_company.offers->UpdateOffer(other_company.Context().get(),
                                                  r, &out);
       },
       o.id(), no_offer},
      {"CloseOffer",
       [&](const std::string& id) {
         v1::CloseOfferRequest r;
         r.set_id(id);
         v1::Offer out;
         return other_company.offers->CloseOffer(other_company.Context().get(),
                                                 r, &out);
       },
       o.id(), no_offer},
      {"RankGraduates",
       [&](const std::string& id) {
         v1::RankGraduatesResponse out;
         return Rank(other_company, id, &out);
       },
       o.id(), no_offer},
      {"ExplainMatch (company)",
       [&](const std::string& id) {
         v1::ExplainMatchResponse out;
         return Explain(other_company, id, "cnd_x", &out);
       },
       o.id(), no_offer},
      {"SendProposal",
       [&](const std::string& id) {
         v1::Proposal out;
         return Send(other_company, id, "cnd_x", &out);
       },
       o.id(), no_offer},
      {"ListProposals by offer",
       [&](const std::string& id) {
         v1::ListProposalsRequest r;
         r.set_offer_id(id);
         v1::ListProposalsResponse out;
         return ListProposals(other_company, r, &out);
       },
       o.id(), no_offer},
      {"WithdrawProposal",
       [&](const std::string& id) {
         v1::WithdrawProposalRequest r;
         r.set_proposal_id(id);
         v1::Proposal out;
         return other_company.proposals->WithdrawProposal(
             other_company.Context().get(), r, &out);
       },
       p.id(), no_proposal},
      {"RespondToProposal",
       [&](const std::string& id) {
         v1::RespondToProposalRequest r;
         r.set_proposal_id(id);
         r.set_accept(false);
         v1::Proposal out;
         return other_school.proposals->RespondToProposal(
             other_school.Context().get(), r, &out);
       },
       p.id(), no_proposal},
  };
  for (const Probe& probe : probes) {
    SCOPED_TRACE(probe.what);
    const grpc::Status real = probe.call(probe.real_id);
    const grpc::Status unknown = probe.call(probe.unknown_id);
    EXPECT_EQ(real.error_code(), grpc::StatusCode::NOT_FOUND)
        << real.error_message();
    EXPECT_EQ(real.error_code(), unknown.error_code());
    EXPECT_EQ(absl::StrReplaceAll(real.error_message(), {{probe.real_id, "*"}}),
              absl::StrReplaceAll(unknown.error_message(),
                                  {{probe.unknown_id, "*"}}));
  }
  // Nothing was changed by the probes.
  v1::GetOfferRequest get;
  get.set_id(o.id());
  v1::Offer still;
  ASSERT_TRUE(company_client_.offers
                  ->GetOffer(company_client_.Context().get(), get, &still)
                  .ok());
  EXPECT_EQ(still.status(), v1::OFFER_STATUS_OPEN);
  EXPECT_EQ(still.version(), o.version());
}

}  // namespace
}  // namespace passerelle
