#pragma once

// The FieldMask of an update, built from what the user gave: the field flags
// (`--given_name=...` names `given_name`) and/or the fields present in a
// proto3 JSON document.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"

namespace passerelle::cli {

// The field paths a proto3 JSON object of `type` sets: one path per leaf
// value ("home.commune_insee"), a list counts as a leaf, and an empty
// object or null names the field itself (to clear it). Keys may be proto or
// JSON names; paths use proto names. INVALID_ARGUMENT for JSON that is not
// an object or a key that is not a field.
absl::StatusOr<std::vector<std::string>> JsonFieldPaths(
    const google::protobuf::Descriptor* type, absl::string_view json);

// The update mask of a `type` update for `paths` (in the order given):
// - a path into a Place ("home.commune_insee") becomes the Place itself
//   ("home"): a Place is one value the server derives from its commune, so
//   it is replaced whole, never merged with the old commune's postal code
//   and coordinates;
// - duplicates are removed, and a path whose ancestor is also given;
// - the fields an update never writes are dropped: `id` and `version` (they
//   identify the record and the expected version), `create_time` and
//   `update_time` (server-maintained).
google::protobuf::FieldMask BuildUpdateMask(
    const google::protobuf::Descriptor* type,
    const std::vector<std::string>& paths);

}  // namespace passerelle::cli
