#pragma once

// On-disk and on-the-wire byte formats of the store. Private to storage/.
//
// Nothing here depends on RocksDB: these are pure functions over bytes so
// they can be tested exhaustively without a database.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/store.h"

namespace passerelle::storage::internal {

// ---------------------------------------------------------------------------
// Varints (LEB128, as protobuf) and fixed-width big-endian integers.

void PutVarint64(std::string* out, uint64_t v);
// Reads a varint from the front of `in` and advances it; false when
// truncated or longer than 10 bytes.
bool GetVarint64(absl::string_view* in, uint64_t* v);
void PutLengthPrefixed(std::string* out, absl::string_view s);
bool GetLengthPrefixed(absl::string_view* in, absl::string_view* s);

// Big-endian so that the byte order of keys is the numeric order.
std::string EncodeBigEndian64(uint64_t v);
bool DecodeBigEndian64(absl::string_view in, uint64_t* v);

// ---------------------------------------------------------------------------
// Record envelope: the value stored under a record's id in its table's
// column family.
//
//   byte     format (kEnvelopeFormat)
//   varint   zigzag(version)
//   varint   data length, data bytes
//   varint   number of index keys, then for each:
//     byte     flags (bit 0: unique)
//     varint   index length, index bytes
//     varint   value length, value bytes
//
// The index keys are kept with the record so that an overwrite or a delete
// can remove the record's previous index entries without the caller
// re-deriving them from the old data.

struct Envelope {
  int64_t version = 0;
  std::string data;
  std::vector<IndexKey> index_keys;
};

std::string EncodeEnvelope(const Envelope& envelope);
// DATA_LOSS when `bytes` is not a well-formed envelope.
absl::StatusOr<Envelope> DecodeEnvelope(absl::string_view bytes);

// ---------------------------------------------------------------------------
// Index column family keys.
//
//   key   = Component(index) Component(value) Component(id) Component(table)
//   value = one flags byte (kIndexUnique or kIndexPlain)
//
// Component(s) escapes each 0x00 byte of `s` as 0x00 0xFF and ends with the
// terminator 0x00 0x01. The encoding is prefix-free (no encoded component is
// a prefix of another) so (index, value) pairs can never collide, whatever
// bytes they contain, and it preserves byte order, so the entries of one
// (index, value) are sorted by id. The table comes last so that Lookup,
// which has no table, still sees ids in order; it is part of the key so
// that the same id in two tables gives two distinct entries.

inline constexpr char kIndexPlain = 'p';
inline constexpr char kIndexUnique = 'u';

void AppendComponent(std::string* out, absl::string_view s);
// Reads one component from the front of `in` and advances it.
bool GetComponent(absl::string_view* in, std::string* s);

// The common prefix of every entry of (index, value).
std::string IndexPrefix(absl::string_view index, absl::string_view value);
// The length of IndexPrefix(index, value) at the front of `key` (an index
// key or a prefix of one), 0 when `key` does not hold two whole components.
// What the index column family's prefix bloom filters are built on.
size_t IndexPrefixLength(absl::string_view key);
std::string IndexEntryKey(absl::string_view index, absl::string_view value,
                          absl::string_view id, absl::string_view table);

// The part of an index key after IndexPrefix(index, value).
struct IndexHolder {
  std::string id;
  std::string table;
};
// DATA_LOSS when `suffix` is not Component(id) Component(table).
absl::StatusOr<IndexHolder> DecodeIndexSuffix(absl::string_view suffix);

// ---------------------------------------------------------------------------
// Page tokens: web-safe base64 of
//
//   byte     token format (kPageTokenFormat)
//   byte     listing kind ('L' = List, 'I' = ListByIndex)
//   varint-length-prefixed table, and for 'I' index and value
//   varint-length-prefixed id of the last record returned
//
// The listing's scope is in the token so that a token cannot be replayed on
// another listing and silently skip records there.

struct PageScope {
  enum class Kind : char { kList = 'L', kIndex = 'I' };
  Kind kind = Kind::kList;
  std::string table;
  std::string index;  // kIndex only
  std::string value;  // kIndex only
};

std::string EncodePageToken(const PageScope& scope, absl::string_view last_id);
// Returns the last id returned by the previous page. INVALID_ARGUMENT naming
// "page_token" when `token` is malformed or belongs to another listing.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            const PageScope& scope);

}  // namespace passerelle::storage::internal
