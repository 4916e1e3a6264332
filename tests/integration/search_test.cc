// SearchOffers by contract type (issue 16, item 12): a page reads a bounded
// number of offers however many are stored, pages run through every match
// in id order, a store written before the contract-type index gets it when
// opened, and ranking is served while searches hold every search thread.

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/referentials.h"
#include "services/offers/offers.h"
#include "storage/store.h"
#include "tests/testing/fixture.h"

namespace passerelle {
namespace {

using ::testing::ElementsAreArray;

runtime::Caller MakeCaller(const std::string& organization_id, v1::Role role,
                           const std::string& token_id) {
  runtime::Caller caller;
  caller.organization_id = organization_id;
  caller.role = role;
  caller.token_id = token_id;
  return caller;
}
const runtime::Caller kCompany =
    MakeCaller("cmp_1", v1::ROLE_COMPANY, "t-company");
const runtime::Caller kSchool =
    MakeCaller("sch_1", v1::ROLE_SCHOOL, "t-school");

v1::Offer Cdi() {
  v1::Offer o = testing::SampleOffer();
  o.set_contract_type(v1::CONTRACT_TYPE_CDI);
  o.set_duration_months(0);
  o.clear_target_diploma();
  o.set_monthly_gross_salary_eur(1900);
  o.set_title("Décolleteur");
  return o;
}

// Offers over a real store in a temporary directory, without a server, so
// that a search's reads can be counted.
class OfferSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto refs = common::Referentials::Load(common::DefaultDataDir());
    ASSERT_TRUE(refs.ok()) << refs.status();
    referentials_ = *std::move(refs);
    Open();
    // 30 apprenticeships, 12 open CDIs, 3 closed ones.
    for (int i = 0; i < 30; ++i) Create(testing::SampleOffer());
    for (int i = 0; i < 15; ++i) {
      v1::Offer o = Create(Cdi());
      if (i % 5 == 4) {
        ASSERT_TRUE(offers_->Close(kCompany, o.id()).ok());
        closed_cdis_.push_back(o.id());
      } else {
        open_cdis_.push_back(o.id());
      }
    }
    std::sort(open_cdis_.begin(), open_cdis_.end());
  }

  void Open() {
    storage::Store::Options options;
    options.path = dir_.path() + "/db";
    options.tables = offers::Tables();
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    offers_ = std::make_unique<offers::Offers>(store_.get(),
                                               referentials_.get(), nullptr);
  }

  v1::Offer Create(v1::Offer o) {
    absl::StatusOr<v1::Offer> created = offers_->Create(kCompany, std::move(o));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : v1::Offer();
  }

  // Every page of `request`, in order; each page's reads in `*reads`.
  std::vector<std::string> AllPages(v1::SearchOffersRequest request,
                                    std::vector<int64_t>* reads) {
    std::vector<std::string> ids;
    do {
      offers::Offers::SearchStats stats;
      absl::StatusOr<v1::SearchOffersResponse> page =
          offers_->Search(kSchool, request, &stats);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      reads->push_back(stats.records_read);
      for (const v1::Offer& o : page->offers()) ids.push_back(o.id());
      request.set_page_token(page->next_page_token());
    } while (!request.page_token().empty());
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<common::Referentials> referentials_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<offers::Offers> offers_;
  std::vector<std::string> open_cdis_;
  std::vector<std::string> closed_cdis_;
};

TEST_F(OfferSearchTest, ContractTypeOnlyReadsOnlyThePage) {
  v1::SearchOffersRequest request;
  request.add_contract_types(v1::CONTRACT_TYPE_CDI);
  request.set_page_size(5);
  std::vector<int64_t> reads;
  // Every open CDI once, in id order, over three pages...
  EXPECT_THAT(AllPages(request, &reads), ElementsAreArray(open_cdis_));
  // ...each reading at most one offer past its page, never the 33 others.
  ASSERT_EQ(reads.size(), 3u);
  for (int64_t n : reads) EXPECT_LE(n, 6);

  // With closed offers: one listing per status, still bounded.
  request.set_include_closed(true);
  reads.clear();
  std::vector<std::string> all = open_cdis_;
  all.insert(all.end(), closed_cdis_.begin(), closed_cdis_.end());
  std::sort(all.begin(), all.end());
  EXPECT_THAT(AllPages(request, &reads), ElementsAreArray(all));
  for (int64_t n : reads) EXPECT_LE(n, 2 * 6);
}

TEST_F(OfferSearchTest, SearchWithoutFiltersPagesInsteadOfScanning) {
  v1::SearchOffersRequest request;
  request.set_page_size(4);
  std::vector<int64_t> reads;
  std::vector<std::string> ids = AllPages(request, &reads);
  EXPECT_EQ(ids.size(), 42u);  // every open offer
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  // Two contract types hold offers: at most 2 x (4 + 1) reads a page.
  for (int64_t n : reads) EXPECT_LE(n, 10);
}

TEST_F(OfferSearchTest, PageTokensAreBoundToTheirFilters) {
  v1::SearchOffersRequest request;
  request.add_contract_types(v1::CONTRACT_TYPE_CDI);
  request.set_page_size(5);
  auto first = offers_->Search(kSchool, request);
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->next_page_token().empty());
  v1::SearchOffersRequest other;
  other.add_contract_types(v1::CONTRACT_TYPE_APPRENTICESHIP);
  other.set_page_token(first->next_page_token());
  auto refused = offers_->Search(kSchool, other);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::StartsWith("page_token"));
}

TEST_F(OfferSearchTest, AStoreWrittenBeforeTheIndexGetsItWhenOpened) {
  // Make the store as an earlier version left it: no kByContract entries,
  // no marker.
  std::vector<storage::Mutation> rewrite;
  ASSERT_TRUE(store_
                  ->ForEach(offers::kTable,
                            [&](const storage::Record& r) {
                              v1::Offer o;
                              EXPECT_TRUE(o.ParseFromString(r.data));
                              storage::Mutation m =
                                  offers_->repository().PutMutation(
                                      o, storage::Mutation::Expect::kAny, 0);
                              m.index_keys.erase(
                                  std::remove_if(
                                      m.index_keys.begin(), m.index_keys.end(),
                                      [](const storage::IndexKey& k) {
                                        return k.index == offers::kByContract;
                                      }),
                                  m.index_keys.end());
                              rewrite.push_back(std::move(m));
                              return true;
                            })
                  .ok());
  storage::Mutation unmark;
  unmark.kind = storage::Mutation::Kind::kDelete;
  unmark.table = offers::kMetaTable;
  unmark.id = "indexes";
  rewrite.push_back(std::move(unmark));
  ASSERT_TRUE(store_->Commit(std::move(rewrite), {}).ok());

  v1::SearchOffersRequest request;
  request.add_contract_types(v1::CONTRACT_TYPE_CDI);
  request.set_page_size(100);
  auto before = offers_->Search(kSchool, request);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->offers_size(), 0);  // the index is missing

  const uint64_t sequence = store_->LastSequence();
  absl::StatusOr<int64_t> filled = offers_->FillIndexes();
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(*filled, 45);
  auto after = offers_->Search(kSchool, request);
  ASSERT_TRUE(after.ok());
  std::vector<std::string> ids;
  for (const v1::Offer& o : after->offers()) {
    ids.push_back(o.id());
    EXPECT_EQ(o.version(), 1);  // records unchanged
  }
  EXPECT_THAT(ids, ElementsAreArray(open_cdis_));
  EXPECT_EQ(store_->LastSequence(), sequence);  // nothing in the change feed

  // Filled once: the marker survives a reopen, and a second fill is a
  // no-op that keeps the entries.
  offers_.reset();
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  Open();
  filled = offers_->FillIndexes();
  ASSERT_TRUE(filled.ok()) << filled.status();
  EXPECT_EQ(*filled, 0);
  auto reopened = offers_->Search(kSchool, request);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->offers_size(), static_cast<int>(open_cdis_.size()));
}

// Searches held on every worker thread by the server's test hook: a rank
// is still served (on its own threads). On one shared pool the rank would
// wait behind the held searches until its deadline.
TEST(SearchIsolationTest, RankingIsServedWhileSearchesHoldTheirPool) {
  absl::Mutex mu;
  int held = 0;
  absl::Notification release;
  server::Options options;
  options.worker_threads = 2;
  options.rank_threads = 1;
  options.search_hook_for_testing = [&] {
    {
      absl::MutexLock lock(&mu);
      ++held;
    }
    release.WaitForNotification();
  };
  testing::TestServer server(options);
  testing::Client admin =
      server.NewClient(testing::Transport::kLoopback, server.admin_token());
  v1::School school;
  testing::Client school_client =
      testing::CreateSchoolClient(server, testing::Transport::kLoopback, admin,
                                  testing::MakeUai(1), &school);
  v1::Company company;
  testing::Client company_client =
      testing::CreateCompanyClient(server, testing::Transport::kLoopback, admin,
                                   testing::MakeSiret(1), &company);
  v1::CreateOfferRequest create;
  *create.mutable_offer() = testing::SampleOffer();
  v1::Offer offer;
  ASSERT_TRUE(company_client.offers
                  ->CreateOffer(company_client.Context().get(), create, &offer)
                  .ok());
  v1::CreateGraduateRequest create_graduate;
  *create_graduate.mutable_graduate() = testing::SampleGraduate();
  v1::Graduate graduate;
  ASSERT_TRUE(school_client.graduates
                  ->CreateGraduate(school_client.Context().get(),
                                   create_graduate, &graduate)
                  .ok());
  // The matcher has applied both writes.
  for (;;) {
    v1::IndexStatus status;
    ASSERT_TRUE(admin.matching
                    ->GetIndexStatus(admin.Context().get(),
                                     v1::GetIndexStatusRequest(), &status)
                    .ok());
    if (status.applied_sequence() >= status.log_sequence()) break;
    std::this_thread::yield();
  }

  // Three contract-type searches: two hold both worker threads, one waits.
  std::vector<std::thread> searches;
  std::atomic<int> searched{0};
  for (int i = 0; i < 3; ++i) {
    searches.emplace_back([&] {
      v1::SearchOffersRequest req;
      req.add_contract_types(v1::CONTRACT_TYPE_APPRENTICESHIP);
      v1::SearchOffersResponse out;
      if (school_client.offers
              ->SearchOffers(school_client.Context().get(), req, &out)
              .ok() &&
          out.offers_size() == 1) {
        ++searched;
      }
    });
  }
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n >= 2; }, &held));
  }

  v1::RankOffersRequest rank;
  rank.set_graduate_id(graduate.id());
  v1::RankOffersResponse ranked;
  grpc::Status s = school_client.matching->RankOffers(
      school_client.Context().get(), rank, &ranked);
  EXPECT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(ranked.results_size(), 1);
  EXPECT_EQ(ranked.results(0).offer().id(), offer.id());
  {
    absl::MutexLock lock(&mu);
    EXPECT_EQ(held, 2);  // the searches were still held meanwhile
  }

  release.Notify();
  for (std::thread& t : searches) t.join();
  EXPECT_EQ(searched.load(), 3);
}

}  // namespace
}  // namespace passerelle
