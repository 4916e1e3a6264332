// The HTTP/JSON API of a real embedded server (passerelle-server's HTTP
// port, on 127.0.0.1:0): each route family's success path, the error
// mapping (400 naming the field, 401, 403/404, 405, 409, 413, 415) with
// nothing stored on an error, NDJSON imports, Watch as Server-Sent Events
// and the generated OpenAPI document.

#include "tests/testing/http.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "passerelle/v1/referential.pb.h"
#include "services/gateway/cookies.h"
#include "tests/testing/fixture.h"

namespace passerelle {
namespace {

using ::testing::HasSubstr;
using testing::HttpCall;
using testing::HttpResult;

server::Options WithHttp() {
  server::Options options;
  options.http_port = 0;
  return options;
}

template <typename T>
T Parse(const HttpResult& r) {
  T message;
  auto status = google::protobuf::util::JsonStringToMessage(r.body, &message);
  EXPECT_TRUE(status.ok()) << status.message() << " in " << r.body;
  return message;
}

// The "error" object of an error answer.
google::protobuf::Struct Error(const HttpResult& r) {
  google::protobuf::Struct body = Parse<google::protobuf::Struct>(r);
  EXPECT_TRUE(body.fields().count("error")) << r.body;
  return body.fields().at("error").struct_value();
}

std::string ErrorField(const HttpResult& r, const std::string& name) {
  google::protobuf::Struct e = Error(r);
  auto it = e.fields().find(name);
  return it == e.fields().end() ? "" : it->second.string_value();
}

std::string Json(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return out;
}

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = server_.server().http_port();
    ASSERT_GT(port_, 0);
    admin_ = Bearer(server_.admin_token());
  }

  static std::map<std::string, std::string> Bearer(const std::string& token) {
    return {{"Authorization", absl::StrCat("Bearer ", token)}};
  }

  HttpResult Call(const std::string& method, const std::string& target,
                  const std::string& body,
                  const std::map<std::string, std::string>& headers) {
    return HttpCall(port_, method, target, body, headers);
  }

  // Creates a company over HTTP and returns a company token.
  std::string CompanyToken(const std::string& siret, std::string* id) {
    HttpResult created = Call("POST", "/v1/companies",
                              Json(testing::SampleCompany(siret)), admin_);
    EXPECT_EQ(created.status, 200) << created.body;
    *id = Parse<v1::Company>(created).id();
    v1::IssueTokenRequest issue;
    issue.set_organization_id(*id);
    issue.set_role(v1::ROLE_COMPANY);
    HttpResult token = Call("POST", "/v1/tokens", Json(issue), admin_);
    EXPECT_EQ(token.status, 200) << token.body;
    return Parse<v1::IssueTokenResponse>(token).token();
  }

  int CountOffers(const std::map<std::string, std::string>& as) {
    HttpResult list = Call("GET", "/v1/offers?pageSize=500", "", as);
    EXPECT_EQ(list.status, 200) << list.body;
    return Parse<v1::ListOffersResponse>(list).offers_size();
  }

  testing::TestServer server_{WithHttp()};
  int port_ = 0;
  std::map<std::string, std::string> admin_;
};

TEST_F(HttpTest, OpenApiDocumentIsGeneratedAndServed) {
  HttpResult r = Call("GET", "/v1/openapi.json", "", {});
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.headers["content-type"], HasSubstr("application/json"));
  google::protobuf::Struct doc = Parse<google::protobuf::Struct>(r);
  const auto& paths = doc.fields().at("paths").struct_value().fields();
  EXPECT_TRUE(paths.count("/v1/offers/{offer.id}"));
  EXPECT_TRUE(paths.count("/v1/graduates/{graduate_id}/rankedOffers"));
}

TEST_F(HttpTest, OfferLifecycleOverHttp) {
  std::string company_id;
  auto company = Bearer(CompanyToken("73282932000074", &company_id));

  HttpResult created =
      Call("POST", "/v1/offers", Json(testing::SampleOffer("ext-1")), company);
  ASSERT_EQ(created.status, 200) << created.body;
  v1::Offer offer = Parse<v1::Offer>(created);
  EXPECT_EQ(offer.company_id(), company_id);
  EXPECT_EQ(offer.version(), 1);

  HttpResult got = Call("GET", "/v1/offers/" + offer.id(), "", company);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Parse<v1::Offer>(got).title(), offer.title());

  // PATCH with updateMask and the expected version.
  HttpResult patched =
      Call("PATCH", "/v1/offers/" + offer.id() + "?updateMask=title",
           R"({"title": "Décolleteur confirmé", "version": "1"})", company);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(Parse<v1::Offer>(patched).title(), "Décolleteur confirmé");
  EXPECT_EQ(Parse<v1::Offer>(patched).version(), 2);

  // A stale version: 409 ABORTED, nothing changed.
  HttpResult stale =
      Call("PATCH", "/v1/offers/" + offer.id() + "?updateMask=title",
           R"({"title": "Autre", "version": "1"})", company);
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(ErrorField(stale, "status"), "ABORTED");
  EXPECT_EQ(
      Parse<v1::Offer>(Call("GET", "/v1/offers/" + offer.id(), "", company))
          .title(),
      "Décolleteur confirmé");

  HttpResult closed =
      Call("POST", "/v1/offers/" + offer.id() + ":close", "", company);
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(Parse<v1::Offer>(closed).status(), v1::OFFER_STATUS_CLOSED);

  HttpResult search = Call(
      "GET",
      "/v1/offers:search?romeCodes=H2903&includeClosed=true&communeInsee=59350"
      "&radiusKm=50",
      "", company);
  ASSERT_EQ(search.status, 200) << search.body;
  EXPECT_EQ(Parse<v1::SearchOffersResponse>(search).offers_size(), 1);
}

TEST_F(HttpTest, InvalidFieldIs400NamingItAndStoresNothing) {
  std::string company_id;
  auto company = Bearer(CompanyToken("73282932000074", &company_id));
  v1::Offer bad = testing::SampleOffer("bad");
  bad.set_start_date("2027-13-01");
  HttpResult r = Call("POST", "/v1/offers", Json(bad), company);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorField(r, "status"), "INVALID_ARGUMENT");
  EXPECT_EQ(ErrorField(r, "field"), "offer.start_date");
  EXPECT_EQ(Error(r).fields().at("code").number_value(), 400);

  // Malformed JSON, unknown fields, wrong types: 400, nothing stored.
  EXPECT_EQ(Call("POST", "/v1/offers", "{\"title\": ", company).status, 400);
  HttpResult unknown = Call("POST", "/v1/offers", R"({"titel": "x"})", company);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(ErrorField(unknown, "message"), HasSubstr("titel"));
  EXPECT_EQ(
      Call("POST", "/v1/offers", R"({"positions": "many"})", company).status,
      400);
  EXPECT_EQ(CountOffers(company), 0);
}

TEST_F(HttpTest, CallersAndRolesAreTheGrpcOnes) {
  // No token, a bad token: 401.
  HttpResult none = Call("GET", "/v1/offers", "", {});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(ErrorField(none, "status"), "UNAUTHENTICATED");
  EXPECT_EQ(Call("GET", "/v1/offers", "", Bearer("psl_nope")).status, 401);

  // A company may not create companies: 403.
  std::string a_id, b_id;
  auto a = Bearer(CompanyToken("73282932000074", &a_id));
  auto b = Bearer(CompanyToken(testing::MakeSiret(7), &b_id));
  EXPECT_EQ(Call("POST", "/v1/companies",
                 Json(testing::SampleCompany(testing::MakeSiret(8))), a)
                .status,
            403);

  // A company cannot open another company's offer.
  HttpResult created =
      Call("POST", "/v1/offers", Json(testing::SampleOffer("x")), a);
  ASSERT_EQ(created.status, 200);
  const std::string id = Parse<v1::Offer>(created).id();
  HttpResult foreign = Call("GET", "/v1/offers/" + id, "", b);
  // Another tenant's id answers exactly as an unknown one.
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  HttpResult unknown = Call("GET", "/v1/offers/off_unknown", "", a);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorField(foreign, "status"), ErrorField(unknown, "status"));
}

TEST_F(HttpTest, HttpLevelErrors) {
  std::string id;
  auto company = Bearer(CompanyToken("73282932000074", &id));
  // 415: a body that is not JSON.
  auto plain = company;
  plain["Content-Type"] = "text/plain";
  HttpResult type =
      Call("POST", "/v1/offers", Json(testing::SampleOffer("t")), plain);
  EXPECT_EQ(type.status, 415) << type.body;
  auto form = company;
  form["Content-Type"] = "application/x-www-form-urlencoded";
  EXPECT_EQ(Call("POST", "/v1/offers", "title=x", form).status, 415);

  // 413: larger than the limit (4 MiB by default), refused unread.
  v1::Offer huge = testing::SampleOffer("h");
  huge.set_description(std::string(5 << 20, 'x'));
  EXPECT_EQ(Call("POST", "/v1/offers", Json(huge), company).status, 413);

  // 404 for no route, 405 with Allow for a wrong method.
  EXPECT_EQ(Call("GET", "/v1/nowhere", "", company).status, 404);
  HttpResult put = Call("PUT", "/v1/offers/off_1", "{}", company);
  EXPECT_EQ(put.status, 405);
  EXPECT_THAT(put.headers["allow"], HasSubstr("PATCH"));
  // Unknown query parameter.
  HttpResult param = Call("GET", "/v1/offers?colour=red", "", company);
  EXPECT_EQ(param.status, 400);
  EXPECT_EQ(ErrorField(param, "field"), "colour");
  EXPECT_EQ(CountOffers(company), 0);
}

TEST_F(HttpTest, NdjsonImportReportsPerRecordErrors) {
  std::string id;
  auto company = Bearer(CompanyToken("73282932000074", &id));
  company["Content-Type"] = "application/x-ndjson";
  v1::Offer bad = testing::SampleOffer("b");
  bad.set_rome_code("Z9999");
  const std::string body =
      absl::StrCat(Json(testing::SampleOffer("a")), "\n", Json(bad), "\n",
                   Json(testing::SampleOffer("c")), "\n");
  HttpResult r = Call("POST", "/v1/offers:import", body, company);
  ASSERT_EQ(r.status, 200) << r.body;
  v1::ImportResponse counts = Parse<v1::ImportResponse>(r);
  EXPECT_EQ(counts.received(), 3);
  EXPECT_EQ(counts.created(), 2);
  EXPECT_EQ(counts.rejected(), 1);
  ASSERT_EQ(counts.errors_size(), 1);
  EXPECT_EQ(counts.errors(0).index(), 1);
  EXPECT_EQ(counts.errors(0).field(), "offer.rome_code");

  // A malformed line rejects the whole body before anything is sent.
  HttpResult malformed =
      Call("POST", "/v1/offers:import",
           absl::StrCat(Json(testing::SampleOffer("d")), "\n{oops\n"), company);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(ErrorField(malformed, "message"), HasSubstr("line 2"));
  auto json = company;
  json.erase("Content-Type");
  EXPECT_EQ(CountOffers(json), 2);
  // An import takes NDJSON, not JSON.
  json["Content-Type"] = "application/json";
  EXPECT_EQ(Call("POST", "/v1/offers:import", "{}", json).status, 415);
}

TEST_F(HttpTest, RankingAndProposalsOverHttp) {
  // A school with a graduate, a company with an offer that fits.
  HttpResult school =
      Call("POST", "/v1/schools", Json(testing::SampleSchool()), admin_);
  ASSERT_EQ(school.status, 200) << school.body;
  v1::IssueTokenRequest issue;
  issue.set_organization_id(Parse<v1::School>(school).id());
  issue.set_role(v1::ROLE_SCHOOL);
  auto school_auth = Bearer(Parse<v1::IssueTokenResponse>(
                                Call("POST", "/v1/tokens", Json(issue), admin_))
                                .token());
  HttpResult graduate = Call("POST", "/v1/graduates",
                             Json(testing::SampleGraduate("g1")), school_auth);
  ASSERT_EQ(graduate.status, 200) << graduate.body;
  const std::string graduate_id = Parse<v1::Graduate>(graduate).id();
  std::string company_id;
  auto company = Bearer(CompanyToken("73282932000074", &company_id));
  HttpResult offer =
      Call("POST", "/v1/offers", Json(testing::SampleOffer("o1")), company);
  ASSERT_EQ(offer.status, 200) << offer.body;
  const std::string offer_id = Parse<v1::Offer>(offer).id();

  // The matcher follows the change log: wait until it has the offer.
  v1::RankOffersResponse ranked;
  for (int i = 0; i < 3000 && ranked.results_size() == 0; ++i) {
    HttpResult r =
        Call("GET", "/v1/graduates/" + graduate_id + "/rankedOffers?pageSize=5",
             "", school_auth);
    ASSERT_EQ(r.status, 200) << r.body;
    ranked = Parse<v1::RankOffersResponse>(r);
    if (ranked.results_size() == 0) absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(ranked.results_size(), 1);
  EXPECT_EQ(ranked.results(0).offer().id(), offer_id);
  EXPECT_GT(ranked.results(0).factors_size(), 0);

  HttpResult candidates =
      Call("GET", "/v1/offers/" + offer_id + "/rankedGraduates", "", company);
  ASSERT_EQ(candidates.status, 200) << candidates.body;
  v1::RankGraduatesResponse c = Parse<v1::RankGraduatesResponse>(candidates);
  ASSERT_EQ(c.results_size(), 1);
  EXPECT_THAT(candidates.body, ::testing::Not(HasSubstr("Clémence")));

  v1::SendProposalRequest send;
  send.set_offer_id(offer_id);
  send.set_graduate_id(c.results(0).candidate().graduate_id());
  HttpResult sent = Call("POST", "/v1/proposals", Json(send), company);
  ASSERT_EQ(sent.status, 200) << sent.body;
  const std::string proposal_id = Parse<v1::Proposal>(sent).id();

  HttpResult received =
      Call("GET", "/v1/proposals?graduateId=" + graduate_id, "", school_auth);
  ASSERT_EQ(received.status, 200) << received.body;
  EXPECT_EQ(Parse<v1::ListProposalsResponse>(received).proposals_size(), 1);

  HttpResult accepted =
      Call("POST", "/v1/proposals/" + proposal_id + ":respond",
           R"({"accept": true})", school_auth);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(Parse<v1::Proposal>(accepted).state(), v1::PROPOSAL_STATE_ACCEPTED);
  // Answering twice: 400 FAILED_PRECONDITION.
  HttpResult again = Call("POST", "/v1/proposals/" + proposal_id + ":respond",
                          R"({"accept": true})", school_auth);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(ErrorField(again, "status"), "FAILED_PRECONDITION");

  HttpResult stats = Call("GET", "/v1/placementStats", "", admin_);
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_EQ(Parse<v1::PlacementStats>(stats).placed(), 1);
}

TEST_F(HttpTest, WatchStreamsServerSentEvents) {
  std::string id;
  auto company = Bearer(CompanyToken("73282932000074", &id));
  ASSERT_EQ(Call("POST", "/v1/offers", Json(testing::SampleOffer("w")), company)
                .status,
            200);
  int status = 0;
  std::vector<std::string> events = testing::ReadEvents(
      port_, "/v1/changes?since=0", server_.admin_token(), 3, &status);
  EXPECT_EQ(status, 200);
  ASSERT_EQ(events.size(), 3u);
  uint64_t last = 0;
  for (const std::string& e : events) {
    v1::ChangeEvent event;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(e, &event).ok())
        << e;
    EXPECT_GT(event.sequence(), last);
    last = event.sequence();
  }
  // Without a token the stream answers 200 then an error event, or 401.
  std::vector<std::string> denied =
      testing::ReadEvents(port_, "/v1/changes", "psl_nope", 1, &status);
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_THAT(denied[0], HasSubstr("UNAUTHENTICATED"));
}

// The web application's files, outside /v1/, with a strict CSP; nothing
// outside the web directory is reachable.
TEST_F(HttpTest, ServesTheWebApplication) {
  HttpResult index = Call("GET", "/", "", {});
  ASSERT_EQ(index.status, 200);
  EXPECT_THAT(index.headers["content-type"], HasSubstr("text/html"));
  EXPECT_THAT(index.headers["content-security-policy"],
              HasSubstr("default-src 'self'"));
  EXPECT_EQ(index.headers["x-frame-options"], "DENY");
  // A page route without an extension is the application's page.
  EXPECT_EQ(Call("GET", "/offres/off_1", "", {}).body, index.body);
  EXPECT_EQ(Call("GET", "/../../etc/passwd", "", {}).status, 404);
  EXPECT_EQ(Call("GET", "/%2e%2e/etc/passwd", "", {}).status, 404);
  EXPECT_EQ(Call("GET", "/.hidden.txt", "", {}).status, 404);
  EXPECT_EQ(Call("GET", "/missing.js", "", {}).status, 404);
  EXPECT_EQ(Call("POST", "/", "{}", {}).status, 405);
}

// A browser session rides in the psl_session cookie (any token the services
// accept); its state-changing requests need the X-CSRF-Token derived from
// it, and a cross-site request is refused whatever it carries.
TEST_F(HttpTest, CookieSessionsNeedTheCsrfTokenAndSameOrigin) {
  const std::string cookie =
      absl::StrCat("psl_session=", server_.admin_token(), "; other=1");
  EXPECT_EQ(Call("GET", "/v1/schools", "", {{"Cookie", cookie}}).status, 200);

  const std::string school = Json(testing::SampleSchool());
  HttpResult no_csrf =
      Call("POST", "/v1/schools", school, {{"Cookie", cookie}});
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  EXPECT_EQ(ErrorField(no_csrf, "field"), "csrf");
  HttpResult wrong = Call("POST", "/v1/schools", school,
                          {{"Cookie", cookie}, {"X-CSRF-Token", "forged"}});
  EXPECT_EQ(wrong.status, 403);
  HttpResult list = Call("GET", "/v1/schools", "", {{"Cookie", cookie}});
  EXPECT_EQ(Parse<v1::ListSchoolsResponse>(list).schools_size(), 0);

  // A cross-site form POST: refused before anything else.
  HttpResult cross =
      Call("POST", "/v1/schools", "uai=0596781A",
           {{"Cookie", cookie},
            {"Origin", "http://evil.example"},
            {"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(cross.status, 403) << cross.body;
  EXPECT_EQ(ErrorField(cross, "field"), "origin");

  HttpResult ok =
      Call("POST", "/v1/schools", school,
           {{"Cookie", cookie},
            {"X-CSRF-Token", gateway::CsrfToken(server_.admin_token())},
            {"Origin", absl::StrCat("http://127.0.0.1:", port_)}});
  EXPECT_EQ(ok.status, 200) << ok.body;
}

// A person signs in over HTTP: the session goes in an HttpOnly, Secure,
// SameSite=Strict cookie and never in the body; the page reads the CSRF
// token from its own cookie; signing out expires both and ends the session.
TEST_F(HttpTest, APersonSignsInWithASessionCookie) {
  std::string company_id;
  CompanyToken("73282932000074", &company_id);
  v1::InviteUserRequest invite;
  invite.set_organization_id(company_id);
  invite.set_email("recrutement@decolletage-exemple.fr");
  invite.set_role(v1::ROLE_COMPANY);
  HttpResult invited = Call("POST", "/v1/invitations", Json(invite), admin_);
  ASSERT_EQ(invited.status, 200) << invited.body;
  v1::AcceptInvitationRequest accept;
  accept.set_invitation_token(Parse<v1::Invitation>(invited).token());
  accept.set_password("Tournage-et-fraisage-2027");
  accept.set_display_name("Nadia Recruteuse");
  HttpResult accepted =
      Call("POST", "/v1/invitations:accept", Json(accept), {});
  ASSERT_EQ(accepted.status, 200) << accepted.body;

  HttpResult wrong = Call(
      "POST", "/v1/sessions",
      R"({"email": "recrutement@decolletage-exemple.fr", "password": "nope nope nope"})",
      {});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.headers.count("set-cookie"), 0u);

  HttpResult signed_in = Call(
      "POST", "/v1/sessions",
      R"({"email": "recrutement@decolletage-exemple.fr", "password": "Tournage-et-fraisage-2027"})",
      {});
  ASSERT_EQ(signed_in.status, 200) << signed_in.body;
  EXPECT_TRUE(Parse<v1::SignInResponse>(signed_in).session_token().empty())
      << "the session token must not be readable by the page";
  const std::string set_cookie = signed_in.headers["set-cookie"];
  EXPECT_THAT(set_cookie, HasSubstr("Secure"));
  EXPECT_THAT(set_cookie, HasSubstr("SameSite=Strict"));
  std::string session;
  for (const std::string& c : signed_in.set_cookies) {
    if (absl::StartsWith(c, "psl_session=")) {
      EXPECT_THAT(c, HasSubstr("HttpOnly"));
      session = c.substr(12, c.find(';') - 12);
    } else {
      EXPECT_THAT(c, ::testing::Not(HasSubstr("HttpOnly")));  // psl_csrf
    }
  }
  ASSERT_FALSE(session.empty());
  const std::string cookie = "psl_session=" + session;

  HttpResult who = Call("GET", "/v1/whoami", "", {{"Cookie", cookie}});
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(Parse<v1::WhoAmIResponse>(who).organization_id(), company_id);
  EXPECT_EQ(Parse<v1::WhoAmIResponse>(who).role(), v1::ROLE_COMPANY);

  const std::string csrf = gateway::CsrfToken(session);
  HttpResult offer = Call("POST", "/v1/offers", Json(testing::SampleOffer("s")),
                          {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(offer.status, 200) << offer.body;

  HttpResult out = Call("POST", "/v1/sessions:signOut", "",
                        {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  ASSERT_EQ(out.status, 200) << out.body;
  for (const std::string& c : out.set_cookies) {
    EXPECT_THAT(c, HasSubstr("Max-Age=0"));
  }
  EXPECT_EQ(out.set_cookies.size(), 2u);
  EXPECT_EQ(Call("GET", "/v1/whoami", "", {{"Cookie", cookie}}).status, 401);
}

TEST_F(HttpTest, CommunesAndTradesForAutocompletion) {
  std::string company_id;
  auto company = Bearer(CompanyToken("73282932000074", &company_id));
  HttpResult communes =
      Call("GET", "/v1/communes?query=st%20omer&pageSize=3", "", company);
  ASSERT_EQ(communes.status, 200) << communes.body;
  auto found = Parse<v1::SearchCommunesResponse>(communes);
  ASSERT_GE(found.communes_size(), 1);
  ASSERT_LE(found.communes_size(), 3);
  EXPECT_EQ(found.communes(0).insee(), "62765");
  EXPECT_EQ(found.communes(0).name(), "Saint-Omer");
  EXPECT_THAT(found.communes(0).postal_codes(), ::testing::Contains("62500"));

  HttpResult trades =
      Call("GET", "/v1/trades?query=soudeur%20tig", "", company);
  ASSERT_EQ(trades.status, 200) << trades.body;
  auto t = Parse<v1::SearchTradesResponse>(trades);
  ASSERT_GE(t.trades_size(), 1);
  EXPECT_FALSE(t.trades(0).rome_code().empty());
  EXPECT_THAT(t.trades(0).appellation() + t.trades(0).rome_title(),
              HasSubstr("TIG"));

  // Errors name the field; no token is a 401 (the data is public, the
  // service is not).
  HttpResult empty = Call("GET", "/v1/communes?query=", "", company);
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(ErrorField(empty, "field"), "query");
  HttpResult big =
      Call("GET", "/v1/trades?query=soud&pageSize=51", "", company);
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(ErrorField(big, "field"), "page_size");
  EXPECT_EQ(Call("GET", "/v1/communes?query=lille", "", {}).status, 401);
}

TEST_F(HttpTest, PlacementStatsGroupedOverHttp) {
  HttpResult bad =
      Call("GET", "/v1/placementStats?groupBy=BY_NOTHING", "", admin_);
  EXPECT_EQ(bad.status, 400) << bad.body;
  HttpResult ok =
      Call("GET", "/v1/placementStats?groupBy=PLACEMENT_STATS_GROUP_BY_REGION",
           "", admin_);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Parse<v1::PlacementStats>(ok).groups_size(), 0);  // no graduates
}

TEST_F(HttpTest, CddOfferNeedsItsMotiveAndALawfulLength) {
  std::string company_id;
  auto company = Bearer(CompanyToken("73282932000074", &company_id));
  v1::Offer cdd = testing::SampleOffer("cdd-1");
  cdd.set_contract_type(v1::CONTRACT_TYPE_CDD);
  cdd.set_duration_months(12);
  cdd.clear_target_diploma();
  HttpResult missing = Call("POST", "/v1/offers", Json(cdd), company);
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(ErrorField(missing, "field"), "offer.cdd_motive");
  EXPECT_EQ(CountOffers(company), 0);

  cdd.set_cdd_motive(v1::CDD_MOTIVE_TEMPORARY_INCREASE);
  HttpResult created = Call("POST", "/v1/offers", Json(cdd), company);
  ASSERT_EQ(created.status, 200) << created.body;
  v1::Offer stored = Parse<v1::Offer>(created);
  EXPECT_EQ(stored.cdd_motive(), v1::CDD_MOTIVE_TEMPORARY_INCREASE);

  // Awaiting a permanent hire: 9 months at most (L1242-8-1).
  v1::Offer patch;
  patch.set_cdd_motive(v1::CDD_MOTIVE_AWAITING_PERMANENT_HIRE);
  patch.set_version(stored.version());
  const std::string target =
      absl::StrCat("/v1/offers/", stored.id(), "?updateMask=cddMotive");
  HttpResult too_long = Call("PATCH", target, Json(patch), company);
  EXPECT_EQ(too_long.status, 400) << too_long.body;
  EXPECT_EQ(ErrorField(too_long, "field"), "offer.duration_months");
  patch.set_duration_months(9);
  HttpResult ok = Call("PATCH",
                       absl::StrCat("/v1/offers/", stored.id(),
                                    "?updateMask=cddMotive,durationMonths"),
                       Json(patch), company);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Parse<v1::Offer>(ok).duration_months(), 9);
}

}  // namespace
}  // namespace passerelle
