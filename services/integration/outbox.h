#pragma once

// The integration events' outbox: a service that changes something a
// partner may act on (a proposal answered, an offer filled, an import
// finished) appends the event to the same commit as the change, so that
// the event exists exactly when the change does, across crashes. The
// dispatcher (Integration, integration.h) turns them into webhook
// deliveries and feed entries afterwards, in commit order.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "passerelle/v1/integration.pb.h"
#include "storage/store.h"

namespace passerelle::integration {

// The event records' table (the store must be opened with it).
inline constexpr char kEventsTable[] = "integration_events";

// A new event for `organization_id` (id and time set).
v1::Event NewEvent(absl::string_view type, absl::string_view organization_id,
                   absl::string_view resource_id, absl::Time time);

// Appends the event's record and its change-log entry (ENTITY_KIND_EVENT)
// to a commit being prepared.
void AppendEvent(const v1::Event& event,
                 std::vector<storage::Mutation>* mutations,
                 std::vector<std::string>* changes);

// A message as an event's data: proto3 JSON (the names partners see over
// HTTP), as a Struct.
google::protobuf::Struct ToStruct(const google::protobuf::Message& message);

}  // namespace passerelle::integration
