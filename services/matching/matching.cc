#include "services/matching/matching.h"

#include <openssl/hmac.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/dates.h"
#include "services/common/validation.h"
#include "services/matching/convert.h"
#include "services/runtime/reactor.h"
#include "storage/status_macros.h"

namespace passerelle::matching {
namespace {

using runtime::Caller;

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr int kMaxRank = 500;  // offset + page size

// Page tokens are offsets into the ranking ("o:<offset>").
absl::StatusOr<int> ParsePageToken(const std::string& token) {
  if (token.empty()) return 0;
  std::string raw;
  int offset = 0;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.rfind("o:", 0) != 0 ||
      !absl::SimpleAtoi(raw.substr(2), &offset) || offset < 0 || offset > kMaxRank) {
    return absl::InvalidArgumentError("page_token: not a token of this ranking");
  }
  return offset;
}

std::string PageToken(int offset) {
  std::string token;
  absl::WebSafeBase64Escape(absl::StrCat("o:", offset), &token);
  return token;
}

}  // namespace

Matching::Matching(MatchingIndex* index, std::string pseudonym_key, Clock today)
    : index_(index),
      pseudonym_key_(std::move(pseudonym_key)),
      today_(today ? std::move(today) : Clock(&common::TodayInParis)) {}

absl::Status Matching::CheckGraduateAccess(const Caller& caller,
                                           absl::string_view graduate_id) const {
  std::optional<MatchingIndex::Owner> owner = index_->GraduateOwner(graduate_id);
  if (!owner.has_value()) {
    return absl::NotFoundError(absl::StrCat("graduate ", graduate_id, " not found"));
  }
  if (caller.is_admin()) return absl::OkStatus();
  if ((!owner->school_id.empty() && caller.Owns(v1::ROLE_SCHOOL, owner->school_id)) ||
      (!owner->partner_id.empty() && caller.Owns(v1::ROLE_PARTNER, owner->partner_id))) {
    return absl::OkStatus();
  }
  return runtime::Denied(
      absl::StrCat("graduate ", graduate_id, " is not yours to rank for"));
}

absl::StatusOr<v1::RankOffersResponse> Matching::RankOffers(
    const Caller& caller, const v1::RankOffersRequest& request) {
  if (request.graduate_id().empty()) {
    return absl::InvalidArgumentError("graduate_id: required");
  }
  ASSIGN_OR_RETURN(int page_size, common::ValidatePageSize(request.page_size(),
                                                           kDefaultPageSize,
                                                           kMaxPageSize));
  ASSIGN_OR_RETURN(int offset, ParsePageToken(request.page_token()));
  RETURN_IF_ERROR(CheckGraduateAccess(caller, request.graduate_id()));
  engine::RankQuery query;
  query.today = today_();
  query.k = std::min(offset + page_size, kMaxRank);
  for (int i = 0; i < request.contract_types_size(); ++i) {
    const int c = request.contract_types(i);
    if (c == v1::CONTRACT_TYPE_UNSPECIFIED || !v1::ContractType_IsValid(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("contract_types[", i, "]: unknown contract type"));
    }
    query.contract_types.push_back(static_cast<engine::ContractType>(c));
  }
  for (int i = 0; i < request.rome_codes_size(); ++i) {
    if (!common::IsRomeCodeFormat(request.rome_codes(i))) {
      return absl::InvalidArgumentError(
          absl::StrCat("rome_codes[", i, "]: not a ROME code (letter + 4 digits)"));
    }
    query.rome_codes.push_back(request.rome_codes(i));
  }
  ASSIGN_OR_RETURN(std::vector<engine::RankedOffer> ranked,
                   index_->engine().RankOffers(request.graduate_id(), query));
  v1::RankOffersResponse response;
  for (size_t i = offset; i < ranked.size(); ++i) {
    absl::StatusOr<v1::Offer> offer = index_->source().GetOffer(ranked[i].offer_id);
    if (absl::IsNotFound(offer.status())) continue;  // deleted since
    RETURN_IF_ERROR(offer.status());
    v1::RankedOffer* out = response.add_results();
    *out->mutable_offer() = *std::move(offer);
    out->set_score(ranked[i].score);
    out->set_distance_km(ranked[i].distance_km);
    for (const engine::Factor& f : ranked[i].factors) ToProto(f, out->add_factors());
    for (const engine::Warning& w : ranked[i].warnings) {
      v1::Factor* warning = out->add_factors();
      warning->set_name(absl::StrCat("warning:", w.code));
      warning->set_detail(w.detail);
    }
  }
  if (static_cast<int>(ranked.size()) == query.k && query.k < kMaxRank) {
    response.set_next_page_token(PageToken(query.k));
  }
  return response;
}

v1::Candidate Matching::MakeCandidate(const v1::Graduate& g, const v1::Offer& offer) const {
  v1::Candidate c;
  // A pseudonym stable for this (graduate, offer), unlinkable across offers.
  const std::string message = absl::StrCat(g.id(), "/", offer.id());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), pseudonym_key_.data(), static_cast<int>(pseudonym_key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
       &length);
  c.set_pseudonym(absl::StrCat(
      "Candidat-", absl::AsciiStrToUpper(absl::BytesToHexString(absl::string_view(
                       reinterpret_cast<const char*>(digest), 3)))));
  c.set_graduate_id(g.id());
  *c.mutable_diploma() = g.diploma();
  *c.mutable_rome_codes() = g.rome_codes();
  *c.mutable_skills() = g.skills();
  c.set_departement_code(g.home().departement_code());
  c.set_driving_licence(g.driving_licence());
  std::optional<absl::CivilDay> birth = common::ParseDate(g.birth_date());
  std::optional<absl::CivilDay> start = common::ParseDate(offer.start_date());
  if (birth && start) c.set_age_at_start(common::AgeAt(*birth, *start));
  return c;
}

absl::StatusOr<v1::RankGraduatesResponse> Matching::RankGraduates(
    const Caller& caller, const v1::RankGraduatesRequest& request) {
  if (request.offer_id().empty()) return absl::InvalidArgumentError("offer_id: required");
  ASSIGN_OR_RETURN(int page_size, common::ValidatePageSize(request.page_size(),
                                                           kDefaultPageSize,
                                                           kMaxPageSize));
  ASSIGN_OR_RETURN(int offset, ParsePageToken(request.page_token()));
  absl::StatusOr<v1::Offer> offer = index_->source().GetOffer(request.offer_id());
  if (absl::IsNotFound(offer.status())) {
    return absl::NotFoundError(absl::StrCat("offer ", request.offer_id(), " not found"));
  }
  RETURN_IF_ERROR(offer.status());
  if (!caller.Owns(v1::ROLE_COMPANY, offer->company_id())) {
    return runtime::Denied(
        absl::StrCat("offer ", request.offer_id(), " is not yours to rank for"));
  }
  engine::RankQuery query;
  query.today = today_();
  query.k = std::min(offset + page_size, kMaxRank);
  ASSIGN_OR_RETURN(std::vector<engine::RankedGraduate> ranked,
                   index_->engine().RankGraduates(request.offer_id(), query));
  v1::RankGraduatesResponse response;
  for (size_t i = offset; i < ranked.size(); ++i) {
    absl::StatusOr<v1::Graduate> g = index_->source().GetGraduate(ranked[i].graduate_id);
    if (absl::IsNotFound(g.status())) continue;
    RETURN_IF_ERROR(g.status());
    v1::RankedGraduate* out = response.add_results();
    *out->mutable_candidate() = MakeCandidate(*g, *offer);
    out->set_score(ranked[i].score);
    out->set_distance_km(ranked[i].distance_km);
    for (const engine::Factor& f : ranked[i].factors) ToProto(f, out->add_factors());
  }
  if (static_cast<int>(ranked.size()) == query.k && query.k < kMaxRank) {
    response.set_next_page_token(PageToken(query.k));
  }
  return response;
}

absl::StatusOr<v1::ExplainMatchResponse> Matching::ExplainMatch(
    const Caller& caller, const v1::ExplainMatchRequest& request) {
  if (request.graduate_id().empty()) return absl::InvalidArgumentError("graduate_id: required");
  if (request.offer_id().empty()) return absl::InvalidArgumentError("offer_id: required");
  absl::StatusOr<v1::Offer> offer = index_->source().GetOffer(request.offer_id());
  if (absl::IsNotFound(offer.status())) {
    return absl::NotFoundError(absl::StrCat("offer ", request.offer_id(), " not found"));
  }
  RETURN_IF_ERROR(offer.status());
  // The graduate's side (school, partner) or the offer's company.
  if (!caller.Owns(v1::ROLE_COMPANY, offer->company_id())) {
    RETURN_IF_ERROR(CheckGraduateAccess(caller, request.graduate_id()));
  }
  ASSIGN_OR_RETURN(engine::Explanation explanation,
                   index_->engine().Explain(request.graduate_id(), request.offer_id(),
                                            today_()));
  v1::ExplainMatchResponse response;
  response.set_eligible(explanation.eligible);
  for (const engine::Exclusion& e : explanation.exclusions) {
    v1::Exclusion* out = response.add_exclusions();
    out->set_rule(e.rule);
    out->set_detail(e.detail);
  }
  response.set_score(explanation.score);
  response.set_distance_km(explanation.distance_km);
  for (const engine::Factor& f : explanation.factors) ToProto(f, response.add_factors());
  for (const engine::Warning& w : explanation.warnings) {
    v1::Factor* warning = response.add_factors();
    warning->set_name(absl::StrCat("warning:", w.code));
    warning->set_detail(w.detail);
  }
  return response;
}

absl::StatusOr<v1::IndexStatus> Matching::GetIndexStatus(const Caller& caller) {
  if (!caller.is_admin()) return runtime::Denied("the index status is the federation's");
  return index_->Status();
}

// --- gRPC ------------------------------------------------------------------

grpc::ServerUnaryReactor* MatchingServiceImpl::RankOffers(
    grpc::CallbackServerContext* context, const v1::RankOffersRequest* request,
    v1::RankOffersResponse* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_, [this, request, response](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, matching_->RankOffers(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* MatchingServiceImpl::RankGraduates(
    grpc::CallbackServerContext* context, const v1::RankGraduatesRequest* request,
    v1::RankGraduatesResponse* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_, [this, request, response](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, matching_->RankGraduates(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* MatchingServiceImpl::ExplainMatch(
    grpc::CallbackServerContext* context, const v1::ExplainMatchRequest* request,
    v1::ExplainMatchResponse* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_, [this, request, response](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, matching_->ExplainMatch(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* MatchingServiceImpl::GetIndexStatus(
    grpc::CallbackServerContext* context, const v1::GetIndexStatusRequest*,
    v1::IndexStatus* response) {
  return runtime::ServeUnaryOnPool(context, *authenticator_, *pool_,
                                   [this, response](const Caller& caller) {
                                     ASSIGN_OR_RETURN(*response,
                                                      matching_->GetIndexStatus(caller));
                                     return absl::OkStatus();
                                   });
}

}  // namespace passerelle::matching
