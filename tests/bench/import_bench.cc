// Import and point-read throughput of the data services over loopback.
//
// Starts a real server (in process, RocksDB with its write-ahead log on, in a
// temp directory or --data_dir) listening on 127.0.0.1, then as a client over
// TCP: imports --offers offers through ImportOffers (--streams concurrent
// client streams of --batch records each), and reads --reads of them back
// with GetOffer from --readers threads. Offers are made from the real
// referentials: communes weighted by population, trades from real diplomas.
// Prints records/s and read latency percentiles; asserts nothing on time.

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"
#include "grpcpp/create_channel.h"
#include "services/common/referentials.h"
#include "tests/testing/fixture.h"

ABSL_FLAG(int, offers, 200000, "Offers to import");
ABSL_FLAG(int, streams, 2, "Concurrent ImportOffers streams");
ABSL_FLAG(int, batch, 5000, "Records per ImportOffers call");
ABSL_FLAG(int, reads, 100000, "GetOffer calls");
ABSL_FLAG(int, readers, 4, "Concurrent reader threads");
ABSL_FLAG(int, seed, 42, "Generator seed");

namespace passerelle {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// CPU time of the whole process (server, client, RocksDB's threads).
double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Offers from the real referentials.
class OfferMaker {
 public:
  explicit OfferMaker(const common::Referentials& refs, int seed) : rng_(seed) {
    std::vector<double> weights;
    for (const common::Commune& c : refs.communes()) {
      if (c.type != "COM") continue;
      communes_.push_back(&c);
      weights.push_back(
          static_cast<double>(std::max<int64_t>(c.population, 1)));
    }
    pick_commune_ =
        std::discrete_distribution<size_t>(weights.begin(), weights.end());
    for (const common::Diploma& d : refs.diplomas()) {
      // Open diplomas only: an apprenticeship's target must outlast the
      // contract (L6211-1).
      if ((d.level == 3 || d.level == 4) && !d.rome_codes.empty() &&
          d.code.size() == 8 && d.closed_on.empty()) {
        diplomas_.push_back(&d);
      }
    }
    CHECK(!communes_.empty() && !diplomas_.empty());
  }

  v1::Offer Make(int i) {
    const common::Diploma& d = *diplomas_[rng_() % diplomas_.size()];
    const common::Commune& c = *communes_[pick_commune_(rng_)];
    v1::Offer o;
    o.set_external_id(absl::StrCat("bench-", i));
    o.set_title(absl::StrCat("Poste ", d.title.substr(0, 60)));
    o.set_rome_code(d.rome_codes[rng_() % d.rome_codes.size()]);
    const int kind = rng_() % 100;
    if (kind < 45) {
      o.set_contract_type(v1::CONTRACT_TYPE_APPRENTICESHIP);
      o.set_duration_months(12 + 12 * (rng_() % 3));
      o.mutable_target_diploma()->set_code(d.code);
    } else if (kind < 85) {
      o.set_contract_type(v1::CONTRACT_TYPE_CDI);
    } else if (kind < 90) {
      o.set_contract_type(v1::CONTRACT_TYPE_PROFESSIONALISATION);
      o.set_duration_months(12);
    } else {
      o.set_contract_type(v1::CONTRACT_TYPE_CDD);
      o.set_duration_months(6);
      o.set_cdd_motive(v1::CDD_MOTIVE_SEASONAL);
    }
    o.set_start_date(absl::StrCat("2027-0", 1 + rng_() % 9, "-01"));
    o.set_weekly_hours(35);
    o.add_required_skills("sécurité");
    o.mutable_place()->set_commune_insee(c.insee);
    o.set_positions(1 + rng_() % 3);
    o.set_monthly_gross_salary_eur(900 + rng_() % 1200);
    return o;
  }

 private:
  std::mt19937_64 rng_;
  std::vector<const common::Commune*> communes_;
  std::discrete_distribution<size_t> pick_commune_;
  std::vector<const common::Diploma*> diplomas_;
};

int Run() {
  const int n = absl::GetFlag(FLAGS_offers);
  const int streams = absl::GetFlag(FLAGS_streams);
  const int batch = absl::GetFlag(FLAGS_batch);
  auto refs = common::Referentials::Load(common::DefaultDataDir());
  CHECK(refs.ok()) << refs.status();

  testing::TestServer server;
  testing::Client admin =
      server.NewClient(testing::Transport::kLoopback, server.admin_token());
  v1::CreateCompanyRequest company_request;
  *company_request.mutable_company() = testing::SampleCompany();
  v1::Company company;
  CHECK(admin.organizations
            ->CreateCompany(admin.Context().get(), company_request, &company)
            .ok());
  v1::IssueTokenRequest issue;
  issue.set_organization_id(company.id());
  issue.set_role(v1::ROLE_COMPANY);
  v1::IssueTokenResponse token;
  CHECK(admin.organizations->IssueToken(admin.Context().get(), issue, &token)
            .ok());

  // Generate first: the clock measures the import, not the generator.
  std::vector<v1::ImportOffersRequest> requests(n);
  {
    OfferMaker maker(**refs, absl::GetFlag(FLAGS_seed));
    for (int i = 0; i < n; ++i) *requests[i].mutable_offer() = maker.Make(i);
  }
  std::printf("import: %d offers, %d streams, %d records per call, WAL on\n", n,
              streams, batch);
  std::atomic<int> next_chunk{0};
  std::atomic<int64_t> created{0}, rejected{0};
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&] {
      testing::Client c =
          server.NewClient(testing::Transport::kLoopback, token.token());
      for (int chunk; (chunk = next_chunk++) * batch < n;) {
        v1::ImportResponse response;
        auto context = c.Context();
        auto writer = c.offers->ImportOffers(context.get(), &response);
        const int end = std::min(n, (chunk + 1) * batch);
        for (int i = chunk * batch; i < end; ++i) {
          // As passerelle-cli does: full frames, not one write per record.
          if (!writer->Write(requests[i],
                             grpc::WriteOptions().set_buffer_hint())) {
            break;
          }
        }
        writer->WritesDone();
        grpc::Status status = writer->Finish();
        CHECK(status.ok()) << status.error_message();
        created += response.created();
        rejected += response.rejected();
        if (response.errors_size() > 0) {
          LOG(WARNING) << "rejected: " << response.errors(0).field() << ": "
                       << response.errors(0).message();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double import_s = Seconds(Clock::now() - start);
  const double import_cpu_s = CpuSeconds() - cpu_start;
  std::printf(
      "import: %lld created, %lld rejected in %.2f s = %.0f records/s; "
      "CPU %.1f us/record (client included)\n",
      static_cast<long long>(created.load()),
      static_cast<long long>(rejected.load()), import_s, n / import_s,
      import_cpu_s * 1e6 / n);

  const int reads = absl::GetFlag(FLAGS_reads);
  if (reads <= 0) return 0;

  // Point reads of random imported offers.
  std::vector<std::string> ids;
  {
    v1::ListOffersRequest list;
    list.set_page_size(500);
    testing::Client c =
        server.NewClient(testing::Transport::kLoopback, token.token());
    while (static_cast<int>(ids.size()) < 20000) {
      v1::ListOffersResponse page;
      CHECK(c.offers->ListOffers(c.Context().get(), list, &page).ok());
      for (const auto& o : page.offers()) ids.push_back(o.id());
      if (page.next_page_token().empty()) break;
      list.set_page_token(page.next_page_token());
    }
  }
  CHECK(!ids.empty());
  const int readers = absl::GetFlag(FLAGS_readers);
  std::vector<std::vector<double>> latencies(readers);
  std::atomic<int> next_read{0};
  threads.clear();
  const auto read_start = Clock::now();
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&, r] {
      testing::Client c =
          server.NewClient(testing::Transport::kLoopback, token.token());
      std::mt19937 rng(r);
      while (next_read++ < reads) {
        v1::GetOfferRequest get;
        get.set_id(ids[rng() % ids.size()]);
        v1::Offer out;
        const auto t0 = Clock::now();
        grpc::Status status = c.offers->GetOffer(c.Context().get(), get, &out);
        latencies[r].push_back(Seconds(Clock::now() - t0) * 1e6);
        CHECK(status.ok()) << status.error_message();
      }
    });
  }
  for (auto& t : threads) t.join();
  const double read_s = Seconds(Clock::now() - read_start);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  std::printf(
      "GetOffer: %d reads, %d threads in %.2f s = %.0f reads/s; "
      "p50 %.0f us, p99 %.0f us\n",
      reads, readers, read_s, reads / read_s, all[all.size() / 2],
      all[all.size() * 99 / 100]);
  return 0;
}

}  // namespace
}  // namespace passerelle

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  google::InitGoogleLogging(argv[0]);
  // As passerelle-server runs (services/server/server_main.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return passerelle::Run();
}
