// Webhook pieces: the Standard Webhooks signature, the address policy
// (SSRF), and a POST to a receiver on loopback.

#include "services/integration/webhooks.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_receiver.h"

namespace passerelle::integration {
namespace {

using ::testing::HasSubstr;

TEST(SignWebhookTest, TheStandardWebhooksVector) {
  // The example of the Standard Webhooks specification, checked against
  // Python's hmac: base64(HMAC-SHA256(key, "id.timestamp.body")).
  absl::StatusOr<std::string> sig = SignWebhook(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330, R"({"test": 2432232314})");
  ASSERT_TRUE(sig.ok()) << sig.status();
  EXPECT_EQ(*sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  // Any change of id, time or body changes it.
  EXPECT_NE(*SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                         "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331,
                         R"({"test": 2432232314})"),
            *sig);
  EXPECT_FALSE(
      SignWebhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "a", 1, "").ok());
  EXPECT_FALSE(SignWebhook("whsec_***", "a", 1, "").ok());
  const std::string fresh = NewWebhookSecret();
  EXPECT_TRUE(absl::StartsWith(fresh, "whsec_"));
  EXPECT_NE(fresh, NewWebhookSecret());
  EXPECT_TRUE(SignWebhook(fresh, "a", 1, "{}").ok());
}

TEST(AddressPolicyTest, PrivateRanges) {
  for (const char* a : {"127.0.0.1",
                        "127.255.0.3",
                        "10.1.2.3",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.168.1.1",
                        "169.254.169.254",
                        "100.64.0.1",
                        "0.0.0.0",
                        "224.0.0.1",
                        "255.255.255.255",
                        "::1",
                        "::",
                        "fe80::1",
                        "fc00::1",
                        "fd12:3456::1",
                        "::ffff:127.0.0.1",
                        "::ffff:10.0.0.1",
                        "64:ff9b::a00:1",
                        "ff02::1",
                        "not-an-address"}) {
    EXPECT_TRUE(AddressPolicy::IsPrivate(a)) << a;
  }
  for (const char* a : {"8.8.8.8", "172.32.0.1", "192.169.0.1", "100.128.0.1",
                        "2a01:e0a::1", "::ffff:8.8.8.8", "93.184.216.34"}) {
    EXPECT_FALSE(AddressPolicy::IsPrivate(a)) << a;
  }
}

TEST(AddressPolicyTest, UrlsAsRegistered) {
  absl::StatusOr<AddressPolicy> strict = AddressPolicy::Create({});
  ASSERT_TRUE(strict.ok());
  EXPECT_TRUE(
      strict->CheckUrl("https://hooks.example.fr/passerelle", "url").ok());
  struct Case {
    const char* url;
    const char* says;
  } refused[] = {
      {"", "required"},
      {"http://hooks.example.fr/x", "https:// required"},
      {"ftp://hooks.example.fr/x", "https://"},
      {"https://127.0.0.1/x", "private"},
      {"https://[::1]:8443/x", "private"},
      {"https://169.254.169.254/latest/meta-data", "private"},
      {"https://10.0.0.5/x", "private"},
      {"https://localhost/x", "localhost"},
      {"https://user:pw@hooks.example.fr/x", "no user name"},
      {"https://hooks.example.fr/a b", "no spaces"},
      {"not a url", "no spaces"},
  };
  for (const Case& c : refused) {
    absl::Status s = strict->CheckUrl(c.url, "endpoint.url");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.url;
    EXPECT_THAT(s.message(), HasSubstr("endpoint.url")) << c.url;
    EXPECT_THAT(s.message(), HasSubstr(c.says)) << c.url;
  }
  // Allowed hosts and ranges: private addresses, and http, for them only.
  absl::StatusOr<AddressPolicy> lenient =
      AddressPolicy::Create({"127.0.0.1", "10.20.0.0/16", "hooks.internal"});
  ASSERT_TRUE(lenient.ok());
  EXPECT_TRUE(lenient->CheckUrl("http://127.0.0.1:8080/x", "url").ok());
  EXPECT_TRUE(lenient->CheckUrl("https://10.20.3.4/x", "url").ok());
  EXPECT_TRUE(lenient->CheckUrl("http://hooks.internal/x", "url").ok());
  EXPECT_FALSE(lenient->CheckUrl("https://10.21.0.1/x", "url").ok());
  EXPECT_FALSE(lenient->CheckUrl("http://hooks.example.fr/x", "url").ok());
  // Bad entries name the flag.
  for (const char* bad : {"10.0.0.0/33", "host name", "1.2.3.4/x", "a:b"}) {
    absl::StatusOr<AddressPolicy> p = AddressPolicy::Create({bad});
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_THAT(p.status().message(), HasSubstr("--webhook_allowed_hosts"));
  }
}

TEST(AddressPolicyTest, ResolvedAddressesAreCheckedAndPinned) {
  absl::StatusOr<AddressPolicy> strict = AddressPolicy::Create({});
  // "localhost" resolves to loopback: refused even though it is a name.
  absl::StatusOr<AddressPolicy::Target> t =
      strict->Resolve("https://127.0.0.1:9/x");
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<AddressPolicy> lenient = AddressPolicy::Create({"127.0.0.1"});
  t = lenient->Resolve("http://127.0.0.1:9/x");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->address, "127.0.0.1");
  EXPECT_EQ(t->port, 9);
  EXPECT_FALSE(t->https);
}

TEST(PostJsonTest, AnswersTimeoutsAndBounds) {
  testing::FakeReceiver receiver([](const testing::FakeReceiver::Request& r) {
    testing::FakeReceiver::Reply reply;
    if (r.path == "/fail") reply.status = 503;
    if (r.path == "/slow") reply.delay = absl::Milliseconds(300);
    if (r.path == "/hang") reply.hang = true;
    if (r.path == "/big") reply.body_bytes = 10 << 20;
    return reply;
  });
  absl::StatusOr<AddressPolicy> policy = AddressPolicy::Create({"127.0.0.1"});
  ASSERT_TRUE(policy.ok());
  PostOptions options;
  options.timeout = absl::Seconds(1);
  auto post = [&](const std::string& path) {
    const std::string url = receiver.url(path);
    absl::StatusOr<AddressPolicy::Target> target = policy->Resolve(url);
    EXPECT_TRUE(target.ok()) << target.status();
    return PostJson(url, *target, {"webhook-id: evt_1"}, R"({"a":1})", options);
  };
  PostResult ok = post("/hook");
  EXPECT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ(ok.status_code, 200);
  PostResult failed = post("/fail");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.status_code, 503);
  EXPECT_EQ(failed.error, "HTTP 503");
  EXPECT_TRUE(post("/slow").ok());
  const absl::Time start = absl::Now();
  PostResult hung = post("/hang");
  EXPECT_FALSE(hung.ok());
  EXPECT_EQ(hung.status_code, 0);
  EXPECT_THAT(hung.error, HasSubstr("timed out"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // A 2xx with a body past the bound: delivered, the rest not read.
  options.max_response_bytes = 1000;
  PostResult big = post("/big");
  EXPECT_TRUE(big.ok()) << big.error;
  options.max_response_bytes = 64 << 10;
  const auto got = receiver.requests();
  ASSERT_GE(got.size(), 5u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].headers.at("webhook-id"), "evt_1");
  EXPECT_EQ(got[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(got[0].body, R"({"a":1})");
}

}  // namespace
}  // namespace passerelle::integration
