#pragma once

// RETURN_IF_ERROR / ASSIGN_OR_RETURN: abseil 20220623 ships neither.
// Header-only, no dependency beyond absl::status; used by every component.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PASSERELLE_CONCAT_INNER_(a, b) a##b
#define PASSERELLE_CONCAT_(a, b) PASSERELLE_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function
// when it is not OK.
#define RETURN_IF_ERROR(expr)                                \
  do {                                                       \
    ::absl::Status passerelle_status_ = (expr);              \
    if (!passerelle_status_.ok()) return passerelle_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, Foo());` evaluates `Foo()` (an absl::StatusOr);
// returns its status when not OK, else moves its value into `x`.
#define ASSIGN_OR_RETURN(lhs, expr)  \
  PASSERELLE_ASSIGN_OR_RETURN_IMPL_( \
      PASSERELLE_CONCAT_(passerelle_statusor_, __LINE__), lhs, expr)

#define PASSERELLE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                      \
  if (!statusor.ok()) return std::move(statusor).status();     \
  lhs = std::move(statusor).value()
