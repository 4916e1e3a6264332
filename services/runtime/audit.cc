#include "services/runtime/audit.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"
#include "services/runtime/repository.h"
#include "storage/status_macros.h"

namespace passerelle::runtime {
namespace {

constexpr char kAuditEvents[] = "audit_events";
constexpr char kAuditByOrganization[] = "audit_by_organization";

// The status code's name, as grpc and absl spell it ("PERMISSION_DENIED").
std::string CodeName(grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK) return "OK";
  std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  for (char& c : name) c = c == ' ' ? '_' : static_cast<char>(toupper(c));
  return name;
}

// The id a change's answer names: its own `id` (a created or updated
// resource), else `token_id`, else the `id` of a resource it carries.
std::string ResourceId(const google::protobuf::Message& message) {
  const google::protobuf::Descriptor* d = message.GetDescriptor();
  const google::protobuf::Reflection* r = message.GetReflection();
  for (const char* name : {"id", "token_id", "user_id"}) {
    const google::protobuf::FieldDescriptor* f = d->FindFieldByName(name);
    if (f != nullptr && !f->is_repeated() &&
        f->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      std::string value = r->GetString(message, f);
      if (!value.empty()) return value;
    }
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (f->is_repeated() ||
        f->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE ||
        !r->HasField(message, f)) {
      continue;
    }
    const google::protobuf::Message& inner = r->GetMessage(message, f);
    const google::protobuf::FieldDescriptor* id =
        inner.GetDescriptor()->FindFieldByName("id");
    if (id != nullptr && !id->is_repeated() &&
        id->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      std::string value = inner.GetReflection()->GetString(inner, id);
      if (!value.empty()) return value;
    }
  }
  return "";
}

// "/passerelle.v1.OfferService/CreateOffer" -> its descriptor, or null.
const google::protobuf::MethodDescriptor* FindMethod(
    absl::string_view full_method) {
  absl::string_view name = full_method;
  if (!absl::ConsumePrefix(&name, "/")) return nullptr;
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      absl::StrReplaceAll(name, {{"/", "."}}));
}

class AuditInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuditInterceptor(grpc::experimental::ServerRpcInfo* info, AuditLog* log,
                   const Authenticator* authenticator,
                   const google::protobuf::MethodDescriptor* method)
      : info_(info),
        log_(log),
        authenticator_(authenticator),
        method_(method) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      // Who is calling, as the call starts: a SignOut's session is gone by
      // the time it finishes.
      caller_ = AuthenticateMetadata(*authenticator_,
                                     *methods->GetRecvInitialMetadata());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      TakeResourceId(methods->GetSerializedSendMessage());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      // Recorded before the status leaves: once a client has its answer,
      // the entry is stored.
      Record(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void TakeResourceId(grpc::ByteBuffer* buffer) {
    if (buffer == nullptr || !resource_id_.empty()) return;
    std::vector<grpc::Slice> slices;
    if (!buffer->Dump(&slices).ok()) return;
    std::string bytes;
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    const google::protobuf::Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            method_->output_type());
    if (prototype == nullptr) return;
    std::unique_ptr<google::protobuf::Message> answer(prototype->New());
    if (!answer->ParseFromString(bytes)) return;
    resource_id_ = ResourceId(*answer);
    const google::protobuf::FieldDescriptor* org =
        answer->GetDescriptor()->FindFieldByName("organization_id");
    if (org != nullptr && !org->is_repeated() &&
        org->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      answer_organization_id_ =
          answer->GetReflection()->GetString(*answer, org);
    }
  }

  void Record(const grpc::Status& status) {
    const bool anonymous = IsUnauthenticatedMethod(info_->method());
    // A call refused for want of a valid token changed nothing and names
    // nobody: it is not a person's change.
    if (!anonymous && !caller_.ok()) return;
    v1::AuditEvent event;
    event.set_kind(v1::AUDIT_KIND_CHANGE);
    if (caller_.ok()) {
      SetActor(*caller_, &event);
    } else if (status.ok()) {
      // An invitation accepted: the person is the account it opened, in
      // its organization (whose admins then see it in their part).
      event.set_user_id(resource_id_);
      event.set_organization_id(answer_organization_id_);
    }
    event.set_method(info_->method());
    event.set_resource_id(resource_id_);
    event.set_outcome(CodeName(status.error_code()));
    event.set_message(status.error_message().substr(0, 500));
    event.set_client_address(ClientAddress(*info_->server_context()));
    absl::Status recorded = log_->Record(std::move(event));
    LOG_IF(WARNING, !recorded.ok())
        << "audit: " << info_->method() << " not recorded: " << recorded;
  }

  grpc::experimental::ServerRpcInfo* info_;
  AuditLog* log_;
  const Authenticator* authenticator_;
  const google::protobuf::MethodDescriptor* method_;
  absl::StatusOr<Caller> caller_ = absl::UnauthenticatedError("no metadata");
  std::string resource_id_;
  std::string answer_organization_id_;
};

class AuditInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AuditInterceptorFactory(AuditLog* log, const Authenticator* authenticator)
      : log_(log), authenticator_(authenticator) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const absl::string_view method = info->method();
    // SignIn records its own attempts (with the account and the outcome's
    // reason); reads and other services' calls are not changes.
    if (!absl::StartsWith(method, "/passerelle.v1.") || IsReadMethod(method) ||
        method == "/passerelle.v1.OrganizationService/SignIn") {
      return nullptr;
    }
    const google::protobuf::MethodDescriptor* descriptor = FindMethod(method);
    if (descriptor == nullptr) return nullptr;
    return new AuditInterceptor(info, log_, authenticator_, descriptor);
  }

 private:
  AuditLog* log_;
  const Authenticator* authenticator_;
};

}  // namespace

std::vector<std::string> AuditLog::Tables() { return {kAuditEvents}; }

absl::Status AuditLog::Record(v1::AuditEvent event) {
  return store_->Commit({PutMutation(std::move(event))}, {}).status();
}

storage::Mutation AuditLog::PutMutation(
    v1::AuditEvent event, const std::vector<std::string>& also_listed_for) {
  if (event.id().empty()) event.set_id(NewId("aud"));
  if (!event.has_time()) SetTimestamp(absl::Now(), event.mutable_time());
  storage::Mutation m;
  m.table = kAuditEvents;
  m.id = event.id();
  m.version = 1;
  m.expect = storage::Mutation::Expect::kAbsent;
  // Listed for the caller's organization and for the one concerned (a
  // graduate's owner when a follower reads it; the partner of a grant).
  for (const std::string* org :
       {&event.organization_id(), &event.concerned_organization_id()}) {
    if (org->empty() || (org == &event.concerned_organization_id() &&
                         *org == event.organization_id())) {
      continue;
    }
    m.index_keys.push_back({kAuditByOrganization, *org, false});
  }
  for (const std::string& org : also_listed_for) {
    if (org.empty() || org == event.organization_id() ||
        org == event.concerned_organization_id()) {
      continue;
    }
    m.index_keys.push_back({kAuditByOrganization, org, false});
  }
  m.data = event.SerializeAsString();
  return m;
}

absl::StatusOr<v1::ListAuditEventsResponse> AuditLog::List(
    absl::string_view organization_id, int page_size,
    absl::string_view page_token) const {
  absl::StatusOr<storage::Page> page =
      organization_id.empty()
          ? store_->List(kAuditEvents, page_size, page_token)
          : store_->ListByIndex(kAuditEvents, kAuditByOrganization,
                                organization_id, page_size, page_token);
  if (!page.ok()) return page.status();
  v1::ListAuditEventsResponse response;
  for (const storage::Record& record : page->records) {
    if (!response.add_events()->ParseFromString(record.data)) {
      return absl::DataLossError(absl::StrCat("audit event ", record.id,
                                              ": stored record unreadable"));
    }
  }
  response.set_next_page_token(page->next_page_token);
  return response;
}

void SetActor(const Caller& caller, v1::AuditEvent* event) {
  event->set_user_id(caller.user_id);
  event->set_email(caller.email);
  event->set_token_id(caller.token_id);
  event->set_organization_id(caller.organization_id);
}

bool IsReadMethod(absl::string_view full_method) {
  const size_t slash = full_method.rfind('/');
  if (slash == absl::string_view::npos) return false;
  const absl::string_view name = full_method.substr(slash + 1);
  for (absl::string_view prefix :
       {"Get", "List", "Search", "Rank", "Explain", "Watch", "WhoAmI"}) {
    if (absl::StartsWith(name, prefix)) return true;
  }
  return false;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewAuditInterceptorFactory(AuditLog* log, const Authenticator* authenticator) {
  return std::make_unique<AuditInterceptorFactory>(log, authenticator);
}

}  // namespace passerelle::runtime
