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

std::vector<storage::IndexKey> IndexKeys(const v1::Offer& o) {
  std::vector<storage::IndexKey> keys = {
      {kByCompany, o.company_id(), false},
      {kByRome, o.rome_code(), false},
      {kByCell, CellToken(o.place().latitude(), o.place().longitude()), false}};
  if (!o.external_id().empty()) {
    keys.push_back({kByExternalId,
                    absl::StrCat(o.company_id(), "/", o.external_id()), true});
  }
  return keys;
}

constexpr absl::string_view kUpdatablePaths[] = {"external_id",
                                                 "title",
                                                 "rome_code",
                                                 "contract_type",
                                                 "duration_months",
                                                 "start_date",
                                                 "weekly_hours",
                                                 "night_work",
                                                 "regulated_work",
                                                 "regulated_work_declared",
                                                 "regulated_works",
                                                 "regulated_work_declared_on",
                                                 "driving_licence_category",
                                                 "required_level",
                                                 "target_diploma",
                                                 "required_skills",
                                                 "desired_skills",
                                                 "driving_licence_required",
                                                 "place",
                                                 "positions",
                                                 "monthly_gross_salary_eur",
                                                 "status",
                                                 "expires_on",
                                                 "description"};

void ClearOutputOnly(v1::Offer* o) {
  o->clear_id();
  o->clear_version();
  o->clear_create_time();
  o->clear_update_time();
  o->clear_positions_filled();
}

double DistanceKm(double lat1, double lng1, double lat2, double lng2) {
  return S2Earth::ToKm(S2LatLng::FromDegrees(lat1, lng1)
                           .GetDistance(S2LatLng::FromDegrees(lat2, lng2)));
}

}  // namespace

std::vector<std::string> Tables() { return {kTable}; }

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
  RETURN_IF_ERROR(common::ValidateOffer(
      o, *referentials_, today_(),
      is_update ? common::OfferWrite::kUpdate : common::OfferWrite::kCreate));
  if (o->positions() < o->positions_filled()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "offer.positions: ", o->positions_filled(), " already filled"));
  }
  return absl::OkStatus();
}

absl::Status Offers::CheckCanRead(const Caller& caller,
                                  const v1::Offer& o) const {
  if (caller.role == v1::ROLE_COMPANY &&
      caller.organization_id != o.company_id()) {
    return runtime::Denied(absl::StrCat("offer ", o.id(), " is not yours"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Offer> Offers::Create(const Caller& caller,
                                         v1::Offer offer) {
  ClearOutputOnly(&offer);
  RETURN_IF_ERROR(CheckOwnerAndFields(caller, &offer, /*is_update=*/false));
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
  RETURN_IF_ERROR(common::ApplyFieldMask(mask, update, kUpdatablePaths,
                                         "update_mask", &merged));
  RETURN_IF_ERROR(CheckOwnerAndFields(caller, &merged, /*is_update=*/true));
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
    const Caller& caller, const v1::SearchOffersRequest& request) const {
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
  int64_t offset = 0;
  // A token is valid only for the same filters (whatever the page size).
  v1::SearchOffersRequest filters = request;
  filters.clear_page_token();
  filters.clear_page_size();
  const uint64_t fingerprint = absl::HashOf(filters.SerializeAsString());
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
    RETURN_IF_ERROR(walk("", ""));
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
    return CheckOwnerAndFields(caller, o, /*is_update=*/false);
  };
  hooks.external_key = [](const v1::Offer& o) {
    return storage::IndexKey{kByExternalId,
                             absl::StrCat(o.company_id(), "/", o.external_id()),
                             true};
  };
  hooks.keep = [](const v1::Offer& existing, v1::Offer* incoming) {
    incoming->set_positions_filled(existing.positions_filled());
    if (existing.status() == v1::OFFER_STATUS_FILLED) {
      incoming->set_status(existing.status());
    }
  };
  return std::make_unique<runtime::BatchUpserter<v1::Offer>>(&repository_,
                                                             std::move(hooks));
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
        ASSIGN_OR_RETURN(*response, offers_->Search(caller, *request));
        return absl::OkStatus();
      });
}

grpc::ServerReadReactor<v1::ImportOffersRequest>*
OfferServiceImpl::ImportOffers(grpc::CallbackServerContext* context,
                               v1::ImportResponse* response) {
  absl::StatusOr<Caller> caller =
      runtime::AuthenticateCall(*authenticator_, *context);
  absl::StatusOr<std::unique_ptr<runtime::BatchUpserter<v1::Offer>>> upserter =
      caller.ok()
          ? absl::StatusOr<std::unique_ptr<runtime::BatchUpserter<v1::Offer>>>(
                offers_->NewImport(*caller))
          : caller.status();
  return new runtime::ImportReactor<v1::ImportOffersRequest, v1::Offer>(
      std::move(upserter), response, pool_,
      [](v1::ImportOffersRequest* r) { return r->mutable_offer(); });
}

}  // namespace passerelle::offers
