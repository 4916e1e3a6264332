#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace passerelle::runtime {

// The one place where an absl::Status becomes a grpc::Status: the canonical
// codes are the same numbers. UNKNOWN never leaves a service: an absl status
// with that code (a bug) is reported as INTERNAL.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace passerelle::runtime
