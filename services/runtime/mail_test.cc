// The SMTP mailer against a relay on loopback: what goes on the wire, the
// envelope, authentication, a refusing relay and one that is not there.

#include "services/runtime/mail.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_smtp.h"

namespace passerelle::runtime {
namespace {

using ::testing::HasSubstr;

// The body of a message as sent (base64 after the blank line), decoded.
std::string DecodedBody(const std::string& data) {
  const size_t blank = data.find("\r\n\r\n");
  std::string b64 = data.substr(blank + 4);
  b64.erase(std::remove(b64.begin(), b64.end(), '\r'), b64.end());
  b64.erase(std::remove(b64.begin(), b64.end(), '\n'), b64.end());
  std::string body;
  EXPECT_TRUE(absl::Base64Unescape(b64, &body));
  return body;
}

TEST(FormatMailTest, HeadersSubjectAndBody) {
  MailMessage m;
  m.to = "lea@example.fr";
  m.subject = "Invitation à Passerelle — École de Production de l'ICAM, Lille";
  m.body = "Bonjour Léa,\n.ligne qui commence par un point\n";
  const std::string wire =
      FormatMail(m, "passerelle@example.org",
                 absl::FromCivil(absl::CivilSecond(2026, 12, 7, 9, 5, 3),
                                 absl::UTCTimeZone()),
                 "<id-1@example.org>");
  EXPECT_THAT(wire, HasSubstr("Date: Mon, 07 Dec 2026 09:05:03 +0000\r\n"));
  EXPECT_THAT(wire, HasSubstr("From: <passerelle@example.org>\r\n"));
  EXPECT_THAT(wire, HasSubstr("To: <lea@example.fr>\r\n"));
  EXPECT_THAT(wire, HasSubstr("Message-ID: <id-1@example.org>\r\n"));
  EXPECT_THAT(wire, HasSubstr("Content-Type: text/plain; charset=UTF-8\r\n"));
  // The subject in RFC 2047 words of at most 75 characters, which decode
  // back to the text.
  const size_t start = wire.find("Subject: ") + 9;
  const std::string subject =
      wire.substr(start, wire.find("\r\nMessage-ID") - start);
  std::string decoded;
  for (absl::string_view word : absl::StrSplit(subject, "\r\n ")) {
    EXPECT_LE(word.size(), 75u) << word;
    ASSERT_TRUE(absl::StartsWith(word, "=?UTF-8?B?")) << word;
    ASSERT_TRUE(absl::EndsWith(word, "?=")) << word;
    std::string part;
    ASSERT_TRUE(absl::Base64Unescape(word.substr(10, word.size() - 12), &part));
    decoded += part;
  }
  EXPECT_EQ(decoded, m.subject);
  // The body with CRLF line ends; no line of the wire text is longer than
  // 78 characters.
  EXPECT_EQ(DecodedBody(wire),
            "Bonjour Léa,\r\n.ligne qui commence par un point\r\n");
  for (absl::string_view line : absl::StrSplit(wire, "\r\n")) {
    EXPECT_LE(line.size(), 78u) << line;
  }
  // A plain ASCII subject stays as it is.
  m.subject = "Passerelle";
  EXPECT_THAT(FormatMail(m, "a@b.fr", absl::UnixEpoch(), "<x@b.fr>"),
              HasSubstr("Subject: Passerelle\r\n"));
}

TEST(SmtpMailerTest, TheRelayGetsEnvelopeAndMessage) {
  testing::FakeSmtpServer relay;
  SmtpOptions options;
  options.url = relay.url();
  options.from = "passerelle@example.org";
  options.username = "passerelle";
  options.password = "secret du relais";
  absl::StatusOr<std::unique_ptr<Mailer>> mailer = NewSmtpMailer(options);
  ASSERT_TRUE(mailer.ok()) << mailer.status();
  MailMessage m{"parent@example.fr", "Invitation", "Ouvrez ce lien.\n"};
  ASSERT_TRUE((*mailer)->Send(m).ok());
  const auto got = relay.WaitFor(1, absl::Seconds(10));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].mail_from, "passerelle@example.org");
  EXPECT_THAT(got[0].rcpt_to, ::testing::ElementsAre("parent@example.fr"));
  EXPECT_EQ(got[0].auth, std::string("passerelle\0secret du relais", 27));
  EXPECT_EQ(DecodedBody(got[0].data), "Ouvrez ce lien.\r\n");
}

TEST(SmtpMailerTest, RefusalsAndAnAbsentRelayAreErrors) {
  testing::FakeSmtpServer relay;
  relay.set_refuse_recipients(true);
  SmtpOptions options;
  options.url = relay.url();
  options.from = "passerelle@example.org";
  options.timeout = absl::Seconds(5);
  auto mailer = NewSmtpMailer(options);
  ASSERT_TRUE(mailer.ok()) << mailer.status();
  absl::Status sent =
      (*mailer)->Send({"nobody@example.fr", "Invitation", "Bonjour\n"});
  EXPECT_EQ(sent.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(sent.message(), HasSubstr("smtp relay"));
  EXPECT_TRUE(relay.WaitFor(1, absl::Milliseconds(10)).empty());

  // A port nobody listens on (the relay's, once it is gone).
  int port = 0;
  {
    testing::FakeSmtpServer gone;
    port = gone.port();
  }
  options.url = absl::StrCat("smtp://127.0.0.1:", port);
  mailer = NewSmtpMailer(options);
  ASSERT_TRUE(mailer.ok()) << mailer.status();
  EXPECT_EQ((*mailer)->Send({"a@example.fr", "x", "y\n"}).code(),
            absl::StatusCode::kUnavailable);
}

TEST(SmtpMailerTest, OptionsAreChecked) {
  SmtpOptions options;
  options.from = "passerelle@example.org";
  for (const char* url :
       {"", "http://relay.example.org", "smtp://", "relay.example.org:25"}) {
    options.url = url;
    absl::StatusOr<std::unique_ptr<Mailer>> m = NewSmtpMailer(options);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(m.status().message(), HasSubstr("--smtp_url")) << url;
  }
  options.url = "smtps://relay.example.org:465";
  for (const char* from :
       {"", "passerelle", "a b@example.org", "<a@example.org>", "a@"}) {
    options.from = from;
    absl::StatusOr<std::unique_ptr<Mailer>> m = NewSmtpMailer(options);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << from;
    EXPECT_THAT(m.status().message(), HasSubstr("--smtp_from")) << from;
  }
  options.from = "passerelle@example.org";
  EXPECT_TRUE(NewSmtpMailer(options).ok());
}

}  // namespace
}  // namespace passerelle::runtime
