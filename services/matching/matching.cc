#include "services/matching/matching.h"

#include <openssl/hmac.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/dates.h"
#include "services/common/validation.h"
#include "services/matching/company_view.h"
#include "services/matching/convert.h"
#include "services/matching/plan/plan.h"
#include "services/runtime/graduate_access.h"
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
      !absl::SimpleAtoi(raw.substr(2), &offset) || offset < 0 ||
      offset > kMaxRank) {
    return absl::InvalidArgumentError(
        "page_token: not a token of this ranking");
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
      candidate_ids_(pseudonym_key_),
      today_(today ? std::move(today) : Clock(&common::TodayInParis)),
      plans_([this](const PlanScope& scope) { return ComputePlan(scope); },
             [] {
               PlanRunner::Options options;
               options.max_queued = kPlanQueue;
               return options;
             }()) {}

absl::Status Matching::CheckGraduateAccess(const Caller& caller,
                                           absl::string_view graduate_id,
                                           absl::string_view method) const {
  // The young person and their representative: their own id only, refused
  // before the lookup (whether another id exists is not theirs to learn).
  if (caller.is_graduate_side_person()) {
    if (caller.ActsFor(graduate_id)) return absl::OkStatus();
    return runtime::Denied(
        "a young person's account reads their own offers and matches");
  }
  std::optional<MatchingIndex::Owner> owner =
      index_->GraduateOwner(graduate_id);
  if (!owner.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("graduate ", graduate_id, " not found"));
  }
  if (runtime::AccessTo(caller, graduate_id, owner->school_id,
                        owner->partner_id,
                        {}) == runtime::GraduateAccess::kOwner) {
    return absl::OkStatus();
  }
  if (caller.role == v1::ROLE_PARTNER) {
    // A partner the owner granted access to: the stored record says so (the
    // index keeps owners only, so a revocation holds at once).
    absl::StatusOr<v1::Graduate> g = index_->source().GetGraduate(graduate_id);
    if (g.ok() &&
        runtime::AccessTo(caller, *g) == runtime::GraduateAccess::kFollower) {
      return runtime::RecordFollowerAccess(audit_, caller, method, g->id(),
                                           runtime::OwnerOf(*g),
                                           runtime::GraduateAccess::kFollower);
    }
    if (!g.ok() && !absl::IsNotFound(g.status())) return g.status();
  }
  // As if unknown: another tenant's id must not tell that it exists.
  return absl::NotFoundError(
      absl::StrCat("graduate ", graduate_id, " not found"));
}

absl::Status Matching::RankOffers(const Caller& caller,
                                  const v1::RankOffersRequest& request,
                                  v1::RankOffersResponse* response) {
  if (request.graduate_id().empty()) {
    return absl::InvalidArgumentError("graduate_id: required");
  }
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  ASSIGN_OR_RETURN(int offset, ParsePageToken(request.page_token()));
  if (caller.role == v1::ROLE_COMPANY) {
    return runtime::Denied(
        "offers are ranked for a graduate by their school or partner");
  }
  RETURN_IF_ERROR(
      CheckGraduateAccess(caller, request.graduate_id(),
                          "/passerelle.v1.MatchingService/RankOffers"));
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
      return absl::InvalidArgumentError(absl::StrCat(
          "rome_codes[", i, "]: not a ROME code (letter + 4 digits)"));
    }
    query.rome_codes.push_back(request.rome_codes(i));
  }
  ASSIGN_OR_RETURN(std::vector<engine::RankedOffer> ranked,
                   index_->engine().RankOffers(request.graduate_id(), query));
  response->Clear();
  for (size_t i = offset; i < ranked.size(); ++i) {
    v1::RankedOffer* out = response->add_results();
    // Parsed straight into the answer: no copy of the offer.
    absl::Status read =
        index_->source().ReadOffer(ranked[i].offer_id, out->mutable_offer());
    if (absl::IsNotFound(read)) {  // deleted since
      response->mutable_results()->RemoveLast();
      continue;
    }
    RETURN_IF_ERROR(read);
    out->set_score(ranked[i].score);
    out->set_distance_km(ranked[i].distance_km);
    for (const engine::Factor& f : ranked[i].factors)
      ToProto(f, out->add_factors());
    for (const engine::Warning& w : ranked[i].warnings) {
      v1::Factor* warning = out->add_factors();
      warning->set_name(absl::StrCat("warning:", w.code));
      warning->set_detail(w.detail);
    }
  }
  if (static_cast<int>(ranked.size()) == query.k && query.k < kMaxRank) {
    response->set_next_page_token(PageToken(query.k));
  }
  return absl::OkStatus();
}

v1::Candidate Matching::MakeCandidate(const v1::Graduate& g,
                                      const v1::Offer& offer) const {
  v1::Candidate c;
  // A pseudonym stable for this (graduate, offer), unlinkable across offers.
  const std::string message = absl::StrCat(g.id(), "/", offer.id());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), pseudonym_key_.data(),
       static_cast<int>(pseudonym_key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest, &length);
  c.set_pseudonym(absl::StrCat(
      "Candidat-",
      absl::AsciiStrToUpper(absl::BytesToHexString(
          absl::string_view(reinterpret_cast<const char*>(digest), 3)))));
  c.set_graduate_id(candidate_ids_.Encode(offer.id(), g.id()));
  *c.mutable_diploma() = g.diploma();
  *c.mutable_rome_codes() = g.rome_codes();
  *c.mutable_skills() = g.skills();
  c.set_departement_code(g.home().departement_code());
  c.set_driving_licence(g.driving_licence());
  std::optional<absl::CivilDay> birth = common::ParseDate(g.birth_date());
  std::optional<absl::CivilDay> start = common::ParseDate(offer.start_date());
  // A minor flag, not an age: ages at the starts of offers with different
  // start dates would bracket the birthday (the flag is no more than the
  // young-worker rules already tell by ranking a night-work offer or not).
  if (birth && start) c.set_minor_at_start(common::AgeAt(*birth, *start) < 18);
  return c;
}

absl::StatusOr<v1::RankGraduatesResponse> Matching::RankGraduates(
    const Caller& caller, const v1::RankGraduatesRequest& request) {
  if (request.offer_id().empty())
    return absl::InvalidArgumentError("offer_id: required");
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  ASSIGN_OR_RETURN(int offset, ParsePageToken(request.page_token()));
  if (caller.role != v1::ROLE_COMPANY && !caller.is_admin()) {
    return runtime::Denied("graduates are ranked for an offer by its company");
  }
  absl::StatusOr<v1::Offer> offer =
      index_->source().GetOffer(request.offer_id());
  // Another company's offer answers as an unknown one.
  if (absl::IsNotFound(offer.status()) ||
      (offer.ok() && !caller.Owns(v1::ROLE_COMPANY, offer->company_id()))) {
    return absl::NotFoundError(
        absl::StrCat("offer ", request.offer_id(), " not found"));
  }
  RETURN_IF_ERROR(offer.status());
  const bool company = caller.role == v1::ROLE_COMPANY;
  engine::RankQuery query;
  query.today = today_();
  query.k = std::min(offset + page_size, kMaxRank);
  ASSIGN_OR_RETURN(std::vector<engine::RankedGraduate> ranked,
                   index_->engine().RankGraduates(request.offer_id(), query));
  v1::RankGraduatesResponse response;
  for (size_t i = offset; i < ranked.size(); ++i) {
    absl::StatusOr<v1::Graduate> g =
        index_->source().GetGraduate(ranked[i].graduate_id);
    if (absl::IsNotFound(g.status())) continue;
    RETURN_IF_ERROR(g.status());
    v1::RankedGraduate* out = response.add_results();
    *out->mutable_candidate() = MakeCandidate(*g, *offer);
    double score = ranked[i].score;
    double distance_km = ranked[i].distance_km;
    for (const engine::Factor& f : ranked[i].factors)
      ToProto(f, out->add_factors());
    if (company) {
      CompanyView(*g, *offer, &score, &distance_km, out->mutable_factors());
    }
    out->set_score(score);
    out->set_distance_km(distance_km);
  }
  if (static_cast<int>(ranked.size()) == query.k && query.k < kMaxRank) {
    response.set_next_page_token(PageToken(query.k));
  }
  return response;
}

absl::StatusOr<v1::ExplainMatchResponse> Matching::ExplainMatch(
    const Caller& caller, const v1::ExplainMatchRequest& request) {
  if (request.graduate_id().empty())
    return absl::InvalidArgumentError("graduate_id: required");
  if (request.offer_id().empty())
    return absl::InvalidArgumentError("offer_id: required");
  const bool company = caller.role == v1::ROLE_COMPANY;
  absl::StatusOr<v1::Offer> offer =
      index_->source().GetOffer(request.offer_id());
  if (absl::IsNotFound(offer.status()) ||
      (offer.ok() && company &&
       offer->company_id() != caller.organization_id)) {
    return absl::NotFoundError(
        absl::StrCat("offer ", request.offer_id(), " not found"));
  }
  RETURN_IF_ERROR(offer.status());
  std::string graduate_id = request.graduate_id();
  if (company) {
    // The candidate id of this offer, nothing else.
    ASSIGN_OR_RETURN(graduate_id,
                     candidate_ids_.Decode(offer->id(), request.graduate_id()));
  } else {
    // The graduate's side (school, partner) or the federation.
    RETURN_IF_ERROR(CheckGraduateAccess(
        caller, graduate_id, "/passerelle.v1.MatchingService/ExplainMatch"));
  }
  const absl::Status candidate_not_found =
      absl::NotFoundError(absl::StrCat("candidate ", request.graduate_id(),
                                       " not found for offer ", offer->id()));
  absl::StatusOr<engine::Explanation> explained =
      index_->engine().Explain(graduate_id, offer->id(), today_());
  if (company && absl::IsNotFound(explained.status()))
    return candidate_not_found;
  RETURN_IF_ERROR(explained.status());
  engine::Explanation& explanation = *explained;
  std::optional<v1::Graduate> graduate;
  if (company) {
    // Only about its candidates: eligible, or holding its proposal.
    bool candidate = explanation.eligible;
    if (!candidate && proposal_check_) {
      ASSIGN_OR_RETURN(candidate, proposal_check_(offer->id(), graduate_id));
    }
    if (!candidate) return candidate_not_found;
    absl::StatusOr<v1::Graduate> g = index_->source().GetGraduate(graduate_id);
    if (absl::IsNotFound(g.status())) return candidate_not_found;
    RETURN_IF_ERROR(g.status());
    graduate = *std::move(g);
  }
  v1::ExplainMatchResponse response;
  response.set_eligible(explanation.eligible);
  for (const engine::Exclusion& e : explanation.exclusions) {
    v1::Exclusion* out = response.add_exclusions();
    out->set_rule(e.rule);
    out->set_detail(e.detail);
  }
  double score = explanation.score;
  double distance_km = explanation.distance_km;
  for (const engine::Factor& f : explanation.factors)
    ToProto(f, response.add_factors());
  for (const engine::Warning& w : explanation.warnings) {
    v1::Factor* warning = response.add_factors();
    warning->set_name(absl::StrCat("warning:", w.code));
    warning->set_detail(w.detail);
  }
  if (company) {
    CompanyView(*graduate, *offer, &score, &distance_km,
                response.mutable_factors());
    CompanyView(response.mutable_exclusions());
  }
  response.set_score(score);
  response.set_distance_km(distance_km);
  return response;
}

absl::StatusOr<v1::IndexStatus> Matching::GetIndexStatus(const Caller& caller) {
  if (!caller.is_admin())
    return runtime::Denied("the index status is the federation's");
  v1::IndexStatus status = index_->Status();
  status.set_plans_queued(plans_.queued());
  status.set_plan_calls_waiting(plans_.waiting());
  status.set_plans_computed(plans_.computed());
  return status;
}

void Matching::PlanPlacements(const Caller& caller,
                              const v1::PlanPlacementsRequest& request,
                              PlanRunner::Done done) {
  const int k = request.recommendations_per_graduate() == 0
                    ? 5
                    : request.recommendations_per_graduate();
  if (k < 1 || k > 20) {
    return done(absl::InvalidArgumentError(
        "recommendations_per_graduate: must be within 1..20 (0 = 5)"));
  }
  if (!request.school_id().empty() && !request.partner_id().empty()) {
    return done(absl::InvalidArgumentError(
        "partner_id: a plan is over one school's graduates or one partner's "
        "young people, not both"));
  }
  PlanScope scope;
  scope.k = k;
  scope.summary_only = request.summary_only();
  scope.school_id = request.school_id();
  scope.partner_id = request.partner_id();
  if (caller.role == v1::ROLE_SCHOOL) {
    if ((!scope.school_id.empty() &&
         scope.school_id != caller.organization_id) ||
        !scope.partner_id.empty()) {
      return done(runtime::Denied("a school plans for its own graduates only"));
    }
    scope.school_id = caller.organization_id;
  } else if (caller.role == v1::ROLE_PARTNER) {
    if ((!scope.partner_id.empty() &&
         scope.partner_id != caller.organization_id) ||
        !scope.school_id.empty()) {
      return done(runtime::Denied(
          "a partner plans for the young people it follows only"));
    }
    scope.partner_id = caller.organization_id;
  } else if (!caller.is_admin()) {
    return done(runtime::Denied(
        "the placement plan is the federation's (or a school's or a "
        "partner's, for their own)"));
  }
  plans_.Submit(caller, std::move(scope), std::move(done));
}

PlanRunner::Result Matching::ComputePlan(const PlanScope& scope) {
  if (plan_hook_) plan_hook_();
  const absl::Time start = absl::Now();

  // Who is planned and how many positions each offer has left, from one
  // snapshot; the index ranks (it follows the same log).
  std::vector<std::string> graduate_ids;
  absl::flat_hash_map<std::string, int32_t> capacity;
  RETURN_IF_ERROR(index_->source()
                      .Snapshot(
                          [&](const v1::Graduate& g) {
                            if (g.status() == v1::GRADUATE_STATUS_SEEKING &&
                                (scope.school_id.empty() ||
                                 g.school_id() == scope.school_id) &&
                                (scope.partner_id.empty() ||
                                 g.partner_id() == scope.partner_id)) {
                              graduate_ids.push_back(g.id());
                            }
                          },
                          [&](const v1::Offer& o) {
                            if (o.status() == v1::OFFER_STATUS_OPEN &&
                                o.positions() > o.positions_filled()) {
                              capacity[o.id()] =
                                  o.positions() - o.positions_filled();
                            }
                          })
                      .status());
  plan::EngineMarketOptions market_options;
  market_options.today = today_();
  market_options.candidates_per_graduate = kPlanCandidates;
  market_options.threads = kPlanThreads;
  ASSIGN_OR_RETURN(plan::Market market,
                   plan::MarketFromEngine(
                       index_->engine(), std::move(graduate_ids),
                       [&](absl::string_view id) -> int32_t {
                         auto it = capacity.find(id);
                         return it == capacity.end() ? 0 : it->second;
                       },
                       market_options));
  plan::PlanOptions plan_options;
  plan_options.recommendations_per_graduate = scope.k;
  plan_options.exposure_factor = kPlanExposure;
  ASSIGN_OR_RETURN(plan::PlanResult result, plan::Plan(market, plan_options));

  v1::PlanPlacementsResponse response;
  response.set_graduates(static_cast<int64_t>(market.graduates()));
  response.set_offers(static_cast<int64_t>(market.offers()));
  response.set_matched_graduates(result.matched);
  response.set_coverage(result.coverage);
  response.set_graduates_without_options(result.without_options);
  response.set_mean_recommendations(result.mean_recommendations);
  response.set_candidates_per_graduate(kPlanCandidates);
  response.set_exposure_bound(kPlanExposure);
  v1::ExposureStats* exposure = response.mutable_exposure();
  exposure->set_mean(result.exposure.mean);
  exposure->set_p50(result.exposure.p50);
  exposure->set_p99(result.exposure.p99);
  exposure->set_max(result.exposure.max);
  // Blocking pairs are always reported (there must be none).
  for (const plan::BlockingPair& b : result.blocking_pairs) {
    v1::BlockingPair* out = response.add_blocking_pairs();
    out->set_graduate_id(market.graduate_ids[b.graduate]);
    out->set_offer_id(market.offer_ids[b.offer]);
  }
  if (!scope.summary_only) {
    for (size_t g = 0; g < market.graduates(); ++g) {
      const int32_t o = result.assignment[g];
      if (o >= 0) {
        v1::Assignment* a = response.add_assignments();
        a->set_graduate_id(market.graduate_ids[g]);
        a->set_offer_id(market.offer_ids[o]);
        for (uint32_t i = market.begin[g]; i < market.begin[g + 1]; ++i) {
          if (market.edges[i].offer == static_cast<uint32_t>(o)) {
            a->set_score(market.edges[i].score);
            break;
          }
        }
      }
      if (result.recommended_begin[g + 1] > result.recommended_begin[g]) {
        v1::Recommendation* r = response.add_recommendations();
        r->set_graduate_id(market.graduate_ids[g]);
        for (uint32_t i = result.recommended_begin[g];
             i < result.recommended_begin[g + 1]; ++i) {
          r->add_offer_ids(market.offer_ids[result.recommended[i]]);
        }
      }
    }
  }
  response.set_seconds(absl::ToDoubleSeconds(absl::Now() - start));
  return response;
}

// --- gRPC ------------------------------------------------------------------

grpc::ServerUnaryReactor* MatchingServiceImpl::RankOffers(
    grpc::CallbackServerContext* context, const v1::RankOffersRequest* request,
    v1::RankOffersResponse* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_,
      [this, request, response](const Caller& caller) {
        return matching_->RankOffers(caller, *request, response);
      });
}

grpc::ServerUnaryReactor* MatchingServiceImpl::RankGraduates(
    grpc::CallbackServerContext* context,
    const v1::RankGraduatesRequest* request,
    v1::RankGraduatesResponse* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_,
      [this, request, response](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, matching_->RankGraduates(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* MatchingServiceImpl::ExplainMatch(
    grpc::CallbackServerContext* context,
    const v1::ExplainMatchRequest* request,
    v1::ExplainMatchResponse* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_,
      [this, request, response](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, matching_->ExplainMatch(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* MatchingServiceImpl::GetIndexStatus(
    grpc::CallbackServerContext* context, const v1::GetIndexStatusRequest*,
    v1::IndexStatus* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_, [this, response](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, matching_->GetIndexStatus(caller));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* MatchingServiceImpl::PlanPlacements(
    grpc::CallbackServerContext* context,
    const v1::PlanPlacementsRequest* request,
    v1::PlanPlacementsResponse* response) {
  // Plans wait in the plan runner's queue, not on a pool thread.
  return runtime::ServeUnaryDeferred(
      context, *authenticator_,
      [this, request, response](const Caller& caller,
                                std::function<void(absl::Status)> finish) {
        matching_->PlanPlacements(caller, *request,
                                  [response, finish = std::move(finish)](
                                      const PlanRunner::Result& result) {
                                    if (result.ok()) *response = *result;
                                    finish(result.status());
                                  });
      });
}

}  // namespace passerelle::matching
