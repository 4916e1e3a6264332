#pragma once

// Helpers that keep gRPC handlers to "authenticate, call a library, convert
// the status".

#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "services/runtime/auth.h"
#include "services/runtime/grpc_status.h"
#include "services/runtime/thread_pool.h"

namespace passerelle::runtime {

// Authenticates the call, runs `fn(caller)` (returning absl::Status) inline
// and finishes the call with its status. For work of microseconds.
template <typename Fn>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
                                     const Authenticator& authenticator,
                                     Fn&& fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = AuthenticateCall(authenticator, *context);
  absl::Status status = caller.ok() ? fn(*caller) : caller.status();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// As ServeUnary, but runs `fn` on `pool`: for work of milliseconds, which
// must not hold a gRPC callback thread.
template <typename Fn>
grpc::ServerUnaryReactor* ServeUnaryOnPool(grpc::CallbackServerContext* context,
                                           const Authenticator& authenticator,
                                           ThreadPool& pool, Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = AuthenticateCall(authenticator, *context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  pool.Schedule(
      [reactor, caller = *std::move(caller), fn = std::move(fn)]() mutable {
        reactor->Finish(ToGrpcStatus(fn(caller)));
      });
  return reactor;
}

// As ServeUnary, for work that finishes later on a thread of its own
// (a queue): `fn(caller, finish)` must call `finish(status)` exactly once,
// from any thread, and must not block.
template <typename Fn>
grpc::ServerUnaryReactor* ServeUnaryDeferred(
    grpc::CallbackServerContext* context, const Authenticator& authenticator,
    Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = AuthenticateCall(authenticator, *context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  fn(*caller, std::function<void(absl::Status)>([reactor](absl::Status s) {
    reactor->Finish(ToGrpcStatus(s));
  }));
  return reactor;
}

// For the RPCs of kUnauthenticatedMethods only (AcceptInvitation, SignIn):
// runs `fn()` on `pool` without asking for a bearer token; the request
// carries its own proof (an invitation token, a password).
template <typename Fn>
grpc::ServerUnaryReactor* ServeUnauthenticatedOnPool(
    grpc::CallbackServerContext* context, ThreadPool& pool, Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  pool.Schedule([reactor, fn = std::move(fn)]() mutable {
    reactor->Finish(ToGrpcStatus(fn()));
  });
  return reactor;
}

}  // namespace passerelle::runtime
