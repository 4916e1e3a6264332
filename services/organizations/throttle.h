#pragma once

// Sign-in throttling: after repeated failures, an account (the e-mail given)
// or a client address is refused for a delay that doubles with each further
// failure. Kept in memory: a restart forgets it, as it forgets the attacker's
// connections. Thread-safe.

#include <cstddef>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace passerelle::organizations {

class SignInThrottle {
 public:
  struct Options {
    int account_failures = 5;   // failures before an account waits
    int address_failures = 20;  // failures before an address waits
    absl::Duration first_delay = absl::Seconds(30);
    absl::Duration max_delay = absl::Hours(1);
    // Failures older than this (and past their delay) are forgotten.
    absl::Duration memory = absl::Hours(24);
    size_t max_entries = 100000;  // per kind; the forgotten go first
  };

  SignInThrottle() : SignInThrottle(Options()) {}
  explicit SignInThrottle(Options options) : options_(options) {}

  // OK, or RESOURCE_EXHAUSTED saying which (account or address) waits and
  // for how long. Checked before the password, so a refused attempt costs
  // no hashing and does not count as a failure.
  absl::Status Check(absl::string_view account, absl::string_view address,
                     absl::Time now) const;
  // Counts a failure against both.
  void Failed(absl::string_view account, absl::string_view address,
              absl::Time now);
  // A successful sign-in clears the account's failures (not the address's:
  // one good password must not let an address go on guessing others).
  void Succeeded(absl::string_view account);

 private:
  struct Entry {
    int failures = 0;
    absl::Time last_failure;
    absl::Time locked_until = absl::InfinitePast();
  };
  using Map = absl::flat_hash_map<std::string, Entry>;

  void Count(Map& map, absl::string_view key, int threshold, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Forget(Map& map, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  mutable absl::Mutex mu_;
  Map accounts_ ABSL_GUARDED_BY(mu_);
  Map addresses_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passerelle::organizations
