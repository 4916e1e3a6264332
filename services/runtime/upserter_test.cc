// BatchUpserter over a real store: what an import that ends early reports
// (Settled), including after a failed write.

#include "services/runtime/upserter.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "passerelle/v1/offer.pb.h"
#include "services/runtime/repository.h"
#include "storage/store.h"

namespace passerelle::runtime {
namespace {

class UpserterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "/upserter-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    storage::Store::Options options;
    options.path = dir_ + "/db";
    options.tables = {"offers"};
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    repository_ = std::make_unique<Repository<v1::Offer>>(
        store_.get(),
        Repository<v1::Offer>::Spec{
            "offers", "offer", "off", v1::ENTITY_KIND_OFFER,
            [](const v1::Offer& o) {
              return std::vector<storage::IndexKey>{
                  {"offer_by_external_id", o.external_id(), true}};
            },
            [](const v1::Offer&, v1::ChangeEvent*) {}});
    BatchUpserter<v1::Offer>::Hooks hooks;
    hooks.validate = [](v1::Offer* o) {
      if (o->title().empty()) {
        return absl::InvalidArgumentError("offer.title: required");
      }
      return absl::OkStatus();
    };
    hooks.external_key = [](const v1::Offer& o) {
      return storage::IndexKey{"offer_by_external_id", o.external_id(), true};
    };
    hooks.keep = [](const v1::Offer&, v1::Offer*) {};
    upserter_ = std::make_unique<BatchUpserter<v1::Offer>>(
        repository_.get(), std::move(hooks), /*batch_size=*/2);
  }
  void TearDown() override {
    upserter_.reset();
    repository_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Add(const std::string& external_id, bool valid = true) {
    v1::Offer o;
    o.set_external_id(external_id);
    if (valid) o.set_title("Tourneur");
    ASSERT_TRUE(upserter_->Add(o).ok());
  }

  std::string dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Repository<v1::Offer>> repository_;
  std::unique_ptr<BatchUpserter<v1::Offer>> upserter_;
};

TEST_F(UpserterTest, SettledCountsOnlyWhatWasWritten) {
  Add("a");
  Add("b");         // batch [a, b]
  Add("c", false);  // rejected at once
  Add("d");
  Add("e");                                               // batch [d, e]
  Add("f", false);                                        // rejected at once
  ASSERT_TRUE(upserter_->Write(upserter_->Take()).ok());  // [a, b]
  v1::ImportResponse settled = upserter_->Settled();
  EXPECT_EQ(settled.received(), 6);
  EXPECT_EQ(settled.settled(), 3);  // a, b written; c rejected; d not
  EXPECT_EQ(settled.created(), 2);
  EXPECT_EQ(settled.rejected(), 1);
  ASSERT_EQ(settled.errors_size(), 1);
  EXPECT_EQ(settled.errors(0).index(), 2);

  // The store fails under the next batch: nothing from it on is settled.
  ASSERT_TRUE(store_->Close().ok());
  EXPECT_FALSE(upserter_->Write(upserter_->Take()).ok());  // [d, e]
  settled = upserter_->Settled();
  EXPECT_EQ(settled.settled(), 3);
  EXPECT_EQ(settled.created(), 2);
  EXPECT_EQ(settled.rejected(), 1);

  // Unreadable records are rejected with their index.
  upserter_->RejectUnreadable(absl::InvalidArgumentError("record: garbage"));
  EXPECT_EQ(upserter_->response().received(), 7);
  EXPECT_EQ(upserter_->response().errors(2).index(), 6);
  EXPECT_EQ(upserter_->response().errors(2).field(), "record");
}

}  // namespace
}  // namespace passerelle::runtime
