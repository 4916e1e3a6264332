// Streams: watch (server streaming) and import (client streaming, chunked).

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "clients/cli/commands.h"
#include "clients/cli/france_travail.h"
#include "clients/cli/importer.h"
#include "clients/cli/proto_text.h"
#include "clients/cli/records.h"
#include "google/protobuf/util/time_util.h"
#include "passerelle/v1/changefeed.grpc.pb.h"
#include "passerelle/v1/graduate.grpc.pb.h"
#include "passerelle/v1/offer.grpc.pb.h"
#include "storage/status_macros.h"

namespace passerelle::cli {
namespace {

namespace v1 = ::passerelle::v1;

// Cancels `context` when the user interrupts (Ctrl-C) until Stop(): a
// signal handler may not call into gRPC, so a thread polls the flag.
class CancelOnInterrupt {
 public:
  explicit CancelOnInterrupt(grpc::ClientContext* context)
      : thread_([this, context] {
          std::unique_lock<std::mutex> lock(mu_);
          while (!stop_) {
            if (InterruptRequested()) {
              context->TryCancel();
              return;
            }
            cv_.wait_for(lock, std::chrono::milliseconds(50));
          }
        }) {}

  ~CancelOnInterrupt() { Stop(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

std::string Owner(const v1::ChangeEvent& event) {
  if (!event.school_id().empty()) return "school:" + event.school_id();
  if (!event.partner_id().empty()) return "partner:" + event.partner_id();
  if (!event.company_id().empty()) return "company:" + event.company_id();
  return "";
}

absl::Status Watch(Invocation& inv) {
  v1::WatchRequest request;
  ASSIGN_OR_RETURN(auto since, inv.args.GetInt("since"));
  if (since && *since < 0) {
    return UsageError(
        absl::StrCat("--since: expected a sequence number >= 0, "
                     "got ",
                     *since));
  }
  request.set_since(static_cast<uint64_t>(since.value_or(0)));
  ASSIGN_OR_RETURN(
      std::vector<int> kinds,
      EnumListFlag(inv.args, "kinds", v1::EntityKind_descriptor()));
  for (int kind : kinds) request.add_kinds(static_cast<v1::EntityKind>(kind));
  ASSIGN_OR_RETURN(auto max_events, inv.args.GetInt("max_events"));
  if (max_events && *max_events < 0) {
    return UsageError("--max_events: expected a number >= 0");
  }

  ScopedInterruptHandling handling_interrupt;
  // A feed has no end: no deadline.
  auto context = inv.NewContext(/*with_deadline=*/false);
  auto stub = v1::ChangeFeedService::NewStub(inv.channel);
  auto reader = stub->Watch(context.get(), request);
  CancelOnInterrupt cancel_on_interrupt(context.get());

  // Widths fixed up front: rows are printed as they arrive.
  const auto line = [](const std::vector<std::string>& cells) {
    static constexpr size_t kWidths[] = {10, 9, 8, 28, 7, 36};
    std::string text;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) text += "  ";
      if (i == 0 || i == 4) {
        text += PadLeft(cells[i], kWidths[i]);
      } else if (i + 1 < cells.size()) {
        text += PadRight(cells[i], kWidths[i]);
      } else {
        text += cells[i];
      }
    }
    return text;
  };
  if (!inv.printer.json()) {
    inv.out << line(
                   {"SEQUENCE", "KIND", "OP", "ID", "VERSION", "OWNER", "TIME"})
            << std::endl;
  }
  int64_t count = 0;
  bool reached_max = false;
  v1::ChangeEvent event;
  while (reader->Read(&event)) {
    ++count;
    if (inv.printer.json()) {
      inv.out << ToJson(event) << std::endl;
    } else {
      inv.out << line({absl::StrCat(event.sequence()),
                       FormatFieldValue(event, "kind"),
                       FormatFieldValue(event, "op"), event.id(),
                       absl::StrCat(event.version()), Owner(event),
                       event.has_time()
                           ? google::protobuf::util::TimeUtil::ToString(
                                 event.time())
                           : ""})
              << std::endl;
    }
    if (max_events && *max_events > 0 && count >= *max_events) {
      reached_max = true;
      context->TryCancel();
      break;
    }
  }
  cancel_on_interrupt.Stop();
  const grpc::Status status = reader->Finish();
  if ((reached_max || InterruptRequested()) &&
      status.error_code() == grpc::StatusCode::CANCELLED) {
    return absl::OkStatus();
  }
  if (status.ok()) {
    inv.err << "the server ended the feed after " << count << " events\n";
  }
  return inv.FromGrpc(status, "Watch");
}

// One client-streaming call per chunk.
template <typename Service, typename Request, typename Resource>
ChunkSender MakeSender(Invocation& inv, const char* method,
                       std::unique_ptr<grpc::ClientWriter<Request>> (
                           Service::Stub::*rpc)(grpc::ClientContext*,
                                                v1::ImportResponse*),
                       Resource* (Request::*mutable_resource)()) {
  auto stub =
      std::shared_ptr<typename Service::Stub>(Service::NewStub(inv.channel));
  return [&inv, stub, method, rpc, mutable_resource](
             const std::vector<const google::protobuf::Message*>& records,
             v1::ImportResponse* response) -> absl::Status {
    auto context = inv.NewContext();
    auto writer = ((*stub).*rpc)(context.get(), response);
    Request request;
    for (const google::protobuf::Message* record : records) {
      (request.*mutable_resource)()->CopyFrom(*record);
      // Buffered: records go out in full frames instead of one write (and
      // one wake-up on each side) per record. Nothing is acknowledged
      // before Finish anyway.
      if (!writer->Write(request, grpc::WriteOptions().set_buffer_hint())) {
        break;  // the call ended: Finish says why
      }
    }
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    if (!status.ok()) {
      // What the server wrote before the call failed, if it says.
      response->Clear();
      const auto& trailers = context->GetServerTrailingMetadata();
      const auto it = trailers.find(kImportTrailer);
      if (it == trailers.end() ||
          !response->ParseFromArray(it->second.data(), it->second.size())) {
        response->Clear();
      }
    }
    return inv.FromGrpc(status, method);
  };
}

// Imports FILE (the positional argument), or `fetched` (offers fetched
// from the France Travail API) when given.
absl::Status Import(Invocation& inv, bool graduates,
                    const std::optional<std::string>& fetched = std::nullopt) {
  const std::string path = fetched.has_value()
                               ? std::string("the France Travail API")
                               : inv.args.positional().front();
  ImportFormat format = ImportFormat::kFranceTravail;
  if (fetched.has_value()) {
    // The API's answers, in its own format.
  } else if (auto name = inv.args.Get("format")) {
    ASSIGN_OR_RETURN(format, ImportFormatFromName(*name));
  } else {
    ASSIGN_OR_RETURN(format, ImportFormatFromPath(path));
  }
  char delimiter = 0;
  if (auto text = inv.args.Get("delimiter")) {
    if (*text == "tab" || *text == "\\t" || *text == "\t") {
      delimiter = '\t';
    } else if (text->size() == 1 && *text != "\"") {
      delimiter = (*text)[0];
    } else {
      return UsageError(absl::StrCat(
          "--delimiter: expected one character (or tab), got \"", *text, "\""));
    }
  }
  ImportOptions options;
  options.label = graduates ? "graduates" : "offers";
  ASSIGN_OR_RETURN(auto batch_size, inv.args.GetInt("batch_size"));
  if (batch_size && (*batch_size < 1 || *batch_size > 1000000)) {
    return UsageError(
        absl::StrCat("--batch_size: expected 1..1000000, got ", *batch_size));
  }
  options.batch_size = static_cast<size_t>(batch_size.value_or(1000));
  ASSIGN_OR_RETURN(options.dry_run, inv.args.GetBool("dry_run", false));
  ASSIGN_OR_RETURN(options.quiet, inv.args.GetBool("quiet", false));
  ASSIGN_OR_RETURN(bool fail_on_reject,
                   inv.args.GetBool("fail_on_reject", false));
  options.progress_tty = inv.options.stderr_is_tty;
  options.interrupted = [] { return InterruptRequested(); };
  ScopedInterruptHandling handling_interrupt;

  std::ifstream file;
  std::istringstream fetched_stream;
  std::istream* in = &std::cin;
  if (fetched.has_value()) {
    fetched_stream.str(*fetched);
    in = &fetched_stream;
    options.total_bytes = static_cast<int64_t>(fetched->size());
  } else if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return UsageError(absl::StrCat("cannot open \"", path, "\""));
    in = &file;
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (!error) options.total_bytes = static_cast<int64_t>(size);
  }

  std::unique_ptr<AckFile> ack_file;
  if (auto ack_path = inv.args.Get("ack_file")) {
    if (options.dry_run)
      return UsageError("--ack_file makes no sense with --dry_run");
    ASSIGN_OR_RETURN(ack_file, AckFile::Open(*ack_path));
    options.ack_file = ack_file.get();
  }

  const google::protobuf::Message& prototype =
      graduates ? static_cast<const google::protobuf::Message&>(
                      v1::Graduate::default_instance())
                : v1::Offer::default_instance();
  std::unique_ptr<RecordReader> reader;
  if (format == ImportFormat::kFranceTravail ||
      format == ImportFormat::kLaBonneAlternance) {
    if (graduates) {
      return UsageError(
          "--format: france-travail and labonnealternance are offer formats");
    }
    auto partner = NewPartnerRecordReader(in, format);
    if (!partner.ok()) {
      return UsageError(absl::StrCat(path, ": ", partner.status().message()));
    }
    reader = *std::move(partner);
  } else if (format == ImportFormat::kCsv) {
    auto csv = NewCsvRecordReader(in, prototype, delimiter);
    if (!csv.ok()) {
      return UsageError(absl::StrCat(path, ": ", csv.status().message()));
    }
    reader = *std::move(csv);
  } else {
    reader = NewJsonlRecordReader(in, prototype);
  }

  const ChunkSender send =
      graduates
          ? MakeSender<v1::GraduateService>(
                inv, "ImportGraduates",
                &v1::GraduateService::Stub::ImportGraduates,
                &v1::ImportGraduatesRequest::mutable_graduate)
          : MakeSender<v1::OfferService>(
                inv, "ImportOffers", &v1::OfferService::Stub::ImportOffers,
                &v1::ImportOffersRequest::mutable_offer);
  const ImportSummary summary = RunImport(*reader, options, send, inv.err);
  PrintImportSummary(summary, options, inv.printer.format(), inv.out);
  if (!summary.status.ok()) return summary.status;
  if (summary.interrupted) return absl::CancelledError("import interrupted");
  if (fail_on_reject && summary.invalid + summary.rejected > 0) {
    inv.exit_code = kExitRejected;
  }
  return absl::OkStatus();
}

std::vector<FlagDoc> ImportFlags() {
  return {
      {"format", FlagKind::kString,
       "csv or jsonl (default: from the file's extension); for offers also "
       "france-travail (Offres d'emploi v2 JSON) or labonnealternance (its "
       "jobs JSON), mapped as docs/formats.md says"},
      {"delimiter", FlagKind::kString,
       "CSV delimiter: one character or tab (default: detected)"},
      {"batch_size", FlagKind::kString, "records per call (default 1000)"},
      {"ack_file", FlagKind::kString,
       "append the external_id of each acknowledged record (fsync'ed after "
       "each call)"},
      {"dry_run", FlagKind::kBool, "parse and report only; send nothing"},
      {"fail_on_reject", FlagKind::kBool,
       "exit 3 when a row was invalid or rejected"},
      {"quiet", FlagKind::kBool, "no progress on stderr"},
  };
}

Command ImportCommand(bool graduates) {
  Command command;
  const std::string noun = graduates ? "graduates" : "offers";
  command.words = {"import", noun};
  command.positional_synopsis = "FILE";
  command.min_positional = 1;
  command.max_positional = 1;
  command.summary = absl::StrCat(
      "Imports ", noun,
      " from CSV or JSON Lines (upsert by external_id), in chunks of "
      "--batch_size records.\n\n"
      "JSON Lines: one proto3 JSON ",
      graduates ? "Graduate" : "Offer",
      " per line.\n"
      "CSV: a header row of field paths (",
      graduates ? "external_id,given_name,family_name,birth_date,"
                  "diploma.code,diploma.status,rome_codes,home.commune_insee,"
                  "accepted_contracts,..."
                : "external_id,title,rome_code,contract_type,start_date,"
                  "weekly_hours,place.commune_insee,positions,...",
      "); lists separated by '|' inside a cell; enums by full or short name "
      "(CONTRACT_TYPE_CDI or cdi); booleans true/false, 1/0, oui/non; an "
      "empty cell leaves the field unset. FILE - reads stdin.\n"
      "Rows that cannot be parsed are reported (line, column, why) and not "
      "sent. Exit 0 when the import ran, even with rejected rows (see "
      "--fail_on_reject); 1 when a call failed (what was acknowledged is "
      "summarised).");
  command.example = absl::StrCat("passerelle-cli import ", noun, " ", noun,
                                 ".csv --ack_file=", noun, ".acks");
  command.flags = ImportFlags();
  command.run = [graduates](Invocation& inv) { return Import(inv, graduates); };
  return command;
}

}  // namespace

// Fetches offers from the France Travail API (OAuth2 client credentials)
// and imports them as `import offers --format=france-travail` would.
absl::Status ImportFromFranceTravail(Invocation& inv) {
  FranceTravailApi api;
  api.token_url = inv.args.GetString("token_url");
  if (api.token_url.empty())
    api.token_url = std::string(kFranceTravailTokenUrl);
  api.search_url = inv.args.GetString("api_url");
  if (api.search_url.empty()) {
    api.search_url = std::string(kFranceTravailSearchUrl);
  }
  api.client_id = inv.args.GetString("client_id");
  if (api.client_id.empty()) {
    if (const char* env = std::getenv("FRANCE_TRAVAIL_CLIENT_ID")) {
      api.client_id = env;
    }
  }
  if (api.client_id.empty()) {
    return UsageError(
        "--client_id: required (or FRANCE_TRAVAIL_CLIENT_ID): your "
        "francetravail.io application's identifier");
  }
  ASSIGN_OR_RETURN(std::string secret_path, inv.Required("client_secret_file"));
  ASSIGN_OR_RETURN(std::string secret,
                   ReadFileForFlag("client_secret_file", secret_path));
  api.client_secret = std::string(absl::StripAsciiWhitespace(secret));
  if (api.client_secret.empty()) {
    return UsageError("--client_secret_file: the file is empty");
  }
  api.ca_file = inv.args.GetString("ca_file");
  std::vector<std::pair<std::string, std::string>> params;
  for (const std::string& item : ListFlagValues(inv.args, "query")) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return UsageError(absl::StrCat(
          "--query: name=value pairs (e.g. siret=73282932000074), got \"", item,
          "\""));
    }
    params.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  if (params.empty()) {
    return UsageError(
        "--query: required: the search, e.g. siret=YOUR_SIRET (your own "
        "offers), codeROME=H2903,commune=59350");
  }
  ASSIGN_OR_RETURN(bool quiet, inv.args.GetBool("quiet", false));
  ASSIGN_OR_RETURN(
      std::string content,
      FetchFranceTravailOffers(api, params, quiet ? nullptr : &inv.err));
  return Import(inv, /*graduates=*/false, content);
}

Command FranceTravailCommand() {
  Command command;
  command.words = {"import", "france-travail"};
  command.summary =
      "Fetches offers from the France Travail API (Offres d'emploi v2, "
      "OAuth2 client credentials of your francetravail.io application) and "
      "imports them as import offers --format=france-travail does (upsert "
      "by the source's id: run it as often as you like).";
  command.example =
      "passerelle-cli import france-travail --client_id=PAR_monappli_… "
      "--client_secret_file=ft.secret --query=siret=73282932000074";
  std::vector<FlagDoc> flags = {
      {"client_id", FlagKind::kString,
       "the application's client id (or FRANCE_TRAVAIL_CLIENT_ID)"},
      {"client_secret_file", FlagKind::kString,
       "a file holding the client secret (never a flag: it would show in "
       "the process list)"},
      {"query", FlagKind::kString,
       "search parameters name=value, comma-separated or repeated (siret=…, "
       "codeROME=…, commune=…, typeContrat=…)"},
      {"token_url", FlagKind::kString,
       "the OAuth2 token endpoint (default France Travail's)"},
      {"api_url", FlagKind::kString,
       "the offers search endpoint (default France Travail's)"},
      {"ca_file", FlagKind::kString, "a CA to trust besides the system's"},
  };
  for (FlagDoc& f : ImportFlags()) {
    if (f.name != "format" && f.name != "delimiter") flags.push_back(f);
  }
  command.flags = std::move(flags);
  command.run = ImportFromFranceTravail;
  return command;
}

void AddStreamCommands(std::vector<Command>* commands) {
  commands->push_back(ImportCommand(true));
  commands->push_back(ImportCommand(false));
  commands->push_back(FranceTravailCommand());
  Command watch;
  watch.words = {"watch"};
  watch.summary =
      "Streams change events after a sequence number, then live, until "
      "interrupted (Ctrl-C) or --max_events.";
  watch.example = "passerelle-cli watch --since=0 --kinds=graduate,offer";
  watch.flags = {
      {"since", FlagKind::kString,
       "deliver events after this sequence (default 0)"},
      {"kinds", FlagKind::kString,
       "only these entity kinds, comma-separated (graduate, offer, ...)"},
      {"max_events", FlagKind::kString, "stop after this many events"},
  };
  watch.run = Watch;
  commands->push_back(std::move(watch));
}

}  // namespace passerelle::cli
