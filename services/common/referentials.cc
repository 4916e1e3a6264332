#include "services/common/referentials.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/dates.h"
#include "services/common/internal/csv.h"
#include "storage/status_macros.h"

#ifndef PASSERELLE_DEFAULT_DATA_DIR
#define PASSERELLE_DEFAULT_DATA_DIR ""
#endif

namespace passerelle::common {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  std::string contents;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) {
    contents.append(buffer, n);
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  return contents;
}

// One CSV file with a header row, read row by row; columns by name.
class Table {
 public:
  // Reads `dir`/`file` and its header; every name in `columns` must be in
  // the header. Get(i) then returns the field of columns[i].
  static absl::StatusOr<std::unique_ptr<Table>> Open(
      const std::string& dir, absl::string_view file,
      std::vector<absl::string_view> columns) {
    auto table = std::unique_ptr<Table>(new Table);
    table->path_ = absl::StrCat(dir, "/", file);
    ASSIGN_OR_RETURN(table->text_, ReadFile(table->path_));
    table->reader_ = std::make_unique<internal::CsvReader>(table->text_);
    std::vector<std::string> header;
    if (!table->reader_->Next(&header)) {
      if (!table->reader_->status().ok()) {
        return table->Error(table->reader_->status().message());
      }
      return absl::InvalidArgumentError(
          absl::StrCat(table->path_, ": empty file, expected a header"));
    }
    table->width_ = header.size();
    for (absl::string_view column : columns) {
      auto it = std::find(header.begin(), header.end(), column);
      if (it == header.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            table->path_, ":", table->reader_->line(), ": missing column \"",
            column, "\" in header \"", absl::StrJoin(header, ","), "\""));
      }
      table->index_.push_back(static_cast<size_t>(it - header.begin()));
    }
    return table;
  }

  // Reads the next row. Returns false at the end; `*status` is then not OK
  // if the file is malformed.
  bool Next(absl::Status* status) {
    if (!reader_->Next(&row_)) {
      if (!reader_->status().ok()) *status = Error(reader_->status().message());
      return false;
    }
    if (row_.size() != width_) {
      *status = Error(
          absl::StrCat("expected ", width_, " fields, got ", row_.size()));
      return false;
    }
    return true;
  }

  const std::string& Get(size_t i) const { return row_[index_[i]]; }

  // INVALID_ARGUMENT "<path>:<line>: <what>".
  absl::Status Error(absl::string_view what) const {
    // The reader's own messages start with "line N: "; keep one position.
    absl::string_view rest = what;
    if (absl::ConsumePrefix(&rest, "line ")) {
      const size_t colon = rest.find(": ");
      if (colon != absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            path_, ":", rest.substr(0, colon), rest.substr(colon)));
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ":", reader_->line(), ": ", what));
  }

  // "bad <what> "<value>"".
  absl::Status BadValue(size_t i, absl::string_view what) const {
    return ValueError(i, absl::StrCat("bad ", what));
  }

  // "<what> "<value>"".
  absl::Status ValueError(size_t i, absl::string_view what) const {
    return Error(absl::StrCat(what, " \"", Get(i), "\""));
  }

 private:
  Table() = default;

  std::string path_;
  std::string text_;
  std::unique_ptr<internal::CsvReader> reader_;
  size_t width_ = 0;
  std::vector<size_t> index_;
  std::vector<std::string> row_;
};

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

bool IsInseeCode(absl::string_view s) {
  if (s.size() != 5) return false;
  if (AllDigits(s)) return true;
  return s[0] == '2' && (s[1] == 'A' || s[1] == 'B') && AllDigits(s.substr(2));
}

bool IsRomeCodeFormat(absl::string_view s) {
  return s.size() == 5 && s[0] >= 'A' && s[0] <= 'Z' && AllDigits(s.substr(1));
}

bool IsNafFormat(absl::string_view s) {
  return s.size() == 6 && AllDigits(s.substr(0, 2)) && s[2] == '.' &&
         AllDigits(s.substr(3, 2)) && s[5] >= 'A' && s[5] <= 'Z';
}

bool ParseCoordinate(absl::string_view s, double limit, double* out) {
  return absl::SimpleAtod(s, out) && std::isfinite(*out) &&
         std::fabs(*out) <= limit;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Referentials>> Referentials::Load(
    const std::string& dir) {
  auto refs = std::unique_ptr<Referentials>(new Referentials);
  absl::Status status;

  {  // communes.csv
    enum { kInsee, kName, kPostal, kDep, kRegion, kLat, kLng, kType, kPop };
    ASSIGN_OR_RETURN(
        auto table,
        Table::Open(dir, "communes.csv",
                    {"insee", "name", "postal_codes", "departement", "region",
                     "latitude", "longitude", "type", "population"}));
    refs->communes_.reserve(40000);
    while (table->Next(&status)) {
      Commune c;
      c.insee = table->Get(kInsee);
      if (!IsInseeCode(c.insee)) return table->BadValue(kInsee, "INSEE code");
      c.name = table->Get(kName);
      if (c.name.empty()) return table->Error("empty name");
      for (absl::string_view postal :
           absl::StrSplit(table->Get(kPostal), ' ', absl::SkipEmpty())) {
        if (postal.size() != 5 || !AllDigits(postal)) {
          return table->BadValue(kPostal, "postal codes");
        }
        c.postal_codes.emplace_back(postal);
      }
      if (c.postal_codes.empty()) return table->Error("no postal code");
      c.departement = table->Get(kDep);
      if (c.departement.empty()) return table->Error("empty departement");
      c.region = table->Get(kRegion);
      c.type = table->Get(kType);
      if (!ParseCoordinate(table->Get(kLat), 90, &c.latitude)) {
        return table->BadValue(kLat, "latitude");
      }
      if (!ParseCoordinate(table->Get(kLng), 180, &c.longitude)) {
        return table->BadValue(kLng, "longitude");
      }
      if (!table->Get(kPop).empty() &&
          (!absl::SimpleAtoi(table->Get(kPop), &c.population) ||
           c.population < 0)) {
        return table->BadValue(kPop, "population");
      }
      if (!refs->commune_index_.emplace(c.insee, refs->communes_.size())
               .second) {
        return table->ValueError(kInsee, "duplicate INSEE code");
      }
      refs->communes_.push_back(std::move(c));
    }
    RETURN_IF_ERROR(status);
  }

  {  // rome_codes.csv
    enum { kCode, kTitle, kParent, kDomain };
    ASSIGN_OR_RETURN(auto table,
                     Table::Open(dir, "rome_codes.csv",
                                 {"code", "title", "parent", "domain"}));
    while (table->Next(&status)) {
      RomeCode r;
      r.code = table->Get(kCode);
      if (!IsRomeCodeFormat(r.code)) return table->BadValue(kCode, "ROME code");
      r.title = table->Get(kTitle);
      r.parent = table->Get(kParent);
      r.domain = table->Get(kDomain);
      if (!refs->rome_index_.emplace(r.code, refs->rome_codes_.size()).second) {
        return table->ValueError(kCode, "duplicate ROME code");
      }
      refs->rome_codes_.push_back(std::move(r));
    }
    RETURN_IF_ERROR(status);
  }

  {  // appellations.csv
    enum { kOgr, kTitle, kRome };
    ASSIGN_OR_RETURN(auto table, Table::Open(dir, "appellations.csv",
                                             {"ogr", "title", "rome"}));
    refs->appellations_.reserve(13000);
    while (table->Next(&status)) {
      Appellation a;
      a.ogr = table->Get(kOgr);
      if (a.ogr.empty() || !AllDigits(a.ogr)) {
        return table->BadValue(kOgr, "OGR code");
      }
      a.title = table->Get(kTitle);
      if (a.title.empty()) return table->Error("empty title");
      a.rome = table->Get(kRome);
      if (!refs->rome_index_.contains(a.rome)) {
        return table->ValueError(kRome, "unknown ROME code");
      }
      refs->appellations_.push_back(std::move(a));
    }
    RETURN_IF_ERROR(status);
  }

  {  // rome_mobility.csv
    enum { kCode, kTarget, kRank };
    ASSIGN_OR_RETURN(auto table, Table::Open(dir, "rome_mobility.csv",
                                             {"code", "target", "rank"}));
    while (table->Next(&status)) {
      if (!refs->rome_index_.contains(table->Get(kCode))) {
        return table->ValueError(kCode, "unknown ROME code");
      }
      if (!refs->rome_index_.contains(table->Get(kTarget))) {
        return table->ValueError(kTarget, "unknown ROME code");
      }
      MobilityTarget target;
      target.code = table->Get(kTarget);
      if (!absl::SimpleAtoi(table->Get(kRank), &target.rank) ||
          target.rank < 1) {
        return table->BadValue(kRank, "rank");
      }
      refs->mobility_[table->Get(kCode)].push_back(std::move(target));
    }
    RETURN_IF_ERROR(status);
    for (auto& [code, targets] : refs->mobility_) {
      std::stable_sort(targets.begin(), targets.end(),
                       [](const MobilityTarget& a, const MobilityTarget& b) {
                         return a.rank < b.rank;
                       });
    }
  }

  {  // diplomas.csv
    enum { kCode, kKind, kTitle, kLevel, kRome, kClosed };
    ASSIGN_OR_RETURN(auto table, Table::Open(dir, "diplomas.csv",
                                             {"code", "kind", "title", "level",
                                              "rome_codes", "closed_on"}));
    refs->diplomas_.reserve(10000);
    while (table->Next(&status)) {
      Diploma d;
      d.code = table->Get(kCode);
      if (d.code.empty()) return table->Error("empty diploma code");
      d.kind = table->Get(kKind);
      d.vocational = IsVocationalKind(d.kind);
      d.cycle_months = TrainingCycleMonths(d.kind);
      d.title = table->Get(kTitle);
      if (!absl::SimpleAtoi(table->Get(kLevel), &d.level) || d.level < 0 ||
          d.level > 8) {
        return table->BadValue(kLevel, "level");
      }
      for (absl::string_view rome :
           absl::StrSplit(table->Get(kRome), ' ', absl::SkipEmpty())) {
        if (!IsRomeCodeFormat(rome)) {
          return table->BadValue(kRome, "ROME codes");
        }
        // Group codes without a fiche (see Diploma::rome_codes) are dropped.
        if (refs->rome_index_.contains(rome)) d.rome_codes.emplace_back(rome);
      }
      const std::string& closed = table->Get(kClosed);
      if (!closed.empty()) {
        // "DD/MM/YYYY" in the file; ISO accepted too.
        std::optional<absl::CivilDay> day = ParseDate(closed);
        if (!day.has_value() && closed.size() == 10 && closed[2] == '/' &&
            closed[5] == '/') {
          day = ParseDate(absl::StrCat(closed.substr(6, 4), "-",
                                       closed.substr(3, 2), "-",
                                       closed.substr(0, 2)));
        }
        if (!day.has_value()) return table->BadValue(kClosed, "closing date");
        d.closed_on = FormatDate(*day);
      }
      if (!refs->diploma_index_.emplace(d.code, refs->diplomas_.size())
               .second) {
        return table->ValueError(kCode, "duplicate diploma code");
      }
      refs->diplomas_.push_back(std::move(d));
    }
    RETURN_IF_ERROR(status);
  }

  {  // smic.csv
    enum { kFrom, kHourly, kMonthly, kSource };
    ASSIGN_OR_RETURN(auto table,
                     Table::Open(dir, "smic.csv",
                                 {"effective_from", "hourly_gross_eur",
                                  "monthly_gross_eur", "source"}));
    while (table->Next(&status)) {
      SmicRevaluation r;
      std::optional<absl::CivilDay> from = ParseDate(table->Get(kFrom));
      if (!from.has_value()) return table->BadValue(kFrom, "date");
      r.effective_from = *from;
      if (!refs->smic_.empty() &&
          r.effective_from <= refs->smic_.back().effective_from) {
        return table->ValueError(kFrom, "not after the previous row's date");
      }
      if (!absl::SimpleAtod(table->Get(kHourly), &r.hourly_gross_eur) ||
          !(r.hourly_gross_eur > 0 && r.hourly_gross_eur < 1000)) {
        return table->BadValue(kHourly, "hourly amount");
      }
      if (!absl::SimpleAtod(table->Get(kMonthly), &r.monthly_gross_eur) ||
          !(std::fabs(r.monthly_gross_eur -
                      r.hourly_gross_eur * 35 * 52 / 12) <= 0.01)) {
        return table->BadValue(kMonthly,
                               "monthly amount (hourly x 35 x 52 / 12, to "
                               "the cent)");
      }
      r.source = table->Get(kSource);
      if (r.source.empty()) return table->Error("empty source");
      refs->smic_.push_back(std::move(r));
    }
    RETURN_IF_ERROR(status);
    if (refs->smic_.empty()) return table->Error("no SMIC value");
  }

  {  // naf_codes.csv
    ASSIGN_OR_RETURN(auto table,
                     Table::Open(dir, "naf_codes.csv", {"code", "title"}));
    while (table->Next(&status)) {
      if (!IsNafFormat(table->Get(0))) return table->BadValue(0, "NAF code");
      if (!refs->naf_codes_.insert(table->Get(0)).second) {
        return table->ValueError(0, "duplicate NAF code");
      }
    }
    RETURN_IF_ERROR(status);
  }

  return refs;
}

const Commune* Referentials::FindCommune(absl::string_view insee) const {
  auto it = commune_index_.find(insee);
  return it == commune_index_.end() ? nullptr : &communes_[it->second];
}

const RomeCode* Referentials::FindRome(absl::string_view code) const {
  auto it = rome_index_.find(code);
  return it == rome_index_.end() ? nullptr : &rome_codes_[it->second];
}

bool IsVocationalKind(absl::string_view kind) {
  static constexpr absl::string_view kGeneral[] = {
      "BAC GENE",
      "BAC TECHNO",
      "BAC TEC AG",
      "DAEU",
      "Diplôme d'accès aux études universitaires",
      "1E CYC.GEN",
      "CPGE",
      "PREPA-2ND"};
  for (absl::string_view general : kGeneral) {
    if (kind == general) return false;
  }
  // Courses that lead to no diploma at all.
  for (absl::string_view prefix : {"FCIL N-", "MODAL N-", "AUTRE N-"}) {
    if (absl::StartsWith(kind, prefix)) return false;
  }
  return true;
}

int TrainingCycleMonths(absl::string_view kind) {
  struct Cycle {
    absl::string_view kind;
    int months;
  };
  // The usual length of each course, set by the diploma's regulations
  // (e.g. Code de l'éducation D337-1 ff. for the CAP, D337-51 ff. for the
  // Bac Pro), under the names the referential gives them.
  static constexpr Cycle kCycles[] = {
      {"CAP", 24},
      {"Certificat d'aptitude professionnelle", 24},
      {"CAPA", 24},
      {"BAC PRO", 36},
      {"Baccalauréat professionnel", 36},
      {"BAC PRO AG", 36},
      {"BP", 24},
      {"Brevet professionnel (Education nationale)", 24},
      {"BMA", 24},
      {"MC", 12},
      {"BTS", 24},
      {"BTSA", 24},
      {"DUT", 24},
      {"BUT", 36},
      {"Licence Professionnelle", 12},
  };
  for (const Cycle& c : kCycles) {
    if (kind == c.kind) return c.months;
  }
  return 0;
}

const Diploma* Referentials::FindDiploma(absl::string_view code) const {
  auto it = diploma_index_.find(code);
  return it == diploma_index_.end() ? nullptr : &diplomas_[it->second];
}

bool Referentials::IsNafCode(absl::string_view code) const {
  return naf_codes_.contains(code);
}

const std::vector<MobilityTarget>& Referentials::Mobility(
    absl::string_view rome) const {
  static const std::vector<MobilityTarget>* const kNone =
      new std::vector<MobilityTarget>;
  auto it = mobility_.find(rome);
  return it == mobility_.end() ? *kNone : it->second;
}

std::string DefaultDataDir() {
  const char* env = std::getenv("PASSERELLE_DATA_DIR");
  if (env != nullptr && env[0] != '\0') return env;
  constexpr absl::string_view kBuildDefault = PASSERELLE_DEFAULT_DATA_DIR;
  if (!kBuildDefault.empty()) return std::string(kBuildDefault);
  return "./data";
}

}  // namespace passerelle::common
