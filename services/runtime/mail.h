#pragma once

// Outgoing e-mail through an SMTP relay (libcurl): invitations and the
// notices that go with accounts. Nothing here queues or retries: a caller
// learns at once whether the relay took the message.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace passerelle::runtime {

struct MailMessage {
  std::string to;       // one address, validated by the caller
  std::string subject;  // UTF-8, one line
  std::string body;     // UTF-8 plain text, lines ending with '\n'
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  // OK once the relay accepted the message for delivery; otherwise why not
  // (UNAVAILABLE for a relay that cannot be reached or refuses).
  virtual absl::Status Send(const MailMessage& message) = 0;
};

struct SmtpOptions {
  // smtp://host[:port] (STARTTLS is then required, except to a loopback
  // relay) or smtps://host[:port] (TLS from the start).
  std::string url;
  std::string from;  // the envelope sender and the From: address
  // Empty: no authentication. The password comes from the environment
  // (PASSERELLE_SMTP_PASSWORD), never from a flag.
  std::string username;
  std::string password;
  std::string ca_file;  // set: trust this CA for the relay (else the system's)
  // Connecting and the whole exchange, each.
  absl::Duration timeout = absl::Seconds(10);
};

// Checks the options; errors name the flag at fault (--smtp_url,
// --smtp_from).
absl::StatusOr<std::unique_ptr<Mailer>> NewSmtpMailer(SmtpOptions options);

// The message as it goes on the wire (without SMTP's dot-stuffing):
// RFC 5322 headers, the subject RFC 2047-encoded when not ASCII, and the
// UTF-8 body in base64 (no relay needs 8BITMIME, no line needs stuffing).
std::string FormatMail(const MailMessage& message, absl::string_view from,
                       absl::Time date, absl::string_view message_id);

}  // namespace passerelle::runtime
