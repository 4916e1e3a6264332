#include "clients/cli/update_mask.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace passerelle::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

bool IsWellKnown(const Descriptor* type) {
  return absl::StartsWith(type->full_name(), "google.protobuf.");
}

absl::Status Collect(const Descriptor* type,
                     const google::protobuf::Struct& object,
                     const std::string& prefix,
                     std::vector<std::string>* paths) {
  // Struct's map is unordered: visit keys in field-number order so that the
  // mask is deterministic.
  std::vector<std::pair<const FieldDescriptor*, const google::protobuf::Value*>>
      present;
  for (const auto& [key, value] : object.fields()) {
    const FieldDescriptor* field = type->FindFieldByName(key);
    if (field == nullptr) field = type->FindFieldByCamelcaseName(key);
    if (field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          type->full_name(), " has no field \"", prefix, key, "\""));
    }
    present.emplace_back(field, &value);
  }
  std::sort(present.begin(), present.end(), [](const auto& a, const auto& b) {
    return a.first->number() < b.first->number();
  });
  for (const auto& [field, value] : present) {
    const std::string path = prefix + field->name();
    const bool descend =
        !field->is_repeated() &&
        field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !IsWellKnown(field->message_type()) && value->has_struct_value() &&
        value->struct_value().fields_size() > 0;
    if (descend) {
      const absl::Status status = Collect(
          field->message_type(), value->struct_value(), path + ".", paths);
      if (!status.ok()) return status;
    } else {
      paths->push_back(path);
    }
  }
  return absl::OkStatus();
}

// `path` cut after its first segment that is a Place.
std::string WholeValuePrefix(const Descriptor* type, const std::string& path) {
  size_t end = 0;
  for (;;) {
    const size_t dot = path.find('.', end);
    if (dot == std::string::npos || type == nullptr) return path;
    const FieldDescriptor* field =
        type->FindFieldByName(path.substr(end, dot - end));
    if (field == nullptr ||
        field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return path;
    }
    if (field->message_type()->full_name() == "passerelle.v1.Place") {
      return path.substr(0, dot);
    }
    type = field->message_type();
    end = dot + 1;
  }
}

}  // namespace

absl::StatusOr<std::vector<std::string>> JsonFieldPaths(
    const Descriptor* type, absl::string_view json) {
  google::protobuf::Struct object;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &object);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", std::string(status.message())));
  }
  std::vector<std::string> paths;
  const absl::Status collected = Collect(type, object, "", &paths);
  if (!collected.ok()) return collected;
  return paths;
}

google::protobuf::FieldMask BuildUpdateMask(
    const Descriptor* type, const std::vector<std::string>& paths) {
  static const auto* const kNeverWritten = new absl::flat_hash_set<std::string>{
      "id", "version", "create_time", "update_time"};
  std::vector<std::string> kept;
  absl::flat_hash_set<std::string> seen;
  for (std::string path : paths) {
    path = WholeValuePrefix(type, path);
    if (kNeverWritten->contains(path) || !seen.insert(path).second) continue;
    kept.push_back(path);
  }
  google::protobuf::FieldMask mask;
  for (const std::string& path : kept) {
    bool has_ancestor = false;
    for (size_t dot = path.find('.'); dot != std::string::npos;
         dot = path.find('.', dot + 1)) {
      if (seen.contains(path.substr(0, dot))) has_ancestor = true;
    }
    if (!has_ancestor) mask.add_paths(path);
  }
  return mask;
}

}  // namespace passerelle::cli
