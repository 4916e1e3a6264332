#pragma once

// Closeness of trades (ROME codes): equal, through the ROME mobility table,
// or sharing a ROME v3 parent. Code ids are those of the engine's ROME
// string table; ids the referential did not know (codes first seen on an
// offer or a graduate) have no mobility and no parent.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "services/matching/engine/internal/string_table.h"
#include "services/matching/engine/scoring_config.h"

namespace passerelle::engine::internal {

struct TradeMatch {
  enum Kind : uint8_t {
    kNone = 0,     // unrelated: excluded
    kFirstChoice,  // the graduate's first code
    kOtherOwn,     // another of the graduate's codes
    kMobility,     // in the mobility list of one of the graduate's codes
    kSameParent,   // same ROME v3 parent as one of the graduate's codes
  };
  double closeness = 0;
  Kind kind = kNone;
  uint8_t rank = 0;  // mobility rank (1 = closest)
  uint16_t via = 0;  // the graduate's code through which it matched
};

class TradeGraph {
 public:
  struct Edge {
    uint16_t target;
    uint8_t rank;
  };
  static constexpr uint16_t kNoGroup = 0xFFFF;

  TradeGraph() = default;

  // `parents[i]` is the ROME v3 parent of code id i (empty if unknown);
  // `edges` are (code, target, rank) with ids < parents.size().
  void Build(const std::vector<std::string>& parents,
             std::vector<std::pair<std::pair<uint16_t, uint16_t>, int>> edges);

  absl::Span<const Edge> Mobility(uint16_t code) const;
  absl::Span<const uint16_t> Sources(uint16_t code) const;
  // Codes sharing `code`'s parent, itself included; empty if none known.
  absl::Span<const uint16_t> Siblings(uint16_t code) const;
  uint16_t Group(uint16_t code) const {
    return code < group_.size() ? group_[code] : kNoGroup;
  }

  size_t MemoryBytes() const;

 private:
  uint32_t size_ = 0;
  std::vector<uint32_t> edge_begin_;  // CSR, size_ + 1
  std::vector<Edge> edges_;
  std::vector<uint32_t> source_begin_;
  std::vector<uint16_t> sources_;
  std::vector<uint16_t> group_;
  std::vector<std::vector<uint16_t>> group_members_;
};

// How close `offer_rome` is to a graduate seeking `grad_romes` (first
// preferred): the graduate's first code 1; another own code
// trade_other_own_code; else the best mobility rank over the graduate's
// codes; else a shared ROME v3 parent (if allowed); else kNone.
TradeMatch MatchTrade(const TradeGraph& graph, const ScoringConfig& config,
                      absl::Span<const uint16_t> grad_romes,
                      uint16_t offer_rome);

// Every offer ROME code that MatchTrade accepts for `grad_romes`, each once,
// with its match, in ascending code order.
void OfferRomeCandidates(const TradeGraph& graph, const ScoringConfig& config,
                         absl::Span<const uint16_t> grad_romes,
                         std::vector<std::pair<uint16_t, TradeMatch>>* out);

// Every graduate ROME code c such that a graduate holding c may match an
// offer in `offer_rome`, each once, ascending.
void GraduateRomeCandidates(const TradeGraph& graph,
                            const ScoringConfig& config, uint16_t offer_rome,
                            std::vector<uint16_t>* out);

}  // namespace passerelle::engine::internal
