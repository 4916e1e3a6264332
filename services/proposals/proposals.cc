#include "services/proposals/proposals.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/dates.h"
#include "services/common/validation.h"
#include "services/graduates/graduates.h"
#include "services/integration/outbox.h"
#include "services/matching/company_view.h"
#include "services/matching/convert.h"
#include "services/runtime/reactor.h"
#include "storage/status_macros.h"

namespace passerelle::proposals {
namespace {

using runtime::Caller;
using storage::Mutation;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kListBatch = 500;
constexpr size_t kMaxMessageChars = 2000;
constexpr int kMajorityAge = 18;  // Code civil 414

std::string PairKey(absl::string_view offer_id, absl::string_view graduate_id) {
  return absl::StrCat(offer_id, "/", graduate_id);
}

bool IsLive(v1::ProposalState state) {
  return state == v1::PROPOSAL_STATE_SENT ||
         state == v1::PROPOSAL_STATE_AWAITING_GUARDIAN ||
         state == v1::PROPOSAL_STATE_ACCEPTED;
}

std::vector<storage::IndexKey> IndexKeys(const v1::Proposal& p) {
  std::vector<storage::IndexKey> keys = {{kByGraduate, p.graduate_id(), false},
                                         {kByOffer, p.offer_id(), false},
                                         {kByCompany, p.company_id(), false}};
  if (!p.school_id().empty()) keys.push_back({kBySchool, p.school_id(), false});
  if (!p.partner_id().empty())
    keys.push_back({kByPartner, p.partner_id(), false});
  if (IsLive(p.state())) {
    keys.push_back({kLiveByPair, PairKey(p.offer_id(), p.graduate_id()), true});
  }
  if (p.state() == v1::PROPOSAL_STATE_AWAITING_GUARDIAN) {
    keys.push_back({kHolding, "", false});
  }
  return keys;
}

absl::string_view StateName(v1::ProposalState state) {
  const std::string& name = v1::ProposalState_Name(state);
  absl::string_view view = name;
  absl::ConsumePrefix(&view, "PROPOSAL_STATE_");
  return view;
}

// Expired: SENT and today is after respond_by.
bool PastDeadline(const v1::Proposal& p, absl::CivilDay today) {
  std::optional<absl::CivilDay> by = common::ParseDate(p.respond_by());
  return by.has_value() && today > *by;
}

// Whether `p` holds a position for a minor awaiting their representative.
bool HoldsPosition(const v1::Proposal& p) {
  return p.state() == v1::PROPOSAL_STATE_AWAITING_GUARDIAN;
}

v1::ProposalState EffectiveState(const v1::Proposal& p, absl::CivilDay today) {
  if ((p.state() == v1::PROPOSAL_STATE_SENT || HoldsPosition(p)) &&
      PastDeadline(p, today)) {
    return v1::PROPOSAL_STATE_EXPIRED;
  }
  return p.state();
}

// Page tokens of the sorted listings: offsets ("o:<offset>").
absl::StatusOr<size_t> ParseOffsetToken(const std::string& token) {
  if (token.empty()) return 0;
  std::string raw;
  size_t offset = 0;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.rfind("o:", 0) != 0 ||
      !absl::SimpleAtoi(raw.substr(2), &offset)) {
    return absl::InvalidArgumentError(
        "page_token: not a token of this listing");
  }
  return offset;
}

std::string OffsetToken(size_t offset) {
  std::string token;
  absl::WebSafeBase64Escape(absl::StrCat("o:", offset), &token);
  return token;
}

// A record written back unchanged, at the version it was read: the commit
// then fails (ABORTED, NOT_FOUND) if it changed or vanished meanwhile.
template <typename T>
Mutation Unchanged(const runtime::Repository<T>& repository, const T& record) {
  return repository.PutMutation(record, Mutation::Expect::kVersion,
                                record.version());
}

// Conflicts that a fresh read may resolve (or turn into a clear error).
bool Retryable(const absl::Status& status) {
  return absl::IsAborted(status) || absl::IsNotFound(status) ||
         absl::IsAlreadyExists(status);
}

void AddFactors(const engine::Explanation& x,
                google::protobuf::RepeatedPtrField<v1::Factor>* out) {
  for (const engine::Factor& f : x.factors) matching::ToProto(f, out->Add());
  for (const engine::Warning& w : x.warnings) {
    v1::Factor* warning = out->Add();
    warning->set_name(absl::StrCat("warning:", w.code));
    warning->set_detail(w.detail);
  }
}

absl::Status Internal(absl::string_view what, const absl::Status& status) {
  return absl::InternalError(absl::StrCat(what, ": ", status.message()));
}

}  // namespace

std::vector<std::string> Tables() { return {kTable}; }

Proposals::Proposals(Options options)
    : options_(std::move(options)),
      proposals_(options_.store,
                 {kTable, "proposal", "prp", v1::ENTITY_KIND_PROPOSAL,
                  &IndexKeys, [](const v1::Proposal& p, v1::ChangeEvent* e) {
                    e->set_company_id(p.company_id());
                    e->set_school_id(p.school_id());
                    e->set_partner_id(p.partner_id());
                  }}) {
  CHECK(options_.store != nullptr && options_.graduates != nullptr &&
        options_.offers != nullptr && options_.engine != nullptr &&
        options_.candidate != nullptr && options_.candidate_ids != nullptr);
  if (!options_.now) options_.now = [] { return absl::Now(); };
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

Proposals::~Proposals() { Stop(); }

absl::CivilDay Proposals::Today() const { return common::DayInParis(Now()); }

absl::StatusOr<std::vector<v1::Proposal>> Proposals::ListAll(
    absl::string_view index, absl::string_view value) const {
  std::vector<v1::Proposal> out;
  std::string token;
  do {
    ASSIGN_OR_RETURN(auto page,
                     proposals_.List(index, value, kListBatch, token));
    for (v1::Proposal& p : page.records) out.push_back(std::move(p));
    token = std::move(page.next_page_token);
  } while (!token.empty());
  return out;
}

absl::StatusOr<runtime::GraduateAccess> Proposals::CheckGraduateSide(
    const Caller& caller, const v1::Graduate& g) const {
  const runtime::GraduateAccess access = runtime::AccessTo(caller, g);
  if (access != runtime::GraduateAccess::kNone) return access;
  if (caller.is_graduate_side_person()) {
    return runtime::Denied(
        "a young person's account answers their own "
        "proposals only");
  }
  // As if unknown: another tenant's id must not tell that it exists.
  return absl::NotFoundError(absl::StrCat("graduate ", g.id(), " not found"));
}

v1::Proposal Proposals::View(const Caller& caller, v1::Proposal p,
                             const v1::Graduate* g,
                             const v1::Offer* offer) const {
  p.set_state(EffectiveState(p, Today()));
  const bool company = caller.role == v1::ROLE_COMPANY;
  if (company) {
    // Neither the acceptance nor who answered reaches the company before the
    // representative confirms.
    if (HoldsPosition(p)) p.set_state(v1::PROPOSAL_STATE_SENT);
    if (p.state() == v1::PROPOSAL_STATE_SENT) p.clear_respond_time();
    p.clear_answers();
  }
  // The company learns who the graduate is only once they accepted.
  const bool identity = !company || p.state() == v1::PROPOSAL_STATE_ACCEPTED;
  if (g != nullptr && offer != nullptr) {
    *p.mutable_candidate() = options_.candidate(*g, *offer);
  }
  if (identity && g != nullptr) {
    p.set_given_name(g->given_name());
    p.set_family_name(g->family_name());
    p.set_email(g->email());
    p.set_phone(g->phone());
  }
  if (!identity) {
    p.clear_school_id();
    p.clear_partner_id();
  }
  if (company) {
    // The company names the graduate by the offer's candidate id, and sees
    // what RankGraduates shows of the pair (matching/company_view.h).
    p.set_graduate_id(
        options_.candidate_ids->Encode(p.offer_id(), p.graduate_id()));
    if (g != nullptr && offer != nullptr) {
      double score = p.score();
      double distance_km = p.distance_km();
      matching::CompanyView(*g, *offer, &score, &distance_km,
                            p.mutable_factors());
      p.set_sent_score(
          std::clamp(p.sent_score() + score - p.score(), 0.0, 1.0));
      p.set_score(score);
      p.set_distance_km(distance_km);
    } else {
      p.set_distance_km(matching::DistanceBandKm(p.distance_km()));
      p.clear_factors();
    }
    matching::CompanyView(p.mutable_exclusions());
  }
  return p;
}

// --- Send ------------------------------------------------------------------

absl::StatusOr<v1::Proposal> Proposals::Send(
    const Caller& caller, const v1::SendProposalRequest& request) {
  if (request.offer_id().empty())
    return absl::InvalidArgumentError("offer_id: required");
  if (request.graduate_id().empty()) {
    return absl::InvalidArgumentError("graduate_id: required");
  }
  const absl::CivilDay today = Today();
  absl::CivilDay respond_by = today + kDefaultRespondDays;
  if (!request.respond_by().empty()) {
    ASSIGN_OR_RETURN(
        respond_by, common::ParseDateField(request.respond_by(), "respond_by"));
    if (respond_by < today) {
      return absl::InvalidArgumentError(
          absl::StrCat("respond_by: must not be before today (",
                       common::FormatDate(today), ")"));
    }
    if (respond_by > today + kMaxRespondDays) {
      return absl::InvalidArgumentError(
          absl::StrCat("respond_by: at most ", kMaxRespondDays, " days ahead (",
                       common::FormatDate(today + kMaxRespondDays), ")"));
    }
  }
  std::string message = request.message();
  RETURN_IF_ERROR(common::NormalizeText("message", &message, 0,
                                        kMaxMessageChars,
                                        /*allow_line_breaks=*/true));
  if (caller.role != v1::ROLE_COMPANY) {
    return runtime::Denied("proposals are sent by the offer's company");
  }
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    bool retry = false;
    absl::StatusOr<v1::Proposal> sent =
        SendOnce(caller, request, respond_by, message, &retry);
    if (!retry) return sent;
  }
  return absl::AbortedError("SendProposal: concurrent updates; try again");
}

absl::StatusOr<v1::Proposal> Proposals::SendOnce(
    const Caller& caller, const v1::SendProposalRequest& request,
    absl::CivilDay respond_by, const std::string& message, bool* retry) {
  const absl::Time now = Now();
  const absl::CivilDay today = common::DayInParis(now);
  ASSIGN_OR_RETURN(v1::Offer offer, options_.offers->Get(request.offer_id()));
  if (offer.company_id() != caller.organization_id) {
    // As if unknown: another company's offer id tells nothing.
    return absl::NotFoundError(
        absl::StrCat("offer ", request.offer_id(), " not found"));
  }
  // The company names the graduate by this offer's candidate id; its
  // messages below name the candidate id, never the graduate's.
  const std::string& candidate = request.graduate_id();
  ASSIGN_OR_RETURN(std::string graduate_id,
                   options_.candidate_ids->Decode(offer.id(), candidate));
  absl::StatusOr<v1::Graduate> read = options_.graduates->Get(graduate_id);
  if (absl::IsNotFound(read.status())) {
    return absl::NotFoundError(absl::StrCat(
        "candidate ", candidate, " not found for offer ", offer.id()));
  }
  RETURN_IF_ERROR(read.status());
  v1::Graduate graduate = *std::move(read);
  if (graduate.status() != v1::GRADUATE_STATUS_SEEKING) {
    return absl::FailedPreconditionError(
        absl::StrCat("graduate_not_seeking: candidate ", candidate,
                     " cannot receive proposals"));
  }
  std::vector<Mutation> mutations;
  std::vector<std::string> events;
  // Positions held for minors whose deadline passed are free again (their
  // proposals stored EXPIRED in this commit).
  const v1::Offer stored_offer = offer;
  absl::flat_hash_set<std::string> expired_holds;
  ASSIGN_OR_RETURN(const int freed,
                   ExpireHolds(stored_offer, today, now, &mutations, &events,
                               &expired_holds));
  offer = WithFreed(stored_offer, freed);
  if (offer.status() != v1::OFFER_STATUS_OPEN) {
    return absl::FailedPreconditionError(absl::StrCat(
        "offer_closed: offer ", offer.id(), " is ",
        offer.status() == v1::OFFER_STATUS_FILLED ? "filled" : "closed"));
  }
  if (offer.positions_filled() >= offer.positions()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no_position_left: offer ", offer.id(), " has no position left"));
  }
  // The engine's hard rules on the records as read now (not the index,
  // which may lag by milliseconds).
  absl::StatusOr<engine::Graduate> eg = matching::ToEngine(graduate);
  if (!eg.ok()) {
    // Logged for the operator; the company learns nothing of the record.
    LOG(ERROR) << "proposals: graduate " << graduate.id()
               << " unusable: " << eg.status();
    return absl::InternalError(
        absl::StrCat("candidate ", candidate, ": record unusable"));
  }
  absl::StatusOr<engine::Offer> eo = matching::ToEngine(offer);
  if (!eo.ok())
    return Internal(absl::StrCat("offer ", offer.id()), eo.status());
  absl::StatusOr<engine::Explanation> explained =
      options_.engine->Explain(*eg, *eo, today);
  if (!explained.ok()) {
    LOG(ERROR) << "proposals: explaining graduate " << graduate.id()
               << " for offer " << offer.id() << ": " << explained.status();
    return absl::Status(explained.status().code(),
                        absl::StrCat("candidate ", candidate, " for offer ",
                                     offer.id(), ": cannot be evaluated"));
  }
  const engine::Explanation& x = *explained;
  if (!x.eligible) {
    // The rules' names only: their details hold the birth date, the age,
    // the preferences (matching/company_view.h).
    std::vector<std::string> rules;
    for (const engine::Exclusion& e : x.exclusions) rules.push_back(e.rule);
    return absl::FailedPreconditionError(absl::StrCat(
        x.exclusions.front().rule, ": candidate ", candidate,
        " cannot take offer ", offer.id(), ": ", absl::StrJoin(rules, ", ")));
  }

  // One live proposal per pair; a lazily expired one gives way (stored
  // EXPIRED in the same commit, releasing the unique entry).
  ASSIGN_OR_RETURN(
      std::optional<std::string> live,
      proposals_.FindUnique(kLiveByPair, PairKey(offer.id(), graduate.id())));
  if (live.has_value()) {
    absl::StatusOr<v1::Proposal> existing = proposals_.Get(*live);
    if (!existing.ok()) {
      *retry = absl::IsNotFound(existing.status());
      return existing.status();
    }
    const v1::ProposalState state = EffectiveState(*existing, today);
    if (expired_holds.contains(existing->id())) {
      // Already stored EXPIRED above.
    } else if (state != v1::PROPOSAL_STATE_EXPIRED) {
      return absl::AlreadyExistsError(absl::StrCat(
          "proposal ", existing->id(), " of offer ", offer.id(),
          " to candidate ", candidate, " is already ",
          // The company does not learn of a pending acceptance.
          StateName(HoldsPosition(*existing) ? v1::PROPOSAL_STATE_SENT
                                             : state)));
    } else {
      v1::Proposal expired = *existing;
      expired.set_state(v1::PROPOSAL_STATE_EXPIRED);
      proposals_.PrepareUpdate(&expired, existing->version(), now);
      mutations.push_back(proposals_.PutMutation(
          expired, Mutation::Expect::kVersion, existing->version()));
      events.push_back(proposals_.Event(expired, v1::CHANGE_OP_UPDATED));
    }
  }

  v1::Proposal p;
  proposals_.PrepareCreate(&p, now);
  p.set_offer_id(offer.id());
  p.set_graduate_id(graduate.id());
  p.set_company_id(offer.company_id());
  p.set_school_id(graduate.school_id());
  p.set_partner_id(graduate.partner_id());
  p.set_state(v1::PROPOSAL_STATE_SENT);
  p.set_respond_by(common::FormatDate(respond_by));
  p.set_score(x.score);
  p.set_sent_score(x.score);
  p.set_distance_km(x.distance_km);
  AddFactors(x, p.mutable_factors());
  p.set_message(message);
  p.set_offer_title(offer.title());
  p.set_contract_type(offer.contract_type());
  mutations.push_back(proposals_.PutMutation(p, Mutation::Expect::kAbsent, 0));
  events.push_back(proposals_.Event(p, v1::CHANGE_OP_CREATED));
  Announce(p, &graduate, &offer, false, now, &mutations, &events);
  // The checks above hold at commit time: the offer and the graduate are
  // still as read (a graduate deleted meanwhile fails the commit).
  if (freed > 0) {
    options_.offers->PrepareUpdate(&offer, stored_offer.version(), now);
    mutations.push_back(options_.offers->PutMutation(
        offer, Mutation::Expect::kVersion, stored_offer.version()));
    events.push_back(options_.offers->Event(offer, v1::CHANGE_OP_UPDATED));
  } else {
    mutations.push_back(Unchanged(*options_.offers, offer));
  }
  mutations.push_back(Unchanged(*options_.graduates, graduate));
  absl::Status committed =
      proposals_.Commit(std::move(mutations), std::move(events));
  if (!committed.ok()) {
    *retry = Retryable(committed);
    return committed;
  }
  return View(caller, std::move(p), &graduate, &offer);
}

// --- Respond -----------------------------------------------------------------

absl::StatusOr<v1::Proposal> Proposals::Respond(
    const Caller& caller, const v1::RespondToProposalRequest& request) {
  if (request.proposal_id().empty()) {
    return absl::InvalidArgumentError("proposal_id: required");
  }
  if (caller.role != v1::ROLE_SCHOOL && caller.role != v1::ROLE_PARTNER &&
      !caller.is_admin() && !caller.is_graduate_side_person()) {
    return runtime::Denied(
        "a proposal is answered by the young person (their representative "
        "confirming for a minor), or recorded by their school or partner");
  }
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    bool retry = false;
    absl::StatusOr<v1::Proposal> answered =
        RespondOnce(caller, request, &retry);
    if (!retry) return answered;
  }
  return absl::AbortedError("RespondToProposal: concurrent updates; try again");
}

absl::Status Proposals::StoreExpired(const v1::Proposal& current) {
  const absl::Time now = Now();
  v1::Proposal expired = current;
  expired.set_state(v1::PROPOSAL_STATE_EXPIRED);
  proposals_.PrepareUpdate(&expired, current.version(), now);
  std::vector<Mutation> mutations = {proposals_.PutMutation(
      expired, Mutation::Expect::kVersion, current.version())};
  std::vector<std::string> events = {
      proposals_.Event(expired, v1::CHANGE_OP_UPDATED)};
  absl::StatusOr<v1::Offer> offer = options_.offers->Get(current.offer_id());
  if (HoldsPosition(current)) {  // the position held for the minor is freed
    RETURN_IF_ERROR(offer.status());
    ReleasePosition(*offer, now, &mutations, &events);
  }
  absl::StatusOr<v1::Graduate> g =
      options_.graduates->Get(current.graduate_id());
  Announce(expired, g.ok() ? &*g : nullptr, offer.ok() ? &*offer : nullptr,
           false, now, &mutations, &events);
  return proposals_.Commit(std::move(mutations), std::move(events));
}

absl::StatusOr<int> Proposals::ExpireHolds(
    const v1::Offer& offer, absl::CivilDay today, absl::Time now,
    std::vector<Mutation>* mutations, std::vector<std::string>* events,
    absl::flat_hash_set<std::string>* expired) {
  if (offer.positions_filled() < offer.positions() &&
      offer.status() != v1::OFFER_STATUS_FILLED) {
    return 0;  // nothing to free for: the common case reads nothing
  }
  ASSIGN_OR_RETURN(std::vector<v1::Proposal> on_offer,
                   ListAll(kByOffer, offer.id()));
  int freed = 0;
  for (const v1::Proposal& p : on_offer) {
    if (!HoldsPosition(p) || !PastDeadline(p, today)) continue;
    v1::Proposal done = p;
    done.set_state(v1::PROPOSAL_STATE_EXPIRED);
    proposals_.PrepareUpdate(&done, p.version(), now);
    mutations->push_back(
        proposals_.PutMutation(done, Mutation::Expect::kVersion, p.version()));
    events->push_back(proposals_.Event(done, v1::CHANGE_OP_UPDATED));
    // Read for the partners following the young person.
    absl::StatusOr<v1::Graduate> g = options_.graduates->Get(p.graduate_id());
    if (!g.ok() && !absl::IsNotFound(g.status())) return g.status();
    Announce(done, g.ok() ? &*g : nullptr, &offer, false, now, mutations,
             events);
    expired->insert(p.id());
    ++freed;
  }
  return freed;
}

v1::Offer Proposals::WithFreed(const v1::Offer& offer, int freed) {
  v1::Offer out = offer;
  if (freed == 0) return out;
  out.set_positions_filled(std::max(0, offer.positions_filled() - freed));
  if (out.status() == v1::OFFER_STATUS_FILLED &&
      out.positions_filled() < out.positions()) {
    out.set_status(v1::OFFER_STATUS_OPEN);
  }
  return out;
}

void Proposals::ReleasePosition(const v1::Offer& offer, absl::Time now,
                                std::vector<Mutation>* mutations,
                                std::vector<std::string>* events) {
  v1::Offer freed = offer;
  freed.set_positions_filled(std::max(0, offer.positions_filled() - 1));
  if (freed.status() == v1::OFFER_STATUS_FILLED &&
      freed.positions_filled() < freed.positions()) {
    freed.set_status(v1::OFFER_STATUS_OPEN);
  }
  options_.offers->PrepareUpdate(&freed, offer.version(), now);
  mutations->push_back(options_.offers->PutMutation(
      freed, Mutation::Expect::kVersion, offer.version()));
  events->push_back(options_.offers->Event(freed, v1::CHANGE_OP_UPDATED));
}

void Proposals::TakePosition(const v1::Offer& offer, absl::Time now,
                             std::vector<Mutation>* mutations,
                             std::vector<std::string>* events) {
  v1::Offer taken = offer;
  taken.set_positions_filled(offer.positions_filled() + 1);
  if (taken.positions_filled() >= taken.positions()) {
    taken.set_status(v1::OFFER_STATUS_FILLED);
  }
  options_.offers->PrepareUpdate(&taken, offer.version(), now);
  mutations->push_back(options_.offers->PutMutation(
      taken, Mutation::Expect::kVersion, offer.version()));
  events->push_back(options_.offers->Event(taken, v1::CHANGE_OP_UPDATED));
}

void Proposals::Announce(const v1::Proposal& p, const v1::Graduate* g,
                         const v1::Offer* offer, bool takes_position,
                         absl::Time now, std::vector<Mutation>* mutations,
                         std::vector<std::string>* events) const {
  if (!options_.announce) return;
  auto send = [&](absl::string_view type, v1::Role role,
                  const std::string& org) {
    if (org.empty()) return;
    Caller as;
    as.organization_id = org;
    as.role = role;
    const v1::Proposal seen = View(as, p, g, g != nullptr ? offer : nullptr);
    v1::Event event = integration::NewEvent(type, org, p.id(), now);
    (*event.mutable_data()->mutable_fields())["proposal"]
        .mutable_struct_value()
        ->CopyFrom(integration::ToStruct(seen));
    integration::AppendEvent(event, mutations, events);
  };
  auto to_company = [&](absl::string_view type) {
    send(type, v1::ROLE_COMPANY, p.company_id());
  };
  // The graduate's owner (as stored with the proposal), and the partners
  // following them today; each event a follower gets is in the audit log.
  std::vector<std::pair<v1::Role, std::string>> graduate_side = {
      {v1::ROLE_SCHOOL, p.school_id()}, {v1::ROLE_PARTNER, p.partner_id()}};
  if (g != nullptr) {
    for (const v1::GraduateFollower& f : g->followers()) {
      graduate_side.push_back({v1::ROLE_PARTNER, f.partner_id()});
    }
  }
  auto record_follower = [&](absl::string_view type, const std::string& org) {
    if (options_.audit == nullptr || g == nullptr || org.empty() ||
        org == p.school_id() || org == p.partner_id()) {
      return;
    }
    mutations->push_back(runtime::AuditLog::PutMutation(
        runtime::EventAccessEntry(org, type, g->id(), runtime::OwnerOf(*g))));
  };
  auto to_followers = [&](absl::string_view type) {
    for (const auto& [role, org] : graduate_side) {
      send(type, role, org);
      record_follower(type, org);
    }
  };
  switch (p.state()) {
    case v1::PROPOSAL_STATE_SENT:
      to_followers("proposal.received");
      break;
    case v1::PROPOSAL_STATE_ACCEPTED: {
      to_company("proposal.accepted");
      to_followers("proposal.accepted");
      for (const auto& [role, org] : graduate_side) {
        if (org.empty()) continue;
        record_follower("graduate.placed", org);
        v1::Event placed =
            integration::NewEvent("graduate.placed", org, p.graduate_id(), now);
        auto& f = *placed.mutable_data()->mutable_fields();
        f["graduateId"].set_string_value(p.graduate_id());
        f["proposalId"].set_string_value(p.id());
        f["offerId"].set_string_value(p.offer_id());
        f["companyId"].set_string_value(p.company_id());
        f["contractType"].set_string_value(
            v1::ContractType_Name(p.contract_type()));
        integration::AppendEvent(placed, mutations, events);
      }
      if (offer != nullptr) {
        const int filled = offer->positions_filled() + (takes_position ? 1 : 0);
        if (filled >= offer->positions()) {
          v1::Event full = integration::NewEvent(
              "offer.filled", offer->company_id(), offer->id(), now);
          auto& f = *full.mutable_data()->mutable_fields();
          f["offerId"].set_string_value(offer->id());
          f["externalId"].set_string_value(offer->external_id());
          f["positions"].set_number_value(offer->positions());
          f["positionsFilled"].set_number_value(filled);
          integration::AppendEvent(full, mutations, events);
        }
      }
      break;
    }
    case v1::PROPOSAL_STATE_DECLINED:
    case v1::PROPOSAL_STATE_EXPIRED:
    case v1::PROPOSAL_STATE_SUPERSEDED:
    case v1::PROPOSAL_STATE_WITHDRAWN: {
      // "proposal.declined", "proposal.expired", …
      const std::string type = absl::StrCat(
          "proposal.", absl::AsciiStrToLower(StateName(p.state())));
      to_company(type);
      to_followers(type);
      break;
    }
    default:  // awaiting the representative: nothing to tell yet
      break;
  }
}

absl::StatusOr<v1::Proposal> Proposals::RespondOnce(
    const Caller& caller, const v1::RespondToProposalRequest& request,
    bool* retry) {
  const absl::Time now = Now();
  const absl::CivilDay today = common::DayInParis(now);
  ASSIGN_OR_RETURN(v1::Proposal p, proposals_.Get(request.proposal_id()));
  if (caller.is_graduate_side_person() && !caller.ActsFor(p.graduate_id())) {
    return runtime::Denied(
        "a young person's account answers their own proposals only");
  }
  absl::StatusOr<v1::Graduate> graduate =
      options_.graduates->Get(p.graduate_id());
  if (absl::IsNotFound(graduate.status())) {  // erased; the proposal follows
    return absl::NotFoundError(absl::StrCat("proposal ", p.id(), " not found"));
  }
  RETURN_IF_ERROR(graduate.status());
  const absl::StatusOr<runtime::GraduateAccess> access =
      CheckGraduateSide(caller, *graduate);
  if (!access.ok()) {  // as if unknown
    return absl::NotFoundError(absl::StrCat("proposal ", p.id(), " not found"));
  }
  const v1::ProposalState state = EffectiveState(p, today);
  if (state == v1::PROPOSAL_STATE_EXPIRED &&
      (p.state() == v1::PROPOSAL_STATE_SENT || HoldsPosition(p))) {
    absl::Status stored = StoreExpired(p);
    if (!stored.ok()) {
      *retry = Retryable(stored);
      return stored;
    }
  }
  const bool young = caller.role == v1::ROLE_GRADUATE;
  const bool guardian = caller.role == v1::ROLE_GUARDIAN;
  if (state == v1::PROPOSAL_STATE_SENT && guardian) {
    return absl::FailedPreconditionError(absl::StrCat(
        "proposal ", p.id(),
        ": the young person answers first; their legal representative then "
        "confirms an acceptance"));
  }
  // Minor on the day they answer: a minor's acceptance in the app waits for
  // their legal representative (who also signs a minor's contract).
  const std::optional<absl::CivilDay> birth =
      common::ParseDate(graduate->birth_date());
  const bool minor =
      birth.has_value() && common::AgeAt(*birth, today) < kMajorityAge;
  // While it waits, the young person may still take it back (decline); an
  // 18th birthday meanwhile lets them confirm it themselves.
  if (state == v1::PROPOSAL_STATE_AWAITING_GUARDIAN && young && minor &&
      request.accept()) {
    return absl::FailedPreconditionError(
        absl::StrCat("proposal ", p.id(),
                     " awaits the confirmation of your legal representative"));
  }
  if (state != v1::PROPOSAL_STATE_SENT &&
      state != v1::PROPOSAL_STATE_AWAITING_GUARDIAN) {
    return absl::FailedPreconditionError(absl::StrCat(
        "proposal ", p.id(), " is ", StateName(state),
        state == v1::PROPOSAL_STATE_EXPIRED
            ? absl::StrCat(" (respond_by was ", p.respond_by(), ")")
            : std::string(),
        ": it can no longer be answered"));
  }
  ASSIGN_OR_RETURN(v1::Offer offer, options_.offers->Get(p.offer_id()));

  v1::Proposal answered = p;
  runtime::SetTimestamp(now, answered.mutable_respond_time());
  v1::ProposalAnswer* answer = answered.add_answers();
  answer->set_accept(request.accept());
  answer->set_role(caller.role);
  answer->set_channel(young || guardian ? v1::ANSWER_CHANNEL_APP
                                        : v1::ANSWER_CHANNEL_IN_PERSON);
  answer->set_user_id(caller.user_id);
  answer->set_token_id(caller.token_id);
  runtime::SetTimestamp(now, answer->mutable_time());
  proposals_.PrepareUpdate(&answered, p.version(), now);
  std::vector<Mutation> mutations;
  std::vector<std::string> events;
  // A follower's answer (it reads the young person's name in the answer)
  // is in the audit log of both organizations, in the answer's commit.
  if (std::optional<v1::AuditEvent> entry = runtime::FollowerAccessEntry(
          caller, "/passerelle.v1.ProposalService/RespondToProposal",
          graduate->id(), runtime::OwnerOf(*graduate), *access);
      entry.has_value() && options_.audit != nullptr) {
    mutations.push_back(runtime::AuditLog::PutMutation(std::move(*entry)));
  }
  const bool held = state == v1::PROPOSAL_STATE_AWAITING_GUARDIAN;
  if (!request.accept()) {
    answered.set_state(v1::PROPOSAL_STATE_DECLINED);
    mutations.push_back(proposals_.PutMutation(
        answered, Mutation::Expect::kVersion, p.version()));
    events.push_back(proposals_.Event(answered, v1::CHANGE_OP_UPDATED));
    Announce(answered, &*graduate, &offer, false, now, &mutations, &events);
    if (held) ReleasePosition(offer, now, &mutations, &events);
  } else {
    if (graduate->status() != v1::GRADUATE_STATUS_SEEKING) {
      return absl::FailedPreconditionError(
          absl::StrCat("graduate ", graduate->id(), " is ",
                       graduate->status() == v1::GRADUATE_STATUS_PLACED
                           ? "already placed"
                           : "no longer seeking"));
    }
    if (offer.status() == v1::OFFER_STATUS_CLOSED) {
      return absl::FailedPreconditionError(
          absl::StrCat("offer ", offer.id(), " is closed"));
    }
    if (!held) {
      absl::flat_hash_set<std::string> expired_holds;
      ASSIGN_OR_RETURN(
          const int freed,
          ExpireHolds(offer, today, now, &mutations, &events, &expired_holds));
      offer = WithFreed(offer, freed);
    }
    if (!held && (offer.status() == v1::OFFER_STATUS_FILLED ||
                  offer.positions_filled() >= offer.positions())) {
      return absl::FailedPreconditionError(
          absl::StrCat("offer ", offer.id(), ": no position left"));
    }
    // A minor accepting in the app: their legal representative confirms.
    // The position is held meanwhile. A school or partner recording an
    // answer given in person attests the representative's consent.
    if (young && minor && !held) {
      ASSIGN_OR_RETURN(std::vector<v1::Proposal> mine,
                       ListAll(kByGraduate, graduate->id()));
      for (const v1::Proposal& other : mine) {
        if (other.id() != p.id() && HoldsPosition(other) &&
            EffectiveState(other, today) ==
                v1::PROPOSAL_STATE_AWAITING_GUARDIAN) {
          return absl::FailedPreconditionError(absl::StrCat(
              "your acceptance of proposal ", other.id(),
              " awaits your legal representative: they confirm or refuse it "
              "first"));
        }
      }
      answered.set_state(v1::PROPOSAL_STATE_AWAITING_GUARDIAN);
      answered.set_contract_type(offer.contract_type());
      mutations.push_back(proposals_.PutMutation(
          answered, Mutation::Expect::kVersion, p.version()));
      events.push_back(proposals_.Event(answered, v1::CHANGE_OP_UPDATED));
      TakePosition(offer, now, &mutations, &events);
      absl::Status committed =
          proposals_.Commit(std::move(mutations), std::move(events));
      if (!committed.ok()) {
        *retry = Retryable(committed);
        return committed;
      }
      return View(caller, std::move(answered), &*graduate, &offer);
    }
    answered.set_state(v1::PROPOSAL_STATE_ACCEPTED);
    answered.set_contract_type(offer.contract_type());
    mutations.push_back(proposals_.PutMutation(
        answered, Mutation::Expect::kVersion, p.version()));
    events.push_back(proposals_.Event(answered, v1::CHANGE_OP_UPDATED));
    Announce(answered, &*graduate, &offer, !held, now, &mutations, &events);
    if (!held) TakePosition(offer, now, &mutations, &events);

    v1::Graduate placed = *graduate;
    placed.set_status(v1::GRADUATE_STATUS_PLACED);
    options_.graduates->PrepareUpdate(&placed, graduate->version(), now);
    mutations.push_back(options_.graduates->PutMutation(
        placed, Mutation::Expect::kVersion, graduate->version()));
    events.push_back(options_.graduates->Event(placed, v1::CHANGE_OP_UPDATED));

    ASSIGN_OR_RETURN(std::vector<v1::Proposal> others,
                     ListAll(kByGraduate, graduate->id()));
    for (const v1::Proposal& other : others) {
      if (other.id() == p.id() || other.state() != v1::PROPOSAL_STATE_SENT)
        continue;
      v1::Proposal closed = other;
      closed.set_state(PastDeadline(other, today)
                           ? v1::PROPOSAL_STATE_EXPIRED
                           : v1::PROPOSAL_STATE_SUPERSEDED);
      proposals_.PrepareUpdate(&closed, other.version(), now);
      mutations.push_back(proposals_.PutMutation(
          closed, Mutation::Expect::kVersion, other.version()));
      events.push_back(proposals_.Event(closed, v1::CHANGE_OP_UPDATED));
      Announce(closed, &*graduate, nullptr, false, now, &mutations, &events);
    }
    *graduate = std::move(placed);
  }
  absl::Status committed =
      proposals_.Commit(std::move(mutations), std::move(events));
  if (!committed.ok()) {
    *retry = Retryable(committed);
    return committed;
  }
  if (request.accept()) {
    // A proposal sent between our listing and our commit escaped the
    // supersession (its commit checked the graduate before the placement
    // changed it): close it now. Best effort; answering it would fail
    // anyway, the graduate being placed.
    absl::Status swept = SupersedeRemaining(graduate->id(), answered.id());
    if (!swept.ok()) {
      LOG(WARNING) << "proposals: superseding after placing " << graduate->id()
                   << ": " << swept;
    }
  }
  return View(caller, std::move(answered), &*graduate, &offer);
}

absl::Status Proposals::SupersedeRemaining(absl::string_view graduate_id,
                                           absl::string_view accepted_id) {
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    const absl::Time now = Now();
    const absl::CivilDay today = common::DayInParis(now);
    ASSIGN_OR_RETURN(std::vector<v1::Proposal> stored,
                     ListAll(kByGraduate, graduate_id));
    // Read for the partners following the young person.
    absl::StatusOr<v1::Graduate> graduate =
        options_.graduates->Get(graduate_id);
    if (!graduate.ok() && !absl::IsNotFound(graduate.status())) {
      return graduate.status();
    }
    std::vector<Mutation> mutations;
    std::vector<std::string> events;
    for (const v1::Proposal& other : stored) {
      if (other.id() == accepted_id || other.state() != v1::PROPOSAL_STATE_SENT)
        continue;
      v1::Proposal closed = other;
      closed.set_state(PastDeadline(other, today)
                           ? v1::PROPOSAL_STATE_EXPIRED
                           : v1::PROPOSAL_STATE_SUPERSEDED);
      proposals_.PrepareUpdate(&closed, other.version(), now);
      mutations.push_back(proposals_.PutMutation(
          closed, Mutation::Expect::kVersion, other.version()));
      events.push_back(proposals_.Event(closed, v1::CHANGE_OP_UPDATED));
      Announce(closed, graduate.ok() ? &*graduate : nullptr, nullptr, false,
               now, &mutations, &events);
    }
    if (mutations.empty()) return absl::OkStatus();
    absl::Status committed =
        proposals_.Commit(std::move(mutations), std::move(events));
    if (committed.ok() || !Retryable(committed)) return committed;
  }
  return absl::AbortedError("concurrent updates");
}

// --- Withdraw ----------------------------------------------------------------

absl::StatusOr<v1::Proposal> Proposals::Withdraw(
    const Caller& caller, const v1::WithdrawProposalRequest& request) {
  if (request.proposal_id().empty()) {
    return absl::InvalidArgumentError("proposal_id: required");
  }
  if (caller.role != v1::ROLE_COMPANY) {
    return runtime::Denied("a proposal is withdrawn by its company");
  }
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    bool retry = false;
    absl::StatusOr<v1::Proposal> withdrawn =
        WithdrawOnce(caller, request, &retry);
    if (!retry) return withdrawn;
  }
  return absl::AbortedError("WithdrawProposal: concurrent updates; try again");
}

absl::StatusOr<v1::Proposal> Proposals::WithdrawOnce(
    const Caller& caller, const v1::WithdrawProposalRequest& request,
    bool* retry) {
  const absl::Time now = Now();
  const absl::CivilDay today = common::DayInParis(now);
  ASSIGN_OR_RETURN(v1::Proposal p, proposals_.Get(request.proposal_id()));
  if (p.company_id() != caller.organization_id) {  // as if unknown
    return absl::NotFoundError(absl::StrCat("proposal ", p.id(), " not found"));
  }
  absl::StatusOr<v1::Graduate> graduate =
      options_.graduates->Get(p.graduate_id());
  if (absl::IsNotFound(graduate.status())) {
    return absl::NotFoundError(absl::StrCat("proposal ", p.id(), " not found"));
  }
  RETURN_IF_ERROR(graduate.status());
  const v1::ProposalState state = EffectiveState(p, today);
  if (state == v1::PROPOSAL_STATE_EXPIRED &&
      (p.state() == v1::PROPOSAL_STATE_SENT || HoldsPosition(p))) {
    absl::Status stored = StoreExpired(p);
    if (!stored.ok()) {
      *retry = Retryable(stored);
      return stored;
    }
  }
  // A proposal awaiting a representative reads as SENT to the company, and
  // is withdrawn like one (freeing the position it held).
  if (state != v1::PROPOSAL_STATE_SENT &&
      state != v1::PROPOSAL_STATE_AWAITING_GUARDIAN) {
    return absl::FailedPreconditionError(
        absl::StrCat("proposal ", p.id(), " is ", StateName(state),
                     ": it can no longer be withdrawn"));
  }
  v1::Proposal withdrawn = p;
  withdrawn.set_state(v1::PROPOSAL_STATE_WITHDRAWN);
  proposals_.PrepareUpdate(&withdrawn, p.version(), now);
  std::vector<Mutation> mutations = {proposals_.PutMutation(
      withdrawn, Mutation::Expect::kVersion, p.version())};
  std::vector<std::string> events = {
      proposals_.Event(withdrawn, v1::CHANGE_OP_UPDATED)};
  absl::StatusOr<v1::Offer> on_offer = options_.offers->Get(p.offer_id());
  if (HoldsPosition(p)) {
    RETURN_IF_ERROR(on_offer.status());
    ReleasePosition(*on_offer, now, &mutations, &events);
  }
  Announce(withdrawn, &*graduate, on_offer.ok() ? &*on_offer : nullptr, false,
           now, &mutations, &events);
  absl::Status committed =
      proposals_.Commit(std::move(mutations), std::move(events));
  if (!committed.ok()) {
    *retry = Retryable(committed);
    return committed;
  }
  absl::StatusOr<v1::Offer> offer = options_.offers->Get(p.offer_id());
  return View(caller, std::move(withdrawn), &*graduate,
              offer.ok() ? &*offer : nullptr);
}

// --- List --------------------------------------------------------------------

absl::StatusOr<v1::ListProposalsResponse> Proposals::List(
    const Caller& caller, const v1::ListProposalsRequest& request) const {
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  if (!request.graduate_id().empty() && !request.offer_id().empty()) {
    return absl::InvalidArgumentError(
        "graduate_id: give at most one of graduate_id and offer_id");
  }
  if (!v1::ProposalState_IsValid(request.state())) {
    return absl::InvalidArgumentError("state: unknown value");
  }
  if (caller.is_graduate_side_person()) {
    // Their own proposals only, refused before any lookup.
    constexpr absl::string_view kOwnOnly =
        "a young person's account lists their own proposals only";
    if (!request.offer_id().empty()) return runtime::Denied(kOwnOnly);
    ASSIGN_OR_RETURN(
        std::string own_id,
        runtime::OwnGraduate(caller, request.graduate_id(), kOwnOnly));
    if (request.graduate_id().empty()) {
      v1::ListProposalsRequest own = request;
      own.set_graduate_id(std::move(own_id));
      return List(caller, own);
    }
  }
  const absl::CivilDay today = Today();
  const bool company = caller.role == v1::ROLE_COMPANY;
  auto wanted = [&](const v1::Proposal& p) {
    if (request.state() == v1::PROPOSAL_STATE_UNSPECIFIED) return true;
    v1::ProposalState state = EffectiveState(p, today);
    // As the company sees it (View): a pending acceptance reads as SENT.
    if (company && state == v1::PROPOSAL_STATE_AWAITING_GUARDIAN) {
      state = v1::PROPOSAL_STATE_SENT;
    }
    return state == request.state();
  };
  v1::ListProposalsResponse response;

  if (request.graduate_id().empty() && request.offer_id().empty()) {
    std::string index, value;
    switch (caller.role) {
      case v1::ROLE_COMPANY:
        index = kByCompany;
        break;
      case v1::ROLE_SCHOOL:
        index = kBySchool;
        break;
      case v1::ROLE_PARTNER:
        index = kByPartner;
        break;
      case v1::ROLE_ADMIN:
        break;
      default:
        return runtime::Denied("no proposals for this caller");
    }
    if (!index.empty()) value = caller.organization_id;
    ASSIGN_OR_RETURN(auto page, proposals_.List(index, value, page_size,
                                                request.page_token()));
    for (v1::Proposal& p : page.records) {
      if (!wanted(p)) continue;
      absl::StatusOr<v1::Graduate> g = options_.graduates->Get(p.graduate_id());
      if (absl::IsNotFound(g.status())) continue;  // erased
      RETURN_IF_ERROR(g.status());
      absl::StatusOr<v1::Offer> o = options_.offers->Get(p.offer_id());
      *response.add_proposals() =
          View(caller, std::move(p), &*g, o.ok() ? &*o : nullptr);
    }
    response.set_next_page_token(page.next_page_token);
    return response;
  }

  ASSIGN_OR_RETURN(size_t offset, ParseOffsetToken(request.page_token()));
  std::vector<v1::Proposal> listed;
  if (!request.graduate_id().empty()) {
    ASSIGN_OR_RETURN(v1::Graduate g,
                     options_.graduates->Get(request.graduate_id()));
    ASSIGN_OR_RETURN(const runtime::GraduateAccess access,
                     CheckGraduateSide(caller, g));
    RETURN_IF_ERROR(runtime::RecordFollowerAccess(
        options_.audit, caller, "/passerelle.v1.ProposalService/ListProposals",
        g.id(), runtime::OwnerOf(g), access));
    absl::StatusOr<engine::Graduate> eg = matching::ToEngine(g);
    if (!eg.ok())
      return Internal(absl::StrCat("graduate ", g.id()), eg.status());
    ASSIGN_OR_RETURN(std::vector<v1::Proposal> stored,
                     ListAll(kByGraduate, g.id()));
    for (v1::Proposal& p : stored) {
      if (!wanted(p)) continue;
      absl::StatusOr<v1::Offer> o = options_.offers->Get(p.offer_id());
      if (absl::IsNotFound(o.status())) continue;
      RETURN_IF_ERROR(o.status());
      // Today's score for this graduate, and what no longer holds; a
      // position held for them counts as theirs.
      absl::StatusOr<engine::Offer> eo =
          matching::ToEngine(HoldsPosition(p) ? WithFreed(*o, 1) : *o);
      if (!eo.ok())
        return Internal(absl::StrCat("offer ", o->id()), eo.status());
      ASSIGN_OR_RETURN(engine::Explanation x,
                       options_.engine->Explain(*eg, *eo, today));
      v1::Proposal view = View(caller, std::move(p), &g, &*o);
      view.set_score(x.score);
      view.set_distance_km(x.distance_km);
      view.clear_factors();
      AddFactors(x, view.mutable_factors());
      for (const engine::Exclusion& e : x.exclusions) {
        v1::Exclusion* out = view.add_exclusions();
        out->set_rule(e.rule);
        out->set_detail(e.detail);
      }
      *view.mutable_offer() = *std::move(o);
      listed.push_back(std::move(view));
    }
    std::stable_sort(
        listed.begin(), listed.end(),
        [](const v1::Proposal& a, const v1::Proposal& b) {
          if (a.score() != b.score()) return a.score() > b.score();
          if (a.create_time().seconds() != b.create_time().seconds()) {
            return a.create_time().seconds() > b.create_time().seconds();
          }
          return a.id() < b.id();
        });
  } else {
    ASSIGN_OR_RETURN(v1::Offer o, options_.offers->Get(request.offer_id()));
    if (!caller.Owns(v1::ROLE_COMPANY, o.company_id())) {  // as if unknown
      return absl::NotFoundError(absl::StrCat("offer ", o.id(), " not found"));
    }
    ASSIGN_OR_RETURN(std::vector<v1::Proposal> stored,
                     ListAll(kByOffer, o.id()));
    for (v1::Proposal& p : stored) {
      if (!wanted(p)) continue;
      absl::StatusOr<v1::Graduate> g = options_.graduates->Get(p.graduate_id());
      if (absl::IsNotFound(g.status())) continue;  // erased
      RETURN_IF_ERROR(g.status());
      listed.push_back(View(caller, std::move(p), &*g, &o));
    }
    std::stable_sort(listed.begin(), listed.end(),
                     [](const v1::Proposal& a, const v1::Proposal& b) {
                       if (a.sent_score() != b.sent_score()) {
                         return a.sent_score() > b.sent_score();
                       }
                       return a.id() < b.id();
                     });
  }
  for (size_t i = offset; i < listed.size() && i < offset + page_size; ++i) {
    *response.add_proposals() = std::move(listed[i]);
  }
  if (offset + page_size < listed.size()) {
    response.set_next_page_token(OffsetToken(offset + page_size));
  }
  return response;
}

namespace {

// France Travail's codes for a contract (Offres d'emploi v2: typeContrat,
// natureContrat): E1 contrat de travail, E2 contrat d'apprentissage, FS
// contrat de professionnalisation.
std::pair<const char*, const char*> FranceTravailContract(v1::ContractType t) {
  switch (t) {
    case v1::CONTRACT_TYPE_CDI:
      return {"CDI", "E1"};
    case v1::CONTRACT_TYPE_CDD:
      return {"CDD", "E1"};
    case v1::CONTRACT_TYPE_APPRENTICESHIP:
      return {"CDD", "E2"};
    case v1::CONTRACT_TYPE_PROFESSIONALISATION:
      return {"CDD", "FS"};
    default:
      return {"", ""};
  }
}

// RFC 4180, and a cell a spreadsheet would read as a formula (=, +, -, @,
// tab, CR: offer titles come from companies) prefixed with a quote.
std::string CsvCell(absl::string_view v) {
  std::string cell(v);
  if (!cell.empty() &&
      absl::string_view("=+-@\t\r").find(cell[0]) != absl::string_view::npos) {
    cell.insert(0, "'");
  }
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  return absl::StrCat("\"", absl::StrReplaceAll(cell, {{"\"", "\"\""}}), "\"");
}

// The Paris day of a timestamp; none when unset.
std::optional<absl::CivilDay> DayOf(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return std::nullopt;
  return common::DayInParis(absl::FromUnixSeconds(t.seconds()));
}

std::string FormatDay(const google::protobuf::Timestamp& t) {
  const std::optional<absl::CivilDay> day = DayOf(t);
  return day ? common::FormatDate(*day) : "";
}

}  // namespace

absl::StatusOr<v1::ExportPlacementsResponse> Proposals::ExportPlacements(
    const Caller& caller, const v1::ExportPlacementsRequest& request) const {
  std::string org = request.organization_id();
  if (!caller.is_admin()) {
    if (caller.role != v1::ROLE_SCHOOL && caller.role != v1::ROLE_PARTNER) {
      return runtime::Denied(
          "placements are exported by a school or a partner, for its own "
          "young people");
    }
    if (!org.empty() && org != caller.organization_id) {
      return runtime::Denied("an organization exports its own placements");
    }
    org = caller.organization_id;
  }
  const std::string format = request.format().empty()
                                 ? "csv"
                                 : absl::AsciiStrToLower(request.format());
  if (format != "csv" && format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("format: csv or json, got '", request.format(), "'"));
  }
  std::optional<absl::CivilDay> from, to;
  if (!request.from().empty()) {
    from = common::ParseDate(request.from());
    if (!from) return absl::InvalidArgumentError("from: a date, YYYY-MM-DD");
  }
  if (!request.to().empty()) {
    to = common::ParseDate(request.to());
    if (!to) return absl::InvalidArgumentError("to: a date, YYYY-MM-DD");
  }
  if (from && to && *to < *from) {
    return absl::InvalidArgumentError("to: on or after from");
  }
  std::vector<v1::Proposal> proposals;
  if (org.empty()) {  // the admin: everything
    RETURN_IF_ERROR(
        options_.store->ForEach(kTable, [&](const storage::Record& r) {
          v1::Proposal p;
          if (p.ParseFromString(r.data)) proposals.push_back(std::move(p));
          return true;
        }));
  } else {
    ASSIGN_OR_RETURN(proposals, ListAll(kBySchool, org));
    ASSIGN_OR_RETURN(std::vector<v1::Proposal> by_partner,
                     ListAll(kByPartner, org));
    for (v1::Proposal& p : by_partner) proposals.push_back(std::move(p));
    // The young people it follows beside their owner.
    std::string token;
    do {
      ASSIGN_OR_RETURN(auto page,
                       options_.graduates->List(graduates::kByFollower, org,
                                                kListBatch, token));
      for (const v1::Graduate& g : page.records) {
        ASSIGN_OR_RETURN(std::vector<v1::Proposal> theirs,
                         ListAll(kByGraduate, g.id()));
        for (v1::Proposal& p : theirs) proposals.push_back(std::move(p));
      }
      token = std::move(page.next_page_token);
    } while (!token.empty());
  }
  auto within = [&](const google::protobuf::Timestamp& t) {
    const std::optional<absl::CivilDay> d = DayOf(t);
    return d && (!from || *d >= *from) && (!to || *d <= *to);
  };
  const absl::CivilDay today = Today();
  static constexpr const char* kColumns[] = {"proposal_id",
                                             "state",
                                             "sent_on",
                                             "respond_by",
                                             "answered_on",
                                             "graduate_id",
                                             "graduate_external_id",
                                             "given_name",
                                             "family_name",
                                             "offer_id",
                                             "offer_title",
                                             "contract_type",
                                             "ft_type_contrat",
                                             "ft_nature_contrat",
                                             "rome_code",
                                             "commune_insee",
                                             "start_date",
                                             "weekly_hours",
                                             "employer_siret",
                                             "employer_name",
                                             "followed_as"};
  std::vector<std::vector<std::string>> rows;
  absl::flat_hash_set<std::string> exported_followed;
  for (const v1::Proposal& p : proposals) {
    if (!within(p.create_time()) && !within(p.respond_time())) continue;
    absl::StatusOr<v1::Graduate> g = options_.graduates->Get(p.graduate_id());
    if (absl::IsNotFound(g.status())) continue;  // erased
    RETURN_IF_ERROR(g.status());
    // Followed (not owned) by the organization exported; its own access is
    // recorded once per young person.
    const bool followed = !org.empty() && runtime::OwnerOf(*g) != org;
    // Read again now: an access revoked since the listing ends here.
    if (followed && std::none_of(g->followers().begin(), g->followers().end(),
                                 [&](const v1::GraduateFollower& f) {
                                   return f.partner_id() == org;
                                 })) {
      continue;
    }
    const runtime::GraduateAccess access = runtime::AccessTo(caller, *g);
    if (access == runtime::GraduateAccess::kFollower &&
        !exported_followed.contains(g->id())) {
      RETURN_IF_ERROR(runtime::RecordFollowerAccess(
          options_.audit, caller,
          "/passerelle.v1.IntegrationService/ExportPlacements", g->id(),
          runtime::OwnerOf(*g), access));
      exported_followed.insert(g->id());
    }
    absl::StatusOr<v1::Offer> o = options_.offers->Get(p.offer_id());
    if (!o.ok() && !absl::IsNotFound(o.status())) return o.status();
    const v1::ProposalState state = EffectiveState(p, today);
    const auto [ft_type, ft_nature] = FranceTravailContract(p.contract_type());
    std::string siret, employer;
    // The employer is named once the young person accepted.
    if (state == v1::PROPOSAL_STATE_ACCEPTED && options_.directory != nullptr) {
      absl::StatusOr<v1::Company> c =
          options_.directory->FindCompany(p.company_id());
      if (c.ok()) {
        siret = c->siret();
        employer = c->name();
      }
    }
    std::string state_name(StateName(state));
    rows.push_back(
        {p.id(),
         absl::AsciiStrToLower(state_name),
         FormatDay(p.create_time()),
         p.respond_by(),
         FormatDay(p.respond_time()),
         g->id(),
         g->external_id(),
         g->given_name(),
         g->family_name(),
         p.offer_id(),
         p.offer_title(),
         std::string(absl::StripPrefix(v1::ContractType_Name(p.contract_type()),
                                       "CONTRACT_TYPE_")),
         ft_type,
         ft_nature,
         o.ok() ? o->rome_code() : "",
         o.ok() ? o->place().commune_insee() : "",
         o.ok() ? o->start_date() : "",
         o.ok() ? absl::StrCat(o->weekly_hours()) : "",
         siret,
         employer,
         followed ? "follower" : "owner"});
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a[2], a[0]) < std::tie(b[2], b[0]);
  });
  v1::ExportPlacementsResponse response;
  response.set_rows(static_cast<int>(rows.size()));
  std::string out;
  if (format == "csv") {
    response.set_content_type("text/csv; charset=utf-8");
    out = absl::StrJoin(kColumns, ",");
    out += "\r\n";
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (i > 0) out += ',';
        out += CsvCell(row[i]);
      }
      out += "\r\n";
    }
  } else {
    response.set_content_type("application/json");
    google::protobuf::ListValue list;
    for (const auto& row : rows) {
      google::protobuf::Struct* object =
          list.add_values()->mutable_struct_value();
      for (size_t i = 0; i < row.size(); ++i) {
        (*object->mutable_fields())[kColumns[i]].set_string_value(row[i]);
      }
    }
    CHECK(google::protobuf::util::MessageToJsonString(list, &out).ok());
  }
  response.set_content(std::move(out));
  return response;
}

absl::StatusOr<bool> Proposals::Holds(absl::string_view offer_id,
                                      absl::string_view graduate_id) const {
  ASSIGN_OR_RETURN(std::vector<v1::Proposal> stored,
                   ListAll(kByGraduate, graduate_id));
  for (const v1::Proposal& p : stored) {
    if (p.offer_id() == offer_id) return true;
  }
  return false;
}

// --- Export ------------------------------------------------------------------

absl::StatusOr<std::string> Proposals::Export(
    const Caller& caller, absl::string_view graduate_id) const {
  if (caller.role == v1::ROLE_COMPANY) {
    return runtime::Denied(
        "a young person's data is exported for them, their legal "
        "representative or their school or partner");
  }
  if (caller.is_graduate_side_person() && !caller.ActsFor(graduate_id)) {
    return runtime::Denied("a young person's account exports their own data");
  }
  absl::StatusOr<v1::Graduate> g = options_.graduates->Get(graduate_id);
  if (absl::IsNotFound(g.status())) {
    return absl::NotFoundError(
        absl::StrCat("graduate ", graduate_id, " not found"));
  }
  RETURN_IF_ERROR(g.status());
  ASSIGN_OR_RETURN(const runtime::GraduateAccess access,
                   CheckGraduateSide(caller, *g));
  if (access == runtime::GraduateAccess::kFollower) {
    return runtime::Denied(absl::StrCat(
        "graduate ", g->id(),
        ": everything stored about a young person is "
        "exported for them, their representative or their school or partner, "
        "not for a partner following them"));
  }
  const absl::CivilDay today = Today();
  v1::GraduateDataExport doc;
  runtime::SetTimestamp(Now(), doc.mutable_export_time());
  *doc.mutable_graduate() = *g;
  ASSIGN_OR_RETURN(std::vector<v1::Proposal> stored,
                   ListAll(kByGraduate, g->id()));
  for (v1::Proposal& p : stored) {
    p.set_state(EffectiveState(p, today));
    if (p.state() == v1::PROPOSAL_STATE_ACCEPTED) {
      v1::NameDisclosure* seen = doc.add_name_seen_by();
      seen->set_company_id(p.company_id());
      if (options_.directory != nullptr) {
        absl::StatusOr<v1::Company> company =
            options_.directory->FindCompany(p.company_id());
        if (company.ok()) seen->set_company_name(company->name());
      }
      seen->set_offer_id(p.offer_id());
      seen->set_offer_title(p.offer_title());
      *seen->mutable_since() = p.respond_time();
    }
    *doc.add_proposals() = std::move(p);
  }
  if (options_.requests != nullptr) {
    std::string token;
    do {
      ASSIGN_OR_RETURN(auto page,
                       options_.requests->List(graduates::kRequestsByGraduate,
                                               g->id(), kListBatch, token));
      for (v1::GraduateRequest& r : page.records) {
        *doc.add_requests() = std::move(r);
      }
      token = std::move(page.next_page_token);
    } while (!token.empty());
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  const auto printed =
      google::protobuf::util::MessageToJsonString(doc, &json, options);
  if (!printed.ok()) {
    return absl::InternalError(
        absl::StrCat("export of graduate ", g->id(), ": ", printed.ToString()));
  }
  return json;
}

// --- Stats -------------------------------------------------------------------

absl::StatusOr<v1::PlacementStats> Proposals::Stats(
    const Caller& caller, const v1::GetPlacementStatsRequest& request) const {
  const int scopes =
      !request.school_id().empty() + !request.partner_id().empty() +
      !request.departement_code().empty() + !request.region_code().empty();
  if (scopes > 1) {
    return absl::InvalidArgumentError(
        "school_id: give at most one of school_id, partner_id, "
        "departement_code, "
        "region_code");
  }
  if (!request.school_id().empty()) {
    if (!caller.Owns(v1::ROLE_SCHOOL, request.school_id())) {
      return runtime::Denied("a school reads its own statistics only");
    }
  } else if (!request.partner_id().empty()) {
    if (!caller.Owns(v1::ROLE_PARTNER, request.partner_id())) {
      return runtime::Denied("a partner reads its own statistics only");
    }
  } else if (!caller.is_admin()) {
    return runtime::Denied(
        "statistics by département, region or for everything are the "
        "federation's; a school or partner asks with its own id");
  }
  auto in_scope = [&](const v1::Graduate& g) {
    if (!request.school_id().empty())
      return g.school_id() == request.school_id();
    if (!request.partner_id().empty())
      return g.partner_id() == request.partner_id();
    if (!request.departement_code().empty()) {
      return g.home().departement_code() == request.departement_code();
    }
    if (!request.region_code().empty()) {
      return g.home().region_code() == request.region_code();
    }
    return true;
  };

  std::string (*group_of)(const v1::Graduate&) = nullptr;
  switch (request.group_by()) {
    case v1::PLACEMENT_STATS_GROUP_BY_UNSPECIFIED:
      break;
    case v1::PLACEMENT_STATS_GROUP_BY_SCHOOL:
      group_of = [](const v1::Graduate& g) { return g.school_id(); };
      break;
    case v1::PLACEMENT_STATS_GROUP_BY_PARTNER:
      group_of = [](const v1::Graduate& g) { return g.partner_id(); };
      break;
    case v1::PLACEMENT_STATS_GROUP_BY_DEPARTEMENT:
      group_of = [](const v1::Graduate& g) {
        return g.home().departement_code();
      };
      break;
    case v1::PLACEMENT_STATS_GROUP_BY_REGION:
      group_of = [](const v1::Graduate& g) { return g.home().region_code(); };
      break;
    default:
      return absl::InvalidArgumentError("group_by: unknown value");
  }

  const absl::CivilDay today = Today();
  std::unique_ptr<storage::Snapshot> snapshot = options_.store->GetSnapshot();
  absl::flat_hash_map<std::string, SeenGraduate> graduates;
  absl::Status failed;
  RETURN_IF_ERROR(snapshot->ForEach(
      options_.graduates->spec().table, [&](const storage::Record& r) {
        absl::StatusOr<v1::Graduate> g = options_.graduates->Parse(r);
        if (!g.ok()) {
          failed = g.status();
          return false;
        }
        if (!in_scope(*g)) return true;
        SeenGraduate& seen = graduates[g->id()];
        seen.status = g->status();
        seen.available_from = common::ParseDate(g->available_from());
        if (group_of != nullptr) seen.group = group_of(*g);
        return true;
      }));
  RETURN_IF_ERROR(failed);
  RETURN_IF_ERROR(snapshot->ForEach(kTable, [&](const storage::Record& r) {
    absl::StatusOr<v1::Proposal> p = proposals_.Parse(r);
    if (!p.ok()) {
      failed = p.status();
      return false;
    }
    auto it = graduates.find(p->graduate_id());
    if (it == graduates.end()) return true;
    SeenGraduate& seen = it->second;
    ++seen.received;
    const v1::ProposalState state = EffectiveState(*p, today);
    if (state == v1::PROPOSAL_STATE_SENT ||
        state == v1::PROPOSAL_STATE_AWAITING_GUARDIAN) {
      ++seen.pending;
    }
    if (p->state() == v1::PROPOSAL_STATE_ACCEPTED) {
      seen.accepted = true;
      seen.contract = p->contract_type();
      seen.placed_on = common::DayInParis(
          absl::FromUnixSeconds(p->respond_time().seconds()));
    }
    return true;
  }));
  RETURN_IF_ERROR(failed);

  std::vector<const SeenGraduate*> all;
  all.reserve(graduates.size());
  std::map<std::string, std::vector<const SeenGraduate*>> groups;
  for (const auto& [id, seen] : graduates) {
    all.push_back(&seen);
    if (group_of != nullptr) groups[seen.group].push_back(&seen);
  }
  v1::PlacementStats stats = Summarize(all);
  for (const auto& [key, members] : groups) {
    v1::PlacementStatsGroup* group = stats.add_groups();
    group->set_key(key);
    *group->mutable_stats() = Summarize(members);
  }
  return stats;
}

v1::PlacementStats Proposals::Summarize(
    const std::vector<const SeenGraduate*>& graduates) {
  v1::PlacementStats stats;
  std::vector<int64_t> histogram(kHistogramBuckets, 0);
  std::map<int, int64_t> by_contract;
  std::vector<int64_t> days;
  for (const SeenGraduate* seen : graduates) {
    stats.set_graduates(stats.graduates() + 1);
    stats.set_proposals(stats.proposals() + seen->received);
    stats.set_proposals_pending(stats.proposals_pending() + seen->pending);
    ++histogram[std::min<int64_t>(seen->received, kHistogramBuckets - 1)];
    switch (seen->status) {
      case v1::GRADUATE_STATUS_SEEKING:
        stats.set_seeking(stats.seeking() + 1);
        break;
      case v1::GRADUATE_STATUS_WITHDRAWN:
        stats.set_withdrawn(stats.withdrawn() + 1);
        break;
      case v1::GRADUATE_STATUS_PLACED:
        stats.set_placed(stats.placed() + 1);
        if (seen->accepted) {
          ++by_contract[seen->contract];
          if (seen->available_from.has_value()) {
            days.push_back(
                std::max<int64_t>(0, seen->placed_on - *seen->available_from));
          }
        } else {
          ++by_contract[v1::CONTRACT_TYPE_UNSPECIFIED];
        }
        break;
      default:
        break;
    }
  }
  for (int64_t n : histogram) stats.add_offers_received_histogram(n);
  if (stats.graduates() > 0) {
    stats.set_mean_offers_received(static_cast<double>(stats.proposals()) /
                                   static_cast<double>(stats.graduates()));
  }
  const int64_t pool = stats.seeking() + stats.placed();
  if (pool > 0) {
    stats.set_placement_rate(static_cast<double>(stats.placed()) /
                             static_cast<double>(pool));
  }
  if (!days.empty()) {
    std::sort(days.begin(), days.end());
    const size_t n = days.size();
    stats.set_median_days_to_placement(
        n % 2 == 1
            ? static_cast<double>(days[n / 2])
            : (static_cast<double>(days[n / 2 - 1]) + days[n / 2]) / 2.0);
  }
  for (const auto& [contract, placed] : by_contract) {
    v1::ContractStats* c = stats.add_by_contract();
    c->set_contract_type(static_cast<v1::ContractType>(contract));
    c->set_placed(placed);
  }
  return stats;
}

// --- Erasure -----------------------------------------------------------------

absl::Status Proposals::EraseGraduate(absl::string_view graduate_id) {
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    ASSIGN_OR_RETURN(std::vector<v1::Proposal> stored,
                     ListAll(kByGraduate, graduate_id));
    if (stored.empty()) return absl::OkStatus();
    std::vector<Mutation> mutations;
    std::vector<std::string> events;
    for (const v1::Proposal& p : stored) {
      Mutation m;
      m.kind = Mutation::Kind::kDelete;
      m.table = kTable;
      m.id = p.id();
      m.expect = Mutation::Expect::kVersion;
      m.expected_version = p.version();
      mutations.push_back(std::move(m));
      events.push_back(proposals_.Event(p, v1::CHANGE_OP_DELETED));
    }
    absl::Status committed =
        proposals_.Commit(std::move(mutations), std::move(events));
    if (committed.ok() || !Retryable(committed)) return committed;
  }
  return absl::AbortedError(absl::StrCat("erasing the proposals of graduate ",
                                         graduate_id, ": concurrent updates"));
}

absl::Status Proposals::StartErasure() {
  {
    absl::MutexLock lock(&mu_);
    if (following_) return absl::OkStatus();
  }
  // Proposals whose graduate vanished while nobody followed the log.
  std::unique_ptr<storage::Snapshot> snapshot = options_.store->GetSnapshot();
  absl::flat_hash_set<std::string> graduates;
  RETURN_IF_ERROR(snapshot->ForEach(options_.graduates->spec().table,
                                    [&](const storage::Record& r) {
                                      graduates.insert(r.id);
                                      return true;
                                    }));
  absl::flat_hash_set<std::string> orphans;
  absl::Status failed;
  RETURN_IF_ERROR(snapshot->ForEach(kTable, [&](const storage::Record& r) {
    absl::StatusOr<v1::Proposal> p = proposals_.Parse(r);
    if (!p.ok()) {
      failed = p.status();
      return false;
    }
    if (!graduates.contains(p->graduate_id())) orphans.insert(p->graduate_id());
    return true;
  }));
  RETURN_IF_ERROR(failed);
  for (const std::string& id : orphans) RETURN_IF_ERROR(EraseGraduate(id));
  if (!orphans.empty()) {
    LOG(INFO) << "proposals: erased the proposals of " << orphans.size()
              << " deleted graduate(s)";
  }
  absl::MutexLock lock(&mu_);
  erased_through_ = snapshot->sequence();
  following_ = true;
  stopping_ = false;
  follower_ = std::thread([this] { Follow(); });
  return absl::OkStatus();
}

void Proposals::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (follower_.joinable()) follower_.join();
  absl::MutexLock lock(&mu_);
  following_ = false;
}

bool Proposals::WaitForErasure(uint64_t sequence,
                               absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return erased_through_ >= sequence || !following_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  return following_ && erased_through_ >= sequence;
}

absl::Status Proposals::SweepExpired() {
  ASSIGN_OR_RETURN(std::vector<v1::Proposal> holding, ListAll(kHolding, ""));
  const absl::CivilDay today = Today();
  if (options_.announce) {
    // Partners are told of every expiry (proposal.expired): the proposals
    // whose deadline passed unanswered are stored as expired once a day,
    // not only when next read.
    RETURN_IF_ERROR(
        options_.store->ForEach(kTable, [&](const storage::Record& record) {
          v1::Proposal p;
          if (p.ParseFromString(record.data) &&
              p.state() == v1::PROPOSAL_STATE_SENT && PastDeadline(p, today)) {
            holding.push_back(std::move(p));
          }
          return true;
        }));
  }
  absl::Status result;
  for (const v1::Proposal& p : holding) {
    if (!(HoldsPosition(p) || p.state() == v1::PROPOSAL_STATE_SENT) ||
        !PastDeadline(p, today)) {
      continue;
    }
    absl::Status stored = StoreExpired(p);
    // A concurrent answer or sweep changed it first: it is settled.
    if (!stored.ok() && !Retryable(stored)) result.Update(stored);
  }
  return result;
}

void Proposals::Follow() {
  while (true) {
    uint64_t since;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      since = erased_through_;
    }
    if (const absl::CivilDay today = Today(); today != holds_swept_on_) {
      absl::Status swept = SweepExpired();
      if (swept.ok()) {
        holds_swept_on_ = today;
      } else {
        LOG(WARNING) << "proposals: freeing the positions of expired holds: "
                     << swept;
      }
    }
    if (options_.store->LastSequence() <= since) {
      options_.store->WaitForChanges(since,
                                     absl::Now() + absl::Milliseconds(200));
    }
    absl::StatusOr<std::vector<storage::Change>> changes =
        options_.store->ReadChanges(since, 1024);
    absl::Status status = changes.status();
    uint64_t handled = since;
    if (changes.ok()) {
      for (const storage::Change& change : *changes) {
        v1::ChangeEvent event;
        if (!event.ParseFromString(change.data)) {
          LOG(ERROR) << "proposals: unreadable change-log entry "
                     << change.sequence;
        } else if (event.kind() == v1::ENTITY_KIND_GRADUATE &&
                   event.op() == v1::CHANGE_OP_DELETED) {
          status = EraseGraduate(event.id());
          if (!status.ok()) break;
        }
        handled = change.sequence;
      }
    }
    absl::MutexLock lock(&mu_);
    erased_through_ = handled;
    if (!status.ok()) {
      LOG(ERROR) << "proposals: following the change log: " << status;
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1));
    }
  }
}

// --- gRPC --------------------------------------------------------------------

grpc::ServerUnaryReactor* ProposalServiceImpl::SendProposal(
    grpc::CallbackServerContext* context,
    const v1::SendProposalRequest* request, v1::Proposal* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, proposals_->Send(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalServiceImpl::RespondToProposal(
    grpc::CallbackServerContext* context,
    const v1::RespondToProposalRequest* request, v1::Proposal* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, proposals_->Respond(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalServiceImpl::WithdrawProposal(
    grpc::CallbackServerContext* context,
    const v1::WithdrawProposalRequest* request, v1::Proposal* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, proposals_->Withdraw(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalServiceImpl::ListProposals(
    grpc::CallbackServerContext* context,
    const v1::ListProposalsRequest* request,
    v1::ListProposalsResponse* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_,
      [this, request, response](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, proposals_->List(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ProposalServiceImpl::GetPlacementStats(
    grpc::CallbackServerContext* context,
    const v1::GetPlacementStatsRequest* request, v1::PlacementStats* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_,
      [this, request, response](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, proposals_->Stats(caller, *request));
        return absl::OkStatus();
      });
}

}  // namespace passerelle::proposals
