#pragma once

// The OpenAPI 3 document of the HTTP/JSON API, generated at run time from
// the route table and the message descriptors (nothing written by hand):
// every route with its parameters, body and answer, every message reached
// as a schema in proto3 JSON terms.

#include <string>

#include "services/gateway/routes.h"

namespace passerelle::gateway {

// The document as JSON.
std::string OpenApiJson(const RouteTable& routes);

}  // namespace passerelle::gateway
