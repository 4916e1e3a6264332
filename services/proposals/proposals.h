#pragma once

// Proposals: the offers each graduate receives, and placements.
//
// A company sends a proposal for one of its offers to a graduate (found
// through RankGraduates), with a deadline; the graduate's school or
// partner (or the federation) accepts or declines it with the graduate;
// the company may withdraw it before an answer.
//
// State machine (every transition is one Store::Commit that carries the
// proposal, its side effects and one change-log event per record written,
// each write checked against the version it was read at):
//
//   SENT --accept--> ACCEPTED   + the offer's positions_filled + 1 (status
//                                 FILLED when it reaches positions)
//                               + the graduate PLACED
//                               + the graduate's other SENT proposals
//                                 SUPERSEDED (EXPIRED if past their date)
//   SENT --decline--> DECLINED
//   SENT --withdraw--> WITHDRAWN (the company)
//   SENT --(today > respond_by)--> EXPIRED
//
// ACCEPTED, DECLINED, WITHDRAWN, EXPIRED and SUPERSEDED are final. A
// proposal is answerable up to and including its respond_by day (Paris).
// Expiry is lazy: a SENT proposal past its date reads as EXPIRED
// everywhere, and is stored EXPIRED when someone tries to answer or
// withdraw it, when another proposal of the graduate is accepted, or when
// the pair is proposed again.
//
// Concurrency: writes are optimistic. A commit whose records changed since
// they were read fails (ABORTED in the store); the operation then reads
// again and re-checks, up to Options::max_attempts times. So when two
// graduates accept the last position of an offer at once, exactly one
// commit succeeds; the other, re-reading, finds no position left and fails
// with FAILED_PRECONDITION. positions_filled never exceeds positions, and
// a graduate is placed at most once.
//
// Identity (DESIGN.md, "Callers and data protection"): a proposal stores
// ids, scores and factors, never the graduate's name or contact. A company
// names a graduate by the candidate id of the offer (matching/
// candidate_ids.h): SendProposal takes it, and the company's proposals
// carry it as graduate_id, never the global id. It reads its proposals
// with a pseudonymous Candidate (the one RankGraduates shows), scores,
// distances and factors as matching/company_view.h says, and the
// graduate's given_name, family_name, email, phone (and school_id /
// partner_id) only once the graduate has accepted; they are read from the
// graduate's record at that moment. Error messages to a company name no
// graduate id, status, age or birth date. Another organization's
// proposal, offer or graduate answers NOT_FOUND, as an unknown id does.
//
// Erasure: deleting a graduate erases their proposals. The proposal
// service follows the change log (like the matcher): on a graduate's
// DELETED event it deletes the graduate's proposals (one commit, an event
// each); at start it sweeps proposals whose graduate no longer exists
// (a crash between the two). Meanwhile reads already skip proposals whose
// graduate is gone. A SendProposal racing with the deletion cannot leave
// an orphan: its commit re-checks the graduate's version, so it either
// lands before the deletion (and is erased with the others) or fails.
// A placement's taken position is not given back when the graduate is
// erased (the contract was signed).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/integration.pb.h"
#include "passerelle/v1/offer.pb.h"
#include "passerelle/v1/proposal.grpc.pb.h"
#include "services/matching/candidate_ids.h"
#include "services/matching/engine/engine.h"
#include "services/runtime/audit.h"
#include "services/runtime/auth.h"
#include "services/runtime/directory.h"
#include "services/runtime/graduate_access.h"
#include "services/runtime/repository.h"
#include "services/runtime/thread_pool.h"
#include "storage/store.h"

namespace passerelle::proposals {

inline constexpr char kTable[] = "proposals";
inline constexpr char kByGraduate[] = "proposals_by_graduate";
inline constexpr char kByOffer[] = "proposals_by_offer";
inline constexpr char kByCompany[] = "proposals_by_company";
inline constexpr char kBySchool[] = "proposals_by_school";
inline constexpr char kByPartner[] = "proposals_by_partner";
// Unique, held by a SENT or ACCEPTED proposal: "<offer_id>/<graduate_id>".
inline constexpr char kLiveByPair[] = "proposal_live_by_pair";
// Every proposal holding a position for a minor awaiting their
// representative (value ""): what the daily sweep reads.
inline constexpr char kHolding[] = "proposals_holding";

// Histogram buckets of PlacementStats.offers_received_histogram: 0 to 9
// proposals, then "10 or more".
inline constexpr int kHistogramBuckets = 11;
// respond_by: when not given, today + this; at most kMaxRespondDays ahead.
inline constexpr int kDefaultRespondDays = 14;
inline constexpr int kMaxRespondDays = 92;

// The tables this component owns in a Store.
std::vector<std::string> Tables();

class Proposals {
 public:
  struct Options {
    // The shared store, with graduates::Tables(), offers::Tables() and
    // Tables(). Everything below must outlive the Proposals.
    storage::Store* store = nullptr;
    // The graduate and offer records, written here on accept.
    runtime::Repository<v1::Graduate>* graduates = nullptr;
    runtime::Repository<v1::Offer>* offers = nullptr;
    // Hard rules and scores (Explain on the records as read).
    const engine::Engine* engine = nullptr;
    // What a company may see of a graduate before acceptance
    // (matching::Matching::MakeCandidate).
    std::function<v1::Candidate(const v1::Graduate&, const v1::Offer&)>
        candidate;
    // The candidate ids companies name graduates by (the matcher's).
    const matching::CandidateIds* candidate_ids = nullptr;
    // The clock: timestamps, and "today" as its day in Paris. Default:
    // absl::Now.
    std::function<absl::Time()> now;
    // Reads and re-checks before an optimistic write gives up (ABORTED).
    int max_attempts = 16;
    // Company names for exports (may be null: ids only).
    const runtime::Directory* directory = nullptr;
    // The young people's requests, for exports (may be null: none listed).
    runtime::Repository<v1::GraduateRequest>* requests = nullptr;
    // Writes the integration events of each change (integration/outbox.h)
    // in its commit; the store then has integration::Integration::Tables().
    bool announce = false;
    // Where the reads of a graduate by a partner following them (not
    // their owner) are recorded, and the integration events addressed to
    // such a partner (in the event's commit: the store has
    // runtime::AuditLog::Tables()). Null: not recorded.
    runtime::AuditLog* audit = nullptr;
  };

  explicit Proposals(Options options);
  ~Proposals();  // Stop()s

  // Sweeps the proposals of graduates deleted while no follower ran, then
  // follows the change log on a thread of its own (see "Erasure").
  absl::Status StartErasure();
  // Stops following; idempotent. Call before closing the store.
  void Stop();
  // Blocks until the follower has handled every change up to `sequence`;
  // false on timeout or when not following.
  bool WaitForErasure(uint64_t sequence, absl::Duration timeout) const;

  // The offer's company only; graduate_id is the candidate id of this
  // offer. INVALID_ARGUMENT: offer_id, graduate_id missing; respond_by not
  // a date, before today or more than kMaxRespondDays ahead (empty: today
  // + kDefaultRespondDays); message over 2000 characters. NOT_FOUND: the
  // offer (or another company's), the candidate (or another offer's
  // candidate id). PERMISSION_DENIED: not a company. FAILED_PRECONDITION,
  // naming the rule: the graduate is not seeking, the offer is not open,
  // has no position left or has expired, or the pair breaks a hard rule of
  // the engine (every rule broken is named by its name only, e.g.
  // "minor_night_work").
  // ALREADY_EXISTS: a SENT (not expired) or ACCEPTED proposal of this
  // offer to this graduate exists. Stores the engine's score and factors
  // at send time. Returns the company's view.
  absl::StatusOr<v1::Proposal> Send(const runtime::Caller& caller,
                                    const v1::SendProposalRequest& request);

  // The graduate's school or partner, or an admin. Accepting: see the
  // state machine. FAILED_PRECONDITION: the proposal is not SENT (its
  // state is named), its respond_by has passed ("expired"), the graduate
  // is no longer seeking ("already placed"), the offer is closed or has
  // "no position left". NOT_FOUND: no such proposal (or its graduate was
  // erased, or it is not the caller's graduate's). ABORTED: still
  // conflicting after max_attempts.
  absl::StatusOr<v1::Proposal> Respond(
      const runtime::Caller& caller,
      const v1::RespondToProposalRequest& request);

  // The proposal's company. FAILED_PRECONDITION unless SENT and not
  // expired; NOT_FOUND for another company's proposal.
  absl::StatusOr<v1::Proposal> Withdraw(
      const runtime::Caller& caller,
      const v1::WithdrawProposalRequest& request);

  // - graduate_id (their school or partner, an admin): the offers they
  //   received, by the engine's current score for them, best first (ties:
  //   newest first); `score`, `factors`, `distance_km` are today's, with
  //   `exclusions` naming the hard rules the pair now breaks, `offer` the
  //   offer as it is, `sent_score` the score when sent.
  // - offer_id (its company, an admin): its proposals, best score at send
  //   first; pseudonymous until accepted (see "Identity").
  // - neither: the caller's own proposals (a company's, those to a
  //   school's or partner's graduates; all for an admin), in id order.
  // `state` filters (EXPIRED matches lazily expired ones). page_size:
  // default 50, at most 500. INVALID_ARGUMENT for both ids, a bad token or
  // state; NOT_FOUND for the graduate or offer (or one that is not the
  // caller's); PERMISSION_DENIED for a caller with no proposals.
  absl::StatusOr<v1::ListProposalsResponse> List(
      const runtime::Caller& caller,
      const v1::ListProposalsRequest& request) const;

  // Scope: at most one of school_id (an admin, or that school), partner_id
  // (an admin, or that partner), departement_code, region_code (the
  // graduates' home; admin); none: everything (admin). Computed by
  // scanning one snapshot. See PlacementStats in proposal.proto for the
  // figures; the histogram has kHistogramBuckets buckets and counts every
  // proposal a graduate received, whatever its state. With group_by, the
  // scope's figures are also given per group.
  absl::StatusOr<v1::PlacementStats> Stats(
      const runtime::Caller& caller,
      const v1::GetPlacementStatsRequest& request) const;

  // A school's or partner's proposals and placements for its own records
  // (IntegrationService.ExportPlacements): CSV or JSON, with France
  // Travail's contract codes beside ours, the employer (SIRET, name) once
  // accepted, ROME, commune, start date, weekly hours; sent or answered
  // within [from, to]. The admin: any organization's, or all.
  absl::StatusOr<v1::ExportPlacementsResponse> ExportPlacements(
      const runtime::Caller& caller,
      const v1::ExportPlacementsRequest& request) const;

  // Everything stored about the young person `graduate_id`, as the JSON of
  // a v1::GraduateDataExport (GDPR articles 15 and 20): for them, their
  // representative, their school or partner and the federation. A company:
  // PERMISSION_DENIED; a young person's account for someone else:
  // PERMISSION_DENIED before any lookup; another school: NOT_FOUND.
  absl::StatusOr<std::string> Export(const runtime::Caller& caller,
                                     absl::string_view graduate_id) const;

  // Whether the graduate holds a proposal of the offer, in any state
  // (for matching::Matching::set_proposal_check).
  absl::StatusOr<bool> Holds(absl::string_view offer_id,
                             absl::string_view graduate_id) const;

  runtime::Repository<v1::Proposal>& repository() { return proposals_; }

 private:
  // What Stats() learns of one graduate in scope.
  struct SeenGraduate {
    v1::GraduateStatus status = v1::GRADUATE_STATUS_UNSPECIFIED;
    std::optional<absl::CivilDay> available_from;
    std::string group;      // its key under request.group_by
    int64_t received = 0;   // proposals, any state
    int64_t pending = 0;    // SENT, not expired
    bool accepted = false;  // holds an accepted proposal
    v1::ContractType contract = v1::CONTRACT_TYPE_UNSPECIFIED;
    absl::CivilDay placed_on;
  };
  static v1::PlacementStats Summarize(
      const std::vector<const SeenGraduate*>& graduates);

  absl::Time Now() const { return options_.now(); }
  absl::CivilDay Today() const;
  // The proposals of a graduate / an offer as stored (all pages).
  absl::StatusOr<std::vector<v1::Proposal>> ListAll(
      absl::string_view index, absl::string_view value) const;
  absl::StatusOr<runtime::GraduateAccess> CheckGraduateSide(
      const runtime::Caller& caller, const v1::Graduate& graduate) const;
  // What `caller` may see of a stored proposal (graduate may be null when
  // erased).
  v1::Proposal View(const runtime::Caller& caller, v1::Proposal proposal,
                    const v1::Graduate* graduate, const v1::Offer* offer) const;
  absl::StatusOr<v1::Proposal> RespondOnce(
      const runtime::Caller& caller,
      const v1::RespondToProposalRequest& request, bool* retry);
  absl::StatusOr<v1::Proposal> SendOnce(const runtime::Caller& caller,
                                        const v1::SendProposalRequest& request,
                                        absl::CivilDay respond_by,
                                        const std::string& message,
                                        bool* retry);
  absl::StatusOr<v1::Proposal> WithdrawOnce(
      const runtime::Caller& caller, const v1::WithdrawProposalRequest& request,
      bool* retry);
  // Stores `proposal` EXPIRED (it is SENT and past its date).
  // Stores EXPIRED every hold whose deadline has passed, freeing its
  // position, and (announcing) every unanswered proposal past its deadline
  // (deadlines are days: the follower calls it once a day, and at its
  // start). Conflicts are left for the next call.
  absl::Status SweepExpired();
  // Stores `proposal` as EXPIRED, freeing the position it held, if any.
  absl::Status StoreExpired(const v1::Proposal& proposal);
  // Adds to `mutations` and `events` the offer with one position more taken
  // (FILLED when none is left), or one freed (OPEN again if it was FILLED).
  // The integration events of a proposal's new state, appended to the
  // commit writing it (when options.announce): each organization gets it as
  // ListProposals shows it to them. `g` and `offer` as read (the offer
  // before this commit's position change; either may be null, the views
  // then say less); `takes_position`: this commit takes one.
  void Announce(const v1::Proposal& p, const v1::Graduate* g,
                const v1::Offer* offer, bool takes_position, absl::Time now,
                std::vector<storage::Mutation>* mutations,
                std::vector<std::string>* events) const;
  void TakePosition(const v1::Offer& offer, absl::Time now,
                    std::vector<storage::Mutation>* mutations,
                    std::vector<std::string>* events);
  // Stores EXPIRED (into `mutations`) the proposals holding a position of
  // `offer` for a minor whose deadline passed, when the offer is full;
  // returns how many positions that frees, their ids into `expired`.
  absl::StatusOr<int> ExpireHolds(const v1::Offer& offer, absl::CivilDay today,
                                  absl::Time now,
                                  std::vector<storage::Mutation>* mutations,
                                  std::vector<std::string>* events,
                                  absl::flat_hash_set<std::string>* expired);
  // `offer` with `freed` positions given back (OPEN again if FILLED).
  static v1::Offer WithFreed(const v1::Offer& offer, int freed);
  void ReleasePosition(const v1::Offer& offer, absl::Time now,
                       std::vector<storage::Mutation>* mutations,
                       std::vector<std::string>* events);
  // Stores the graduate's SENT proposals other than `accepted_id`
  // SUPERSEDED (EXPIRED if past their date).
  absl::Status SupersedeRemaining(absl::string_view graduate_id,
                                  absl::string_view accepted_id);
  absl::Status EraseGraduate(absl::string_view graduate_id);
  void Follow();

  Options options_;
  runtime::Repository<v1::Proposal> proposals_;

  mutable absl::Mutex mu_;
  uint64_t erased_through_ ABSL_GUARDED_BY(mu_) = 0;  // last sequence handled
  // The day the follower last let go of the holds whose deadline passed.
  absl::CivilDay holds_swept_on_;  // the follower thread's own
  bool following_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread follower_;
};

class ProposalServiceImpl final : public v1::ProposalService::CallbackService {
 public:
  ProposalServiceImpl(Proposals* proposals,
                      const runtime::Authenticator* authenticator,
                      runtime::ThreadPool* pool)
      : proposals_(proposals), authenticator_(authenticator), pool_(pool) {}

  grpc::ServerUnaryReactor* SendProposal(grpc::CallbackServerContext* context,
                                         const v1::SendProposalRequest* request,
                                         v1::Proposal* response) override;
  grpc::ServerUnaryReactor* RespondToProposal(
      grpc::CallbackServerContext* context,
      const v1::RespondToProposalRequest* request,
      v1::Proposal* response) override;
  grpc::ServerUnaryReactor* WithdrawProposal(
      grpc::CallbackServerContext* context,
      const v1::WithdrawProposalRequest* request,
      v1::Proposal* response) override;
  grpc::ServerUnaryReactor* ListProposals(
      grpc::CallbackServerContext* context,
      const v1::ListProposalsRequest* request,
      v1::ListProposalsResponse* response) override;
  grpc::ServerUnaryReactor* GetPlacementStats(
      grpc::CallbackServerContext* context,
      const v1::GetPlacementStatsRequest* request,
      v1::PlacementStats* response) override;

 private:
  Proposals* proposals_;
  const runtime::Authenticator* authenticator_;
  runtime::ThreadPool* pool_;
};

}  // namespace passerelle::proposals
