#pragma once

// Webhook delivery pieces with no store in them: the Standard Webhooks
// signature, the address policy (no private, loopback or link-local
// destination unless allowed: SSRF), and one HTTP POST through libcurl.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace passerelle::integration {

// "whsec_" + base64 of 32 random bytes.
std::string NewWebhookSecret();

// The webhook-signature header value for one message, Standard Webhooks
// (https://www.standardwebhooks.com): "v1," + base64(HMAC-SHA256(key,
// "<id>.<timestamp>.<body>")), the key being the base64 after "whsec_".
// INVALID_ARGUMENT for a malformed secret.
absl::StatusOr<std::string> SignWebhook(absl::string_view secret,
                                        absl::string_view id, int64_t timestamp,
                                        absl::string_view body);

// Which destinations webhooks may reach. By default only public addresses
// over https; `allowed` entries (host names, IP addresses or CIDR ranges,
// from --webhook_allowed_hosts) are exempted from the private-address
// refusal and may use http.
class AddressPolicy {
 public:
  // INVALID_ARGUMENT naming --webhook_allowed_hosts for a bad entry.
  static absl::StatusOr<AddressPolicy> Create(
      const std::vector<std::string>& allowed);

  // Checks a URL as registered: scheme, host, port, no credentials.
  // INVALID_ARGUMENT naming `field` otherwise.
  absl::Status CheckUrl(absl::string_view url, absl::string_view field) const;

  // Resolves the URL's host and checks every address. Returns the address
  // to connect to (the connection is pinned to it: a DNS answer cannot
  // change between the check and the request). INVALID_ARGUMENT (a refused
  // address) or UNAVAILABLE (name resolution failed).
  struct Target {
    std::string host;
    int port = 0;
    std::string address;  // numeric IPv4 or IPv6
    bool https = false;
  };
  absl::StatusOr<Target> Resolve(absl::string_view url) const;

  // True for an address in a private, loopback, link-local, shared (CGNAT),
  // unspecified, multicast or reserved range.
  static bool IsPrivate(absl::string_view numeric_address);

 private:
  bool Allowed(absl::string_view host, absl::string_view address) const;
  struct Range {
    std::string bytes;  // 4 or 16
    int prefix = 0;
  };
  std::vector<std::string> hosts_;
  std::vector<Range> ranges_;
};

struct PostResult {
  int status_code = 0;  // 0: no HTTP answer
  std::string error;    // empty on a 2xx
  bool ok() const { return status_code >= 200 && status_code < 300; }
};

struct PostOptions {
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration timeout = absl::Seconds(10);
  size_t max_response_bytes = 64 << 10;  // read at most; the rest dropped
  std::string ca_file;                   // set: trust this CA too
};

// POSTs a JSON body to `target` (from AddressPolicy::Resolve) with the
// given headers. Certificates verified; no redirects followed; bounded
// time and response size.
PostResult PostJson(const std::string& url, const AddressPolicy::Target& target,
                    const std::vector<std::string>& headers,
                    const std::string& body, const PostOptions& options);

}  // namespace passerelle::integration
