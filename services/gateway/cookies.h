#pragma once

// Browser sessions on the HTTP gateway: the session token of a signed-in
// person lives in an HttpOnly cookie (never readable by the page's
// scripts), and every state-changing request made with that cookie must
// carry the CSRF token derived from it in an X-CSRF-Token header, which a
// cross-site page can neither read nor send. Plain functions, no I/O.

#include <string>

#include "absl/strings/string_view.h"

namespace passerelle::gateway {

inline constexpr absl::string_view kSessionCookie = "psl_session";
inline constexpr absl::string_view kCsrfCookie = "psl_csrf";
inline constexpr absl::string_view kCsrfHeader = "X-CSRF-Token";

// The value of cookie `name` in a Cookie header, or empty.
std::string CookieValue(absl::string_view cookie_header,
                        absl::string_view name);

// The CSRF token of a session: a hash of its token (the session token is
// secret, so is this; it reveals nothing of the session token).
std::string CsrfToken(absl::string_view session_token);

// Set-Cookie values: the session (HttpOnly), the CSRF token (readable by
// the page), both Secure, SameSite=Strict, Path=/, for `max_age_seconds`;
// 0 expires them (sign-out).
std::string SessionCookie(absl::string_view token, long max_age_seconds);
std::string CsrfCookie(absl::string_view csrf, long max_age_seconds);

// True when the request's Origin (if any) is the host it was sent to:
// browsers send Origin on cross-site POST, PATCH and DELETE.
bool SameOrigin(absl::string_view origin, absl::string_view host);

}  // namespace passerelle::gateway
