#pragma once

// MatchingService: RankOffers (a graduate's best offers), RankGraduates (an
// offer's best candidates, pseudonymous), ExplainMatch, GetIndexStatus,
// PlanPlacements (the global placement plan, see plan/plan.h).
// Each caller ranks only for its own graduates (school, partner) or offers
// (company); the federation for all. Ranking runs on a worker pool, never
// on gRPC's threads.
//
// Companies (see company_view.h and candidate_ids.h): a company names a
// graduate by the candidate id RankGraduates gave it for that offer (in
// the `graduate_id` fields), sees distances in 5 km bands and exclusions
// by rule name only. A graduate or offer that is not the caller's answers
// NOT_FOUND, as an unknown one does: an id of another tenant tells
// nothing.

#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "passerelle/v1/matching.grpc.pb.h"
#include "services/matching/candidate_ids.h"
#include "services/matching/index.h"
#include "services/matching/plan_runner.h"
#include "services/runtime/arena_allocator.h"
#include "services/runtime/audit.h"
#include "services/runtime/auth.h"
#include "services/runtime/thread_pool.h"

namespace passerelle::matching {

class Matching {
 public:
  using Clock = std::function<absl::CivilDay()>;
  // Whether the graduate holds a proposal of the offer (any state).
  using ProposalCheck = std::function<absl::StatusOr<bool>(
      absl::string_view offer_id, absl::string_view graduate_id)>;
  // `pseudonym_key`: secret bytes (at least 32) keying the candidates'
  // pseudonyms and ids.
  Matching(MatchingIndex* index, std::string pseudonym_key,
           Clock today = nullptr);

  // Lets ExplainMatch answer a company about a graduate holding one of its
  // proposals though no longer eligible. Without it, a company's
  // candidates are the eligible graduates only. Set before serving.
  void set_proposal_check(ProposalCheck check) {
    proposal_check_ = std::move(check);
  }

  // Fills `*response` in place (it may live on an arena).
  absl::Status RankOffers(const runtime::Caller& caller,
                          const v1::RankOffersRequest& request,
                          v1::RankOffersResponse* response);
  // The offer's company (or an admin): its best candidates, as
  // MakeCandidate shows them, with distances in bands and factors as
  // company_view.h says. NOT_FOUND for an offer that is not the caller's.
  absl::StatusOr<v1::RankGraduatesResponse> RankGraduates(
      const runtime::Caller& caller, const v1::RankGraduatesRequest& request);
  // The graduate's school or partner (graduate_id: the graduate's id), the
  // offer's company (graduate_id: the candidate id of this offer), an
  // admin (the graduate's id). A company is answered only about its
  // candidates: graduates eligible for the offer, or holding its proposal
  // (see set_proposal_check); for anyone else, and for an offer, graduate
  // or candidate id that is not the caller's, NOT_FOUND.
  absl::StatusOr<v1::ExplainMatchResponse> ExplainMatch(
      const runtime::Caller& caller, const v1::ExplainMatchRequest& request);
  // The index's status and the plan runner's counters; the federation's.
  absl::StatusOr<v1::IndexStatus> GetIndexStatus(const runtime::Caller& caller);

  // The placement plan over the seeking graduates of a scope and the offers
  // with an open position, as the index and the store see them when it
  // runs: each graduate's top kPlanCandidates offers by score, a stable
  // assignment (graduate-proposing deferred acceptance, offers preferring
  // by offer_fit), up to k recommendations per graduate with each offer
  // recommended to at most kPlanExposure x its open positions, the
  // blocking pairs (none), coverage and exposure.
  //
  // Who plans over whom: an admin over every graduate, or one school's
  // (`school_id`) or one partner's (`partner_id`); a school over its own
  // graduates only, a partner over the young people it follows only (the
  // request's id may be empty or the caller's own); a company never
  // (PERMISSION_DENIED, also for another organization's id).
  // INVALID_ARGUMENT for k outside 1..20 (0 = 5) or for both ids.
  //
  // Plans run one at a time on a thread of their own (not the ranking
  // pool), queued rather than refused (see PlanRunner): an identical
  // request queued or running is joined and its result shared; the
  // federation's plans run before the schools' and partners' and are
  // never refused because of theirs; RESOURCE_EXHAUSTED (naming the limit)
  // for a school's or partner's second, different plan while its first is
  // pending (the federation: a fifth), or when kPlanQueue plans of schools
  // and partners are already waiting; UNAVAILABLE once shutting down.
  // `done` is called once: inline for a refusal, else on the plan thread.
  void PlanPlacements(const runtime::Caller& caller,
                      const v1::PlanPlacementsRequest& request,
                      PlanRunner::Done done);
  // Refuses new plans, fails queued ones (UNAVAILABLE), lets the running
  // one finish; returns once every `done` has been called.
  void StopPlans() { plans_.Stop(); }
  // Tests: called on the plan thread as each plan starts (to hold it
  // running). Set before serving.
  void set_plan_hook_for_testing(std::function<void()> hook) {
    plan_hook_ = std::move(hook);
  }
  static constexpr int kPlanQueue = 8;
  static constexpr int kPlanCandidates = 50;
  static constexpr double kPlanExposure = 3;
  static constexpr int kPlanThreads = 2;

  // What a company may see of a graduate before acceptance: a pseudonym
  // and the candidate id for this offer, diploma, trades, skills,
  // département, licence, and whether they are a minor at the offer's
  // start.
  v1::Candidate MakeCandidate(const v1::Graduate& graduate,
                              const v1::Offer& offer) const;

  const CandidateIds& candidate_ids() const { return candidate_ids_; }

  // Where a follower's rankings and explanations of a graduate are recorded
  // (runtime/graduate_access.h); unset, they are not.
  void set_audit(runtime::AuditLog* audit) { audit_ = audit; }

 private:
  // The graduate's side (the young person, the owner, a follower: its
  // access recorded under `method`) or the admin; NOT_FOUND to others.
  absl::Status CheckGraduateAccess(const runtime::Caller& caller,
                                   absl::string_view graduate_id,
                                   absl::string_view method) const;
  // Computes one plan (on the plan runner's thread).
  PlanRunner::Result ComputePlan(const PlanScope& scope);

  MatchingIndex* index_;
  std::string pseudonym_key_;
  CandidateIds candidate_ids_;
  ProposalCheck proposal_check_;
  Clock today_;
  runtime::AuditLog* audit_ = nullptr;
  std::function<void()> plan_hook_;
  PlanRunner plans_;  // last: its thread stops before the rest goes
};

class MatchingServiceImpl final : public v1::MatchingService::CallbackService {
 public:
  MatchingServiceImpl(Matching* matching,
                      const runtime::Authenticator* authenticator,
                      runtime::ThreadPool* pool)
      : matching_(matching), authenticator_(authenticator), pool_(pool) {
    SetMessageAllocatorFor_RankOffers(&rank_offers_allocator_);
  }

  grpc::ServerUnaryReactor* RankOffers(
      grpc::CallbackServerContext* context,
      const v1::RankOffersRequest* request,
      v1::RankOffersResponse* response) override;
  grpc::ServerUnaryReactor* RankGraduates(
      grpc::CallbackServerContext* context,
      const v1::RankGraduatesRequest* request,
      v1::RankGraduatesResponse* response) override;
  grpc::ServerUnaryReactor* ExplainMatch(
      grpc::CallbackServerContext* context,
      const v1::ExplainMatchRequest* request,
      v1::ExplainMatchResponse* response) override;
  grpc::ServerUnaryReactor* GetIndexStatus(
      grpc::CallbackServerContext* context,
      const v1::GetIndexStatusRequest* request,
      v1::IndexStatus* response) override;
  grpc::ServerUnaryReactor* PlanPlacements(
      grpc::CallbackServerContext* context,
      const v1::PlanPlacementsRequest* request,
      v1::PlanPlacementsResponse* response) override;

 private:
  Matching* matching_;
  const runtime::Authenticator* authenticator_;
  runtime::ThreadPool* pool_;
  // RankOffers answers (twenty offers with their factors) are built on an
  // arena: one free per call instead of one per string.
  runtime::ArenaMessageAllocator<v1::RankOffersRequest, v1::RankOffersResponse>
      rank_offers_allocator_;
};

}  // namespace passerelle::matching
