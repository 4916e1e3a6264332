#include "clients/cli/importer.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "passerelle/v1/offer.pb.h"

namespace passerelle::cli {
namespace {

// Five offers as JSON Lines, external ids o-0 .. o-4.
std::string FiveOffers() {
  std::string text;
  for (int i = 0; i < 5; ++i) {
    absl::StrAppend(&text, "{\"externalId\":\"o-", i, "\"}\n");
  }
  return text;
}

TEST(RunImportTest, AFailedCallCountsWhatTheServerSaysItWrote) {
  std::istringstream in(FiveOffers());
  auto reader = NewJsonlRecordReader(&in, v1::Offer::default_instance());
  ImportOptions options;
  options.label = "offers";
  options.batch_size = 3;
  options.quiet = true;
  int calls = 0;
  const ChunkSender send =
      [&calls](const std::vector<const google::protobuf::Message*>& records,
               v1::ImportResponse* response) -> absl::Status {
    ++calls;
    response->set_received(static_cast<int64_t>(records.size()));
    if (calls == 1) {  // the first chunk of three: written
      response->set_created(3);
      response->set_settled(3);
      return absl::OkStatus();
    }
    // The second chunk (two records): the server stopped after writing
    // one of them, and said so in the trailing metadata.
    response->set_created(1);
    response->set_settled(1);
    return absl::UnavailableError("import: the server is shutting down");
  };
  std::ostringstream err;
  const ImportSummary summary = RunImport(*reader, options, send, err);
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(absl::IsUnavailable(summary.status));
  EXPECT_EQ(summary.sent, 4);
  EXPECT_EQ(summary.created, 4);
  EXPECT_EQ(summary.acknowledged, 4);
  EXPECT_EQ(summary.not_acknowledged, 1);
  EXPECT_EQ(err.str(), "");
}

TEST(RunImportTest, AFailedCallWithoutCountsAcknowledgesNothingOfIt) {
  std::istringstream in(FiveOffers());
  auto reader = NewJsonlRecordReader(&in, v1::Offer::default_instance());
  ImportOptions options;
  options.batch_size = 3;
  options.quiet = true;
  const ChunkSender send =
      [](const std::vector<const google::protobuf::Message*>&,
         v1::ImportResponse* response) -> absl::Status {
    response->Clear();
    return absl::UnavailableError("connection refused");
  };
  std::ostringstream err;
  const ImportSummary summary = RunImport(*reader, options, send, err);
  EXPECT_TRUE(absl::IsUnavailable(summary.status));
  EXPECT_EQ(summary.acknowledged, 0);
  EXPECT_EQ(summary.not_acknowledged, 3);
  EXPECT_TRUE(summary.stopped_early);
}

}  // namespace
}  // namespace passerelle::cli
