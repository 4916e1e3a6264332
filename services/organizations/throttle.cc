#include "services/organizations/throttle.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace passerelle::organizations {
namespace {

std::string Wait(absl::Time until, absl::Time now) {
  const int64_t seconds = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(until - now, absl::Seconds(1))));
  return absl::StrCat(seconds, " s");
}

}  // namespace

absl::Status SignInThrottle::Check(absl::string_view account,
                                   absl::string_view address,
                                   absl::Time now) const {
  absl::MutexLock lock(&mu_);
  auto a = accounts_.find(account);
  if (a != accounts_.end() && now < a->second.locked_until) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many failed sign-ins for this account: try again in ",
                     Wait(a->second.locked_until, now)));
  }
  auto b = addresses_.find(address);
  if (b != addresses_.end() && now < b->second.locked_until) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "too many failed sign-ins from this address: try again in ",
        Wait(b->second.locked_until, now)));
  }
  return absl::OkStatus();
}

void SignInThrottle::Failed(absl::string_view account,
                            absl::string_view address, absl::Time now) {
  absl::MutexLock lock(&mu_);
  Count(accounts_, account, options_.account_failures, now);
  Count(addresses_, address, options_.address_failures, now);
}

void SignInThrottle::Succeeded(absl::string_view account) {
  absl::MutexLock lock(&mu_);
  accounts_.erase(account);
}

void SignInThrottle::Count(Map& map, absl::string_view key, int threshold,
                           absl::Time now) {
  if (map.size() >= options_.max_entries) Forget(map, now);
  Entry& entry = map[key];
  if (entry.failures > 0 && now - entry.last_failure > options_.memory &&
      now >= entry.locked_until) {
    entry = Entry();
  }
  ++entry.failures;
  entry.last_failure = now;
  if (entry.failures >= threshold) {
    // 1x, 2x, 4x ... the first delay, up to the maximum.
    const int doublings = std::min(entry.failures - threshold, 30);
    const absl::Duration delay =
        std::min(options_.max_delay, options_.first_delay * (1LL << doublings));
    entry.locked_until = now + delay;
  }
}

void SignInThrottle::Forget(Map& map, absl::Time now) {
  // First the stale entries; if that is not enough, every entry not waiting
  // (an attacker flooding the map with new keys cannot unlock the others).
  absl::erase_if(map, [&](const auto& kv) {
    return now >= kv.second.locked_until &&
           now - kv.second.last_failure > options_.memory;
  });
  if (map.size() < options_.max_entries) return;
  absl::erase_if(map,
                 [&](const auto& kv) { return now >= kv.second.locked_until; });
}

}  // namespace passerelle::organizations
