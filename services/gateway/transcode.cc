#include "services/gateway/transcode.h"

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "storage/status_macros.h"

namespace passerelle::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The field named `name` (proto or JSON name) of `descriptor`.
const FieldDescriptor* FindField(const Descriptor* descriptor,
                                 absl::string_view name) {
  const FieldDescriptor* f = descriptor->FindFieldByName(std::string(name));
  if (f == nullptr) f = descriptor->FindFieldByCamelcaseName(std::string(name));
  if (f == nullptr) {
    for (int i = 0; i < descriptor->field_count(); ++i) {
      if (descriptor->field(i)->json_name() == name)
        return descriptor->field(i);
    }
  }
  return f;
}

absl::Status Bad(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

// Sets (or adds to, when repeated) the field at dotted `path` from its text
// form. `display` names it in errors.
absl::Status SetFromText(Message* message, absl::string_view path,
                         absl::string_view value, absl::string_view display) {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const FieldDescriptor* f = FindField(message->GetDescriptor(), parts[i]);
    if (f == nullptr || f->message_type() == nullptr || f->is_repeated()) {
      return Bad(display, "no such field");
    }
    message = message->GetReflection()->MutableMessage(message, f);
  }
  const FieldDescriptor* f = FindField(message->GetDescriptor(), parts.back());
  if (f == nullptr) return Bad(display, "no such field");
  const Reflection* r = message->GetReflection();
  const bool rep = f->is_repeated();
  const std::string text(value);
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      rep ? r->AddString(message, f, text) : r->SetString(message, f, text);
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(value, &v)) return Bad(display, "not an integer");
      rep ? r->AddInt32(message, f, v) : r->SetInt32(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) return Bad(display, "not an integer");
      rep ? r->AddInt64(message, f, v) : r->SetInt64(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(value, &v)) return Bad(display, "not an integer");
      rep ? r->AddUInt32(message, f, v) : r->SetUInt32(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(value, &v)) return Bad(display, "not an integer");
      rep ? r->AddUInt64(message, f, v) : r->SetUInt64(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return Bad(display, "not a number");
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        rep ? r->AddDouble(message, f, v) : r->SetDouble(message, f, v);
      } else {
        rep ? r->AddFloat(message, f, static_cast<float>(v))
            : r->SetFloat(message, f, static_cast<float>(v));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (value == "true" || value == "1") {
        v = true;
      } else if (value == "false" || value == "0") {
        v = false;
      } else {
        return Bad(display, "not true or false");
      }
      rep ? r->AddBool(message, f, v) : r->SetBool(message, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* e = f->enum_type()->FindValueByName(text);
      int number;
      if (e == nullptr && absl::SimpleAtoi(value, &number)) {
        e = f->enum_type()->FindValueByNumber(number);
      }
      if (e == nullptr) {
        return Bad(display,
                   absl::StrCat("not a value of ", f->enum_type()->name()));
      }
      rep ? r->AddEnum(message, f, e) : r->SetEnum(message, f, e);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (f->message_type()->full_name() == "google.protobuf.FieldMask" &&
          !rep) {
        auto* mask = static_cast<google::protobuf::FieldMask*>(
            r->MutableMessage(message, f));
        if (!google::protobuf::util::FieldMaskUtil::FromJsonString(text,
                                                                   mask)) {
          return Bad(display, "not a comma-separated list of field paths");
        }
        return absl::OkStatus();
      }
      return Bad(display, "cannot be given in the query string");
    }
  }
  return Bad(display, "unsupported field type");
}

// "startDat: Cannot find field." -> "offer.startDat: cannot find field."
absl::Status JsonError(absl::string_view where,
                       const google::protobuf::util::Status& status) {
  std::string message(status.message());
  if (!message.empty()) message[0] = absl::ascii_tolower(message[0]);
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": invalid JSON: ", message));
}

absl::Status ParseBody(absl::string_view body, absl::string_view body_field,
                       Message* request) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (body_field == "*") {
    // An empty body is an empty request (e.g. POST /v1/offers/{id}:close).
    if (absl::StripAsciiWhitespace(body).empty()) return absl::OkStatus();
    auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(body.data(), body.size()), request,
        options);
    if (!status.ok()) return JsonError("body", status);
    return absl::OkStatus();
  }
  const FieldDescriptor* f =
      request->GetDescriptor()->FindFieldByName(std::string(body_field));
  if (absl::StripAsciiWhitespace(body).empty()) {
    return Bad(body_field, "required (the request body)");
  }
  Message* target = request->GetReflection()->MutableMessage(request, f);
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), target, options);
  if (!status.ok()) return JsonError(body_field, status);
  return absl::OkStatus();
}

absl::Status ApplyPathAndQuery(const RouteTable::Match& match,
                               absl::string_view query, Message* request) {
  if (!query.empty()) {
    if (match.route->body == "*") {
      return absl::InvalidArgumentError(
          "query: this route takes its parameters in the JSON body");
    }
    for (absl::string_view pair : absl::StrSplit(query, '&')) {
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      ASSIGN_OR_RETURN(std::string name,
                       PercentDecode(pair.substr(0, eq), true));
      std::string value;
      if (eq != absl::string_view::npos) {
        ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true));
      }
      if (!match.route->body.empty() &&
          (name == match.route->body ||
           absl::StartsWith(name, absl::StrCat(match.route->body, ".")))) {
        return Bad(name, "belongs in the body");
      }
      RETURN_IF_ERROR(SetFromText(request, name, value, name));
    }
  }
  // Path variables last: the path names the resource, whatever the body
  // says.
  for (const auto& [path, value] : match.bindings) {
    const Descriptor* d = request->GetDescriptor();
    Message* m = request;
    std::vector<std::string> parts = absl::StrSplit(path, '.');
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      m = m->GetReflection()->MutableMessage(m, d->FindFieldByName(parts[i]));
      d = m->GetDescriptor();
    }
    m->GetReflection()->SetString(m, d->FindFieldByName(parts.back()), value);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status BuildRequest(const RouteTable::Match& match,
                          absl::string_view query, absl::string_view body,
                          Message* request) {
  const std::string& body_field = match.route->body;
  if (body_field.empty()) {
    if (!absl::StripAsciiWhitespace(body).empty()) {
      return absl::InvalidArgumentError(
          "body: this route takes no body (use the query string)");
    }
  } else {
    RETURN_IF_ERROR(ParseBody(body, body_field, request));
  }
  return ApplyPathAndQuery(match, query, request);
}

absl::Status BuildStreamRequests(const RouteTable::Match& match,
                                 absl::string_view query,
                                 absl::string_view body,
                                 const Message& prototype,
                                 std::vector<std::string>* serialized) {
  serialized->clear();
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    std::unique_ptr<Message> request(prototype.New());
    absl::Status status = ParseBody(line, match.route->body, request.get());
    if (status.ok()) status = ApplyPathAndQuery(match, query, request.get());
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": ", status.message()));
    }
    serialized->push_back(request->SerializeAsString());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> BytesToJson(
    const google::protobuf::Descriptor* descriptor, const std::string& bytes) {
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com",
          google::protobuf::DescriptorPool::generated_pool());
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  auto status = google::protobuf::util::BinaryToJsonString(
      resolver, absl::StrCat("type.googleapis.com/", descriptor->full_name()),
      bytes, &json, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("answer: not a ", descriptor->full_name()));
  }
  return json;
}

std::string ToJson(const Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::string CodeName(absl::StatusCode code) {
  return absl::StatusCodeToString(code);  // "INVALID_ARGUMENT"
}

std::string FieldOf(absl::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0) return "";
  absl::string_view head = message.substr(0, colon);
  for (char c : head) {
    if (!(absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '[' ||
          c == ']')) {
      return "";
    }
  }
  if (!absl::ascii_isalpha(head[0])) return "";
  return std::string(head);
}

std::string ErrorJson(int http_status, absl::StatusCode code,
                      absl::string_view message) {
  google::protobuf::Struct error;
  auto& fields = *error.mutable_fields();
  fields["code"].set_number_value(http_status);
  fields["status"].set_string_value(CodeName(code));
  fields["message"].set_string_value(std::string(message));
  const std::string field = FieldOf(message);
  if (!field.empty()) fields["field"].set_string_value(field);
  google::protobuf::Struct top;
  *(*top.mutable_fields())["error"].mutable_struct_value() = std::move(error);
  return ToJson(top);
}

}  // namespace passerelle::gateway
