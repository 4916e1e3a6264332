#include "services/gateway/routes.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "passerelle/v1/changefeed.pb.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/integration.pb.h"
#include "passerelle/v1/matching.pb.h"
#include "passerelle/v1/offer.pb.h"
#include "passerelle/v1/organization.pb.h"
#include "passerelle/v1/proposal.pb.h"
#include "passerelle/v1/referential.pb.h"
#include "storage/status_macros.h"

namespace passerelle::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

// The field a dotted path names in `message`, or nullptr; every step but
// the last must be a singular message field.
const FieldDescriptor* FieldAt(const Descriptor* message,
                               absl::string_view path) {
  const FieldDescriptor* field = nullptr;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (message == nullptr) return nullptr;
    field = message->FindFieldByName(std::string(part));
    if (field == nullptr) return nullptr;
    message = field->message_type();
  }
  return field;
}

absl::StatusOr<Route> ParseRoute(const MethodDescriptor* method,
                                 const google::api::HttpRule& rule) {
  Route route;
  route.method = method;
  route.grpc_method =
      absl::StrCat("/", method->service()->full_name(), "/", method->name());
  route.body = rule.body();
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      route.http_method = "GET";
      route.path_template = rule.get();
      break;
    case google::api::HttpRule::kPost:
      route.http_method = "POST";
      route.path_template = rule.post();
      break;
    case google::api::HttpRule::kPatch:
      route.http_method = "PATCH";
      route.path_template = rule.patch();
      break;
    case google::api::HttpRule::kPut:
      route.http_method = "PUT";
      route.path_template = rule.put();
      break;
    case google::api::HttpRule::kDelete:
      route.http_method = "DELETE";
      route.path_template = rule.delete_();
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(method->full_name(), ": no HTTP verb"));
  }
  const std::string where =
      absl::StrCat(method->full_name(), ": \"", route.path_template, "\"");
  absl::string_view path = route.path_template;
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " does not start with /"));
  }
  path.remove_prefix(1);
  // The custom verb follows the last ':' outside braces.
  const size_t brace = path.rfind('}');
  const size_t colon = path.rfind(':');
  if (colon != absl::string_view::npos &&
      (brace == absl::string_view::npos || colon > brace)) {
    route.verb = std::string(path.substr(colon + 1));
    path = path.substr(0, colon);
  }
  for (absl::string_view segment : absl::StrSplit(path, '/')) {
    Route::Segment s;
    if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
      s.variable = true;
      s.text = std::string(segment.substr(1, segment.size() - 2));
      const FieldDescriptor* field = FieldAt(method->input_type(), s.text);
      if (field == nullptr || field->is_repeated() ||
          field->type() != FieldDescriptor::TYPE_STRING) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": {", s.text, "} is not a string field of the request"));
      }
    } else if (segment.empty() ||
               segment.find_first_of("{}") != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": malformed segment \"", segment, "\""));
    } else {
      s.text = std::string(segment);
    }
    route.segments.push_back(std::move(s));
  }
  if (!route.body.empty() && route.body != "*") {
    const FieldDescriptor* field =
        method->input_type()->FindFieldByName(route.body);
    if (field == nullptr || field->message_type() == nullptr ||
        field->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": body \"", route.body, "\" is not a message field"));
    }
  }
  return route;
}

// Splits a request path into segments and its custom verb.
void SplitPath(absl::string_view path, std::vector<absl::string_view>* segments,
               absl::string_view* verb) {
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  *verb = absl::string_view();
  const size_t slash = path.rfind('/');
  const size_t colon = path.rfind(':');
  if (colon != absl::string_view::npos &&
      (slash == absl::string_view::npos || colon > slash)) {
    *verb = path.substr(colon + 1);
    path = path.substr(0, colon);
  }
  *segments = absl::StrSplit(path, '/');
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(absl::string_view text,
                                          bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      const int hi = i + 1 < text.size() ? hex(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError("malformed percent escape");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<RouteTable> RouteTable::FromServices(
    const std::vector<const ServiceDescriptor*>& services) {
  RouteTable table;
  for (const ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      if (!method->options().HasExtension(google::api::http)) continue;
      ASSIGN_OR_RETURN(Route route,
                       ParseRoute(method, method->options().GetExtension(
                                              google::api::http)));
      for (const Route& other : table.routes_) {
        if (other.http_method == route.http_method &&
            other.path_template == route.path_template) {
          return absl::InvalidArgumentError(
              absl::StrCat(method->full_name(), ": same route as ",
                           other.method->full_name()));
        }
      }
      table.routes_.push_back(std::move(route));
    }
  }
  return table;
}

const RouteTable& RouteTable::V1() {
  static const RouteTable* table = [] {
    std::vector<const ServiceDescriptor*> services;
    for (const google::protobuf::FileDescriptor* file : {
             v1::Company::descriptor()->file(),
             v1::Graduate::descriptor()->file(),
             v1::Offer::descriptor()->file(),
             v1::RankOffersRequest::descriptor()->file(),
             v1::Proposal::descriptor()->file(),
             v1::ChangeEvent::descriptor()->file(),
             v1::SearchCommunesRequest::descriptor()->file(),
             v1::WebhookEndpoint::descriptor()->file(),
         }) {
      for (int i = 0; i < file->service_count(); ++i) {
        services.push_back(file->service(i));
      }
    }
    absl::StatusOr<RouteTable> t = FromServices(services);
    if (!t.ok()) {
      // The protos are compiled in: a bad annotation is a programmer error.
      fprintf(stderr, "bad google.api.http annotation: %s\n",
              std::string(t.status().message()).c_str());
      abort();
    }
    return new RouteTable(*std::move(t));
  }();
  return *table;
}

absl::StatusOr<RouteTable::Match> RouteTable::Find(
    absl::string_view http_method, absl::string_view path,
    std::vector<std::string>* allowed) const {
  std::vector<absl::string_view> segments;
  absl::string_view verb;
  SplitPath(path, &segments, &verb);
  std::vector<std::string> methods;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size() || route.verb != verb) {
      continue;
    }
    Match match;
    match.route = &route;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const Route::Segment& s = route.segments[i];
      if (!s.variable) {
        ok = s.text == segments[i];
        continue;
      }
      absl::StatusOr<std::string> value = PercentDecode(segments[i], false);
      if (!value.ok() || value->empty()) {
        ok = false;
        continue;
      }
      match.bindings.emplace_back(s.text, *std::move(value));
    }
    if (!ok) continue;
    if (route.http_method == http_method) return match;
    methods.push_back(route.http_method);
  }
  if (!methods.empty()) {
    if (allowed != nullptr) *allowed = std::move(methods);
    return absl::FailedPreconditionError(
        absl::StrCat(http_method, " is not allowed on ", path));
  }
  return absl::NotFoundError(absl::StrCat("no route for ", path));
}

}  // namespace passerelle::gateway
