#pragma once

// passerelle-datagen's three ways of delivering generated records (see
// datagen_records.h for what the records are):
//
// - WriteFiles: companies.jsonl, schools.jsonl and offers / graduates in the
//   import formats of `passerelle-cli import` (JSON Lines or CSV);
// - FillServer: through a running server's API as admin (CreateCompany,
//   CreateSchool, then ImportOffers / ImportGraduates streams);
// - FillDataDir: straight into a data directory, as the services would
//   write it (same tables, validation, index keys and change-log events), for
//   volumes the API would take too long to import.
//
// Each prints its progress and counts on stdout.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "services/common/referentials.h"
#include "tests/bench/datagen_records.h"

namespace passerelle::datagen {

struct ToolOptions {
  RecordOptions records;
  uint64_t offers = 2000;
  uint64_t graduates = 200;

  // WriteFiles
  std::string out_dir;
  std::string format = "jsonl";  // "jsonl" or "csv"

  // FillServer
  std::string address;      // HOST:PORT
  std::string token_file;   // an admin token
  int import_batch = 5000;  // records per Import call

  // FillDataDir
  std::string data_dir;
  int commit_batch = 4096;  // records per storage commit
};

// Offers name their company "company-<n>" (1-based line of
// companies.jsonl) and graduates their school "school-<n>": placeholders to
// replace by the ids CreateCompany / CreateSchool return (for an import as
// admin), or to drop (import with the organization's own token).
absl::Status WriteFiles(const ToolOptions& options,
                        const common::Referentials& refs);

// Creates the companies and schools that do not exist yet (matched by SIRET
// / UAI, so a re-run reuses them), then imports the offers and graduates.
// FAILED_PRECONDITION when the server rejected any record (the first
// rejections are printed).
absl::Status FillServer(const ToolOptions& options,
                        const common::Referentials& refs);

// Opens (creating if needed) DATA_DIR/db as passerelle-server does, writes
// DATA_DIR/admin.token on a new directory, creates the companies and
// schools, then commits offers and graduates in batches. FAILED_PRECONDITION
// when the directory already holds offers or graduates, or when a record
// fails validation.
absl::Status FillDataDir(const ToolOptions& options,
                         const common::Referentials& refs);

}  // namespace passerelle::datagen
