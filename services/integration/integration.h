#pragma once

// IntegrationService: webhook endpoints and their deliveries, pull-feed
// subscriptions, and the dispatcher that turns the outbox's events
// (outbox.h) into both.
//
// The dispatcher follows the change log from a cursor kept in the store.
// For each ENTITY_KIND_EVENT entry it writes, in ONE commit with the new
// cursor, a delivery per endpoint and a feed entry per subscription of the
// event's organization that asked for its type: a crash before that commit
// replays the same entries (same ids), after it nothing is lost. Delivery
// workers then POST each pending delivery, signed (webhooks.h); a delivery
// is marked delivered only after a 2xx answer, so a crash in between sends
// it again: at least once. A failed attempt is retried with exponential
// backoff and jitter, for 3 days; an endpoint failing for a day is disabled
// and its organization told (event webhook.endpoint_disabled). An endpoint
// receives one resource's events in order: a pending delivery holds back
// the later ones of the same resource (and only those).
//
// Runs in the embedded server only: the events come from the proposals.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "passerelle/internal/records.pb.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/integration.grpc.pb.h"
#include "passerelle/v1/proposal.pb.h"
#include "services/integration/webhooks.h"
#include "services/runtime/auth.h"
#include "services/runtime/thread_pool.h"
#include "storage/store.h"

namespace passerelle::integration {

class Integration {
 public:
  struct Options {
    storage::Store* store = nullptr;    // opened with Tables()
    std::function<absl::Time()> clock;  // default absl::Now
    AddressPolicy policy;
    PostOptions post;
    // Retries: the n-th waits retry_base * 2^(n-1), at most retry_max, then
    // a random 50-100 % of that (jitter); given up `give_up_after` after
    // the event.
    absl::Duration retry_base = absl::Seconds(10);
    absl::Duration retry_max = absl::Hours(6);
    absl::Duration give_up_after = absl::Hours(72);
    // An endpoint whose deliveries have failed this long is disabled.
    absl::Duration disable_after = absl::Hours(24);
    int delivery_threads = 4;
    // How often workers look for due retries when nothing new happens.
    absl::Duration poll = absl::Milliseconds(500);
    // The placements export (the proposals' library makes it).
    std::function<absl::StatusOr<v1::ExportPlacementsResponse>(
        const runtime::Caller&, const v1::ExportPlacementsRequest&)>
        placements;
  };

  static std::vector<std::string> Tables();

  explicit Integration(Options options);
  ~Integration();  // Stop()s

  // Starts the dispatcher and the delivery workers.
  void Start();
  // Stops them; idempotent. Call before closing the store.
  void Stop();

  absl::StatusOr<v1::WebhookEndpoint> CreateEndpoint(
      const runtime::Caller& caller,
      const v1::CreateWebhookEndpointRequest& request);
  absl::StatusOr<v1::ListWebhookEndpointsResponse> ListEndpoints(
      const runtime::Caller& caller,
      const v1::ListWebhookEndpointsRequest& request) const;
  absl::Status DeleteEndpoint(const runtime::Caller& caller,
                              const v1::DeleteWebhookEndpointRequest& request);
  absl::StatusOr<v1::WebhookEndpoint> RotateSecret(
      const runtime::Caller& caller,
      const v1::RotateWebhookSecretRequest& request);
  absl::StatusOr<v1::WebhookEndpoint> EnableEndpoint(
      const runtime::Caller& caller,
      const v1::EnableWebhookEndpointRequest& request);
  absl::StatusOr<v1::ListWebhookDeliveriesResponse> ListDeliveries(
      const runtime::Caller& caller,
      const v1::ListWebhookDeliveriesRequest& request) const;
  absl::StatusOr<v1::EventSubscription> CreateSubscription(
      const runtime::Caller& caller,
      const v1::CreateEventSubscriptionRequest& request);
  absl::StatusOr<v1::ListEventSubscriptionsResponse> ListSubscriptions(
      const runtime::Caller& caller,
      const v1::ListEventSubscriptionsRequest& request) const;
  // Deletes the subscription, then the events it still holds.
  absl::Status DeleteSubscription(
      const runtime::Caller& caller,
      const v1::DeleteEventSubscriptionRequest& request);
  absl::StatusOr<v1::ListEventsResponse> ListEvents(
      const runtime::Caller& caller, const v1::ListEventsRequest& request);
  absl::StatusOr<v1::AckEventsResponse> AckEvents(
      const runtime::Caller& caller, const v1::AckEventsRequest& request);
  // Announces an import call's end to the importing organization
  // (import.finished), in a commit of its own; logged, never failing the
  // import. `kind`: "graduates" or "offers".
  void ImportFinished(const runtime::Caller& caller, absl::string_view kind,
                      const v1::ImportResponse& outcome,
                      const grpc::Status& status);

  absl::StatusOr<v1::ExportPlacementsResponse> ExportPlacements(
      const runtime::Caller& caller,
      const v1::ExportPlacementsRequest& request) const;

 private:
  absl::Time Now() const;
  // The organization a caller manages integrations for (`requested`, or
  // its own); PERMISSION_DENIED for young people and non-admin persons.
  absl::StatusOr<std::string> OrganizationFor(const runtime::Caller& caller,
                                              absl::string_view requested,
                                              absl::string_view field) const;
  // An endpoint the caller may manage (NOT_FOUND otherwise, as unknown).
  absl::StatusOr<std::pair<internal::WebhookEndpointRecord, int64_t>>
  ManagedEndpoint(const runtime::Caller& caller, const std::string& id) const;

  void Dispatch();        // the dispatcher thread
  absl::Status FanOut();  // one batch of the change log
  void DeliverAll();      // one round over the endpoints
  void DeliverEndpoint(const std::string& endpoint_id);
  bool DeliverRound(const std::string& endpoint_id);  // true: more to do
  absl::Status RecordAttempt(const std::string& endpoint_id,
                             v1::WebhookDelivery delivery, int64_t version,
                             const PostResult& result);

  Options options_;
  std::unique_ptr<runtime::ThreadPool> pool_;
  std::thread dispatcher_;
  // Held by a fan-out batch from reading the endpoints and subscriptions to
  // its commit, and by the deletion of either: no batch writes deliveries or
  // feed entries for one deleted meanwhile, which nothing would remove.
  absl::Mutex fanout_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t fanned_out_ ABSL_GUARDED_BY(mu_) = 0;
  // The dispatcher thread's own: its position in the change log, and the
  // version of the record keeping it (-1: not read yet).
  uint64_t cursor_ = 0;
  int64_t cursor_version_ = -1;
  absl::flat_hash_set<std::string> in_flight_ ABSL_GUARDED_BY(mu_);
};

class IntegrationServiceImpl final
    : public v1::IntegrationService::CallbackService {
 public:
  IntegrationServiceImpl(Integration* integration,
                         const runtime::Authenticator* authenticator,
                         runtime::ThreadPool* pool)
      : integration_(integration), authenticator_(authenticator), pool_(pool) {}

  grpc::ServerUnaryReactor* CreateWebhookEndpoint(
      grpc::CallbackServerContext* context,
      const v1::CreateWebhookEndpointRequest* request,
      v1::WebhookEndpoint* response) override;
  grpc::ServerUnaryReactor* ListWebhookEndpoints(
      grpc::CallbackServerContext* context,
      const v1::ListWebhookEndpointsRequest* request,
      v1::ListWebhookEndpointsResponse* response) override;
  grpc::ServerUnaryReactor* DeleteEventSubscription(
      grpc::CallbackServerContext* context,
      const v1::DeleteEventSubscriptionRequest* request,
      v1::DeleteEventSubscriptionResponse* response) override;
  grpc::ServerUnaryReactor* DeleteWebhookEndpoint(
      grpc::CallbackServerContext* context,
      const v1::DeleteWebhookEndpointRequest* request,
      v1::DeleteWebhookEndpointResponse* response) override;
  grpc::ServerUnaryReactor* RotateWebhookSecret(
      grpc::CallbackServerContext* context,
      const v1::RotateWebhookSecretRequest* request,
      v1::WebhookEndpoint* response) override;
  grpc::ServerUnaryReactor* EnableWebhookEndpoint(
      grpc::CallbackServerContext* context,
      const v1::EnableWebhookEndpointRequest* request,
      v1::WebhookEndpoint* response) override;
  grpc::ServerUnaryReactor* ListWebhookDeliveries(
      grpc::CallbackServerContext* context,
      const v1::ListWebhookDeliveriesRequest* request,
      v1::ListWebhookDeliveriesResponse* response) override;
  grpc::ServerUnaryReactor* CreateEventSubscription(
      grpc::CallbackServerContext* context,
      const v1::CreateEventSubscriptionRequest* request,
      v1::EventSubscription* response) override;
  grpc::ServerUnaryReactor* ListEventSubscriptions(
      grpc::CallbackServerContext* context,
      const v1::ListEventSubscriptionsRequest* request,
      v1::ListEventSubscriptionsResponse* response) override;
  grpc::ServerUnaryReactor* ListEvents(
      grpc::CallbackServerContext* context,
      const v1::ListEventsRequest* request,
      v1::ListEventsResponse* response) override;
  grpc::ServerUnaryReactor* AckEvents(grpc::CallbackServerContext* context,
                                      const v1::AckEventsRequest* request,
                                      v1::AckEventsResponse* response) override;
  grpc::ServerUnaryReactor* ExportPlacements(
      grpc::CallbackServerContext* context,
      const v1::ExportPlacementsRequest* request,
      v1::ExportPlacementsResponse* response) override;

 private:
  Integration* integration_;
  const runtime::Authenticator* authenticator_;
  runtime::ThreadPool* pool_;
};

}  // namespace passerelle::integration
