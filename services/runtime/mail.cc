#include "services/runtime/mail.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "services/runtime/auth.h"

namespace passerelle::runtime {
namespace {

void InitCurl() {
  static const bool initialized =
      curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  CHECK(initialized) << "libcurl failed to initialize";
}

bool IsPrintableAscii(absl::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= 0x20 && c < 0x7F; });
}

// RFC 2047 encoded words (39 bytes of text give 52 characters of base64,
// a word of 64, a line under 78 even after "Subject: "), cut between UTF-8
// characters, folded onto lines of their own.
std::string EncodeHeader(absl::string_view text) {
  if (IsPrintableAscii(text)) return std::string(text);
  std::string out;
  while (!text.empty()) {
    size_t n = std::min<size_t>(39, text.size());
    while (n < text.size() && n > 0 &&
           (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) {
      --n;
    }
    if (!out.empty()) out += "\r\n ";
    absl::StrAppend(&out, "=?UTF-8?B?", absl::Base64Escape(text.substr(0, n)),
                    "?=");
    text.remove_prefix(n);
  }
  return out;
}

bool IsLoopbackHost(absl::string_view host) {
  return host == "localhost" || absl::StartsWith(host, "127.") ||
         host == "::1" || host == "[::1]";
}

// The host of an smtp(s) URL, or empty when it has none.
std::string UrlHost(const std::string& url, std::string* scheme) {
  CURLU* u = curl_url();
  std::string host;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* part = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
      host = part;
      curl_free(part);
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &part, 0) == CURLUE_OK) {
      *scheme = absl::AsciiStrToLower(part);
      curl_free(part);
    }
  }
  curl_url_cleanup(u);
  return host;
}

struct Payload {
  absl::string_view rest;
};

size_t ReadPayload(char* buffer, size_t size, size_t count, void* data) {
  auto* payload = static_cast<Payload*>(data);
  const size_t n = std::min(size * count, payload->rest.size());
  std::memcpy(buffer, payload->rest.data(), n);
  payload->rest.remove_prefix(n);
  return n;
}

class SmtpMailer : public Mailer {
 public:
  SmtpMailer(SmtpOptions options, bool loopback)
      : options_(std::move(options)), loopback_(loopback) {}

  absl::Status Send(const MailMessage& message) override {
    const std::string domain(
        absl::string_view(options_.from).substr(options_.from.find('@') + 1));
    const std::string wire =
        FormatMail(message, options_.from, absl::Now(),
                   absl::StrCat("<", NewId("mail"), "@", domain, ">"));
    Payload payload{wire};
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(
        curl_easy_init(), &curl_easy_cleanup);
    if (curl == nullptr) return absl::InternalError("smtp: curl_easy_init");
    const std::string from = absl::StrCat("<", options_.from, ">");
    const std::string to = absl::StrCat("<", message.to, ">");
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(
        curl_slist_append(nullptr, to.c_str()), &curl_slist_free_all);
    char error[CURL_ERROR_SIZE] = "";
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadPayload);
    curl_easy_setopt(c, CURLOPT_READDATA, &payload);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    // Credentials and addresses never cross the network in clear: STARTTLS
    // is required unless the relay is on this machine.
    curl_easy_setopt(
        c, CURLOPT_USE_SSL,
        static_cast<long>(loopback_ ? CURLUSESSL_TRY : CURLUSESSL_ALL));
    if (!options_.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
    }
    if (!options_.ca_file.empty()) {
      curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
    }
    const long ms =
        static_cast<long>(absl::ToInt64Milliseconds(options_.timeout));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    const CURLcode result = curl_easy_perform(c);
    if (result != CURLE_OK) {
      return absl::UnavailableError(
          absl::StrCat("smtp relay ", options_.url, ": ",
                       error[0] != '\0' ? error : curl_easy_strerror(result)));
    }
    return absl::OkStatus();
  }

 private:
  const SmtpOptions options_;
  const bool loopback_;
};

}  // namespace

std::string FormatMail(const MailMessage& message, absl::string_view from,
                       absl::Time date, absl::string_view message_id) {
  std::string body = absl::StrReplaceAll(message.body, {{"\r\n", "\n"}});
  body = absl::StrReplaceAll(body, {{"\n", "\r\n"}});
  const std::string encoded = absl::Base64Escape(body);
  std::string out =
      absl::StrCat("Date: ",
                   absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", date,
                                    absl::UTCTimeZone()),
                   "\r\nFrom: <", from, ">\r\nTo: <", message.to,
                   ">\r\nSubject: ", EncodeHeader(message.subject),
                   "\r\nMessage-ID: ", message_id,
                   "\r\nMIME-Version: 1.0\r\n"
                   "Content-Type: text/plain; charset=UTF-8\r\n"
                   "Content-Transfer-Encoding: base64\r\n\r\n");
  for (size_t i = 0; i < encoded.size(); i += 76) {
    absl::StrAppend(&out, absl::string_view(encoded).substr(i, 76), "\r\n");
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Mailer>> NewSmtpMailer(SmtpOptions options) {
  InitCurl();
  std::string scheme;
  const std::string host = UrlHost(options.url, &scheme);
  if (host.empty() || (scheme != "smtp" && scheme != "smtps")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--smtp_url: smtp://host[:port] or smtps://host[:port], got '",
        options.url, "'"));
  }
  const size_t at = options.from.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == options.from.size() ||
      !IsPrintableAscii(options.from) ||
      options.from.find_first_of(" <>\"") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--smtp_from: the sender's e-mail address, got '", options.from, "'"));
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--smtp_timeout: must be positive");
  }
  const bool loopback = IsLoopbackHost(host);
  return std::make_unique<SmtpMailer>(std::move(options), loopback);
}

}  // namespace passerelle::runtime
