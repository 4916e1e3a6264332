#pragma once

// The France Travail "Offres d'emploi v2" API, read with OAuth2 client
// credentials (francetravail.io): a token from the token endpoint, then the
// search, page by page (range=0-149, 150-299, … as far as the API serves:
// 3,150 offers), over libcurl.

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace passerelle::cli {

inline constexpr absl::string_view kFranceTravailTokenUrl =
    "https://entreprise.francetravail.fr/connexion/oauth2/"
    "access_token?realm=%2Fpartenaire";
inline constexpr absl::string_view kFranceTravailSearchUrl =
    "https://api.francetravail.io/partenaire/offresdemploi/v2/offres/search";

struct FranceTravailApi {
  std::string token_url;
  std::string search_url;
  std::string client_id;
  std::string client_secret;
  std::string scope = "api_offresdemploiv2 o2dsoffre";
  std::string ca_file;  // set: trust this CA too (tests)
  absl::Duration timeout = absl::Seconds(30);
};

// Every offer the search finds, as one JSON array of France Travail's offer
// objects (what offers/formats reads). `params`: the search's parameters
// (siret, codeROME, commune, …), sent URL-encoded. Progress lines go to
// `log` when not null. Errors say which step failed and why (the token
// refused, an HTTP status, an unreadable answer).
absl::StatusOr<std::string> FetchFranceTravailOffers(
    const FranceTravailApi& api,
    const std::vector<std::pair<std::string, std::string>>& params,
    std::ostream* log);

}  // namespace passerelle::cli
