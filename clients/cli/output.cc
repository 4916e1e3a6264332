#include "clients/cli/output.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "clients/cli/args.h"
#include "clients/cli/proto_text.h"
#include "google/protobuf/util/json_util.h"

namespace passerelle::cli {

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  return UsageError(
      absl::StrCat("--output: expected table or json, got \"", name, "\""));
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json).ok()) {
    // Only invalid UTF-8 in a string field gets here; the server never
    // sends that, but say so rather than print nothing.
    return "{\"error\":\"unprintable message\"}";
  }
  return json;
}

Table MessageTable(
    const std::vector<const google::protobuf::Message*>& messages,
    const std::vector<Column>& columns) {
  std::vector<std::string> headers;
  for (const Column& column : columns) headers.push_back(column.header);
  Table table(std::move(headers));
  table.SetMaxWidth(kMaxCellWidth);
  for (size_t i = 0; i < columns.size(); ++i) {
    table.SetAlign(i, columns[i].align);
  }
  if (messages.empty()) return table;
  // Resolve each column once; a column the message lacks stays empty.
  std::vector<std::optional<FieldPath>> paths;
  for (const Column& column : columns) {
    auto path =
        ResolveFieldPath(messages.front()->GetDescriptor(), column.path);
    paths.push_back(path.ok() ? std::optional<FieldPath>(*std::move(path))
                              : std::nullopt);
  }
  for (const google::protobuf::Message* message : messages) {
    std::vector<std::string> row;
    for (const auto& path : paths) {
      row.push_back(path ? FormatFieldValue(*message, *path) : "");
    }
    table.AddRow(std::move(row));
  }
  return table;
}

void Printer::PrintMessage(const google::protobuf::Message& message) {
  if (json()) {
    PrintJsonLine(message);
    return;
  }
  Table table({"FIELD", "VALUE"});
  table.set_show_header(false);
  for (auto& [path, value] : FlattenMessage(message)) {
    table.AddRow({path, value});
  }
  table.Print(out_);
}

void Printer::PrintList(
    const std::vector<const google::protobuf::Message*>& messages,
    const std::vector<Column>& columns) {
  if (json()) {
    for (const auto* message : messages) PrintJsonLine(*message);
    return;
  }
  MessageTable(messages, columns).Print(out_);
}

void Printer::PrintJsonLine(const google::protobuf::Message& message) {
  out_ << ToJson(message) << '\n';
}

}  // namespace passerelle::cli
