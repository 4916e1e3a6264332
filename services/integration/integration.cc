#include "services/integration/integration.h"

#include <algorithm>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "google/protobuf/util/json_util.h"
#include "passerelle/v1/changefeed.pb.h"
#include "services/common/dates.h"
#include "services/common/validation.h"
#include "services/integration/outbox.h"
#include "services/runtime/reactor.h"
#include "services/runtime/repository.h"
#include "storage/status_macros.h"

namespace passerelle::integration {
namespace {

using runtime::Caller;
using storage::Mutation;

constexpr char kEndpoints[] = "webhook_endpoints";
constexpr char kDeliveries[] = "webhook_deliveries";
constexpr char kSubscriptions[] = "event_subscriptions";
constexpr char kFeed[] = "event_feed";
constexpr char kState[] = "integration_state";
constexpr char kFanoutId[] = "fanout";

constexpr char kEndpointsByOrg[] = "webhook_endpoints_by_org";
constexpr char kDeliveriesByEndpoint[] = "webhook_deliveries_by_endpoint";
constexpr char kPendingByEndpoint[] = "webhook_deliveries_pending";
constexpr char kSubscriptionsByOrg[] = "event_subscriptions_by_org";
constexpr char kFeedBySubscription[] = "event_feed_by_subscription";

constexpr int kMaxEndpointsPerOrg = 20;
constexpr int kMaxSubscriptionsPerOrg = 20;
constexpr int kFanoutBatch = 256;
constexpr int kDeliveriesPerRound = 50;
constexpr size_t kMaxScanned = 1000;
constexpr int kMaxDescription = 200;
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

// The event types (integration.proto) a filter may name.
constexpr absl::string_view kEventTypes[] = {
    "proposal.received",   "proposal.accepted",
    "proposal.declined",   "proposal.expired",
    "proposal.superseded", "proposal.withdrawn",
    "offer.filled",        "graduate.placed",
    "import.finished",     "webhook.endpoint_disabled",
};

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// Ids of an organization's entries: "<owner>.<20-digit sequence>", so that
// an index listing (in id order) is in commit order.
std::string EntryId(absl::string_view owner, uint64_t sequence) {
  return absl::StrFormat("%s.%020u", owner, sequence);
}

template <typename T>
absl::StatusOr<T> Parse(const storage::Record& record, absl::string_view what) {
  T out;
  if (!out.ParseFromString(record.data)) {
    return absl::DataLossError(absl::StrCat("unreadable ", what, " record"));
  }
  return out;
}

Mutation Put(absl::string_view table, const std::string& id,
             const google::protobuf::Message& m, int64_t version,
             Mutation::Expect expect, int64_t expected,
             std::vector<storage::IndexKey> keys = {}) {
  Mutation out;
  out.table = std::string(table);
  out.id = id;
  out.data = m.SerializeAsString();
  out.version = version;
  out.expect = expect;
  out.expected_version = expected;
  out.index_keys = std::move(keys);
  return out;
}

Mutation Delete(absl::string_view table, const std::string& id) {
  Mutation out;
  out.kind = Mutation::Kind::kDelete;
  out.table = std::string(table);
  out.id = id;
  return out;
}

std::vector<storage::IndexKey> DeliveryKeys(const v1::WebhookDelivery& d) {
  std::vector<storage::IndexKey> keys = {
      {kDeliveriesByEndpoint, d.endpoint_id(), false}};
  if (d.state() == v1::WEBHOOK_DELIVERY_STATE_PENDING) {
    keys.push_back({kPendingByEndpoint, d.endpoint_id(), false});
  }
  return keys;
}

Mutation EndpointPut(const internal::WebhookEndpointRecord& r,
                     int64_t expected) {
  return Put(
      kEndpoints, r.endpoint().id(), r, r.endpoint().version(),
      expected == 0 ? Mutation::Expect::kAbsent : Mutation::Expect::kVersion,
      expected, {{kEndpointsByOrg, r.endpoint().organization_id(), false}});
}

absl::Status CheckEventTypes(
    const google::protobuf::RepeatedPtrField<std::string>& types,
    absl::string_view field) {
  for (int i = 0; i < types.size(); ++i) {
    if (std::find(std::begin(kEventTypes), std::end(kEventTypes), types[i]) ==
        std::end(kEventTypes)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "]: unknown event type '", types[i],
                       "' (see IntegrationService's Event: proposal.received, "
                       "proposal.accepted, …)"));
    }
  }
  return absl::OkStatus();
}

bool Wants(const google::protobuf::RepeatedPtrField<std::string>& types,
           const std::string& type) {
  return types.empty() ||
         std::find(types.begin(), types.end(), type) != types.end();
}

// Every record of an index listing (all pages).
absl::StatusOr<std::vector<storage::Record>> ListAll(
    const storage::Reader& store, absl::string_view table,
    absl::string_view index, absl::string_view value) {
  std::vector<storage::Record> out;
  std::string token;
  do {
    ASSIGN_OR_RETURN(storage::Page page,
                     store.ListByIndex(table, index, value, 500, token));
    for (storage::Record& r : page.records) out.push_back(std::move(r));
    token = std::move(page.next_page_token);
  } while (!token.empty());
  return out;
}

std::string EventJson(const v1::Event& event) {
  std::string json;
  CHECK(google::protobuf::util::MessageToJsonString(event, &json).ok());
  return json;
}

}  // namespace

std::vector<std::string> Integration::Tables() {
  return {kEventsTable, kEndpoints, kDeliveries, kSubscriptions, kFeed, kState};
}

Integration::Integration(Options options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return absl::Now(); };
}

Integration::~Integration() { Stop(); }

absl::Time Integration::Now() const { return options_.clock(); }

void Integration::Start() {
  absl::MutexLock lock(&mu_);
  if (started_) return;
  started_ = true;
  pool_ = std::make_unique<runtime::ThreadPool>(
      std::max(1, options_.delivery_threads));
  dispatcher_ = std::thread([this] { Dispatch(); });
}

void Integration::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  dispatcher_.join();
  pool_.reset();  // waits for the deliveries in flight
}

// --- The dispatcher ---------------------------------------------------------

void Integration::Dispatch() {
  absl::Time next_round = absl::InfinitePast();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    uint64_t cursor;
    {
      absl::MutexLock lock(&mu_);
      cursor = fanned_out_;
    }
    const bool behind = options_.store->LastSequence() > cursor;
    absl::Status fanned = FanOut();
    if (!fanned.ok()) {
      LOG(ERROR) << "integration: fanning out events: " << fanned;
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1));
      continue;
    }
    uint64_t after;
    {
      absl::MutexLock lock(&mu_);
      after = fanned_out_;
    }
    if (behind || absl::Now() >= next_round) {
      DeliverAll();
      next_round = absl::Now() + options_.poll;
    }
    if (options_.store->LastSequence() <= after) {
      options_.store->WaitForChanges(
          after, std::min(next_round, absl::Now() + absl::Milliseconds(200)));
    }
  }
}

absl::Status Integration::FanOut() {
  absl::MutexLock fanout(&fanout_mu_);
  storage::Store& store = *options_.store;
  if (cursor_version_ < 0) {  // the position kept in the store, at start
    absl::StatusOr<storage::Record> stored = store.Get(kState, kFanoutId);
    if (stored.ok()) {
      ASSIGN_OR_RETURN(internal::EventFanoutCursor kept,
                       Parse<internal::EventFanoutCursor>(*stored, "cursor"));
      cursor_ = kept.sequence();
      cursor_version_ = stored->version;
    } else if (absl::IsNotFound(stored.status())) {
      cursor_version_ = 0;
    } else {
      return stored.status();
    }
  }
  ASSIGN_OR_RETURN(std::vector<storage::Change> changes,
                   store.ReadChanges(cursor_, kFanoutBatch));
  if (changes.empty()) {
    absl::MutexLock lock(&mu_);
    fanned_out_ = std::max(fanned_out_, cursor_);
    return absl::OkStatus();
  }
  const absl::Time now = Now();
  std::vector<Mutation> mutations;
  absl::flat_hash_map<std::string, std::vector<internal::WebhookEndpointRecord>>
      endpoints;
  absl::flat_hash_map<std::string, std::vector<v1::EventSubscription>> subs;
  for (const storage::Change& change : changes) {
    v1::ChangeEvent entry;
    if (!entry.ParseFromString(change.data) ||
        entry.kind() != v1::ENTITY_KIND_EVENT) {
      continue;
    }
    absl::StatusOr<storage::Record> record =
        store.Get(kEventsTable, entry.id());
    if (absl::IsNotFound(record.status())) continue;
    RETURN_IF_ERROR(record.status());
    ASSIGN_OR_RETURN(v1::Event event, Parse<v1::Event>(*record, "event"));
    event.set_sequence(change.sequence);
    const std::string& org = event.organization_id();
    if (!endpoints.contains(org)) {
      ASSIGN_OR_RETURN(auto records,
                       ListAll(store, kEndpoints, kEndpointsByOrg, org));
      auto& list = endpoints[org];
      for (const storage::Record& r : records) {
        ASSIGN_OR_RETURN(auto e,
                         Parse<internal::WebhookEndpointRecord>(r, "endpoint"));
        list.push_back(std::move(e));
      }
      ASSIGN_OR_RETURN(auto sub_records, ListAll(store, kSubscriptions,
                                                 kSubscriptionsByOrg, org));
      auto& sub_list = subs[org];
      for (const storage::Record& r : sub_records) {
        ASSIGN_OR_RETURN(auto s,
                         Parse<v1::EventSubscription>(r, "subscription"));
        sub_list.push_back(std::move(s));
      }
    }
    for (const internal::WebhookEndpointRecord& e : endpoints[org]) {
      if (!Wants(e.endpoint().event_types(), event.type())) continue;
      v1::WebhookDelivery d;
      d.set_id(EntryId(e.endpoint().id(), change.sequence));
      d.set_endpoint_id(e.endpoint().id());
      d.set_event_id(event.id());
      d.set_event_type(event.type());
      d.set_resource_id(event.resource_id());
      d.set_sequence(change.sequence);
      d.set_state(v1::WEBHOOK_DELIVERY_STATE_PENDING);
      runtime::SetTimestamp(now, d.mutable_create_time());
      runtime::SetTimestamp(now, d.mutable_next_attempt_time());
      // Same id on a replay after a crash: written again, not twice.
      mutations.push_back(Put(kDeliveries, d.id(), d, 1, Mutation::Expect::kAny,
                              0, DeliveryKeys(d)));
    }
    for (const v1::EventSubscription& s : subs[org]) {
      if (!Wants(s.event_types(), event.type())) continue;
      mutations.push_back(Put(kFeed, EntryId(s.id(), change.sequence), event, 1,
                              Mutation::Expect::kAny, 0,
                              {{kFeedBySubscription, s.id(), false}}));
    }
  }
  const uint64_t last = changes.back().sequence;
  if (!mutations.empty()) {
    // The entries and the position in one commit. A batch without events
    // moves the position in memory only: after a restart it is read again,
    // and gives nothing again.
    internal::EventFanoutCursor cursor;
    cursor.set_sequence(last);
    mutations.push_back(Put(kState, kFanoutId, cursor, cursor_version_ + 1,
                            cursor_version_ == 0 ? Mutation::Expect::kAbsent
                                                 : Mutation::Expect::kVersion,
                            cursor_version_));
    RETURN_IF_ERROR(store.Commit(std::move(mutations), {}).status());
    ++cursor_version_;
  }
  cursor_ = last;
  absl::MutexLock lock(&mu_);
  fanned_out_ = std::max(fanned_out_, cursor_);
  return absl::OkStatus();
}

void Integration::DeliverAll() {
  absl::StatusOr<storage::Page> page;
  std::vector<std::string> ids;
  std::string token;
  do {
    page = options_.store->List(kEndpoints, 500, token);
    if (!page.ok()) {
      LOG(ERROR) << "integration: listing endpoints: " << page.status();
      return;
    }
    for (const storage::Record& r : page->records) ids.push_back(r.id);
    token = page->next_page_token;
  } while (!token.empty());
  // One worker per endpoint at a time (its order), the others in parallel;
  // a slow endpoint holds only its own worker.
  for (const std::string& id : ids) {
    {
      absl::MutexLock lock(&mu_);
      if (!in_flight_.insert(id).second) continue;
    }
    pool_->Schedule([this, id] {
      DeliverEndpoint(id);
      absl::MutexLock lock(&mu_);
      in_flight_.erase(id);
    });
  }
}

void Integration::DeliverEndpoint(const std::string& endpoint_id) {
  // Rounds while a full one sent something: a backlog drains at once.
  while (DeliverRound(endpoint_id)) {
  }
}

bool Integration::DeliverRound(const std::string& endpoint_id) {
  storage::Store& store = *options_.store;
  // The oldest pending deliveries, read on past those held back (waiting
  // for a retry, or behind one of their resource) so that one busy
  // resource does not stop the others: up to kMaxScanned of them.
  std::vector<storage::Record> records;
  std::string token;
  do {
    absl::StatusOr<storage::Page> page =
        store.ListByIndex(kDeliveries, kPendingByEndpoint, endpoint_id,
                          kDeliveriesPerRound, token);
    if (!page.ok()) return false;
    for (storage::Record& r : page->records) records.push_back(std::move(r));
    token = page->next_page_token;
  } while (!token.empty() && records.size() < kMaxScanned);
  if (records.empty()) return false;
  int delivered = 0;
  int attempted = 0;
  // The resources with an earlier delivery still pending: theirs wait.
  absl::flat_hash_set<std::string> held;
  for (const storage::Record& r : records) {
    if (attempted == kDeliveriesPerRound) break;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return false;
    }
    absl::StatusOr<v1::WebhookDelivery> d =
        Parse<v1::WebhookDelivery>(r, "delivery");
    if (!d.ok()) continue;
    if (held.contains(d->resource_id())) continue;
    // Read the endpoint afresh: disabled, deleted or rotated meanwhile.
    absl::StatusOr<storage::Record> e = store.Get(kEndpoints, endpoint_id);
    if (!e.ok()) return false;
    absl::StatusOr<internal::WebhookEndpointRecord> endpoint =
        Parse<internal::WebhookEndpointRecord>(*e, "endpoint");
    if (!endpoint.ok() ||
        endpoint->endpoint().state() != v1::WEBHOOK_ENDPOINT_STATE_ENABLED) {
      return false;
    }
    const absl::Time now = Now();
    if (ToTime(d->next_attempt_time()) > now) {
      held.insert(d->resource_id());
      continue;
    }
    ++attempted;
    absl::StatusOr<storage::Record> event_record =
        store.Get(kEventsTable, d->event_id());
    PostResult result;
    if (!event_record.ok()) {
      result.error =
          absl::StrCat("event ", d->event_id(),
                       " unreadable: ", event_record.status().message());
    } else {
      absl::StatusOr<v1::Event> event =
          Parse<v1::Event>(*event_record, "event");
      if (!event.ok()) {
        result.error = std::string(event.status().message());
      } else {
        event->set_sequence(d->sequence());
        const std::string body = EventJson(*event);
        const int64_t timestamp = absl::ToUnixSeconds(absl::Now());
        std::string signatures;
        absl::StatusOr<std::string> sig = SignWebhook(
            endpoint->endpoint().secret(), event->id(), timestamp, body);
        if (sig.ok()) signatures = *sig;
        if (!endpoint->previous_secret().empty() &&
            endpoint->endpoint().has_previous_secret_expire_time() &&
            now < ToTime(endpoint->endpoint().previous_secret_expire_time())) {
          absl::StatusOr<std::string> old = SignWebhook(
              endpoint->previous_secret(), event->id(), timestamp, body);
          if (old.ok()) absl::StrAppend(&signatures, " ", *old);
        }
        absl::StatusOr<AddressPolicy::Target> target =
            options_.policy.Resolve(endpoint->endpoint().url());
        if (!target.ok()) {
          result.error = std::string(target.status().message());
        } else {
          result = PostJson(endpoint->endpoint().url(), *target,
                            {absl::StrCat("webhook-id: ", event->id()),
                             absl::StrCat("webhook-timestamp: ", timestamp),
                             absl::StrCat("webhook-signature: ", signatures)},
                            body, options_.post);
        }
      }
    }
    absl::Status recorded = RecordAttempt(endpoint_id, *d, r.version, result);
    if (!recorded.ok()) {
      LOG(WARNING) << "integration: recording delivery " << d->id() << ": "
                   << recorded;
      return false;
    }
    if (result.ok()) {
      ++delivered;
    } else {
      held.insert(d->resource_id());
    }
  }
  return delivered > 0 && attempted == kDeliveriesPerRound;
}

absl::Status Integration::RecordAttempt(const std::string& endpoint_id,
                                        v1::WebhookDelivery d, int64_t version,
                                        const PostResult& result) {
  const absl::Time now = Now();
  d.set_attempts(d.attempts() + 1);
  runtime::SetTimestamp(now, d.mutable_last_attempt_time());
  d.set_last_status_code(result.status_code);
  d.set_last_error(result.error.substr(0, 500));
  if (result.ok()) {
    d.set_state(v1::WEBHOOK_DELIVERY_STATE_DELIVERED);
    d.clear_next_attempt_time();
    runtime::SetTimestamp(now, d.mutable_deliver_time());
  } else if (now - ToTime(d.create_time()) >= options_.give_up_after) {
    d.set_state(v1::WEBHOOK_DELIVERY_STATE_FAILED);
    d.clear_next_attempt_time();
  } else {
    absl::Duration wait = options_.retry_base;
    for (int i = 1; i < d.attempts() && wait < options_.retry_max; ++i) {
      wait *= 2;
    }
    wait = std::min(wait, options_.retry_max);
    static thread_local std::mt19937_64 random{std::random_device{}()};
    wait *= std::uniform_real_distribution<double>(0.5, 1.0)(random);
    runtime::SetTimestamp(now + wait, d.mutable_next_attempt_time());
  }
  std::vector<Mutation> mutations = {Put(kDeliveries, d.id(), d, version + 1,
                                         Mutation::Expect::kVersion, version,
                                         DeliveryKeys(d))};
  std::vector<std::string> changes;
  // The endpoint's health: failing since the first failure after a
  // success; disabled (and its organization told) after a day of it.
  ASSIGN_OR_RETURN(storage::Record e,
                   options_.store->Get(kEndpoints, endpoint_id));
  ASSIGN_OR_RETURN(auto endpoint,
                   Parse<internal::WebhookEndpointRecord>(e, "endpoint"));
  v1::WebhookEndpoint* ep = endpoint.mutable_endpoint();
  bool changed = false;
  if (result.ok() && ep->has_failing_since()) {
    ep->clear_failing_since();
    changed = true;
  } else if (!result.ok()) {
    if (!ep->has_failing_since()) {
      runtime::SetTimestamp(now, ep->mutable_failing_since());
      changed = true;
    } else if (now - ToTime(ep->failing_since()) >= options_.disable_after &&
               ep->state() == v1::WEBHOOK_ENDPOINT_STATE_ENABLED) {
      ep->set_state(v1::WEBHOOK_ENDPOINT_STATE_DISABLED);
      ep->set_disabled_reason(absl::StrCat(
          "deliveries failing since ",
          absl::FormatTime("%Y-%m-%d %H:%M UTC", ToTime(ep->failing_since()),
                           absl::UTCTimeZone()),
          "; last error: ", result.error.substr(0, 200)));
      changed = true;
      v1::Event disabled = NewEvent("webhook.endpoint_disabled",
                                    ep->organization_id(), ep->id(), now);
      v1::WebhookEndpoint shown = *ep;
      shown.clear_secret();
      (*disabled.mutable_data()->mutable_fields())["endpoint"]
          .mutable_struct_value()
          ->CopyFrom(ToStruct(shown));
      AppendEvent(disabled, &mutations, &changes);
      LOG(WARNING) << "integration: webhook endpoint " << ep->id()
                   << " disabled: " << ep->disabled_reason();
    }
  }
  if (changed) {
    ep->set_version(e.version + 1);
    mutations.push_back(EndpointPut(endpoint, e.version));
  }
  return options_.store->Commit(std::move(mutations), std::move(changes))
      .status();
}

// --- Endpoints --------------------------------------------------------------

absl::StatusOr<std::string> Integration::OrganizationFor(
    const Caller& caller, absl::string_view requested,
    absl::string_view field) const {
  if (caller.is_admin()) {
    if (requested.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": required for the federation's admin"));
    }
    return std::string(requested);
  }
  if (caller.is_graduate_side_person() ||
      (caller.role != v1::ROLE_COMPANY && caller.role != v1::ROLE_SCHOOL &&
       caller.role != v1::ROLE_PARTNER)) {
    return runtime::Denied("integrations are set up by an organization");
  }
  if (!caller.user_id.empty() && !caller.organization_admin) {
    return runtime::Denied(
        "integrations are set up with the organization's token, or by a "
        "person administering it");
  }
  if (!requested.empty() && requested != caller.organization_id) {
    return runtime::Denied("an organization sets up its own integrations");
  }
  return caller.organization_id;
}

absl::StatusOr<std::pair<internal::WebhookEndpointRecord, int64_t>>
Integration::ManagedEndpoint(const Caller& caller,
                             const std::string& id) const {
  if (id.empty()) return absl::InvalidArgumentError("id: required");
  ASSIGN_OR_RETURN(std::string org,
                   OrganizationFor(caller, caller.is_admin() ? "-" : "", "id"));
  absl::StatusOr<storage::Record> stored = options_.store->Get(kEndpoints, id);
  if (stored.ok()) {
    ASSIGN_OR_RETURN(auto record, Parse<internal::WebhookEndpointRecord>(
                                      *stored, "endpoint"));
    if (caller.is_admin() || record.endpoint().organization_id() == org) {
      return std::make_pair(std::move(record), stored->version);
    }
  } else if (!absl::IsNotFound(stored.status())) {
    return stored.status();
  }
  return absl::NotFoundError(absl::StrCat("id: no webhook endpoint ", id));
}

absl::StatusOr<v1::WebhookEndpoint> Integration::CreateEndpoint(
    const Caller& caller, const v1::CreateWebhookEndpointRequest& request) {
  const v1::WebhookEndpoint& in = request.endpoint();
  ASSIGN_OR_RETURN(std::string org,
                   OrganizationFor(caller, in.organization_id(),
                                   "endpoint.organization_id"));
  RETURN_IF_ERROR(options_.policy.CheckUrl(in.url(), "endpoint.url"));
  RETURN_IF_ERROR(CheckEventTypes(in.event_types(), "endpoint.event_types"));
  std::string description = in.description();
  RETURN_IF_ERROR(common::NormalizeText("endpoint.description", &description, 0,
                                        kMaxDescription));
  ASSIGN_OR_RETURN(auto existing,
                   ListAll(*options_.store, kEndpoints, kEndpointsByOrg, org));
  if (existing.size() >= kMaxEndpointsPerOrg) {
    return absl::FailedPreconditionError(
        absl::StrCat("endpoint: at most ", kMaxEndpointsPerOrg,
                     " webhook endpoints per organization"));
  }
  internal::WebhookEndpointRecord record;
  v1::WebhookEndpoint* e = record.mutable_endpoint();
  e->set_id(runtime::NewId("whe"));
  e->set_organization_id(org);
  e->set_url(in.url());
  *e->mutable_event_types() = in.event_types();
  e->set_description(description);
  e->set_secret(NewWebhookSecret());
  e->set_state(v1::WEBHOOK_ENDPOINT_STATE_ENABLED);
  runtime::SetTimestamp(Now(), e->mutable_create_time());
  e->set_version(1);
  RETURN_IF_ERROR(
      options_.store->Commit({EndpointPut(record, 0)}, {}).status());
  return record.endpoint();  // the secret, this once
}

absl::StatusOr<v1::ListWebhookEndpointsResponse> Integration::ListEndpoints(
    const Caller& caller,
    const v1::ListWebhookEndpointsRequest& request) const {
  ASSIGN_OR_RETURN(
      std::string org,
      OrganizationFor(caller, request.organization_id(), "organization_id"));
  ASSIGN_OR_RETURN(auto records,
                   ListAll(*options_.store, kEndpoints, kEndpointsByOrg, org));
  v1::ListWebhookEndpointsResponse response;
  for (const storage::Record& r : records) {
    ASSIGN_OR_RETURN(auto e,
                     Parse<internal::WebhookEndpointRecord>(r, "endpoint"));
    e.mutable_endpoint()->clear_secret();
    *response.add_endpoints() = std::move(*e.mutable_endpoint());
  }
  return response;
}

absl::Status Integration::DeleteEndpoint(
    const Caller& caller, const v1::DeleteWebhookEndpointRequest& request) {
  ASSIGN_OR_RETURN(auto found, ManagedEndpoint(caller, request.id()));
  Mutation m = Delete(kEndpoints, request.id());
  m.expect = Mutation::Expect::kVersion;
  m.expected_version = found.second;
  {
    absl::MutexLock fanout(&fanout_mu_);
    RETURN_IF_ERROR(options_.store->Commit({std::move(m)}, {}).status());
  }
  // Its delivery log goes with it (in batches, after: the endpoint is
  // gone, nothing sends them any more).
  ASSIGN_OR_RETURN(auto deliveries,
                   ListAll(*options_.store, kDeliveries, kDeliveriesByEndpoint,
                           request.id()));
  for (size_t i = 0; i < deliveries.size(); i += 500) {
    std::vector<Mutation> batch;
    for (size_t j = i; j < std::min(deliveries.size(), i + 500); ++j) {
      batch.push_back(Delete(kDeliveries, deliveries[j].id));
    }
    RETURN_IF_ERROR(options_.store->Commit(std::move(batch), {}).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::WebhookEndpoint> Integration::RotateSecret(
    const Caller& caller, const v1::RotateWebhookSecretRequest& request) {
  if (request.previous_valid_hours() < 0 ||
      request.previous_valid_hours() > 168) {
    return absl::InvalidArgumentError(
        "previous_valid_hours: within [0, 168] (0: 24 hours)");
  }
  ASSIGN_OR_RETURN(auto found, ManagedEndpoint(caller, request.id()));
  internal::WebhookEndpointRecord record = std::move(found.first);
  const int hours =
      request.previous_valid_hours() > 0 ? request.previous_valid_hours() : 24;
  record.set_previous_secret(record.endpoint().secret());
  v1::WebhookEndpoint* e = record.mutable_endpoint();
  runtime::SetTimestamp(Now() + absl::Hours(hours),
                        e->mutable_previous_secret_expire_time());
  e->set_secret(NewWebhookSecret());
  e->set_version(found.second + 1);
  absl::Status committed =
      options_.store->Commit({EndpointPut(record, found.second)}, {}).status();
  if (absl::IsAborted(committed)) {
    return absl::AbortedError("id: the endpoint changed meanwhile; retry");
  }
  RETURN_IF_ERROR(committed);
  return record.endpoint();
}

absl::StatusOr<v1::WebhookEndpoint> Integration::EnableEndpoint(
    const Caller& caller, const v1::EnableWebhookEndpointRequest& request) {
  ASSIGN_OR_RETURN(auto found, ManagedEndpoint(caller, request.id()));
  internal::WebhookEndpointRecord record = std::move(found.first);
  v1::WebhookEndpoint* e = record.mutable_endpoint();
  e->set_state(v1::WEBHOOK_ENDPOINT_STATE_ENABLED);
  e->clear_disabled_reason();
  e->clear_failing_since();
  e->set_version(found.second + 1);
  absl::Status committed =
      options_.store->Commit({EndpointPut(record, found.second)}, {}).status();
  if (absl::IsAborted(committed)) {
    return absl::AbortedError("id: the endpoint changed meanwhile; retry");
  }
  RETURN_IF_ERROR(committed);
  e->clear_secret();
  return record.endpoint();
}

absl::StatusOr<v1::ListWebhookDeliveriesResponse> Integration::ListDeliveries(
    const Caller& caller,
    const v1::ListWebhookDeliveriesRequest& request) const {
  if (request.endpoint_id().empty()) {
    return absl::InvalidArgumentError("endpoint_id: required");
  }
  if (!v1::WebhookDeliveryState_IsValid(request.state())) {
    return absl::InvalidArgumentError("state: unknown value");
  }
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  ASSIGN_OR_RETURN(auto found, ManagedEndpoint(caller, request.endpoint_id()));
  const bool pending_only =
      request.state() == v1::WEBHOOK_DELIVERY_STATE_PENDING;
  v1::ListWebhookDeliveriesResponse response;
  std::string token = request.page_token();
  // A state filter may skip records: read on until a page is full.
  do {
    ASSIGN_OR_RETURN(
        storage::Page page,
        options_.store->ListByIndex(
            kDeliveries,
            pending_only ? kPendingByEndpoint : kDeliveriesByEndpoint,
            request.endpoint_id(), page_size - response.deliveries_size(),
            token));
    for (const storage::Record& r : page.records) {
      ASSIGN_OR_RETURN(auto d, Parse<v1::WebhookDelivery>(r, "delivery"));
      if (request.state() == v1::WEBHOOK_DELIVERY_STATE_UNSPECIFIED ||
          d.state() == request.state()) {
        *response.add_deliveries() = std::move(d);
      }
    }
    token = page.next_page_token;
  } while (!token.empty() && response.deliveries_size() < page_size);
  response.set_next_page_token(token);
  return response;
}

// --- The pull feed ----------------------------------------------------------

absl::StatusOr<v1::EventSubscription> Integration::CreateSubscription(
    const Caller& caller, const v1::CreateEventSubscriptionRequest& request) {
  const v1::EventSubscription& in = request.subscription();
  ASSIGN_OR_RETURN(std::string org,
                   OrganizationFor(caller, in.organization_id(),
                                   "subscription.organization_id"));
  RETURN_IF_ERROR(
      CheckEventTypes(in.event_types(), "subscription.event_types"));
  std::string description = in.description();
  RETURN_IF_ERROR(common::NormalizeText("subscription.description",
                                        &description, 0, kMaxDescription));
  ASSIGN_OR_RETURN(auto existing, ListAll(*options_.store, kSubscriptions,
                                          kSubscriptionsByOrg, org));
  if (existing.size() >= kMaxSubscriptionsPerOrg) {
    return absl::FailedPreconditionError(
        absl::StrCat("subscription: at most ", kMaxSubscriptionsPerOrg,
                     " event subscriptions per organization"));
  }
  v1::EventSubscription s;
  s.set_id(runtime::NewId("sub"));
  s.set_organization_id(org);
  *s.mutable_event_types() = in.event_types();
  s.set_description(description);
  runtime::SetTimestamp(Now(), s.mutable_create_time());
  RETURN_IF_ERROR(
      options_.store
          ->Commit({Put(kSubscriptions, s.id(), s, 1, Mutation::Expect::kAbsent,
                        0, {{kSubscriptionsByOrg, org, false}})},
                   {})
          .status());
  return s;
}

absl::StatusOr<v1::ListEventSubscriptionsResponse>
Integration::ListSubscriptions(
    const Caller& caller,
    const v1::ListEventSubscriptionsRequest& request) const {
  ASSIGN_OR_RETURN(
      std::string org,
      OrganizationFor(caller, request.organization_id(), "organization_id"));
  ASSIGN_OR_RETURN(auto records, ListAll(*options_.store, kSubscriptions,
                                         kSubscriptionsByOrg, org));
  v1::ListEventSubscriptionsResponse response;
  for (const storage::Record& r : records) {
    ASSIGN_OR_RETURN(*response.add_subscriptions(),
                     Parse<v1::EventSubscription>(r, "subscription"));
  }
  return response;
}

namespace {

absl::StatusOr<std::pair<v1::EventSubscription, int64_t>> ReadSubscription(
    const storage::Store& store, const Caller& caller, const std::string& org,
    const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("subscription: required");
  absl::StatusOr<storage::Record> stored = store.Get(kSubscriptions, id);
  if (stored.ok()) {
    ASSIGN_OR_RETURN(auto s,
                     Parse<v1::EventSubscription>(*stored, "subscription"));
    if (caller.is_admin() || s.organization_id() == org) {
      return std::make_pair(std::move(s), stored->version);
    }
  } else if (!absl::IsNotFound(stored.status())) {
    return stored.status();
  }
  return absl::NotFoundError(
      absl::StrCat("subscription: no event subscription ", id));
}

}  // namespace

absl::Status Integration::DeleteSubscription(
    const Caller& caller, const v1::DeleteEventSubscriptionRequest& request) {
  ASSIGN_OR_RETURN(std::string org,
                   OrganizationFor(caller, caller.is_admin() ? "-" : "", "id"));
  absl::StatusOr<std::pair<v1::EventSubscription, int64_t>> sub =
      ReadSubscription(*options_.store, caller, org, request.id());
  if (!sub.ok()) {
    // Named by its own field here.
    return absl::Status(
        sub.status().code(),
        absl::StrCat(
            "id", absl::StripPrefix(sub.status().message(), "subscription")));
  }
  Mutation m = Delete(kSubscriptions, sub->first.id());
  m.expect = Mutation::Expect::kVersion;
  m.expected_version = sub->second;
  {
    absl::MutexLock fanout(&fanout_mu_);
    absl::Status committed =
        options_.store->Commit({std::move(m)}, {}).status();
    if (absl::IsAborted(committed)) {
      return absl::AbortedError(
          "id: the subscription changed meanwhile (acknowledged?); retry");
    }
    RETURN_IF_ERROR(committed);
  }
  // Its events go after it, in batches: nothing adds to them any more.
  while (true) {
    ASSIGN_OR_RETURN(storage::Page page,
                     options_.store->ListByIndex(kFeed, kFeedBySubscription,
                                                 sub->first.id(), 500, ""));
    if (page.records.empty()) return absl::OkStatus();
    std::vector<Mutation> batch;
    for (const storage::Record& r : page.records) {
      batch.push_back(Delete(kFeed, r.id));
    }
    RETURN_IF_ERROR(options_.store->Commit(std::move(batch), {}).status());
  }
}

absl::StatusOr<v1::ListEventsResponse> Integration::ListEvents(
    const Caller& caller, const v1::ListEventsRequest& request) {
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  ASSIGN_OR_RETURN(
      std::string org,
      OrganizationFor(caller, caller.is_admin() ? "-" : "", "subscription"));
  ASSIGN_OR_RETURN(auto sub, ReadSubscription(*options_.store, caller, org,
                                              request.subscription()));
  ASSIGN_OR_RETURN(storage::Page page,
                   options_.store->ListByIndex(kFeed, kFeedBySubscription,
                                               sub.first.id(), page_size, ""));
  v1::ListEventsResponse response;
  for (const storage::Record& r : page.records) {
    ASSIGN_OR_RETURN(*response.add_events(), Parse<v1::Event>(r, "event"));
  }
  return response;
}

absl::StatusOr<v1::AckEventsResponse> Integration::AckEvents(
    const Caller& caller, const v1::AckEventsRequest& request) {
  ASSIGN_OR_RETURN(
      std::string org,
      OrganizationFor(caller, caller.is_admin() ? "-" : "", "subscription"));
  ASSIGN_OR_RETURN(auto sub, ReadSubscription(*options_.store, caller, org,
                                              request.subscription()));
  if (request.up_to() == 0) {
    return absl::InvalidArgumentError(
        "up_to: required: the sequence of the last event processed");
  }
  // Nothing past what was fanned out can have been processed: a larger
  // up_to acknowledges what exists, not events still to come.
  uint64_t up_to = request.up_to();
  {
    absl::MutexLock lock(&mu_);
    up_to = std::min(up_to, fanned_out_);
  }
  v1::AckEventsResponse response;
  // The entries up to `up_to`, oldest first, removed in batches; the
  // subscription's position moves with the last batch.
  while (true) {
    ASSIGN_OR_RETURN(storage::Page page,
                     options_.store->ListByIndex(kFeed, kFeedBySubscription,
                                                 sub.first.id(), 500, ""));
    std::vector<Mutation> batch;
    for (const storage::Record& r : page.records) {
      ASSIGN_OR_RETURN(auto event, Parse<v1::Event>(r, "event"));
      if (event.sequence() > up_to) break;
      batch.push_back(Delete(kFeed, r.id));
    }
    const bool last =
        batch.size() < page.records.size() || page.next_page_token.empty();
    const int removed = static_cast<int>(batch.size());
    if (last) {
      for (int attempt = 0;; ++attempt) {
        v1::EventSubscription updated = sub.first;
        updated.set_acked_sequence(std::max(updated.acked_sequence(), up_to));
        std::vector<Mutation> all = batch;
        all.push_back(
            Put(kSubscriptions, updated.id(), updated, sub.second + 1,
                Mutation::Expect::kVersion, sub.second,
                {{kSubscriptionsByOrg, updated.organization_id(), false}}));
        absl::Status committed =
            options_.store->Commit(std::move(all), {}).status();
        if (committed.ok()) {
          response.set_acked_sequence(updated.acked_sequence());
          break;
        }
        if (!absl::IsAborted(committed) || attempt == 3) return committed;
        ASSIGN_OR_RETURN(sub, ReadSubscription(*options_.store, caller, org,
                                               request.subscription()));
      }
      response.set_acknowledged(response.acknowledged() + removed);
      return response;
    }
    RETURN_IF_ERROR(options_.store->Commit(std::move(batch), {}).status());
    response.set_acknowledged(response.acknowledged() + removed);
  }
}

void Integration::ImportFinished(const Caller& caller, absl::string_view kind,
                                 const v1::ImportResponse& outcome,
                                 const grpc::Status& status) {
  if (caller.role != v1::ROLE_COMPANY && caller.role != v1::ROLE_SCHOOL &&
      caller.role != v1::ROLE_PARTNER) {
    return;  // the federation's own imports go to no organization
  }
  const absl::Time now = Now();
  v1::Event event = NewEvent("import.finished", caller.organization_id,
                             absl::StrCat(kind, ":", caller.token_id), now);
  auto& f = *event.mutable_data()->mutable_fields();
  f["kind"].set_string_value(std::string(kind));
  f["status"].set_string_value(absl::StatusCodeToString(
      static_cast<absl::StatusCode>(status.error_code())));
  if (!status.ok()) f["message"].set_string_value(status.error_message());
  f["received"].set_number_value(static_cast<double>(outcome.received()));
  f["created"].set_number_value(static_cast<double>(outcome.created()));
  f["updated"].set_number_value(static_cast<double>(outcome.updated()));
  f["unchanged"].set_number_value(static_cast<double>(outcome.unchanged()));
  f["rejected"].set_number_value(static_cast<double>(outcome.rejected()));
  f["settled"].set_number_value(static_cast<double>(outcome.settled()));
  std::vector<Mutation> mutations;
  std::vector<std::string> changes;
  AppendEvent(event, &mutations, &changes);
  absl::Status committed =
      options_.store->Commit(std::move(mutations), std::move(changes)).status();
  LOG_IF(WARNING, !committed.ok())
      << "integration: import.finished not recorded: " << committed;
}

// --- Exports ----------------------------------------------------------------

absl::StatusOr<v1::ExportPlacementsResponse> Integration::ExportPlacements(
    const Caller& caller, const v1::ExportPlacementsRequest& request) const {
  if (!options_.placements) {
    return absl::FailedPreconditionError(
        "placements are exported where the proposals are (the embedded "
        "server)");
  }
  return options_.placements(caller, request);
}

// --- gRPC -------------------------------------------------------------------

namespace {

template <typename T>
absl::Status Into(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

}  // namespace

#define PASSERELLE_INTEGRATION_RPC(Rpc, Request, Response, Call)        \
  grpc::ServerUnaryReactor* IntegrationServiceImpl::Rpc(                \
      grpc::CallbackServerContext* context, const v1::Request* request, \
      v1::Response* response) {                                         \
    return runtime::ServeUnaryOnPool(                                   \
        context, *authenticator_, *pool_,                               \
        [this, request, response](const Caller& caller) {               \
          return Into(integration_->Call(caller, *request), response);  \
        });                                                             \
  }

PASSERELLE_INTEGRATION_RPC(CreateWebhookEndpoint, CreateWebhookEndpointRequest,
                           WebhookEndpoint, CreateEndpoint)
PASSERELLE_INTEGRATION_RPC(ListWebhookEndpoints, ListWebhookEndpointsRequest,
                           ListWebhookEndpointsResponse, ListEndpoints)
PASSERELLE_INTEGRATION_RPC(RotateWebhookSecret, RotateWebhookSecretRequest,
                           WebhookEndpoint, RotateSecret)
PASSERELLE_INTEGRATION_RPC(EnableWebhookEndpoint, EnableWebhookEndpointRequest,
                           WebhookEndpoint, EnableEndpoint)
PASSERELLE_INTEGRATION_RPC(ListWebhookDeliveries, ListWebhookDeliveriesRequest,
                           ListWebhookDeliveriesResponse, ListDeliveries)
PASSERELLE_INTEGRATION_RPC(CreateEventSubscription,
                           CreateEventSubscriptionRequest, EventSubscription,
                           CreateSubscription)
PASSERELLE_INTEGRATION_RPC(ListEventSubscriptions,
                           ListEventSubscriptionsRequest,
                           ListEventSubscriptionsResponse, ListSubscriptions)
PASSERELLE_INTEGRATION_RPC(ListEvents, ListEventsRequest, ListEventsResponse,
                           ListEvents)
PASSERELLE_INTEGRATION_RPC(AckEvents, AckEventsRequest, AckEventsResponse,
                           AckEvents)
PASSERELLE_INTEGRATION_RPC(ExportPlacements, ExportPlacementsRequest,
                           ExportPlacementsResponse, ExportPlacements)

#undef PASSERELLE_INTEGRATION_RPC

grpc::ServerUnaryReactor* IntegrationServiceImpl::DeleteEventSubscription(
    grpc::CallbackServerContext* context,
    const v1::DeleteEventSubscriptionRequest* request,
    v1::DeleteEventSubscriptionResponse*) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_, [this, request](const Caller& caller) {
        return integration_->DeleteSubscription(caller, *request);
      });
}

grpc::ServerUnaryReactor* IntegrationServiceImpl::DeleteWebhookEndpoint(
    grpc::CallbackServerContext* context,
    const v1::DeleteWebhookEndpointRequest* request,
    v1::DeleteWebhookEndpointResponse*) {
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_, [this, request](const Caller& caller) {
        return integration_->DeleteEndpoint(caller, *request);
      });
}

}  // namespace passerelle::integration
