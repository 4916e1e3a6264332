#pragma once

// The HTTP/JSON routes of the API, read from the `google.api.http` option of
// each RPC in the descriptors (proto/passerelle/v1/*.proto): no route is
// written by hand here. Plain protobuf, no gRPC, no HTTP library.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace passerelle::gateway {

// One RPC's HTTP binding, e.g. PATCH /v1/offers/{offer.id} with body
// "offer" for OfferService.UpdateOffer.
struct Route {
  struct Segment {
    bool variable = false;
    std::string text;  // a literal, or the request field path it binds
  };
  std::string http_method;    // "GET", "POST", "PATCH", "DELETE", "PUT"
  std::string path_template;  // as declared, e.g. "/v1/offers/{id}:close"
  std::vector<Segment> segments;
  std::string verb;  // the custom verb after ':' ("close"), or empty
  // "*": the body is the whole request; a field name: the body fills that
  // field (for a client stream: every NDJSON line is one such field);
  // empty: no body, the fields come from the path and the query string.
  std::string body;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_method;  // "/passerelle.v1.OfferService/GetOffer"
  bool client_streaming() const { return method->client_streaming(); }
  bool server_streaming() const { return method->server_streaming(); }
};

class RouteTable {
 public:
  // The routes of every method of `services` that has a google.api.http
  // option. INVALID_ARGUMENT for a malformed template, a variable or body
  // naming no field, or two routes with the same method and path.
  static absl::StatusOr<RouteTable> FromServices(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);
  // Every service of passerelle.v1 (built once).
  static const RouteTable& V1();

  struct Match {
    const Route* route = nullptr;
    // (field path, percent-decoded value) for each variable of the path.
    std::vector<std::pair<std::string, std::string>> bindings;
  };
  // The route for `http_method` and `path` (no query string). NOT_FOUND
  // when no route has that path; FAILED_PRECONDITION when some route has
  // the path but not the method (HTTP 405: `*allowed` lists the methods).
  absl::StatusOr<Match> Find(absl::string_view http_method,
                             absl::string_view path,
                             std::vector<std::string>* allowed = nullptr) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Percent-decodes one path segment or query component ('+' is a space in a
// query component only). INVALID_ARGUMENT on a malformed escape.
absl::StatusOr<std::string> PercentDecode(absl::string_view text,
                                          bool plus_is_space);

}  // namespace passerelle::gateway
