// People: invitations, passwords, sessions, throttling, disabling and the
// audit log, over a real server on 127.0.0.1 (the peer address matters
// here: throttling and the audit log record it).

#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/testing/fixture.h"

namespace passerelle {
namespace {

using testing::Client;
using ::testing::HasSubstr;
using testing::TestServer;
using testing::Transport;

constexpr char kPassword[] = "correct horse battery staple";

// The server's clock for accounts: the real time plus what a test adds.
struct TestClock {
  std::atomic<int64_t> offset_seconds{0};
  void Advance(absl::Duration d) { offset_seconds += absl::ToInt64Seconds(d); }
};

server::Options WithClock(std::shared_ptr<TestClock> clock) {
  server::Options options;
  options.clock = [clock] {
    return absl::Now() + absl::Seconds(clock->offset_seconds.load());
  };
  return options;
}

class AccountsTest : public ::testing::Test {
 protected:
  AccountsTest()
      : clock_(std::make_shared<TestClock>()), server_(WithClock(clock_)) {
    admin_ = server_.NewClient(Transport::kLoopback, server_.admin_token());
    anonymous_ = server_.NewClient(Transport::kLoopback, "");
  }

  v1::Company CreateCompany(const std::string& siret,
                            const std::string& name = "") {
    v1::CreateCompanyRequest req;
    *req.mutable_company() = testing::SampleCompany(siret);
    if (!name.empty()) req.mutable_company()->set_name(name);
    v1::Company out;
    grpc::Status s =
        admin_.organizations->CreateCompany(admin_.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Invite(const Client& as, const std::string& org,
                      const std::string& email, v1::Role role,
                      bool organization_admin, v1::Invitation* out) {
    v1::InviteUserRequest req;
    req.set_organization_id(org);
    req.set_email(email);
    req.set_role(role);
    req.set_organization_admin(organization_admin);
    return as.organizations->InviteUser(as.Context().get(), req, out);
  }

  grpc::Status Accept(const std::string& token, const std::string& password,
                      v1::User* out, const std::string& name = "Camille") {
    v1::AcceptInvitationRequest req;
    req.set_invitation_token(token);
    req.set_password(password);
    req.set_display_name(name);
    return anonymous_.organizations->AcceptInvitation(
        anonymous_.Context().get(), req, out);
  }

  // Signs in from `forwarded_for` when set (the server trusts it from a
  // loopback peer, as from its in-process HTTP gateway).
  grpc::Status SignIn(const std::string& email, const std::string& password,
                      v1::SignInResponse* out,
                      const std::string& forwarded_for = "") {
    v1::SignInRequest req;
    req.set_email(email);
    req.set_password(password);
    auto context = anonymous_.Context();
    if (!forwarded_for.empty()) {
      context->AddMetadata("x-forwarded-for", forwarded_for);
    }
    return anonymous_.organizations->SignIn(context.get(), req, out);
  }

  // Invites `email` into `org`, opens the account and signs in: a client
  // carrying the session.
  Client Person(const std::string& org, const std::string& email, v1::Role role,
                bool organization_admin = false, v1::User* user = nullptr) {
    v1::Invitation invitation;
    grpc::Status s =
        Invite(admin_, org, email, role, organization_admin, &invitation);
    EXPECT_TRUE(s.ok()) << s.error_message();
    v1::User opened;
    s = Accept(invitation.token(), kPassword, &opened);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (user != nullptr) *user = opened;
    v1::SignInResponse session;
    s = SignIn(email, kPassword, &session);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return server_.NewClient(Transport::kLoopback, session.session_token());
  }

  grpc::Status WhoAmI(const Client& as, v1::WhoAmIResponse* out) {
    return as.organizations->WhoAmI(as.Context().get(), v1::WhoAmIRequest(),
                                    out);
  }

  std::vector<v1::AuditEvent> Audit(const Client& as,
                                    const std::string& org = "") {
    v1::ListAuditEventsRequest req;
    req.set_organization_id(org);
    req.set_page_size(500);
    v1::ListAuditEventsResponse out;
    grpc::Status s =
        as.organizations->ListAuditEvents(as.Context().get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.events().begin(), out.events().end()};
  }

  std::shared_ptr<TestClock> clock_;
  TestServer server_;
  Client admin_;
  Client anonymous_;
};

TEST_F(AccountsTest, InvitedPersonOpensTheAccountAndSignsIn) {
  const v1::Company company = CreateCompany("73282932000074");
  v1::Invitation invitation;
  ASSERT_TRUE(Invite(admin_, company.id(), "  Recruteur@Example.FR ",
                     v1::ROLE_COMPANY, true, &invitation)
                  .ok());
  EXPECT_EQ(invitation.email(), "recruteur@example.fr");
  EXPECT_FALSE(invitation.token().empty());
  EXPECT_EQ(invitation.link_path(), "/invitations/" + invitation.token());
  const int64_t valid_for =
      invitation.expire_time().seconds() - invitation.create_time().seconds();
  EXPECT_EQ(valid_for, 7 * 24 * 3600);

  v1::ListUsersRequest list;
  list.set_organization_id(company.id());
  v1::ListUsersResponse users;
  ASSERT_TRUE(
      admin_.organizations->ListUsers(admin_.Context().get(), list, &users)
          .ok());
  ASSERT_EQ(users.users_size(), 1);
  EXPECT_EQ(users.users(0).state(), v1::USER_STATE_INVITED);

  // No bearer token needed: the invitation token is the proof.
  v1::User user;
  grpc::Status s = Accept(invitation.token(), kPassword, &user, "Camille M.");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(user.state(), v1::USER_STATE_ACTIVE);
  EXPECT_EQ(user.organization_id(), company.id());
  EXPECT_EQ(user.role(), v1::ROLE_COMPANY);
  EXPECT_EQ(user.display_name(), "Camille M.");
  EXPECT_TRUE(user.organization_admin());

  v1::SignInResponse session;
  s = SignIn("RECRUTEUR@example.fr", kPassword, &session);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(session.session_token().empty());
  EXPECT_EQ(session.user().id(), user.id());
  EXPECT_TRUE(session.user().has_last_sign_in_time());
  EXPECT_NEAR(
      session.expire_time().seconds() - absl::ToUnixSeconds(absl::Now()),
      12 * 3600, 60);

  Client person =
      server_.NewClient(Transport::kLoopback, session.session_token());
  v1::WhoAmIResponse who;
  ASSERT_TRUE(WhoAmI(person, &who).ok());
  EXPECT_EQ(who.user_id(), user.id());
  EXPECT_EQ(who.organization_id(), company.id());
  EXPECT_EQ(who.role(), v1::ROLE_COMPANY);
  EXPECT_TRUE(who.organization_admin());
  EXPECT_TRUE(absl::StartsWith(who.token_id(), "ses_"));

  // The session acts with the company's role on the existing RPCs ...
  v1::CreateOfferRequest create;
  *create.mutable_offer() = testing::SampleOffer();
  v1::Offer offer;
  s = person.offers->CreateOffer(person.Context().get(), create, &offer);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(offer.company_id(), company.id());

  // ... and is refused another company's data.
  v1::Company other_company = CreateCompany(testing::MakeSiret(2));
  Client other =
      testing::CreateCompanyClient(server_, Transport::kLoopback, admin_,
                                   testing::MakeSiret(3), &other_company);
  v1::Offer others_offer;
  ASSERT_TRUE(
      other.offers->CreateOffer(other.Context().get(), create, &others_offer)
          .ok());
  v1::GetOfferRequest get;
  get.set_id(others_offer.id());
  v1::Offer read;
  EXPECT_EQ(
      person.offers->GetOffer(person.Context().get(), get, &read).error_code(),
      grpc::StatusCode::NOT_FOUND);  // as an unknown id (issue 16)
  get.set_id(offer.id());
  EXPECT_TRUE(person.offers->GetOffer(person.Context().get(), get, &read).ok());
}

TEST_F(AccountsTest, AnInvitationIsUsedOnceAndExpires) {
  const v1::Company company = CreateCompany("73282932000074");
  v1::Invitation invitation;
  ASSERT_TRUE(Invite(admin_, company.id(), "a.martin@example.fr",
                     v1::ROLE_COMPANY, false, &invitation)
                  .ok());
  v1::User user;
  ASSERT_TRUE(Accept(invitation.token(), kPassword, &user).ok());
  grpc::Status again =
      Accept(invitation.token(), "another long password", &user);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(again.error_message(), HasSubstr("already used"));
  // The first password still holds.
  v1::SignInResponse session;
  EXPECT_TRUE(SignIn("a.martin@example.fr", kPassword, &session).ok());

  EXPECT_EQ(Accept("psl_unknown", kPassword, &user).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Past its expiry (7 days by default), an invitation opens nothing ...
  v1::Invitation late;
  ASSERT_TRUE(Invite(admin_, company.id(), "b.durand@example.fr",
                     v1::ROLE_COMPANY, false, &late)
                  .ok());
  clock_->Advance(absl::Hours(7 * 24) + absl::Minutes(1));
  grpc::Status expired = Accept(late.token(), kPassword, &user);
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(expired.error_message(), HasSubstr("expired"));

  // ... and a new invitation of the same address replaces it.
  v1::Invitation renewed;
  grpc::Status s = Invite(admin_, company.id(), "b.durand@example.fr",
                          v1::ROLE_COMPANY, false, &renewed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(renewed.user_id(), late.user_id());
  s = Accept(renewed.token(), kPassword, &user);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Accept(late.token(), kPassword, &user).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // An opened account is never invited again.
  EXPECT_EQ(Invite(admin_, company.id(), "B.Durand@example.fr",
                   v1::ROLE_COMPANY, false, &renewed)
                .error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(AccountsTest, InvitationsCheckTheAddressAndTheRole) {
  const v1::Company company = CreateCompany("73282932000074");
  v1::Invitation invitation;
  grpc::Status s = Invite(admin_, company.id(), "not an address",
                          v1::ROLE_COMPANY, false, &invitation);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("email"));
  // A company's people are recruiters: ROLE_SCHOOL does not fit.
  s = Invite(admin_, company.id(), "x@example.fr", v1::ROLE_SCHOOL, false,
             &invitation);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("role: "));
  EXPECT_THAT(s.error_message(), HasSubstr("ROLE_COMPANY"));
  s = Invite(admin_, "cmp_unknown", "x@example.fr", v1::ROLE_COMPANY, false,
             &invitation);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("organization_id"));
  s = Invite(admin_, company.id(), "x@example.fr", v1::ROLE_ADMIN, false,
             &invitation);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = Invite(admin_, company.id(), "x@example.fr", v1::ROLE_UNSPECIFIED, false,
             &invitation);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("role"));
  v1::ListUsersRequest list;
  v1::ListUsersResponse users;
  ASSERT_TRUE(
      admin_.organizations->ListUsers(admin_.Context().get(), list, &users)
          .ok());
  EXPECT_EQ(users.users_size(), 0);  // nothing stored
}

TEST_F(AccountsTest, PasswordsAreLongAndDoNotContainTheAddressOrTheName) {
  const v1::Company company =
      CreateCompany("73282932000074", "Usinage Audomarois");
  v1::Invitation invitation;
  ASSERT_TRUE(Invite(admin_, company.id(), "jeanne.roux@example.fr",
                     v1::ROLE_COMPANY, false, &invitation)
                  .ok());
  v1::User user;
  for (const std::string& refused :
       {std::string("short pass"), std::string("my JEANNE.ROUX password"),
        std::string("x jeanne.roux@example.fr x"),
        std::string("usinage audomarois 2026!")}) {
    grpc::Status s = Accept(invitation.token(), refused, &user);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << refused;
    EXPECT_TRUE(absl::StartsWith(s.error_message(), "password:"))
        << s.error_message();
  }
  // Nothing was stored: the invitation still opens the account.
  grpc::Status s = Accept(invitation.token(), kPassword, &user);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(AccountsTest, WrongPasswordAndUnknownAddressAnswerTheSame) {
  const v1::Company company = CreateCompany("73282932000074");
  Person(company.id(), "p.leroy@example.fr", v1::ROLE_COMPANY);
  v1::SignInResponse session;
  grpc::Status wrong =
      SignIn("p.leroy@example.fr", "not the right password", &session);
  grpc::Status unknown =
      SignIn("nobody@example.fr", "not the right password", &session);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(unknown.error_code(), wrong.error_code());
  EXPECT_EQ(unknown.error_message(), wrong.error_message());
  EXPECT_EQ(wrong.error_message(), "wrong e-mail or password");
}

TEST_F(AccountsTest, FailuresThrottleTheAccount) {
  const v1::Company company = CreateCompany("73282932000074");
  Person(company.id(), "p.leroy@example.fr", v1::ROLE_COMPANY);
  Person(company.id(), "m.petit@example.fr", v1::ROLE_COMPANY);
  v1::SignInResponse session;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(
        SignIn("p.leroy@example.fr", "wrong password!", &session).error_code(),
        grpc::StatusCode::UNAUTHENTICATED);
  }
  // Even the right password waits now ...
  grpc::Status s = SignIn("p.leroy@example.fr", kPassword, &session);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("this account"));
  // ... while other accounts from the same address do not.
  EXPECT_TRUE(SignIn("m.petit@example.fr", kPassword, &session).ok());
  // After the delay, the right password works again.
  clock_->Advance(absl::Seconds(31));
  s = SignIn("p.leroy@example.fr", kPassword, &session);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(AccountsTest, FailuresThrottleTheAddress) {
  const v1::Company company = CreateCompany("73282932000074");
  Person(company.id(), "p.leroy@example.fr", v1::ROLE_COMPANY);
  v1::SignInResponse session;
  // One address tries many accounts, each only once.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(SignIn(absl::StrCat("guess", i, "@example.fr"), "wrong password!",
                     &session, "203.0.113.7")
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::Status s =
      SignIn("p.leroy@example.fr", kPassword, &session, "203.0.113.7");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("this address"));
  s = SignIn("p.leroy@example.fr", kPassword, &session, "198.51.100.4");
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(AccountsTest, SignOutDisablingAndExpiryEndSessions) {
  const v1::Company company = CreateCompany("73282932000074");
  v1::User user;
  Client person = Person(company.id(), "p.leroy@example.fr", v1::ROLE_COMPANY,
                         false, &user);
  v1::WhoAmIResponse who;
  ASSERT_TRUE(WhoAmI(person, &who).ok());
  v1::SignOutResponse out;
  ASSERT_TRUE(person.organizations
                  ->SignOut(person.Context().get(), v1::SignOutRequest(), &out)
                  .ok());
  EXPECT_EQ(WhoAmI(person, &who).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // A token is not a session.
  EXPECT_EQ(admin_.organizations
                ->SignOut(admin_.Context().get(), v1::SignOutRequest(), &out)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // A session ends after 12 hours.
  v1::SignInResponse session;
  ASSERT_TRUE(SignIn("p.leroy@example.fr", kPassword, &session).ok());
  Client second =
      server_.NewClient(Transport::kLoopback, session.session_token());
  ASSERT_TRUE(WhoAmI(second, &who).ok());
  clock_->Advance(absl::Hours(12) + absl::Seconds(1));
  grpc::Status expired = WhoAmI(second, &who);
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(expired.error_message(), HasSubstr("expired"));

  // Disabling the account ends its sessions and its sign-ins.
  ASSERT_TRUE(SignIn("p.leroy@example.fr", kPassword, &session).ok());
  Client third =
      server_.NewClient(Transport::kLoopback, session.session_token());
  ASSERT_TRUE(WhoAmI(third, &who).ok());
  v1::DisableUserRequest disable;
  disable.set_user_id(user.id());
  v1::User disabled;
  ASSERT_TRUE(admin_.organizations
                  ->DisableUser(admin_.Context().get(), disable, &disabled)
                  .ok());
  EXPECT_EQ(disabled.state(), v1::USER_STATE_DISABLED);
  EXPECT_EQ(WhoAmI(third, &who).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status refused = SignIn("p.leroy@example.fr", kPassword, &session);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(refused.error_message(), "wrong e-mail or password");
}

TEST_F(AccountsTest, AnOrganizationAdminInvitesIntoItsOwnOrganizationOnly) {
  const v1::Company company = CreateCompany("73282932000074");
  const v1::Company other = CreateCompany(testing::MakeSiret(7));
  Client boss = Person(company.id(), "boss@example.fr", v1::ROLE_COMPANY, true);
  Client employee =
      Person(company.id(), "employee@example.fr", v1::ROLE_COMPANY, false);

  v1::Invitation invitation;
  grpc::Status s = Invite(boss, company.id(), "new@example.fr",
                          v1::ROLE_COMPANY, false, &invitation);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Invite(boss, other.id(), "new2@example.fr", v1::ROLE_COMPANY, false,
                   &invitation)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Invite(employee, company.id(), "new3@example.fr", v1::ROLE_COMPANY,
                   false, &invitation)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A company's machine token is no person administering it.
  v1::Company again;
  Client machine = testing::CreateCompanyClient(
      server_, Transport::kLoopback, admin_, testing::MakeSiret(8), &again);
  EXPECT_EQ(Invite(machine, again.id(), "new4@example.fr", v1::ROLE_COMPANY,
                   false, &invitation)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The organization admin lists its own people, not another's.
  v1::ListUsersRequest list;
  v1::ListUsersResponse users;
  ASSERT_TRUE(
      boss.organizations->ListUsers(boss.Context().get(), list, &users).ok());
  EXPECT_EQ(users.users_size(), 3);
  list.set_organization_id(other.id());
  EXPECT_EQ(boss.organizations->ListUsers(boss.Context().get(), list, &users)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  list.clear_organization_id();
  EXPECT_EQ(
      employee.organizations->ListUsers(employee.Context().get(), list, &users)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AccountsTest, TheAuditLogRecordsSignInsAndChangesByPeople) {
  const v1::Company company = CreateCompany("73282932000074");
  v1::User user;
  Client boss =
      Person(company.id(), "boss@example.fr", v1::ROLE_COMPANY, true, &user);
  v1::SignInResponse session;
  ASSERT_FALSE(SignIn("boss@example.fr", "wrong password!", &session).ok());

  v1::CreateOfferRequest create;
  *create.mutable_offer() = testing::SampleOffer();
  v1::Offer offer;
  ASSERT_TRUE(
      boss.offers->CreateOffer(boss.Context().get(), create, &offer).ok());
  v1::WhoAmIResponse who;
  ASSERT_TRUE(WhoAmI(boss, &who).ok());
  EXPECT_EQ(who.email(), "boss@example.fr");
  // A refused change is recorded too.
  v1::CreateCompanyRequest refused;
  *refused.mutable_company() = testing::SampleCompany(testing::MakeSiret(9));
  v1::Company ignored;
  ASSERT_EQ(
      boss.organizations->CreateCompany(boss.Context().get(), refused, &ignored)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  const std::vector<v1::AuditEvent> events = Audit(admin_);
  int sign_ins_ok = 0, sign_ins_failed = 0;
  bool created = false, denied = false, by_token = false;
  for (const v1::AuditEvent& e : events) {
    if (e.kind() == v1::AUDIT_KIND_SIGN_IN && e.user_id() == user.id()) {
      EXPECT_EQ(e.client_address(), "127.0.0.1");
      EXPECT_EQ(e.email(), "boss@example.fr");
      (e.outcome() == "OK" ? sign_ins_ok : sign_ins_failed)++;
    }
    if (e.kind() == v1::AUDIT_KIND_CHANGE &&
        e.method() == "/passerelle.v1.OfferService/CreateOffer" &&
        e.user_id() == user.id()) {
      created = true;
      EXPECT_EQ(e.resource_id(), offer.id());
      EXPECT_EQ(e.outcome(), "OK");
      EXPECT_EQ(e.organization_id(), company.id());
      EXPECT_EQ(e.token_id(), who.token_id());
      // The person is named by their address too, for whoever reads the
      // entry without access to the account.
      EXPECT_EQ(e.email(), "boss@example.fr");
      EXPECT_TRUE(e.has_time());
    }
    // A token names no person.
    if (e.kind() == v1::AUDIT_KIND_CHANGE && e.user_id().empty() &&
        e.method() == "/passerelle.v1.OrganizationService/CreateCompany") {
      by_token = true;
      EXPECT_EQ(e.email(), "");
      EXPECT_FALSE(e.token_id().empty());
    }
    if (e.method() == "/passerelle.v1.OrganizationService/CreateCompany" &&
        e.user_id() == user.id()) {
      denied = true;
      EXPECT_EQ(e.outcome(), "PERMISSION_DENIED");
    }
    // Reads are not changes.
    EXPECT_NE(e.method(), "/passerelle.v1.OrganizationService/WhoAmI");
  }
  EXPECT_EQ(sign_ins_ok, 1);
  EXPECT_EQ(sign_ins_failed, 1);
  EXPECT_TRUE(created);
  EXPECT_TRUE(denied);
  EXPECT_TRUE(by_token);
  // Oldest first: ids follow time.
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_LT(events[i - 1].id(), events[i].id());
  }

  // The organization admin reads its organization's part only.
  Client outsider = Person(CreateCompany(testing::MakeSiret(11)).id(),
                           "outsider@example.fr", v1::ROLE_COMPANY, true);
  const std::vector<v1::AuditEvent> own = Audit(boss);
  EXPECT_FALSE(own.empty());
  bool accepted = false;
  for (const v1::AuditEvent& e : own) {
    EXPECT_EQ(e.organization_id(), company.id());
    if (e.method() == "/passerelle.v1.OrganizationService/AcceptInvitation") {
      accepted = true;
      EXPECT_EQ(e.user_id(), user.id());  // the person who opened it
      EXPECT_EQ(e.token_id(), "");        // no token: the invitation's
    }
  }
  EXPECT_TRUE(accepted);
  v1::ListAuditEventsRequest other;
  other.set_organization_id(company.id());
  v1::ListAuditEventsResponse out;
  EXPECT_EQ(outsider.organizations
                ->ListAuditEvents(outsider.Context().get(), other, &out)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// Without a bearer token, every unary RPC but AcceptInvitation and SignIn
// answers UNAUTHENTICATED.
TEST_F(AccountsTest, OnlyAcceptInvitationAndSignInNeedNoToken) {
  const std::set<std::string> open = {
      "/passerelle.v1.OrganizationService/AcceptInvitation",
      "/passerelle.v1.OrganizationService/SignIn"};
  grpc::GenericStub stub(server_.Channel(Transport::kLoopback));
  const google::protobuf::DescriptorPool* pool =
      v1::WhoAmIRequest::descriptor()->file()->pool();
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const char* name :
       {"passerelle.v1.OrganizationService", "passerelle.v1.GraduateService",
        "passerelle.v1.OfferService", "passerelle.v1.MatchingService",
        "passerelle.v1.ProposalService", "passerelle.v1.ChangeFeedService",
        "passerelle.v1.ReferentialService"}) {
    const google::protobuf::ServiceDescriptor* service =
        pool->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    services.push_back(service);
  }
  int checked = 0;
  for (const auto* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      if (method->client_streaming() || method->server_streaming()) continue;
      const std::string name =
          absl::StrCat("/", service->full_name(), "/", method->name());
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
      grpc::Slice empty("");
      grpc::ByteBuffer request(&empty, 1);
      grpc::ByteBuffer response;
      absl::Notification done;
      grpc::Status status;
      stub.UnaryCall(&context, name, grpc::StubOptions(), &request, &response,
                     [&](grpc::Status s) {
                       status = std::move(s);
                       done.Notify();
                     });
      done.WaitForNotification();
      if (open.count(name)) {
        // Reached the handler: it judged the (empty) request itself.
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
            << name;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
            << name;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

}  // namespace
}  // namespace passerelle
