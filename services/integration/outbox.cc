#include "services/integration/outbox.h"

#include "glog/logging.h"
#include "google/protobuf/util/json_util.h"
#include "passerelle/v1/changefeed.pb.h"
#include "services/runtime/auth.h"
#include "services/runtime/repository.h"

namespace passerelle::integration {

v1::Event NewEvent(absl::string_view type, absl::string_view organization_id,
                   absl::string_view resource_id, absl::Time time) {
  v1::Event event;
  event.set_id(runtime::NewId("evt"));
  event.set_type(std::string(type));
  event.set_organization_id(std::string(organization_id));
  event.set_resource_id(std::string(resource_id));
  runtime::SetTimestamp(time, event.mutable_time());
  return event;
}

void AppendEvent(const v1::Event& event,
                 std::vector<storage::Mutation>* mutations,
                 std::vector<std::string>* changes) {
  storage::Mutation m;
  m.table = kEventsTable;
  m.id = event.id();
  m.data = event.SerializeAsString();
  m.version = 1;
  m.expect = storage::Mutation::Expect::kAbsent;
  mutations->push_back(std::move(m));
  v1::ChangeEvent change;
  change.set_kind(v1::ENTITY_KIND_EVENT);
  change.set_op(v1::CHANGE_OP_CREATED);
  change.set_id(event.id());
  change.set_version(1);
  *change.mutable_time() = event.time();
  changes->push_back(runtime::ChangeEntry(change));
}

google::protobuf::Struct ToStruct(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = false;
  CHECK(
      google::protobuf::util::MessageToJsonString(message, &json, print).ok());
  google::protobuf::Struct out;
  CHECK(google::protobuf::util::JsonStringToMessage(json, &out).ok());
  return out;
}

}  // namespace passerelle::integration
