#include "storage/internal/encoding.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/status.h"
#include "storage/internal/status.h"

namespace passerelle::storage::internal {
namespace {

using ::testing::HasSubstr;

TEST(StoreEncodingTest, VarintsRoundTripAndRejectTruncation) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{127}, uint64_t{128},
                     uint64_t{300}, uint64_t{1} << 35, UINT64_MAX}) {
    std::string bytes;
    PutVarint64(&bytes, v);
    absl::string_view in = bytes;
    uint64_t out = 0;
    ASSERT_TRUE(GetVarint64(&in, &out)) << v;
    EXPECT_EQ(out, v);
    EXPECT_TRUE(in.empty());
    if (bytes.size() > 1) {
      absl::string_view truncated(bytes.data(), bytes.size() - 1);
      EXPECT_FALSE(GetVarint64(&truncated, &out)) << v;
    }
  }
  // Eleven bytes, or a 10th byte beyond 64 bits, is not a varint.
  std::string too_long(10, '\x80');
  too_long.push_back('\x01');
  absl::string_view in = too_long;
  uint64_t out;
  EXPECT_FALSE(GetVarint64(&in, &out));
  std::string overflow(9, '\xff');
  overflow.push_back('\x02');
  in = overflow;
  EXPECT_FALSE(GetVarint64(&in, &out));
}

TEST(StoreEncodingTest, BigEndianOrderIsNumericOrder) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t a = rng() >> (rng() % 64);
    const uint64_t b = rng() >> (rng() % 64);
    EXPECT_EQ(a < b, EncodeBigEndian64(a) < EncodeBigEndian64(b));
    uint64_t back;
    ASSERT_TRUE(DecodeBigEndian64(EncodeBigEndian64(a), &back));
    EXPECT_EQ(back, a);
  }
  uint64_t v;
  EXPECT_FALSE(DecodeBigEndian64("1234567", &v));
}

TEST(StoreEncodingTest, EnvelopeRoundTrips) {
  Envelope envelope;
  envelope.version = -5;
  envelope.data = std::string("\0data\xff", 6);
  envelope.index_keys = {{"school", std::string("s\0", 2), false},
                         {"email", "a@x", true}};
  absl::StatusOr<Envelope> back = DecodeEnvelope(EncodeEnvelope(envelope));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->version, -5);
  EXPECT_EQ(back->data, envelope.data);
  ASSERT_EQ(back->index_keys.size(), 2u);
  EXPECT_EQ(back->index_keys[0].value, envelope.index_keys[0].value);
  EXPECT_FALSE(back->index_keys[0].unique);
  EXPECT_EQ(back->index_keys[1].index, "email");
  EXPECT_TRUE(back->index_keys[1].unique);

  for (int64_t version : {INT64_MIN, int64_t{-1}, int64_t{0}, INT64_MAX}) {
    Envelope e;
    e.version = version;
    EXPECT_EQ(DecodeEnvelope(EncodeEnvelope(e))->version, version);
  }
}

TEST(StoreEncodingTest, CorruptEnvelopeIsDataLoss) {
  Envelope envelope;
  envelope.version = 3;
  envelope.data = "payload";
  envelope.index_keys = {{"i", "v", true}};
  const std::string good = EncodeEnvelope(envelope);
  // Every strict prefix, the empty string, trailing bytes, a bad format byte.
  for (size_t len = 0; len < good.size(); ++len) {
    EXPECT_EQ(DecodeEnvelope(good.substr(0, len)).status().code(),
              absl::StatusCode::kDataLoss)
        << len;
  }
  EXPECT_EQ(DecodeEnvelope(good + "x").status().code(),
            absl::StatusCode::kDataLoss);
  std::string bad_format = good;
  bad_format[0] = 0x7f;
  EXPECT_EQ(DecodeEnvelope(bad_format).status().code(),
            absl::StatusCode::kDataLoss);
}

// Random strings over a tiny alphabet that includes the escape bytes, so
// NULs, 0x01 and 0xff meet each other often.
std::string RandomBytes(std::mt19937& rng) {
  static constexpr char kAlphabet[] = {'\0', '\x01', '\x02', 'a', '\xff'};
  std::string s(rng() % 4, '\0');
  for (char& c : s) c = kAlphabet[rng() % sizeof(kAlphabet)];
  return s;
}

TEST(StoreEncodingTest, ComponentsPreserveOrderAndNeverCollide) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const std::string a1 = RandomBytes(rng), a2 = RandomBytes(rng);
    const std::string b1 = RandomBytes(rng), b2 = RandomBytes(rng);
    const std::string ka = IndexPrefix(a1, a2);
    const std::string kb = IndexPrefix(b1, b2);
    // Distinct pairs give distinct keys, neither a prefix of the other.
    if (a1 != b1 || a2 != b2) {
      ASSERT_NE(ka, kb);
      ASSERT_NE(kb.rfind(ka, 0), 0u) << "prefix collision";
    }
    // Byte order of the tuple is byte order of the key.
    ASSERT_EQ(std::make_pair(a1, a2) < std::make_pair(b1, b2), ka < kb);
  }
}

TEST(StoreEncodingTest, IndexPrefixLengthFindsTheIndexAndValue) {
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const std::string index = RandomBytes(rng), value = RandomBytes(rng);
    const std::string prefix = IndexPrefix(index, value);
    const std::string key =
        IndexEntryKey(index, value, RandomBytes(rng), RandomBytes(rng));
    ASSERT_EQ(IndexPrefixLength(key), prefix.size());
    ASSERT_EQ(IndexPrefixLength(prefix), prefix.size());
    // Less than two whole components: no prefix.
    ASSERT_EQ(IndexPrefixLength(prefix.substr(0, prefix.size() - 1)), 0u);
    std::string one;
    AppendComponent(&one, index);
    ASSERT_EQ(IndexPrefixLength(one), 0u);
  }
  EXPECT_EQ(IndexPrefixLength(""), 0u);
}

TEST(StoreEncodingTest, IndexSuffixDecodes) {
  const std::string id("i\0d", 3);
  const std::string key = IndexEntryKey("idx", "val", id, "table");
  const std::string prefix = IndexPrefix("idx", "val");
  ASSERT_EQ(key.rfind(prefix, 0), 0u);
  absl::StatusOr<IndexHolder> holder =
      DecodeIndexSuffix(absl::string_view(key).substr(prefix.size()));
  ASSERT_TRUE(holder.ok());
  EXPECT_EQ(holder->id, id);
  EXPECT_EQ(holder->table, "table");
  EXPECT_EQ(DecodeIndexSuffix("abc").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeIndexSuffix(std::string("a\0\x02", 3)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(StoreEncodingTest, PageTokensRoundTripAndAreBoundToTheirListing) {
  PageScope list{PageScope::Kind::kList, "graduates", "", ""};
  PageScope index{PageScope::Kind::kIndex, "graduates", "school", "s1"};
  const std::string last("g\0\xff", 3);
  EXPECT_EQ(DecodePageToken(EncodePageToken(list, last), list).value(), last);
  EXPECT_EQ(DecodePageToken(EncodePageToken(index, last), index).value(), last);

  std::vector<PageScope> others = {
      {PageScope::Kind::kList, "offers", "", ""},
      index,
      {PageScope::Kind::kIndex, "graduates", "school", "s2"},
      {PageScope::Kind::kIndex, "graduates", "email", "s1"},
      {PageScope::Kind::kIndex, "offers", "school", "s1"},
  };
  const std::string token = EncodePageToken(list, last);
  for (const PageScope& other : others) {
    absl::StatusOr<std::string> result = DecodePageToken(token, other);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(result.status().message(), HasSubstr("page_token"));
  }
  for (const std::string& bad :
       std::vector<std::string>{"", "!!!!", "AA", "AQ", token + "AA"}) {
    EXPECT_EQ(DecodePageToken(bad, list).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(StoreEncodingTest, RocksDbStatusesMapToCanonicalCodes) {
  EXPECT_TRUE(FromRocksDb(rocksdb::Status::OK(), "x").ok());
  EXPECT_EQ(FromRocksDb(rocksdb::Status::NotFound("k"), "x").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::Corruption("bad block"), "x").code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::IOError("disk"), "x").code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::NoSpace("full"), "x").code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::Busy(), "x").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::TryAgain(), "x").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::TimedOut(), "x").code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::InvalidArgument("opt"), "x").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FromRocksDb(rocksdb::Status::NotSupported(), "x").code(),
            absl::StatusCode::kUnimplemented);
  const rocksdb::Status lock = rocksdb::Status::IOError(
      "While lock file: /db/LOCK", "Resource temporarily unavailable");
  EXPECT_EQ(FromRocksDb(lock, "open", RocksDbOp::kOpen).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FromRocksDb(lock, "get").code(), absl::StatusCode::kInternal);
  EXPECT_THAT(FromRocksDb(rocksdb::Status::NotFound("k"), "ctx").message(),
              HasSubstr("ctx"));
}

}  // namespace
}  // namespace passerelle::storage::internal
