#include "services/common/referential_search.h"

#include <algorithm>
#include <cstdint>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/text.h"

namespace passerelle::common {
namespace {

// The base letters of U+00C0..U+017F, "" for the signs that fold to a
// space (× and ÷).
constexpr const char* kLatin1[64] = {
    "a", "a", "a", "a", "a",  "a",  "ae", "c", "e", "e", "e",  "e", "i",
    "i", "i", "i", "d", "n",  "o",  "o",  "o", "o", "o", "",   "o", "u",
    "u", "u", "u", "y", "th", "ss", "a",  "a", "a", "a", "a",  "a", "ae",
    "c", "e", "e", "e", "e",  "i",  "i",  "i", "i", "d", "n",  "o", "o",
    "o", "o", "o", "",  "o",  "u",  "u",  "u", "u", "y", "th", "y"};

// Latin Extended-A (U+0100..U+017F) as runs of one base letter.
struct Run {
  int count;
  const char* base;
};
constexpr Run kLatinExtendedA[] = {
    {6, "a"},  {8, "c"},  {4, "d"}, {10, "e"}, {8, "g"},  {4, "h"},
    {10, "i"}, {2, "ij"}, {2, "j"}, {3, "k"},  {10, "l"}, {9, "n"},
    {6, "o"},  {2, "oe"}, {6, "r"}, {8, "s"},  {6, "t"},  {12, "u"},
    {2, "w"},  {3, "y"},  {6, "z"}, {1, "s"}};

const char* FoldLatin(char32_t c) {
  if (c >= 0xC0 && c <= 0xFF) return kLatin1[c - 0xC0];
  if (c >= 0x100 && c <= 0x17F) {
    int offset = static_cast<int>(c - 0x100);
    for (const Run& run : kLatinExtendedA) {
      if (offset < run.count) return run.base;
      offset -= run.count;
    }
  }
  return nullptr;
}

}  // namespace

std::string FoldForSearch(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto space = [&out] {
    if (!out.empty() && out.back() != ' ') out.push_back(' ');
  };
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    const char32_t c = NextCodePoint(text, &i);
    if (c < 0x80) {
      if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
        out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
      } else {
        space();
      }
    } else if (const char* base = FoldLatin(c); base != nullptr) {
      if (*base == '\0') {
        space();
      } else {
        out.append(base);
      }
    } else if (c == 0xFFFD || (c >= 0x2000 && c <= 0x206F) || c == 0xA0) {
      space();  // punctuation, typographic apostrophes and spaces
    } else {
      out.append(text.data() + start, i - start);  // other scripts: as is
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

ReferentialSearch::ReferentialSearch(const Referentials& refs) : refs_(refs) {
  const auto& communes = refs.communes();
  commune_names_.reserve(communes.size());
  for (const Commune& c : communes) {
    commune_names_.push_back(FoldForSearch(c.name));
  }
  communes_by_population_.resize(communes.size());
  for (size_t i = 0; i < communes.size(); ++i) communes_by_population_[i] = i;
  std::stable_sort(communes_by_population_.begin(),
                   communes_by_population_.end(), [&](size_t a, size_t b) {
                     return std::tie(communes[b].population,
                                     commune_names_[a]) <
                            std::tie(communes[a].population, commune_names_[b]);
                   });
  trades_.reserve(refs.rome_codes().size() + refs.appellations().size());
  for (const RomeCode& rome : refs.rome_codes()) {
    trades_.push_back({absl::StrCat(" ", FoldForSearch(rome.title), " "),
                       Trade{&rome, nullptr}});
  }
  for (const Appellation& a : refs.appellations()) {
    const RomeCode* rome = refs.FindRome(a.rome);
    if (rome == nullptr) continue;  // Load() refuses it
    trades_.push_back(
        {absl::StrCat(" ", FoldForSearch(a.title), " "), Trade{rome, &a}});
  }
}

std::vector<const Commune*> ReferentialSearch::Communes(absl::string_view query,
                                                        size_t limit) const {
  std::vector<const Commune*> found;
  const std::string q = FoldForSearch(query);
  if (q.empty() || limit == 0) return found;
  // "st omer" is how "Saint-Omer" is often typed.
  std::vector<std::string> prefixes = {q};
  if (absl::StartsWith(q, "st ")) {
    prefixes.push_back(absl::StrCat("saint ", q.substr(3)));
  } else if (absl::StartsWith(q, "ste ")) {
    prefixes.push_back(absl::StrCat("sainte ", q.substr(4)));
  }
  // A code: postal codes are digits, INSEE codes may hold "2A" / "2B".
  const bool digits = absl::ascii_isdigit(static_cast<unsigned char>(q[0])) &&
                      q.find(' ') == std::string::npos;
  const std::string code = absl::AsciiStrToUpper(q);
  const bool word = q.size() >= 3 && q.find(' ') == std::string::npos;
  const std::string inner = absl::StrCat(" ", q);
  const auto& communes = refs_.communes();
  for (size_t index : communes_by_population_) {
    const Commune& c = communes[index];
    const std::string& name = commune_names_[index];
    bool match = false;
    if (digits) {
      match = absl::StartsWith(c.insee, code) ||
              std::any_of(
                  c.postal_codes.begin(), c.postal_codes.end(),
                  [&](const std::string& p) { return absl::StartsWith(p, q); });
    } else {
      for (const std::string& p : prefixes) {
        match = match || absl::StartsWith(name, p);
      }
      match = match || (word && absl::StrContains(name, inner));
    }
    if (!match) continue;
    found.push_back(&c);
    if (found.size() == limit) break;
  }
  return found;
}

std::vector<ReferentialSearch::Trade> ReferentialSearch::Trades(
    absl::string_view query, size_t limit) const {
  std::vector<Trade> found;
  const std::string q = FoldForSearch(query);
  if (q.empty() || limit == 0) return found;
  const std::string code = absl::AsciiStrToUpper(q);
  std::vector<std::string> words;
  for (absl::string_view w : absl::StrSplit(q, ' ', absl::SkipEmpty())) {
    words.push_back(absl::StrCat(" ", w));
  }
  const std::string start = absl::StrCat(" ", q);
  // (rank, title length, entry): 0 = the title starts with the query,
  // 1 = every word of the query starts a word of the title, 2 = the code.
  std::vector<std::tuple<int, size_t, size_t>> matches;
  for (size_t i = 0; i < trades_.size(); ++i) {
    const Entry& e = trades_[i];
    int rank;
    if (absl::StartsWith(e.folded, start)) {
      rank = 0;
    } else if (std::all_of(words.begin(), words.end(),
                           [&](const std::string& w) {
                             return absl::StrContains(e.folded, w);
                           })) {
      rank = 1;
    } else if (e.trade.appellation == nullptr &&
               absl::StartsWith(e.trade.rome->code, code)) {
      rank = 2;
    } else {
      continue;
    }
    matches.emplace_back(rank, e.folded.size(), i);
  }
  const size_t n = std::min(limit, matches.size());
  std::partial_sort(matches.begin(), matches.begin() + n, matches.end());
  for (size_t k = 0; k < n; ++k) {
    found.push_back(trades_[std::get<2>(matches[k])].trade);
  }
  return found;
}

}  // namespace passerelle::common
