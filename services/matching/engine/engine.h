#pragma once

// The matching engine: an in-memory index of offers and graduates that
// ranks, for a graduate, the offers they can legally and practically take
// (and, for an offer, the graduates who can take it), under the hard rules
// of rules.h and the soft score of scoring_config.h.
//
// Plain C++ over plain structs (types.h), abseil and S2: no gRPC, protobuf
// or storage. The matching service feeds it from a snapshot plus the change
// feed (Upsert*/Remove*) and asks it to rank.
//
// Index. Offers are grouped by ROME code and contract type; within a group
// they sit in an ordered set keyed by the S2 cell (level 14, ~600 m) of
// their location, so that a radius query visits only the offers of the
// cells covering the graduate's cap (every cell, at the level about half the
// radius across, that touches the cap; each a key range). RankOffers asks the
// codes reachable from the graduate's (own codes, mobility targets, same ROME
// v3 parent) and the contract types they accept, covers the cap of radius
// max_distance_km, applies the hard rules and scores, keeping the top k in
// a bounded heap; ties go to the smaller id. Groups and cells are visited
// best first by an upper bound of their scores, and skipped once the bound
// falls below the k-th score (which cannot change the result).
// Graduates are indexed the same way under each of their codes and, since
// each has their own radius, also by radius class (<= 5, 10, 15, 20, 30,
// 40, 50, 75, 100, 150, 200, 300 km, more): RankGraduates covers, for each
// class, the offer's surroundings up to the class bound (or the largest
// radius ever seen in the class, if smaller), so a 10-km graduate is only
// looked for within 10 km.
//
// Thread safety: every method may be called concurrently. Rankings take a
// reader lock; mutations a writer lock.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "services/matching/engine/internal/evaluate.h"
#include "services/matching/engine/internal/records.h"
#include "services/matching/engine/internal/string_table.h"
#include "services/matching/engine/internal/trade_graph.h"
#include "services/matching/engine/legal_tables.h"
#include "services/matching/engine/scoring_config.h"
#include "services/matching/engine/types.h"

namespace passerelle::engine {

// The ROME referential the engine needs: codes with their ROME v3 parent,
// and the mobility table (rank 1 = closest). The caller loads it (e.g. from
// data/rome_codes.csv and data/rome_mobility.csv).
struct TradeReferential {
  struct Code {
    std::string code;    // "H2903"
    std::string parent;  // ROME v3 parent, "" if unknown
  };
  struct Mobility {
    std::string code;
    std::string target;
    int rank = 0;
  };
  std::vector<Code> codes;
  std::vector<Mobility> mobility;
};

struct EngineOptions {
  ScoringConfig scoring;
  LegalTables legal = DefaultLegalTables();
  TradeReferential trades;
  // The diploma referential (closing dates, vocational or not, trades);
  // codes must be unique.
  std::vector<DiplomaFacts> diplomas;
  // RankGraduates: S2RegionCoverer cells per radius query; more cells hug
  // the cap closer (fewer graduates visited) at a higher covering cost.
  // (RankOffers covers the cap with the cells of one level, about half the
  // radius across.)
  int max_covering_cells = 12;
};

struct RankQuery {
  absl::CivilDay today;  // for expiry and freshness (France: Europe/Paris)
  int k = 20;            // at most this many results
  // RankOffers only: keep offers of these contract types / ROME codes
  // (empty = no filter).
  std::vector<ContractType> contract_types;
  std::vector<std::string> rome_codes;
  // Fill factors and warnings (the ranking itself does not need them).
  bool with_factors = true;
  // RankOffers: fill RankedOffer::values only (no strings): cheap enough
  // for bulk use such as the placement plan.
  bool with_values = false;
  // If set, receives how much work the query did (for metrics, benchmarks).
  struct Stats {
    size_t buckets = 0;         // (ROME code, cell) ranges scanned
    size_t visited = 0;         // records read
    size_t eligible = 0;        // records passing every hard rule
    size_t pruned_buckets = 0;  // skipped by the score bound
  };
  Stats* stats = nullptr;
};

// Estimated heap bytes.
struct MemoryStats {
  size_t offers = 0;
  size_t graduates = 0;
  size_t offer_records = 0;  // compact records
  size_t offer_ids = 0;      // id strings and their hash set
  size_t offer_skills = 0;   // skill id pool
  size_t offer_index = 0;    // (ROME, cell) ordered sets
  // Per-offer side data (branch minimum, young-worker rule bits, working
  // terms pointer) and the distinct working terms they share.
  size_t offer_terms = 0;
  size_t graduate_bytes = 0;  // records, ids, skills, index
  size_t shared_bytes = 0;    // interned ROME codes, skills, companies,
                              // diplomas; trade graph
  size_t total = 0;
  // (offer_records + offer_ids + offer_skills + offer_index + offer_terms)
  // / offers.
  double bytes_per_offer = 0;
};

class Engine {
 public:
  // InvalidArgument if the scoring configuration or the trade referential
  // is malformed (a rank < 1, a mobility entry naming an unknown code, ...).
  static absl::StatusOr<std::unique_ptr<Engine>> Create(EngineOptions options);

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine();

  // Inserts or replaces (by id) an offer. InvalidArgument, naming the
  // field, for an empty id or ROME code, coordinates out of range, a
  // negative or non-finite number, a level outside 0..8, a year outside
  // 1000..9999, more than 255 skills; nothing changes then.
  absl::Status UpsertOffer(const Offer& offer) ABSL_LOCKS_EXCLUDED(mu_);
  // All or nothing: validates every offer first (the error names the
  // index), then applies them under one lock. Faster than one by one.
  absl::Status UpsertOffers(absl::Span<const Offer> offers)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Returns whether the offer existed.
  bool RemoveOffer(absl::string_view id) ABSL_LOCKS_EXCLUDED(mu_);

  // Same contracts for graduates (max_distance_km >= 0, contract types
  // valid, ROME codes non-empty).
  absl::Status UpsertGraduate(const Graduate& graduate)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status UpsertGraduates(absl::Span<const Graduate> graduates)
      ABSL_LOCKS_EXCLUDED(mu_);
  bool RemoveGraduate(absl::string_view id) ABSL_LOCKS_EXCLUDED(mu_);

  // The best offers for a graduate, best first: eligible under every hard
  // rule, by score descending, then offer id ascending. NotFound if the
  // graduate is unknown; InvalidArgument if k < 0.
  absl::StatusOr<std::vector<RankedOffer>> RankOffers(
      absl::string_view graduate_id, const RankQuery& query) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Same result by scanning every offer (no index): the reference the
  // index is tested and benchmarked against.
  absl::StatusOr<std::vector<RankedOffer>> RankOffersBruteForce(
      absl::string_view graduate_id, const RankQuery& query) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // The best graduates for an offer, best first (score descending, then
  // graduate id). The score of a pair is the same in both directions.
  // NotFound if the offer is unknown. query.contract_types and rome_codes
  // are ignored.
  absl::StatusOr<std::vector<RankedGraduate>> RankGraduates(
      absl::string_view offer_id, const RankQuery& query) const
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::vector<RankedGraduate>> RankGraduatesBruteForce(
      absl::string_view offer_id, const RankQuery& query) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Every hard rule the pair breaks (not only the first), and the factors
  // of its score. NotFound if either id is unknown.
  absl::StatusOr<Explanation> Explain(absl::string_view graduate_id,
                                      absl::string_view offer_id,
                                      absl::CivilDay today) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Same for records not (necessarily) in the engine; nothing is stored.
  // InvalidArgument as for the Upsert methods.
  absl::StatusOr<Explanation> Explain(const Graduate& graduate,
                                      const Offer& offer,
                                      absl::CivilDay today) const
      ABSL_LOCKS_EXCLUDED(mu_);

  size_t offer_count() const ABSL_LOCKS_EXCLUDED(mu_);
  size_t graduate_count() const ABSL_LOCKS_EXCLUDED(mu_);

  // Walks the structures (O(offers + graduates)): for reports, not for a
  // hot path.
  MemoryStats Memory() const ABSL_LOCKS_EXCLUDED(mu_);

  // The normalized weights, in kFactor* order.
  std::vector<std::pair<std::string, double>> Weights() const;

 private:
  // An ordered set of (cell key << 32 | record index); exposes the
  // btree's byte count for Memory().
  class KeySet : public absl::btree_set<uint64_t> {
   public:
    size_t BytesUsed() const { return empty() ? 0 : this->tree_.bytes_used(); }
  };
  struct Candidate;
  struct Interners;
  static constexpr int kRadiusClasses = 13;

  explicit Engine(EngineOptions options);
  absl::Status Init();

  uint32_t InternRome(absl::string_view code)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpsertOfferLocked(const Offer& offer) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpsertGraduateLocked(const Graduate& graduate)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveOfferLocked(uint32_t idx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveGraduateLocked(uint32_t idx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IndexGraduate(uint32_t idx, bool insert)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MaybeCompactSkills() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  KeySet& OfferSet(uint16_t rome, ContractType contract)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  KeySet& GraduateSet(uint16_t rome, int radius_class)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // The records the ranking reads; OfferWithTerms adds the working terms,
  // for details.
  internal::OfferRef OfferAt(uint32_t idx) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  internal::OfferRef OfferWithTerms(uint32_t idx) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  internal::Names NamesLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // The ranking loop shared by the indexed and brute-force paths.
  absl::StatusOr<std::vector<RankedOffer>> RankOffersImpl(
      absl::string_view graduate_id, const RankQuery& query,
      bool brute_force) const ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::vector<RankedGraduate>> RankGraduatesImpl(
      absl::string_view offer_id, const RankQuery& query,
      bool brute_force) const ABSL_LOCKS_EXCLUDED(mu_);

  const EngineOptions options_;
  internal::EvalParams params_;

  mutable absl::Mutex mu_;
  // ROME code ids: the referential's codes first (the trade graph knows
  // ids below its size), then codes first seen on records.
  internal::StringTable romes_ ABSL_GUARDED_BY(mu_);
  internal::StringTable skills_ ABSL_GUARDED_BY(mu_);
  internal::StringTable companies_ ABSL_GUARDED_BY(mu_);
  internal::StringTable diplomas_ ABSL_GUARDED_BY(mu_);  // id 0 = ""
  internal::TradeGraph trades_;  // immutable after Init()
  // options_.diplomas by code; immutable after Init().
  absl::flat_hash_map<std::string, DiplomaFacts> diploma_facts_;

  internal::StringTable offer_ids_ ABSL_GUARDED_BY(mu_);
  std::vector<internal::OfferRec> offers_ ABSL_GUARDED_BY(mu_);
  // Parallel to offers_: each offer's branch minimum at 35 h in cents.
  std::vector<int32_t> offer_branch_min_cents_ ABSL_GUARDED_BY(mu_);
  // Parallel to offers_: the young-worker time rules each offer breaks
  // (OfferRef::minor_rules), and its working terms when it states any.
  std::vector<uint32_t> offer_minor_rules_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> offer_terms_ ABSL_GUARDED_BY(mu_);  // 0 = none
  // Working terms, shared by the offers stating the same ones (a few
  // schedules cover most offers), counted; id 0 is unused.
  struct TermsEntry {
    WorkingTerms terms;
    std::string key;  // TermsKey(terms)
    uint32_t refs = 0;
  };
  std::vector<TermsEntry> terms_pool_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint32_t> terms_ids_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> free_terms_ ABSL_GUARDED_BY(mu_);
  uint32_t AcquireTermsLocked(const WorkingTerms& terms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseTermsLocked(uint32_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<uint32_t> offer_skill_pool_ ABSL_GUARDED_BY(mu_);
  size_t offer_skill_garbage_ ABSL_GUARDED_BY(mu_) = 0;
  // [rome * kNumContractTypes + contract type]
  std::vector<KeySet> offers_by_rome_ ABSL_GUARDED_BY(mu_);

  internal::StringTable graduate_ids_ ABSL_GUARDED_BY(mu_);
  std::vector<internal::GraduateRec> graduates_ ABSL_GUARDED_BY(mu_);
  // [rome * kRadiusClasses + class]
  std::vector<KeySet> graduates_by_rome_ ABSL_GUARDED_BY(mu_);
  double class_max_km_[kRadiusClasses] ABSL_GUARDED_BY(mu_) = {};
  size_t class_count_[kRadiusClasses] ABSL_GUARDED_BY(mu_) = {};
};

}  // namespace passerelle::engine
