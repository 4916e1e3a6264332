// RankOffers under load, over gRPC on loopback, on a filled data directory.
//
// Starts the real server in this process (server::Server::Start on
// --data_dir, 127.0.0.1:0), reports how long the start took and what the
// matching index says of itself (build time from storage, memory per
// offer), then, as an admin client over real TCP channels, keeps
// --concurrency requests in flight (callback API, spread over --channels
// connections) for --seconds at each level, each ranking the top
// --page_size offers of a random seeking graduate. Prints ranks/s and
// latency percentiles per level.
//
//   passerelle-datagen --data_dir=/tmp/passerelle-1m --offers=1000000
//       --graduates=100000 --companies=40000 --schools=100
//   rank_load --data_dir=/tmp/passerelle-1m
//
// A benchmark: it measures and prints; it never fails on a time. Client and
// server share the machine's cores, as they would on one host.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"
#include "google/protobuf/arena.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/channel_arguments.h"
#include "passerelle/v1/graduate.grpc.pb.h"
#include "passerelle/v1/matching.grpc.pb.h"
#include "services/server/server.h"

ABSL_FLAG(std::string, data_dir, "",
          "A data directory filled by passerelle-datagen --data_dir");
ABSL_FLAG(std::string, concurrency, "1,8,32",
          "Requests kept in flight, one run per value");
ABSL_FLAG(double, seconds, 10, "Measured seconds per concurrency level");
ABSL_FLAG(double, warmup_seconds, 2, "Unmeasured seconds before the runs");
ABSL_FLAG(int, channels, 4, "TCP connections the requests are spread over");
ABSL_FLAG(int, page_size, 20, "Offers per RankOffers answer");
ABSL_FLAG(int, worker_threads, 0,
          "The server's worker pool (0: the server's default)");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the graduate picks");
ABSL_FLAG(bool, parse_answers, true,
          "Parse every answer, as an application would; false: read them as "
          "bytes (parsing one in 16 to count results), so the client, which "
          "shares the cores with the server, costs less");

namespace passerelle {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

std::string LoadAverage() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3) return "?";
  return absl::StrFormat("%.2f %.2f %.2f", load[0], load[1], load[2]);
}

std::string ReadToken(const std::string& path) {
  std::ifstream in(path);
  CHECK(in) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(ss.str()));
}

double Percentile(std::vector<double>* sorted, double p) {
  if (sorted->empty()) return 0;
  const size_t at =
      std::min(sorted->size() - 1, static_cast<size_t>(p * sorted->size()));
  return (*sorted)[at];
}

struct LevelResult {
  int concurrency = 0;
  double seconds = 0;
  int64_t ok = 0;
  int64_t errors = 0;
  double results_per_answer = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  double cpu_ms_per_rank = 0;
  std::string load;
  std::string first_error;
};

// Keeps `concurrency` RankOffers calls in flight until a deadline: each
// completion starts the next call from its callback.
class ClosedLoop {
 public:
  // `parse`: parse every answer (as an application would), else read the
  // answers as bytes and parse one in kSampleEvery (to count results), so
  // that the client takes less of the cores it shares with the server.
  ClosedLoop(const std::vector<std::shared_ptr<grpc::Channel>>* channels,
             const std::vector<std::string>* graduates, std::string token,
             int page_size, uint64_t seed, bool parse)
      : channels_(channels),
        parse_(parse),
        graduates_(graduates),
        token_(std::move(token)),
        page_size_(page_size),
        seed_(seed) {}

  LevelResult Run(int concurrency, double seconds) {
    slots_.clear();
    for (int i = 0; i < concurrency; ++i) {
      auto slot = std::make_unique<Slot>();
      const auto& channel = (*channels_)[i % channels_->size()];
      slot->stub = v1::MatchingService::NewStub(channel);
      slot->generic = std::make_unique<grpc::GenericStub>(channel);
      slot->rng.seed(seed_ * 1000003 + i);
      slot->arena_block.reset(new char[kArenaBlockBytes]);
      google::protobuf::ArenaOptions arena_options;
      arena_options.initial_block = slot->arena_block.get();
      arena_options.initial_block_size = kArenaBlockBytes;
      slot->arena = std::make_unique<google::protobuf::Arena>(arena_options);
      slots_.push_back(std::move(slot));
    }
    LevelResult result;
    result.concurrency = concurrency;
    result.load = LoadAverage();
    const double cpu0 = CpuSeconds();
    start_ = Clock::now();
    deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(seconds));
    {
      absl::MutexLock lock(&mu_);
      running_ = concurrency;
    }
    for (auto& slot : slots_) StartCall(slot.get());
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](int* running) { return *running == 0; }, &running_));
    }
    const double cpu = CpuSeconds() - cpu0;
    result.seconds = seconds;
    std::vector<double> all;
    int64_t results = 0, parsed = 0;
    for (auto& slot : slots_) {
      parsed += slot->parsed;
      all.insert(all.end(), slot->latencies_ms.begin(),
                 slot->latencies_ms.end());
      result.errors += slot->errors;
      results += slot->results;
      if (result.first_error.empty()) result.first_error = slot->first_error;
    }
    std::sort(all.begin(), all.end());
    result.ok = static_cast<int64_t>(all.size());
    result.results_per_answer =
        parsed == 0 ? 0 : static_cast<double>(results) / parsed;
    result.p50_ms = Percentile(&all, 0.50);
    result.p90_ms = Percentile(&all, 0.90);
    result.p99_ms = Percentile(&all, 0.99);
    result.max_ms = all.empty() ? 0 : all.back();
    result.cpu_ms_per_rank =
        all.empty() ? 0 : cpu * 1e3 / static_cast<double>(all.size());
    return result;
  }

 private:
  static constexpr size_t kArenaBlockBytes = 256 << 10;
  static constexpr int kSampleEvery = 16;
  struct Slot {
    std::unique_ptr<v1::MatchingService::Stub> stub;
    std::unique_ptr<grpc::GenericStub> generic;
    grpc::ByteBuffer request_bytes;
    grpc::ByteBuffer response_bytes;
    std::mt19937_64 rng;
    std::unique_ptr<grpc::ClientContext> context;
    v1::RankOffersRequest request;
    // Answers are parsed into an arena reset before each call, so the
    // client spends the machine's cores on the server rather than on malloc.
    std::unique_ptr<char[]> arena_block;
    std::unique_ptr<google::protobuf::Arena> arena;
    v1::RankOffersResponse* response = nullptr;
    Clock::time_point sent;
    // Touched only by this slot's callbacks, one at a time.
    std::vector<double> latencies_ms;
    int64_t errors = 0;
    int64_t results = 0;
    int64_t parsed = 0;  // answers parsed (results counted)
    std::string first_error;
  };

  void StartCall(Slot* slot) {
    slot->context = std::make_unique<grpc::ClientContext>();
    slot->context->AddMetadata("authorization",
                               absl::StrCat("Bearer ", token_));
    slot->context->set_deadline(std::chrono::system_clock::now() +
                                std::chrono::seconds(30));
    slot->request.set_graduate_id(
        (*graduates_)[slot->rng() % graduates_->size()]);
    slot->request.set_page_size(page_size_);
    slot->arena->Reset();
    slot->response =
        google::protobuf::Arena::CreateMessage<v1::RankOffersResponse>(
            slot->arena.get());
    slot->sent = Clock::now();
    if (parse_) {
      slot->stub->async()->RankOffers(
          slot->context.get(), &slot->request, slot->response,
          [this, slot](grpc::Status status) { Done(slot, status); });
      return;
    }
    slot->request_bytes.Clear();
    slot->response_bytes.Clear();
    bool own_buffer = false;
    CHECK(grpc::SerializationTraits<v1::RankOffersRequest>::Serialize(
              slot->request, &slot->request_bytes, &own_buffer)
              .ok());
    slot->generic->UnaryCall(
        slot->context.get(), "/passerelle.v1.MatchingService/RankOffers",
        grpc::StubOptions(), &slot->request_bytes, &slot->response_bytes,
        [this, slot](grpc::Status status) { Done(slot, status); });
  }

  void Done(Slot* slot, const grpc::Status& status) {
    const auto now = Clock::now();
    if (now <= deadline_) {
      if (status.ok()) {
        slot->latencies_ms.push_back(Seconds(now - slot->sent) * 1e3);
        if (!parse_ && slot->latencies_ms.size() % kSampleEvery == 0) {
          CHECK(grpc::SerializationTraits<v1::RankOffersResponse>::Deserialize(
                    &slot->response_bytes, slot->response)
                    .ok());
        }
        if (parse_ || slot->latencies_ms.size() % kSampleEvery == 0) {
          slot->results += slot->response->results_size();
          ++slot->parsed;
        }
      } else {
        ++slot->errors;
        if (slot->first_error.empty()) {
          slot->first_error =
              absl::StrCat(status.error_code(), ": ", status.error_message());
        }
      }
    }
    if (now < deadline_) {
      StartCall(slot);
      return;
    }
    absl::MutexLock lock(&mu_);
    --running_;
  }

  const std::vector<std::shared_ptr<grpc::Channel>>* channels_;
  const bool parse_;
  const std::vector<std::string>* graduates_;
  std::string token_;
  int page_size_;
  uint64_t seed_;
  std::vector<std::unique_ptr<Slot>> slots_;
  Clock::time_point start_;
  Clock::time_point deadline_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

int Run() {
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) {
    std::fprintf(stderr, "--data_dir is required (see --help)\n");
    return 2;
  }
  std::vector<int> levels;
  for (absl::string_view part :
       absl::StrSplit(absl::GetFlag(FLAGS_concurrency), ',')) {
    int level = 0;
    if (!absl::SimpleAtoi(part, &level) || level < 1) {
      std::fprintf(stderr, "--concurrency: bad level \"%s\"\n",
                   std::string(part).c_str());
      return 2;
    }
    levels.push_back(level);
  }
  const int channels = std::max(1, absl::GetFlag(FLAGS_channels));

  std::printf("== RankOffers over gRPC on loopback ==\n");
  std::printf("data dir: %s; hardware threads: %u; load average: %s\n",
              data_dir.c_str(), std::thread::hardware_concurrency(),
              LoadAverage().c_str());

  server::Options options;
  options.data_dir = data_dir;
  options.listen_address = "127.0.0.1";
  options.port = 0;
  if (absl::GetFlag(FLAGS_worker_threads) > 0) {
    options.worker_threads = absl::GetFlag(FLAGS_worker_threads);
  }
  const auto start = Clock::now();
  absl::StatusOr<std::unique_ptr<server::Server>> server =
      server::Server::Start(options);
  const double start_seconds = Seconds(Clock::now() - start);
  if (!server.ok()) {
    std::fprintf(stderr, "server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "server start (store open + index build): %.2f s wall; "
      "worker threads %d; load average %s\n",
      start_seconds, options.worker_threads, LoadAverage().c_str());

  const std::string token = ReadToken((*server)->admin_token_path());
  const std::string address = absl::StrCat("127.0.0.1:", (*server)->port());
  std::vector<std::shared_ptr<grpc::Channel>> channel_list;
  std::vector<std::unique_ptr<v1::MatchingService::Stub>> stubs;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    // One TCP connection per channel (channels would share one otherwise).
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    // A load generator counts failures; it does not retry them (and skips
    // the retry filter's buffering of every call).
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
    args.SetInt("passerelle.rank_load.channel", i);
    channel_list.push_back(grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args));
    stubs.push_back(v1::MatchingService::NewStub(channel_list.back()));
  }
  auto context = [&token] {
    auto c = std::make_unique<grpc::ClientContext>();
    c->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    c->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(60));
    return c;
  };

  v1::IndexStatus status;
  {
    grpc::Status s = stubs[0]->GetIndexStatus(
        context().get(), v1::GetIndexStatusRequest(), &status);
    CHECK(s.ok()) << s.error_message();
  }
  std::printf(
      "index: %lld offers, %lld graduates, built from storage in %.2f s; "
      "memory %.1f MB, %.1f bytes/offer\n",
      static_cast<long long>(status.offers()),
      static_cast<long long>(status.graduates()), status.build_seconds(),
      status.memory_bytes() / 1e6, status.bytes_per_offer());

  // The seeking graduates, through the API.
  std::vector<std::string> graduates;
  {
    auto graduate_stub = v1::GraduateService::NewStub(channel_list[0]);
    v1::ListGraduatesRequest request;
    request.set_page_size(500);
    request.set_status(v1::GRADUATE_STATUS_SEEKING);
    do {
      v1::ListGraduatesResponse page;
      grpc::Status s =
          graduate_stub->ListGraduates(context().get(), request, &page);
      CHECK(s.ok()) << s.error_message();
      for (const v1::Graduate& g : page.graduates())
        graduates.push_back(g.id());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
  }
  CHECK(!graduates.empty()) << "no seeking graduate in " << data_dir;
  std::printf(
      "%zu seeking graduates; RankOffers page_size %d; %d channels; client "
      "%s\n",
      graduates.size(), absl::GetFlag(FLAGS_page_size), channels,
      absl::GetFlag(FLAGS_parse_answers)
          ? "parses every answer"
          : "reads answers as bytes (parses 1 in 16)");
  std::fflush(stdout);

  ClosedLoop loop(&channel_list, &graduates, token,
                  absl::GetFlag(FLAGS_page_size), absl::GetFlag(FLAGS_seed),
                  absl::GetFlag(FLAGS_parse_answers));
  if (absl::GetFlag(FLAGS_warmup_seconds) > 0) {
    loop.Run(8, absl::GetFlag(FLAGS_warmup_seconds));
  }
  std::vector<LevelResult> results;
  for (int level : levels) {
    LevelResult r = loop.Run(level, absl::GetFlag(FLAGS_seconds));
    std::printf(
        "concurrency %3d: %7.0f ranks/s  p50 %6.2f ms  p90 %6.2f ms  p99 "
        "%6.2f ms  max %7.2f ms  (%lld ok, %lld errors, %.1f results/answer, "
        "%.2f CPU-ms/rank client+server, load %s)\n",
        r.concurrency, r.ok / r.seconds, r.p50_ms, r.p90_ms, r.p99_ms, r.max_ms,
        static_cast<long long>(r.ok), static_cast<long long>(r.errors),
        r.results_per_answer, r.cpu_ms_per_rank, r.load.c_str());
    if (!r.first_error.empty()) {
      std::printf("  first error: %s\n", r.first_error.c_str());
    }
    std::fflush(stdout);
    results.push_back(r);
  }

  std::printf("\n| concurrency | ranks/s | p50 ms | p99 ms | load avg |\n");
  std::printf("|---:|---:|---:|---:|---|\n");
  for (const LevelResult& r : results) {
    std::printf("| %d | %.0f | %.2f | %.2f | %s |\n", r.concurrency,
                r.ok / r.seconds, r.p50_ms, r.p99_ms, r.load.c_str());
  }
  std::printf(
      "index build from storage %.2f s (server start %.2f s wall), %.1f "
      "bytes/offer\n",
      status.build_seconds(), start_seconds, status.bytes_per_offer());
  std::printf(
      "targets (DESIGN.md): >= 2000 ranks/s over gRPC on loopback, index "
      "build <= 10 s\n");
  std::fflush(stdout);
  (*server)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace passerelle

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "RankOffers throughput and latency over gRPC on loopback.\n"
      "  rank_load --data_dir=DIR [--concurrency=1,8,32] [--seconds=10]");
  absl::ParseCommandLine(argc, argv);
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  // As passerelle-server runs (services/server/server_main.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return passerelle::Run();
}
