#include "services/runtime/repository.h"

namespace passerelle::runtime {

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t nanos = absl::ToUnixNanos(time);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

std::string ChangeEntry(const v1::ChangeEvent& event) {
  return event.SerializeAsString();
}

}  // namespace passerelle::runtime
