// RankOffers top-20 over HTTP/JSON and over gRPC, from a client process of
// its own against a running passerelle-server (--port and --http_port on
// loopback): the same graduates, the same concurrency levels, the two
// transports alternated at each level. Prints throughput and latency
// percentiles for each, and HTTP's p50 over gRPC's.
//
//   passerelle-server --data_dir=/tmp/passerelle-1m --port=0 --port_file=P
//       --http_port=0 --http_port_file=H &
//   http_vs_grpc --grpc_address=127.0.0.1:$(cat P)
//       --http_address=127.0.0.1:$(cat H)
//       --token_file=/tmp/passerelle-1m/admin.token
//
// A benchmark: it measures and prints; it never fails on a time. Client and
// server share the machine's cores.

#include <algorithm>
#include <chrono>
#include <cstdio>
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
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "passerelle/v1/graduate.grpc.pb.h"
#include "passerelle/v1/matching.grpc.pb.h"

ABSL_FLAG(std::string, grpc_address, "", "host:port of the gRPC server");
ABSL_FLAG(std::string, http_address, "", "host:port of its HTTP/JSON port");
ABSL_FLAG(std::string, token_file, "", "File holding an admin token");
ABSL_FLAG(std::string, concurrency, "1,8,32",
          "Requests kept in flight, one run per value");
ABSL_FLAG(double, seconds, 8, "Measured seconds per transport and level");
ABSL_FLAG(int, page_size, 20, "Offers per RankOffers answer");
ABSL_FLAG(int, graduates, 5000, "Seeking graduates to pick from");

namespace passerelle {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Level {
  int64_t ok = 0, errors = 0;
  double p50 = 0, p90 = 0, p99 = 0, seconds = 0;
  int64_t results = 0, parsed = 0;
  std::string first_error;
};

double Pct(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1,
                         static_cast<size_t>(p * sorted.size()))];
}

// What each in-flight slot records; merged at the end of a level.
struct Record {
  std::vector<double> ms;
  int64_t errors = 0, results = 0, parsed = 0;
  std::string first_error;
  std::mt19937_64 rng;
};

Level Merge(const std::vector<Record>& records, double seconds) {
  Level level;
  std::vector<double> all;
  for (const Record& r : records) {
    all.insert(all.end(), r.ms.begin(), r.ms.end());
    level.errors += r.errors;
    level.results += r.results;
    level.parsed += r.parsed;
    if (level.first_error.empty()) level.first_error = r.first_error;
  }
  std::sort(all.begin(), all.end());
  level.ok = static_cast<int64_t>(all.size());
  level.p50 = Pct(all, 0.5);
  level.p90 = Pct(all, 0.9);
  level.p99 = Pct(all, 0.99);
  level.seconds = seconds;
  return level;
}

// Answers are parsed one in kSampleEvery (to count results) on both
// transports, so that the client takes little of the cores it shares with
// the server and the comparison is of what the server does.
constexpr int kSampleEvery = 16;

class GrpcLoad {
 public:
  GrpcLoad(std::shared_ptr<grpc::Channel> channel, std::string token,
           const std::vector<std::string>* graduates, int page_size)
      : stub_(v1::MatchingService::NewStub(channel)),
        token_(std::move(token)),
        graduates_(graduates),
        page_size_(page_size) {}

  Level Run(int concurrency, double seconds) {
    records_.assign(concurrency, Record());
    slots_.clear();
    for (int i = 0; i < concurrency; ++i) {
      records_[i].rng.seed(1000 + i);
      slots_.push_back(std::make_unique<Slot>());
    }
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
    {
      absl::MutexLock lock(&mu_);
      running_ = concurrency;
    }
    for (int i = 0; i < concurrency; ++i) Start(i);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &running_));
    return Merge(records_, seconds);
  }

 private:
  struct Slot {
    grpc::ClientContext context;
    v1::RankOffersRequest request;
    v1::RankOffersResponse response;
    Clock::time_point sent;
  };

  void Start(int i) {
    slots_[i] = std::make_unique<Slot>();
    Slot* slot = slots_[i].get();
    slot->context.AddMetadata("authorization", "Bearer " + token_);
    slot->request.set_graduate_id(
        (*graduates_)[records_[i].rng() % graduates_->size()]);
    slot->request.set_page_size(page_size_);
    slot->sent = Clock::now();
    stub_->async()->RankOffers(&slot->context, &slot->request, &slot->response,
                               [this, i](grpc::Status s) { Done(i, s); });
  }

  void Done(int i, const grpc::Status& status) {
    const auto now = Clock::now();
    Record& r = records_[i];
    if (now <= deadline_) {
      if (status.ok()) {
        r.ms.push_back(
            std::chrono::duration<double, std::milli>(now - slots_[i]->sent)
                .count());
        if (r.ms.size() % kSampleEvery == 0) {
          r.results += slots_[i]->response.results_size();
          ++r.parsed;
        }
      } else {
        ++r.errors;
        if (r.first_error.empty()) r.first_error = status.error_message();
      }
    }
    if (now < deadline_) {
      Start(i);
      return;
    }
    absl::MutexLock lock(&mu_);
    --running_;
  }

  std::unique_ptr<v1::MatchingService::Stub> stub_;
  std::string token_;
  const std::vector<std::string>* graduates_;
  int page_size_;
  std::vector<Record> records_;
  std::vector<std::unique_ptr<Slot>> slots_;
  Clock::time_point deadline_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

// One keep-alive connection per in-flight request, on one I/O thread.
class HttpLoad {
 public:
  HttpLoad(std::string host, std::string port, std::string token,
           const std::vector<std::string>* graduates, int page_size)
      : host_(std::move(host)),
        port_(std::move(port)),
        token_(std::move(token)),
        graduates_(graduates),
        page_size_(page_size) {}

  Level Run(int concurrency, double seconds) {
    net::io_context ioc;
    records_.assign(concurrency, Record());
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(host_, port_);
    std::vector<std::unique_ptr<Conn>> conns;
    deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
    for (int i = 0; i < concurrency; ++i) {
      records_[i].rng.seed(1000 + i);
      auto conn = std::make_unique<Conn>(ioc, i);
      conn->stream.connect(endpoints);
      conn->stream.socket().set_option(tcp::no_delay(true));
      conns.push_back(std::move(conn));
    }
    for (auto& c : conns) Send(c.get());
    ioc.run();
    return Merge(records_, seconds);
  }

 private:
  struct Conn {
    Conn(net::io_context& ioc, int index) : stream(ioc), i(index) {}
    beast::tcp_stream stream;
    int i;
    beast::flat_buffer buffer;
    http::request<http::empty_body> request;
    http::response<http::string_body> response;
    Clock::time_point sent;
  };

  void Send(Conn* c) {
    Record& r = records_[c->i];
    c->request = {};
    c->request.method(http::verb::get);
    c->request.version(11);
    c->request.target(absl::StrCat("/v1/graduates/",
                                   (*graduates_)[r.rng() % graduates_->size()],
                                   "/rankedOffers?pageSize=", page_size_));
    c->request.set(http::field::host, host_);
    c->request.set(http::field::authorization, "Bearer " + token_);
    c->response = {};
    c->sent = Clock::now();
    http::async_write(
        c->stream, c->request, [this, c](beast::error_code ec, size_t) {
          if (ec) return Fail(c, ec.message());
          http::async_read(c->stream, c->buffer, c->response,
                           [this, c](beast::error_code ec, size_t) {
                             if (ec) return Fail(c, ec.message());
                             Done(c);
                           });
        });
  }

  void Done(Conn* c) {
    const auto now = Clock::now();
    Record& r = records_[c->i];
    if (now <= deadline_) {
      if (c->response.result_int() == 200) {
        r.ms.push_back(
            std::chrono::duration<double, std::milli>(now - c->sent).count());
        if (r.ms.size() % kSampleEvery == 0) {
          v1::RankOffersResponse answer;
          if (google::protobuf::util::JsonStringToMessage(c->response.body(),
                                                          &answer)
                  .ok()) {
            r.results += answer.results_size();
            ++r.parsed;
          }
        }
      } else {
        ++r.errors;
        if (r.first_error.empty()) r.first_error = c->response.body();
      }
    }
    if (now < deadline_) Send(c);
  }

  void Fail(Conn* c, const std::string& what) {
    Record& r = records_[c->i];
    ++r.errors;
    if (r.first_error.empty()) r.first_error = what;
  }

  std::string host_, port_, token_;
  const std::vector<std::string>* graduates_;
  int page_size_;
  std::vector<Record> records_;
  Clock::time_point deadline_;
};

void Print(const char* transport, int concurrency, const Level& l) {
  std::printf(
      "%-5s c=%-3d %8.0f ranks/s  p50 %6.3f ms  p90 %6.3f ms  p99 %6.3f ms  "
      "results/answer %.1f  errors %lld%s%s\n",
      transport, concurrency, l.ok / l.seconds, l.p50, l.p90, l.p99,
      l.parsed ? static_cast<double>(l.results) / l.parsed : 0.0,
      static_cast<long long>(l.errors),
      l.first_error.empty() ? "" : "  first: ",
      l.first_error.substr(0, 120).c_str());
  std::fflush(stdout);
}

int Run() {
  const std::string grpc_address = absl::GetFlag(FLAGS_grpc_address);
  const std::string http_address = absl::GetFlag(FLAGS_http_address);
  if (grpc_address.empty() || http_address.empty() ||
      absl::GetFlag(FLAGS_token_file).empty()) {
    std::fprintf(stderr,
                 "--grpc_address, --http_address and --token_file are "
                 "required\n");
    return 2;
  }
  std::ifstream in(absl::GetFlag(FLAGS_token_file));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string token(absl::StripAsciiWhitespace(ss.str()));
  auto channel =
      grpc::CreateChannel(grpc_address, grpc::InsecureChannelCredentials());

  // Seeking graduates, as an admin.
  std::vector<std::string> graduates;
  auto graduate_stub = v1::GraduateService::NewStub(channel);
  v1::ListGraduatesRequest list;
  list.set_page_size(1000);
  list.set_status(v1::GRADUATE_STATUS_SEEKING);
  while (static_cast<int>(graduates.size()) < absl::GetFlag(FLAGS_graduates)) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::ListGraduatesResponse page;
    grpc::Status s = graduate_stub->ListGraduates(&context, list, &page);
    if (!s.ok()) {
      std::fprintf(stderr, "ListGraduates: %s\n", s.error_message().c_str());
      return 1;
    }
    for (const auto& g : page.graduates()) graduates.push_back(g.id());
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  if (graduates.empty()) {
    std::fprintf(stderr, "no seeking graduate to rank for\n");
    return 1;
  }
  const size_t colon = http_address.rfind(':');
  HttpLoad http_load(http_address.substr(0, colon),
                     http_address.substr(colon + 1), token, &graduates,
                     absl::GetFlag(FLAGS_page_size));
  GrpcLoad grpc_load(channel, token, &graduates,
                     absl::GetFlag(FLAGS_page_size));
  std::printf(
      "== RankOffers top-%d, HTTP/JSON vs gRPC, client in its own process, "
      "%zu graduates, %u hardware threads ==\n",
      absl::GetFlag(FLAGS_page_size), graduates.size(),
      std::thread::hardware_concurrency());
  // Warm both paths.
  (void)grpc_load.Run(4, 1);
  (void)http_load.Run(4, 1);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  for (absl::string_view part :
       absl::StrSplit(absl::GetFlag(FLAGS_concurrency), ',')) {
    int c = 0;
    if (!absl::SimpleAtoi(part, &c) || c < 1) {
      std::fprintf(stderr, "--concurrency: bad level\n");
      return 2;
    }
    const Level g = grpc_load.Run(c, seconds);
    Print("gRPC", c, g);
    const Level h = http_load.Run(c, seconds);
    Print("HTTP", c, h);
    std::printf("      c=%-3d HTTP p50 / gRPC p50 = %.2f; throughput %.2f\n", c,
                g.p50 > 0 ? h.p50 / g.p50 : 0.0,
                g.ok > 0 ? static_cast<double>(h.ok) / g.ok : 0.0);
  }
  return 0;
}

}  // namespace
}  // namespace passerelle

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "RankOffers over HTTP/JSON vs gRPC against a running server");
  absl::ParseCommandLine(argc, argv);
  return passerelle::Run();
}
