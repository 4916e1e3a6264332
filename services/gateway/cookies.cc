#include "services/gateway/cookies.h"

#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace passerelle::gateway {

std::string CookieValue(absl::string_view cookie_header,
                        absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(cookie_header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos) continue;
    if (pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
  }
  return "";
}

std::string CsrfToken(absl::string_view session_token) {
  const std::string input = absl::StrCat("passerelle-csrf:", session_token);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         digest);
  return absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string SessionCookie(absl::string_view token, long max_age_seconds) {
  return absl::StrCat(kSessionCookie, "=", token, "; Max-Age=", max_age_seconds,
                      "; Path=/; HttpOnly; Secure; SameSite=Strict");
}

std::string CsrfCookie(absl::string_view csrf, long max_age_seconds) {
  return absl::StrCat(kCsrfCookie, "=", csrf, "; Max-Age=", max_age_seconds,
                      "; Path=/; Secure; SameSite=Strict");
}

bool SameOrigin(absl::string_view origin, absl::string_view host) {
  if (origin.empty()) return true;  // not a browser's cross-site request
  for (absl::string_view scheme : {"http://", "https://"}) {
    if (absl::StartsWith(origin, scheme)) {
      return absl::EqualsIgnoreCase(origin.substr(scheme.size()), host);
    }
  }
  return false;  // "null" and anything else
}

}  // namespace passerelle::gateway
