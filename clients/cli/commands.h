#pragma once

// The command table and what commands share: the call helper (auth
// metadata, deadline, status conversion), resource building from
// --json/--json_file/field flags, and paging. Internal to passerelle-cli.

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "clients/cli/args.h"
#include "clients/cli/cli.h"
#include "clients/cli/output.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace passerelle::cli {

struct FlagDoc {
  std::string name;
  FlagKind kind;
  std::string help;
};

struct Invocation;

struct Command {
  std::vector<std::string> words;   // {"company", "create"}
  std::string positional_synopsis;  // e.g. "FILE"
  size_t min_positional = 0;        // positional arguments accepted
  size_t max_positional = 0;
  std::string summary;
  std::string example;
  std::vector<FlagDoc> flags;
  // Create/update commands: every field path of this message is also a
  // flag (--given_name, --diploma.code), plus `aliases` (flag -> path).
  const google::protobuf::Descriptor* resource = nullptr;
  std::vector<std::pair<std::string, std::string>> aliases;
  std::function<absl::Status(Invocation&)> run;

  std::string name() const;  // "company create"
};

// One run of a command.
struct Invocation {
  const Command& command;
  const CliOptions& options;
  const ParsedArgs& args;
  Printer& printer;
  std::ostream& out;
  std::ostream& err;
  std::shared_ptr<grpc::Channel> channel;
  int exit_code = kExitOk;

  // A context carrying `authorization: Bearer <token>` and, when
  // `with_deadline`, the --timeout_s deadline.
  std::unique_ptr<grpc::ClientContext> NewContext(
      bool with_deadline = true) const;

  // Converts a call's status; an empty message is replaced by a
  // description, and hints are added for the usual mistakes (no token,
  // wrong address).
  absl::Status FromGrpc(const grpc::Status& status,
                        absl::string_view method) const;

  // Runs `call` with a fresh context and converts its status.
  absl::Status Call(
      absl::string_view method,
      const std::function<grpc::Status(grpc::ClientContext*)>& call) const;

  // A required string flag; a usage error naming it when absent or empty.
  absl::StatusOr<std::string> Required(absl::string_view flag) const;
};

const std::vector<Command>& AllCommands();
// The command named by the longest prefix of `words`; *consumed = its
// number of words. nullptr when none.
const Command* FindCommand(const std::vector<std::string>& words,
                           size_t* consumed);
// The kind of `name` for `command`: a declared flag, a resource field path
// or an alias; nullopt when the command has no such flag.
std::optional<FlagKind> CommandFlagKind(const Command& command,
                                        absl::string_view name);
std::string CommandUsage(const Command& command);

// Fills *resource from --json or --json_file (proto3 JSON), then from the
// field flags in the order given (a repeated field takes comma-separated
// items; repeating its flag appends). Appends to *paths the field paths set
// (JSON leaves, then flags), for an update mask. Usage errors name the flag.
absl::Status BuildResource(const Invocation& inv,
                           google::protobuf::Message* resource,
                           std::vector<std::string>* paths);

// Reads a whole file ("-": stdin). A usage error naming `flag` on failure.
absl::StatusOr<std::string> ReadFileForFlag(absl::string_view flag,
                                            const std::string& path);

// Every item of a list flag: comma-separated, and the flag may repeat.
std::vector<std::string> ListFlagValues(const ParsedArgs& args,
                                        absl::string_view name);
// Same, each item an enum value of `type` (short or full name); a usage
// error naming the flag otherwise.
absl::StatusOr<std::vector<int>> EnumListFlag(
    const ParsedArgs& args, absl::string_view name,
    const google::protobuf::EnumDescriptor* type);

using Run = std::function<absl::Status(Invocation&)>;

// A command with its words, help and flags (the other fields default).
Command MakeCommand(std::vector<std::string> words, std::string summary,
                    std::string example, std::vector<FlagDoc> flags, Run run);
std::vector<FlagDoc> Concat(std::vector<FlagDoc> a,
                            const std::vector<FlagDoc>& b);

// Paging flags shared by every list-like command.
std::vector<FlagDoc> PagingFlags();

// The id a get/update/delete command acts on: its positional argument or
// --id (a usage error when neither or two different ones are given).
absl::StatusOr<std::string> IdArgument(const Invocation& inv);

// Table columns shared by several commands.
std::vector<Column> OfferColumns();
std::vector<Column> ProposalColumns();

// Calls a List-style RPC for one page, or for every page with --all, and
// hands each response to `on_page` as it arrives. Without --all, a
// remaining next_page_token is reported on stderr.
template <typename Request, typename Response, typename CallFn>
absl::Status ForEachPage(Invocation& inv, absl::string_view method,
                         Request request, CallFn call,
                         const std::function<void(const Response&)>& on_page) {
  auto page_size = inv.args.GetInt("page_size");
  if (!page_size.ok()) return page_size.status();
  auto all = inv.args.GetBool("all", false);
  if (!all.ok()) return all.status();
  if (page_size->has_value()) {
    request.set_page_size(static_cast<int32_t>(**page_size));
  }
  request.set_page_token(inv.args.GetString("page_token"));
  for (;;) {
    Response response;
    const absl::Status status = inv.Call(method, [&](grpc::ClientContext* c) {
      return call(c, request, &response);
    });
    if (!status.ok()) return status;
    on_page(response);
    if (response.next_page_token().empty()) break;
    if (!*all) {
      inv.err << "more results: add --page_token=" << response.next_page_token()
              << " for the next page, or --all\n";
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  return absl::OkStatus();
}

// ForEachPage for plain lists: JSON Lines as pages arrive, or one table of
// `columns` at the end. `items(response)` returns the repeated field.
template <typename Request, typename Response, typename CallFn,
          typename ItemsFn>
absl::Status ListPages(Invocation& inv, absl::string_view method,
                       Request request, CallFn call, ItemsFn items,
                       const std::vector<Column>& columns) {
  std::deque<Response> pages;
  const absl::Status status = ForEachPage<Request, Response>(
      inv, method, std::move(request), call, [&](const Response& response) {
        if (inv.printer.json()) {
          for (const auto& item : items(response)) {
            inv.printer.PrintJsonLine(item);
          }
        } else {
          pages.push_back(response);
        }
      });
  if (!inv.printer.json()) {
    // What arrived is printed even when a later page failed.
    std::vector<const google::protobuf::Message*> all;
    for (const Response& page : pages) {
      for (const auto& item : items(page)) all.push_back(&item);
    }
    if (!pages.empty()) inv.printer.PrintList(all, columns);
  }
  return status;
}

// Registration, one function per file.
void AddResourceCommands(std::vector<Command>* commands);
void AddMatchingCommands(std::vector<Command>* commands);
void AddStreamCommands(std::vector<Command>* commands);
void AddAccountCommands(std::vector<Command>* commands);
void AddIntegrationCommands(std::vector<Command>* commands);

}  // namespace passerelle::cli
