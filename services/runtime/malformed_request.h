#pragma once

// Requests whose bytes do not parse answer INVALID_ARGUMENT.
//
// Why: in gRPC 1.51's callback API, when a unary or server-streaming
// request fails to deserialize (garbage bytes, or a proto3 string field
// holding invalid UTF-8, which protobuf refuses to parse), the generated
// handler never reaches the service: CallbackUnaryHandler::RunHandler
// (grpcpp/impl/codegen/server_callback_handlers.h) sees the failed status
// and finishes the call with its own UnimplementedUnaryReactor, i.e.
// UNIMPLEMENTED with an empty message, dropping the parse error. The
// client is told the method does not exist.
//
// The interceptor made by this factory watches every call to a method the
// server knows (a method of the generated descriptor pool) and rewrites
// that one answer, UNIMPLEMENTED with an empty message (no handler of this
// project produces it), into INVALID_ARGUMENT:
//   request: cannot be parsed as passerelle.v1.CreateOfferRequest
//   (malformed protobuf bytes, or a string field that is not valid UTF-8)
// Calls to unknown methods keep UNIMPLEMENTED.
//
// Client-streaming calls (imports) are registered raw and parse their
// records themselves: a record that does not parse is rejected with its
// index (see import_reactor.h).

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace passerelle::runtime {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewMalformedRequestInterceptorFactory();

}  // namespace passerelle::runtime
