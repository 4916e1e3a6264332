#include "services/runtime/auth.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
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

absl::StatusOr<std::string> OwnGraduate(const Caller& caller,
                                        absl::string_view requested,
                                        absl::string_view what) {
  if (!requested.empty()) {
    if (!caller.ActsFor(requested)) return Denied(what);
    return std::string(requested);
  }
  if (caller.graduate_ids.size() > 1) {
    return absl::InvalidArgumentError(
        "graduate_id: required: this account represents several young "
        "people; say which");
  }
  if (caller.graduate_id.empty()) return Denied(what);
  return caller.graduate_id;
}

absl::StatusOr<Caller> AuthenticateCall(
    const Authenticator& authenticator,
    const grpc::ServerContextBase& context) {
  absl::StatusOr<Caller> caller =
      AuthenticateMetadata(authenticator, context.client_metadata());
  if (caller.ok()) caller->client_address = ClientAddress(context);
  return caller;
}

absl::StatusOr<Caller> AuthenticateMetadata(
    const Authenticator& authenticator,
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
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

bool IsUnauthenticatedMethod(absl::string_view full_method) {
  for (absl::string_view m : kUnauthenticatedMethods) {
    if (m == full_method) return true;
  }
  return false;
}

namespace {

// "ipv4:1.2.3.4:5", "ipv6:[::1]:5", "ipv6:%5B::1%5D:5" -> the host part.
std::string PeerHost(absl::string_view peer) {
  absl::string_view rest = peer;
  if (absl::ConsumePrefix(&rest, "ipv4:")) {
    return std::string(rest.substr(0, rest.rfind(':')));
  }
  if (absl::ConsumePrefix(&rest, "ipv6:")) {
    std::string host(rest);
    // gRPC percent-encodes the brackets of IPv6 peers.
    absl::StrReplaceAll({{"%5B", "["}, {"%5D", "]"}}, &host);
    absl::string_view h = host;
    if (absl::ConsumePrefix(&h, "[")) h = h.substr(0, h.find(']'));
    return std::string(h);
  }
  return std::string(peer);  // "unix:...", or the in-process transport
}

bool IsLocalPeer(absl::string_view peer, absl::string_view host) {
  if (!absl::StartsWith(peer, "ipv4:") && !absl::StartsWith(peer, "ipv6:")) {
    // In process (the HTTP gateway's channel) or a Unix socket: no remote
    // peer could have set the metadata without going through us.
    return true;
  }
  return absl::StartsWith(host, "127.") || host == "::1" ||
         host == "::ffff:127.0.0.1";
}

}  // namespace

std::string ClientAddress(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("x-forwarded-for");
  return ClientAddress(
      context.peer(),
      it == metadata.end()
          ? absl::string_view()
          : absl::string_view(it->second.data(), it->second.size()));
}

std::string ClientAddress(absl::string_view peer,
                          absl::string_view forwarded_for) {
  std::string host = PeerHost(peer);
  if (forwarded_for.empty() || !IsLocalPeer(peer, host)) return host;
  std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
  absl::string_view last = absl::StripAsciiWhitespace(hops.back());
  if (last.empty() || last.size() > 64) return host;
  return std::string(last);
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
  static std::atomic<uint64_t> last_micros{0};
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
  uint64_t previous = last_micros.load(std::memory_order_relaxed);
  uint64_t micros;
  do {
    micros = std::max(now, previous + 1);
  } while (!last_micros.compare_exchange_weak(previous, micros,
                                              std::memory_order_relaxed));
  // Seeded once per thread from the system generator: the random part only
  // separates ids of two processes (or a clock set back across a restart),
  // which the store's absent-record check catches anyway.
  thread_local std::mt19937 noise_source = [] {
    const std::string seed = RandomBytes(sizeof(uint32_t));
    uint32_t value;
    std::memcpy(&value, seed.data(), sizeof(value));
    return std::mt19937(value);
  }();
  const uint32_t noise = noise_source();
  // 52 bits of microseconds (until year 2112), 28 random bits.
  char hex[21];
  std::snprintf(hex, sizeof(hex), "%013llx%07x",
                static_cast<unsigned long long>(micros & ((1ULL << 52) - 1)),
                noise & 0xFFFFFFFu);
  return absl::StrCat(prefix, "_", hex);
}

absl::Status Denied(absl::string_view what) {
  return absl::PermissionDeniedError(what);
}

}  // namespace passerelle::runtime
