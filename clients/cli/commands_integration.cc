// Integrations: webhook endpoints and their delivery log, pull-feed
// subscriptions (list, acknowledge), and the placements export
// (IntegrationService).

#include <fstream>

#include "absl/strings/ascii.h"
#include "clients/cli/commands.h"
#include "passerelle/v1/integration.grpc.pb.h"
#include "storage/status_macros.h"

namespace passerelle::cli {
namespace {

namespace v1 = ::passerelle::v1;
using v1::IntegrationService;

// Calls one RPC and prints its answer.
template <typename Request, typename Response, typename Rpc>
absl::Status CallPrint(Invocation& inv, absl::string_view method, Rpc rpc,
                       const Request& request) {
  auto stub = IntegrationService::NewStub(inv.channel);
  Response response;
  RETURN_IF_ERROR(inv.Call(method, [&](grpc::ClientContext* c) {
    return ((*stub).*rpc)(c, request, &response);
  }));
  inv.printer.PrintMessage(response);
  return absl::OkStatus();
}

std::vector<Column> EndpointColumns() {
  return {{"ID", "id"},
          {"URL", "url"},
          {"EVENTS", "event_types"},
          {"STATE", "state"},
          {"FAILING_SINCE", "failing_since"},
          {"DISABLED_REASON", "disabled_reason"}};
}

std::vector<Column> DeliveryColumns() {
  return {{"SEQUENCE", "sequence"},     {"EVENT", "event_type"},
          {"RESOURCE", "resource_id"},  {"STATE", "state"},
          {"ATTEMPTS", "attempts"},     {"HTTP", "last_status_code"},
          {"LAST_ERROR", "last_error"}, {"NEXT", "next_attempt_time"}};
}

std::vector<Column> EventColumns() {
  return {{"SEQUENCE", "sequence"},
          {"TYPE", "type"},
          {"RESOURCE", "resource_id"},
          {"TIME", "time"},
          {"ID", "id"}};
}

const FlagDoc kEventTypesFlag = {
    "event_types", FlagKind::kString,
    "event types, comma-separated (proposal.received, proposal.accepted, "
    "proposal.declined, proposal.expired, proposal.superseded, "
    "proposal.withdrawn, offer.filled, graduate.placed, import.finished, "
    "webhook.endpoint_disabled); none: all"};
const FlagDoc kOrgFlag = {"organization_id", FlagKind::kString,
                          "the organization (the federation's admin only)"};

absl::Status WebhookCreate(Invocation& inv) {
  v1::CreateWebhookEndpointRequest request;
  v1::WebhookEndpoint* e = request.mutable_endpoint();
  ASSIGN_OR_RETURN(std::string url, inv.Required("url"));
  e->set_url(url);
  e->set_organization_id(inv.args.GetString("organization_id"));
  e->set_description(inv.args.GetString("description"));
  for (const std::string& t : ListFlagValues(inv.args, "event_types")) {
    e->add_event_types(t);
  }
  auto stub = IntegrationService::NewStub(inv.channel);
  v1::WebhookEndpoint created;
  RETURN_IF_ERROR(
      inv.Call("CreateWebhookEndpoint", [&](grpc::ClientContext* c) {
        return stub->CreateWebhookEndpoint(c, request, &created);
      }));
  inv.printer.PrintMessage(created);
  inv.err << "note: the secret is shown only this once; keep it to verify "
             "the webhook-signature header (docs/integration.md)\n";
  return absl::OkStatus();
}

absl::Status WebhookList(Invocation& inv) {
  v1::ListWebhookEndpointsRequest request;
  request.set_organization_id(inv.args.GetString("organization_id"));
  auto stub = IntegrationService::NewStub(inv.channel);
  v1::ListWebhookEndpointsResponse response;
  RETURN_IF_ERROR(inv.Call("ListWebhookEndpoints", [&](grpc::ClientContext* c) {
    return stub->ListWebhookEndpoints(c, request, &response);
  }));
  std::vector<const google::protobuf::Message*> all;
  for (const auto& e : response.endpoints()) {
    if (inv.printer.json()) {
      inv.printer.PrintJsonLine(e);
    } else {
      all.push_back(&e);
    }
  }
  if (!inv.printer.json()) inv.printer.PrintList(all, EndpointColumns());
  return absl::OkStatus();
}

absl::Status WebhookDelete(Invocation& inv) {
  v1::DeleteWebhookEndpointRequest request;
  ASSIGN_OR_RETURN(std::string id, IdArgument(inv));
  request.set_id(id);
  auto stub = IntegrationService::NewStub(inv.channel);
  v1::DeleteWebhookEndpointResponse response;
  RETURN_IF_ERROR(
      inv.Call("DeleteWebhookEndpoint", [&](grpc::ClientContext* c) {
        return stub->DeleteWebhookEndpoint(c, request, &response);
      }));
  inv.err << "deleted " << id << "\n";
  return absl::OkStatus();
}

absl::Status WebhookRotate(Invocation& inv) {
  v1::RotateWebhookSecretRequest request;
  ASSIGN_OR_RETURN(std::string id, IdArgument(inv));
  request.set_id(id);
  ASSIGN_OR_RETURN(auto hours, inv.args.GetInt("previous_valid_hours"));
  if (hours.has_value()) {
    request.set_previous_valid_hours(static_cast<int32_t>(*hours));
  }
  RETURN_IF_ERROR(
      (CallPrint<v1::RotateWebhookSecretRequest, v1::WebhookEndpoint>(
          inv, "RotateWebhookSecret",
          &IntegrationService::Stub::RotateWebhookSecret, request)));
  inv.err << "note: the new secret is shown only this once; the previous one "
             "also signs until previous_secret_expire_time\n";
  return absl::OkStatus();
}

absl::Status WebhookEnable(Invocation& inv) {
  v1::EnableWebhookEndpointRequest request;
  ASSIGN_OR_RETURN(std::string id, IdArgument(inv));
  request.set_id(id);
  return CallPrint<v1::EnableWebhookEndpointRequest, v1::WebhookEndpoint>(
      inv, "EnableWebhookEndpoint",
      &IntegrationService::Stub::EnableWebhookEndpoint, request);
}

absl::Status WebhookDeliveries(Invocation& inv) {
  v1::ListWebhookDeliveriesRequest request;
  ASSIGN_OR_RETURN(std::string id, IdArgument(inv));
  request.set_endpoint_id(id);
  const std::string state = inv.args.GetString("state");
  if (!state.empty()) {
    v1::WebhookDeliveryState value;
    if (!v1::WebhookDeliveryState_Parse(
            "WEBHOOK_DELIVERY_STATE_" + absl::AsciiStrToUpper(state), &value)) {
      return UsageError(absl::StrCat(
          "--state: pending, delivered or failed, got '", state, "'"));
    }
    request.set_state(value);
  }
  auto stub = IntegrationService::NewStub(inv.channel);
  return ListPages<v1::ListWebhookDeliveriesRequest,
                   v1::ListWebhookDeliveriesResponse>(
      inv, "ListWebhookDeliveries", request,
      [&](grpc::ClientContext* c, const v1::ListWebhookDeliveriesRequest& r,
          v1::ListWebhookDeliveriesResponse* out) {
        return stub->ListWebhookDeliveries(c, r, out);
      },
      [](const v1::ListWebhookDeliveriesResponse& r) -> const auto& {
        return r.deliveries();
      },
      DeliveryColumns());
}

absl::Status FeedSubscribe(Invocation& inv) {
  v1::CreateEventSubscriptionRequest request;
  v1::EventSubscription* s = request.mutable_subscription();
  s->set_organization_id(inv.args.GetString("organization_id"));
  s->set_description(inv.args.GetString("description"));
  for (const std::string& t : ListFlagValues(inv.args, "event_types")) {
    s->add_event_types(t);
  }
  return CallPrint<v1::CreateEventSubscriptionRequest, v1::EventSubscription>(
      inv, "CreateEventSubscription",
      &IntegrationService::Stub::CreateEventSubscription, request);
}

absl::Status FeedSubscriptions(Invocation& inv) {
  v1::ListEventSubscriptionsRequest request;
  request.set_organization_id(inv.args.GetString("organization_id"));
  auto stub = IntegrationService::NewStub(inv.channel);
  v1::ListEventSubscriptionsResponse response;
  RETURN_IF_ERROR(
      inv.Call("ListEventSubscriptions", [&](grpc::ClientContext* c) {
        return stub->ListEventSubscriptions(c, request, &response);
      }));
  std::vector<const google::protobuf::Message*> all;
  for (const auto& s : response.subscriptions()) {
    if (inv.printer.json()) {
      inv.printer.PrintJsonLine(s);
    } else {
      all.push_back(&s);
    }
  }
  if (!inv.printer.json()) {
    inv.printer.PrintList(all, {{"ID", "id"},
                                {"EVENT_TYPES", "event_types"},
                                {"ACKED_SEQUENCE", "acked_sequence"},
                                {"DESCRIPTION", "description"},
                                {"CREATED", "create_time"}});
  }
  return absl::OkStatus();
}

absl::Status FeedUnsubscribe(Invocation& inv) {
  v1::DeleteEventSubscriptionRequest request;
  ASSIGN_OR_RETURN(std::string id, IdArgument(inv));
  request.set_id(id);
  auto stub = IntegrationService::NewStub(inv.channel);
  v1::DeleteEventSubscriptionResponse response;
  RETURN_IF_ERROR(
      inv.Call("DeleteEventSubscription", [&](grpc::ClientContext* c) {
        return stub->DeleteEventSubscription(c, request, &response);
      }));
  inv.err << "deleted " << id << "\n";
  return absl::OkStatus();
}

absl::Status FeedList(Invocation& inv) {
  v1::ListEventsRequest request;
  ASSIGN_OR_RETURN(std::string id, IdArgument(inv));
  request.set_subscription(id);
  ASSIGN_OR_RETURN(auto size, inv.args.GetInt("page_size"));
  if (size.has_value()) request.set_page_size(static_cast<int32_t>(*size));
  auto stub = IntegrationService::NewStub(inv.channel);
  v1::ListEventsResponse response;
  RETURN_IF_ERROR(inv.Call("ListEvents", [&](grpc::ClientContext* c) {
    return stub->ListEvents(c, request, &response);
  }));
  std::vector<const google::protobuf::Message*> all;
  for (const auto& e : response.events()) {
    if (inv.printer.json()) {
      inv.printer.PrintJsonLine(e);
    } else {
      all.push_back(&e);
    }
  }
  if (!inv.printer.json()) inv.printer.PrintList(all, EventColumns());
  if (!response.events().empty()) {
    inv.err << "note: acknowledge what you processed: passerelle-cli events "
               "ack "
            << id << " --up_to=" << response.events().rbegin()->sequence()
            << "\n";
  }
  return absl::OkStatus();
}

absl::Status FeedAck(Invocation& inv) {
  v1::AckEventsRequest request;
  ASSIGN_OR_RETURN(std::string id, IdArgument(inv));
  request.set_subscription(id);
  ASSIGN_OR_RETURN(auto up_to, inv.args.GetInt("up_to"));
  if (!up_to.has_value() || *up_to <= 0) {
    return UsageError(
        "--up_to: required: the sequence of the last event "
        "processed");
  }
  request.set_up_to(static_cast<uint64_t>(*up_to));
  return CallPrint<v1::AckEventsRequest, v1::AckEventsResponse>(
      inv, "AckEvents", &IntegrationService::Stub::AckEvents, request);
}

absl::Status ExportPlacements(Invocation& inv) {
  v1::ExportPlacementsRequest request;
  request.set_organization_id(inv.args.GetString("organization_id"));
  request.set_from(inv.args.GetString("from"));
  request.set_to(inv.args.GetString("to"));
  request.set_format(inv.args.GetString("format"));
  auto stub = IntegrationService::NewStub(inv.channel);
  v1::ExportPlacementsResponse response;
  RETURN_IF_ERROR(inv.Call("ExportPlacements", [&](grpc::ClientContext* c) {
    return stub->ExportPlacements(c, request, &response);
  }));
  const std::string path = inv.args.GetString("out");
  if (path.empty() || path == "-") {
    inv.out << response.content();
  } else {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << response.content();
    if (!file) return UsageError(absl::StrCat("--out: cannot write ", path));
  }
  inv.err << response.rows() << " rows (" << response.content_type() << ")\n";
  return absl::OkStatus();
}

Command WithId(Command c, const std::string& synopsis) {
  c.positional_synopsis = synopsis;
  c.max_positional = 1;
  return c;
}

}  // namespace

void AddIntegrationCommands(std::vector<Command>* commands) {
  const FlagDoc id = {"id", FlagKind::kString, "the endpoint's id"};
  commands->push_back(MakeCommand(
      {"webhook", "create"},
      "Registers a webhook endpoint for your organization's events (signed, "
      "Standard Webhooks); prints its secret once.",
      "passerelle-cli webhook create --url=https://imilo.example.fr/hooks "
      "--event_types=proposal.received,graduate.placed",
      {{"url", FlagKind::kString, "https://… (required)"},
       kEventTypesFlag,
       {"description", FlagKind::kString, "a note for your team"},
       kOrgFlag},
      WebhookCreate));
  commands->push_back(MakeCommand(
      {"webhook", "list"}, "Lists your webhook endpoints (no secrets).",
      "passerelle-cli webhook list", {kOrgFlag}, WebhookList));
  commands->push_back(
      WithId(MakeCommand({"webhook", "delete"},
                         "Deletes a webhook endpoint and its delivery log.",
                         "passerelle-cli webhook delete ENDPOINT_ID", {id},
                         WebhookDelete),
             "[ID]"));
  commands->push_back(WithId(
      MakeCommand({"webhook", "rotate"},
                  "Gives an endpoint a new secret; the previous one also "
                  "signs for --previous_valid_hours (default 24).",
                  "passerelle-cli webhook rotate ENDPOINT_ID",
                  {id,
                   {"previous_valid_hours", FlagKind::kString,
                    "how long the previous secret still signs (1-168)"}},
                  WebhookRotate),
      "[ID]"));
  commands->push_back(WithId(
      MakeCommand({"webhook", "enable"}, "Enables a disabled endpoint again.",
                  "passerelle-cli webhook enable ENDPOINT_ID", {id},
                  WebhookEnable),
      "[ID]"));
  commands->push_back(WithId(
      MakeCommand(
          {"webhook", "deliveries"},
          "An endpoint's delivery log: each event, its state, "
          "attempts and last error.",
          "passerelle-cli webhook deliveries ENDPOINT_ID --state=failed",
          Concat({id,
                  {"state", FlagKind::kString, "pending, delivered or failed"}},
                 PagingFlags()),
          WebhookDeliveries),
      "[ID]"));
  commands->push_back(MakeCommand(
      {"events", "subscribe"},
      "Creates a pull feed of your organization's events (events list, "
      "events ack).",
      "passerelle-cli events subscribe --event_types=proposal.accepted",
      {kEventTypesFlag,
       {"description", FlagKind::kString, "a note for your team"},
       kOrgFlag},
      FeedSubscribe));
  commands->push_back(MakeCommand(
      {"events", "subscriptions"}, "Lists your event subscriptions.",
      "passerelle-cli events subscriptions", {kOrgFlag}, FeedSubscriptions));
  commands->push_back(WithId(
      MakeCommand({"events", "unsubscribe"},
                  "Deletes an event subscription and the events it still "
                  "holds.",
                  "passerelle-cli events unsubscribe SUBSCRIPTION_ID",
                  {{"id", FlagKind::kString, "the subscription's id"}},
                  FeedUnsubscribe),
      "[SUBSCRIPTION_ID]"));
  commands->push_back(WithId(
      MakeCommand(
          {"events", "list"},
          "The oldest events of a subscription not acknowledged yet "
          "(the same again until acknowledged).",
          "passerelle-cli events list SUBSCRIPTION_ID --page_size=100",
          {{"id", FlagKind::kString, "the subscription's id"},
           {"page_size", FlagKind::kString, "at most this many (1-1000)"}},
          FeedList),
      "[SUBSCRIPTION_ID]"));
  commands->push_back(WithId(
      MakeCommand({"events", "ack"},
                  "Acknowledges a subscription's events up to a sequence.",
                  "passerelle-cli events ack SUBSCRIPTION_ID --up_to=1234",
                  {{"id", FlagKind::kString, "the subscription's id"},
                   {"up_to", FlagKind::kString,
                    "the sequence of the last event processed"}},
                  FeedAck),
      "[SUBSCRIPTION_ID]"));
  commands->push_back(MakeCommand(
      {"export", "placements"},
      "Exports your young people's proposals and placements (CSV or JSON), "
      "with France Travail's contract codes.",
      "passerelle-cli export placements --from=2026-09-01 --to=2026-12-31 "
      "--out=placements.csv",
      {{"from", FlagKind::kString, "sent or answered from this day"},
       {"to", FlagKind::kString, "… to this day (YYYY-MM-DD)"},
       {"format", FlagKind::kString, "csv (default) or json"},
       {"out", FlagKind::kString, "the file to write (default: stdout)"},
       kOrgFlag},
      ExportPlacements));
}

}  // namespace passerelle::cli
