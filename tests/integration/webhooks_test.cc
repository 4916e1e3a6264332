// Integrations (issue #10): signed webhooks from the outbox, delivered at
// least once to receivers on 127.0.0.1 that fail, time out and answer
// slowly at random; nothing to the wrong organization, nothing a company
// may not see; one resource's events in order; secret rotation; an endpoint
// disabled after a day of failures; the acknowledged pull feed; and a
// `kill -9` of the real server between the commits and their delivery.

#include "services/integration/webhooks.h"

#include <signal.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "clients/cli/cli.h"
#include "glog/logging.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "passerelle/v1/integration.grpc.pb.h"
#include "tests/testing/fake_receiver.h"
#include "tests/testing/fixture.h"
#include "tests/testing/subprocess.h"

namespace passerelle {
namespace {

using testing::Client;
using testing::FakeReceiver;
using ::testing::HasSubstr;
using testing::TestServer;
using testing::Transport;

constexpr Transport kNet = Transport::kLoopback;

std::atomic<int64_t> clock_offset_s{0};

server::Options WebhookOptions() {
  server::Options options;
  options.webhook_allowed_hosts = {"127.0.0.1"};
  options.webhook_retry_base = absl::Milliseconds(50);
  options.webhook_timeout = absl::Milliseconds(800);
  options.clock = [] {
    return absl::Now() + absl::Seconds(clock_offset_s.load());
  };
  return options;
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  return context;
}

// Whether a request carries a valid signature made with one of `secrets`.
bool SignedWith(const FakeReceiver::Request& r,
                const std::vector<std::string>& secrets, int* valid = nullptr) {
  auto header = [&](const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  };
  int64_t timestamp = 0;
  if (!absl::SimpleAtoi(header("webhook-timestamp"), &timestamp)) return false;
  int matched = 0;
  for (absl::string_view sig :
       absl::StrSplit(header("webhook-signature"), ' ', absl::SkipEmpty())) {
    for (const std::string& secret : secrets) {
      absl::StatusOr<std::string> expected = integration::SignWebhook(
          secret, header("webhook-id"), timestamp, r.body);
      if (expected.ok() && *expected == sig) ++matched;
    }
  }
  if (valid != nullptr) *valid = matched;
  return matched > 0;
}

v1::Event ParseEvent(const std::string& body) {
  v1::Event e;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(body, &e).ok())
      << body;
  return e;
}

// The events a receiver got answered with a 2xx, by webhook-id (first
// arrival kept).
std::map<std::string, v1::Event> Delivered(FakeReceiver& receiver) {
  std::map<std::string, v1::Event> out;
  for (const FakeReceiver::Request& r : receiver.requests()) {
    if (r.status < 200 || r.status >= 300) continue;
    v1::Event e = ParseEvent(r.body);
    out.emplace(e.id(), e);
  }
  return out;
}

class WebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_offset_s = 0;
    admin_ = server_.NewClient(kNet, server_.admin_token());
    school_ = testing::CreateSchoolClient(server_, kNet, admin_,
                                          testing::MakeUai(1), &school_rec_);
    company_a_ = testing::CreateCompanyClient(
        server_, kNet, admin_, testing::MakeSiret(1), &company_a_rec_);
    company_b_ = testing::CreateCompanyClient(
        server_, kNet, admin_, testing::MakeSiret(2), &company_b_rec_);
  }
  void TearDown() override { clock_offset_s = 0; }

  std::unique_ptr<v1::IntegrationService::Stub> Stub() {
    return v1::IntegrationService::NewStub(server_.Channel(kNet));
  }

  grpc::Status CreateEndpoint(const Client& as, const std::string& url,
                              v1::WebhookEndpoint* out,
                              std::vector<std::string> types = {}) {
    v1::CreateWebhookEndpointRequest req;
    req.mutable_endpoint()->set_url(url);
    for (const std::string& t : types)
      req.mutable_endpoint()->add_event_types(t);
    return Stub()->CreateWebhookEndpoint(Context(as.token).get(), req, out);
  }

  v1::Graduate NewGraduate(const std::string& external_id,
                           const std::string& given_name) {
    v1::Graduate g = testing::SampleGraduate(external_id);
    g.set_given_name(given_name);
    g.set_birth_date("2005-03-01");  // an adult: answers alone
    v1::CreateGraduateRequest req;
    *req.mutable_graduate() = g;
    v1::Graduate out;
    grpc::Status s =
        school_.graduates->CreateGraduate(school_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::Offer NewOffer(Client& company, const std::string& external_id,
                     int positions) {
    v1::Offer o = testing::SampleOffer(external_id);
    o.set_positions(positions);
    v1::CreateOfferRequest req;
    *req.mutable_offer() = o;
    v1::Offer out;
    grpc::Status s =
        company.offers->CreateOffer(company.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::Proposal Send(Client& company, const v1::Offer& offer,
                    const v1::Graduate& g) {
    v1::SendProposalRequest req;
    req.set_offer_id(offer.id());
    req.set_graduate_id(testing::CandidateId(server_, offer.id(), g.id()));
    v1::Proposal out;
    grpc::Status s =
        company.proposals->SendProposal(company.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  void Answer(const std::string& proposal_id, bool accept) {
    v1::RespondToProposalRequest req;
    req.set_proposal_id(proposal_id);
    req.set_accept(accept);
    v1::Proposal out;
    grpc::Status s = school_.proposals->RespondToProposal(
        school_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  TestServer server_{WebhookOptions()};
  Client admin_, school_, company_a_, company_b_;
  v1::School school_rec_;
  v1::Company company_a_rec_, company_b_rec_;
};

TEST_F(WebhooksTest, SignedAtLeastOnceToTheRightOrganizationInOrder) {
  // Receivers that fail, time out and answer slowly at random (seeded).
  auto flaky = [](uint32_t seed) {
    auto random = std::make_shared<std::mt19937>(seed);
    return [random](const FakeReceiver::Request&) {
      FakeReceiver::Reply reply;
      const int roll = std::uniform_int_distribution<int>(0, 99)(*random);
      if (roll < 30) {
        reply.status = 500;
      } else if (roll < 40) {
        reply.hang = true;  // past the 800 ms timeout
      } else if (roll < 50) {
        reply.delay = absl::Milliseconds(200);
      }
      return reply;
    };
  };
  FakeReceiver at_a(flaky(1)), at_b(flaky(2)), at_school(flaky(3));
  v1::WebhookEndpoint ep_a, ep_b, ep_school;
  ASSERT_TRUE(CreateEndpoint(company_a_, at_a.url(), &ep_a).ok());
  ASSERT_TRUE(CreateEndpoint(company_b_, at_b.url(), &ep_b).ok());
  ASSERT_TRUE(CreateEndpoint(school_, at_school.url(), &ep_school).ok());
  EXPECT_TRUE(absl::StartsWith(ep_a.secret(), "whsec_"));

  const v1::Graduate lina = NewGraduate("EP-1", "Lina");
  const v1::Graduate yanis = NewGraduate("EP-2", "Yanis");
  const v1::Offer a1 = NewOffer(company_a_, "A-1", 1);
  const v1::Offer a2 = NewOffer(company_a_, "A-2", 3);
  const v1::Offer b1 = NewOffer(company_b_, "B-1", 2);
  const v1::Proposal pa1 = Send(company_a_, a1, lina);
  const v1::Proposal pa2 = Send(company_a_, a2, yanis);
  const v1::Proposal pb1 = Send(company_b_, b1, lina);
  Answer(pa1.id(), true);   // Lina placed at A; B's proposal superseded
  Answer(pa2.id(), false);  // Yanis declines A's other offer

  // What each organization must get, by (type, resource).
  using Key = std::pair<std::string, std::string>;
  const std::set<Key> want_a = {{"proposal.accepted", pa1.id()},
                                {"offer.filled", a1.id()},
                                {"proposal.declined", pa2.id()}};
  const std::set<Key> want_b = {{"proposal.superseded", pb1.id()}};
  const std::set<Key> want_school = {
      {"proposal.received", pa1.id()},  {"proposal.received", pa2.id()},
      {"proposal.received", pb1.id()},  {"proposal.accepted", pa1.id()},
      {"graduate.placed", lina.id()},   {"proposal.declined", pa2.id()},
      {"proposal.superseded", pb1.id()}};
  auto keys = [](FakeReceiver& r) {
    std::set<Key> out;
    for (const auto& [id, e] : Delivered(r))
      out.insert({e.type(), e.resource_id()});
    return out;
  };
  for (const auto& [receiver, want] :
       std::vector<std::pair<FakeReceiver*, const std::set<Key>*>>{
           {&at_a, &want_a}, {&at_b, &want_b}, {&at_school, &want_school}}) {
    EXPECT_TRUE(receiver->WaitUntil(
        [&](const auto&) { return keys(*receiver) == *want; },
        absl::Seconds(60)))
        << "delivered: " << keys(*receiver).size() << " of " << want->size();
  }

  // Every request signed with its endpoint's secret, for its organization.
  struct Check {
    FakeReceiver* receiver;
    const v1::WebhookEndpoint* endpoint;
    std::string org;
  };
  for (const Check& c : {Check{&at_a, &ep_a, company_a_rec_.id()},
                         Check{&at_b, &ep_b, company_b_rec_.id()},
                         Check{&at_school, &ep_school, school_rec_.id()}}) {
    for (const FakeReceiver::Request& r : c.receiver->requests()) {
      EXPECT_TRUE(SignedWith(r, {c.endpoint->secret()})) << r.body;
      EXPECT_EQ(r.headers.at("webhook-id"), ParseEvent(r.body).id());
      EXPECT_EQ(ParseEvent(r.body).organization_id(), c.org) << r.body;
    }
  }
  // A company learns no name before acceptance: B's supersession (Lina
  // accepted elsewhere) carries the candidate id and no name; A's
  // acceptance names her.
  for (const auto& [id, e] : Delivered(at_b)) {
    const std::string body = e.DebugString();
    EXPECT_EQ(body.find("Lina"), std::string::npos) << body;
    EXPECT_EQ(body.find(lina.id()), std::string::npos) << body;
  }
  bool named = false;
  for (const auto& [id, e] : Delivered(at_a)) {
    if (e.type() == "proposal.accepted") {
      named = e.DebugString().find("Lina") != std::string::npos;
    }
    if (e.type() == "proposal.declined") {
      EXPECT_EQ(e.DebugString().find("Yanis"), std::string::npos);
    }
  }
  EXPECT_TRUE(named) << "the accepting company gets the name";
  // One resource's events reach an endpoint in commit order: for the
  // school, pa1's received before its accepted, pb1's received before its
  // superseded (first successful arrivals).
  std::map<std::string, uint64_t> last_sequence;
  std::set<std::string> seen;
  for (const FakeReceiver::Request& r : at_school.requests()) {
    if (r.status != 200) continue;
    const v1::Event e = ParseEvent(r.body);
    if (!seen.insert(e.id()).second) continue;
    EXPECT_GE(e.sequence(), last_sequence[e.resource_id()])
        << e.type() << " of " << e.resource_id() << " out of order";
    last_sequence[e.resource_id()] = e.sequence();
  }
  // The delivery log says what happened.
  v1::ListWebhookDeliveriesRequest log_req;
  log_req.set_endpoint_id(ep_school.id());
  v1::ListWebhookDeliveriesResponse log;
  ASSERT_TRUE(
      Stub()
          ->ListWebhookDeliveries(Context(school_.token).get(), log_req, &log)
          .ok());
  EXPECT_EQ(log.deliveries_size(), static_cast<int>(want_school.size()));
  int retried = 0;
  for (const v1::WebhookDelivery& d : log.deliveries()) {
    EXPECT_EQ(d.state(), v1::WEBHOOK_DELIVERY_STATE_DELIVERED)
        << d.DebugString();
    EXPECT_GE(d.attempts(), 1);
    retried += d.attempts() > 1;
  }
  // Another organization cannot read that log, nor delete the endpoint.
  EXPECT_EQ(Stub()
                ->ListWebhookDeliveries(Context(company_a_.token).get(),
                                        log_req, &log)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::DeleteWebhookEndpointRequest del;
  del.set_id(ep_school.id());
  v1::DeleteWebhookEndpointResponse deleted;
  EXPECT_EQ(Stub()
                ->DeleteWebhookEndpoint(Context(company_b_.token).get(), del,
                                        &deleted)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  LOG(INFO) << "school deliveries retried at least once: " << retried << " of "
            << log.deliveries_size();
}

TEST_F(WebhooksTest, EndpointsAreCheckedAndTheirSecretsRotate) {
  v1::WebhookEndpoint ep;
  struct Bad {
    std::string url;
    std::vector<std::string> types;
    const char* says;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"https://10.1.2.3/hook", {}, "private"},
           {"http://hooks.example.fr/x", {}, "https:// required"},
           {"https://169.254.169.254/latest", {}, "private"},
           {"", {}, "endpoint.url: required"},
           {"https://hooks.example.fr/x", {"proposal.eaten"}, "event_types[0]"},
       }) {
    grpc::Status s = CreateEndpoint(company_a_, bad.url, &ep, bad.types);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad.url;
    EXPECT_THAT(s.error_message(), HasSubstr(bad.says)) << bad.url;
  }
  v1::ListWebhookEndpointsResponse listed;
  ASSERT_TRUE(Stub()
                  ->ListWebhookEndpoints(Context(company_a_.token).get(),
                                         v1::ListWebhookEndpointsRequest(),
                                         &listed)
                  .ok());
  EXPECT_EQ(listed.endpoints_size(), 0) << "nothing stored on refusal";

  // Rotation: both secrets sign during the window.
  FakeReceiver receiver;
  ASSERT_TRUE(
      CreateEndpoint(school_, receiver.url(), &ep, {"proposal.received"}).ok());
  v1::RotateWebhookSecretRequest rotate;
  rotate.set_id(ep.id());
  rotate.set_previous_valid_hours(2);
  v1::WebhookEndpoint rotated;
  ASSERT_TRUE(
      Stub()
          ->RotateWebhookSecret(Context(school_.token).get(), rotate, &rotated)
          .ok());
  EXPECT_NE(rotated.secret(), ep.secret());
  const v1::Graduate g = NewGraduate("EP-9", "Inès");
  const v1::Offer o = NewOffer(company_a_, "A-9", 1);
  Send(company_a_, o, g);
  ASSERT_TRUE(receiver.WaitUntil([](const auto& r) { return !r.empty(); },
                                 absl::Seconds(20)));
  int valid = 0;
  EXPECT_TRUE(SignedWith(receiver.requests()[0], {ep.secret()}, &valid));
  EXPECT_TRUE(SignedWith(receiver.requests()[0], {rotated.secret()}));
  EXPECT_EQ(valid, 1);
  // Past the window: the new secret only.
  clock_offset_s = 3 * 3600;
  Send(company_a_, NewOffer(company_a_, "A-10", 1), g);
  ASSERT_TRUE(receiver.WaitUntil([](const auto& r) { return r.size() >= 2; },
                                 absl::Seconds(20)));
  EXPECT_FALSE(SignedWith(receiver.requests()[1], {ep.secret()}));
  EXPECT_TRUE(SignedWith(receiver.requests()[1], {rotated.secret()}));
  // Listings never show a secret.
  ASSERT_TRUE(Stub()
                  ->ListWebhookEndpoints(Context(school_.token).get(),
                                         v1::ListWebhookEndpointsRequest(),
                                         &listed)
                  .ok());
  ASSERT_EQ(listed.endpoints_size(), 1);
  EXPECT_TRUE(listed.endpoints(0).secret().empty());
}

TEST_F(WebhooksTest, AnEndpointFailingForADayIsDisabledAndItsOwnerTold) {
  FakeReceiver down([](const FakeReceiver::Request&) {
    FakeReceiver::Reply reply;
    reply.status = 503;
    return reply;
  });
  v1::WebhookEndpoint ep;
  ASSERT_TRUE(CreateEndpoint(school_, down.url(), &ep).ok());
  v1::CreateEventSubscriptionRequest sub_req;
  sub_req.mutable_subscription()->add_event_types("webhook.endpoint_disabled");
  v1::EventSubscription sub;
  ASSERT_TRUE(
      Stub()
          ->CreateEventSubscription(Context(school_.token).get(), sub_req, &sub)
          .ok());
  Send(company_a_, NewOffer(company_a_, "A-1", 1), NewGraduate("EP-1", "Lina"));
  ASSERT_TRUE(down.WaitUntil([](const auto& r) { return r.size() >= 2; },
                             absl::Seconds(20)));
  clock_offset_s = 25 * 3600;  // a day of failures later
  v1::ListEventsRequest list;
  list.set_subscription(sub.id());
  v1::ListEventsResponse events;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {
    absl::SleepFor(absl::Milliseconds(100));
    ASSERT_TRUE(
        Stub()->ListEvents(Context(school_.token).get(), list, &events).ok());
  } while (events.events_size() == 0 && absl::Now() < deadline);
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).type(), "webhook.endpoint_disabled");
  EXPECT_EQ(events.events(0).resource_id(), ep.id());
  v1::ListWebhookEndpointsResponse listed;
  ASSERT_TRUE(Stub()
                  ->ListWebhookEndpoints(Context(school_.token).get(),
                                         v1::ListWebhookEndpointsRequest(),
                                         &listed)
                  .ok());
  ASSERT_EQ(listed.endpoints_size(), 1);
  EXPECT_EQ(listed.endpoints(0).state(), v1::WEBHOOK_ENDPOINT_STATE_DISABLED);
  EXPECT_THAT(listed.endpoints(0).disabled_reason(), HasSubstr("503"));
  // Disabled: nothing more is sent.
  const size_t before = down.requests().size();
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(down.requests().size(), before);
  // Enabled again by its owner, it resumes (the receiver is back).
  down.set_policy(
      [](const FakeReceiver::Request&) { return FakeReceiver::Reply(); });
  v1::EnableWebhookEndpointRequest enable;
  enable.set_id(ep.id());
  v1::WebhookEndpoint enabled;
  ASSERT_TRUE(Stub()
                  ->EnableWebhookEndpoint(Context(school_.token).get(), enable,
                                          &enabled)
                  .ok());
  EXPECT_TRUE(down.WaitUntil(
      [](const auto& rs) {
        for (const auto& r : rs) {
          if (r.status == 200) return true;
        }
        return false;
      },
      absl::Seconds(20)));
}

TEST_F(WebhooksTest, ThePullFeedGivesWhatIsNotAcknowledged) {
  v1::CreateEventSubscriptionRequest sub_req;
  sub_req.mutable_subscription()->set_description("i-milo");
  v1::EventSubscription sub;
  ASSERT_TRUE(
      Stub()
          ->CreateEventSubscription(Context(school_.token).get(), sub_req, &sub)
          .ok());
  const v1::Graduate g = NewGraduate("EP-1", "Lina");
  std::vector<v1::Proposal> sent;
  for (int i = 0; i < 3; ++i) {
    sent.push_back(
        Send(company_a_, NewOffer(company_a_, absl::StrCat("A-", i), 2), g));
  }
  v1::ListEventsRequest list;
  list.set_subscription(sub.id());
  v1::ListEventsResponse events;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  do {
    absl::SleepFor(absl::Milliseconds(50));
    ASSERT_TRUE(
        Stub()->ListEvents(Context(school_.token).get(), list, &events).ok());
  } while (events.events_size() < 3 && absl::Now() < deadline);
  ASSERT_EQ(events.events_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(events.events(i).type(), "proposal.received");
    EXPECT_EQ(events.events(i).resource_id(), sent[i].id());
    if (i > 0) {
      EXPECT_GT(events.events(i).sequence(), events.events(i - 1).sequence());
    }
  }
  // Not acknowledged: the same again.
  v1::ListEventsResponse again;
  ASSERT_TRUE(
      Stub()->ListEvents(Context(school_.token).get(), list, &again).ok());
  EXPECT_EQ(again.events_size(), 3);
  v1::AckEventsRequest ack;
  ack.set_subscription(sub.id());
  ack.set_up_to(events.events(1).sequence());
  v1::AckEventsResponse acked;
  ASSERT_TRUE(
      Stub()->AckEvents(Context(school_.token).get(), ack, &acked).ok());
  EXPECT_EQ(acked.acknowledged(), 2);
  EXPECT_EQ(acked.acked_sequence(), events.events(1).sequence());
  ASSERT_TRUE(
      Stub()->ListEvents(Context(school_.token).get(), list, &again).ok());
  ASSERT_EQ(again.events_size(), 1);
  EXPECT_EQ(again.events(0).id(), events.events(2).id());
  // The same payload as a webhook's: the proposal as the school sees it.
  EXPECT_TRUE(again.events(0).data().fields().contains("proposal"));
  // Another organization's subscription is unknown to a company; a bad
  // acknowledgement names its field.
  EXPECT_EQ(Stub()
                ->ListEvents(Context(company_a_.token).get(), list, &again)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  ack.set_up_to(0);
  grpc::Status s = Stub()->AckEvents(Context(school_.token).get(), ack, &acked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("up_to"));
  // After a restart, the position holds.
  server_.Restart();
  ASSERT_TRUE(
      Stub()->ListEvents(Context(school_.token).get(), list, &again).ok());
  ASSERT_EQ(again.events_size(), 1);
  EXPECT_EQ(again.events(0).id(), events.events(2).id());
  // Deleted by its organization only; then gone, its events with it.
  v1::DeleteEventSubscriptionRequest del;
  del.set_id(sub.id());
  v1::DeleteEventSubscriptionResponse deleted;
  s = Stub()->DeleteEventSubscription(Context(company_a_.token).get(), del,
                                      &deleted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("id: "));
  s = Stub()->DeleteEventSubscription(Context(school_.token).get(), del,
                                      &deleted);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Stub()
                ->ListEvents(Context(school_.token).get(), list, &again)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListEventSubscriptionsRequest subs_req;
  v1::ListEventSubscriptionsResponse subs;
  ASSERT_TRUE(Stub()
                  ->ListEventSubscriptions(Context(school_.token).get(),
                                           subs_req, &subs)
                  .ok());
  EXPECT_EQ(subs.subscriptions_size(), 0);
  s = Stub()->DeleteEventSubscription(Context(school_.token).get(), del,
                                      &deleted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  del.clear_id();
  s = Stub()->DeleteEventSubscription(Context(school_.token).get(), del,
                                      &deleted);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("id: required"));
  // Events after the deletion go nowhere, and break nothing (a client on
  // the restarted server's port).
  testing::Client company = server_.NewClient(kNet, company_a_.token);
  EXPECT_FALSE(Send(company, NewOffer(company, "A-9", 1), g).id().empty());
}

TEST_F(WebhooksTest, PlacementsExportForThePartnersOwnRecords) {
  const v1::Graduate lina = NewGraduate("EP-1", "Lina");
  const v1::Graduate yanis = NewGraduate("EP-2", "Yanis");
  const v1::Offer a1 = NewOffer(company_a_, "A-1", 1);
  const v1::Offer b1 = NewOffer(company_b_, "B-1", 1);
  const v1::Proposal accepted = Send(company_a_, a1, lina);
  const v1::Proposal pending = Send(company_b_, b1, yanis);
  Answer(accepted.id(), true);
  // A title a spreadsheet would run as a formula.
  v1::Offer formula = testing::SampleOffer("B-2");
  formula.set_title("=SOMME(A1:A9) apprenti");
  v1::CreateOfferRequest create;
  *create.mutable_offer() = formula;
  ASSERT_TRUE(company_b_.offers
                  ->CreateOffer(company_b_.Context().get(), create, &formula)
                  .ok());
  Send(company_b_, formula, yanis);

  v1::ExportPlacementsRequest req;
  v1::ExportPlacementsResponse csv;
  ASSERT_TRUE(
      Stub()->ExportPlacements(Context(school_.token).get(), req, &csv).ok());
  EXPECT_EQ(csv.content_type(), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.rows(), 3);
  EXPECT_THAT(csv.content(), HasSubstr(",'=SOMME(A1:A9) apprenti,"));
  std::vector<std::string> lines =
      absl::StrSplit(csv.content(), "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0],
            "proposal_id,state,sent_on,respond_by,answered_on,graduate_id,"
            "graduate_external_id,given_name,family_name,offer_id,offer_title,"
            "contract_type,ft_type_contrat,ft_nature_contrat,rome_code,"
            "commune_insee,start_date,weekly_hours,employer_siret,"
            "employer_name,followed_as");
  std::string accepted_line, pending_line;
  for (const std::string& l : lines) {
    if (absl::StartsWith(l, accepted.id())) accepted_line = l;
    if (absl::StartsWith(l, pending.id())) pending_line = l;
  }
  // The employer once accepted, not before; France Travail's codes beside
  // ours (the sample offer is an apprenticeship: CDD, E2).
  EXPECT_THAT(accepted_line, HasSubstr(",accepted,"));
  EXPECT_THAT(accepted_line, HasSubstr(company_a_rec_.siret()));
  EXPECT_THAT(accepted_line, HasSubstr(",Lina,"));
  EXPECT_THAT(accepted_line,
              HasSubstr(absl::StrCat(",", a1.rome_code(), ",",
                                     a1.place().commune_insee(), ",",
                                     a1.start_date(), ",")));
  EXPECT_THAT(pending_line, HasSubstr(",sent,"));
  EXPECT_EQ(pending_line.find(company_b_rec_.siret()), std::string::npos);
  const std::vector<std::string> cells = absl::StrSplit(accepted_line, ',');
  ASSERT_EQ(cells.size(), 21u) << accepted_line;
  EXPECT_EQ(cells[20], "owner");
  EXPECT_EQ(cells[11], "APPRENTICESHIP");
  EXPECT_EQ(cells[12], "CDD");
  EXPECT_EQ(cells[13], "E2");
  // JSON, and a date range.
  req.set_format("json");
  req.set_from("2000-01-01");
  req.set_to("2000-12-31");
  v1::ExportPlacementsResponse json;
  ASSERT_TRUE(
      Stub()->ExportPlacements(Context(school_.token).get(), req, &json).ok());
  EXPECT_EQ(json.rows(), 0);
  EXPECT_EQ(json.content(), "[]");
  req.clear_from();
  req.clear_to();
  ASSERT_TRUE(
      Stub()->ExportPlacements(Context(school_.token).get(), req, &json).ok());
  google::protobuf::ListValue parsed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(json.content(), &parsed)
          .ok());
  EXPECT_EQ(parsed.values_size(), 3);
  // Companies do not export; a bad format or date names its field.
  EXPECT_EQ(Stub()
                ->ExportPlacements(Context(company_a_.token).get(), req, &json)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  req.set_format("xml");
  grpc::Status s =
      Stub()->ExportPlacements(Context(school_.token).get(), req, &json);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("format"));
  req.set_format("csv");
  req.set_from("07/12/2026");
  s = Stub()->ExportPlacements(Context(school_.token).get(), req, &json);
  EXPECT_THAT(s.error_message(), HasSubstr("from"));
}

// A sample file of tests/data/partners, its dates (written in 2026) moved
// to next year: the server checks start and expiry dates against today.
std::string ReadPartnerFile(const std::string& name) {
  const int next_year =
      static_cast<int>(
          absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year()) +
      1;
  return absl::StrReplaceAll(testing::ReadFileOrDie(absl::StrCat(
                                 PASSERELLE_PARTNERS_TESTDATA, "/", name)),
                             {{"\"2026-", absl::StrCat("\"", next_year, "-")}});
}

// Offers in France Travail's and La bonne alternance's formats, over gRPC:
// mapped, the unmappable ones refused with their reason, idempotent by the
// source's id, announced (import.finished), and ranked for a graduate.
TEST_F(WebhooksTest, PartnerOfferFilesImportOnceAndRank) {
  v1::CreateEventSubscriptionRequest sub_req;
  sub_req.mutable_subscription()->add_event_types("import.finished");
  v1::EventSubscription sub;
  ASSERT_TRUE(Stub()
                  ->CreateEventSubscription(Context(company_a_.token).get(),
                                            sub_req, &sub)
                  .ok());
  auto import = [&](const std::string& format, const std::string& file,
                    v1::ImportResponse* out) {
    v1::ImportPartnerOffersRequest req;
    req.set_format(format);
    req.set_content(ReadPartnerFile(file));
    return company_a_.offers->ImportPartnerOffers(company_a_.Context().get(),
                                                  req, out);
  };
  v1::ImportResponse ft, lba, again;
  ASSERT_TRUE(import("france-travail", "france-travail-offres.json", &ft).ok());
  EXPECT_EQ(ft.received(), 8);
  EXPECT_EQ(ft.created(), 4);
  EXPECT_EQ(ft.rejected(), 4);
  std::string reasons;
  for (const v1::ImportError& e : ft.errors()) {
    absl::StrAppend(&reasons, e.message(), "\n");
  }
  EXPECT_THAT(reasons, HasSubstr("L6211-1"));  // no diploma for the apprentice
  EXPECT_THAT(reasons, HasSubstr("L1242-2"));  // a CDD without its motive
  EXPECT_THAT(reasons, HasSubstr("MIS"));      // temporary work
  ASSERT_TRUE(
      import("labonnealternance", "labonnealternance-jobs.json", &lba).ok());
  EXPECT_EQ(lba.received(), 6);
  EXPECT_EQ(lba.created(), 4);
  EXPECT_EQ(lba.rejected(), 2);
  // The same file again: nothing new.
  ASSERT_TRUE(
      import("france-travail", "france-travail-offres.json", &again).ok());
  EXPECT_EQ(again.created(), 0);
  EXPECT_EQ(again.unchanged() + again.updated(), 4);
  // Bad requests name their field; nothing stored.
  v1::ImportPartnerOffersRequest bad;
  bad.set_format("monster");
  bad.set_content("[]");
  grpc::Status s = company_a_.offers->ImportPartnerOffers(
      company_a_.Context().get(), bad, &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("format"));
  bad.set_format("france-travail");
  bad.set_content("{\"resultats\": 12}");
  s = company_a_.offers->ImportPartnerOffers(company_a_.Context().get(), bad,
                                             &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // The welder in Roubaix (France Travail 201LBWD, professionalisation)
  // ranks for a welder who lives there.
  v1::Graduate welder = testing::SampleGraduate("EP-W");
  welder.set_birth_date("2004-02-10");
  welder.clear_rome_codes();
  welder.add_rome_codes("H2913");
  welder.mutable_home()->set_commune_insee("59512");
  welder.clear_accepted_contracts();
  welder.add_accepted_contracts(v1::CONTRACT_TYPE_PROFESSIONALISATION);
  welder.add_accepted_contracts(v1::CONTRACT_TYPE_CDI);
  v1::CreateGraduateRequest cg;
  *cg.mutable_graduate() = welder;
  v1::Graduate created;
  ASSERT_TRUE(
      school_.graduates->CreateGraduate(school_.Context().get(), cg, &created)
          .ok());
  bool ranked = false;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!ranked && absl::Now() < deadline) {
    v1::RankOffersRequest rank;
    rank.set_graduate_id(created.id());
    v1::RankOffersResponse offers;
    // (The matcher may not have caught up with the new graduate yet.)
    grpc::Status ranking =
        school_.matching->RankOffers(school_.Context().get(), rank, &offers);
    for (const auto& r : offers.results()) {
      ranked |= ranking.ok() && r.offer().external_id() == "ft:201LBWD";
    }
    if (!ranked) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(ranked) << "the imported offer is not ranked for the welder";

  // Each import call is announced to the company.
  v1::ListEventsRequest list;
  list.set_subscription(sub.id());
  v1::ListEventsResponse events;
  const absl::Time until = absl::Now() + absl::Seconds(20);
  do {
    absl::SleepFor(absl::Milliseconds(50));
    ASSERT_TRUE(Stub()
                    ->ListEvents(Context(company_a_.token).get(), list, &events)
                    .ok());
  } while (events.events_size() < 3 && absl::Now() < until);
  ASSERT_GE(events.events_size(), 3);
  const auto& f = events.events(0).data().fields();
  EXPECT_EQ(f.at("kind").string_value(), "offers");
  EXPECT_EQ(f.at("received").number_value(), 8);
  EXPECT_EQ(f.at("rejected").number_value(), 4);
}

// The France Travail connector of the CLI against a local server that
// follows the documented shapes: an OAuth2 client-credentials token, then
// the search with range= paging (206 + Content-Range, then 200).
TEST_F(WebhooksTest, TheCliFetchesFromTheFranceTravailApi) {
  google::protobuf::Struct sample;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  ReadPartnerFile("france-travail-offres.json"), &sample)
                  .ok());
  const auto& all = sample.fields().at("resultats").list_value();
  auto page = [&](int from, int to) {
    google::protobuf::Struct answer;
    auto* list = (*answer.mutable_fields())["resultats"].mutable_list_value();
    for (int i = from; i < to; ++i) *list->add_values() = all.values(i);
    std::string json;
    google::protobuf::util::MessageToJsonString(answer, &json);
    return json;
  };
  FakeReceiver ft([&](const FakeReceiver::Request& r) {
    FakeReceiver::Reply reply;
    const std::string path = FakeReceiver::PathOf(r);
    if (path == "/connexion/oauth2/access_token") {
      const bool good =
          r.method == "POST" &&
          absl::StrContains(r.body, "grant_type=client_credentials") &&
          absl::StrContains(r.body, "client_id=PAR_passerelle_test") &&
          absl::StrContains(r.body, "client_secret=s%C3%A9cret%2B1") &&
          absl::StrContains(r.body, "scope=api_offresdemploiv2%20o2dsoffre");
      reply.status = good ? 200 : 401;
      reply.body = good ? R"({"access_token":"tok-123","token_type":"Bearer",)"
                          R"("expires_in":1499,"scope":"api_offresdemploiv2"})"
                        : R"({"error":"invalid_client"})";
      return reply;
    }
    if (path != "/partenaire/offresdemploi/v2/offres/search" ||
        r.headers.count("authorization") == 0 ||
        r.headers.at("authorization") != "Bearer tok-123" ||
        FakeReceiver::QueryParam(r, "siret") != "73282932000074") {
      reply.status = 401;
      return reply;
    }
    // The total the search finds is 300: a first page of 4 (206), then the
    // last 4 (200), as if pages were smaller than asked.
    if (FakeReceiver::QueryParam(r, "range") == "0-149") {
      reply.status = 206;
      reply.body = page(0, 4);
      reply.headers = {"Content-Range: offres 0-149/300"};
    } else if (FakeReceiver::QueryParam(r, "range") == "150-299") {
      reply.status = 200;
      reply.body = page(4, 8);
    } else {
      reply.status = 400;
    }
    return reply;
  });
  testing::TempDir dir;
  const std::string secret_file = dir.path() + "/ft.secret";
  {
    std::ofstream f(secret_file);
    f << "sécret+1\n";
  }
  auto cli = [&](const std::string& secret_path, std::string* out,
                 std::string* err) {
    const std::vector<std::string> args = {
        "passerelle-cli",
        absl::StrCat("--address=127.0.0.1:", server_.server().port()),
        "--token=" + company_a_.token,
        "import",
        "france-travail",
        "--client_id=PAR_passerelle_test",
        "--client_secret_file=" + secret_path,
        "--query=siret=73282932000074",
        "--token_url=" +
            ft.url("/connexion/oauth2/access_token?realm=%2Fpartenaire"),
        "--api_url=" + ft.url("/partenaire/offresdemploi/v2/offres/search"),
        "--output=json"};
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    std::ostringstream o, e;
    const int code =
        cli::RunCli(static_cast<int>(argv.size()), argv.data(), o, e);
    *out = o.str();
    *err = e.str();
    return code;
  };
  std::string out, err;
  ASSERT_EQ(cli(secret_file, &out, &err), 0) << err;
  EXPECT_THAT(err, HasSubstr("8 offers fetched of 300"));
  // Two search calls, each with the token; the offers of the sample that
  // map are imported, the others reported with their reason.
  int searches = 0;
  for (const auto& r : ft.requests()) {
    searches +=
        FakeReceiver::PathOf(r) == "/partenaire/offresdemploi/v2/offres/search";
  }
  EXPECT_EQ(searches, 2);
  v1::ListOffersRequest list;
  v1::ListOffersResponse offers;
  ASSERT_TRUE(
      company_a_.offers->ListOffers(company_a_.Context().get(), list, &offers)
          .ok());
  std::set<std::string> ids;
  for (const v1::Offer& o : offers.offers()) ids.insert(o.external_id());
  EXPECT_EQ(ids, (std::set<std::string>{"ft:201KXQB", "ft:201LBWD",
                                        "ft:201PQRS", "ft:201HTUV"}));
  // A wrong secret: the token endpoint's refusal, said; nothing imported.
  const std::string wrong = dir.path() + "/wrong.secret";
  {
    std::ofstream f(wrong);
    f << "nope\n";
  }
  EXPECT_NE(cli(wrong, &out, &err), 0);
  EXPECT_THAT(err, HasSubstr("HTTP 401"));
}

// --- A real server killed between its commits and their delivery ------------

class ServerProcess {
 public:
  explicit ServerProcess(const std::string& dir) {
    const std::string port_file = dir + "/port";
    unlink(port_file.c_str());
    process_ = std::make_unique<testing::Subprocess>(
        std::vector<std::string>{
            PASSERELLE_SERVER_BIN, "--data_dir=" + dir + "/data", "--port=0",
            "--port_file=" + port_file, "--webhook_allowed_hosts=127.0.0.1",
            "--webhook_retry_base=100ms", "--webhook_timeout=2s"},
        dir + "/server.out", dir + "/server.err");
    CHECK(testing::WaitForFile(port_file, absl::Seconds(60)))
        << testing::ReadFileOrDie(dir + "/server.err");
    address_ = absl::StrCat(
        "127.0.0.1:",
        absl::StripAsciiWhitespace(testing::ReadFileOrDie(port_file)));
    admin_token_ = std::string(absl::StripAsciiWhitespace(
        testing::ReadFileOrDie(dir + "/data/admin.token")));
  }
  testing::Subprocess& process() { return *process_; }
  std::shared_ptr<grpc::Channel> channel() {
    return grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
  }
  const std::string& admin_token() const { return admin_token_; }

 private:
  std::unique_ptr<testing::Subprocess> process_;
  std::string address_, admin_token_;
};

TEST(WebhookCrashTest, EveryEventDeliveredAfterAKill9) {
  testing::TempDir dir;
  // The receiver is down while the server runs the first time: nothing is
  // delivered before the crash.
  FakeReceiver receiver([](const FakeReceiver::Request&) {
    FakeReceiver::Reply reply;
    reply.status = 503;
    return reply;
  });
  std::string company_token, school_token;
  std::vector<v1::WebhookEndpoint> endpoints(2);
  std::string proposal_id, offer_id, graduate_id;
  {
    ServerProcess server(dir.path());
    auto channel = server.channel();
    auto orgs = v1::OrganizationService::NewStub(channel);
    const std::string admin = server.admin_token();
    v1::CreateCompanyRequest cc;
    *cc.mutable_company() = testing::SampleCompany(testing::MakeSiret(1));
    v1::Company company;
    ASSERT_TRUE(orgs->CreateCompany(Context(admin).get(), cc, &company).ok());
    v1::CreateSchoolRequest cs;
    *cs.mutable_school() = testing::SampleSchool(testing::MakeUai(1));
    v1::School school;
    ASSERT_TRUE(orgs->CreateSchool(Context(admin).get(), cs, &school).ok());
    for (auto [org, role, out] :
         {std::tuple{company.id(), v1::ROLE_COMPANY, &company_token},
          std::tuple{school.id(), v1::ROLE_SCHOOL, &school_token}}) {
      v1::IssueTokenRequest it;
      it.set_organization_id(org);
      it.set_role(role);
      v1::IssueTokenResponse tok;
      ASSERT_TRUE(orgs->IssueToken(Context(admin).get(), it, &tok).ok());
      *out = tok.token();
    }
    auto integrations = v1::IntegrationService::NewStub(channel);
    int i = 0;
    for (const std::string* token : {&company_token, &school_token}) {
      v1::CreateWebhookEndpointRequest req;
      req.mutable_endpoint()->set_url(
          receiver.url(i == 0 ? "/company" : "/school"));
      ASSERT_TRUE(
          integrations
              ->CreateWebhookEndpoint(Context(*token).get(), req, &endpoints[i])
              .ok());
      ++i;
    }
    v1::CreateGraduateRequest cg;
    *cg.mutable_graduate() = testing::SampleGraduate("EP-1");
    cg.mutable_graduate()->set_birth_date("2005-03-01");
    v1::Graduate g;
    ASSERT_TRUE(v1::GraduateService::NewStub(channel)
                    ->CreateGraduate(Context(school_token).get(), cg, &g)
                    .ok());
    graduate_id = g.id();
    v1::CreateOfferRequest co;
    *co.mutable_offer() = testing::SampleOffer("A-1");
    co.mutable_offer()->set_positions(1);
    v1::Offer offer;
    ASSERT_TRUE(v1::OfferService::NewStub(channel)
                    ->CreateOffer(Context(company_token).get(), co, &offer)
                    .ok());
    offer_id = offer.id();
    // The company finds her in its ranking (candidate id) and proposes.
    auto matching = v1::MatchingService::NewStub(channel);
    std::string candidate;
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (candidate.empty() && absl::Now() < deadline) {
      v1::RankGraduatesRequest rank;
      rank.set_offer_id(offer.id());
      v1::RankGraduatesResponse ranked;
      // (The index may still be catching up with the new records.)
      grpc::Status ranking =
          matching->RankGraduates(Context(company_token).get(), rank, &ranked);
      if (ranking.ok() && ranked.results_size() > 0) {
        candidate = ranked.results(0).candidate().graduate_id();
      } else {
        absl::SleepFor(absl::Milliseconds(100));
      }
    }
    ASSERT_FALSE(candidate.empty()) << "the company never ranked her";
    auto proposals = v1::ProposalService::NewStub(channel);
    v1::SendProposalRequest send;
    send.set_offer_id(offer.id());
    send.set_graduate_id(candidate);
    v1::Proposal p;
    ASSERT_TRUE(
        proposals->SendProposal(Context(company_token).get(), send, &p).ok());
    proposal_id = p.id();
    v1::RespondToProposalRequest respond;
    respond.set_proposal_id(p.id());
    respond.set_accept(true);
    ASSERT_TRUE(
        proposals->RespondToProposal(Context(school_token).get(), respond, &p)
            .ok());
    // Killed at once: the events are committed, none delivered.
    server.process().Signal(SIGKILL);
    EXPECT_EQ(server.process().Wait(), 128 + SIGKILL);
  }
  for (const FakeReceiver::Request& r : receiver.requests()) {
    EXPECT_NE(r.status, 200);
  }
  receiver.set_policy(
      [](const FakeReceiver::Request&) { return FakeReceiver::Reply(); });
  ServerProcess again(dir.path());
  using Key = std::pair<std::string, std::string>;
  const std::set<Key> want = {{"proposal.accepted", proposal_id},
                              {"offer.filled", offer_id},
                              {"proposal.received", proposal_id},
                              {"proposal.accepted", proposal_id},
                              {"graduate.placed", graduate_id}};
  auto delivered = [&] {
    std::multiset<Key> out;
    std::set<std::string> ids;
    for (const FakeReceiver::Request& r : receiver.requests()) {
      if (r.status != 200) continue;
      const v1::Event e = ParseEvent(r.body);
      if (ids.insert(e.id()).second) out.insert({e.type(), e.resource_id()});
    }
    return out;
  };
  EXPECT_TRUE(receiver.WaitUntil(
      [&](const auto&) { return delivered().size() >= 5; }, absl::Seconds(60)));
  const std::multiset<Key> got = delivered();
  EXPECT_EQ(std::set<Key>(got.begin(), got.end()), want);
  EXPECT_EQ(got.size(), 5u);  // accepted twice: the company's and the school's
  for (const FakeReceiver::Request& r : receiver.requests()) {
    const std::string& secret = absl::StartsWith(r.path, "/company")
                                    ? endpoints[0].secret()
                                    : endpoints[1].secret();
    EXPECT_TRUE(SignedWith(r, {secret})) << r.path << " " << r.body;
  }
}

}  // namespace
}  // namespace passerelle
