#include "services/offers/offers.h"

#include <s2/s2cap.h>
#include <s2/s2cell_id.h>
#include <s2/s2earth.h>
#include <s2/s2latlng.h>
#include <s2/s2region_coverer.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/dates.h"
#include "services/common/validation.h"
#include "services/offers/formats/formats.h"
#include "services/runtime/import_reactor.h"
#include "services/runtime/reactor.h"
#include "storage/status_macros.h"

namespace passerelle::offers {
namespace {

using runtime::Caller;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

std::string CellToken(double lat, double lng) {
  return S2CellId(S2LatLng::FromDegrees(lat, lng)).parent(kCellLevel).ToToken();
}

std::string ContractKey(int contract_type, int status) {
  return absl::StrCat(contract_type, "/", status);
}

// The version of the secondary indexes FillIndexes has filled: 2 once
// kByContract is there.
constexpr int64_t kIndexesVersion = 2;
constexpr char kIndexesMarker[] = "indexes";

std::vector<storage::IndexKey> IndexKeys(const v1::Offer& o) {
  std::vector<storage::IndexKey> keys = {
      {kByCompany, o.company_id(), false},
      {kByRome, o.rome_code(), false},
      {kByCell, CellToken(o.place().latitude(), o.place().longitude()), false},
      {kByContract, ContractKey(o.contract_type(), o.status()), false}};
  if (!o.external_id().empty()) {
    keys.push_back({kByExternalId,
                    absl::StrCat(o.company_id(), "/", o.external_id()), true});
  }
  return keys;
}

// What UpdateOffer may change: everything but what the service keeps.
const std::vector<absl::string_view>& UpdatableOfferPaths() {
  static const auto* paths =
      new std::vector<absl::string_view>(common::UpdatablePaths(
          v1::Offer::descriptor(), {"id", "company_id", "positions_filled",
                                    "version", "create_time", "update_time"}));
  return *paths;
}

void ClearOutputOnly(v1::Offer* o) {
  o->clear_id();
  o->clear_version();
  o->clear_create_time();
  o->clear_update_time();
  o->clear_positions_filled();
}

// The positions invariant of every write (see offers.h): positions never
// below positions_filled; a CLOSED offer stays so; otherwise FILLED exactly
// when no position is left. `status_chosen`: the writer asked for this
// status (it is then checked), else OPEN or FILLED follows the counts.
absl::Status CheckPositions(v1::Offer* o, bool status_chosen) {
  if (o->positions() < o->positions_filled()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "offer.positions: must be at least the ", o->positions_filled(),
        " positions already filled, got ", o->positions()));
  }
  if (o->status() == v1::OFFER_STATUS_CLOSED) return absl::OkStatus();
  const bool full = o->positions_filled() >= o->positions();
  if (!status_chosen || o->status() == v1::OFFER_STATUS_UNSPECIFIED) {
    o->set_status(full ? v1::OFFER_STATUS_FILLED : v1::OFFER_STATUS_OPEN);
    return absl::OkStatus();
  }
  if (o->status() == v1::OFFER_STATUS_OPEN && full) {
    return absl::InvalidArgumentError(absl::StrCat(
        "offer.status: cannot be OPEN with every position filled (",
        o->positions_filled(), " of ", o->positions(),
        "): raise offer.positions to reopen it"));
  }
  if (o->status() == v1::OFFER_STATUS_FILLED && !full) {
    return absl::InvalidArgumentError(
        absl::StrCat("offer.status: cannot be FILLED with positions left (",
                     o->positions_filled(), " of ", o->positions(),
                     " filled); FILLED follows the positions"));
  }
  return absl::OkStatus();
}

double DistanceKm(double lat1, double lng1, double lat2, double lng2) {
  return S2Earth::ToKm(S2LatLng::FromDegrees(lat1, lng1)
                           .GetDistance(S2LatLng::FromDegrees(lat2, lng2)));
}

}  // namespace

std::vector<std::string> Tables() { return {kTable, kMetaTable}; }

Offers::Offers(storage::Store* store, const common::Referentials* referentials,
               const runtime::Directory* directory, Clock today)
    : referentials_(referentials),
      directory_(directory),
      today_(today ? std::move(today) : Clock(&common::TodayInParis)),
      repository_(store,
                  {kTable, "offer", "off", v1::ENTITY_KIND_OFFER, &IndexKeys,
                   [](const v1::Offer& o, v1::ChangeEvent* e) {
                     e->set_company_id(o.company_id());
                   }}) {}

absl::StatusOr<int64_t> Offers::FillIndexes() {
  storage::Store* store = repository_.store();
  absl::StatusOr<storage::Record> marker =
      store->Get(kMetaTable, kIndexesMarker);
  if (marker.ok() && marker->version >= kIndexesVersion) return 0;
  if (!marker.ok() && !absl::IsNotFound(marker.status())) {
    return marker.status();
  }
  // Each offer is put back as it is (same bytes, same version, checked)
  // with this version's index entries; the store replaces the old ones.
  constexpr size_t kBatch = 1000;
  std::vector<storage::Mutation> batch;
  int64_t filled = 0;
  absl::Status status;
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    filled += static_cast<int64_t>(batch.size());
    return store->Commit(std::exchange(batch, {}), {}).status();
  };
  RETURN_IF_ERROR(store->ForEach(kTable, [&](const storage::Record& r) {
    absl::StatusOr<v1::Offer> offer = repository_.Parse(r);
    if (!offer.ok()) {
      status = offer.status();
      return false;
    }
    batch.push_back(repository_.PutMutation(
        *offer, storage::Mutation::Expect::kVersion, r.version));
    if (batch.size() >= kBatch) status = flush();
    return status.ok();
  }));
  RETURN_IF_ERROR(status);
  RETURN_IF_ERROR(flush());
  storage::Mutation done;
  done.table = kMetaTable;
  done.id = kIndexesMarker;
  done.version = kIndexesVersion;
  RETURN_IF_ERROR(store->Commit({std::move(done)}, {}).status());
  return filled;
}

absl::Status Offers::CheckOwnerAndFields(const Caller& caller, v1::Offer* o,
                                         bool is_update) const {
  switch (caller.role) {
    case v1::ROLE_COMPANY:
      if (o->company_id().empty()) o->set_company_id(caller.organization_id);
      if (o->company_id() != caller.organization_id) {
        return runtime::Denied(
            "offer.company_id: a company manages its own offers only");
      }
      break;
    case v1::ROLE_ADMIN: {
      if (o->company_id().empty()) {
        return absl::InvalidArgumentError("offer.company_id: required");
      }
      absl::Status found = directory_->FindCompany(o->company_id()).status();
      if (absl::IsNotFound(found)) {
        return absl::InvalidArgumentError(
            absl::StrCat("offer.company_id: no company ", o->company_id()));
      }
      RETURN_IF_ERROR(found);
      break;
    }
    default:
      return runtime::Denied("offers are managed by their company");
  }
  return common::ValidateOffer(
      o, *referentials_, today_(),
      is_update ? common::OfferWrite::kUpdate : common::OfferWrite::kCreate);
}

absl::Status Offers::CheckCanRead(const Caller& caller,
                                  const v1::Offer& o) const {
  if (caller.role == v1::ROLE_COMPANY &&
      caller.organization_id != o.company_id()) {
    // As if unknown: another company's id must not tell that it exists.
    return absl::NotFoundError(absl::StrCat("offer ", o.id(), " not found"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Offer> Offers::Create(const Caller& caller,
                                         v1::Offer offer) {
  ClearOutputOnly(&offer);
  const bool status_chosen = offer.status() != v1::OFFER_STATUS_UNSPECIFIED;
  RETURN_IF_ERROR(CheckOwnerAndFields(caller, &offer, /*is_update=*/false));
  RETURN_IF_ERROR(CheckPositions(&offer, status_chosen));
  absl::StatusOr<v1::Offer> created = repository_.Create(std::move(offer));
  if (absl::IsAlreadyExists(created.status())) {
    return absl::AlreadyExistsError(
        "offer.external_id: already used by another offer of this company");
  }
  return created;
}

absl::StatusOr<v1::Offer> Offers::Get(const Caller& caller,
                                      absl::string_view id) const {
  ASSIGN_OR_RETURN(v1::Offer o, repository_.Get(id));
  RETURN_IF_ERROR(CheckCanRead(caller, o));
  return o;
}

absl::StatusOr<v1::Offer> Offers::Update(
    const Caller& caller, const v1::Offer& update,
    const google::protobuf::FieldMask& mask) {
  if (update.id().empty())
    return absl::InvalidArgumentError("offer.id: required");
  if (update.version() <= 0) {
    return absl::InvalidArgumentError(
        "offer.version: required (the version you read)");
  }
  ASSIGN_OR_RETURN(v1::Offer current, Get(caller, update.id()));
  if (current.version() != update.version()) {
    return absl::AbortedError(absl::StrCat(
        "offer ", update.id(), " is at version ", current.version(), ", not ",
        update.version(), ": read it again"));
  }
  v1::Offer merged = current;
  RETURN_IF_ERROR(common::ApplyFieldMask(mask, update, UpdatableOfferPaths(),
                                         "update_mask", &merged));
  // A status the update changes is the caller's choice, checked; one it
  // leaves follows the positions (raising those of a FILLED offer reopens
  // it).
  const bool status_chosen = merged.status() != v1::OFFER_STATUS_UNSPECIFIED &&
                             merged.status() != current.status();
  RETURN_IF_ERROR(CheckOwnerAndFields(caller, &merged, /*is_update=*/true));
  RETURN_IF_ERROR(CheckPositions(&merged, status_chosen));
  absl::StatusOr<v1::Offer> updated =
      repository_.Update(std::move(merged), current.version());
  if (absl::IsAlreadyExists(updated.status())) {
    return absl::AlreadyExistsError(
        "offer.external_id: already used by another offer of this company");
  }
  return updated;
}

absl::StatusOr<v1::Offer> Offers::Close(const Caller& caller,
                                        absl::string_view id) {
  ASSIGN_OR_RETURN(v1::Offer current, Get(caller, id));
  if (!caller.Owns(v1::ROLE_COMPANY, current.company_id())) {
    return runtime::Denied("offers are closed by their company");
  }
  if (current.status() == v1::OFFER_STATUS_CLOSED) return current;
  v1::Offer closed = current;
  closed.set_status(v1::OFFER_STATUS_CLOSED);
  return repository_.Update(std::move(closed), current.version());
}

absl::StatusOr<v1::ListOffersResponse> Offers::List(
    const Caller& caller, const v1::ListOffersRequest& request) const {
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  if (!v1::OfferStatus_IsValid(request.status())) {
    return absl::InvalidArgumentError("status: unknown value");
  }
  std::string company_id = request.company_id();
  if (caller.role == v1::ROLE_COMPANY) {
    if (!company_id.empty() && company_id != caller.organization_id) {
      return runtime::Denied("a company lists its own offers only");
    }
    company_id = caller.organization_id;
  }
  ASSIGN_OR_RETURN(
      auto page, repository_.List(company_id.empty() ? "" : kByCompany,
                                  company_id, page_size, request.page_token()));
  v1::ListOffersResponse response;
  for (auto& o : page.records) {
    if (request.status() != v1::OFFER_STATUS_UNSPECIFIED &&
        o.status() != request.status()) {
      continue;
    }
    *response.add_offers() = std::move(o);
  }
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<v1::SearchOffersResponse> Offers::Search(
    const Caller& caller, const v1::SearchOffersRequest& request,
    SearchStats* stats) const {
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  // The centre: a commune, or coordinates.
  bool has_centre = false;
  double lat = 0, lng = 0;
  if (!request.commune_insee().empty()) {
    const common::Commune* commune =
        referentials_->FindCommune(request.commune_insee());
    if (commune == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "commune_insee: unknown commune \"", request.commune_insee(), "\""));
    }
    has_centre = true;
    lat = commune->latitude;
    lng = commune->longitude;
  } else if (request.latitude() != 0 || request.longitude() != 0) {
    if (!(std::abs(request.latitude()) <= 90)) {
      return absl::InvalidArgumentError("latitude: must be within [-90, 90]");
    }
    if (!(std::abs(request.longitude()) <= 180)) {
      return absl::InvalidArgumentError(
          "longitude: must be within [-180, 180]");
    }
    has_centre = true;
    lat = request.latitude();
    lng = request.longitude();
  }
  const double radius = request.radius_km();
  if (!(radius >= 0 && radius <= 1000)) {
    return absl::InvalidArgumentError("radius_km: must be within [0, 1000]");
  }
  if (radius > 0 && !has_centre) {
    return absl::InvalidArgumentError(
        "commune_insee: a centre (commune_insee or latitude/longitude) is "
        "required with radius_km");
  }
  absl::flat_hash_set<std::string> romes;
  for (int i = 0; i < request.rome_codes_size(); ++i) {
    const std::string& code = request.rome_codes(i);
    if (referentials_->FindRome(code) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rome_codes[", i, "]: unknown ROME code \"", code, "\""));
    }
    romes.insert(code);
  }
  absl::flat_hash_set<int> contracts;
  for (int i = 0; i < request.contract_types_size(); ++i) {
    const int c = request.contract_types(i);
    if (c == v1::CONTRACT_TYPE_UNSPECIFIED || !v1::ContractType_IsValid(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("contract_types[", i, "]: unknown contract type"));
    }
    contracts.insert(c);
  }
  // A token is valid only for the same filters (whatever the page size).
  v1::SearchOffersRequest filters = request;
  filters.clear_page_token();
  filters.clear_page_size();
  const uint64_t fingerprint = absl::HashOf(filters.SerializeAsString());
  if (search_hook_) search_hook_();
  int64_t records_read = 0;
  struct CountReads {
    const int64_t& n;
    SearchStats* stats;
    ~CountReads() {
      if (stats != nullptr) stats->records_read = n;
    }
  } count_reads{records_read, stats};

  // (contract type, status) pairs searched, for kByContract.
  std::vector<std::string> contract_keys;
  {
    std::vector<int> types(contracts.begin(), contracts.end());
    if (types.empty()) {
      for (int i = 0; i < v1::ContractType_descriptor()->value_count(); ++i)
        types.push_back(v1::ContractType_descriptor()->value(i)->number());
    }
    std::vector<int> statuses = {v1::OFFER_STATUS_OPEN};
    if (request.include_closed()) {
      statuses.clear();
      for (int i = 0; i < v1::OfferStatus_descriptor()->value_count(); ++i)
        statuses.push_back(v1::OfferStatus_descriptor()->value(i)->number());
    }
    std::sort(types.begin(), types.end());
    for (int t : types) {
      for (int st : statuses) contract_keys.push_back(ContractKey(t, st));
    }
  }

  if (caller.role != v1::ROLE_COMPANY && romes.empty() && !has_centre) {
    // In id order from the last id returned: each (contract type, status)
    // listing gives its first page_size + 1 offers after it, and the
    // page_size smallest ids of them all are the page.
    std::string after;
    if (!request.page_token().empty()) {
      std::string raw;
      std::vector<std::string> parts;
      uint64_t fp = 0;
      if (!absl::WebSafeBase64Unescape(request.page_token(), &raw) ||
          (parts = absl::StrSplit(raw, ':')).size() != 3 ||
          parts[0] != "after" || parts[1].empty() ||
          !absl::SimpleAtoi(parts[2], &fp) || fp != fingerprint) {
        return absl::InvalidArgumentError(
            "page_token: not a token of this search (repeat the same "
            "filters)");
      }
      after = parts[1];
    }
    std::vector<v1::Offer> merged;
    for (const std::string& key : contract_keys) {
      const std::string token =
          after.empty()
              ? std::string()
              : storage::IndexPageTokenAfter(kTable, kByContract, key, after);
      ASSIGN_OR_RETURN(
          auto page, repository_.List(kByContract, key, page_size + 1, token));
      records_read += static_cast<int64_t>(page.records.size());
      for (auto& o : page.records) merged.push_back(std::move(o));
    }
    std::sort(
        merged.begin(), merged.end(),
        [](const v1::Offer& a, const v1::Offer& b) { return a.id() < b.id(); });
    v1::SearchOffersResponse response;
    const size_t end = std::min<size_t>(merged.size(), page_size);
    for (size_t i = 0; i < end; ++i) {
      *response.add_offers() = std::move(merged[i]);
    }
    if (merged.size() > end) {
      std::string token;
      absl::WebSafeBase64Escape(
          absl::StrCat("after:", response.offers(end - 1).id(), ":",
                       fingerprint),
          &token);
      response.set_next_page_token(token);
    }
    return response;
  }

  int64_t offset = 0;
  if (!request.page_token().empty()) {
    std::string raw;
    std::vector<std::string> parts;
    uint64_t fp = 0;
    if (!absl::WebSafeBase64Unescape(request.page_token(), &raw) ||
        (parts = absl::StrSplit(raw, ':')).size() != 2 ||
        !absl::SimpleAtoi(parts[0], &offset) || offset < 0 ||
        !absl::SimpleAtoi(parts[1], &fp) || fp != fingerprint) {
      return absl::InvalidArgumentError(
          "page_token: not a token of this search (repeat the same filters)");
    }
  }

  struct Hit {
    double distance;
    v1::Offer offer;
  };
  std::vector<Hit> hits;
  bool truncated = false;
  auto consider = [&](v1::Offer o) {
    ++records_read;
    if (!request.include_closed() && o.status() != v1::OFFER_STATUS_OPEN)
      return;
    if (!romes.empty() && !romes.contains(o.rome_code())) return;
    if (!contracts.empty() && !contracts.contains(o.contract_type())) return;
    if (CheckCanRead(caller, o).ok() == false) return;
    double d = 0;
    if (has_centre) {
      d = DistanceKm(lat, lng, o.place().latitude(), o.place().longitude());
      if (radius > 0 && d > radius) return;
    }
    if (static_cast<int>(hits.size()) >= kMaxSearchResults) {
      truncated = true;
      return;
    }
    hits.push_back({d, std::move(o)});
  };
  // Walk one index (value by value) with paging.
  auto walk = [&](absl::string_view index,
                  const std::string& value) -> absl::Status {
    std::string token;
    do {
      ASSIGN_OR_RETURN(auto page, repository_.List(index, value, 500, token));
      for (auto& o : page.records) consider(std::move(o));
      token = page.next_page_token;
    } while (!token.empty() && !truncated);
    return absl::OkStatus();
  };
  if (caller.role == v1::ROLE_COMPANY) {
    RETURN_IF_ERROR(walk(kByCompany, caller.organization_id));
  } else if (!romes.empty()) {
    std::vector<std::string> sorted(romes.begin(), romes.end());
    std::sort(sorted.begin(), sorted.end());
    for (const std::string& code : sorted) RETURN_IF_ERROR(walk(kByRome, code));
  } else if (radius > 0) {
    S2RegionCoverer::Options options;
    options.set_fixed_level(kCellLevel);
    S2RegionCoverer coverer(options);
    const S2Cap cap(S2LatLng::FromDegrees(lat, lng).ToPoint(),
                    S1Angle::Radians(S2Earth::KmToRadians(radius)));
    std::vector<S2CellId> cells;
    coverer.GetCovering(cap, &cells);
    for (const S2CellId& cell : cells) {
      RETURN_IF_ERROR(walk(kByCell, cell.ToToken()));
    }
  } else {
    // Nearest first over every match: only the offers of the contract
    // types and statuses searched are read.
    for (const std::string& key : contract_keys) {
      if (truncated) break;
      RETURN_IF_ERROR(walk(kByContract, key));
    }
  }
  std::sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    if (has_centre && a.distance != b.distance) return a.distance < b.distance;
    return a.offer.id() < b.offer.id();
  });
  v1::SearchOffersResponse response;
  const int64_t end = std::min<int64_t>(hits.size(), offset + page_size);
  for (int64_t i = offset; i < end; ++i) {
    *response.add_offers() = std::move(hits[i].offer);
    if (has_centre) response.add_distance_km(hits[i].distance);
  }
  if (end < static_cast<int64_t>(hits.size())) {
    std::string token;
    absl::WebSafeBase64Escape(absl::StrCat(end, ":", fingerprint), &token);
    response.set_next_page_token(token);
  }
  return response;
}

std::unique_ptr<runtime::BatchUpserter<v1::Offer>> Offers::NewImport(
    const Caller& caller) {
  runtime::BatchUpserter<v1::Offer>::Hooks hooks;
  hooks.validate = [this, caller](v1::Offer* o) {
    ClearOutputOnly(o);
    const v1::OfferStatus given = o->status();
    RETURN_IF_ERROR(CheckOwnerAndFields(caller, o, /*is_update=*/false));
    // A row without a status keeps none until `check` knows the stored
    // record: its status then follows the positions.
    if (given == v1::OFFER_STATUS_UNSPECIFIED) o->set_status(given);
    return absl::OkStatus();
  };
  hooks.external_key = [](const v1::Offer& o) {
    return storage::IndexKey{kByExternalId,
                             absl::StrCat(o.company_id(), "/", o.external_id()),
                             true};
  };
  hooks.keep = [](const v1::Offer& existing, v1::Offer* incoming) {
    incoming->set_positions_filled(existing.positions_filled());
  };
  // As an update: a row's status that differs from the stored one is
  // checked, one it repeats (or leaves out) follows the positions.
  hooks.check = [](const v1::Offer* existing, v1::Offer* incoming) {
    const bool status_chosen =
        incoming->status() != v1::OFFER_STATUS_UNSPECIFIED &&
        (existing == nullptr || incoming->status() != existing->status());
    return CheckPositions(incoming, status_chosen);
  };
  return std::make_unique<runtime::BatchUpserter<v1::Offer>>(&repository_,
                                                             std::move(hooks));
}

absl::StatusOr<v1::ImportResponse> Offers::ImportPartner(
    const Caller& caller, const v1::ImportPartnerOffersRequest& request) {
  ASSIGN_OR_RETURN(formats::Format format,
                   formats::ParseFormat(request.format()));
  if (request.content().empty()) {
    return absl::InvalidArgumentError("content: required: the file");
  }
  if (!request.company_id().empty() && !caller.is_admin() &&
      request.company_id() != caller.organization_id) {
    return runtime::Denied("a company imports its own offers");
  }
  std::unique_ptr<runtime::BatchUpserter<v1::Offer>> upserter =
      NewImport(caller);
  absl::Status added;
  RETURN_IF_ERROR(formats::ForEachRecord(
      format, request.content(), common::TodayInParis(),
      [&](int index, absl::StatusOr<v1::Offer> offer) {
        if (!added.ok()) return;
        if (!offer.ok()) {
          upserter->RejectUnreadable(absl::InvalidArgumentError(
              absl::StrCat(formats::FormatName(format), " record ", index + 1,
                           ": ", offer.status().message())));
          return;
        }
        if (!request.company_id().empty()) {
          offer->set_company_id(request.company_id());
        }
        added = upserter->Add(*std::move(offer));
      }));
  RETURN_IF_ERROR(added);
  RETURN_IF_ERROR(upserter->Flush());
  return upserter->response();
}

// --- gRPC ------------------------------------------------------------------

grpc::ServerUnaryReactor* OfferServiceImpl::CreateOffer(
    grpc::CallbackServerContext* context, const v1::CreateOfferRequest* request,
    v1::Offer* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, offers_->Create(caller, request->offer()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OfferServiceImpl::GetOffer(
    grpc::CallbackServerContext* context, const v1::GetOfferRequest* request,
    v1::Offer* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, offers_->Get(caller, request->id()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OfferServiceImpl::UpdateOffer(
    grpc::CallbackServerContext* context, const v1::UpdateOfferRequest* request,
    v1::Offer* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, offers_->Update(caller, request->offer(),
                                                    request->update_mask()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OfferServiceImpl::CloseOffer(
    grpc::CallbackServerContext* context, const v1::CloseOfferRequest* request,
    v1::Offer* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, offers_->Close(caller, request->id()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OfferServiceImpl::ListOffers(
    grpc::CallbackServerContext* context, const v1::ListOffersRequest* request,
    v1::ListOffersResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        ASSIGN_OR_RETURN(*response, offers_->List(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OfferServiceImpl::SearchOffers(
    grpc::CallbackServerContext* context,
    const v1::SearchOffersRequest* request,
    v1::SearchOffersResponse* response) {
  // A search may read thousands of records: off the gRPC threads.
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_,
      [this, request, response](const Caller& caller) {
        // A centre given by coordinates must be in France, as every place.
        if (request->commune_insee().empty() &&
            (request->latitude() != 0 || request->longitude() != 0) &&
            std::abs(request->latitude()) <= 90 &&
            std::abs(request->longitude()) <= 180) {
          RETURN_IF_ERROR(common::CheckInFrance("latitude", "longitude",
                                                request->latitude(),
                                                request->longitude()));
        }
        ASSIGN_OR_RETURN(*response, offers_->Search(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OfferServiceImpl::ImportPartnerOffers(
    grpc::CallbackServerContext* context,
    const v1::ImportPartnerOffersRequest* request,
    v1::ImportResponse* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_,
      [this, request, response](const Caller& caller) {
        absl::StatusOr<v1::ImportResponse> imported =
            offers_->ImportPartner(caller, *request);
        if (import_listener_) {
          import_listener_(caller,
                           imported.ok() ? *imported : v1::ImportResponse(),
                           runtime::ToGrpcStatus(imported.status()));
        }
        ASSIGN_OR_RETURN(*response, std::move(imported));
        return absl::OkStatus();
      });
}

grpc::ServerReadReactor<grpc::ByteBuffer>* OfferServiceImpl::ImportOffers(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  absl::StatusOr<Caller> caller =
      runtime::AuthenticateCall(*authenticator_, *context);
  absl::StatusOr<std::unique_ptr<runtime::BatchUpserter<v1::Offer>>> upserter =
      caller.ok()
          ? absl::StatusOr<std::unique_ptr<runtime::BatchUpserter<v1::Offer>>>(
                offers_->NewImport(*caller))
          : caller.status();
  return new runtime::ImportReactor<v1::ImportOffersRequest, v1::Offer>(
      context, std::move(upserter), response, pool_,
      [](v1::ImportOffersRequest* r) { return r->mutable_offer(); },
      import_calls_,
      import_listener_ && caller.ok()
          ? [listener = import_listener_, who = *caller](
                const v1::ImportResponse& outcome,
                const grpc::Status& status) { listener(who, outcome, status); }
          : runtime::ImportReactor<v1::ImportOffersRequest,
                                   v1::Offer>::OnFinished());
}

}  // namespace passerelle::offers
