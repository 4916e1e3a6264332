#pragma once

// HTTP/JSON <-> protobuf for the routes of routes.h, with protobuf's own
// JSON mapping (proto3 JSON: lowerCamelCase names, enums by name, int64 as
// strings). Plain protobuf and abseil: no gRPC, no HTTP library.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "services/gateway/routes.h"

namespace passerelle::gateway {

// Fills `request` (empty, of the route's input type) from the path
// variables, the query string (`a=1&b=x`, without '?') and the body.
// Query parameters name request fields by their proto or JSON name, dotted
// for nested fields; repeated fields take the parameter several times; a
// FieldMask takes a comma-separated list. A route whose body is "*" takes
// no query parameter. INVALID_ARGUMENT, naming the field or parameter, for
// malformed JSON, an unknown field or parameter, or a value of the wrong
// type; nothing else is checked here (the service validates).
absl::Status BuildRequest(const RouteTable::Match& match,
                          absl::string_view query, absl::string_view body,
                          google::protobuf::Message* request);

// For a client-streaming route: one request per non-empty line of an
// NDJSON `body`, each line filling the route's body field (the path and
// query fill every request). Fails whole, naming the line ("line 3: ..."),
// if any line is malformed: nothing is sent.
absl::Status BuildStreamRequests(const RouteTable::Match& match,
                                 absl::string_view query,
                                 absl::string_view body,
                                 const google::protobuf::Message& prototype,
                                 std::vector<std::string>* serialized);

// The proto3 JSON of `message`.
std::string ToJson(const google::protobuf::Message& message);

// The proto3 JSON of a serialized message of type `descriptor`, converted
// from its bytes without building the message (protobuf's own printer
// serializes a message to bytes first anyway). INVALID_ARGUMENT when the
// bytes are not such a message.
absl::StatusOr<std::string> BytesToJson(
    const google::protobuf::Descriptor* descriptor, const std::string& bytes);

// The HTTP status of a canonical code (google.rpc.Code's mapping: 400 for
// INVALID_ARGUMENT, FAILED_PRECONDITION and OUT_OF_RANGE, 401, 403, 404,
// 409 for ALREADY_EXISTS and ABORTED, 429, 499, 500, 501, 503, 504).
int HttpStatusFor(absl::StatusCode code);

// The canonical name of a code, e.g. "INVALID_ARGUMENT".
std::string CodeName(absl::StatusCode code);

// {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "...",
// "field": "offer.start_date"}}: `field` is the field path that starts the
// message ("offer.start_date: must be ..."), omitted when there is none.
std::string ErrorJson(int http_status, absl::StatusCode code,
                      absl::string_view message);

// The field path that starts `message`, or empty.
std::string FieldOf(absl::string_view message);

}  // namespace passerelle::gateway
