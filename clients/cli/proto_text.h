#pragma once

// Protobuf field values to and from text, addressed by field path
// ("diploma.code"), through reflection: shared by CSV import, the field
// flags of create/update commands and table output, so that every field of
// every message works the same way without per-field code.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace passerelle::cli {

// A resolved path: the chain of fields from a root message to a leaf.
struct FieldPath {
  std::vector<const google::protobuf::FieldDescriptor*> fields;

  const google::protobuf::FieldDescriptor* leaf() const {
    return fields.back();
  }
  // Proto field names joined by '.' (the FieldMask form).
  std::string ToString() const;
};

// Resolves `path` against `type`. Each segment is a proto field name
// ("given_name") or its JSON name ("givenName"); every segment but the last
// must be a singular message field. INVALID_ARGUMENT naming the segment
// otherwise.
absl::StatusOr<FieldPath> ResolveFieldPath(
    const google::protobuf::Descriptor* type, absl::string_view path);

// Parses an enum value given as its full name ("CONTRACT_TYPE_CDI"), its
// name without the enum's prefix ("cdi"), case-insensitively and with '-'
// for '_', or its number. INVALID_ARGUMENT listing the accepted names.
absl::StatusOr<const google::protobuf::EnumValueDescriptor*> ParseEnumValue(
    const google::protobuf::EnumDescriptor* type, absl::string_view text);

// The value's name without its enum's prefix, lower case: "cdi" for
// CONTRACT_TYPE_CDI, "in_progress" for DIPLOMA_STATUS_IN_PROGRESS.
std::string EnumShortName(const google::protobuf::EnumValueDescriptor* value);

// true/false, 1/0, oui/non, yes/no, vrai/faux (any case).
absl::StatusOr<bool> ParseBool(absl::string_view text);

// Sets the field at `path` of `message` from `text` (surrounding ASCII
// whitespace ignored):
// - strings must be valid UTF-8; numbers must fit the field's type
//   (a decimal comma is accepted: "1234,56"); enums as ParseEnumValue;
//   bools as ParseBool;
// - a message-typed leaf takes proto3 JSON ("{...}"), a Timestamp RFC 3339;
// - a repeated leaf takes items separated by `list_separator`, each item
//   trimmed, empty items skipped; the items are appended.
// INVALID_ARGUMENT saying what was expected (without naming the field: the
// caller knows how the user named it).
absl::Status SetFieldFromText(google::protobuf::Message* message,
                              const FieldPath& path, absl::string_view text,
                              char list_separator);

// The value at `path` for display: "" when unset, enums by short name,
// repeated values joined with ",", Timestamps in RFC 3339, other messages as
// compact JSON.
std::string FormatFieldValue(const google::protobuf::Message& message,
                             const FieldPath& path);
// Same, resolving `path` first ("" when it does not resolve).
std::string FormatFieldValue(const google::protobuf::Message& message,
                             absl::string_view path);

// A double for display: integers without decimals, else up to 6
// significant digits.
std::string FormatDouble(double value);

// Every set field of `message` as (path, value), nested messages flattened
// ("home.commune_insee"), repeated messages indexed ("factors[0].name").
std::vector<std::pair<std::string, std::string>> FlattenMessage(
    const google::protobuf::Message& message);

}  // namespace passerelle::cli
