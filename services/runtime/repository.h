#pragma once

// Repository<T>: a table of one protobuf record kind in a storage::Store,
// with its secondary indexes and its change-log events. It knows nothing of
// callers or validation: services check those first, then call it.
//
// T is a v1 resource message with `id`, `version`, `create_time` and
// `update_time` fields.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "passerelle/v1/changefeed.pb.h"
#include "services/runtime/auth.h"
#include "services/runtime/recent.h"
#include "storage/status_macros.h"
#include "storage/store.h"

namespace passerelle::runtime {

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out);

// The change-log entry of a write: ids and owners only, no personal data.
std::string ChangeEntry(const v1::ChangeEvent& event);

template <typename T>
class Repository {
 public:
  struct Spec {
    std::string table;      // column family
    std::string noun;       // for messages: "graduate"
    std::string id_prefix;  // "grd"
    v1::EntityKind kind = v1::ENTITY_KIND_UNSPECIFIED;
    // The record's secondary index entries.
    std::function<std::vector<storage::IndexKey>(const T&)> index_keys;
    // Fills the owner fields (school_id, partner_id, company_id) of an event.
    std::function<void(const T&, v1::ChangeEvent*)> owners;
  };

  struct Page {
    std::vector<T> records;
    std::string next_page_token;
  };

  Repository(storage::Store* store, Spec spec)
      : store_(store), spec_(std::move(spec)) {}

  storage::Store* store() const { return store_; }
  const Spec& spec() const { return spec_; }

  // Where imports publish the records they commit, for an in-process
  // follower of the change log; null (the default) for none. Set before
  // the first import.
  void set_recent(RecentRecords<T>* recent) { recent_ = recent; }
  RecentRecords<T>* recent() const { return recent_; }

  // NOT_FOUND naming the record when absent.
  absl::StatusOr<T> Get(absl::string_view id) const {
    return GetFrom(*store_, id);
  }
  absl::StatusOr<T> GetFrom(const storage::Reader& reader,
                            absl::string_view id) const {
    if (id.empty()) return absl::InvalidArgumentError("id: required");
    absl::StatusOr<storage::Record> record = reader.Get(spec_.table, id);
    if (absl::IsNotFound(record.status())) {
      return absl::NotFoundError(
          absl::StrCat(spec_.noun, " ", id, " not found"));
    }
    if (!record.ok()) return record.status();
    return Parse(*record);
  }

  // Stores a new record: gives it an id, version 1 and its times.
  absl::StatusOr<T> Create(T record) {
    PrepareCreate(&record, absl::Now());
    RETURN_IF_ERROR(
        Commit({PutMutation(record, storage::Mutation::Expect::kAbsent, 0)},
               {Event(record, v1::CHANGE_OP_CREATED)}));
    return record;
  }

  // Replaces a record whose stored version must be `expected_version`
  // (ABORTED otherwise); the new version is expected_version + 1.
  absl::StatusOr<T> Update(T record, int64_t expected_version) {
    PrepareUpdate(&record, expected_version, absl::Now());
    RETURN_IF_ERROR(
        Commit({PutMutation(record, storage::Mutation::Expect::kVersion,
                            expected_version)},
               {Event(record, v1::CHANGE_OP_UPDATED)}));
    return record;
  }

  // Deletes `current` (as read), checking its version is still current.
  absl::Status Delete(const T& current) {
    storage::Mutation m;
    m.kind = storage::Mutation::Kind::kDelete;
    m.table = spec_.table;
    m.id = current.id();
    m.expect = storage::Mutation::Expect::kVersion;
    m.expected_version = current.version();
    v1::ChangeEvent event = EventProto(current, v1::CHANGE_OP_DELETED);
    event.set_version(current.version());
    return Commit({std::move(m)}, {ChangeEntry(event)});
  }

  // All records (index empty) or those with index entry (index, value).
  absl::StatusOr<Page> List(absl::string_view index, absl::string_view value,
                            int page_size, absl::string_view page_token) const {
    absl::StatusOr<storage::Page> page =
        index.empty() ? store_->List(spec_.table, page_size, page_token)
                      : store_->ListByIndex(spec_.table, index, value,
                                            page_size, page_token);
    if (!page.ok()) return page.status();
    Page out;
    out.next_page_token = std::move(page->next_page_token);
    for (const storage::Record& r : page->records) {
      ASSIGN_OR_RETURN(T record, Parse(r));
      out.records.push_back(std::move(record));
    }
    return out;
  }

  // The id holding a unique index entry, if any.
  absl::StatusOr<std::optional<std::string>> FindUnique(
      absl::string_view index, absl::string_view value) const {
    ASSIGN_OR_RETURN(std::vector<std::string> ids,
                     store_->Lookup(index, value, 1));
    if (ids.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(ids.front()));
  }

  // Building blocks for batched writes (imports).
  void PrepareCreate(T* record, absl::Time now) const {
    record->set_id(NewId(spec_.id_prefix));
    record->set_version(1);
    SetTimestamp(now, record->mutable_create_time());
    SetTimestamp(now, record->mutable_update_time());
  }
  void PrepareUpdate(T* record, int64_t expected_version,
                     absl::Time now) const {
    record->set_version(expected_version + 1);
    SetTimestamp(now, record->mutable_update_time());
  }
  storage::Mutation PutMutation(const T& record,
                                storage::Mutation::Expect expect,
                                int64_t expected_version) const {
    storage::Mutation m;
    m.table = spec_.table;
    m.id = record.id();
    m.data = record.SerializeAsString();
    m.version = record.version();
    m.expect = expect;
    m.expected_version = expected_version;
    m.index_keys = spec_.index_keys(record);
    return m;
  }
  std::string Event(const T& record, v1::ChangeOp op) const {
    return ChangeEntry(EventProto(record, op));
  }
  absl::Status Commit(std::vector<storage::Mutation> mutations,
                      std::vector<std::string> changes) {
    return store_->Commit(std::move(mutations), std::move(changes)).status();
  }

  absl::StatusOr<T> Parse(const storage::Record& record) const {
    T out;
    if (!out.ParseFromString(record.data)) {
      return absl::DataLossError(absl::StrCat(spec_.noun, " ", record.id,
                                              ": stored record unreadable"));
    }
    return out;
  }

 private:
  v1::ChangeEvent EventProto(const T& record, v1::ChangeOp op) const {
    v1::ChangeEvent event;
    event.set_kind(spec_.kind);
    event.set_op(op);
    event.set_id(record.id());
    event.set_version(record.version());
    if (spec_.owners) spec_.owners(record, &event);
    SetTimestamp(absl::Now(), event.mutable_time());
    return event;
  }

  storage::Store* store_;
  Spec spec_;
  RecentRecords<T>* recent_ = nullptr;
};

}  // namespace passerelle::runtime
