#pragma once

// Bulk import: rows from a RecordReader sent in chunks, one client-streaming
// call per chunk; the server's ImportResponses are aggregated and each
// server error is mapped back to the line of the file it came from.

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clients/cli/output.h"
#include "clients/cli/records.h"
#include "google/protobuf/message.h"
#include "passerelle/v1/graduate.pb.h"

namespace passerelle::cli {

// The acknowledgement file: after each chunk's response, the external_id of
// every record the server accepted, one per line, flushed and fsync'ed
// before the next chunk is sent. Whoever kills the server mid-import knows
// that every listed record was acknowledged.
class AckFile {
 public:
  // Opens `path` for appending (creating it, mode 0644). A usage error
  // naming --ack_file when it cannot be opened.
  static absl::StatusOr<std::unique_ptr<AckFile>> Open(const std::string& path);
  ~AckFile();

  // Appends `ids` and returns once they are on disk. INTERNAL on a write or
  // sync failure.
  absl::Status Append(const std::vector<std::string>& ids);

 private:
  AckFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

struct ImportOptions {
  std::string label;          // "graduates" or "offers", for messages
  size_t batch_size = 1000;   // records per call
  bool dry_run = false;       // parse and report only
  bool quiet = false;         // no progress output
  bool progress_tty = false;  // redraw a progress bar (stderr is a TTY)
  int64_t total_bytes =
      0;  // size of the input, for the percentage (0: unknown)
  AckFile* ack_file = nullptr;  // optional
  // Polled between chunks: true stops the import (Ctrl-C).
  std::function<bool()> interrupted;
};

struct ImportSummary {
  int64_t rows = 0;      // data rows read
  int64_t invalid = 0;   // rows not sent: they could not be parsed
  int64_t sent = 0;      // records whose chunk the server answered
  int64_t received = 0;  // the server's counts, summed over chunks
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t rejected = 0;
  int64_t acknowledged = 0;      // records the server accepted
  int64_t not_acknowledged = 0;  // records of a failed call not written
  int64_t unknown_outcome =
      0;                  // accepted or not: beyond the server's error list
  int64_t last_line = 0;  // last line read
  bool stopped_early = false;  // rows were left unread
  double seconds = 0;
  bool interrupted = false;
  // Client-side (not sent) and server-side rejections, by line.
  std::vector<RowError> errors;
  // Non-OK when a chunk's call failed and the import stopped.
  absl::Status status;
};

// The trailing metadata in which the server reports what a failed import
// call wrote (an ImportResponse; see services/runtime/import_reactor.h).
inline constexpr char kImportTrailer[] = "passerelle-import-bin";

// Sends `records` as one client-streaming call and fills *response; returns
// the call's status. When the call fails, *response is what the server
// reported in the trailing metadata: the records before its `settled`
// index have their outcome in it, the others were not written (all of them
// when the server reported nothing: an empty response).
using ChunkSender = std::function<absl::Status(
    const std::vector<const google::protobuf::Message*>& records,
    passerelle::v1::ImportResponse* response)>;

// Reads every row, sends the parsed ones in chunks of options.batch_size,
// and stops at the first chunk whose call fails (summary.status). Progress
// goes to `err` unless options.quiet.
ImportSummary RunImport(RecordReader& reader, const ImportOptions& options,
                        const ChunkSender& send, std::ostream& err);

// The summary: counts, then (table) the first 50 errors and "and N more",
// or (JSON) one object with every error.
void PrintImportSummary(const ImportSummary& summary,
                        const ImportOptions& options, OutputFormat format,
                        std::ostream& out);

}  // namespace passerelle::cli
