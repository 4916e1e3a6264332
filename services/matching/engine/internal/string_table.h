#pragma once

// Dense integer ids for strings, storing each string once: the hash set
// holds only 4-byte indices into `strings_`, and hashes/compares through
// them (heterogeneous lookup by string_view). About 37 bytes per entry for
// strings of up to 15 characters (std::string's inline buffer), against ~80
// for a flat_hash_map<std::string, uint32_t> plus a reverse vector.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace passerelle::engine::internal {

class StringTable {
 public:
  StringTable() : set_(0, Hash{&strings_}, Eq{&strings_}) {}
  StringTable(const StringTable&) = delete;
  StringTable& operator=(const StringTable&) = delete;

  // The id of `s`, or nullopt.
  std::optional<uint32_t> Find(absl::string_view s) const {
    auto it = set_.find(s);
    if (it == set_.end()) return std::nullopt;
    return *it;
  }

  // The id of `s`, adding it if new (reusing a freed slot first).
  uint32_t Intern(absl::string_view s) {
    auto it = set_.find(s);
    if (it != set_.end()) return *it;
    uint32_t id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
      strings_[id].assign(s.data(), s.size());
    } else {
      id = static_cast<uint32_t>(strings_.size());
      strings_.emplace_back(s);
    }
    set_.insert(id);
    return id;
  }

  // Frees `id` for reuse. `id` must be live.
  void Erase(uint32_t id) {
    set_.erase(id);  // hashes strings_[id]: erase before clearing it
    std::string().swap(strings_[id]);
    free_.push_back(id);
  }

  const std::string& Get(uint32_t id) const { return strings_[id]; }
  // One past the largest id ever handed out.
  uint32_t capacity() const { return static_cast<uint32_t>(strings_.size()); }
  size_t size() const { return set_.size(); }

  void Reserve(size_t n) {
    strings_.reserve(n);
    set_.reserve(n);
  }

  // Heap bytes (estimate): vector, hash set slots + control bytes, strings
  // longer than the inline buffer.
  size_t MemoryBytes() const {
    size_t bytes = strings_.capacity() * sizeof(std::string) +
                   set_.capacity() * (sizeof(uint32_t) + 1) +
                   free_.capacity() * sizeof(uint32_t);
    for (const std::string& s : strings_) {
      if (s.capacity() > 15) bytes += s.capacity() + 1;
    }
    return bytes;
  }

 private:
  struct Hash {
    using is_transparent = void;
    const std::vector<std::string>* strings;
    size_t operator()(uint32_t id) const {
      return absl::Hash<absl::string_view>{}((*strings)[id]);
    }
    size_t operator()(absl::string_view s) const {
      return absl::Hash<absl::string_view>{}(s);
    }
  };
  struct Eq {
    using is_transparent = void;
    const std::vector<std::string>* strings;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, absl::string_view b) const {
      return (*strings)[a] == b;
    }
    bool operator()(absl::string_view a, uint32_t b) const {
      return a == (*strings)[b];
    }
  };

  std::vector<std::string> strings_;
  std::vector<uint32_t> free_;
  absl::flat_hash_set<uint32_t, Hash, Eq> set_;
};

}  // namespace passerelle::engine::internal
