#include "services/runtime/auth.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace passerelle::runtime {
namespace {

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  CHECK_EQ(RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                      static_cast<int>(n)),
           1)
      << "the system random generator failed";
  return bytes;
}

}  // namespace

absl::StatusOr<Caller> AuthenticateCall(
    const Authenticator& authenticator,
    const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        "missing metadata 'authorization: Bearer <token>'");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(value, kBearer) ||
      value.size() == kBearer.size()) {
    return absl::UnauthenticatedError(
        "metadata 'authorization' must be 'Bearer <token>'");
  }
  return authenticator.Authenticate(value.substr(kBearer.size()));
}

std::string NewToken() {
  std::string encoded;
  absl::WebSafeBase64Escape(RandomBytes(32), &encoded);
  return absl::StrCat("psl_", encoded);
}

std::string HashToken(absl::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string NewId(absl::string_view prefix) {
  return absl::StrCat(prefix, "_", absl::BytesToHexString(RandomBytes(10)));
}

absl::Status Denied(absl::string_view what) {
  return absl::PermissionDeniedError(what);
}

}  // namespace passerelle::runtime
