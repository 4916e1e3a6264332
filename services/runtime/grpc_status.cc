#include "services/runtime/grpc_status.h"

#include <string>

namespace passerelle::runtime {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  if (status.code() == absl::StatusCode::kUnknown) {
    code = grpc::StatusCode::INTERNAL;
  }
  return grpc::Status(code, std::string(status.message()));
}

}  // namespace passerelle::runtime
