#include "clients/cli/importer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/cli/args.h"
#include "clients/cli/table.h"
#include "google/protobuf/struct.pb.h"

namespace passerelle::cli {
namespace {

using google::protobuf::Message;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxErrorsShown = 50;

std::string ExternalId(const Message& message) {
  const auto* field = message.GetDescriptor()->FindFieldByName("external_id");
  if (field == nullptr ||
      field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
    return "";
  }
  return message.GetReflection()->GetString(message, field);
}

// Progress on stderr: a bar redrawn in place on a terminal, otherwise a plain
// line every few seconds (logs and CI output stay readable).
class Progress {
 public:
  Progress(const ImportOptions& options, std::ostream& err)
      : options_(options), err_(err), start_(Clock::now()), last_(start_) {}

  void Update(int64_t rows, int64_t bytes, bool force) {
    if (options_.quiet) return;
    const auto now = Clock::now();
    const auto interval = options_.progress_tty ? std::chrono::milliseconds(100)
                                                : std::chrono::seconds(2);
    if (!force && now - last_ < interval) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? rows / seconds : 0;
    const double fraction =
        options_.total_bytes > 0
            ? std::min(1.0, static_cast<double>(bytes) / options_.total_bytes)
            : -1;
    if (options_.progress_tty) {
      constexpr int kBarWidth = 30;
      std::string bar;
      if (fraction >= 0) {
        const int filled = static_cast<int>(fraction * kBarWidth);
        bar = absl::StrCat("[", std::string(filled, '#'),
                           std::string(kBarWidth - filled, '.'), "] ",
                           absl::StrFormat("%3.0f%%", fraction * 100), "  ");
      }
      err_ << "\r\033[K" << bar << rows << " rows  "
           << absl::StrFormat("%.0f", rate) << " rows/s" << std::flush;
      drawn_ = true;
    } else {
      err_ << "import " << options_.label << ": " << rows << " rows";
      if (fraction >= 0) err_ << absl::StrFormat(" (%.0f%%)", fraction * 100);
      err_ << absl::StrFormat(", %.0f rows/s", rate) << std::endl;
    }
  }

  void Finish() {
    if (drawn_) err_ << "\r\033[K" << std::flush;
  }

 private:
  const ImportOptions& options_;
  std::ostream& err_;
  const Clock::time_point start_;
  Clock::time_point last_;
  bool drawn_ = false;
};

struct PendingRecord {
  int64_t line;
  std::unique_ptr<Message> message;
};

// Sends one chunk and folds the answer into *summary. Returns false when the
// import must stop.
bool SendChunk(std::vector<PendingRecord>& chunk, const ImportOptions& options,
               const ChunkSender& send, ImportSummary* summary,
               std::ostream& err) {
  if (chunk.empty()) return true;
  std::vector<const Message*> records;
  records.reserve(chunk.size());
  for (const auto& record : chunk) records.push_back(record.message.get());
  passerelle::v1::ImportResponse response;
  const absl::Status status = send(records, &response);
  // A failed call reports (in its trailing metadata) the records it wrote:
  // the first `settled` ones. Those are folded in like a whole chunk; the
  // rest were not written.
  auto n = static_cast<int64_t>(chunk.size());
  if (!status.ok()) {
    summary->status = status;
    const int64_t settled = std::clamp<int64_t>(response.settled(), 0, n);
    summary->not_acknowledged += n - settled;
    n = settled;
  }
  summary->sent += n;
  summary->received += status.ok() ? response.received() : n;
  summary->created += response.created();
  summary->updated += response.updated();
  summary->unchanged += response.unchanged();
  summary->rejected += response.rejected();
  if (status.ok() && response.received() != n) {
    err << "warning: the server reports " << response.received()
        << " records received for a chunk of " << n << std::endl;
  }

  absl::flat_hash_set<int64_t> rejected;
  int64_t last_listed = -1;
  for (const auto& e : response.errors()) {
    RowError error;
    error.field = e.field();
    error.message = e.message();
    error.external_id = e.external_id();
    if (e.index() >= 0 && e.index() < n) {
      const PendingRecord& record = chunk[e.index()];
      error.line = record.line;
      if (error.external_id.empty()) {
        error.external_id = ExternalId(*record.message);
      }
      rejected.insert(e.index());
      last_listed = std::max(last_listed, e.index());
    }
    summary->errors.push_back(std::move(error));
  }
  // The server lists its first rejections only: past the last one listed,
  // a record may have been rejected without our knowing which.
  const bool complete =
      response.rejected() <= static_cast<int64_t>(rejected.size());
  const int64_t known = complete ? n : last_listed + 1;
  std::vector<std::string> accepted;
  for (int64_t i = 0; i < known; ++i) {
    if (!rejected.contains(i))
      accepted.push_back(ExternalId(*chunk[i].message));
  }
  if (!complete) summary->unknown_outcome += n - known;
  summary->acknowledged += static_cast<int64_t>(accepted.size());
  if (options.ack_file != nullptr) {
    accepted.erase(std::remove(accepted.begin(), accepted.end(), ""),
                   accepted.end());
    const absl::Status written = options.ack_file->Append(accepted);
    if (!written.ok()) {
      summary->status = written;
      chunk.clear();
      return false;
    }
  }
  chunk.clear();
  return status.ok();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AckFile>> AckFile::Open(
    const std::string& path) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return UsageError(absl::StrCat("--ack_file: cannot open \"", path,
                                   "\": ", std::strerror(errno)));
  }
  return std::unique_ptr<AckFile>(new AckFile(fd, path));
}

AckFile::~AckFile() { ::close(fd_); }

absl::Status AckFile::Append(const std::vector<std::string>& ids) {
  std::string data;
  for (const std::string& id : ids) absl::StrAppend(&data, id, "\n");
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat(
          "cannot write the ack file \"", path_, "\": ", std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd_) != 0) {
    return absl::InternalError(absl::StrCat(
        "cannot sync the ack file \"", path_, "\": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

ImportSummary RunImport(RecordReader& reader, const ImportOptions& options,
                        const ChunkSender& send, std::ostream& err) {
  ImportSummary summary;
  Progress progress(options, err);
  const auto start = Clock::now();
  const size_t batch_size = std::max<size_t>(1, options.batch_size);
  std::vector<PendingRecord> chunk;
  chunk.reserve(std::min<size_t>(batch_size, 100000));
  Row row;
  bool stopped = false;
  while (reader.Next(&row)) {
    ++summary.rows;
    summary.last_line = row.line;
    if (!row.errors.empty()) {
      ++summary.invalid;
      for (RowError& error : row.errors) {
        summary.errors.push_back(std::move(error));
      }
      continue;
    }
    if (options.dry_run) continue;
    chunk.push_back(PendingRecord{row.line, std::move(row.message)});
    if (chunk.size() >= batch_size) {
      if (!SendChunk(chunk, options, send, &summary, err)) {
        stopped = true;
        break;
      }
      progress.Update(summary.rows, reader.bytes_consumed(), false);
      if (options.interrupted && options.interrupted()) {
        summary.interrupted = true;
        stopped = true;
        break;
      }
    }
  }
  if (stopped) {
    summary.stopped_early = reader.Next(&row);  // anything left unread?
  } else {
    SendChunk(chunk, options, send, &summary, err);
  }
  progress.Update(summary.rows, reader.bytes_consumed(), true);
  progress.Finish();
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::stable_sort(
      summary.errors.begin(), summary.errors.end(),
      [](const RowError& a, const RowError& b) { return a.line < b.line; });
  return summary;
}

void PrintImportSummary(const ImportSummary& s, const ImportOptions& options,
                        OutputFormat format, std::ostream& out) {
  const bool complete = s.status.ok() && !s.interrupted;
  if (format == OutputFormat::kJson) {
    // Written by hand so that keys come in a fixed, readable order;
    // lowerCamelCase like the proto3 JSON of the other commands.
    const auto str = [](const std::string& text) {
      google::protobuf::Value value;
      value.set_string_value(text);
      return ToJson(value);
    };
    out << "{\"complete\":" << (complete ? "true" : "false")
        << ",\"dryRun\":" << (options.dry_run ? "true" : "false")
        << ",\"rows\":" << s.rows << ",\"invalid\":" << s.invalid
        << ",\"sent\":" << s.sent << ",\"received\":" << s.received
        << ",\"created\":" << s.created << ",\"updated\":" << s.updated
        << ",\"unchanged\":" << s.unchanged << ",\"rejected\":" << s.rejected
        << ",\"acknowledged\":" << s.acknowledged
        << ",\"notAcknowledged\":" << s.not_acknowledged
        << ",\"unknownOutcome\":" << s.unknown_outcome
        << ",\"seconds\":" << absl::StrFormat("%.3f", s.seconds)
        << ",\"errors\":[";
    for (size_t i = 0; i < s.errors.size(); ++i) {
      const RowError& e = s.errors[i];
      out << (i > 0 ? "," : "") << "{\"line\":" << e.line;
      if (e.column > 0) out << ",\"column\":" << e.column;
      out << ",\"externalId\":" << str(e.external_id)
          << ",\"field\":" << str(e.field) << ",\"message\":" << str(e.message)
          << "}";
    }
    out << "]}\n";
    return;
  }

  const double rate = s.seconds > 0 ? s.rows / s.seconds : 0;
  out << "import " << options.label << ": " << s.rows << " rows read in "
      << absl::StrFormat("%.1f s (%.0f rows/s)", s.seconds, rate)
      << (options.dry_run ? " (dry run: nothing sent)" : "") << '\n';
  Table counts({"", "", ""});
  counts.set_show_header(false);
  counts.SetAlign(1, Align::kRight);
  const auto add = [&](const char* name, int64_t value, std::string note) {
    counts.AddRow({name, absl::StrCat(value), std::move(note)});
  };
  add("invalid", s.invalid, "rows not sent: they could not be parsed");
  if (!options.dry_run) {
    add("sent", s.sent, "in calls the server answered");
    add("created", s.created, "");
    add("updated", s.updated, "");
    add("unchanged", s.unchanged, "");
    add("rejected", s.rejected, "by the server");
    add("acknowledged", s.acknowledged,
        options.ack_file != nullptr
            ? "accepted by the server; external ids in --ack_file"
            : "accepted by the server");
    if (s.not_acknowledged > 0) {
      add("not acknowledged", s.not_acknowledged,
          "sent in the call that failed, not reported written: import them "
          "again");
    }
    if (s.unknown_outcome > 0) {
      add("unknown outcome", s.unknown_outcome,
          "past the server's list of rejections");
    }
  }
  counts.Print(out);
  if (s.stopped_early) {
    out << (s.interrupted ? "interrupted" : "stopped: a call failed")
        << "; rows after line " << s.last_line << " were not read\n";
  }
  if (s.errors.empty()) return;
  out << '\n'
      << s.errors.size() << " error" << (s.errors.size() == 1 ? "" : "s")
      << ":\n";
  Table errors({"LINE", "EXTERNAL_ID", "FIELD", "MESSAGE"});
  errors.SetAlign(0, Align::kRight);
  for (size_t i = 0; i < s.errors.size() && i < kMaxErrorsShown; ++i) {
    const RowError& e = s.errors[i];
    std::string field = e.field;
    if (e.column > 0) {
      field = field.empty() ? absl::StrCat("column ", e.column)
                            : absl::StrCat(field, " (column ", e.column, ")");
    }
    errors.AddRow({e.line > 0 ? absl::StrCat(e.line) : "?", e.external_id,
                   field, e.message});
  }
  errors.Print(out);
  if (s.errors.size() > kMaxErrorsShown) {
    out << "and " << s.errors.size() - kMaxErrorsShown << " more\n";
  }
}

}  // namespace passerelle::cli
