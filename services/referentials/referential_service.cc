#include "services/referentials/referential_service.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/common/text.h"
#include "services/runtime/reactor.h"

namespace passerelle::referentials {
namespace {

constexpr int kDefaultPageSize = 10;
constexpr int kMaxPageSize = 50;
constexpr size_t kMaxQueryBytes = 200;

// The checked query and page size of a search request.
absl::Status CheckQuery(const std::string& query, int32_t page_size,
                        size_t* limit) {
  if (query.empty()) return absl::InvalidArgumentError("query: required");
  if (query.size() > kMaxQueryBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("query: at most ", kMaxQueryBytes, " bytes"));
  }
  if (!common::IsValidUtf8(query)) {
    return absl::InvalidArgumentError("query: not valid UTF-8");
  }
  if (page_size < 0 || page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: between 0 and ", kMaxPageSize));
  }
  *limit = page_size == 0 ? kDefaultPageSize : page_size;
  return absl::OkStatus();
}

}  // namespace

ReferentialServiceImpl::ReferentialServiceImpl(
    const common::Referentials* refs,
    const runtime::Authenticator* authenticator, runtime::ThreadPool* pool)
    : search_(*refs), authenticator_(authenticator), pool_(pool) {}

grpc::ServerUnaryReactor* ReferentialServiceImpl::SearchCommunes(
    grpc::CallbackServerContext* context,
    const v1::SearchCommunesRequest* request,
    v1::SearchCommunesResponse* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_,
      [this, request, response](const runtime::Caller&) -> absl::Status {
        size_t limit = 0;
        absl::Status status =
            CheckQuery(request->query(), request->page_size(), &limit);
        if (!status.ok()) return status;
        for (const common::Commune* c :
             search_.Communes(request->query(), limit)) {
          v1::CommuneMatch* match = response->add_communes();
          match->set_insee(c->insee);
          match->set_name(c->name);
          match->set_departement(c->departement);
          match->set_region(c->region);
          for (const std::string& postal : c->postal_codes) {
            match->add_postal_codes(postal);
          }
          match->set_population(c->population);
        }
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ReferentialServiceImpl::SearchTrades(
    grpc::CallbackServerContext* context,
    const v1::SearchTradesRequest* request,
    v1::SearchTradesResponse* response) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_,
      [this, request, response](const runtime::Caller&) -> absl::Status {
        size_t limit = 0;
        absl::Status status =
            CheckQuery(request->query(), request->page_size(), &limit);
        if (!status.ok()) return status;
        for (const auto& trade : search_.Trades(request->query(), limit)) {
          v1::TradeMatch* match = response->add_trades();
          match->set_rome_code(trade.rome->code);
          match->set_rome_title(trade.rome->title);
          if (trade.appellation != nullptr) {
            match->set_appellation(trade.appellation->title);
            match->set_ogr_code(trade.appellation->ogr);
          }
        }
        return absl::OkStatus();
      });
}

}  // namespace passerelle::referentials
