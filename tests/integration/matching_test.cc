// MatchingService over a real server: ranking both ways, who may rank,
// pseudonymous candidates, explanations, freshness through the change feed
// and the index rebuilt from storage after a restart.

#include <cmath>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

class MatchingTest : public ::testing::TestWithParam<Transport> {
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

  v1::IndexStatus Status() {
    v1::IndexStatus status;
    EXPECT_TRUE(admin_.matching
                    ->GetIndexStatus(admin_.Context().get(),
                                     v1::GetIndexStatusRequest(), &status)
                    .ok());
    return status;
  }

  // Waits (bounded) until the matcher has applied every write acknowledged
  // so far: the change log's last sequence when asked.
  void WaitForIndex() {
    const uint64_t target = Status().log_sequence();
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (Status().applied_sequence() < target) {
      ASSERT_LT(absl::Now(), deadline) << "the matcher did not catch up";
      std::this_thread::yield();
    }
  }

  v1::Graduate CreateGraduate(v1::Graduate g) {
    v1::CreateGraduateRequest req;
    *req.mutable_graduate() = std::move(g);
    v1::Graduate out;
    grpc::Status s = school_client_.graduates->CreateGraduate(
        school_client_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
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

  std::vector<std::string> RankedIds(const std::string& graduate_id) {
    v1::RankOffersRequest req;
    req.set_graduate_id(graduate_id);
    v1::RankOffersResponse out;
    grpc::Status s = school_client_.matching->RankOffers(
        school_client_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const auto& r : out.results()) ids.push_back(r.offer().id());
    return ids;
  }

  TestServer server_;
  Client admin_, school_client_, other_school_client_, company_client_,
      other_company_client_;
  v1::School school_, other_school_;
  v1::Company company_, other_company_;
};

TEST_P(MatchingTest, RanksFitOffersWithFactorsAndExcludesIllegalOnes) {
  // A 17-year-old (born 2009-05-14) for offers starting 2027-02-01, holding
  // a CAP that does not lead to the offers' trade (H2903), so that no
  // diploma allows regulated work on a CDI (R4153-49).
  v1::Graduate minor = testing::SampleGraduate("m-1");
  minor.mutable_diploma()->set_code("50022142");  // CAP restauration
  minor.mutable_diploma()->set_obtained_on("2026-06-30");
  minor.mutable_diploma()->set_status(v1::DIPLOMA_STATUS_OBTAINED);
  v1::Graduate g = CreateGraduate(minor);
  v1::Offer base = testing::SampleOffer();
  base.set_start_date("2027-02-01");
  base.set_contract_type(v1::CONTRACT_TYPE_CDI);
  base.set_duration_months(0);
  base.clear_target_diploma();
  base.set_monthly_gross_salary_eur(1850);
  v1::Offer fit = CreateOffer(base);
  v1::Offer night = base;
  night.set_night_work(true);
  night = CreateOffer(night);
  v1::Offer long_hours = base;
  long_hours.set_weekly_hours(35.5);
  long_hours = CreateOffer(long_hours);
  v1::Offer regulated = base;
  regulated.set_regulated_work(true);
  regulated = CreateOffer(regulated);
  v1::Offer declared = base;
  declared.set_regulated_work(true);
  declared.set_regulated_work_declared(true);
  declared = CreateOffer(declared);
  v1::Offer far = base;
  far.mutable_place()->set_commune_insee("80021");  // Amiens, beyond 25 km
  far = CreateOffer(far);
  WaitForIndex();

  v1::RankOffersRequest req;
  req.set_graduate_id(g.id());
  v1::RankOffersResponse out;
  ASSERT_TRUE(school_client_.matching
                  ->RankOffers(school_client_.Context().get(), req, &out)
                  .ok());
  std::set<std::string> ids;
  for (const auto& r : out.results()) {
    ids.insert(r.offer().id());
    EXPECT_GT(r.score(), 0);
    EXPECT_LE(r.score(), 1);
    double weights = 0;
    for (const auto& f : r.factors()) {
      if (absl::StartsWith(f.name(), "warning:")) continue;
      weights += f.weight();
      EXPECT_FALSE(f.detail().empty()) << f.name();
    }
    EXPECT_NEAR(weights, 1.0, 1e-6);
    EXPECT_GT(r.distance_km(), 0);
  }
  // The employer's declaration covers minors in training only (R4153-39,
  // R4153-40), not a CDI.
  EXPECT_EQ(ids, (std::set<std::string>{fit.id()}));

  // Each exclusion is explained with its rule.
  auto explain = [&](const v1::Offer& o) {
    v1::ExplainMatchRequest req;
    req.set_graduate_id(g.id());
    req.set_offer_id(o.id());
    v1::ExplainMatchResponse out;
    EXPECT_TRUE(school_client_.matching
                    ->ExplainMatch(school_client_.Context().get(), req, &out)
                    .ok());
    std::vector<std::string> rules;
    for (const auto& e : out.exclusions()) rules.push_back(e.rule());
    return rules;
  };
  EXPECT_THAT(explain(night), ::testing::ElementsAre("minor_night_work"));
  EXPECT_THAT(explain(long_hours),
              ::testing::ElementsAre("minor_weekly_hours"));
  EXPECT_THAT(explain(regulated),
              ::testing::ElementsAre("minor_regulated_work"));
  EXPECT_THAT(explain(declared),
              ::testing::ElementsAre("minor_regulated_work"));
  EXPECT_THAT(explain(far), ::testing::ElementsAre("distance"));
  EXPECT_TRUE(explain(fit).empty());
}

TEST_P(MatchingTest, WritesAreRankableThroughTheChangeFeed) {
  v1::Graduate g = CreateGraduate(testing::SampleGraduate("f-1"));
  WaitForIndex();
  EXPECT_TRUE(RankedIds(g.id()).empty());
  v1::Offer o = CreateOffer(testing::SampleOffer("f-o"));
  WaitForIndex();
  EXPECT_THAT(RankedIds(g.id()), ::testing::ElementsAre(o.id()));

  // Closing it removes it.
  v1::CloseOfferRequest close;
  close.set_id(o.id());
  v1::Offer closed;
  ASSERT_TRUE(company_client_.offers
                  ->CloseOffer(company_client_.Context().get(), close, &closed)
                  .ok());
  WaitForIndex();
  EXPECT_TRUE(RankedIds(g.id()).empty());

  // A graduate deleted is gone from the matcher too.
  v1::DeleteGraduateRequest del;
  del.set_id(g.id());
  v1::DeleteGraduateResponse deleted;
  ASSERT_TRUE(
      school_client_.graduates
          ->DeleteGraduate(school_client_.Context().get(), del, &deleted)
          .ok());
  WaitForIndex();
  v1::RankOffersRequest req;
  req.set_graduate_id(g.id());
  v1::RankOffersResponse out;
  EXPECT_EQ(school_client_.matching
                ->RankOffers(school_client_.Context().get(), req, &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::IndexStatus status = Status();
  EXPECT_GE(status.applied_events(), 4);
  EXPECT_GT(status.lag_max_ms(), 0);
}

// RankOffers answers carry offers read through a cache: an update must show
// in the next answer once the matcher has applied it.
TEST_P(MatchingTest, AnswersShowOffersAsLastWritten) {
  v1::Graduate g = CreateGraduate(testing::SampleGraduate("u-1"));
  v1::Offer o = CreateOffer(testing::SampleOffer("u-o"));
  WaitForIndex();
  auto ranked_title = [&]() -> std::string {
    v1::RankOffersRequest req;
    req.set_graduate_id(g.id());
    v1::RankOffersResponse out;
    grpc::Status s = school_client_.matching->RankOffers(
        school_client_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.results_size() == 1 ? out.results(0).offer().title() : "";
  };
  EXPECT_EQ(ranked_title(), o.title());
  EXPECT_EQ(ranked_title(), o.title());  // now from the cache

  for (const std::string title : {"Tourneur (mis à jour)", "Fraiseur"}) {
    v1::UpdateOfferRequest update;
    update.mutable_offer()->set_id(o.id());
    update.mutable_offer()->set_version(o.version());
    update.mutable_offer()->set_title(title);
    update.mutable_update_mask()->add_paths("title");
    grpc::Status s = company_client_.offers->UpdateOffer(
        company_client_.Context().get(), update, &o);
    ASSERT_TRUE(s.ok()) << s.error_message();
    WaitForIndex();
    EXPECT_EQ(ranked_title(), title);
  }
}

TEST_P(MatchingTest, CompaniesSeePseudonymousCandidatesOfTheirOwnOffersOnly) {
  v1::Graduate g = CreateGraduate(testing::SampleGraduate("p-1"));
  v1::Offer o = CreateOffer(testing::SampleOffer("p-o"));
  WaitForIndex();
  v1::RankGraduatesRequest req;
  req.set_offer_id(o.id());
  v1::RankGraduatesResponse out;
  ASSERT_TRUE(company_client_.matching
                  ->RankGraduates(company_client_.Context().get(), req, &out)
                  .ok());
  ASSERT_EQ(out.results_size(), 1);
  const v1::Candidate& c = out.results(0).candidate();
  // The candidate id of this offer, not the graduate's id.
  EXPECT_THAT(c.graduate_id(), ::testing::StartsWith("cnd_"));
  EXPECT_EQ(c.graduate_id(), testing::CandidateId(server_, o.id(), g.id()));
  EXPECT_THAT(c.pseudonym(), ::testing::StartsWith("Candidat-"));
  // 18 on 2027-09-01 (born 2009-05-14): an adult, and no age is given.
  EXPECT_FALSE(c.minor_at_start());
  EXPECT_EQ(c.age_at_start(), 0);
  EXPECT_EQ(c.departement_code(), "59");
  const std::string wire = out.SerializeAsString();
  EXPECT_FALSE(absl::StrContains(wire, "Clémence"));
  EXPECT_FALSE(absl::StrContains(wire, "Dupont"));
  EXPECT_FALSE(absl::StrContains(wire, "2009-05-14"));
  EXPECT_FALSE(absl::StrContains(wire, g.id()));

  // Another company may not rank for it (the offer is unknown to it).
  EXPECT_EQ(
      other_company_client_.matching
          ->RankGraduates(other_company_client_.Context().get(), req, &out)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  // Nor rank offers for a graduate; another school finds no such graduate.
  v1::RankOffersRequest rank;
  rank.set_graduate_id(g.id());
  v1::RankOffersResponse ranked;
  EXPECT_EQ(company_client_.matching
                ->RankOffers(company_client_.Context().get(), rank, &ranked)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      other_school_client_.matching
          ->RankOffers(other_school_client_.Context().get(), rank, &ranked)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_P(MatchingTest, BadRequestsNameTheField) {
  v1::RankOffersRequest req;
  v1::RankOffersResponse out;
  grpc::Status s =
      admin_.matching->RankOffers(admin_.Context().get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("graduate_id"));
  v1::Graduate g = CreateGraduate(testing::SampleGraduate("b-1"));
  WaitForIndex();
  req.set_graduate_id(g.id());
  req.set_page_token("nonsense");
  s = admin_.matching->RankOffers(admin_.Context().get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("page_token"));
  req.clear_page_token();
  req.add_contract_types(static_cast<v1::ContractType>(9));
  s = admin_.matching->RankOffers(admin_.Context().get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("contract_types[0]"));
}

TEST_P(MatchingTest, TheIndexIsRebuiltFromStorageAfterARestart) {
  v1::Graduate g = CreateGraduate(testing::SampleGraduate("r-1"));
  std::vector<std::string> offers;
  for (int i = 0; i < 30; ++i) {
    v1::Offer o = testing::SampleOffer(absl::StrCat("r-", i));
    o.set_monthly_gross_salary_eur(900 + 10 * i);
    offers.push_back(CreateOffer(o).id());
  }
  WaitForIndex();
  const std::vector<std::string> before = RankedIds(g.id());
  ASSERT_EQ(before.size(), 20u);
  server_.Restart();
  admin_ = server_.NewClient(GetParam(), admin_.token);
  school_client_ = server_.NewClient(GetParam(), school_client_.token);
  EXPECT_EQ(RankedIds(g.id()), before);
  EXPECT_EQ(Status().offers(), 30);
}

INSTANTIATE_TEST_SUITE_P(Transports, MatchingTest,
                         ::testing::Values(Transport::kInProcess,
                                           Transport::kLoopback),
                         [](const ::testing::TestParamInfo<Transport>& info) {
                           return info.param == Transport::kInProcess
                                      ? "InProcess"
                                      : "Loopback";
                         });

}  // namespace
}  // namespace passerelle
