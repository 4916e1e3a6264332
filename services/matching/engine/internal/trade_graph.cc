#include "services/matching/engine/internal/trade_graph.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace passerelle::engine::internal {

void TradeGraph::Build(
    const std::vector<std::string>& parents,
    std::vector<std::pair<std::pair<uint16_t, uint16_t>, int>> edges) {
  size_ = static_cast<uint32_t>(parents.size());
  // Mobility, CSR by source, ascending rank then target.
  std::sort(edges.begin(), edges.end(), [](const auto& a, const auto& b) {
    if (a.first.first != b.first.first) return a.first.first < b.first.first;
    if (a.second != b.second) return a.second < b.second;
    return a.first.second < b.first.second;
  });
  edge_begin_.assign(size_ + 1, 0);
  edges_.clear();
  for (const auto& [pair, rank] : edges) ++edge_begin_[pair.first + 1];
  for (uint32_t i = 0; i < size_; ++i) edge_begin_[i + 1] += edge_begin_[i];
  edges_.reserve(edges.size());
  for (const auto& [pair, rank] : edges) {
    edges_.push_back(
        Edge{pair.second, static_cast<uint8_t>(std::clamp(rank, 1, 255))});
  }
  // Reverse edges (who can reach a code), ascending source.
  std::vector<std::pair<uint16_t, uint16_t>> reverse;
  reverse.reserve(edges.size());
  for (const auto& [pair, rank] : edges) {
    reverse.emplace_back(pair.second, pair.first);
  }
  std::sort(reverse.begin(), reverse.end());
  reverse.erase(std::unique(reverse.begin(), reverse.end()), reverse.end());
  source_begin_.assign(size_ + 1, 0);
  sources_.clear();
  for (const auto& [target, source] : reverse) ++source_begin_[target + 1];
  for (uint32_t i = 0; i < size_; ++i) source_begin_[i + 1] += source_begin_[i];
  for (const auto& [target, source] : reverse) sources_.push_back(source);
  // Groups by parent.
  absl::flat_hash_map<std::string, uint16_t> group_of_parent;
  group_.assign(size_, kNoGroup);
  group_members_.clear();
  for (uint32_t code = 0; code < size_; ++code) {
    if (parents[code].empty()) continue;
    auto [it, inserted] = group_of_parent.try_emplace(
        parents[code], static_cast<uint16_t>(group_members_.size()));
    if (inserted) group_members_.emplace_back();
    group_[code] = it->second;
    group_members_[it->second].push_back(static_cast<uint16_t>(code));
  }
}

absl::Span<const TradeGraph::Edge> TradeGraph::Mobility(uint16_t code) const {
  if (code >= size_) return {};
  return absl::MakeConstSpan(edges_.data() + edge_begin_[code],
                             edge_begin_[code + 1] - edge_begin_[code]);
}

absl::Span<const uint16_t> TradeGraph::Sources(uint16_t code) const {
  if (code >= size_) return {};
  return absl::MakeConstSpan(sources_.data() + source_begin_[code],
                             source_begin_[code + 1] - source_begin_[code]);
}

absl::Span<const uint16_t> TradeGraph::Siblings(uint16_t code) const {
  const uint16_t group = Group(code);
  if (group == kNoGroup) return {};
  return group_members_[group];
}

size_t TradeGraph::MemoryBytes() const {
  size_t bytes = edge_begin_.capacity() * 4 + edges_.capacity() * sizeof(Edge) +
                 source_begin_.capacity() * 4 + sources_.capacity() * 2 +
                 group_.capacity() * 2;
  for (const auto& members : group_members_) bytes += members.capacity() * 2;
  return bytes;
}

TradeMatch MatchTrade(const TradeGraph& graph, const ScoringConfig& config,
                      absl::Span<const uint16_t> grad_romes,
                      uint16_t offer_rome) {
  for (size_t i = 0; i < grad_romes.size(); ++i) {
    if (grad_romes[i] == offer_rome) {
      TradeMatch m;
      m.kind = i == 0 ? TradeMatch::kFirstChoice : TradeMatch::kOtherOwn;
      m.closeness = i == 0 ? 1.0 : config.trade_other_own_code;
      m.via = offer_rome;
      return m;
    }
  }
  TradeMatch best;
  for (uint16_t code : grad_romes) {
    for (const TradeGraph::Edge& edge : graph.Mobility(code)) {
      if (edge.target != offer_rome) continue;
      // Lowest rank wins; on a tie the earlier (preferred) code.
      if (best.kind == TradeMatch::kNone || edge.rank < best.rank) {
        best.kind = TradeMatch::kMobility;
        best.rank = edge.rank;
        best.via = code;
        best.closeness =
            std::max(config.trade_mobility_floor,
                     config.trade_mobility_rank1 -
                         config.trade_mobility_step * (edge.rank - 1));
      }
    }
  }
  if (best.kind != TradeMatch::kNone) return best;
  if (config.allow_same_parent) {
    const uint16_t group = graph.Group(offer_rome);
    if (group != TradeGraph::kNoGroup) {
      for (uint16_t code : grad_romes) {
        if (graph.Group(code) == group) {
          best.kind = TradeMatch::kSameParent;
          best.closeness = config.trade_same_parent;
          best.via = code;
          return best;
        }
      }
    }
  }
  return best;
}

void OfferRomeCandidates(const TradeGraph& graph, const ScoringConfig& config,
                         absl::Span<const uint16_t> grad_romes,
                         std::vector<std::pair<uint16_t, TradeMatch>>* out) {
  out->clear();
  std::vector<uint16_t> codes;
  for (uint16_t code : grad_romes) {
    codes.push_back(code);
    for (const TradeGraph::Edge& edge : graph.Mobility(code)) {
      codes.push_back(edge.target);
    }
    if (config.allow_same_parent) {
      for (uint16_t sibling : graph.Siblings(code)) codes.push_back(sibling);
    }
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  for (uint16_t code : codes) {
    // MatchTrade is the single definition of closeness: the candidates only
    // decide which codes to ask about.
    TradeMatch match = MatchTrade(graph, config, grad_romes, code);
    if (match.kind != TradeMatch::kNone) out->emplace_back(code, match);
  }
}

void GraduateRomeCandidates(const TradeGraph& graph,
                            const ScoringConfig& config, uint16_t offer_rome,
                            std::vector<uint16_t>* out) {
  out->clear();
  out->push_back(offer_rome);
  for (uint16_t source : graph.Sources(offer_rome)) out->push_back(source);
  if (config.allow_same_parent) {
    for (uint16_t sibling : graph.Siblings(offer_rome)) {
      out->push_back(sibling);
    }
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

}  // namespace passerelle::engine::internal
