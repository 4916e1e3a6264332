#pragma once

// The public referentials Passerelle ships in data/ (see data/README.md):
// communes, ROME 4.0 trades and their mobility table, diplomas, NAF codes.
// Plain C++ over abseil (no gRPC, no protobuf) so that the matching engine
// and the tools can use it.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace passerelle::common {

// A commune (type "COM") or a municipal arrondissement of Paris, Lyon or
// Marseille (type "ARM").
struct Commune {
  std::string insee;        // 5 characters: "59350", "2A004", "97101"
  std::string name;         // with its article: "Le Havre"
  std::string departement;  // "59", "2A", "971"
  std::string region;       // INSEE region code: "32"
  std::string type;         // "COM" or "ARM"
  std::vector<std::string> postal_codes;  // 5 digits each, at least one
  double latitude = 0;                    // WGS84 degrees
  double longitude = 0;
  int64_t population = 0;  // 2021 municipal population (0 if unknown)
};

// A ROME 4.0 fiche (trade).
struct RomeCode {
  std::string code;    // letter + 4 digits: "H2903"
  std::string title;   // "Tourneur-fraiseur / Tourneuse-fraiseuse"
  std::string parent;  // the ROME v3 code it derives from
  std::string domain;  // domaine professionnel: "H29"
};

// A vocational diploma.
struct Diploma {
  std::string code;   // 8-character CFD ("50025123") or "RNCPnnnn"
  std::string kind;   // "CAP", "BAC PRO", "BTS", ...
  std::string title;  // "DECOLLETAGE : OPERATEUR REGLEUR EN DECOLLETAGE (CAP)"
  int level = 0;      // European level (3 = CAP, 4 = Bac Pro, 5 = BTS)
  // Trades it leads to. Only codes present in rome_codes.csv: the shipped
  // diplomas.csv also cites ROME v3 group codes (e.g. "H2100"), which have
  // no fiche and are dropped at load time.
  std::vector<std::string> rome_codes;
  // "YYYY-MM-DD" on which the diploma closes (last session), or empty. The
  // file writes it "DD/MM/YYYY"; it is converted on load. The code still
  // exists on that day (BCN closes a code on 31 August after its last
  // session).
  std::string closed_on;
  // Whether it is a vocational qualification ("à finalité professionnelle",
  // Code du travail D6325-15): false only for general and technological
  // baccalauréats, the DAEU and non-diploma courses (FCIL, MODAL, "autres
  // formations"), as told by `kind` (see IsVocationalKind()).
  bool vocational = true;
  // The usual length of its course in months (TrainingCycleMonths), 0 when
  // the kind does not tell.
  int cycle_months = 0;
};

// False for the kinds of diplomas.csv that are not vocational
// qualifications: "BAC GENE", "BAC TECHNO", "BAC TEC AG", "DAEU" (and its
// long name), "1E CYC.GEN", "FCIL N-x", "MODAL N-x", "AUTRE N-x", "CPGE",
// "PREPA-2ND". Every other kind (CAP, BAC PRO, BP, BT, MC, titres RNCP...)
// is vocational.
bool IsVocationalKind(absl::string_view kind);

// The usual length of the course leading to a diploma of this kind, in
// months: CAP, CAPA, BP, BMA, BTS, BTSA, DUT 24; Bac Pro, BUT 36; MC and
// licence professionnelle 12; 0 for the kinds whose length varies or is
// not known here (titres RNCP, titres professionnels...). Apprenticeship
// pay counts a shorter contract's difference as years done (D6222-28-1).
int TrainingCycleMonths(absl::string_view kind);

// A job title of a ROME fiche ("appellation", OGR code): what a recruiter
// types ("Soudeur / Soudeuse TIG"); offers store the fiche's code.
struct Appellation {
  std::string ogr;    // digits: "38796"
  std::string title;  // "Soudeur / Soudeuse TIG"
  std::string rome;   // a code of rome_codes.csv: "H2913"
};

// One value of the SMIC (salaire minimum interprofessionnel de croissance),
// metropolitan France and the overseas départements but Mayotte, in force
// from `effective_from` until the next one.
struct SmicRevaluation {
  absl::CivilDay effective_from;
  double hourly_gross_eur = 0;
  double monthly_gross_eur = 0;  // 35 h a week: hourly x 35 x 52 / 12
  std::string source;            // the decree or order
};

// One entry of the ROME mobility table: a trade close to another.
struct MobilityTarget {
  std::string code;  // the close ROME code
  int rank = 0;      // 1 = closest
};

// Immutable, thread-safe after Load().
class Referentials {
 public:
  // Loads communes.csv, rome_codes.csv, appellations.csv, rome_mobility.csv,
  // diplomas.csv, smic.csv and
  // naf_codes.csv from `dir` (the project's data/ folder). Each file is a
  // UTF-8 CSV whose header names its columns (extra columns are ignored).
  // Errors:
  //   NOT_FOUND         a file is missing or unreadable;
  //   INVALID_ARGUMENT  malformed content; the message names the file and
  //                     the line, e.g. "data/communes.csv:12: bad latitude
  //                     \"abc\"". Duplicate keys and mobility entries
  //                     naming unknown ROME codes are errors too.
  // Loading the shipped data takes a few tens of milliseconds.
  static absl::StatusOr<std::unique_ptr<Referentials>> Load(
      const std::string& dir);

  // The commune with this INSEE code, or nullptr. Exact match ("2A004",
  // not "2a004").
  const Commune* FindCommune(absl::string_view insee) const;

  // The ROME fiche with this code ("H2903"), or nullptr.
  const RomeCode* FindRome(absl::string_view code) const;

  // The diploma with this code, a CFD ("50025123") or an RNCP code
  // ("RNCP557"), or nullptr. Exact match.
  const Diploma* FindDiploma(absl::string_view code) const;

  // True if `code` is a NAF rév. 2 sub-class as written by INSEE: "25.62B".
  bool IsNafCode(absl::string_view code) const;

  // The trades close to `rome`, closest first (ascending rank); empty when
  // the code is unknown or has no mobility entry. The reference stays valid
  // as long as this object.
  const std::vector<MobilityTarget>& Mobility(absl::string_view rome) const;

  // Every row, in file order.
  const std::vector<Commune>& communes() const { return communes_; }
  const std::vector<RomeCode>& rome_codes() const { return rome_codes_; }
  const std::vector<Diploma>& diplomas() const { return diplomas_; }
  const std::vector<Appellation>& appellations() const { return appellations_; }
  // Every SMIC revaluation, oldest first (smic.csv: add the next one there,
  // no code change; the file is checked at load).
  const std::vector<SmicRevaluation>& smic() const { return smic_; }

 private:
  Referentials() = default;

  std::vector<Commune> communes_;
  std::vector<RomeCode> rome_codes_;
  std::vector<Diploma> diplomas_;
  std::vector<Appellation> appellations_;
  std::vector<SmicRevaluation> smic_;
  absl::flat_hash_map<std::string, size_t> commune_index_;
  absl::flat_hash_map<std::string, size_t> rome_index_;
  absl::flat_hash_map<std::string, size_t> diploma_index_;
  absl::flat_hash_set<std::string> naf_codes_;
  absl::flat_hash_map<std::string, std::vector<MobilityTarget>> mobility_;
};

// Directory of the shipped data: $PASSERELLE_DATA_DIR if set and not empty,
// else the build's default (the repository's data/ folder, compiled in),
// else "./data".
std::string DefaultDataDir();

}  // namespace passerelle::common
