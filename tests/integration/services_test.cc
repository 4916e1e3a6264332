// The data services over a real server, each test run both in process and
// over 127.0.0.1 (as gRPC's end2end tests do).

#include <sys/stat.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/fixture.h"

namespace passerelle {
namespace {

using testing::Client;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::TestServer;
using testing::Transport;

class ServicesTest : public ::testing::TestWithParam<Transport> {
 protected:
  void SetUp() override {
    admin_ = server_.NewClient(GetParam(), server_.admin_token());
  }

  v1::Company CreateCompany(const std::string& siret) {
    v1::CreateCompanyRequest req;
    *req.mutable_company() = testing::SampleCompany(siret);
    v1::Company out;
    grpc::Status s =
        admin_.organizations->CreateCompany(admin_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  v1::School CreateSchool(const std::string& uai) {
    v1::CreateSchoolRequest req;
    *req.mutable_school() = testing::SampleSchool(uai);
    v1::School out;
    grpc::Status s =
        admin_.organizations->CreateSchool(admin_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  std::string Token(const std::string& org, v1::Role role) {
    v1::IssueTokenRequest req;
    req.set_organization_id(org);
    req.set_role(role);
    v1::IssueTokenResponse out;
    grpc::Status s =
        admin_.organizations->IssueToken(admin_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.token();
  }
  Client As(const std::string& token) {
    return server_.NewClient(GetParam(), token);
  }

  int CountGraduates(const Client& c) {
    v1::ListGraduatesRequest req;
    req.set_page_size(500);
    int count = 0;
    do {
      v1::ListGraduatesResponse out;
      EXPECT_TRUE(
          c.graduates->ListGraduates(c.Context().get(), req, &out).ok());
      count += out.graduates_size();
      req.set_page_token(out.next_page_token());
    } while (!req.page_token().empty());
    return count;
  }

  TestServer server_;
  Client admin_;
};

TEST_P(ServicesTest, AdminTokenFileIsPrivate) {
  struct stat st;
  ASSERT_EQ(stat(server_.server().admin_token_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_THAT(server_.admin_token(), StartsWith("psl_"));
}

TEST_P(ServicesTest, CallsWithoutValidTokenAreRefused) {
  v1::ListCompaniesRequest req;
  v1::ListCompaniesResponse out;
  Client anonymous = As("");
  EXPECT_EQ(anonymous.organizations
                ->ListCompanies(anonymous.Context().get(), req, &out)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  Client forged = As("psl_forged");
  EXPECT_EQ(
      forged.organizations->ListCompanies(forged.Context().get(), req, &out)
          .error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(ServicesTest, RevokedTokenStopsWorking) {
  v1::School school = CreateSchool(testing::MakeUai(1));
  v1::IssueTokenRequest issue;
  issue.set_organization_id(school.id());
  issue.set_role(v1::ROLE_SCHOOL);
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(
      admin_.organizations->IssueToken(admin_.Context().get(), issue, &issued)
          .ok());
  Client school_client = As(issued.token());
  v1::WhoAmIResponse who;
  ASSERT_TRUE(
      school_client.organizations
          ->WhoAmI(school_client.Context().get(), v1::WhoAmIRequest(), &who)
          .ok());
  EXPECT_EQ(who.organization_id(), school.id());
  EXPECT_EQ(who.role(), v1::ROLE_SCHOOL);

  v1::RevokeTokenRequest revoke;
  revoke.set_token_id(issued.token_id());
  v1::RevokeTokenResponse revoked;
  ASSERT_TRUE(admin_.organizations
                  ->RevokeToken(admin_.Context().get(), revoke, &revoked)
                  .ok());
  EXPECT_EQ(
      school_client.organizations
          ->WhoAmI(school_client.Context().get(), v1::WhoAmIRequest(), &who)
          .error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(ServicesTest, TokenRoleMustFitTheOrganization) {
  v1::Company company = CreateCompany(testing::MakeSiret(1));
  v1::IssueTokenRequest req;
  req.set_organization_id(company.id());
  req.set_role(v1::ROLE_SCHOOL);
  v1::IssueTokenResponse out;
  grpc::Status s =
      admin_.organizations->IssueToken(admin_.Context().get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), StartsWith("organization_id"));
}

TEST_P(ServicesTest, CompanyValidationNamesTheFieldAndStoresNothing) {
  struct Case {
    std::function<void(v1::Company*)> mutate;
    std::string field;
  } cases[] = {
      {[](v1::Company* c) { c->set_siret("73282932000075"); }, "company.siret"},
      {[](v1::Company* c) { c->set_siret("1234"); }, "company.siret"},
      {[](v1::Company* c) { c->set_name(""); }, "company.name"},
      {[](v1::Company* c) { c->set_naf_code("99.99Z"); }, "company.naf_code"},
      {[](v1::Company* c) { c->mutable_place()->set_commune_insee("00000"); },
       "company.place.commune_insee"},
      {[](v1::Company* c) { c->clear_place(); }, "company.place"},
  };
  for (const Case& c : cases) {
    v1::CreateCompanyRequest req;
    *req.mutable_company() = testing::SampleCompany();
    c.mutate(req.mutable_company());
    v1::Company out;
    grpc::Status s =
        admin_.organizations->CreateCompany(admin_.Context().get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), StartsWith(c.field));
  }
  v1::ListCompaniesResponse list;
  ASSERT_TRUE(admin_.organizations
                  ->ListCompanies(admin_.Context().get(),
                                  v1::ListCompaniesRequest(), &list)
                  .ok());
  EXPECT_EQ(list.companies_size(), 0);
}

TEST_P(ServicesTest, CompanyPlaceIsResolvedAndSiretIsUnique) {
  v1::Company company = CreateCompany("73282932000074");
  EXPECT_THAT(company.id(), StartsWith("cmp_"));
  EXPECT_EQ(company.place().commune_name(), "Roubaix");
  EXPECT_EQ(company.place().postal_code(), "59100");
  EXPECT_NEAR(company.place().latitude(), 50.69, 0.05);
  EXPECT_EQ(company.place().departement_code(), "59");

  v1::CreateCompanyRequest again;
  *again.mutable_company() = testing::SampleCompany("73282932000074");
  v1::Company out;
  EXPECT_EQ(
      admin_.organizations->CreateCompany(admin_.Context().get(), again, &out)
          .error_code(),
      grpc::StatusCode::ALREADY_EXISTS);

  v1::GetCompanyRequest get;
  get.set_id(company.id());
  ASSERT_TRUE(
      admin_.organizations->GetCompany(admin_.Context().get(), get, &out).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(out, company));
}

TEST_P(ServicesTest, OnlyTheFederationCreatesOrganizations) {
  v1::School school = CreateSchool(testing::MakeUai(2));
  Client school_client = As(Token(school.id(), v1::ROLE_SCHOOL));
  v1::CreateCompanyRequest req;
  *req.mutable_company() = testing::SampleCompany();
  v1::Company out;
  EXPECT_EQ(school_client.organizations
                ->CreateCompany(school_client.Context().get(), req, &out)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// An organization asking a token for another one is refused alike whether
// that other exists or not: the answer tells nothing of which ids exist.
TEST_P(ServicesTest, TokensForAnotherOrganizationAreRefusedAlike) {
  v1::School school = CreateSchool(testing::MakeUai(20));
  v1::School other = CreateSchool(testing::MakeUai(21));
  Client school_client = As(Token(school.id(), v1::ROLE_SCHOOL));
  auto issue = [&](const std::string& id) {
    v1::IssueTokenRequest req;
    req.set_organization_id(id);
    req.set_role(v1::ROLE_SCHOOL);
    v1::IssueTokenResponse out;
    return school_client.organizations->IssueToken(
        school_client.Context().get(), req, &out);
  };
  const grpc::Status existing = issue(other.id());
  const grpc::Status unknown = issue("sch_0000000000000000000");
  EXPECT_EQ(existing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(unknown.error_code(), existing.error_code());
  EXPECT_EQ(unknown.error_message(), existing.error_message());
}

TEST_P(ServicesTest, SchoolsSeeOnlyTheirGraduates) {
  v1::School a = CreateSchool(testing::MakeUai(3));
  v1::School b = CreateSchool(testing::MakeUai(4));
  v1::Company company = CreateCompany(testing::MakeSiret(2));
  Client school_a = As(Token(a.id(), v1::ROLE_SCHOOL));
  Client school_b = As(Token(b.id(), v1::ROLE_SCHOOL));
  Client company_client = As(Token(company.id(), v1::ROLE_COMPANY));

  v1::CreateGraduateRequest create;
  *create.mutable_graduate() = testing::SampleGraduate("a-1");
  v1::Graduate g;
  ASSERT_TRUE(
      school_a.graduates->CreateGraduate(school_a.Context().get(), create, &g)
          .ok());
  EXPECT_EQ(g.school_id(), a.id());
  EXPECT_EQ(g.version(), 1);
  EXPECT_EQ(g.status(), v1::GRADUATE_STATUS_SEEKING);
  EXPECT_EQ(g.home().commune_name(), "Lille");

  v1::GetGraduateRequest get;
  get.set_id(g.id());
  v1::Graduate out;
  EXPECT_TRUE(
      school_a.graduates->GetGraduate(school_a.Context().get(), get, &out)
          .ok());
  // Another tenant's graduate answers as an unknown id: NOT_FOUND.
  EXPECT_EQ(school_b.graduates->GetGraduate(school_b.Context().get(), get, &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(company_client.graduates
                ->GetGraduate(company_client.Context().get(), get, &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CountGraduates(school_a), 1);
  EXPECT_EQ(CountGraduates(school_b), 0);

  // A school cannot create a graduate for another school.
  create.mutable_graduate()->set_school_id(a.id());
  create.mutable_graduate()->set_external_id("b-1");
  EXPECT_EQ(
      school_b.graduates->CreateGraduate(school_b.Context().get(), create, &out)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_P(ServicesTest, GraduateValidationNamesTheFieldAndStoresNothing) {
  v1::School school = CreateSchool(testing::MakeUai(5));
  Client c = As(Token(school.id(), v1::ROLE_SCHOOL));
  struct Case {
    std::function<void(v1::Graduate*)> mutate;
    std::string field;
  } cases[] = {
      {[](v1::Graduate* g) { g->set_birth_date("2009-02-30"); },
       "graduate.birth_date"},
      {[](v1::Graduate* g) { g->set_birth_date("1980-01-01"); },
       "graduate.birth_date"},
      {[](v1::Graduate* g) { g->set_given_name(""); }, "graduate.given_name"},
      {[](v1::Graduate* g) { g->mutable_diploma()->set_code("99999999"); },
       "graduate.diploma.code"},
      {[](v1::Graduate* g) { g->set_rome_codes(0, "Z9999"); },
       "graduate.rome_codes[0]"},
      {[](v1::Graduate* g) { g->set_max_distance_km(5000); },
       "graduate.max_distance_km"},
      {[](v1::Graduate* g) { g->mutable_home()->set_commune_insee("2A999"); },
       "graduate.home.commune_insee"},
      {[](v1::Graduate* g) {
         g->add_accepted_contracts(static_cast<v1::ContractType>(42));
       },
       "graduate.accepted_contracts"},
      {[](v1::Graduate* g) { g->set_available_from("tomorrow"); },
       "graduate.available_from"},
      {[](v1::Graduate* g) { g->set_email("not-an-email"); }, "graduate.email"},
  };
  for (const Case& k : cases) {
    v1::CreateGraduateRequest req;
    *req.mutable_graduate() = testing::SampleGraduate();
    k.mutate(req.mutable_graduate());
    v1::Graduate out;
    grpc::Status s = c.graduates->CreateGraduate(c.Context().get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << k.field;
    EXPECT_THAT(s.error_message(), StartsWith(k.field));
  }
  EXPECT_EQ(CountGraduates(c), 0);
}

TEST_P(ServicesTest, UpdateNeedsTheCurrentVersionAndAMask) {
  v1::School school = CreateSchool(testing::MakeUai(6));
  Client c = As(Token(school.id(), v1::ROLE_SCHOOL));
  v1::CreateGraduateRequest create;
  *create.mutable_graduate() = testing::SampleGraduate("u-1");
  v1::Graduate g;
  ASSERT_TRUE(c.graduates->CreateGraduate(c.Context().get(), create, &g).ok());

  v1::UpdateGraduateRequest update;
  update.mutable_graduate()->set_id(g.id());
  update.mutable_graduate()->set_version(g.version());
  update.mutable_graduate()->set_max_distance_km(40);
  update.mutable_graduate()->set_given_name("Ignored");  // not in the mask
  update.mutable_update_mask()->add_paths("max_distance_km");
  v1::Graduate updated;
  ASSERT_TRUE(
      c.graduates->UpdateGraduate(c.Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.max_distance_km(), 40);
  EXPECT_EQ(updated.given_name(), "Clémence");

  // Stale version.
  grpc::Status s =
      c.graduates->UpdateGraduate(c.Context().get(), update, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);

  // A read-only path.
  update.mutable_graduate()->set_version(2);
  update.mutable_update_mask()->add_paths("school_id");
  s = c.graduates->UpdateGraduate(c.Context().get(), update, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("update_mask"));

  // A bad value through the mask: nothing changes.
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("birth_date");
  update.mutable_graduate()->set_birth_date("2009-13-01");
  s = c.graduates->UpdateGraduate(c.Context().get(), update, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("graduate.birth_date"));
  v1::GetGraduateRequest get;
  get.set_id(g.id());
  v1::Graduate now;
  ASSERT_TRUE(c.graduates->GetGraduate(c.Context().get(), get, &now).ok());
  EXPECT_EQ(now.version(), 2);
  EXPECT_EQ(now.birth_date(), "2009-05-14");
}

TEST_P(ServicesTest, ConcurrentUpdatesOfOneVersionLetExactlyOneWin) {
  v1::School school = CreateSchool(testing::MakeUai(7));
  Client c = As(Token(school.id(), v1::ROLE_SCHOOL));
  v1::CreateGraduateRequest create;
  *create.mutable_graduate() = testing::SampleGraduate("c-1");
  v1::Graduate g;
  ASSERT_TRUE(c.graduates->CreateGraduate(c.Context().get(), create, &g).ok());
  std::atomic<int> ok{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      v1::UpdateGraduateRequest update;
      update.mutable_graduate()->set_id(g.id());
      update.mutable_graduate()->set_version(1);
      update.mutable_graduate()->set_max_distance_km(10 + i);
      update.mutable_update_mask()->add_paths("max_distance_km");
      v1::Graduate out;
      grpc::Status s =
          c.graduates->UpdateGraduate(c.Context().get(), update, &out);
      if (s.ok()) ++ok;
      if (s.error_code() == grpc::StatusCode::ABORTED) ++aborted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(aborted.load(), 7);
}

TEST_P(ServicesTest, ListPagesThroughEverything) {
  v1::School school = CreateSchool(testing::MakeUai(8));
  Client c = As(Token(school.id(), v1::ROLE_SCHOOL));
  std::set<std::string> created;
  for (int i = 0; i < 23; ++i) {
    v1::CreateGraduateRequest create;
    *create.mutable_graduate() = testing::SampleGraduate(absl::StrCat("p-", i));
    v1::Graduate g;
    ASSERT_TRUE(
        c.graduates->CreateGraduate(c.Context().get(), create, &g).ok());
    created.insert(g.id());
  }
  std::set<std::string> seen;
  v1::ListGraduatesRequest req;
  req.set_page_size(5);
  int pages = 0;
  do {
    v1::ListGraduatesResponse out;
    ASSERT_TRUE(c.graduates->ListGraduates(c.Context().get(), req, &out).ok());
    EXPECT_LE(out.graduates_size(), 5);
    for (const auto& g : out.graduates())
      EXPECT_TRUE(seen.insert(g.id()).second);
    req.set_page_token(out.next_page_token());
    ++pages;
  } while (!req.page_token().empty());
  EXPECT_EQ(seen, created);
  EXPECT_EQ(pages, 5);

  req.set_page_token("garbage!");
  v1::ListGraduatesResponse out;
  grpc::Status s = c.graduates->ListGraduates(c.Context().get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));
}

TEST_P(ServicesTest, DeleteErasesTheGraduateAndTheLogKeepsOnlyIds) {
  v1::School school = CreateSchool(testing::MakeUai(9));
  Client c = As(Token(school.id(), v1::ROLE_SCHOOL));
  v1::CreateGraduateRequest create;
  *create.mutable_graduate() = testing::SampleGraduate("d-1");
  v1::Graduate g;
  ASSERT_TRUE(c.graduates->CreateGraduate(c.Context().get(), create, &g).ok());
  v1::DeleteGraduateRequest del;
  del.set_id(g.id());
  v1::DeleteGraduateResponse deleted;
  ASSERT_TRUE(
      c.graduates->DeleteGraduate(c.Context().get(), del, &deleted).ok());
  v1::GetGraduateRequest get;
  get.set_id(g.id());
  v1::Graduate out;
  EXPECT_EQ(c.graduates->GetGraduate(c.Context().get(), get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CountGraduates(c), 0);
  // The external id is free again.
  ASSERT_TRUE(
      c.graduates->CreateGraduate(c.Context().get(), create, &out).ok());

  // The feed: created, deleted, created; ids only.
  auto context = admin_.Context();
  v1::WatchRequest watch;
  watch.add_kinds(v1::ENTITY_KIND_GRADUATE);
  auto reader = admin_.feed->Watch(context.get(), watch);
  std::vector<v1::ChangeEvent> events;
  v1::ChangeEvent e;
  while (events.size() < 3 && reader->Read(&e)) events.push_back(e);
  context->TryCancel();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].op(), v1::CHANGE_OP_DELETED);
  EXPECT_EQ(events[1].id(), g.id());
  const std::string serialized = events[1].SerializeAsString();
  EXPECT_FALSE(absl::StrContains(serialized, "Clémence"));
  EXPECT_FALSE(absl::StrContains(serialized, "Dupont"));
}

TEST_P(ServicesTest, ImportUpsertsByExternalIdAndReportsEachBadRecord) {
  v1::School school = CreateSchool(testing::MakeUai(10));
  Client c = As(Token(school.id(), v1::ROLE_SCHOOL));
  auto import = [&](const std::vector<v1::Graduate>& records) {
    v1::ImportResponse response;
    auto context = c.Context();
    auto writer = c.graduates->ImportGraduates(context.get(), &response);
    for (const auto& g : records) {
      v1::ImportGraduatesRequest req;
      *req.mutable_graduate() = g;
      EXPECT_TRUE(writer->Write(req));
    }
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  };
  std::vector<v1::Graduate> records;
  for (int i = 0; i < 600; ++i)
    records.push_back(testing::SampleGraduate(absl::StrCat("i-", i)));
  records[10].set_birth_date("10/05/2009");
  records[300].clear_external_id();
  records[599].mutable_home()->set_commune_insee("99999");
  v1::ImportResponse first = import(records);
  EXPECT_EQ(first.received(), 600);
  EXPECT_EQ(first.created(), 597);
  EXPECT_EQ(first.rejected(), 3);
  ASSERT_EQ(first.errors_size(), 3);
  EXPECT_EQ(first.errors(0).index(), 10);
  EXPECT_EQ(first.errors(0).external_id(), "i-10");
  EXPECT_EQ(first.errors(0).field(), "graduate.birth_date");
  EXPECT_EQ(first.errors(1).index(), 300);
  EXPECT_EQ(first.errors(1).field(), "graduate.external_id");
  EXPECT_EQ(first.errors(2).field(), "graduate.home.commune_insee");

  // Again, with one change and a duplicate inside the stream.
  records[10].set_birth_date("2009-05-10");
  records[20].set_max_distance_km(50);
  records.push_back(records[20]);
  v1::ImportResponse second = import(records);
  EXPECT_EQ(second.created(), 1);      // i-10, fixed
  EXPECT_EQ(second.updated(), 1);      // i-20
  EXPECT_EQ(second.unchanged(), 597);  // the rest, and the duplicate of i-20
  EXPECT_EQ(second.rejected(), 2);
  EXPECT_EQ(CountGraduates(c), 498 + 100);

  // New records first, then known ones: a later batch of the same stream
  // meets existing external ids after batches of creations only.
  std::vector<v1::Graduate> mixed;
  for (int i = 0; i < 1100; ++i)
    mixed.push_back(testing::SampleGraduate(absl::StrCat("n-", i)));
  mixed.insert(mixed.end(), records.begin(), records.end());
  v1::ImportResponse third = import(mixed);
  EXPECT_EQ(third.created(), 1100);
  EXPECT_EQ(third.updated(), 0);
  EXPECT_EQ(third.unchanged(), 599);
  EXPECT_EQ(third.rejected(), 2);
  EXPECT_EQ(CountGraduates(c), 498 + 100 + 1100);
}

TEST_P(ServicesTest, OffersBelongToTheirCompanyAndAreSearchable) {
  v1::Company a = CreateCompany(testing::MakeSiret(3));
  v1::Company b = CreateCompany(testing::MakeSiret(4));
  v1::School school = CreateSchool(testing::MakeUai(11));
  Client company_a = As(Token(a.id(), v1::ROLE_COMPANY));
  Client company_b = As(Token(b.id(), v1::ROLE_COMPANY));
  Client school_client = As(Token(school.id(), v1::ROLE_SCHOOL));

  v1::CreateOfferRequest create;
  *create.mutable_offer() = testing::SampleOffer("o-1");
  v1::Offer near;
  ASSERT_TRUE(
      company_a.offers->CreateOffer(company_a.Context().get(), create, &near)
          .ok());
  EXPECT_EQ(near.company_id(), a.id());
  EXPECT_EQ(near.status(), v1::OFFER_STATUS_OPEN);
  *create.mutable_offer() = testing::SampleOffer("o-2");
  create.mutable_offer()->mutable_place()->set_commune_insee(
      "80021");  // Amiens
  v1::Offer far;
  ASSERT_TRUE(
      company_a.offers->CreateOffer(company_a.Context().get(), create, &far)
          .ok());

  v1::GetOfferRequest get;
  get.set_id(near.id());
  v1::Offer out;
  // Another company's offer answers as an unknown id: NOT_FOUND.
  EXPECT_EQ(company_b.offers->GetOffer(company_b.Context().get(), get, &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(
      school_client.offers->GetOffer(school_client.Context().get(), get, &out)
          .ok());

  v1::SearchOffersRequest search;
  search.add_rome_codes("H2903");
  search.set_commune_insee("59350");  // Lille
  search.set_radius_km(30);
  v1::SearchOffersResponse found;
  ASSERT_TRUE(school_client.offers
                  ->SearchOffers(school_client.Context().get(), search, &found)
                  .ok());
  ASSERT_EQ(found.offers_size(), 1);
  EXPECT_EQ(found.offers(0).id(), near.id());
  EXPECT_NEAR(found.distance_km(0), 11, 4);

  // Without a ROME filter, by cells.
  search.clear_rome_codes();
  search.set_radius_km(150);
  ASSERT_TRUE(school_client.offers
                  ->SearchOffers(school_client.Context().get(), search, &found)
                  .ok());
  ASSERT_EQ(found.offers_size(), 2);
  EXPECT_EQ(found.offers(0).id(), near.id());
  EXPECT_EQ(found.offers(1).id(), far.id());

  // Closed offers drop out.
  v1::CloseOfferRequest close;
  close.set_id(near.id());
  ASSERT_TRUE(
      company_a.offers->CloseOffer(company_a.Context().get(), close, &out)
          .ok());
  EXPECT_EQ(out.status(), v1::OFFER_STATUS_CLOSED);
  EXPECT_EQ(out.version(), 2);
  ASSERT_TRUE(school_client.offers
                  ->SearchOffers(school_client.Context().get(), search, &found)
                  .ok());
  ASSERT_EQ(found.offers_size(), 1);
  EXPECT_EQ(found.offers(0).id(), far.id());

  search.set_radius_km(-1);
  grpc::Status s = school_client.offers->SearchOffers(
      school_client.Context().get(), search, &found);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("radius_km"));
}

TEST_P(ServicesTest, OfferValidationNamesTheField) {
  v1::Company a = CreateCompany(testing::MakeSiret(5));
  Client c = As(Token(a.id(), v1::ROLE_COMPANY));
  struct Case {
    std::function<void(v1::Offer*)> mutate;
    std::string field;
  } cases[] = {
      {[](v1::Offer* o) { o->set_positions(0); }, "offer.positions"},
      {[](v1::Offer* o) { o->set_duration_months(4); },
       "offer.duration_months"},
      {[](v1::Offer* o) { o->set_duration_months(37); },
       "offer.duration_months"},
      {[](v1::Offer* o) { o->set_weekly_hours(60); }, "offer.weekly_hours"},
      {[](v1::Offer* o) { o->set_rome_code("H290"); }, "offer.rome_code"},
      {[](v1::Offer* o) { o->set_start_date("2027-02-29"); },
       "offer.start_date"},
      {[](v1::Offer* o) {
         o->set_contract_type(v1::CONTRACT_TYPE_UNSPECIFIED);
       },
       "offer.contract_type"},
      {[](v1::Offer* o) { o->set_monthly_gross_salary_eur(-5); },
       "offer.monthly_gross_salary_eur"},
  };
  for (const Case& k : cases) {
    v1::CreateOfferRequest req;
    *req.mutable_offer() = testing::SampleOffer();
    k.mutate(req.mutable_offer());
    v1::Offer out;
    grpc::Status s = c.offers->CreateOffer(c.Context().get(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << k.field;
    EXPECT_THAT(s.error_message(), StartsWith(k.field));
  }
  v1::ListOffersResponse list;
  ASSERT_TRUE(
      c.offers->ListOffers(c.Context().get(), v1::ListOffersRequest(), &list)
          .ok());
  EXPECT_EQ(list.offers_size(), 0);
}

TEST_P(ServicesTest, WatchReplaysThenTailsAndResumesWithoutGapsOrDuplicates) {
  v1::School school = CreateSchool(testing::MakeUai(12));
  v1::School other = CreateSchool(testing::MakeUai(13));
  Client c = As(Token(school.id(), v1::ROLE_SCHOOL));
  Client o = As(Token(other.id(), v1::ROLE_SCHOOL));
  auto create = [&](Client& client, const std::string& ext) {
    v1::CreateGraduateRequest req;
    *req.mutable_graduate() = testing::SampleGraduate(ext);
    v1::Graduate g;
    EXPECT_TRUE(
        client.graduates->CreateGraduate(client.Context().get(), req, &g).ok());
    return g.id();
  };
  std::vector<std::string> mine;
  for (int i = 0; i < 5; ++i) {
    mine.push_back(create(c, absl::StrCat("w-", i)));
    create(o, absl::StrCat("x-", i));  // not visible to `c`
  }
  // Replay, then tail: 5 old events, then 5 written while watching.
  auto context = c.Context();
  v1::WatchRequest watch;
  watch.add_kinds(v1::ENTITY_KIND_GRADUATE);
  auto reader = c.feed->Watch(context.get(), watch);
  std::vector<v1::ChangeEvent> seen;
  v1::ChangeEvent e;
  while (seen.size() < 5 && reader->Read(&e)) seen.push_back(e);
  std::thread writer([&] {
    for (int i = 5; i < 10; ++i)
      mine.push_back(create(c, absl::StrCat("w-", i)));
  });
  while (seen.size() < 7 && reader->Read(&e)) seen.push_back(e);
  context->TryCancel();
  reader->Finish().IgnoreError();
  writer.join();
  ASSERT_EQ(seen.size(), 7u);
  // Reconnect after the last sequence seen.
  auto context2 = c.Context();
  v1::WatchRequest resume = watch;
  resume.set_since(seen.back().sequence());
  auto reader2 = c.feed->Watch(context2.get(), resume);
  while (seen.size() < 10 && reader2->Read(&e)) seen.push_back(e);
  context2->TryCancel();
  ASSERT_EQ(seen.size(), 10u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].id(), mine[i]) << i;
    EXPECT_EQ(seen[i].school_id(), school.id());
    if (i > 0) {
      EXPECT_GT(seen[i].sequence(), seen[i - 1].sequence());
    }
  }
}

TEST_P(ServicesTest, OversizedRequestsAreRefused) {
  v1::CreateCompanyRequest req;
  *req.mutable_company() = testing::SampleCompany();
  req.mutable_company()->set_name(std::string(5 << 20, 'x'));
  v1::Company out;
  EXPECT_EQ(
      admin_.organizations->CreateCompany(admin_.Context().get(), req, &out)
          .error_code(),
      grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_P(ServicesTest, ProposalServiceIsServed) {
  // Its behaviour is tested in proposals_test.cc.
  v1::SendProposalRequest req;
  req.set_graduate_id("grd_x");
  v1::Proposal out;
  grpc::Status s =
      admin_.proposals->SendProposal(admin_.Context().get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("offer_id"));
}

INSTANTIATE_TEST_SUITE_P(Transports, ServicesTest,
                         ::testing::Values(Transport::kInProcess,
                                           Transport::kLoopback),
                         [](const ::testing::TestParamInfo<Transport>& info) {
                           return info.param == Transport::kInProcess
                                      ? "InProcess"
                                      : "Loopback";
                         });

}  // namespace
}  // namespace passerelle
