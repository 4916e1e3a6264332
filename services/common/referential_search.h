#pragma once

// Autocompletion over the referentials: communes by name, postal code or
// INSEE code, and trades by ROME title or job title (appellation), the way
// a recruiter or a placement officer types them: case, accents, hyphens
// and apostrophes do not matter ("st omer", "saint-omer" and "SAINT OMER"
// all find Saint-Omer). Plain C++ over abseil; immutable and thread-safe
// once built.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/common/referentials.h"

namespace passerelle::common {

// `text` (valid UTF-8) lowercased, with the accents of Latin letters
// removed (é → e, œ → oe, ß → ss), every character that is neither a
// letter nor a digit turned into a space, runs of spaces collapsed and the
// ends trimmed: "L'Haÿ-les-Roses" → "l hay les roses".
std::string FoldForSearch(absl::string_view text);

class ReferentialSearch {
 public:
  // `refs` must outlive this object.
  explicit ReferentialSearch(const Referentials& refs);

  // Communes whose folded name starts with the folded query, or has a word
  // starting with it when the query is one word of at least 3 characters
  // ("omer" finds Saint-Omer), or whose postal code or INSEE code starts
  // with it (digits). "st " and "ste " at the start of the query also match
  // "saint " and "sainte ". Largest population first, then by name; at
  // most `limit`. An empty query finds nothing.
  std::vector<const Commune*> Communes(absl::string_view query,
                                       size_t limit) const;

  struct Trade {
    const RomeCode* rome = nullptr;
    // The appellation that matched, or nullptr when the fiche's title did.
    const Appellation* appellation = nullptr;
  };
  // Trades whose ROME title or appellation has every word of the query as
  // a word prefix ("soud tig" finds "Soudeur / Soudeuse TIG"), or whose
  // ROME code starts with the query ("H29"). Titles that start with the
  // query first, then shorter titles; at most `limit`, one row per
  // appellation.
  std::vector<Trade> Trades(absl::string_view query, size_t limit) const;

 private:
  struct Entry {
    std::string folded;  // " " + folded title + " " (word boundaries)
    Trade trade;
  };
  const Referentials& refs_;
  std::vector<std::string> commune_names_;  // folded, as refs_.communes()
  std::vector<size_t> communes_by_population_;
  std::vector<Entry> trades_;
};

}  // namespace passerelle::common
