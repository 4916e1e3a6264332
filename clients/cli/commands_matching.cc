// Matching, proposals and statistics: rank, explain, plan, proposal, stats.

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/cli/commands.h"
#include "clients/cli/proto_text.h"
#include "passerelle/v1/matching.grpc.pb.h"
#include "passerelle/v1/proposal.grpc.pb.h"
#include "storage/status_macros.h"

namespace passerelle::cli {
namespace {

namespace v1 = ::passerelle::v1;
using v1::MatchingService;
using v1::ProposalService;

std::string Score(double value) { return absl::StrFormat("%.3f", value); }
std::string Km(double value) { return absl::StrFormat("%.1f", value); }

// "skills=0.80 distance=0.93": the factors of a score, compactly.
std::string FormatFactors(
    const google::protobuf::RepeatedPtrField<v1::Factor>& factors) {
  std::vector<std::string> parts;
  for (const v1::Factor& factor : factors) {
    parts.push_back(absl::StrFormat("%s=%.2f", factor.name(), factor.value()));
  }
  return absl::StrJoin(parts, " ");
}

// The argument a proposal command acts on: positional or --proposal_id.
absl::StatusOr<std::string> ProposalId(const Invocation& inv) {
  std::string id = inv.args.GetString("proposal_id");
  if (!inv.args.positional().empty()) id = inv.args.positional().front();
  if (id.empty()) {
    return UsageError(
        absl::StrCat("--proposal_id (or a PROPOSAL_ID argument) "
                     "is required for '",
                     inv.command.name(), "'"));
  }
  return id;
}

// ---- rank / explain / plan -------------------------------------------------

absl::Status RankOffers(Invocation& inv) {
  v1::RankOffersRequest request;
  ASSIGN_OR_RETURN(std::string graduate_id, inv.Required("graduate_id"));
  request.set_graduate_id(graduate_id);
  ASSIGN_OR_RETURN(
      std::vector<int> contracts,
      EnumListFlag(inv.args, "contract", v1::ContractType_descriptor()));
  for (int contract : contracts) {
    request.add_contract_types(static_cast<v1::ContractType>(contract));
  }
  for (const std::string& code : ListFlagValues(inv.args, "rome")) {
    request.add_rome_codes(code);
  }
  ASSIGN_OR_RETURN(bool factors, inv.args.GetBool("factors", false));

  std::vector<std::string> headers = {"RANK",     "SCORE",  "DISTANCE_KM",
                                      "OFFER",    "TITLE",  "ROME",
                                      "CONTRACT", "COMMUNE"};
  if (factors) headers.push_back("FACTORS");
  Table table(headers);
  table.SetMaxWidth(kMaxCellWidth * 2);
  for (size_t i : {0, 1, 2}) table.SetAlign(i, Align::kRight);
  int rank = 0;
  auto stub = MatchingService::NewStub(inv.channel);
  const absl::Status status =
      ForEachPage<v1::RankOffersRequest, v1::RankOffersResponse>(
          inv, "RankOffers", request,
          [&](grpc::ClientContext* c, const v1::RankOffersRequest& r,
              v1::RankOffersResponse* out) {
            return stub->RankOffers(c, r, out);
          },
          [&](const v1::RankOffersResponse& page) {
            for (const v1::RankedOffer& result : page.results()) {
              ++rank;
              if (inv.printer.json()) {
                inv.printer.PrintJsonLine(result);
                continue;
              }
              const v1::Offer& offer = result.offer();
              std::vector<std::string> row = {
                  absl::StrCat(rank),
                  Score(result.score()),
                  Km(result.distance_km()),
                  offer.id(),
                  TruncateToWidth(offer.title(), kMaxCellWidth),
                  offer.rome_code(),
                  FormatFieldValue(offer, "contract_type"),
                  offer.place().commune_name()};
              if (factors) row.push_back(FormatFactors(result.factors()));
              table.AddRow(std::move(row));
            }
          });
  if (!inv.printer.json() && (status.ok() || table.num_rows() > 0)) {
    table.Print(inv.out);
  }
  return status;
}

absl::Status RankGraduates(Invocation& inv) {
  v1::RankGraduatesRequest request;
  ASSIGN_OR_RETURN(std::string offer_id, inv.Required("offer_id"));
  request.set_offer_id(offer_id);
  ASSIGN_OR_RETURN(bool factors, inv.args.GetBool("factors", false));

  std::vector<std::string> headers = {
      "RANK",    "SCORE", "DISTANCE_KM", "GRADUATE", "CANDIDATE",
      "DIPLOMA", "LEVEL", "ROME",        "DEPT",     "MINOR"};
  if (factors) headers.push_back("FACTORS");
  Table table(headers);
  table.SetMaxWidth(kMaxCellWidth * 2);
  for (size_t i : {0, 1, 2, 6}) table.SetAlign(i, Align::kRight);
  int rank = 0;
  auto stub = MatchingService::NewStub(inv.channel);
  const absl::Status status =
      ForEachPage<v1::RankGraduatesRequest, v1::RankGraduatesResponse>(
          inv, "RankGraduates", request,
          [&](grpc::ClientContext* c, const v1::RankGraduatesRequest& r,
              v1::RankGraduatesResponse* out) {
            return stub->RankGraduates(c, r, out);
          },
          [&](const v1::RankGraduatesResponse& page) {
            for (const v1::RankedGraduate& result : page.results()) {
              ++rank;
              if (inv.printer.json()) {
                inv.printer.PrintJsonLine(result);
                continue;
              }
              const v1::Candidate& c = result.candidate();
              std::vector<std::string> row = {
                  absl::StrCat(rank),
                  Score(result.score()),
                  Km(result.distance_km()),
                  c.graduate_id(),
                  c.pseudonym(),
                  c.diploma().title().empty() ? c.diploma().code()
                                              : c.diploma().title(),
                  c.diploma().level() > 0 ? absl::StrCat(c.diploma().level())
                                          : "",
                  absl::StrJoin(c.rome_codes(), ","),
                  c.departement_code(),
                  c.minor_at_start() ? "yes" : "no"};
              if (factors) row.push_back(FormatFactors(result.factors()));
              table.AddRow(std::move(row));
            }
          });
  if (!inv.printer.json() && (status.ok() || table.num_rows() > 0)) {
    table.Print(inv.out);
  }
  return status;
}

void PrintFactorTable(
    const google::protobuf::RepeatedPtrField<v1::Factor>& factors,
    std::ostream& out) {
  Table table({"FACTOR", "VALUE", "WEIGHT", "DETAIL"});
  table.SetAlign(1, Align::kRight);
  table.SetAlign(2, Align::kRight);
  for (const v1::Factor& f : factors) {
    table.AddRow({f.name(), absl::StrFormat("%.3f", f.value()),
                  absl::StrFormat("%.3f", f.weight()), f.detail()});
  }
  table.Print(out);
}

absl::Status Explain(Invocation& inv) {
  v1::ExplainMatchRequest request;
  ASSIGN_OR_RETURN(std::string graduate_id, inv.Required("graduate_id"));
  ASSIGN_OR_RETURN(std::string offer_id, inv.Required("offer_id"));
  request.set_graduate_id(graduate_id);
  request.set_offer_id(offer_id);
  auto stub = MatchingService::NewStub(inv.channel);
  v1::ExplainMatchResponse response;
  RETURN_IF_ERROR(inv.Call("ExplainMatch", [&](grpc::ClientContext* c) {
    return stub->ExplainMatch(c, request, &response);
  }));
  if (inv.printer.json()) {
    inv.printer.PrintJsonLine(response);
    return absl::OkStatus();
  }
  Table summary({"", ""});
  summary.set_show_header(false);
  summary.AddRow({"eligible", response.eligible() ? "yes" : "no"});
  summary.AddRow({"score", Score(response.score())});
  summary.AddRow({"distance_km", Km(response.distance_km())});
  summary.Print(inv.out);
  if (response.exclusions_size() > 0) {
    inv.out << "\n";
    Table exclusions({"EXCLUDED BY", "DETAIL"});
    for (const v1::Exclusion& e : response.exclusions()) {
      exclusions.AddRow({e.rule(), e.detail()});
    }
    exclusions.Print(inv.out);
  }
  if (response.factors_size() > 0) {
    inv.out << "\n";
    PrintFactorTable(response.factors(), inv.out);
  }
  return absl::OkStatus();
}

absl::Status Plan(Invocation& inv) {
  v1::PlanPlacementsRequest request;
  ASSIGN_OR_RETURN(auto k, inv.args.GetInt("k"));
  if (k && (*k < 1 || *k > 100)) {
    return UsageError(absl::StrCat("--k: expected 1..100, got ", *k));
  }
  request.set_recommendations_per_graduate(k ? static_cast<int32_t>(*k) : 5);
  request.set_school_id(inv.args.GetString("school_id"));
  request.set_partner_id(inv.args.GetString("partner_id"));
  ASSIGN_OR_RETURN(bool summary_only, inv.args.GetBool("summary", false));
  request.set_summary_only(summary_only && !inv.printer.json());
  auto stub = MatchingService::NewStub(inv.channel);
  v1::PlanPlacementsResponse response;
  RETURN_IF_ERROR(inv.Call("PlanPlacements", [&](grpc::ClientContext* c) {
    return stub->PlanPlacements(c, request, &response);
  }));
  if (inv.printer.json()) {
    inv.printer.PrintJsonLine(response);
    return absl::OkStatus();
  }
  Table summary({"", ""});
  summary.set_show_header(false);
  summary.SetAlign(1, Align::kRight);
  summary.AddRow({"graduates", absl::StrCat(response.graduates())});
  summary.AddRow({"offers", absl::StrCat(response.offers())});
  summary.AddRow(
      {"matched graduates", absl::StrCat(response.matched_graduates())});
  if (!summary_only) {
    summary.AddRow({"assignments", absl::StrCat(response.assignments_size())});
  }
  summary.AddRow(
      {"blocking pairs", absl::StrCat(response.blocking_pairs_size())});
  summary.AddRow(
      {"coverage", absl::StrFormat("%.1f%%", response.coverage() * 100)});
  const v1::ExposureStats& e = response.exposure();
  summary.AddRow(
      {"exposure", absl::StrFormat("mean %.2f, p50 %.1f, p99 %.1f, max %.1f",
                                   e.mean(), e.p50(), e.p99(), e.max())});
  summary.AddRow(
      {"exposure bound",
       absl::StrFormat("%.1f x open positions", response.exposure_bound())});
  summary.AddRow({"mean recommendations",
                  absl::StrFormat("%.2f", response.mean_recommendations())});
  summary.AddRow({"without any eligible offer",
                  absl::StrCat(response.graduates_without_options())});
  summary.AddRow({"seconds", absl::StrFormat("%.2f", response.seconds())});
  summary.Print(inv.out);
  if (summary_only) return absl::OkStatus();
  if (response.blocking_pairs_size() > 0) {
    inv.out << "\nblocking pairs:\n";
    Table pairs({"GRADUATE", "OFFER"});
    for (const auto& p : response.blocking_pairs()) {
      pairs.AddRow({p.graduate_id(), p.offer_id()});
    }
    pairs.Print(inv.out);
  }
  inv.out << "\nassignments:\n";
  Table assignments({"GRADUATE", "OFFER", "SCORE"});
  assignments.SetAlign(2, Align::kRight);
  for (const auto& a : response.assignments()) {
    assignments.AddRow({a.graduate_id(), a.offer_id(), Score(a.score())});
  }
  assignments.Print(inv.out);
  inv.out << "\nrecommendations:\n";
  Table recommendations({"GRADUATE", "OFFERS"});
  for (const auto& r : response.recommendations()) {
    recommendations.AddRow(
        {r.graduate_id(), absl::StrJoin(r.offer_ids(), ",")});
  }
  recommendations.Print(inv.out);
  return absl::OkStatus();
}

// ---- proposals and statistics -----------------------------------------------

template <typename Request, typename Rpc>
absl::Status ProposalCall(Invocation& inv, absl::string_view method,
                          const Request& request, Rpc rpc) {
  auto stub = ProposalService::NewStub(inv.channel);
  v1::Proposal response;
  RETURN_IF_ERROR(inv.Call(method, [&](grpc::ClientContext* c) {
    return ((*stub).*rpc)(c, request, &response);
  }));
  inv.printer.PrintMessage(response);
  return absl::OkStatus();
}

absl::Status ProposalSend(Invocation& inv) {
  v1::SendProposalRequest request;
  ASSIGN_OR_RETURN(std::string offer_id, inv.Required("offer_id"));
  ASSIGN_OR_RETURN(std::string graduate_id, inv.Required("graduate_id"));
  request.set_offer_id(offer_id);
  request.set_graduate_id(graduate_id);
  request.set_respond_by(inv.args.GetString("respond_by"));
  request.set_message(inv.args.GetString("message"));
  return ProposalCall(inv, "SendProposal", request,
                      &ProposalService::Stub::SendProposal);
}

absl::Status ProposalRespond(Invocation& inv) {
  v1::RespondToProposalRequest request;
  ASSIGN_OR_RETURN(std::string id, ProposalId(inv));
  request.set_proposal_id(id);
  const bool has_accept = inv.args.Has("accept");
  const bool has_decline = inv.args.Has("decline");
  if (has_accept == has_decline) {
    return UsageError(
        "give exactly one of --accept and --decline (or --accept=false)");
  }
  ASSIGN_OR_RETURN(bool accept, inv.args.GetBool("accept", false));
  ASSIGN_OR_RETURN(bool decline, inv.args.GetBool("decline", false));
  request.set_accept(has_accept ? accept : !decline);
  return ProposalCall(inv, "RespondToProposal", request,
                      &ProposalService::Stub::RespondToProposal);
}

absl::Status ProposalWithdraw(Invocation& inv) {
  v1::WithdrawProposalRequest request;
  ASSIGN_OR_RETURN(std::string id, ProposalId(inv));
  request.set_proposal_id(id);
  return ProposalCall(inv, "WithdrawProposal", request,
                      &ProposalService::Stub::WithdrawProposal);
}

absl::Status ProposalList(Invocation& inv) {
  v1::ListProposalsRequest request;
  request.set_graduate_id(inv.args.GetString("graduate_id"));
  request.set_offer_id(inv.args.GetString("offer_id"));
  if (!request.graduate_id().empty() && !request.offer_id().empty()) {
    return UsageError("give at most one of --graduate_id and --offer_id");
  }
  const std::string state = inv.args.GetString("state");
  if (!state.empty()) {
    v1::ProposalState value;
    if (!v1::ProposalState_Parse(
            absl::StrCat("PROPOSAL_STATE_", absl::AsciiStrToUpper(state)),
            &value)) {
      return UsageError(absl::StrCat(
          "--state: expected sent, accepted, declined, withdrawn, expired or "
          "superseded, got \"",
          state, "\""));
    }
    request.set_state(value);
  }
  // A graduate's received offers (best first, with the offer), an offer's
  // candidates (named once they accepted), or the caller's own.
  std::vector<Column> columns = ProposalColumns();
  if (!request.graduate_id().empty()) {
    columns = {{"ID", "id"},
               {"SCORE", "score", Align::kRight},
               {"OFFER", "offer_id"},
               {"TITLE", "offer_title"},
               {"CONTRACT", "contract_type"},
               {"COMMUNE", "offer.place.commune_name"},
               {"STATE", "state"},
               {"RESPOND_BY", "respond_by"}};
  } else if (!request.offer_id().empty()) {
    columns = {{"ID", "id"},
               {"SCORE", "sent_score", Align::kRight},
               {"CANDIDATE", "candidate.pseudonym"},
               {"GRADUATE", "graduate_id"},
               {"GIVEN_NAME", "given_name"},
               {"FAMILY_NAME", "family_name"},
               {"EMAIL", "email"},
               {"PHONE", "phone"},
               {"STATE", "state"},
               {"RESPOND_BY", "respond_by"}};
  }
  auto stub = ProposalService::NewStub(inv.channel);
  return ListPages<v1::ListProposalsRequest, v1::ListProposalsResponse>(
      inv, "ListProposals", request,
      [&](grpc::ClientContext* c, const v1::ListProposalsRequest& r,
          v1::ListProposalsResponse* out) {
        return stub->ListProposals(c, r, out);
      },
      [](const v1::ListProposalsResponse& r) -> const auto& {
        return r.proposals();
      },
      columns);
}

absl::Status Stats(Invocation& inv) {
  v1::GetPlacementStatsRequest request;
  request.set_school_id(inv.args.GetString("school_id"));
  request.set_departement_code(inv.args.GetString("departement"));
  request.set_region_code(inv.args.GetString("region"));
  request.set_partner_id(inv.args.GetString("partner_id"));
  const int scopes =
      !request.school_id().empty() + !request.departement_code().empty() +
      !request.region_code().empty() + !request.partner_id().empty();
  if (scopes > 1) {
    return UsageError(
        "give at most one of --school_id, --partner_id, --departement and "
        "--region");
  }
  auto stub = ProposalService::NewStub(inv.channel);
  v1::PlacementStats response;
  RETURN_IF_ERROR(inv.Call("GetPlacementStats", [&](grpc::ClientContext* c) {
    return stub->GetPlacementStats(c, request, &response);
  }));
  if (inv.printer.json()) {
    inv.printer.PrintJsonLine(response);
    return absl::OkStatus();
  }
  Table summary({"", ""});
  summary.set_show_header(false);
  summary.SetAlign(1, Align::kRight);
  summary.AddRow({"graduates", absl::StrCat(response.graduates())});
  summary.AddRow({"seeking", absl::StrCat(response.seeking())});
  summary.AddRow({"placed", absl::StrCat(response.placed())});
  summary.AddRow({"withdrawn", absl::StrCat(response.withdrawn())});
  summary.AddRow({"placement rate",
                  absl::StrFormat("%.1f%%", response.placement_rate() * 100)});
  summary.AddRow({"proposals received", absl::StrCat(response.proposals())});
  summary.AddRow(
      {"awaiting an answer", absl::StrCat(response.proposals_pending())});
  summary.AddRow({"mean offers received",
                  absl::StrFormat("%.2f", response.mean_offers_received())});
  summary.AddRow(
      {"median days to placement",
       absl::StrFormat("%.1f", response.median_days_to_placement())});
  summary.Print(inv.out);
  const int buckets = response.offers_received_histogram_size();
  if (buckets > 0) {
    inv.out << "\n";
    Table histogram({"OFFERS RECEIVED", "GRADUATES"});
    histogram.SetAlign(0, Align::kRight);
    histogram.SetAlign(1, Align::kRight);
    for (int i = 0; i < buckets; ++i) {
      histogram.AddRow({absl::StrCat(i, i + 1 == buckets ? "+" : ""),
                        absl::StrCat(response.offers_received_histogram(i))});
    }
    histogram.Print(inv.out);
  }
  if (response.by_contract_size() > 0) {
    inv.out << "\n";
    Table contracts({"CONTRACT", "PLACED"});
    contracts.SetAlign(1, Align::kRight);
    for (const v1::ContractStats& c : response.by_contract()) {
      contracts.AddRow(
          {FormatFieldValue(c, "contract_type"), absl::StrCat(c.placed())});
    }
    contracts.Print(inv.out);
  }
  return absl::OkStatus();
}

absl::Status IndexStatus(Invocation& inv) {
  auto stub = MatchingService::NewStub(inv.channel);
  v1::IndexStatus response;
  RETURN_IF_ERROR(inv.Call("GetIndexStatus", [&](grpc::ClientContext* c) {
    return stub->GetIndexStatus(c, v1::GetIndexStatusRequest(), &response);
  }));
  inv.printer.PrintMessage(response);
  return absl::OkStatus();
}

std::vector<FlagDoc> RankFlags() {
  return Concat({{"factors", FlagKind::kBool, "show each score's factors"}},
                PagingFlags());
}

}  // namespace

void AddMatchingCommands(std::vector<Command>* commands) {
  commands->push_back(MakeCommand(
      {"rank", "offers"}, "Ranks the offers that fit a graduate.",
      "passerelle-cli rank offers --graduate_id=GRADUATE_ID --factors",
      Concat({{"graduate_id", FlagKind::kString, "the graduate"},
              {"contract", FlagKind::kString,
               "only these contract types, comma-separated"},
              {"rome", FlagKind::kString, "only these ROME codes"}},
             RankFlags()),
      RankOffers));
  commands->push_back(MakeCommand(
      {"rank", "graduates"},
      "Ranks the graduates that fit an offer (pseudonymous candidates).",
      "passerelle-cli rank graduates --offer_id=OFFER_ID",
      Concat({{"offer_id", FlagKind::kString, "the offer"}}, RankFlags()),
      RankGraduates));
  commands->push_back(MakeCommand(
      {"explain"},
      "Explains why an offer is (or is not) ranked for a graduate.",
      "passerelle-cli explain --graduate_id=GRADUATE_ID --offer_id=OFFER_ID",
      {{"graduate_id", FlagKind::kString,
        "the graduate (a company: the candidate id, GRADUATE in rank "
        "graduates for this offer)"},
       {"offer_id", FlagKind::kString, "the offer"}},
      Explain));
  commands->push_back(MakeCommand(
      {"matching", "status"},
      "The matcher's index: size, change-feed position, freshness (admin).",
      "passerelle-cli matching status", {}, IndexStatus));
  commands->push_back(MakeCommand(
      {"plan"},
      "Computes the placement plan: a stable assignment and k recommended "
      "offers per graduate (admin: all, a school's or a partner's; a school "
      "or partner: its own). Plans are queued, one at a time; an identical "
      "plan in progress is shared.",
      "passerelle-cli plan --k=5 --summary",
      {{"k", FlagKind::kString, "offers recommended per graduate (default 5)"},
       {"school_id", FlagKind::kString, "plan only this school's graduates"},
       {"partner_id", FlagKind::kString,
        "plan only the young people this partner follows"},
       {"summary", FlagKind::kBool, "print the summary only"}},
      Plan));

  Command send = MakeCommand(
      {"proposal", "send"}, "Sends a proposal: an offer to a graduate.",
      "passerelle-cli proposal send --offer_id=OFFER_ID "
      "--graduate_id=GRADUATE_ID --respond_by=2027-06-30",
      {{"offer_id", FlagKind::kString, "the offer"},
       {"graduate_id", FlagKind::kString,
        "the candidate id (GRADUATE in rank graduates for this offer)"},
       {"respond_by", FlagKind::kString, "answer expected by (YYYY-MM-DD)"},
       {"message", FlagKind::kString, "a message to the graduate"}},
      ProposalSend);
  commands->push_back(std::move(send));
  Command respond = MakeCommand(
      {"proposal", "respond"}, "Accepts or declines a proposal.",
      "passerelle-cli proposal respond PROPOSAL_ID --accept",
      {{"proposal_id", FlagKind::kString, "the proposal (or PROPOSAL_ID)"},
       {"accept", FlagKind::kBool, "accept (--accept=false declines)"},
       {"decline", FlagKind::kBool, "decline"}},
      ProposalRespond);
  respond.positional_synopsis = "[PROPOSAL_ID]";
  respond.max_positional = 1;
  commands->push_back(std::move(respond));
  Command withdraw = MakeCommand(
      {"proposal", "withdraw"}, "Withdraws a proposal (the company).",
      "passerelle-cli proposal withdraw PROPOSAL_ID",
      {{"proposal_id", FlagKind::kString, "the proposal (or PROPOSAL_ID)"}},
      ProposalWithdraw);
  withdraw.positional_synopsis = "[PROPOSAL_ID]";
  withdraw.max_positional = 1;
  commands->push_back(std::move(withdraw));
  commands->push_back(MakeCommand(
      {"proposal", "list"},
      "Lists the proposals a graduate received (best first), those of an "
      "offer, or (neither) your own.",
      "passerelle-cli proposal list --graduate_id=GRADUATE_ID",
      Concat({{"graduate_id", FlagKind::kString, "a graduate's proposals"},
              {"offer_id", FlagKind::kString, "an offer's proposals"},
              {"state", FlagKind::kString,
               "only this state (sent, accepted, declined, withdrawn, "
               "expired, superseded)"}},
             PagingFlags()),
      ProposalList));
  commands->push_back(MakeCommand(
      {"stats"}, "Shows placement statistics.",
      "passerelle-cli stats --departement=59",
      {{"school_id", FlagKind::kString, "one school"},
       {"partner_id", FlagKind::kString, "one partner (Mission locale)"},
       {"departement", FlagKind::kString, "one département (e.g. 59)"},
       {"region", FlagKind::kString, "one region (INSEE code, e.g. 32)"}},
      Stats));
}

}  // namespace passerelle::cli
