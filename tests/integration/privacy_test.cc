// What a company can learn of a young person before they accept its
// proposal (issue 16), over a real server on 127.0.0.1:0: the test plays a
// hostile company, collects every answer, error message and streamed Watch
// event it receives, and searches them for the graduate's name, birth
// date, school, home commune and global id. Also: distances in 5 km bands
// (three offers cannot trilaterate a home), candidate ids per offer
// (unlinkable, refused on another offer), ExplainMatch for candidates
// only, and another tenant's ids answering as unknown ones. (The Watch
// events' school: ProposalsTest.ACompanysWatchCarriesNoSchoolOrPartner.)

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/referentials.h"
#include "services/matching/engine/geo.h"
#include "tests/testing/fixture.h"

namespace passerelle {
namespace {

using testing::Client;
using ::testing::HasSubstr;
using testing::TestServer;
using testing::Transport;

constexpr Transport kLoopback = Transport::kLoopback;

// Lille (the graduate's home) and three communes around it.
constexpr char kHome[] = "59350";
constexpr char kHomeName[] = "Lille";
constexpr char kRoubaix[] = "59512";
constexpr char kVilleneuve[] = "59009";
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

// Everything a company received, to search.
class Received {
 public:
  void Add(const google::protobuf::Message& m) {
    texts_.push_back(m.SerializeAsString());
    texts_.push_back(m.Utf8DebugString());
  }
  // An error, with the ids the caller itself sent replaced: echoing the
  // caller's input tells it nothing.
  void Add(const grpc::Status& s, const std::vector<std::string>& sent = {}) {
    std::string message = s.error_message();
    for (const std::string& id : sent) {
      absl::StrReplaceAll({{id, "<sent>"}}, &message);
    }
    texts_.push_back(message);
  }
  // The texts containing `needle`.
  std::vector<std::string> Containing(const std::string& needle) const {
    std::vector<std::string> out;
    for (const std::string& t : texts_) {
      if (absl::StrContains(t, needle)) out.push_back(t);
    }
    return out;
  }
  size_t size() const { return texts_.size(); }

 private:
  std::vector<std::string> texts_;
};

TEST_F(PrivacyTest, ACompanyLearnsNothingOfWhoTheCandidateIsBeforeAcceptance) {
  // Clémence Dupont, born 2009-05-14, of school_, lives in Lille; accepts
  // an apprenticeship first, a CDI second.
  const v1::Graduate g = CreateGraduate(testing::SampleGraduate("leak-1"));
  ASSERT_FALSE(g.id().empty());
  // Three CDIs around Lille starting when she is 18, and a night-work CDI
  // starting when she is 17.
  const v1::Offer roubaix = CreateOffer(kRoubaix);
  const v1::Offer villeneuve = CreateOffer(kVilleneuve);
  const v1::Offer tourcoing = CreateOffer(kTourcoing);
  const v1::Offer night = CreateOffer(kRoubaix, "2027-02-01", true);
  const v1::Offer foreign =
      CreateOffer(kRoubaix, "2027-09-01", false, &other_company_client_);
  WaitForIndex();

  Received received;
  std::map<std::string, std::string> candidate;  // offer id -> candidate id
  for (const v1::Offer* o : {&roubaix, &villeneuve, &tourcoing, &night}) {
    v1::RankGraduatesResponse ranked;
    grpc::Status s = Rank(company_client_, o->id(), &ranked);
    ASSERT_TRUE(s.ok()) << s.error_message();
    received.Add(ranked);
    if (ranked.results_size() > 0) {
      candidate[o->id()] = ranked.results(0).candidate().graduate_id();
    }
  }
  ASSERT_EQ(candidate.size(), 3u) << "the minor is not ranked for night work";
  const std::string& c_roubaix = candidate[roubaix.id()];

  // ExplainMatch on its candidate, and on the night-work offer with the
  // other offer's candidate id and with the global id.
  v1::ExplainMatchResponse explained;
  grpc::Status s =
      Explain(company_client_, roubaix.id(), c_roubaix, &explained);
  ASSERT_TRUE(s.ok()) << s.error_message();
  received.Add(explained);
  for (const std::string& id : {c_roubaix, g.id()}) {
    s = Explain(company_client_, night.id(), id, &explained);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << id;
    if (s.ok()) received.Add(explained);
    received.Add(s, {id});
  }

  // SendProposal refusals: the global id, another offer's candidate id,
  // and a candidate id of the night-work offer (as if ranked before the
  // offer changed): refused by the rule's name only.
  v1::Proposal proposal;
  for (const std::string& id : {g.id(), c_roubaix}) {
    s = Send(company_client_, night.id(), id, &proposal);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << id;
    received.Add(s, {id});
  }
  const std::string c_night = testing::CandidateId(server_, night.id(), g.id());
  s = Send(company_client_, night.id(), c_night, &proposal);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("minor_night_work"));
  received.Add(s, {c_night});
  s = Explain(company_client_, night.id(), c_night, &explained);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND)
      << "not eligible, no proposal: not a candidate";
  received.Add(s, {c_night});

  // A proposal, then what the company lists and watches.
  s = Send(company_client_, roubaix.id(), c_roubaix, &proposal);
  ASSERT_TRUE(s.ok()) << s.error_message();
  received.Add(proposal);
  v1::ListProposalsResponse listed;
  v1::ListProposalsRequest by_offer;
  by_offer.set_offer_id(roubaix.id());
  ASSERT_TRUE(ListProposals(company_client_, by_offer, &listed).ok());
  ASSERT_EQ(listed.proposals_size(), 1);
  received.Add(listed);
  ASSERT_TRUE(
      ListProposals(company_client_, v1::ListProposalsRequest(), &listed).ok());
  received.Add(listed);
  {
    auto context = company_client_.Context();
    auto reader =
        company_client_.feed->Watch(context.get(), v1::WatchRequest());
    v1::ChangeEvent e;
    bool seen = false;
    while (!seen && reader->Read(&e)) {
      received.Add(e);
      seen = e.kind() == v1::ENTITY_KIND_PROPOSAL && e.id() == proposal.id();
    }
    context->TryCancel();
    reader->Finish().IgnoreError();
    EXPECT_TRUE(seen);
  }

  // The graduate's records themselves, through every door.
  v1::GetGraduateRequest get;
  get.set_id(g.id());
  v1::Graduate read;
  s = company_client_.graduates->GetGraduate(company_client_.Context().get(),
                                             get, &read);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  received.Add(s, {g.id()});
  v1::ListProposalsRequest by_graduate;
  by_graduate.set_graduate_id(g.id());
  s = ListProposals(company_client_, by_graduate, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  received.Add(s, {g.id()});
  v1::RankOffersRequest rank_offers;
  rank_offers.set_graduate_id(g.id());
  v1::RankOffersResponse offers;
  s = company_client_.matching->RankOffers(company_client_.Context().get(),
                                           rank_offers, &offers);
  EXPECT_FALSE(s.ok());
  received.Add(s, {g.id()});
  v1::RankGraduatesResponse theirs;
  s = Rank(company_client_, foreign.id(), &theirs);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  received.Add(s, {foreign.id()});

  ASSERT_GT(received.size(), 20u);
  // Her name, birth date, school, home, global id and its creation-time
  // prefix: nowhere.
  for (const std::string& secret :
       {std::string("Clémence"), std::string("Dupont"),
        std::string("2009-05-14"), std::string("born"), school_.id(),
        std::string(kHome), std::string(kHomeName), g.id(),
        g.id().substr(4, 13)}) {
    EXPECT_THAT(received.Containing(secret), ::testing::IsEmpty())
        << "the company received \"" << secret << "\"";
  }
  // Nor her age, status, preferences or exact distance in any text.
  for (const std::string& text :
       {std::string("year-old"), std::string("aged "),
        std::string("no longer seeking"), std::string("choice "),
        std::string("APPRENTICESHIP, CDI"), std::string("km from home"),
        std::string("pay age")}) {
    EXPECT_THAT(received.Containing(text), ::testing::IsEmpty())
        << "the company received \"" << text << "\"";
  }
}

TEST_F(PrivacyTest, DistancesInFiveKmBandsDoNotLocateTheHome) {
  const v1::Graduate g = CreateGraduate(testing::SampleGraduate("tri-1"));
  const std::vector<std::string> communes = {kRoubaix, kVilleneuve, kTourcoing};
  std::vector<v1::Offer> offers;
  for (const std::string& c : communes) offers.push_back(CreateOffer(c));
  WaitForIndex();

  auto refs = common::Referentials::Load(common::DefaultDataDir());
  ASSERT_TRUE(refs.ok()) << refs.status();
  const common::Commune* home = (*refs)->FindCommune(kHome);
  ASSERT_NE(home, nullptr);
  std::vector<double> bands;
  for (size_t i = 0; i < offers.size(); ++i) {
    const v1::RankedGraduate r = RankOne(offers[i].id());
    const common::Commune* at = (*refs)->FindCommune(communes[i]);
    ASSERT_NE(at, nullptr);
    const double km = engine::HaversineKm(home->latitude, home->longitude,
                                          at->latitude, at->longitude);
    // A whole band, the one holding the true distance.
    EXPECT_EQ(std::fmod(r.distance_km(), 5.0), 0.0) << r.distance_km();
    EXPECT_LT(r.distance_km() - 5, km);
    EXPECT_GE(r.distance_km(), km);
    bands.push_back(r.distance_km());
    // The distance factor's value is the band's, not the distance's: at
    // value = 0.1^(d / 25 km), it gives back the band.
    for (const v1::Factor& f : r.factors()) {
      if (f.name() != "distance") continue;
      EXPECT_NEAR(std::log(f.value()) / std::log(0.1) * g.max_distance_km(),
                  r.distance_km(), 1e-6);
      EXPECT_THAT(f.detail(), ::testing::Not(HasSubstr("radius")));
    }
    // ExplainMatch and the proposal say the same.
    v1::ExplainMatchResponse explained;
    grpc::Status s = Explain(company_client_, offers[i].id(),
                             r.candidate().graduate_id(), &explained);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(explained.distance_km(), r.distance_km());
    EXPECT_DOUBLE_EQ(explained.score(), r.score());
    v1::Proposal p;
    s = Send(company_client_, offers[i].id(), r.candidate().graduate_id(), &p);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(p.distance_km(), r.distance_km());
    EXPECT_DOUBLE_EQ(p.score(), r.score());
  }
  // Trilateration: the communes at those three bands are many (with exact
  // distances, Lille alone).
  std::vector<std::string> fits;
  for (const common::Commune& c : (*refs)->communes()) {
    bool fit = true;
    for (size_t i = 0; i < communes.size() && fit; ++i) {
      const common::Commune* at = (*refs)->FindCommune(communes[i]);
      const double km = engine::HaversineKm(c.latitude, c.longitude,
                                            at->latitude, at->longitude);
      fit = km > bands[i] - 5 && km <= bands[i];
    }
    if (fit) fits.push_back(c.name);
  }
  EXPECT_GE(fits.size(), 3u) << ::testing::PrintToString(fits);
}

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

TEST_F(PrivacyTest, CandidatesShowAMinorFlagNotAnAge) {
  CreateGraduate(testing::SampleGraduate("age-1"));  // born 2009-05-14
  const v1::Offer at_17 = CreateOffer(kRoubaix, "2027-02-01");
  const v1::Offer at_18 = CreateOffer(kRoubaix, "2027-09-01");
  WaitForIndex();
  const v1::Candidate minor = RankOne(at_17.id()).candidate();
  const v1::Candidate adult = RankOne(at_18.id()).candidate();
  EXPECT_TRUE(minor.minor_at_start());
  EXPECT_FALSE(adult.minor_at_start());
  EXPECT_EQ(minor.age_at_start(), 0);
  EXPECT_EQ(adult.age_at_start(), 0);
}

TEST_F(PrivacyTest, ExplainMatchAnswersACompanyAboutItsCandidatesOnly) {
  const v1::Graduate g = CreateGraduate(testing::SampleGraduate("exp-1"));
  // Of another school, beyond reach of the offer (Amiens).
  v1::Graduate far = testing::SampleGraduate("exp-2");
  far.mutable_home()->set_commune_insee("80021");
  far = CreateGraduate(far, &other_school_client_);
  const v1::Offer o = CreateOffer(kRoubaix);
  WaitForIndex();
  v1::ExplainMatchResponse explained;
  // Not a candidate: not eligible, no proposal.
  grpc::Status s =
      Explain(company_client_, o.id(),
              testing::CandidateId(server_, o.id(), far.id()), &explained);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), ::testing::Not(HasSubstr(far.id())));

  // A candidate holding its proposal stays explainable once ineligible,
  // with the broken rules named only.
  const std::string c = RankOne(o.id()).candidate().graduate_id();
  v1::Proposal p;
  ASSERT_TRUE(Send(company_client_, o.id(), c, &p).ok());
  v1::UpdateGraduateRequest update;
  update.mutable_graduate()->set_id(g.id());
  update.mutable_graduate()->set_version(g.version());
  update.mutable_graduate()->set_max_distance_km(1);
  update.mutable_update_mask()->add_paths("max_distance_km");
  v1::Graduate updated;
  s = school_client_.graduates->UpdateGraduate(school_client_.Context().get(),
                                               update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  WaitForIndex();
  s = Explain(company_client_, o.id(), c, &explained);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(explained.eligible());
  ASSERT_EQ(explained.exclusions_size(), 1);
  EXPECT_EQ(explained.exclusions(0).rule(), "distance");
  EXPECT_TRUE(explained.exclusions(0).detail().empty());
  // The school still reads the values.
  s = Explain(school_client_, o.id(), g.id(), &explained);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(explained.exclusions_size(), 1);
  EXPECT_THAT(explained.exclusions(0).detail(), HasSubstr("radius"));
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
