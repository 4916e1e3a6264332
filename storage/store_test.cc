#include "storage/store.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string base = ::testing::TempDir();
    if (base.empty() || base.back() != '/') base.push_back('/');
    std::string pattern = base + "store_test.XXXXXX";
    char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << std::strerror(errno);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string Sub(absl::string_view name) const {
    return absl::StrCat(path_, "/", name);
  }

 private:
  std::string path_;
};

Store::Options MakeOptions(const std::string& path) {
  Store::Options options;
  options.path = path;
  options.tables = {"graduates", "offers"};
  return options;
}

std::unique_ptr<Store> OpenOrDie(const Store::Options& options) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

Mutation Put(std::string table, std::string id, std::string data,
             int64_t version = 1, std::vector<IndexKey> index_keys = {}) {
  Mutation m;
  m.kind = Mutation::Kind::kPut;
  m.table = std::move(table);
  m.id = std::move(id);
  m.data = std::move(data);
  m.version = version;
  m.index_keys = std::move(index_keys);
  return m;
}

Mutation Delete(std::string table, std::string id) {
  Mutation m;
  m.kind = Mutation::Kind::kDelete;
  m.table = std::move(table);
  m.id = std::move(id);
  return m;
}

Mutation Expecting(Mutation m, Mutation::Expect expect,
                   int64_t expected_version = 0) {
  m.expect = expect;
  m.expected_version = expected_version;
  return m;
}

std::vector<std::string> Ids(const std::vector<Record>& records) {
  std::vector<std::string> ids;
  for (const Record& r : records) ids.push_back(r.id);
  return ids;
}

std::vector<uint64_t> Sequences(const std::vector<Change>& changes) {
  std::vector<uint64_t> out;
  for (const Change& c : changes) out.push_back(c.sequence);
  return out;
}

// Every id of `table` via List, following page tokens.
std::vector<std::string> ListAll(const Reader& reader, absl::string_view table,
                                 int page_size) {
  std::vector<std::string> ids;
  std::string token;
  do {
    absl::StatusOr<Page> page = reader.List(table, page_size, token);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (const Record& r : page->records) ids.push_back(r.id);
    token = page->next_page_token;
  } while (!token.empty());
  return ids;
}

std::vector<std::string> LookupAll(const Reader& reader,
                                   absl::string_view index,
                                   absl::string_view value) {
  absl::StatusOr<std::vector<std::string>> ids =
      reader.Lookup(index, value, 1000);
  EXPECT_TRUE(ids.ok()) << ids.status();
  return ids.ok() ? *ids : std::vector<std::string>{};
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenOrDie(MakeOptions(dir_.Sub("db")));
    ASSERT_NE(store_, nullptr);
  }

  // Commits and fails the test on error.
  CommitResult MustCommit(std::vector<Mutation> mutations,
                          std::vector<std::string> changes = {}) {
    absl::StatusOr<CommitResult> result =
        store_->Commit(std::move(mutations), std::move(changes));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : CommitResult{};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, PutThenGetReturnsDataAndVersion) {
  MustCommit({Put("graduates", "g1", "alice", 7)});
  absl::StatusOr<Record> record = store_->Get("graduates", "g1");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->id, "g1");
  EXPECT_EQ(record->version, 7);
  EXPECT_EQ(record->data, "alice");
  // Tables are separate key spaces.
  EXPECT_EQ(store_->Get("offers", "g1").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, GetMissingIsNotFoundAndUnknownTableIsInvalid) {
  EXPECT_EQ(store_->Get("graduates", "nobody").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Get("nope", "g1").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Commit({Put("nope", "g1", "x")}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Commit({Put("graduates", "", "x")}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, BinaryIdsAndDataRoundTrip) {
  const std::string id("a\0b\xff", 4);
  const std::string data("\0\1\2\xff\xfe", 5);
  MustCommit({Put("graduates", id, data, -3)});
  absl::StatusOr<Record> record = store_->Get("graduates", id);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->data, data);
  EXPECT_EQ(record->version, -3);
  EXPECT_EQ(store_->Get("graduates", "a").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, DeleteRemovesRecord) {
  MustCommit({Put("graduates", "g1", "alice")});
  MustCommit({Delete("graduates", "g1")});
  EXPECT_EQ(store_->Get("graduates", "g1").status().code(),
            absl::StatusCode::kNotFound);
  // Deleting what is not there is not an error without an expectation.
  MustCommit({Delete("graduates", "g1")});
}

TEST_F(StoreTest, ExpectAbsentFailsWhenRecordExists) {
  MustCommit(
      {Expecting(Put("graduates", "g1", "a"), Mutation::Expect::kAbsent)});
  absl::StatusOr<CommitResult> result = store_->Commit(
      {Expecting(Put("graduates", "g1", "b"), Mutation::Expect::kAbsent)}, {});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->Get("graduates", "g1")->data, "a");
}

TEST_F(StoreTest, ExpectExistsFailsWhenRecordMissing) {
  EXPECT_EQ(store_
                ->Commit({Expecting(Put("graduates", "g1", "a"),
                                    Mutation::Expect::kExists)},
                         {})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_
                ->Commit({Expecting(Delete("graduates", "g1"),
                                    Mutation::Expect::kExists)},
                         {})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  MustCommit({Put("graduates", "g1", "a")});
  MustCommit(
      {Expecting(Put("graduates", "g1", "b"), Mutation::Expect::kExists)});
  EXPECT_EQ(store_->Get("graduates", "g1")->data, "b");
}

TEST_F(StoreTest, ExpectVersionChecksExistenceThenVersion) {
  EXPECT_EQ(store_
                ->Commit({Expecting(Put("graduates", "g1", "a", 2),
                                    Mutation::Expect::kVersion, 1)},
                         {})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  MustCommit({Put("graduates", "g1", "a", 1)});
  absl::StatusOr<CommitResult> stale =
      store_->Commit({Expecting(Put("graduates", "g1", "b", 3),
                                Mutation::Expect::kVersion, 2)},
                     {});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  MustCommit({Expecting(Put("graduates", "g1", "b", 2),
                        Mutation::Expect::kVersion, 1)});
  absl::StatusOr<Record> record = store_->Get("graduates", "g1");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->version, 2);
  EXPECT_EQ(record->data, "b");
  EXPECT_EQ(store_
                ->Commit({Expecting(Delete("graduates", "g1"),
                                    Mutation::Expect::kVersion, 1)},
                         {})
                .status()
                .code(),
            absl::StatusCode::kAborted);
  MustCommit(
      {Expecting(Delete("graduates", "g1"), Mutation::Expect::kVersion, 2)});
  EXPECT_EQ(store_->Get("graduates", "g1").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, FailedCommitWritesNothing) {
  MustCommit({Put("graduates", "keep", "k1", 1, {{"school", "s1", false}}),
              Put("graduates", "doomed", "d1", 1, {{"email", "d@x", true}}),
              Put("offers", "o1", "offer", 1, {{"email", "o@x", true}})},
             {"c1"});
  const uint64_t before = store_->LastSequence();
  ASSERT_EQ(before, 1u);

  // Each failure comes last, after mutations that would otherwise have
  // added, moved and removed records and index entries.
  std::vector<Mutation> failing_tails;
  failing_tails.push_back(Expecting(Put("graduates", "keep", "x", 9),
                                    Mutation::Expect::kVersion, 42));
  failing_tails.push_back(
      Expecting(Put("graduates", "keep", "x"), Mutation::Expect::kAbsent));
  failing_tails.push_back(
      Expecting(Delete("graduates", "doomed"), Mutation::Expect::kExists));
  failing_tails.push_back(Put("graduates", "thief", "x", 1,
                              {{"email", "o@x", true}}));  // unique conflict
  failing_tails.push_back(Put("nope", "x", "x"));
  for (size_t i = 0; i < failing_tails.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("failing tail #", i));
    std::vector<Mutation> mutations;
    mutations.push_back(Put("graduates", "new", "n", 1,
                            {{"school", "s1", false}, {"email", "n@x", true}}));
    mutations.push_back(
        Put("graduates", "keep", "k2", 2, {{"school", "s2", false}}));
    mutations.push_back(Delete("graduates", "doomed"));
    mutations.push_back(std::move(failing_tails[i]));
    absl::StatusOr<CommitResult> result =
        store_->Commit(std::move(mutations), {"c2", "c3"});
    ASSERT_FALSE(result.ok());

    EXPECT_EQ(store_->Get("graduates", "new").status().code(),
              absl::StatusCode::kNotFound);
    EXPECT_EQ(store_->Get("graduates", "keep")->data, "k1");
    EXPECT_EQ(store_->Get("graduates", "doomed")->data, "d1");
    EXPECT_EQ(store_->Get("graduates", "thief").status().code(),
              absl::StatusCode::kNotFound);
    EXPECT_THAT(LookupAll(*store_, "school", "s1"), ElementsAre("keep"));
    EXPECT_THAT(LookupAll(*store_, "school", "s2"), IsEmpty());
    EXPECT_THAT(LookupAll(*store_, "email", "n@x"), IsEmpty());
    EXPECT_THAT(LookupAll(*store_, "email", "d@x"), ElementsAre("doomed"));
    EXPECT_THAT(LookupAll(*store_, "email", "o@x"), ElementsAre("o1"));
    EXPECT_EQ(store_->LastSequence(), before);
    absl::StatusOr<std::vector<Change>> changes = store_->ReadChanges(0, 100);
    ASSERT_TRUE(changes.ok());
    EXPECT_THAT(Sequences(*changes), ElementsAre(1u));
  }
  // The next successful commit continues right after the last one.
  CommitResult next = MustCommit({}, {"c2"});
  EXPECT_EQ(next.first_sequence, before + 1);
}

TEST_F(StoreTest, IndexEntriesFollowOverwriteAndDelete) {
  MustCommit({Put("graduates", "g1", "a", 1, {{"school", "s1", false}}),
              Put("graduates", "g2", "b", 1, {{"school", "s1", false}})});
  EXPECT_THAT(LookupAll(*store_, "school", "s1"), ElementsAre("g1", "g2"));

  // The caller states only the new entries; the old one goes away.
  MustCommit({Put("graduates", "g1", "a2", 2, {{"school", "s2", false}})});
  EXPECT_THAT(LookupAll(*store_, "school", "s1"), ElementsAre("g2"));
  EXPECT_THAT(LookupAll(*store_, "school", "s2"), ElementsAre("g1"));

  // An overwrite without index keys drops them all.
  MustCommit({Put("graduates", "g2", "b2", 2)});
  EXPECT_THAT(LookupAll(*store_, "school", "s1"), IsEmpty());

  MustCommit({Delete("graduates", "g1")});
  EXPECT_THAT(LookupAll(*store_, "school", "s2"), IsEmpty());

  absl::StatusOr<std::vector<std::string>> limited =
      store_->Lookup("school", "s2", 0);
  ASSERT_TRUE(limited.ok());
  EXPECT_THAT(*limited, IsEmpty());
}

TEST_F(StoreTest, LookupRespectsLimitAndIdOrder) {
  MustCommit({Put("graduates", "c", "", 1, {{"school", "s", false}}),
              Put("graduates", "a", "", 1, {{"school", "s", false}}),
              Put("graduates", "b", "", 1, {{"school", "s", false}})});
  absl::StatusOr<std::vector<std::string>> ids =
      store_->Lookup("school", "s", 2);
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ElementsAre("a", "b"));
}

TEST_F(StoreTest, IndexKeysWithNulBytesDoNotCollide) {
  const std::string nul("\0", 1);
  MustCommit({
      Put("graduates", "g1", "", 1, {{"i", "x", false}}),
      Put("graduates", "g2", "", 1, {{"i", "x" + nul, false}}),
      Put("graduates", "g3", "", 1, {{"i" + nul + "x", "", false}}),
      Put("graduates", "g4", "", 1, {{"i", nul + "x", false}}),
      Put("graduates", "g5", "", 1, {{"i", "", false}}),
  });
  EXPECT_THAT(LookupAll(*store_, "i", "x"), ElementsAre("g1"));
  EXPECT_THAT(LookupAll(*store_, "i", "x" + nul), ElementsAre("g2"));
  EXPECT_THAT(LookupAll(*store_, "i" + nul + "x", ""), ElementsAre("g3"));
  EXPECT_THAT(LookupAll(*store_, "i", nul + "x"), ElementsAre("g4"));
  EXPECT_THAT(LookupAll(*store_, "i", ""), ElementsAre("g5"));
  EXPECT_THAT(LookupAll(*store_, "i", nul), IsEmpty());
}

TEST_F(StoreTest, UniqueIndexConflictAcrossCommits) {
  MustCommit({Put("graduates", "g1", "", 1, {{"email", "a@x", true}})});
  absl::StatusOr<CommitResult> taken = store_->Commit(
      {Put("graduates", "g2", "", 1, {{"email", "a@x", true}})}, {});
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(taken.status().message(), HasSubstr("email"));
  // The same id in another table is another holder.
  EXPECT_EQ(
      store_->Commit({Put("offers", "g1", "", 1, {{"email", "a@x", true}})}, {})
          .status()
          .code(),
      absl::StatusCode::kAlreadyExists);

  // Its holder may rewrite it, and once released it is free.
  MustCommit({Put("graduates", "g1", "", 2, {{"email", "a@x", true}})});
  MustCommit({Put("graduates", "g1", "", 3, {{"email", "b@x", true}})});
  MustCommit({Put("graduates", "g2", "", 1, {{"email", "a@x", true}})});
  MustCommit({Delete("graduates", "g1")});
  MustCommit({Put("graduates", "g3", "", 1, {{"email", "b@x", true}})});
  EXPECT_THAT(LookupAll(*store_, "email", "a@x"), ElementsAre("g2"));
  EXPECT_THAT(LookupAll(*store_, "email", "b@x"), ElementsAre("g3"));

  // A unique claim on a pair with plain holders fails too.
  MustCommit({Put("graduates", "p1", "", 1, {{"school", "s", false}}),
              Put("graduates", "p2", "", 1, {{"school", "s", false}})});
  EXPECT_EQ(
      store_
          ->Commit({Put("graduates", "p3", "", 1, {{"school", "s", true}})}, {})
          .status()
          .code(),
      absl::StatusCode::kAlreadyExists);
}

TEST_F(StoreTest, UniqueIndexConflictWithinOneCommit) {
  absl::StatusOr<CommitResult> result =
      store_->Commit({Put("graduates", "g1", "", 1, {{"email", "a@x", true}}),
                      Put("graduates", "g2", "", 1, {{"email", "a@x", true}})},
                     {"change"});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(result.status().message(), HasSubstr("email"));
  EXPECT_EQ(store_->Get("graduates", "g1").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(LookupAll(*store_, "email", "a@x"), IsEmpty());
  EXPECT_EQ(store_->LastSequence(), 0u);

  // Later mutations see earlier ones: g1 releases the address, g2 takes it.
  MustCommit({Put("graduates", "g1", "", 1, {{"email", "a@x", true}})});
  MustCommit({Put("graduates", "g1", "", 2, {{"email", "c@x", true}}),
              Put("graduates", "g2", "", 1, {{"email", "a@x", true}})});
  EXPECT_THAT(LookupAll(*store_, "email", "a@x"), ElementsAre("g2"));
  EXPECT_THAT(LookupAll(*store_, "email", "c@x"), ElementsAre("g1"));
  // Same with a delete as the release.
  MustCommit({Delete("graduates", "g2"),
              Put("graduates", "g3", "", 1, {{"email", "a@x", true}})});
  EXPECT_THAT(LookupAll(*store_, "email", "a@x"), ElementsAre("g3"));
}

TEST_F(StoreTest, SameRecordTwiceInOneCommitSeesEarlierMutation) {
  MustCommit(
      {Expecting(Put("graduates", "g1", "v1", 1, {{"school", "s1", false}}),
                 Mutation::Expect::kAbsent),
       Expecting(Put("graduates", "g1", "v2", 2, {{"school", "s2", false}}),
                 Mutation::Expect::kVersion, 1)});
  absl::StatusOr<Record> record = store_->Get("graduates", "g1");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->data, "v2");
  EXPECT_EQ(record->version, 2);
  EXPECT_THAT(LookupAll(*store_, "school", "s1"), IsEmpty());
  EXPECT_THAT(LookupAll(*store_, "school", "s2"), ElementsAre("g1"));

  MustCommit({Put("graduates", "g2", "x", 1, {{"school", "s3", false}}),
              Delete("graduates", "g2")});
  EXPECT_EQ(store_->Get("graduates", "g2").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(LookupAll(*store_, "school", "s3"), IsEmpty());

  MustCommit(
      {Delete("graduates", "g1"),
       Expecting(Put("graduates", "g1", "v3", 3), Mutation::Expect::kAbsent)});
  EXPECT_EQ(store_->Get("graduates", "g1")->data, "v3");
  EXPECT_THAT(LookupAll(*store_, "school", "s2"), IsEmpty());

  // Duplicate keys in one mutation are one entry.
  MustCommit({Put("graduates", "g4", "", 1,
                  {{"school", "s4", false}, {"school", "s4", false}})});
  EXPECT_THAT(LookupAll(*store_, "school", "s4"), ElementsAre("g4"));
  MustCommit({Delete("graduates", "g4")});
  EXPECT_THAT(LookupAll(*store_, "school", "s4"), IsEmpty());
}

TEST_F(StoreTest, ListPagesThroughTableInIdOrder) {
  std::vector<Mutation> mutations;
  std::vector<std::string> expected;
  for (int i = 24; i >= 0; --i) {
    const std::string id = absl::StrFormat("g%03d", i);
    mutations.push_back(Put("graduates", id, "data-" + id, i));
  }
  for (int i = 0; i < 25; ++i) expected.push_back(absl::StrFormat("g%03d", i));
  MustCommit(std::move(mutations));
  MustCommit({Put("offers", "o1", "")});

  absl::StatusOr<Page> p1 = store_->List("graduates", 10, "");
  ASSERT_TRUE(p1.ok()) << p1.status();
  EXPECT_EQ(Ids(p1->records),
            std::vector<std::string>(expected.begin(), expected.begin() + 10));
  EXPECT_EQ(p1->records[3].data, "data-g003");
  EXPECT_EQ(p1->records[3].version, 3);
  ASSERT_FALSE(p1->next_page_token.empty());
  absl::StatusOr<Page> p2 = store_->List("graduates", 10, p1->next_page_token);
  ASSERT_TRUE(p2.ok()) << p2.status();
  EXPECT_EQ(Ids(p2->records), std::vector<std::string>(expected.begin() + 10,
                                                       expected.begin() + 20));
  absl::StatusOr<Page> p3 = store_->List("graduates", 10, p2->next_page_token);
  ASSERT_TRUE(p3.ok()) << p3.status();
  EXPECT_EQ(Ids(p3->records),
            std::vector<std::string>(expected.begin() + 20, expected.end()));
  EXPECT_TRUE(p3->next_page_token.empty());

  // A page that ends exactly at the end has no next token.
  absl::StatusOr<Page> exact = store_->List("graduates", 25, "");
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->records.size(), 25u);
  EXPECT_TRUE(exact->next_page_token.empty());

  EXPECT_EQ(ListAll(*store_, "graduates", 1), expected);
  EXPECT_EQ(ListAll(*store_, "graduates", 7), expected);
  EXPECT_THAT(ListAll(*store_, "offers", 5), ElementsAre("o1"));
}

TEST_F(StoreTest, ListRejectsBadTokensAndPageSize) {
  MustCommit({Put("graduates", "g1", ""), Put("graduates", "g2", ""),
              Put("offers", "o1", ""), Put("offers", "o2", "")});
  absl::StatusOr<Page> page = store_->List("graduates", 1, "");
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->next_page_token.empty());

  for (const std::string& bad :
       {std::string("not base64 !!"), std::string("AAAA"),
        page->next_page_token + "A", page->next_page_token.substr(1)}) {
    absl::StatusOr<Page> result = store_->List("graduates", 1, bad);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_THAT(result.status().message(), HasSubstr("page_token")) << bad;
  }
  // A token from one listing cannot be replayed on another.
  absl::StatusOr<Page> other = store_->List("offers", 1, page->next_page_token);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(), HasSubstr("page_token"));
  EXPECT_EQ(store_->ListByIndex("graduates", "i", "v", 1, page->next_page_token)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);

  for (int bad_size : {0, -1}) {
    absl::StatusOr<Page> result = store_->List("graduates", bad_size, "");
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(result.status().message(), HasSubstr("page_size"));
    result = store_->ListByIndex("graduates", "i", "v", bad_size, "");
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(result.status().message(), HasSubstr("page_size"));
  }
  EXPECT_EQ(store_->List("nope", 1, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, IndexPageTokenAfterStartsAfterAnyId) {
  MustCommit({Put("graduates", "g1", "", 1, {{"school", "s1", false}}),
              Put("graduates", "g2", "", 1, {{"school", "s2", false}}),
              Put("graduates", "g3", "", 1, {{"school", "s1", false}}),
              Put("graduates", "g5", "", 1, {{"school", "s1", false}})});
  // After an id holding the entry, one not holding it, one not stored.
  for (const auto& [after, expected] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"g1", {"g3", "g5"}},
           {"g2", {"g3", "g5"}},
           {"g4", {"g5"}},
           {"g5", {}}}) {
    absl::StatusOr<Page> page = store_->ListByIndex(
        "graduates", "school", "s1", 10,
        IndexPageTokenAfter("graduates", "school", "s1", after));
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(Ids(page->records), expected) << after;
  }
  // Bound to its listing, as the store's own tokens.
  EXPECT_EQ(
      store_
          ->ListByIndex("graduates", "school", "s2", 10,
                        IndexPageTokenAfter("graduates", "school", "s1", "g1"))
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ListByIndexPagesThroughOneTablesHolders) {
  std::vector<Mutation> mutations;
  std::vector<std::string> expected;
  for (int i = 0; i < 23; ++i) {
    const std::string id = absl::StrFormat("g%03d", i);
    const bool in_s1 = i % 3 != 0;
    mutations.push_back(Put("graduates", id, "data-" + id, 1,
                            {{"school", in_s1 ? "s1" : "s2", false}}));
    if (in_s1) expected.push_back(id);
  }
  // The same index name and value from another table's records, with ids
  // interleaved with and equal to graduates' ones, must not appear.
  mutations.push_back(Put("offers", "g001", "", 1, {{"school", "s1", false}}));
  mutations.push_back(Put("offers", "g0015", "", 1, {{"school", "s1", false}}));
  mutations.push_back(Put("offers", "zzz", "", 1, {{"school", "s1", false}}));
  MustCommit(std::move(mutations));
  ASSERT_EQ(expected.size(), 15u);

  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<Page> page =
        store_->ListByIndex("graduates", "school", "s1", 4, token);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->records.size(), 4u);
    for (const Record& r : page->records) {
      EXPECT_EQ(r.data, "data-" + r.id);
      seen.push_back(r.id);
    }
    token = page->next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, 4);

  absl::StatusOr<Page> offers =
      store_->ListByIndex("offers", "school", "s1", 10, "");
  ASSERT_TRUE(offers.ok());
  EXPECT_THAT(Ids(offers->records), ElementsAre("g001", "g0015", "zzz"));

  // A token is bound to its (table, index, value).
  absl::StatusOr<Page> first =
      store_->ListByIndex("graduates", "school", "s1", 4, "");
  ASSERT_TRUE(first.ok());
  for (auto [table, value] :
       {std::pair<std::string, std::string>{"graduates", "s2"},
        {"offers", "s1"}}) {
    absl::StatusOr<Page> replay =
        store_->ListByIndex(table, "school", value, 4, first->next_page_token);
    EXPECT_EQ(replay.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(replay.status().message(), HasSubstr("page_token"));
  }
  EXPECT_EQ(
      store_->List("graduates", 4, first->next_page_token).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ForEachVisitsInIdOrderAndStopsWhenAsked) {
  MustCommit({Put("graduates", "b", "2", 2), Put("graduates", "a", "1", 1),
              Put("graduates", "c", "3", 3)});
  std::vector<std::string> seen;
  ASSERT_TRUE(store_
                  ->ForEach("graduates",
                            [&](const Record& r) {
                              seen.push_back(
                                  absl::StrCat(r.id, r.data, r.version));
                              return true;
                            })
                  .ok());
  EXPECT_THAT(seen, ElementsAre("a11", "b22", "c33"));
  seen.clear();
  ASSERT_TRUE(store_
                  ->ForEach("graduates",
                            [&](const Record& r) {
                              seen.push_back(r.id);
                              return seen.size() < 2;
                            })
                  .ok());
  EXPECT_THAT(seen, ElementsAre("a", "b"));
  EXPECT_EQ(store_->ForEach("nope", [](const Record&) { return true; }).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ChangeLogSequencesAreConsecutive) {
  EXPECT_EQ(store_->LastSequence(), 0u);
  CommitResult r1 = MustCommit({Put("graduates", "g1", "")}, {"a", "b", "c"});
  EXPECT_EQ(r1.first_sequence, 1u);
  EXPECT_EQ(r1.last_sequence, 3u);
  CommitResult r2 = MustCommit({Put("graduates", "g2", "")});
  EXPECT_EQ(r2.first_sequence, 0u);
  EXPECT_EQ(r2.last_sequence, 0u);
  CommitResult r3 = MustCommit({}, {"d", "e"});
  EXPECT_EQ(r3.first_sequence, 4u);
  EXPECT_EQ(r3.last_sequence, 5u);
  CommitResult empty = MustCommit({}, {});
  EXPECT_EQ(empty.first_sequence, 0u);
  EXPECT_EQ(store_->LastSequence(), 5u);

  absl::StatusOr<std::vector<Change>> all = store_->ReadChanges(0, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(Sequences(*all), ElementsAre(1u, 2u, 3u, 4u, 5u));
  std::vector<std::string> data;
  for (const Change& c : *all) data.push_back(c.data);
  EXPECT_THAT(data, ElementsAre("a", "b", "c", "d", "e"));

  absl::StatusOr<std::vector<Change>> middle = store_->ReadChanges(2, 2);
  ASSERT_TRUE(middle.ok());
  EXPECT_THAT(Sequences(*middle), ElementsAre(3u, 4u));
  EXPECT_THAT(*store_->ReadChanges(5, 10), IsEmpty());
  EXPECT_THAT(*store_->ReadChanges(0, 0), IsEmpty());
  EXPECT_THAT(*store_->ReadChanges(UINT64_MAX, 10), IsEmpty());
}

TEST_F(StoreTest, WaitForChangesWakesOnCommitFromAnotherThread) {
  MustCommit({}, {"first"});
  std::atomic<uint64_t> woke_with{0};
  // No deadline: only the commit can end the wait. If the commit happens
  // before the wait starts, the wait returns at once.
  std::thread waiter(
      [&] { woke_with = store_->WaitForChanges(1, absl::InfiniteFuture()); });
  MustCommit({}, {"second", "third"});
  waiter.join();
  EXPECT_EQ(woke_with.load(), 3u);
}

TEST_F(StoreTest, WaitForChangesReturnsAtDeadlineOrAtOnce) {
  MustCommit({}, {"a", "b"});
  // Already past `after`: no wait at all, even with no time left.
  EXPECT_EQ(store_->WaitForChanges(1, absl::InfinitePast()), 2u);
  const absl::Time start = absl::Now();
  EXPECT_EQ(store_->WaitForChanges(2, start + absl::Milliseconds(50)), 2u);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
}

TEST_F(StoreTest, WaitForChangesReturnsAfterClose) {
  std::thread waiter(
      [&] { store_->WaitForChanges(0, absl::InfiniteFuture()); });
  ASSERT_TRUE(store_->Close().ok());
  waiter.join();  // hangs (and the test times out) if Close does not wake it
  EXPECT_EQ(store_->WaitForChanges(0, absl::InfiniteFuture()), 0u);
}

TEST_F(StoreTest, SnapshotSeesNothingCommittedAfterIt) {
  MustCommit({Put("graduates", "g1", "old", 1, {{"school", "s1", false}}),
              Put("graduates", "g2", "two", 1)},
             {"c1", "c2"});
  std::unique_ptr<Snapshot> snapshot = store_->GetSnapshot();
  EXPECT_EQ(snapshot->sequence(), 2u);

  MustCommit({Put("graduates", "g1", "new", 2, {{"school", "s2", false}}),
              Delete("graduates", "g2"), Put("graduates", "g3", "three")},
             {"c3"});

  absl::StatusOr<Record> g1 = snapshot->Get("graduates", "g1");
  ASSERT_TRUE(g1.ok());
  EXPECT_EQ(g1->data, "old");
  EXPECT_EQ(g1->version, 1);
  EXPECT_EQ(snapshot->Get("graduates", "g2")->data, "two");
  EXPECT_EQ(snapshot->Get("graduates", "g3").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(ListAll(*snapshot, "graduates", 1), ElementsAre("g1", "g2"));
  EXPECT_THAT(LookupAll(*snapshot, "school", "s1"), ElementsAre("g1"));
  EXPECT_THAT(LookupAll(*snapshot, "school", "s2"), IsEmpty());
  absl::StatusOr<Page> by_index =
      snapshot->ListByIndex("graduates", "school", "s1", 10, "");
  ASSERT_TRUE(by_index.ok());
  ASSERT_EQ(by_index->records.size(), 1u);
  EXPECT_EQ(by_index->records[0].data, "old");
  std::vector<std::string> each;
  ASSERT_TRUE(snapshot
                  ->ForEach("graduates",
                            [&](const Record& r) {
                              each.push_back(r.data);
                              return true;
                            })
                  .ok());
  EXPECT_THAT(each, ElementsAre("old", "two"));

  // The live store sees the new state, and a new snapshot its sequence.
  EXPECT_EQ(store_->Get("graduates", "g1")->data, "new");
  EXPECT_THAT(ListAll(*store_, "graduates", 1), ElementsAre("g1", "g3"));
  EXPECT_EQ(store_->GetSnapshot()->sequence(), 3u);
}

TEST_F(StoreTest, CheckpointIsAnOpenableCopy) {
  MustCommit({Put("graduates", "g1", "a", 1, {{"email", "a@x", true}})},
             {"c1"});
  const std::string copy = dir_.Sub("checkpoint");
  ASSERT_TRUE(store_->Checkpoint(copy).ok());
  MustCommit({Put("graduates", "g2", "b")}, {"c2"});
  EXPECT_EQ(store_->Checkpoint(copy).code(), absl::StatusCode::kAlreadyExists);

  std::unique_ptr<Store> restored = OpenOrDie(MakeOptions(copy));
  ASSERT_NE(restored, nullptr);
  EXPECT_EQ(restored->Get("graduates", "g1")->data, "a");
  EXPECT_EQ(restored->Get("graduates", "g2").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(LookupAll(*restored, "email", "a@x"), ElementsAre("g1"));
  EXPECT_EQ(restored->LastSequence(), 1u);
  // The copy is independent of the original.
  CommitResult next = restored->Commit({}, {"c2-copy"}).value();
  EXPECT_EQ(next.first_sequence, 2u);
  EXPECT_EQ(store_->ReadChanges(1, 1).value()[0].data, "c2");
}

TEST_F(StoreTest, ReopenKeepsRecordsIndexesAndSequence) {
  const Store::Options options = MakeOptions(dir_.Sub("db"));
  MustCommit({Put("graduates", "g1", "a", 4, {{"email", "a@x", true}}),
              Put("offers", "o1", "o", 1)},
             {"c1", "c2"});
  ASSERT_TRUE(store_->Close().ok());
  ASSERT_TRUE(store_->Close().ok());  // idempotent
  store_.reset();

  // Reopen with an extra table and without "offers": both are fine.
  Store::Options reopen = options;
  reopen.tables = {"graduates", "proposals"};
  store_ = OpenOrDie(reopen);
  ASSERT_NE(store_, nullptr);
  absl::StatusOr<Record> g1 = store_->Get("graduates", "g1");
  ASSERT_TRUE(g1.ok()) << g1.status();
  EXPECT_EQ(g1->data, "a");
  EXPECT_EQ(g1->version, 4);
  EXPECT_THAT(LookupAll(*store_, "email", "a@x"), ElementsAre("g1"));
  EXPECT_EQ(
      store_
          ->Commit({Put("graduates", "g2", "", 1, {{"email", "a@x", true}})},
                   {})
          .status()
          .code(),
      absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->LastSequence(), 2u);
  EXPECT_EQ(MustCommit({Put("proposals", "p1", "")}, {"c3"}).first_sequence,
            3u);
  EXPECT_EQ(store_->Get("offers", "o1").status().code(),
            absl::StatusCode::kInvalidArgument);
  store_.reset();  // the destructor closes

  store_ = OpenOrDie(options);
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->Get("offers", "o1")->data, "o");
  EXPECT_EQ(store_->LastSequence(), 3u);
  EXPECT_THAT(Sequences(store_->ReadChanges(0, 10).value()),
              ElementsAre(1u, 2u, 3u));
}

TEST_F(StoreTest, ClosedStoreReturnsFailedPrecondition) {
  MustCommit({Put("graduates", "g1", "a")}, {"c1"});
  std::unique_ptr<Snapshot> before_close = store_->GetSnapshot();
  ASSERT_TRUE(store_->Close().ok());

  const auto kClosed = absl::StatusCode::kFailedPrecondition;
  EXPECT_EQ(store_->Get("graduates", "g1").status().code(), kClosed);
  EXPECT_EQ(store_->List("graduates", 1, "").status().code(), kClosed);
  EXPECT_EQ(store_->ListByIndex("graduates", "i", "v", 1, "").status().code(),
            kClosed);
  EXPECT_EQ(store_->Lookup("i", "v", 1).status().code(), kClosed);
  EXPECT_EQ(
      store_->ForEach("graduates", [](const Record&) { return true; }).code(),
      kClosed);
  EXPECT_EQ(store_->Commit({Put("graduates", "g2", "")}, {}).status().code(),
            kClosed);
  EXPECT_EQ(store_->ReadChanges(0, 1).status().code(), kClosed);
  EXPECT_EQ(store_->Checkpoint(dir_.Sub("cp")).code(), kClosed);
  EXPECT_EQ(store_->LastSequence(), 1u);

  EXPECT_EQ(before_close->Get("graduates", "g1").status().code(), kClosed);
  EXPECT_EQ(before_close->sequence(), 1u);
  std::unique_ptr<Snapshot> after_close = store_->GetSnapshot();
  EXPECT_EQ(after_close->Get("graduates", "g1").status().code(), kClosed);

  // Snapshots may outlive the store.
  store_.reset();
  EXPECT_EQ(before_close->List("graduates", 1, "").status().code(), kClosed);
}

TEST_F(StoreTest, CloseWithOpenSnapshotSucceedsAndReopens) {
  MustCommit({Put("graduates", "g1", "a")});
  std::unique_ptr<Snapshot> snapshot = store_->GetSnapshot();
  ASSERT_TRUE(store_->Close().ok());
  store_ = OpenOrDie(MakeOptions(dir_.Sub("db")));
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->Get("graduates", "g1")->data, "a");
  // Releasing a snapshot of the closed store leaves the new one alone.
  snapshot.reset();
  EXPECT_EQ(store_->Get("graduates", "g1")->data, "a");
}

TEST_F(StoreTest, SecondOpenOfSameDirectoryFailsPrecondition) {
  absl::StatusOr<std::unique_ptr<Store>> second =
      Store::Open(MakeOptions(dir_.Sub("db")));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition)
      << second.status();
}

TEST(StoreOpenTest, RejectsBadOptions) {
  TempDir dir;
  Store::Options options = MakeOptions(dir.Sub("db"));
  options.path = "";
  EXPECT_EQ(Store::Open(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const std::vector<std::string>& tables :
       std::vector<std::vector<std::string>>{
           {""}, {"default"}, {"__index"}, {"a", "a"}}) {
    options = MakeOptions(dir.Sub("db"));
    options.tables = tables;
    EXPECT_EQ(Store::Open(options).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  options = MakeOptions(dir.Sub("missing"));
  options.create_if_missing = false;
  EXPECT_EQ(Store::Open(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ConcurrentVersionedIncrementsLoseNoUpdate) {
  MustCommit({Put("graduates", "counter", "0", 0)});
  constexpr int kThreads = 8;
  constexpr int kAttempts = 200;
  std::atomic<int> successes{0};
  std::atomic<int> unexpected_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAttempts; ++i) {
        absl::StatusOr<Record> current = store_->Get("graduates", "counter");
        if (!current.ok()) {
          ++unexpected_errors;
          continue;
        }
        const int64_t next = current->version + 1;
        absl::StatusOr<CommitResult> result = store_->Commit(
            {Expecting(Put("graduates", "counter", absl::StrCat(next), next),
                       Mutation::Expect::kVersion, current->version)},
            {absl::StrCat("inc ", next)});
        if (result.ok()) {
          ++successes;
        } else if (result.status().code() != absl::StatusCode::kAborted) {
          ++unexpected_errors;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(unexpected_errors.load(), 0);
  EXPECT_GT(successes.load(), 0);
  absl::StatusOr<Record> counter = store_->Get("graduates", "counter");
  ASSERT_TRUE(counter.ok());
  EXPECT_EQ(counter->version, successes.load());
  EXPECT_EQ(counter->data, absl::StrCat(successes.load()));
  EXPECT_EQ(store_->LastSequence(), static_cast<uint64_t>(successes.load()));
  // Each increment logged exactly once, in order.
  absl::StatusOr<std::vector<Change>> changes =
      store_->ReadChanges(0, kThreads * kAttempts);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), static_cast<size_t>(successes.load()));
  for (size_t i = 0; i < changes->size(); ++i) {
    EXPECT_EQ((*changes)[i].sequence, i + 1);
    EXPECT_EQ((*changes)[i].data, absl::StrCat("inc ", i + 1));
  }
}

// A commit is written while the next one is planned: the next one must see
// it anyway. Threads claim one unique value and release it, each with its
// own record, never reading first; the change log (planning order) must
// show every claim released by its claimer before the next claim.
TEST_F(StoreTest, ConcurrentUniqueClaimsNeverOverlap) {
  constexpr int kThreads = 6;
  constexpr int kAttempts = 300;
  std::atomic<int> claims{0};
  std::atomic<int> unexpected_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string id = absl::StrCat("r", t);
      for (int i = 0; i < kAttempts; ++i) {
        absl::StatusOr<CommitResult> claimed = store_->Commit(
            {Put("graduates", id, "holds", 1, {{"token", "T", true}})},
            {absl::StrCat("claim ", t)});
        if (!claimed.ok()) {
          if (claimed.status().code() != absl::StatusCode::kAlreadyExists) {
            ++unexpected_errors;
          }
          continue;
        }
        ++claims;
        absl::StatusOr<CommitResult> released =
            store_->Commit({Put("graduates", id, "free", 2, {})},
                           {absl::StrCat("release ", t)});
        if (!released.ok()) ++unexpected_errors;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(unexpected_errors.load(), 0);
  EXPECT_GT(claims.load(), 0);
  absl::StatusOr<std::vector<Change>> changes =
      store_->ReadChanges(0, 2 * kThreads * kAttempts);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), static_cast<size_t>(2 * claims.load()));
  for (size_t i = 0; i < changes->size(); i += 2) {
    ASSERT_THAT((*changes)[i].data, HasSubstr("claim ")) << i;
    const std::string claimer = (*changes)[i].data.substr(6);
    ASSERT_EQ((*changes)[i + 1].data, absl::StrCat("release ", claimer)) << i;
  }
  EXPECT_THAT(LookupAll(*store_, "token", "T"), ElementsAre());
}

// Commits planned after a snapshot's sequence are not in it, and those
// before it all are, while other threads keep committing.
TEST_F(StoreTest, SnapshotSequenceMatchesItsDataUnderConcurrentCommits) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string id = absl::StrFormat("w%d-%06d", t, i);
        absl::StatusOr<CommitResult> result =
            store_->Commit({Put("graduates", id, "x", 1)}, {id});
        if (!result.ok()) ADD_FAILURE() << result.status();
      }
    });
  }
  for (int round = 0; round < 20; ++round) {
    std::unique_ptr<Snapshot> snapshot = store_->GetSnapshot();
    const std::vector<std::string> ids = ListAll(*snapshot, "graduates", 1000);
    // Each change names the record its commit created.
    EXPECT_EQ(ids.size(), snapshot->sequence()) << "round " << round;
  }
  stop = true;
  for (std::thread& writer : writers) writer.join();
}

// --- Durability across kill -9 --------------------------------------------
//
// The child is this binary re-executed (fork + exec, so it starts with no
// RocksDB threads inherited half-way): it commits records forever and
// writes each id to a pipe only after its Commit returned. The parent kills
// it mid-stream; every id it read must be in the reopened database, whole.

constexpr char kChildFlag[] = "--store_crash_child=";
constexpr char kChildFdFlag[] = "--store_crash_fd=";
constexpr int kChildMaxRecords = 1000000;  // only a bound on disk use

std::string CrashRecordId(int i) { return absl::StrFormat("rec-%07d", i); }
std::string CrashRecordData(const std::string& id) {
  return absl::StrCat("payload of ", id, std::string(100, 'x'));
}

int RunCrashChild(const std::string& path, int fd) {
  std::unique_ptr<Store> store = OpenOrDie(MakeOptions(path));
  if (store == nullptr) return 2;
  for (int i = 0; i < kChildMaxRecords; ++i) {
    const std::string id = CrashRecordId(i);
    absl::StatusOr<CommitResult> result = store->Commit(
        {Expecting(
            Put("graduates", id, CrashRecordData(id), i + 1,
                {{"serial", id, true}, {"bucket", absl::StrCat(i % 7), false}}),
            Mutation::Expect::kAbsent)},
        {id});
    if (!result.ok()) {
      std::fprintf(stderr, "child commit failed: %s\n",
                   result.status().ToString().c_str());
      return 3;
    }
    const std::string line = id + "\n";
    if (::write(fd, line.data(), line.size()) !=
        static_cast<ssize_t>(line.size())) {
      return 4;
    }
  }
  return 0;
}

TEST(StoreDurabilityTest, AcknowledgedCommitsSurviveKill9) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  // Only the write end crosses exec.
  ASSERT_EQ(::fcntl(fds[1], F_SETFD, 0), 0);

  std::string self(4096, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", self.data(), self.size());
  ASSERT_GT(n, 0);
  self.resize(n);
  std::string arg1 = absl::StrCat(kChildFlag, path);
  std::string arg2 = absl::StrCat(kChildFdFlag, fds[1]);
  char* const argv[] = {self.data(), arg1.data(), arg2.data(), nullptr};

  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execv(self.c_str(), argv);
    ::_exit(127);
  }
  ::close(fds[1]);

  constexpr size_t kKillAfter = 300;
  std::vector<std::string> acknowledged;
  std::string buffer;
  bool killed = false;
  char chunk[4096];
  while (true) {
    const ssize_t got = ::read(fds[0], chunk, sizeof(chunk));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the child is gone
    buffer.append(chunk, got);
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      acknowledged.push_back(buffer.substr(0, newline));
      buffer.erase(0, newline + 1);
    }
    if (!killed && acknowledged.size() >= kKillAfter) {
      ASSERT_EQ(::kill(pid, SIGKILL), 0);
      killed = true;  // keep draining what it acknowledged before dying
    }
  }
  ::close(fds[0]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(killed) << "child exited early, status " << wstatus
                      << ", acknowledged " << acknowledged.size();
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
      << "status " << wstatus;
  ASSERT_GE(acknowledged.size(), kKillAfter);

  std::unique_ptr<Store> store = OpenOrDie(MakeOptions(path));
  ASSERT_NE(store, nullptr);
  for (size_t i = 0; i < acknowledged.size(); ++i) {
    const std::string& id = acknowledged[i];
    ASSERT_EQ(id, CrashRecordId(i));
    absl::StatusOr<Record> record = store->Get("graduates", id);
    ASSERT_TRUE(record.ok()) << id << ": " << record.status();
    EXPECT_EQ(record->data, CrashRecordData(id));
    EXPECT_EQ(record->version, static_cast<int64_t>(i) + 1);
    EXPECT_THAT(LookupAll(*store, "serial", id), ElementsAre(id));
  }
  // Whatever else survived (acknowledged to the child but not yet sent) is
  // whole too: records, index entries and change log agree.
  std::vector<std::string> ids = ListAll(*store, "graduates", 1000);
  ASSERT_GE(ids.size(), acknowledged.size());
  EXPECT_EQ(store->LastSequence(), ids.size());
  absl::StatusOr<std::vector<Change>> changes =
      store->ReadChanges(0, ids.size() + 1);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), ids.size());
  size_t in_buckets = 0;
  for (int b = 0; b < 7; ++b) {
    in_buckets += LookupAll(*store, "bucket", absl::StrCat(b)).size();
  }
  EXPECT_EQ(in_buckets, ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], CrashRecordId(i));
    EXPECT_EQ((*changes)[i].sequence, i + 1);
    EXPECT_EQ((*changes)[i].data, ids[i]);
  }
}

}  // namespace
}  // namespace passerelle::storage

int main(int argc, char** argv) {
  if (argc == 3 && absl::StartsWith(argv[1], passerelle::storage::kChildFlag) &&
      absl::StartsWith(argv[2], passerelle::storage::kChildFdFlag)) {
    const std::string path =
        argv[1] + std::strlen(passerelle::storage::kChildFlag);
    const int fd =
        std::atoi(argv[2] + std::strlen(passerelle::storage::kChildFdFlag));
    return passerelle::storage::RunCrashChild(path, fd);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
