#include "services/integration/webhooks.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"

namespace passerelle::integration {
namespace {

constexpr absl::string_view kSecretPrefix = "whsec_";

void InitCurl() {
  static const bool initialized =
      curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  CHECK(initialized) << "libcurl failed to initialize";
}

// The address's bytes (4 or 16), or empty when not a numeric address.
std::string AddressBytes(absl::string_view address) {
  std::string text(absl::StripPrefix(absl::StripSuffix(address, "]"), "["));
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
    return std::string(reinterpret_cast<char*>(buf), 4);
  }
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    return std::string(reinterpret_cast<char*>(buf), 16);
  }
  return "";
}

bool InRange(const std::string& bytes, const std::string& base, int prefix) {
  if (bytes.size() != base.size()) return false;
  for (int bit = 0; bit < prefix; ++bit) {
    const int byte = bit / 8, mask = 0x80 >> (bit % 8);
    if ((bytes[byte] & mask) != (base[byte] & mask)) return false;
  }
  return true;
}

bool PrivateBytes(const std::string& b) {
  struct R {
    const char* base;
    int prefix;
  };
  if (b.size() == 4) {
    static const R kV4[] = {
        {"0.0.0.0", 8},     {"10.0.0.0", 8},      {"100.64.0.0", 10},
        {"127.0.0.0", 8},   {"169.254.0.0", 16},  {"172.16.0.0", 12},
        {"192.0.0.0", 24},  {"192.0.2.0", 24},    {"192.168.0.0", 16},
        {"198.18.0.0", 15}, {"198.51.100.0", 24}, {"203.0.113.0", 24},
        {"224.0.0.0", 4},   {"240.0.0.0", 4},
    };
    for (const R& r : kV4) {
      if (InRange(b, AddressBytes(r.base), r.prefix)) return true;
    }
    return false;
  }
  if (b.size() != 16) return true;  // not an address: refused
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): the IPv4.
  if (InRange(b, AddressBytes("::ffff:0:0"), 96) ||
      InRange(b, AddressBytes("64:ff9b::"), 96)) {
    return PrivateBytes(b.substr(12));
  }
  static const R kV6[] = {
      {"::", 128},
      {"::1", 128},
      {"fc00::", 7},
      {"fe80::", 10},
      {"fec0::", 10},
      {"ff00::", 8},
      {"2001:db8::", 32},
      {"100::", 64},
      {"::", 96},
      // 6to4 and Teredo embed IPv4 addresses a relay would reach.
      {"2002::", 16},
      {"2001::", 32},
  };
  for (const R& r : kV6) {
    if (InRange(b, AddressBytes(r.base), r.prefix)) return true;
  }
  return false;
}

struct ParsedUrl {
  std::string scheme, host;
  int port = 0;
};

absl::StatusOr<ParsedUrl> ParseUrl(absl::string_view url,
                                   absl::string_view field) {
  InitCurl();
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
  };
  if (url.empty()) return bad("required");
  if (url.size() > 2000) return bad("at most 2000 characters");
  for (char c : url) {
    if (c <= 0x20 || c >= 0x7F) return bad("no spaces or control characters");
  }
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(),
                                                        &curl_url_cleanup);
  const std::string text(url);
  if (curl_url_set(u.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return bad(absl::StrCat("not a URL: '", url, "'"));
  }
  ParsedUrl out;
  auto part = [&](CURLUPart which, std::string* into) {
    char* value = nullptr;
    if (curl_url_get(u.get(), which, &value, 0) != CURLUE_OK) return false;
    *into = value;
    curl_free(value);
    return true;
  };
  std::string ignored;
  if (part(CURLUPART_USER, &ignored) || part(CURLUPART_PASSWORD, &ignored)) {
    return bad("no user name or password in the URL (sign with the secret)");
  }
  part(CURLUPART_SCHEME, &out.scheme);
  out.scheme = absl::AsciiStrToLower(out.scheme);
  if (out.scheme != "https" && out.scheme != "http") {
    return bad("https://… (or http:// to an allowed host)");
  }
  if (!part(CURLUPART_HOST, &out.host) || out.host.empty()) {
    return bad("no host");
  }
  out.host = absl::AsciiStrToLower(out.host);
  std::string port;
  char* value = nullptr;
  if (curl_url_get(u.get(), CURLUPART_PORT, &value, CURLU_DEFAULT_PORT) ==
      CURLUE_OK) {
    port = value;
    curl_free(value);
  }
  if (!absl::SimpleAtoi(port, &out.port) || out.port <= 0 || out.port > 65535) {
    return bad("bad port");
  }
  return out;
}

size_t Discard(char*, size_t size, size_t count, void* data) {
  auto* left = static_cast<size_t*>(data);
  const size_t n = size * count;
  if (n > *left) return 0;  // over the bound: stop reading
  *left -= n;
  return n;
}

}  // namespace

std::string NewWebhookSecret() {
  unsigned char key[32];
  CHECK_EQ(RAND_bytes(key, sizeof key), 1);
  return absl::StrCat(kSecretPrefix, absl::Base64Escape(absl::string_view(
                                         reinterpret_cast<char*>(key), 32)));
}

absl::StatusOr<std::string> SignWebhook(absl::string_view secret,
                                        absl::string_view id, int64_t timestamp,
                                        absl::string_view body) {
  std::string key;
  if (!absl::ConsumePrefix(&secret, kSecretPrefix) ||
      !absl::Base64Unescape(secret, &key) || key.empty()) {
    return absl::InvalidArgumentError("secret: whsec_ + base64");
  }
  const std::string message = absl::StrCat(id, ".", timestamp, ".", body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size(), mac, &mac_len) != nullptr);
  return absl::StrCat("v1,", absl::Base64Escape(absl::string_view(
                                 reinterpret_cast<char*>(mac), mac_len)));
}

absl::StatusOr<AddressPolicy> AddressPolicy::Create(
    const std::vector<std::string>& allowed) {
  AddressPolicy policy;
  for (const std::string& raw : allowed) {
    const std::string entry =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(raw));
    if (entry.empty()) continue;
    const size_t slash = entry.find('/');
    const std::string address = entry.substr(0, slash);
    const std::string bytes = AddressBytes(address);
    if (bytes.empty()) {
      if (slash != std::string::npos ||
          entry.find_first_of(":@ ") != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--webhook_allowed_hosts: '", raw,
            "' is neither a host name, an address nor a CIDR range"));
      }
      policy.hosts_.push_back(entry);
      continue;
    }
    int prefix = static_cast<int>(bytes.size()) * 8;
    if (slash != std::string::npos &&
        (!absl::SimpleAtoi(entry.substr(slash + 1), &prefix) || prefix < 0 ||
         prefix > static_cast<int>(bytes.size()) * 8)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--webhook_allowed_hosts: bad prefix length in '", raw, "'"));
    }
    policy.ranges_.push_back({bytes, prefix});
  }
  return policy;
}

bool AddressPolicy::IsPrivate(absl::string_view numeric_address) {
  return PrivateBytes(AddressBytes(numeric_address));
}

bool AddressPolicy::Allowed(absl::string_view host,
                            absl::string_view address) const {
  for (const std::string& h : hosts_) {
    if (h == host) return true;
  }
  const std::string bytes = AddressBytes(address);
  for (const Range& r : ranges_) {
    if (InRange(bytes, r.bytes, r.prefix)) return true;
  }
  return false;
}

absl::Status AddressPolicy::CheckUrl(absl::string_view url,
                                     absl::string_view field) const {
  absl::StatusOr<ParsedUrl> parsed = ParseUrl(url, field);
  if (!parsed.ok()) return parsed.status();
  const std::string bytes = AddressBytes(parsed->host);
  const bool allowed =
      Allowed(parsed->host, bytes.empty() ? "" : std::string(parsed->host));
  if (parsed->scheme == "http" && !allowed) {
    return absl::InvalidArgumentError(
        absl::StrCat(field,
                     ": https:// required (http:// only to a host the server's "
                     "--webhook_allowed_hosts allows)"));
  }
  if (!bytes.empty() && PrivateBytes(bytes) && !allowed) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", parsed->host,
        " is a private, loopback or link-local address (allowed only with "
        "the server's --webhook_allowed_hosts)"));
  }
  if (bytes.empty() &&
      (parsed->host == "localhost" ||
       absl::EndsWith(parsed->host, ".localhost")) &&
      !allowed) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": localhost is not a public host"));
  }
  return absl::OkStatus();
}

absl::StatusOr<AddressPolicy::Target> AddressPolicy::Resolve(
    absl::string_view url) const {
  absl::Status checked = CheckUrl(url, "url");
  if (!checked.ok()) return checked;
  absl::StatusOr<ParsedUrl> parsed = ParseUrl(url, "url");
  if (!parsed.ok()) return parsed.status();
  Target target;
  target.host = parsed->host;
  target.port = parsed->port;
  target.https = parsed->scheme == "https";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* result = nullptr;
  const std::string host(
      absl::StripPrefix(absl::StripSuffix(parsed->host, "]"), "["));
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve ", parsed->host, ": ", gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(result,
                                                           &freeaddrinfo);
  for (addrinfo* a = result; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = "";
    const void* raw =
        a->ai_family == AF_INET
            ? static_cast<const void*>(
                  &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
            : static_cast<const void*>(
                  &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (inet_ntop(a->ai_family, raw, text, sizeof text) == nullptr) continue;
    // Every address the name has must be acceptable: one private answer
    // among public ones is refused too.
    if (IsPrivate(text) && !Allowed(parsed->host, text)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "url: ", parsed->host, " resolves to ", text,
          ", a private, loopback or link-local address (allowed only with "
          "--webhook_allowed_hosts)"));
    }
    if (target.address.empty()) target.address = text;
  }
  if (target.address.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve ", parsed->host, ": no address"));
  }
  return target;
}

PostResult PostJson(const std::string& url, const AddressPolicy::Target& target,
                    const std::vector<std::string>& headers,
                    const std::string& body, const PostOptions& options) {
  InitCurl();
  PostResult result;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                           &curl_easy_cleanup);
  if (curl == nullptr) {
    result.error = "curl_easy_init failed";
    return result;
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list(
      nullptr, &curl_slist_free_all);
  curl_slist* raw = nullptr;
  for (const std::string& h : headers) raw = curl_slist_append(raw, h.c_str());
  raw = curl_slist_append(raw, "Content-Type: application/json");
  raw = curl_slist_append(raw, "Expect:");
  list.reset(raw);
  // Pinned to the address checked: no second resolution.
  const bool v6 = target.address.find(':') != std::string::npos;
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> resolve(
      curl_slist_append(nullptr,
                        absl::StrCat(target.host, ":", target.port, ":",
                                     v6 ? absl::StrCat("[", target.address, "]")
                                        : target.address)
                            .c_str()),
      &curl_slist_free_all);
  size_t left = options.max_response_bytes;
  char error[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_RESOLVE, resolve.get());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "Passerelle-Webhooks/1");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Discard);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &left);
  curl_easy_setopt(
      c, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(options.connect_timeout)));
  curl_easy_setopt(
      c, CURLOPT_TIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(options.timeout)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  if (!options.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  }
  const CURLcode code = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  result.status_code = static_cast<int>(status);
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && result.ok())) {
    result.error = error[0] != '\0' ? error : curl_easy_strerror(code);
    if (code == CURLE_WRITE_ERROR) result.error = "response too large";
    if (!result.ok() && code != CURLE_WRITE_ERROR) result.status_code = 0;
    return result;
  }
  if (!result.ok()) {
    result.error = absl::StrCat("HTTP ", result.status_code);
  }
  return result;
}

}  // namespace passerelle::integration
