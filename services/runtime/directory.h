#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "passerelle/v1/organization.pb.h"

namespace passerelle::runtime {

// What the graduate, offer and proposal services need to know of the
// organizations: that one exists. In one process the organization store
// answers; across processes, the organization service does.
class Directory {
 public:
  virtual ~Directory() = default;
  // NOT_FOUND when no such organization.
  virtual absl::StatusOr<v1::Company> FindCompany(
      absl::string_view id) const = 0;
  virtual absl::StatusOr<v1::School> FindSchool(absl::string_view id) const = 0;
  virtual absl::StatusOr<v1::Partner> FindPartner(
      absl::string_view id) const = 0;
};

}  // namespace passerelle::runtime
