// RankOffers latency while contract-type-only SearchOffers calls run
// (issue 16, item 12), over gRPC on loopback, on a filled data directory.
//
// Starts the real server in this process on --data_dir, then, as an admin
// client, ranks one seeking graduate after another for --seconds with no
// search running, then again while --searchers threads each loop a
// SearchOffers with one contract type (first page, --search_page_size).
// Prints RankOffers p50/p99/max and searches/s for each run.
//
//   passerelle-datagen --data_dir=/tmp/passerelle-260k --offers=260000
//       --graduates=20000 --companies=10000 --schools=50
//   search_rank_bench --data_dir=/tmp/passerelle-260k
//
// A benchmark: it measures and prints; it never fails on a time.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "passerelle/v1/graduate.grpc.pb.h"
#include "passerelle/v1/matching.grpc.pb.h"
#include "passerelle/v1/offer.grpc.pb.h"
#include "services/server/server.h"

ABSL_FLAG(std::string, data_dir, "",
          "A data directory filled by passerelle-datagen --data_dir");
ABSL_FLAG(double, seconds, 5, "Measured seconds per run");
ABSL_FLAG(int, searchers, 8, "Threads looping contract-type-only searches");
ABSL_FLAG(int, search_page_size, 50, "Offers per SearchOffers page");
ABSL_FLAG(int, rank_page_size, 20, "Offers per RankOffers answer");

namespace passerelle {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadToken(const std::string& path) {
  std::ifstream in(path);
  CHECK(in) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(ss.str()));
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(60));
  return context;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(p * sorted.size()))];
}

void Run(const std::shared_ptr<grpc::Channel>& channel,
         const std::string& token, const std::vector<std::string>& graduates,
         int searchers) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> searches{0}, search_errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < searchers; ++i) {
    threads.emplace_back([&, i] {
      auto stub = v1::OfferService::NewStub(channel);
      v1::SearchOffersRequest request;
      request.add_contract_types(i % 2 == 0 ? v1::CONTRACT_TYPE_CDI
                                            : v1::CONTRACT_TYPE_APPRENTICESHIP);
      request.set_page_size(absl::GetFlag(FLAGS_search_page_size));
      while (!stop.load()) {
        v1::SearchOffersResponse response;
        if (stub->SearchOffers(Context(token).get(), request, &response).ok()) {
          ++searches;
        } else {
          ++search_errors;
        }
      }
    });
  }
  auto stub = v1::MatchingService::NewStub(channel);
  std::vector<double> ms;
  int64_t errors = 0;
  const Clock::time_point start = Clock::now();
  const auto duration =
      std::chrono::duration<double>(absl::GetFlag(FLAGS_seconds));
  for (size_t i = 0; Clock::now() - start < duration; ++i) {
    v1::RankOffersRequest request;
    request.set_graduate_id(graduates[i % graduates.size()]);
    request.set_page_size(absl::GetFlag(FLAGS_rank_page_size));
    v1::RankOffersResponse response;
    const Clock::time_point t = Clock::now();
    if (stub->RankOffers(Context(token).get(), request, &response).ok()) {
      ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    } else {
      ++errors;
    }
  }
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  for (std::thread& t : threads) t.join();
  std::sort(ms.begin(), ms.end());
  std::printf(
      "%2d searchers: RankOffers n=%zu p50 %.3f ms p99 %.3f ms max %.3f ms "
      "(%lld errors); searches %.1f/s (%lld errors)\n",
      searchers, ms.size(), Percentile(ms, 0.5), Percentile(ms, 0.99),
      ms.empty() ? 0.0 : ms.back(), static_cast<long long>(errors),
      searches.load() / seconds, static_cast<long long>(search_errors.load()));
  std::fflush(stdout);
}

int Main() {
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  CHECK(!data_dir.empty()) << "--data_dir is required";
  server::Options options;
  options.data_dir = data_dir;
  options.port = 0;
  absl::StatusOr<std::unique_ptr<server::Server>> server =
      server::Server::Start(options);
  CHECK(server.ok()) << server.status();
  const std::string token = ReadToken((*server)->admin_token_path());
  auto channel =
      grpc::CreateChannel(absl::StrFormat("127.0.0.1:%d", (*server)->port()),
                          grpc::InsecureChannelCredentials());

  std::vector<std::string> graduates;
  auto graduate_stub = v1::GraduateService::NewStub(channel);
  v1::ListGraduatesRequest list;
  list.set_page_size(500);
  v1::ListGraduatesResponse page;
  CHECK(graduate_stub->ListGraduates(Context(token).get(), list, &page).ok());
  for (const v1::Graduate& g : page.graduates()) {
    if (g.status() == v1::GRADUATE_STATUS_SEEKING) graduates.push_back(g.id());
  }
  CHECK(!graduates.empty()) << "no seeking graduate in " << data_dir;
  std::printf("%zu graduates ranked in turn; %d s per run\n", graduates.size(),
              static_cast<int>(absl::GetFlag(FLAGS_seconds)));
  Run(channel, token, graduates, 0);
  Run(channel, token, graduates, absl::GetFlag(FLAGS_searchers));
  (*server)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace passerelle

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "RankOffers latency with and without contract-type-only searches");
  absl::ParseCommandLine(argc, argv);
  return passerelle::Main();
}
