#include "clients/cli/proto_text.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "clients/cli/table.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace passerelle::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// "ContractType" -> "CONTRACT_TYPE_": the prefix style guides give enum
// values.
std::string EnumPrefix(const EnumDescriptor* type) {
  const std::string& name = type->name();
  std::string prefix;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (i > 0 && absl::ascii_isupper(c) &&
        (absl::ascii_islower(name[i - 1]) ||
         absl::ascii_isdigit(name[i - 1]))) {
      prefix += '_';
    }
    prefix += absl::ascii_toupper(c);
  }
  prefix += '_';
  return prefix;
}

// User input quoted in an error message, cut to a readable length.
std::string Quote(absl::string_view text) {
  return absl::StrCat("\"", TruncateToWidth(text, 60), "\"");
}

absl::Status Invalid(absl::string_view expected, absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("expected ", expected, ", got ", Quote(text)));
}

bool IsTimestamp(const Descriptor* type) {
  return type->full_name() == "google.protobuf.Timestamp";
}
bool IsDuration(const Descriptor* type) {
  return type->full_name() == "google.protobuf.Duration";
}

absl::StatusOr<double> ParseDouble(absl::string_view text) {
  std::string copy(text);
  // A French decimal comma, as spreadsheets export it.
  if (copy.find('.') == std::string::npos &&
      std::count(copy.begin(), copy.end(), ',') == 1) {
    copy = absl::StrReplaceAll(copy, {{",", "."}});
  }
  double value;
  if (!absl::SimpleAtod(copy, &value) || !std::isfinite(value)) {
    return Invalid("a number", text);
  }
  return value;
}

// Sets a message-typed value from text.
absl::Status SetMessageFromText(Message* target, absl::string_view text) {
  const Descriptor* type = target->GetDescriptor();
  if (IsTimestamp(type) && !absl::StartsWith(text, "{")) {
    if (!google::protobuf::util::TimeUtil::FromString(
            std::string(text),
            static_cast<google::protobuf::Timestamp*>(target))) {
      return Invalid("an RFC 3339 time (2026-09-01T08:00:00Z)", text);
    }
    return absl::OkStatus();
  }
  if (IsDuration(type) && !absl::StartsWith(text, "{")) {
    if (!google::protobuf::util::TimeUtil::FromString(
            std::string(text),
            static_cast<google::protobuf::Duration*>(target))) {
      return Invalid("a duration (e.g. 3.5s)", text);
    }
    return absl::OkStatus();
  }
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), target);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a proto3 JSON object for ", type->full_name(),
                     ": ", std::string(status.message())));
  }
  return absl::OkStatus();
}

// Sets (singular) or appends (repeated) one scalar value.
absl::Status SetOne(Message* message, const FieldDescriptor* field,
                    absl::string_view text) {
  const Reflection* r = message->GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      if (field->type() == FieldDescriptor::TYPE_STRING && !IsValidUtf8(text)) {
        return absl::InvalidArgumentError(
            "not valid UTF-8 (convert the input to UTF-8, e.g. with "
            "iconv -f latin1 -t utf-8)");
      }
      std::string value(text);
      repeated ? r->AddString(message, field, std::move(value))
               : r->SetString(message, field, std::move(value));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t value;
      if (!absl::SimpleAtoi(text, &value)) return Invalid("an integer", text);
      repeated ? r->AddInt32(message, field, value)
               : r->SetInt32(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t value;
      if (!absl::SimpleAtoi(text, &value)) return Invalid("an integer", text);
      repeated ? r->AddInt64(message, field, value)
               : r->SetInt64(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t value;
      if (!absl::SimpleAtoi(text, &value)) {
        return Invalid("a non-negative integer", text);
      }
      repeated ? r->AddUInt32(message, field, value)
               : r->SetUInt32(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t value;
      if (!absl::SimpleAtoi(text, &value)) {
        return Invalid("a non-negative integer", text);
      }
      repeated ? r->AddUInt64(message, field, value)
               : r->SetUInt64(message, field, value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      auto value = ParseDouble(text);
      if (!value.ok()) return value.status();
      repeated ? r->AddDouble(message, field, *value)
               : r->SetDouble(message, field, *value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      auto value = ParseDouble(text);
      if (!value.ok()) return value.status();
      const float f = static_cast<float>(*value);
      repeated ? r->AddFloat(message, field, f)
               : r->SetFloat(message, field, f);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      auto value = ParseBool(text);
      if (!value.ok()) return value.status();
      repeated ? r->AddBool(message, field, *value)
               : r->SetBool(message, field, *value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      auto value = ParseEnumValue(field->enum_type(), text);
      if (!value.ok()) return value.status();
      repeated ? r->AddEnum(message, field, *value)
               : r->SetEnum(message, field, *value);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* target = repeated ? r->AddMessage(message, field)
                                 : r->MutableMessage(message, field);
      return SetMessageFromText(target, text);
    }
  }
  return absl::InternalError("unhandled field type");
}

std::string FormatOne(const Message& message, const FieldDescriptor* field,
                      int index) {
  const Reflection* r = message.GetReflection();
  const bool rep = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(message, field, index)
                 : r->GetString(message, field);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(message, field, index)
                              : r->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(message, field, index)
                              : r->GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(message, field, index)
                              : r->GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(message, field, index)
                              : r->GetUInt64(message, field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return FormatDouble(rep ? r->GetRepeatedDouble(message, field, index)
                              : r->GetDouble(message, field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return FormatDouble(rep ? r->GetRepeatedFloat(message, field, index)
                              : r->GetFloat(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(message, field, index)
                  : r->GetBool(message, field))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumShortName(rep ? r->GetRepeatedEnum(message, field, index)
                               : r->GetEnum(message, field));
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& sub = rep ? r->GetRepeatedMessage(message, field, index)
                               : r->GetMessage(message, field);
      if (IsTimestamp(sub.GetDescriptor())) {
        return google::protobuf::util::TimeUtil::ToString(
            static_cast<const google::protobuf::Timestamp&>(sub));
      }
      std::string json;
      if (!google::protobuf::util::MessageToJsonString(sub, &json).ok()) {
        return "?";
      }
      return json;
    }
  }
  return "";
}

bool IsSet(const Message& message, const FieldDescriptor* field) {
  const Reflection* r = message.GetReflection();
  if (field->is_repeated()) return r->FieldSize(message, field) > 0;
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return r->HasField(message, field);
  }
  // proto3 scalars: "set" means non-default, as on the wire.
  return r->HasField(message, field);
}

void Flatten(const Message& message, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>* rows) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  const Reflection* r = message.GetReflection();
  for (const FieldDescriptor* field : fields) {
    const std::string name = prefix + field->name();
    const bool is_message =
        field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !IsTimestamp(field->message_type());
    if (is_message && field->is_repeated()) {
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        Flatten(r->GetRepeatedMessage(message, field, i),
                absl::StrCat(name, "[", i, "]."), rows);
      }
    } else if (is_message) {
      Flatten(r->GetMessage(message, field), name + ".", rows);
    } else {
      FieldPath path;
      path.fields.push_back(field);
      rows->emplace_back(name, FormatFieldValue(message, path));
    }
  }
}

}  // namespace

std::string FieldPath::ToString() const {
  std::vector<std::string> names;
  for (const FieldDescriptor* f : fields) names.push_back(f->name());
  return absl::StrJoin(names, ".");
}

absl::StatusOr<FieldPath> ResolveFieldPath(const Descriptor* type,
                                           absl::string_view path) {
  FieldPath resolved;
  if (path.empty()) return absl::InvalidArgumentError("empty field path");
  const Descriptor* current = type;
  for (absl::string_view segment : absl::StrSplit(path, '.')) {
    if (current == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\": ", resolved.fields.back()->name(),
                       " is not a message, it has no field \"", segment, "\""));
    }
    const std::string name(segment);
    const FieldDescriptor* field = current->FindFieldByName(name);
    if (field == nullptr) field = current->FindFieldByCamelcaseName(name);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\": ", current->full_name(),
                       " has no field \"", segment, "\""));
    }
    if (!resolved.fields.empty() && resolved.fields.back()->is_repeated()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path,
                       "\": cannot address a field inside the "
                       "repeated field \"",
                       resolved.fields.back()->name(), "\""));
    }
    resolved.fields.push_back(field);
    current = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                      !IsTimestamp(field->message_type()) &&
                      !IsDuration(field->message_type())
                  ? field->message_type()
                  : nullptr;
  }
  return resolved;
}

absl::StatusOr<const EnumValueDescriptor*> ParseEnumValue(
    const EnumDescriptor* type, absl::string_view text) {
  std::string normalized = absl::AsciiStrToUpper(text);
  for (char& c : normalized) {
    if (c == '-' || c == ' ') c = '_';
  }
  const std::string prefix = EnumPrefix(type);
  for (int i = 0; i < type->value_count(); ++i) {
    const EnumValueDescriptor* value = type->value(i);
    if (value->name() == normalized || value->name() == prefix + normalized) {
      return value;
    }
  }
  int number;
  if (absl::SimpleAtoi(text, &number)) {
    if (const EnumValueDescriptor* value = type->FindValueByNumber(number)) {
      return value;
    }
  }
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() == 0) continue;  // ..._UNSPECIFIED
    names.push_back(EnumShortName(type->value(i)));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("expected one of ", absl::StrJoin(names, ", "), " (or ",
                   prefix, "...), got ", Quote(text)));
}

std::string EnumShortName(const EnumValueDescriptor* value) {
  const std::string prefix = EnumPrefix(value->type());
  absl::string_view name = value->name();
  if (absl::StartsWith(name, prefix) && name.size() > prefix.size()) {
    name.remove_prefix(prefix.size());
  }
  return absl::AsciiStrToLower(name);
}

absl::StatusOr<bool> ParseBool(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "1" || lower == "oui" || lower == "yes" ||
      lower == "vrai") {
    return true;
  }
  if (lower == "false" || lower == "0" || lower == "non" || lower == "no" ||
      lower == "faux") {
    return false;
  }
  return Invalid("true/false (or 1/0, oui/non)", text);
}

absl::Status SetFieldFromText(Message* message, const FieldPath& path,
                              absl::string_view text, char list_separator) {
  Message* target = message;
  for (size_t i = 0; i + 1 < path.fields.size(); ++i) {
    target = target->GetReflection()->MutableMessage(target, path.fields[i]);
  }
  const FieldDescriptor* leaf = path.leaf();
  text = absl::StripAsciiWhitespace(text);
  if (!leaf->is_repeated()) return SetOne(target, leaf, text);
  if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return absl::InvalidArgumentError(
        "a list of messages cannot be given as text; use JSON");
  }
  for (absl::string_view item : absl::StrSplit(text, list_separator)) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty()) continue;
    const absl::Status status = SetOne(target, leaf, item);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

std::string FormatFieldValue(const Message& message, const FieldPath& path) {
  const Message* current = &message;
  for (size_t i = 0; i + 1 < path.fields.size(); ++i) {
    const Reflection* r = current->GetReflection();
    if (!r->HasField(*current, path.fields[i])) return "";
    current = &r->GetMessage(*current, path.fields[i]);
  }
  const FieldDescriptor* leaf = path.leaf();
  if (!IsSet(*current, leaf)) return "";
  if (!leaf->is_repeated()) return FormatOne(*current, leaf, -1);
  std::vector<std::string> items;
  const int size = current->GetReflection()->FieldSize(*current, leaf);
  for (int i = 0; i < size; ++i) items.push_back(FormatOne(*current, leaf, i));
  return absl::StrJoin(items, ",");
}

std::string FormatFieldValue(const Message& message, absl::string_view path) {
  auto resolved = ResolveFieldPath(message.GetDescriptor(), path);
  if (!resolved.ok()) return "";
  return FormatFieldValue(message, *resolved);
}

std::string FormatDouble(double value) {
  if (std::isfinite(value) && value == std::floor(value) &&
      std::fabs(value) < 1e15) {
    return absl::StrFormat("%.0f", value);
  }
  return absl::StrFormat("%.6g", value);
}

std::vector<std::pair<std::string, std::string>> FlattenMessage(
    const Message& message) {
  std::vector<std::pair<std::string, std::string>> rows;
  Flatten(message, "", &rows);
  return rows;
}

}  // namespace passerelle::cli
