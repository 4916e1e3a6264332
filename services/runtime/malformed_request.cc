#include "services/runtime/malformed_request.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace passerelle::runtime {
namespace {

using grpc::experimental::InterceptionHookPoints;

class MalformedRequestInterceptor final
    : public grpc::experimental::Interceptor {
 public:
  explicit MalformedRequestInterceptor(
      const google::protobuf::MethodDescriptor* method)
      : method_(method) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED &&
          status.error_message().empty()) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("request: cannot be parsed as ",
                         method_->input_type()->full_name(),
                         " (malformed protobuf bytes, or a string field that "
                         "is not valid UTF-8)")));
      }
    }
    methods->Proceed();
  }

 private:
  const google::protobuf::MethodDescriptor* method_;
};

class Factory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // "/passerelle.v1.OfferService/CreateOffer" names the method
    // "passerelle.v1.OfferService.CreateOffer".
    absl::string_view name = info->method() ? info->method() : "";
    if (name.empty() || name[0] != '/') return nullptr;
    name.remove_prefix(1);
    const size_t slash = name.find('/');
    if (slash == absl::string_view::npos) return nullptr;
    const std::string full =
        absl::StrCat(name.substr(0, slash), ".", name.substr(slash + 1));
    const google::protobuf::MethodDescriptor* method =
        google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
            full);
    if (method == nullptr) return nullptr;
    return new MalformedRequestInterceptor(method);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMalformedRequestInterceptorFactory() {
  return std::make_unique<Factory>();
}

}  // namespace passerelle::runtime
