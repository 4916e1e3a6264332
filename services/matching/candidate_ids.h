#pragma once

// Candidate ids: how a company names a graduate before acceptance.
//
// A company never sees a graduate's global id (it starts with the
// record's creation time and is the same everywhere). It sees, for each of
// its offers, a candidate id: the graduate id encrypted under a server
// secret with the offer id bound in (AES-256-GCM, additional data = the
// offer id, nonce = HMAC-SHA256(secret, offer id, graduate id) truncated to
// 12 bytes: deterministic, SIV-like). So a candidate id
// - is stable for one (graduate, offer) pair, and the same one in
//   RankGraduates, ExplainMatch and the company's proposals;
// - reveals nothing of the graduate id, and cannot be linked to the same
//   graduate's id on another offer without the secret;
// - cannot be forged, nor used with another offer (authentication fails).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace passerelle::matching {

class CandidateIds {
 public:
  // Candidate ids start with this prefix.
  static constexpr absl::string_view kPrefix = "cnd_";

  // `secret`: at least 32 bytes (the server's pseudonym key); the keys
  // used are derived from it.
  explicit CandidateIds(absl::string_view secret);

  // The candidate id of `graduate_id` for `offer_id`.
  std::string Encode(absl::string_view offer_id,
                     absl::string_view graduate_id) const;

  // The graduate id behind `candidate_id` for `offer_id`. NOT_FOUND
  // ("candidate <id> not found for offer <offer_id>") for anything that is
  // not a candidate id made by Encode for this offer: malformed, forged,
  // another offer's, or a global graduate id; one answer for all, so that
  // the error tells nothing.
  absl::StatusOr<std::string> Decode(absl::string_view offer_id,
                                     absl::string_view candidate_id) const;

 private:
  std::string Nonce(absl::string_view offer_id,
                    absl::string_view graduate_id) const;

  std::string encryption_key_;  // 32 bytes
  std::string nonce_key_;       // 32 bytes
};

}  // namespace passerelle::matching
