#include "storage/internal/encoding.h"

#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace passerelle::storage::internal {
namespace {

constexpr char kEnvelopeFormat = 0x01;
constexpr char kPageTokenFormat = 0x01;
constexpr uint8_t kFlagUnique = 0x01;

// Zigzag keeps small negative versions short; versions are the caller's and
// nothing in the contract says they are non-negative.
uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

absl::Status EnvelopeError(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt record envelope: ", what));
}

absl::Status TokenError(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid page_token: ", what));
}

}  // namespace

void PutVarint64(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint64(absl::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0, i = 0; i < 10 && i < static_cast<int>(in->size());
       ++i, shift += 7) {
    const uint8_t byte = static_cast<uint8_t>((*in)[i]);
    // The 10th byte may only carry the top bit of a 64-bit value.
    if (i == 9 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      in->remove_prefix(i + 1);
      *v = result;
      return true;
    }
  }
  return false;
}

void PutLengthPrefixed(std::string* out, absl::string_view s) {
  PutVarint64(out, s.size());
  out->append(s.data(), s.size());
}

bool GetLengthPrefixed(absl::string_view* in, absl::string_view* s) {
  uint64_t len;
  if (!GetVarint64(in, &len) || len > in->size()) return false;
  *s = in->substr(0, len);
  in->remove_prefix(len);
  return true;
}

std::string EncodeBigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

bool DecodeBigEndian64(absl::string_view in, uint64_t* v) {
  if (in.size() != 8) return false;
  uint64_t result = 0;
  for (char c : in) result = (result << 8) | static_cast<uint8_t>(c);
  *v = result;
  return true;
}

std::string EncodeEnvelope(const Envelope& envelope) {
  std::string out;
  size_t reserve = 1 + 10 + 5 + envelope.data.size() + 5;
  for (const IndexKey& key : envelope.index_keys) {
    reserve += 1 + 10 + key.index.size() + key.value.size();
  }
  out.reserve(reserve);
  out.push_back(kEnvelopeFormat);
  PutVarint64(&out, ZigZag(envelope.version));
  PutLengthPrefixed(&out, envelope.data);
  PutVarint64(&out, envelope.index_keys.size());
  for (const IndexKey& key : envelope.index_keys) {
    out.push_back(static_cast<char>(key.unique ? kFlagUnique : 0));
    PutLengthPrefixed(&out, key.index);
    PutLengthPrefixed(&out, key.value);
  }
  return out;
}

absl::StatusOr<Envelope> DecodeEnvelope(absl::string_view bytes) {
  absl::string_view in = bytes;
  if (in.empty() || in[0] != kEnvelopeFormat) {
    return EnvelopeError("unknown format");
  }
  in.remove_prefix(1);
  Envelope envelope;
  uint64_t version;
  absl::string_view data;
  uint64_t count;
  if (!GetVarint64(&in, &version) || !GetLengthPrefixed(&in, &data) ||
      !GetVarint64(&in, &count)) {
    return EnvelopeError("truncated header");
  }
  // Each index key takes at least 3 bytes; a larger count is corrupt and
  // must not drive a huge reserve().
  if (count > in.size() / 3) return EnvelopeError("bad index key count");
  envelope.version = UnZigZag(version);
  envelope.data = std::string(data);
  envelope.index_keys.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    if (in.empty()) return EnvelopeError("truncated index key");
    const uint8_t flags = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    if ((flags & ~kFlagUnique) != 0) return EnvelopeError("bad index flags");
    absl::string_view index, value;
    if (!GetLengthPrefixed(&in, &index) || !GetLengthPrefixed(&in, &value)) {
      return EnvelopeError("truncated index key");
    }
    envelope.index_keys.push_back(IndexKey{
        std::string(index), std::string(value), (flags & kFlagUnique) != 0});
  }
  if (!in.empty()) return EnvelopeError("trailing bytes");
  return envelope;
}

void AppendComponent(std::string* out, absl::string_view s) {
  // Runs without a 0x00 byte (all of them, in practice) are copied whole.
  while (!s.empty()) {
    const void* zero = std::memchr(s.data(), '\0', s.size());
    const size_t run =
        zero == nullptr ? s.size() : static_cast<const char*>(zero) - s.data();
    out->append(s.data(), run);
    if (run == s.size()) break;
    out->append("\0\xff", 2);
    s.remove_prefix(run + 1);
  }
  out->append("\0\x01", 2);
}

size_t IndexPrefixLength(absl::string_view key) {
  // Called on every index key that RocksDB inserts, flushes or compacts:
  // jump from one 0x00 byte (escape or terminator) to the next.
  int terminators = 0;
  size_t i = 0;
  while (i + 1 < key.size()) {
    const void* zero = std::memchr(key.data() + i, '\0', key.size() - i - 1);
    if (zero == nullptr) break;
    i = static_cast<const char*>(zero) - key.data();
    if (key[i + 1] == '\x01' && ++terminators == 2) return i + 2;
    i += 2;  // past the escaped or terminating byte
  }
  return 0;
}

bool GetComponent(absl::string_view* in, std::string* s) {
  s->clear();
  for (size_t i = 0; i < in->size(); ++i) {
    const char c = (*in)[i];
    if (c != '\0') {
      s->push_back(c);
      continue;
    }
    if (i + 1 >= in->size()) return false;
    const char next = (*in)[++i];
    if (next == '\x01') {
      in->remove_prefix(i + 1);
      return true;
    }
    if (next != '\xff') return false;
    s->push_back('\0');
  }
  return false;
}

std::string IndexPrefix(absl::string_view index, absl::string_view value) {
  std::string out;
  out.reserve(index.size() + value.size() + 4);
  AppendComponent(&out, index);
  AppendComponent(&out, value);
  return out;
}

std::string IndexEntryKey(absl::string_view index, absl::string_view value,
                          absl::string_view id, absl::string_view table) {
  std::string out = IndexPrefix(index, value);
  AppendComponent(&out, id);
  AppendComponent(&out, table);
  return out;
}

absl::StatusOr<IndexHolder> DecodeIndexSuffix(absl::string_view suffix) {
  IndexHolder holder;
  if (!GetComponent(&suffix, &holder.id) ||
      !GetComponent(&suffix, &holder.table) || !suffix.empty()) {
    return absl::DataLossError("corrupt index entry key");
  }
  return holder;
}

std::string EncodePageToken(const PageScope& scope, absl::string_view last_id) {
  std::string raw;
  raw.push_back(kPageTokenFormat);
  raw.push_back(static_cast<char>(scope.kind));
  PutLengthPrefixed(&raw, scope.table);
  if (scope.kind == PageScope::Kind::kIndex) {
    PutLengthPrefixed(&raw, scope.index);
    PutLengthPrefixed(&raw, scope.value);
  }
  PutLengthPrefixed(&raw, last_id);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            const PageScope& scope) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return TokenError("not web-safe base64");
  }
  absl::string_view in = raw;
  if (in.size() < 2 || in[0] != kPageTokenFormat) {
    return TokenError("unknown format");
  }
  const auto kind = static_cast<PageScope::Kind>(in[1]);
  in.remove_prefix(2);
  if (kind != PageScope::Kind::kList && kind != PageScope::Kind::kIndex) {
    return TokenError("unknown listing kind");
  }
  absl::string_view table, index, value, last_id;
  if (!GetLengthPrefixed(&in, &table)) return TokenError("truncated");
  if (kind == PageScope::Kind::kIndex &&
      (!GetLengthPrefixed(&in, &index) || !GetLengthPrefixed(&in, &value))) {
    return TokenError("truncated");
  }
  if (!GetLengthPrefixed(&in, &last_id) || !in.empty()) {
    return TokenError("truncated or trailing bytes");
  }
  if (kind != scope.kind || table != scope.table ||
      (kind == PageScope::Kind::kIndex &&
       (index != scope.index || value != scope.value))) {
    return TokenError("token belongs to another listing");
  }
  return std::string(last_id);
}

}  // namespace passerelle::storage::internal
