// passerelle-datagen: realistic, seeded companies, schools, offers and
// graduates from the shipped referentials (see datagen_records.h), delivered
// one of three ways:
//
//   passerelle-datagen --out_dir=DIR [--format=jsonl|csv]
//       files in the import formats of passerelle-cli
//   passerelle-datagen --address=HOST:PORT --token_file=admin.token
//       through a running server's API, as admin
//   passerelle-datagen --data_dir=DIR
//       straight into a (new) data directory, for millions of records
//
// Common flags: --offers --graduates --companies --schools --seed --region.

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "services/common/dates.h"
#include "services/common/referentials.h"
#include "tests/bench/datagen_tool.h"

ABSL_FLAG(uint64_t, offers, 2000, "Offers to generate");
ABSL_FLAG(uint64_t, graduates, 200, "Graduates to generate");
ABSL_FLAG(int, companies, 40, "Companies the offers belong to");
ABSL_FLAG(int, schools, 4, "Schools (graduates go to the nearest one)");
ABSL_FLAG(uint64_t, seed, 20260315, "Generator seed");
ABSL_FLAG(std::string, region, "",
          "INSEE region code to draw places from (e.g. 32 = Hauts-de-France); "
          "empty: all of France");
ABSL_FLAG(std::string, trades, "all",
          "all, or industry: only diplomas whose first trade is in industry, "
          "building or maintenance (ROME H, F, I), the trades Écoles de "
          "production mostly teach; denser matches for a small demo");
ABSL_FLAG(std::string, out_dir, "", "Mode 1: write files to this directory");
ABSL_FLAG(std::string, format, "jsonl", "Mode 1: jsonl or csv");
ABSL_FLAG(std::string, address, "", "Mode 2: a running server, HOST:PORT");
ABSL_FLAG(std::string, token_file, "", "Mode 2: file holding an admin token");
ABSL_FLAG(int, import_batch, 5000, "Mode 2: records per Import call");
ABSL_FLAG(std::string, data_dir, "",
          "Mode 3: fill this data directory (new, or without offers and "
          "graduates) directly");
ABSL_FLAG(int, commit_batch, 4096, "Mode 3: records per storage commit");
ABSL_FLAG(std::string, referentials_dir, "",
          "Referentials (default: the project's data/)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Generates companies, schools, offers and graduates from the real "
      "referentials.\n"
      "  passerelle-datagen --out_dir=DIR [--format=jsonl|csv]\n"
      "  passerelle-datagen --address=HOST:PORT --token_file=admin.token\n"
      "  passerelle-datagen --data_dir=DIR\n"
      "e.g. passerelle-datagen --address=127.0.0.1:50051 "
      "--token_file=data/admin.token --region=32 --companies=40 --schools=4 "
      "--offers=2000 --graduates=200");
  absl::ParseCommandLine(argc, argv);
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;

  using passerelle::datagen::ToolOptions;
  ToolOptions options;
  options.records.seed = absl::GetFlag(FLAGS_seed);
  options.records.today = passerelle::common::TodayInParis();
  options.records.companies = absl::GetFlag(FLAGS_companies);
  options.records.schools = absl::GetFlag(FLAGS_schools);
  options.records.region = absl::GetFlag(FLAGS_region);
  const std::string trades = absl::GetFlag(FLAGS_trades);
  if (trades != "all" && trades != "industry") {
    std::fprintf(stderr, "--trades: expected all or industry\n");
    return 2;
  }
  options.records.industry_only = trades == "industry";
  options.offers = absl::GetFlag(FLAGS_offers);
  options.graduates = absl::GetFlag(FLAGS_graduates);
  options.out_dir = absl::GetFlag(FLAGS_out_dir);
  options.format = absl::GetFlag(FLAGS_format);
  options.address = absl::GetFlag(FLAGS_address);
  options.token_file = absl::GetFlag(FLAGS_token_file);
  options.import_batch = absl::GetFlag(FLAGS_import_batch);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.commit_batch = absl::GetFlag(FLAGS_commit_batch);

  const int modes = !options.out_dir.empty() + !options.address.empty() +
                    !options.data_dir.empty();
  if (modes != 1) {
    std::fprintf(stderr,
                 "give exactly one of --out_dir, --address, --data_dir (see "
                 "--help)\n");
    return 2;
  }
  if (!options.address.empty() && options.token_file.empty()) {
    std::fprintf(stderr, "--address needs --token_file (an admin token)\n");
    return 2;
  }
  if (options.import_batch < 1 || options.commit_batch < 1) {
    std::fprintf(stderr, "--import_batch and --commit_batch must be >= 1\n");
    return 2;
  }
  std::string refs_dir = absl::GetFlag(FLAGS_referentials_dir);
  if (refs_dir.empty()) refs_dir = passerelle::common::DefaultDataDir();
  auto refs = passerelle::common::Referentials::Load(refs_dir);
  if (!refs.ok()) {
    std::fprintf(stderr, "%s\n", refs.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "seed %llu, today %s, region %s\n",
      static_cast<unsigned long long>(options.records.seed),
      passerelle::common::FormatDate(options.records.today).c_str(),
      options.records.region.empty() ? "all" : options.records.region.c_str());
  absl::Status status;
  if (!options.out_dir.empty()) {
    status = passerelle::datagen::WriteFiles(options, **refs);
  } else if (!options.address.empty()) {
    status = passerelle::datagen::FillServer(options, **refs);
  } else {
    status = passerelle::datagen::FillDataDir(options, **refs);
  }
  if (!status.ok()) {
    std::fprintf(stderr, "passerelle-datagen: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
