#include "clients/cli/commands.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cli/proto_text.h"
#include "clients/cli/update_mask.h"
#include "google/protobuf/util/json_util.h"

namespace passerelle::cli {
namespace {

using google::protobuf::FieldDescriptor;

std::string KindHint(FlagKind kind) {
  return kind == FlagKind::kBool ? "" : "=VALUE";
}

// Every field path of `type` reachable through singular messages, for help.
void ListFieldPaths(const google::protobuf::Descriptor* type,
                    const std::string& prefix, std::vector<std::string>* out,
                    int depth) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    const std::string name = prefix + field->name();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !field->is_repeated() &&
        field->message_type()->file()->package() != "google.protobuf" &&
        depth < 3) {
      ListFieldPaths(field->message_type(), name + ".", out, depth + 1);
    } else {
      out->push_back(name);
    }
  }
}

std::vector<Command> BuildCommands() {
  std::vector<Command> commands;
  AddResourceCommands(&commands);
  AddMatchingCommands(&commands);
  AddStreamCommands(&commands);
  AddAccountCommands(&commands);
  AddIntegrationCommands(&commands);
  return commands;
}

}  // namespace

std::string Command::name() const { return absl::StrJoin(words, " "); }

const std::vector<Command>& AllCommands() {
  static const auto* const commands = new std::vector<Command>(BuildCommands());
  return *commands;
}

const Command* FindCommand(const std::vector<std::string>& words,
                           size_t* consumed) {
  const Command* best = nullptr;
  size_t best_length = 0;
  for (const Command& command : AllCommands()) {
    const size_t n = command.words.size();
    if (n > words.size() || n <= best_length) continue;
    if (std::equal(command.words.begin(), command.words.end(), words.begin())) {
      best = &command;
      best_length = n;
    }
  }
  *consumed = best_length;
  return best;
}

std::optional<FlagKind> CommandFlagKind(const Command& command,
                                        absl::string_view name) {
  for (const FlagDoc& flag : command.flags) {
    if (flag.name == name) return flag.kind;
  }
  if (command.resource == nullptr) return std::nullopt;
  std::string path(name);
  for (const auto& [alias, target] : command.aliases) {
    if (alias == name) path = target;
  }
  auto resolved = ResolveFieldPath(command.resource, path);
  if (!resolved.ok()) return std::nullopt;
  const FieldDescriptor* leaf = resolved->leaf();
  return leaf->cpp_type() == FieldDescriptor::CPPTYPE_BOOL &&
                 !leaf->is_repeated()
             ? FlagKind::kBool
             : FlagKind::kString;
}

std::string CommandUsage(const Command& command) {
  std::ostringstream usage;
  usage << "usage: passerelle-cli " << command.name();
  if (!command.positional_synopsis.empty()) {
    usage << " " << command.positional_synopsis;
  }
  usage << " [--flags]\n\n" << command.summary << "\n";
  if (!command.flags.empty()) {
    usage << "\nflags:\n";
    Table table({"", ""});
    table.set_show_header(false);
    for (const FlagDoc& flag : command.flags) {
      table.AddRow({"  --" + flag.name + KindHint(flag.kind), flag.help});
    }
    table.Print(usage);
  }
  if (command.resource != nullptr) {
    std::vector<std::string> paths;
    ListFieldPaths(command.resource, "", &paths, 0);
    usage << "\nfield flags (" << command.resource->full_name()
          << "; lists comma-separated, enums by short name):\n  --"
          << absl::StrJoin(paths, " --") << "\n";
    if (!command.aliases.empty()) {
      std::vector<std::string> aliases;
      for (const auto& [alias, path] : command.aliases) {
        aliases.push_back(absl::StrCat("--", alias, " = --", path));
      }
      usage << "  shorthands: " << absl::StrJoin(aliases, ", ") << "\n";
    }
  }
  if (!command.example.empty()) {
    usage << "\nexample:\n  " << command.example << "\n";
  }
  return usage.str();
}

std::unique_ptr<grpc::ClientContext> Invocation::NewContext(
    bool with_deadline) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!options.token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options.token);
  }
  if (with_deadline && options.timeout_s > 0) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::microseconds(
                              static_cast<int64_t>(options.timeout_s * 1e6)));
  }
  return context;
}

absl::Status Invocation::FromGrpc(const grpc::Status& status,
                                  absl::string_view method) const {
  if (status.ok()) return absl::OkStatus();
  std::string message = status.error_message();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  if (message.empty()) {
    switch (status.error_code()) {
      case grpc::StatusCode::UNIMPLEMENTED:
        message = absl::StrCat("the server does not implement ", method);
        break;
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        message = absl::StrCat(
            method, ": no answer within --timeout_s=", options.timeout_s);
        break;
      default:
        message = absl::StrCat(method, " failed");
    }
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      options.channel == nullptr) {
    message = absl::StrCat(message, " (server ", options.address, ")");
  }
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
      options.token.empty()) {
    message = absl::StrCat(message,
                           " (no token given: pass --token or --token_file, "
                           "or set PASSERELLE_TOKEN)");
  }
  return absl::Status(code, message);
}

absl::Status Invocation::Call(
    absl::string_view method,
    const std::function<grpc::Status(grpc::ClientContext*)>& call) const {
  auto context = NewContext();
  return FromGrpc(call(context.get()), method);
}

absl::StatusOr<std::string> Invocation::Required(absl::string_view flag) const {
  auto value = args.Get(flag);
  if (!value || value->empty()) {
    return UsageError(
        absl::StrCat("--", flag, " is required for '", command.name(), "'"));
  }
  return *value;
}

absl::StatusOr<std::string> ReadFileForFlag(absl::string_view flag,
                                            const std::string& path) {
  std::ostringstream content;
  if (path == "-") {
    content << std::cin.rdbuf();
    return content.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return UsageError(absl::StrCat("--", flag, ": cannot open \"", path, "\""));
  }
  content << in.rdbuf();
  return content.str();
}

absl::Status BuildResource(const Invocation& inv,
                           google::protobuf::Message* resource,
                           std::vector<std::string>* paths) {
  const Command& command = inv.command;
  const std::string type = resource->GetDescriptor()->full_name();
  std::optional<std::string> json = inv.args.Get("json");
  std::string json_flag = "json";
  if (auto file = inv.args.Get("json_file")) {
    if (json) return UsageError("give --json or --json_file, not both");
    auto content = ReadFileForFlag("json_file", *file);
    if (!content.ok()) return content.status();
    json = *std::move(content);
    json_flag = "json_file";
  }
  if (json) {
    const auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json->data(), json->size()), resource);
    if (!status.ok()) {
      return UsageError(
          absl::StrCat("--", json_flag, ": not a valid ", type,
                       " in proto3 JSON: ", std::string(status.message())));
    }
    auto json_paths = JsonFieldPaths(resource->GetDescriptor(), *json);
    if (!json_paths.ok()) {
      return UsageError(
          absl::StrCat("--", json_flag, ": ", json_paths.status().message()));
    }
    paths->insert(paths->end(), json_paths->begin(), json_paths->end());
  }

  absl::flat_hash_set<std::string> declared;
  for (const FlagDoc& flag : command.flags) declared.insert(flag.name);
  // A list given by flags replaces the one from JSON; repeating the flag
  // appends.
  absl::flat_hash_set<std::string> lists_started;
  for (const auto& [name, value] : inv.args.flags()) {
    if (declared.contains(name) || name == "help") continue;
    std::string path = name;
    for (const auto& [alias, target] : command.aliases) {
      if (alias == name) path = target;
    }
    auto resolved = ResolveFieldPath(resource->GetDescriptor(), path);
    if (!resolved.ok()) {
      return UsageError(absl::StrCat("unknown flag --", name));
    }
    const FieldDescriptor* leaf = resolved->leaf();
    const std::string canonical = resolved->ToString();
    if (leaf->is_repeated() && lists_started.insert(canonical).second) {
      google::protobuf::Message* parent = resource;
      for (size_t i = 0; i + 1 < resolved->fields.size(); ++i) {
        parent = parent->GetReflection()->MutableMessage(parent,
                                                         resolved->fields[i]);
      }
      parent->GetReflection()->ClearField(parent, leaf);
    }
    const absl::Status status =
        SetFieldFromText(resource, *resolved, value, ',');
    if (!status.ok()) {
      return UsageError(absl::StrCat("--", name, ": ", status.message()));
    }
    paths->push_back(canonical);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> IdArgument(const Invocation& inv) {
  std::optional<std::string> id = inv.args.Get("id");
  if (!inv.args.positional().empty()) {
    const std::string& positional = inv.args.positional().front();
    if (id && *id != positional) {
      return UsageError(absl::StrCat("two different ids: \"", positional,
                                     "\" and --id=", *id));
    }
    id = positional;
  }
  if (!id || id->empty()) {
    return UsageError(absl::StrCat("--id (or an ID argument) is required for '",
                                   inv.command.name(), "'"));
  }
  return *id;
}

std::vector<Column> OfferColumns() {
  return {{"ID", "id"},
          {"EXTERNAL_ID", "external_id"},
          {"TITLE", "title"},
          {"ROME", "rome_code"},
          {"CONTRACT", "contract_type"},
          {"START", "start_date"},
          {"COMMUNE", "place.commune_name"},
          {"POSITIONS", "positions", Align::kRight},
          {"STATUS", "status"},
          {"VERSION", "version", Align::kRight}};
}

std::vector<Column> ProposalColumns() {
  return {{"ID", "id"},
          {"OFFER", "offer_id"},
          {"TITLE", "offer_title"},
          {"GRADUATE", "graduate_id"},
          {"STATE", "state"},
          {"SCORE", "score", Align::kRight},
          {"RESPOND_BY", "respond_by"}};
}

Command MakeCommand(std::vector<std::string> words, std::string summary,
                    std::string example, std::vector<FlagDoc> flags, Run run) {
  Command command;
  command.words = std::move(words);
  command.summary = std::move(summary);
  command.example = std::move(example);
  command.flags = std::move(flags);
  command.run = std::move(run);
  return command;
}

std::vector<FlagDoc> Concat(std::vector<FlagDoc> a,
                            const std::vector<FlagDoc>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::string> ListFlagValues(const ParsedArgs& args,
                                        absl::string_view name) {
  std::vector<std::string> values;
  for (const auto& [flag, value] : args.flags()) {
    if (flag != name) continue;
    for (absl::string_view item : absl::StrSplit(value, ',')) {
      item = absl::StripAsciiWhitespace(item);
      if (!item.empty()) values.emplace_back(item);
    }
  }
  return values;
}

absl::StatusOr<std::vector<int>> EnumListFlag(
    const ParsedArgs& args, absl::string_view name,
    const google::protobuf::EnumDescriptor* type) {
  std::vector<int> numbers;
  for (const std::string& text : ListFlagValues(args, name)) {
    auto value = ParseEnumValue(type, text);
    if (!value.ok()) {
      return UsageError(
          absl::StrCat("--", name, ": ", value.status().message()));
    }
    numbers.push_back((*value)->number());
  }
  return numbers;
}

std::vector<FlagDoc> PagingFlags() {
  return {
      {"page_size", FlagKind::kString, "results per page (server default)"},
      {"page_token", FlagKind::kString, "continue from this page token"},
      {"all", FlagKind::kBool, "fetch every page"},
  };
}

}  // namespace passerelle::cli
