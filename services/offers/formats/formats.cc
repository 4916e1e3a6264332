#include "services/offers/formats/formats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/dates.h"
#include "services/common/text.h"
#include "services/common/validation.h"
#include "storage/status_macros.h"

// Sources followed (docs/formats.md lists them with their versions):
// - France Travail, API "Offres d'emploi" v2 (francetravail.io; OpenAPI
//   3.0.1 document "Offres d'emploi", version "2", server
//   https://api.francetravail.io/partenaire/offresdemploi): the Offre
//   resource of GET /v2/offres/{id} and of `resultats` in GET
//   /v2/offres/search, its field descriptions and example response, and the
//   referentials GET /v2/referentiel/typesContrats and .../naturesContrats.
//   An offer carries natureContrat as the referential's label ("Contrat
//   apprentissage"), the search parameter as its code ("E2"): both are read.
// - La bonne alternance, api.apprentissage.beta.gouv.fr: the "JobOfferRead"
//   schema (sdk/src/models/job/job.model.openapi.ts of
//   mission-apprentissage/api-apprentissage, commit 1c87399b, 2026-08-19),
//   the items of `jobs` in GET /api/job/v1/search; the same as
//   zJobOfferApiReadV3 (shared/src/routes/v3/jobs/jobs.routes.v3.model.ts
//   of mission-apprentissage/labonnealternance, commit b632524b), which
//   La bonne alternance serves as /api/v3/jobs/search. Its offers carry no
//   diploma code: offer.target_diploma is a level {european, label}.

namespace passerelle::offers::formats {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

constexpr absl::string_view kFranceTravailName = "france-travail";
constexpr absl::string_view kLaBonneAlternanceName = "labonnealternance";

// The legal working week (Code du travail L3121-27) and its monthly hours
// (35 x 52 / 12, as France Travail writes them: "sur 151.67 heures").
constexpr double kLegalWeeklyHours = 35;
constexpr double kLegalMonthlyHours = 151.67;

// The contracts Passerelle places graduates in, for rejection messages.
constexpr absl::string_view kPlacedContracts =
    "is not a contract Passerelle places graduates in (it places them in "
    "CDI, CDD, apprenticeship and professionalisation contracts)";

// ---------------------------------------------------------------------------
// Errors and JSON access.

template <typename... Args>
absl::Status Invalid(absl::string_view field, const Args&... args) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", args...));
}

absl::string_view KindName(const Value& v) {
  switch (v.kind_case()) {
    case Value::kNullValue:
      return "null";
    case Value::kNumberValue:
      return "a number";
    case Value::kStringValue:
      return "a string";
    case Value::kBoolValue:
      return "a boolean";
    case Value::kStructValue:
      return "an object";
    case Value::kListValue:
      return "an array";
    default:
      return "nothing";
  }
}

// A value as an error message shows it: strings quoted, numbers written,
// anything else by its kind.
std::string Got(const Value& v) {
  if (v.kind_case() == Value::kStringValue) {
    return common::QuoteForError(v.string_value());
  }
  if (v.kind_case() == Value::kNumberValue)
    return absl::StrCat(v.number_value());
  return std::string(KindName(v));
}

std::string Quote(absl::string_view text) {
  return common::QuoteForError(text);
}

// Parses any JSON value. The parser's message has the input and a caret on
// the lines after the first: only the first is kept.
absl::Status ParseJson(absl::string_view text, Value* out) {
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), out);
  if (status.ok()) return absl::OkStatus();
  const std::string message(status.message().data(), status.message().size());
  return absl::InvalidArgumentError(std::string(absl::StripAsciiWhitespace(
      absl::string_view(message).substr(0, message.find('\n')))));
}

// The fields of one JSON object, at `path` in the record ("" for the record
// itself, "lieuTravail" for a nested one). A field that is null counts as
// absent; a field of the wrong type is an error naming it.
class Object {
 public:
  Object(const Struct& fields, std::string path)
      : fields_(&fields), path_(std::move(path)) {}

  std::string Path(absl::string_view key) const {
    return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
  }

  // nullptr when absent or null.
  const Value* Get(absl::string_view key) const {
    const auto it = fields_->fields().find(std::string(key));
    if (it == fields_->fields().end()) return nullptr;
    const Value::KindCase kind = it->second.kind_case();
    if (kind == Value::kNullValue || kind == Value::KIND_NOT_SET) {
      return nullptr;
    }
    return &it->second;
  }

  // "" when absent.
  absl::StatusOr<std::string> String(absl::string_view key) const {
    const Value* v = Get(key);
    if (v == nullptr) return std::string();
    if (v->kind_case() != Value::kStringValue) {
      return Invalid(Path(key), "must be a string, got ", KindName(*v));
    }
    return v->string_value();
  }

  // A blank string counts as absent.
  absl::StatusOr<std::optional<double>> Number(absl::string_view key) const {
    const Value* v = Get(key);
    if (v == nullptr) return std::nullopt;
    if (v->kind_case() == Value::kStringValue &&
        absl::StripAsciiWhitespace(v->string_value()).empty()) {
      return std::nullopt;
    }
    if (v->kind_case() != Value::kNumberValue) {
      return Invalid(Path(key), "must be a number, got ", Got(*v));
    }
    return v->number_value();
  }

  absl::StatusOr<std::optional<int32_t>> Int(absl::string_view key) const {
    ASSIGN_OR_RETURN(std::optional<double> x, Number(key));
    if (!x.has_value()) return std::nullopt;
    if (!(std::trunc(*x) == *x && *x >= std::numeric_limits<int32_t>::min() &&
          *x <= std::numeric_limits<int32_t>::max())) {
      return Invalid(Path(key), "must be a whole number, got ",
                     absl::StrCat(*x));
    }
    return static_cast<int32_t>(*x);
  }

  absl::StatusOr<std::optional<bool>> Bool(absl::string_view key) const {
    const Value* v = Get(key);
    if (v == nullptr) return std::nullopt;
    if (v->kind_case() != Value::kBoolValue) {
      return Invalid(Path(key), "must be true or false, got ", Got(*v));
    }
    return v->bool_value();
  }

  absl::StatusOr<std::optional<Object>> Child(absl::string_view key) const {
    const Value* v = Get(key);
    if (v == nullptr) return std::nullopt;
    if (v->kind_case() != Value::kStructValue) {
      return Invalid(Path(key), "must be an object, got ", KindName(*v));
    }
    return Object(v->struct_value(), Path(key));
  }

  // nullptr when absent.
  absl::StatusOr<const ListValue*> List(absl::string_view key) const {
    const Value* v = Get(key);
    if (v == nullptr) return nullptr;
    if (v->kind_case() != Value::kListValue) {
      return Invalid(Path(key), "must be an array, got ", KindName(*v));
    }
    return &v->list_value();
  }

 private:
  const Struct* fields_;
  std::string path_;
};

std::string Indexed(absl::string_view path, int i) {
  return absl::StrCat(path, "[", i, "]");
}

// The objects of an array (absent: none); null elements are skipped.
absl::StatusOr<std::vector<Object>> Objects(const Object& parent,
                                            absl::string_view key) {
  ASSIGN_OR_RETURN(const ListValue* list, parent.List(key));
  std::vector<Object> objects;
  if (list == nullptr) return objects;
  for (int i = 0; i < list->values_size(); ++i) {
    const Value& v = list->values(i);
    if (v.kind_case() == Value::kNullValue) continue;
    if (v.kind_case() != Value::kStructValue) {
      return Invalid(Indexed(parent.Path(key), i), "must be an object, got ",
                     KindName(v));
    }
    objects.emplace_back(v.struct_value(), Indexed(parent.Path(key), i));
  }
  return objects;
}

// The strings of an array (absent: none); null elements are skipped.
absl::StatusOr<std::vector<std::string>> Strings(const Object& parent,
                                                 absl::string_view key) {
  ASSIGN_OR_RETURN(const ListValue* list, parent.List(key));
  std::vector<std::string> strings;
  if (list == nullptr) return strings;
  for (int i = 0; i < list->values_size(); ++i) {
    const Value& v = list->values(i);
    if (v.kind_case() == Value::kNullValue) continue;
    if (v.kind_case() != Value::kStringValue) {
      return Invalid(Indexed(parent.Path(key), i), "must be a string, got ",
                     KindName(v));
    }
    strings.push_back(v.string_value());
  }
  return strings;
}

// The text of a field read only for a hint (night work, hours): a string,
// or the strings of an array joined by spaces; anything else is no text.
std::string HintText(const Value* v) {
  if (v == nullptr) return "";
  if (v->kind_case() == Value::kStringValue) return v->string_value();
  std::string text;
  if (v->kind_case() == Value::kListValue) {
    for (const Value& item : v->list_value().values()) {
      if (item.kind_case() == Value::kStringValue) {
        absl::StrAppend(&text, text.empty() ? "" : " ", item.string_value());
      }
    }
  }
  return text;
}

// An identifier that becomes external_id = prefix + id: required, printable
// ASCII without spaces, short enough for external_id.
absl::StatusOr<std::string> SourceId(const Object& object,
                                     absl::string_view key,
                                     absl::string_view prefix) {
  ASSIGN_OR_RETURN(std::string id, object.String(key));
  id = std::string(absl::StripAsciiWhitespace(id));
  if (id.empty()) return Invalid(object.Path(key), "required");
  const size_t max = common::kMaxExternalIdChars - prefix.size();
  bool printable = true;
  for (char c : id) printable = printable && c > 0x20 && c < 0x7F;
  if (id.size() > max || !printable) {
    return Invalid(object.Path(key), "must be at most ", max,
                   " printable ASCII characters without spaces (it becomes "
                   "external_id \"",
                   prefix, "<id>\"), got ", Quote(id));
  }
  return id;
}

// ---------------------------------------------------------------------------
// Text.

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsSpace(char32_t cp) { return cp == ' ' || cp == '\n' || cp == '\t'; }

// Text as Passerelle stores it (common::CheckText accepts it): valid UTF-8
// (what is not becomes U+FFFD), no control character (with `multi_line`,
// line breaks and tabs stay and "\r\n" becomes "\n"; without, they become
// spaces and runs of spaces one), no invisible character
// (common::FindInvisibleCharacter), trimmed. With `max_chars`, cut to that
// many characters, the last being "…" when something was cut. Partners'
// texts carry soft hyphens, zero-width spaces and stray control characters
// that would otherwise fail the whole offer.
std::string CleanText(absl::string_view in, bool multi_line,
                      size_t max_chars = 0) {
  std::vector<char32_t> cps;
  cps.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    char32_t cp = common::NextCodePoint(in, &i);
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
    if (cp == '\r') {
      if (i < in.size() && in[i] == '\n') continue;
      cp = '\n';
    }
    if (cp == '\n' || cp == '\t') {
      if (!multi_line) cp = ' ';
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      continue;
    } else if (cp > 0x7F) {
      std::string one;
      AppendUtf8(cp, &one);
      if (common::FindInvisibleCharacter(one) != 0) continue;
    }
    if (!multi_line && cp == ' ' && (cps.empty() || cps.back() == ' ')) {
      continue;
    }
    cps.push_back(cp);
  }
  size_t begin = 0;
  while (begin < cps.size() && IsSpace(cps[begin])) ++begin;
  size_t end = cps.size();
  while (end > begin && IsSpace(cps[end - 1])) --end;
  bool cut = false;
  if (max_chars > 0 && end - begin > max_chars) {
    end = begin + max_chars - 1;
    while (end > begin && IsSpace(cps[end - 1])) --end;
    cut = true;
  }
  std::string out;
  out.reserve(end - begin + 3);
  for (size_t k = begin; k < end; ++k) AppendUtf8(cps[k], &out);
  if (cut) AppendUtf8(U'\u2026', &out);
  return out;
}

// Adds a skill, cleaned and cut to common::kMaxSkillChars, unless empty,
// already there, or the list holds common::kMaxSkills: the limits
// common::ValidateOffer() enforces, applied here so that a long list keeps
// its first skills instead of failing the offer.
void AddSkill(absl::string_view skill,
              google::protobuf::RepeatedPtrField<std::string>* skills) {
  if (skills->size() >= common::kMaxSkills) return;
  std::string clean = CleanText(skill, false, common::kMaxSkillChars);
  if (clean.empty()) return;
  for (const std::string& s : *skills) {
    if (s == clean) return;
  }
  *skills->Add() = std::move(clean);
}

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

// A label compared to a referential's: ASCII lower case, typographic
// apostrophes straight, spaces collapsed, trimmed.
std::string NormalizeLabel(absl::string_view s) {
  std::string text = absl::StrReplaceAll(Lower(s), {{"\u2019", "'"}});
  std::string out;
  for (char c : text) {
    const bool space = absl::ascii_isspace(static_cast<unsigned char>(c));
    if (space && (out.empty() || out.back() == ' ')) continue;
    out.push_back(space ? ' ' : c);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// ---------------------------------------------------------------------------
// Dates.

// A day from "YYYY-MM-DD", or from an RFC 3339 date-time taken in Paris
// ("2026-08-31T22:00:00.000Z" is 1 September in Paris: La bonne alternance
// writes its Paris dates as UTC instants).
std::optional<absl::CivilDay> ParseDay(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (std::optional<absl::CivilDay> day = common::ParseDate(text)) return day;
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return std::nullopt;
  }
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) {
    return std::nullopt;
  }
  return common::DayInParis(t);
}

// ---------------------------------------------------------------------------
// France Travail labels.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The first "<hours>H[<minutes>]" of a working-time label ("35H Horaires
// normaux", "35H30 ...", "35 H  Horaires normaux", "39H Travail en
// journée"), in hours.
std::optional<double> ParseWeeklyHours(absl::string_view text) {
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(text[i]) || (i > 0 && IsDigit(text[i - 1]))) continue;
    size_t j = i;
    int hours = 0;
    while (j < n && IsDigit(text[j]) && j - i < 3) {
      hours = hours * 10 + (text[j++] - '0');
    }
    if (j < n && IsDigit(text[j])) continue;
    size_t k = j;
    while (k < n && text[k] == ' ') ++k;
    if (k >= n || (text[k] != 'H' && text[k] != 'h')) continue;
    ++k;
    int minutes = 0;
    if (k + 1 < n && IsDigit(text[k]) && IsDigit(text[k + 1]) &&
        (k + 2 == n || !IsDigit(text[k + 2]))) {
      minutes = (text[k] - '0') * 10 + (text[k + 1] - '0');
      if (minutes >= 60) continue;
    }
    return hours + minutes / 60.0;
  }
  return std::nullopt;
}

// The length of a contract from typeContratLibelle ("Contrat à durée
// déterminée - 6 Mois", "CDD - 6 Mois"), in months; a length in days
// ("- 15 Jour(s)") counts as the months it starts (rounded up).
std::optional<int> ParseContractMonths(absl::string_view text) {
  const std::string lower = Lower(text);
  const size_t n = lower.size();
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(lower[i]) || (i > 0 && IsDigit(lower[i - 1]))) continue;
    size_t j = i;
    int value = 0;
    while (j < n && IsDigit(lower[j]) && j - i < 4) {
      value = value * 10 + (lower[j++] - '0');
    }
    if (j < n && IsDigit(lower[j])) continue;
    while (j < n && lower[j] == ' ') ++j;
    const absl::string_view unit = absl::string_view(lower).substr(j);
    if (absl::StartsWith(unit, "mois")) return value;
    if (absl::StartsWith(unit, "jour")) return (value + 29) / 30;
  }
  return std::nullopt;
}

// The length of a digit-group separator at s[i]: a space, a no-break space
// or a narrow no-break space ("21 000,00").
size_t GroupSeparator(absl::string_view s, size_t i) {
  if (s.substr(i, 1) == " ") return 1;
  if (s.substr(i, 2) == "\u00A0") return 2;
  if (s.substr(i, 3) == "\u202F") return 3;
  return 0;
}

// An amount at s[*pos] ("1800.00", "1 800,00", "11.65"); advances *pos past
// it.
std::optional<double> ParseAmount(absl::string_view s, size_t* pos) {
  size_t p = *pos;
  if (p >= s.size() || !IsDigit(s[p])) return std::nullopt;
  std::string digits;
  while (p < s.size()) {
    if (IsDigit(s[p])) {
      digits.push_back(s[p++]);
      continue;
    }
    const size_t sep = GroupSeparator(s, p);
    const size_t q = p + sep;
    if (sep > 0 && q + 3 <= s.size() && IsDigit(s[q]) && IsDigit(s[q + 1]) &&
        IsDigit(s[q + 2]) && (q + 3 == s.size() || !IsDigit(s[q + 3]))) {
      p = q;
      continue;
    }
    break;
  }
  if (p + 1 < s.size() && (s[p] == '.' || s[p] == ',') && IsDigit(s[p + 1])) {
    digits.push_back('.');
    ++p;
    while (p < s.size() && IsDigit(s[p])) digits.push_back(s[p++]);
  }
  if (digits.size() > 24) return std::nullopt;
  double value = 0;
  if (!absl::SimpleAtod(digits, &value)) return std::nullopt;
  *pos = p;
  return value;
}

void SkipSpaces(absl::string_view s, size_t* pos) {
  while (*pos < s.size() && s[*pos] == ' ') ++*pos;
}

bool Consume(absl::string_view s, size_t* pos, absl::string_view word) {
  if (!absl::StartsWith(s.substr(*pos), word)) return false;
  *pos += word.size();
  return true;
}

// A monthly gross amount from salaire.libelle: "Mensuel de 1800.00 Euros
// sur 12 mois" (1800), "Annuel de 24000.00 Euros" (2000), "Horaire de 11.65
// Euros sur 151.67 heures" (11.65 x 151.67; without "sur N heures", the
// weekly hours x 52 / 12, or 151.67). A range ("de 1800.00 Euros à 2100.00
// Euros") gives its lower bound. nullopt when the label is none of these
// (percentages of the SMIC, "Cachet de ...") or the amount is not one
// Passerelle accepts (common::ValidateOffer: at least 1 and below
// common::kMaxMonthlySalaryEur).
std::optional<double> ParseMonthlySalary(absl::string_view label,
                                         std::optional<double> weekly_hours) {
  const std::string s = Lower(absl::StripAsciiWhitespace(label));
  enum class Period { kMonth, kYear, kHour } period;
  size_t pos = 0;
  if (Consume(s, &pos, "mensuel")) {
    period = Period::kMonth;
  } else if (Consume(s, &pos, "annuel")) {
    period = Period::kYear;
  } else if (Consume(s, &pos, "horaire")) {
    period = Period::kHour;
  } else {
    return std::nullopt;
  }
  SkipSpaces(s, &pos);
  if (!Consume(s, &pos, "de")) return std::nullopt;
  SkipSpaces(s, &pos);
  const std::optional<double> amount = ParseAmount(s, &pos);
  if (!amount.has_value()) return std::nullopt;
  SkipSpaces(s, &pos);
  // "1800.00 à 2100.00 Euros": the unit after the upper bound.
  if (Consume(s, &pos, "\u00E0") || Consume(s, &pos, "a ") ||
      Consume(s, &pos, "-")) {
    SkipSpaces(s, &pos);
    if (!ParseAmount(s, &pos).has_value()) return std::nullopt;
    SkipSpaces(s, &pos);
  }
  if (!Consume(s, &pos, "euro") && !Consume(s, &pos, "\u20AC")) {
    return std::nullopt;
  }
  double monthly = *amount;
  if (period == Period::kYear) monthly = *amount / 12;
  if (period == Period::kHour) {
    double hours =
        weekly_hours.has_value() ? *weekly_hours * 52 / 12 : kLegalMonthlyHours;
    for (size_t at = s.find("sur ", pos); at != std::string::npos;
         at = s.find("sur ", at + 1)) {
      size_t p = at + 4;
      const std::optional<double> stated = ParseAmount(s, &p);
      SkipSpaces(s, &p);
      if (stated.has_value() && *stated > 0 && *stated <= 744 &&
          Consume(s, &p, "heure")) {
        hours = *stated;
        break;
      }
    }
    monthly = *amount * hours;
  }
  monthly = std::round(monthly * 100) / 100;
  if (!(monthly >= 1 && monthly < common::kMaxMonthlySalaryEur)) {
    return std::nullopt;
  }
  return monthly;
}

// The category of a permis libelle ("B - Véhicule léger", "C - Poids
// lourd", "BE - ..."; the older names EB and EC are BE and CE), or
// UNSPECIFIED when it is none of LicenceCategory's.
v1::LicenceCategory LicenceFromLabel(absl::string_view label) {
  label = absl::StripAsciiWhitespace(label);
  const std::string token = absl::AsciiStrToUpper(
      label.substr(0, std::min(label.find(' '), label.find('-'))));
  static constexpr std::pair<absl::string_view, v1::LicenceCategory>
      kCategories[] = {
          {"AM", v1::LICENCE_CATEGORY_AM}, {"A1", v1::LICENCE_CATEGORY_A1},
          {"A2", v1::LICENCE_CATEGORY_A2}, {"A", v1::LICENCE_CATEGORY_A},
          {"B", v1::LICENCE_CATEGORY_B},   {"BE", v1::LICENCE_CATEGORY_BE},
          {"EB", v1::LICENCE_CATEGORY_BE}, {"C1", v1::LICENCE_CATEGORY_C1},
          {"C", v1::LICENCE_CATEGORY_C},   {"CE", v1::LICENCE_CATEGORY_CE},
          {"EC", v1::LICENCE_CATEGORY_CE},
      };
  for (const auto& [name, category] : kCategories) {
    if (token == name) return category;
  }
  return v1::LICENCE_CATEGORY_UNSPECIFIED;
}

// The European level of a formations[].niveauLibelle ("CAP, BEP et
// équivalents" 3, "Bac ou équivalent" 4, "Bac+2 ou équivalents" 5, "Bac+3,
// Bac+4 ou équivalents" 6, "Bac+5 et plus ou équivalents" 7); 0 for the
// levels below any diploma ("3ème achevée ou Brevet", "2nd ou 1ère
// achevée", ...) and unknown labels.
int LevelFromLabel(absl::string_view label) {
  const std::string s = NormalizeLabel(label);
  if (absl::StartsWith(s, "cap")) return 3;
  if (!absl::StartsWith(s, "bac")) return 0;
  size_t pos = 3;
  SkipSpaces(s, &pos);
  if (!Consume(s, &pos, "+")) return 4;
  SkipSpaces(s, &pos);
  if (pos >= s.size() || !IsDigit(s[pos])) return 4;
  const int years = s[pos] - '0';
  if (years <= 2) return 5;
  if (years <= 4) return 6;
  return 7;
}

bool IsRequired(absl::string_view exigence) {
  return absl::AsciiStrToUpper(absl::StripAsciiWhitespace(exigence)) == "E";
}

// natureContrat (referential naturesContrats: code, label).
enum class Nature {
  kWork,                 // E1 "Contrat travail"
  kApprenticeship,       // E2
  kProfessionalisation,  // FS
  kSiteCdi,              // CC: a CDI (L1223-8) ending with the site
  kCustomaryCdd,         // CU: the CDD d'usage (D1242-1)
  kOther,                // aided, insertion, non-salaried...: not placed
};

struct NatureEntry {
  absl::string_view code;
  absl::string_view label;
  Nature nature;
};

constexpr NatureEntry kNatures[] = {
    {"E1", "Contrat travail", Nature::kWork},
    {"E1", "Contrat de travail", Nature::kWork},
    {"E2", "Contrat apprentissage", Nature::kApprenticeship},
    {"E2", "Contrat d'apprentissage", Nature::kApprenticeship},
    {"FS", "Cont. professionnalisation", Nature::kProfessionalisation},
    {"FS", "Contrat de professionnalisation", Nature::kProfessionalisation},
    {"CC", "CDI de chantier ou d'opération", Nature::kSiteCdi},
    {"CU", "Contrat d'usage", Nature::kCustomaryCdd},
    {"FA", "Act. Formation pré.recrut.", Nature::kOther},
    {"FJ", "Contrat pacte", Nature::kOther},
    {"FT", "CUI - CAE", Nature::kOther},
    {"FU", "CUI - CIE", Nature::kOther},
    {"I1", "Insertion par l'activ.éco.", Nature::kOther},
    {"NS", "Emploi non salarié", Nature::kOther},
    {"FV", "Prépa.opérationnel.emploi", Nature::kOther},
    {"FW", "Emploi Avenir non marchand", Nature::kOther},
    {"FX", "Emploi Avenir marchand", Nature::kOther},
    {"FY", "Emploi Avenir Professeur", Nature::kOther},
    {"PS", "Portage salarial", Nature::kOther},
    {"PR", "Contrat PrAB", Nature::kOther},
    {"EE", "Contrat d'Engagement Educatif", Nature::kOther},
    {"ER", "Engagement à servir dans la réserve", Nature::kOther},
    {"CI", "Contrat intermittent", Nature::kOther},
};

const NatureEntry* FindNature(absl::string_view text) {
  const std::string code =
      absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  const std::string label = NormalizeLabel(text);
  for (const NatureEntry& e : kNatures) {
    if (code == e.code || label == NormalizeLabel(e.label)) return &e;
  }
  return nullptr;
}

// typeContrat (referential typesContrats), for messages.
absl::string_view TypeLabel(absl::string_view code) {
  static constexpr std::pair<absl::string_view, absl::string_view> kTypes[] = {
      {"CDI", "Contrat à durée indéterminée"},
      {"CDD", "Contrat à durée déterminée"},
      {"MIS", "Mission intérimaire"},
      {"SAI", "Contrat travail saisonnier"},
      {"LIB", "Profession libérale"},
      {"FRA", "Franchise"},
      {"CCE", "Profession commerciale"},
      {"DDI", "Contrat durée déterminée insertion"},
      {"DIN", "CDI Intérimaire"},
      {"TTI", "Contrat travail temporaire insertion"},
  };
  for (const auto& [c, label] : kTypes) {
    if (code == c) return label;
  }
  return "";
}

// ---------------------------------------------------------------------------
// France Travail.

struct Contract {
  v1::ContractType type = v1::CONTRACT_TYPE_UNSPECIFIED;
  v1::CddMotive cdd_motive = v1::CDD_MOTIVE_UNSPECIFIED;
  int months = 0;
};

absl::StatusOr<Contract> FranceTravailContract(const Object& r) {
  ASSIGN_OR_RETURN(const std::string nature_text, r.String("natureContrat"));
  ASSIGN_OR_RETURN(const std::optional<bool> alternance, r.Bool("alternance"));
  ASSIGN_OR_RETURN(std::string type, r.String("typeContrat"));
  type = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(type));
  ASSIGN_OR_RETURN(const std::string type_label,
                   r.String("typeContratLibelle"));

  Nature nature = Nature::kWork;
  if (!absl::StripAsciiWhitespace(nature_text).empty()) {
    const NatureEntry* entry = FindNature(nature_text);
    if (entry == nullptr) {
      return Invalid("natureContrat", "unknown value ", Quote(nature_text));
    }
    nature = entry->nature;
  } else if (alternance.value_or(false)) {
    return Invalid("natureContrat",
                   "required when alternance is true (\"Contrat "
                   "apprentissage\" or \"Cont. professionnalisation\" tells "
                   "which contract it is)");
  }

  switch (nature) {
    case Nature::kApprenticeship:
      return Invalid(
          "natureContrat", Quote(nature_text),
          ": an apprenticeship needs the diploma it prepares as a CFD or "
          "RNCP code (offer.target_diploma; Code du travail L6211-1), and "
          "France Travail publishes none "
          "(formations[].codeFormation is a Formacode, a field of training, "
          "not a diploma)");
    case Nature::kProfessionalisation: {
      const std::optional<int> months = ParseContractMonths(type_label);
      if (!months.has_value()) {
        return Invalid("typeContratLibelle",
                       "the length of a professionalisation contract is "
                       "required (6 to 36 months, Code du travail L6325-11, "
                       "L6325-12), e.g. \"Contrat à durée déterminée - 12 "
                       "Mois\", got ",
                       Quote(type_label));
      }
      return Contract{v1::CONTRACT_TYPE_PROFESSIONALISATION,
                      v1::CDD_MOTIVE_UNSPECIFIED, *months};
    }
    case Nature::kOther:
      return Invalid("natureContrat", Quote(nature_text), " ",
                     kPlacedContracts);
    case Nature::kSiteCdi:
      if (type != "CDI") {
        return Invalid("typeContrat", "must be CDI for natureContrat ",
                       Quote(nature_text), ", got ", Quote(type));
      }
      return Contract{v1::CONTRACT_TYPE_CDI, v1::CDD_MOTIVE_UNSPECIFIED, 0};
    case Nature::kWork:
    case Nature::kCustomaryCdd:
      break;
  }

  if (type.empty()) return Invalid("typeContrat", "required");
  if (type == "CDI") {
    if (nature == Nature::kCustomaryCdd) {
      return Invalid("typeContrat",
                     "must be CDD for natureContrat \"Contrat d'usage\" (a "
                     "CDD d'usage, Code du travail D1242-1), got \"CDI\"");
    }
    return Contract{v1::CONTRACT_TYPE_CDI, v1::CDD_MOTIVE_UNSPECIFIED, 0};
  }
  if (type == "CDD") {
    if (nature != Nature::kCustomaryCdd) {
      return Invalid(
          "typeContrat",
          "a CDD needs its motive (Code du travail L1242-2: replacement, "
          "temporary increase in activity, seasonal or customary work...; "
          "offer.cdd_motive), which France Travail does not publish; only "
          "natureContrat \"Contrat d'usage\" (CU) tells one, the customary "
          "CDD of D1242-1");
    }
    const std::optional<int> months = ParseContractMonths(type_label);
    if (!months.has_value()) {
      return Invalid("typeContratLibelle",
                     "the length of a CDD is required, e.g. \"Contrat à "
                     "durée déterminée - 6 Mois\", got ",
                     Quote(type_label));
    }
    return Contract{v1::CONTRACT_TYPE_CDD, v1::CDD_MOTIVE_CUSTOMARY, *months};
  }
  const absl::string_view label = TypeLabel(type);
  return Invalid("typeContrat", Quote(type),
                 label.empty() ? "" : absl::StrCat(" (", label, ")"), " ",
                 kPlacedContracts);
}

// The arrondissement of Paris, Lyon or Marseille that a whole-city INSEE
// code (75056, 69123, 13055: not in Passerelle's communes, which hold the
// arrondissements) and a postal code name, or "".
std::string Arrondissement(absl::string_view commune,
                           absl::string_view postal) {
  if (postal.size() != 5 || !IsDigit(postal[3]) || !IsDigit(postal[4])) {
    return "";
  }
  const int n = (postal[3] - '0') * 10 + (postal[4] - '0');
  const std::string nn(postal.substr(3));
  if (commune == "75056" && absl::StartsWith(postal, "750") && n >= 1 &&
      n <= 20) {
    return absl::StrCat("751", nn);
  }
  if (commune == "75056" && postal == "75116") return "75116";
  if (commune == "69123" && absl::StartsWith(postal, "6900") && n >= 1 &&
      n <= 9) {
    return absl::StrCat("6938", postal.substr(4));
  }
  if (commune == "13055" && absl::StartsWith(postal, "130") && n >= 1 &&
      n <= 16) {
    return absl::StrCat("132", nn);
  }
  return "";
}

absl::Status FranceTravailPlace(const Object& r, v1::Place* place) {
  ASSIGN_OR_RETURN(const std::optional<Object> lieu, r.Child("lieuTravail"));
  if (!lieu.has_value()) return Invalid("lieuTravail", "required");
  ASSIGN_OR_RETURN(std::string commune, lieu->String("commune"));
  commune = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(commune));
  ASSIGN_OR_RETURN(std::string postal, lieu->String("codePostal"));
  postal = std::string(absl::StripAsciiWhitespace(postal));
  ASSIGN_OR_RETURN(const std::optional<double> latitude,
                   lieu->Number("latitude"));
  ASSIGN_OR_RETURN(const std::optional<double> longitude,
                   lieu->Number("longitude"));
  if (commune == "75056" || commune == "69123" || commune == "13055") {
    commune = Arrondissement(commune, postal);
  }
  place->set_commune_insee(commune);
  place->set_postal_code(postal);
  const bool coordinates = latitude.has_value() && longitude.has_value();
  if (coordinates) {
    place->set_latitude(*latitude);
    place->set_longitude(*longitude);
  }
  if (commune.empty() && !coordinates) {
    ASSIGN_OR_RETURN(const std::string label, lieu->String("libelle"));
    return Invalid(
        "lieuTravail.commune",
        "required: the commune's INSEE code, or lieuTravail.latitude and "
        "lieuTravail.longitude, place the offer",
        postal.empty() ? ""
                       : "; a postal code alone cannot (one may serve several "
                         "communes, and a commune have several)",
        label.empty()
            ? ""
            : absl::StrCat(" (lieuTravail.libelle is ", Quote(label), ")"));
  }
  return absl::OkStatus();
}

// weekly_hours and night_work.
absl::Status FranceTravailWorkingTime(const Object& r, v1::Offer* o) {
  ASSIGN_OR_RETURN(const std::string duree, r.String("dureeTravailLibelle"));
  ASSIGN_OR_RETURN(const std::string converti,
                   r.String("dureeTravailLibelleConverti"));
  std::string horaires, conditions;
  if (const Value* ctx = r.Get("contexteTravail");
      ctx != nullptr && ctx->kind_case() == Value::kStructValue) {
    const Object context(ctx->struct_value(), "contexteTravail");
    horaires = HintText(context.Get("horaires"));
    conditions = HintText(context.Get("conditionsExercice"));
  }
  std::optional<double> hours = ParseWeeklyHours(duree);
  if (!hours.has_value()) hours = ParseWeeklyHours(horaires);
  if (!hours.has_value() && NormalizeLabel(converti) == "temps plein") {
    hours = kLegalWeeklyHours;
  }
  if (!hours.has_value()) {
    return Invalid("dureeTravailLibelle",
                   duree.empty()
                       ? "required"
                       : absl::StrCat("no weekly hours in ", Quote(duree)),
                   " (e.g. \"35H Horaires normaux\")",
                   converti.empty()
                       ? ""
                       : absl::StrCat("; dureeTravailLibelleConverti ",
                                      Quote(converti), " does not give them"));
  }
  o->set_weekly_hours(*hours);
  const std::string night =
      Lower(absl::StrCat(duree, " ", horaires, " ", conditions, " ",
                         HintText(r.Get("conditionExercice"))));
  o->set_night_work(absl::StrContains(night, "nuit"));
  return absl::OkStatus();
}

absl::Status FranceTravailLicence(const Object& r, v1::Offer* o) {
  ASSIGN_OR_RETURN(const std::vector<Object> permis, Objects(r, "permis"));
  for (const Object& p : permis) {
    ASSIGN_OR_RETURN(const std::string exigence, p.String("exigence"));
    if (!IsRequired(exigence)) continue;
    ASSIGN_OR_RETURN(const std::string label, p.String("libelle"));
    o->set_driving_licence_required(true);
    // The enum's values grow with what the category allows (AM .. CE), and
    // the C categories require B: the largest one required is kept.
    const v1::LicenceCategory category = LicenceFromLabel(label);
    if (category > o->driving_licence_category()) {
      o->set_driving_licence_category(category);
    }
  }
  return absl::OkStatus();
}

absl::Status FranceTravailSkills(const Object& r, v1::Offer* o) {
  ASSIGN_OR_RETURN(const std::vector<Object> competences,
                   Objects(r, "competences"));
  for (const Object& c : competences) {
    ASSIGN_OR_RETURN(const std::string label, c.String("libelle"));
    ASSIGN_OR_RETURN(const std::string exigence, c.String("exigence"));
    AddSkill(label, IsRequired(exigence) ? o->mutable_required_skills()
                                         : o->mutable_desired_skills());
  }
  ASSIGN_OR_RETURN(const std::vector<Object> qualities,
                   Objects(r, "qualitesProfessionnelles"));
  for (const Object& q : qualities) {
    ASSIGN_OR_RETURN(const std::string label, q.String("libelle"));
    AddSkill(label, o->mutable_desired_skills());
  }
  return absl::OkStatus();
}

// required_level: the lowest level among the formations required ("E"),
// the most candidates an "or" between them lets in.
absl::Status FranceTravailLevel(const Object& r, v1::Offer* o) {
  ASSIGN_OR_RETURN(const std::vector<Object> formations,
                   Objects(r, "formations"));
  int level = 0;
  for (const Object& f : formations) {
    ASSIGN_OR_RETURN(const std::string exigence, f.String("exigence"));
    if (!IsRequired(exigence)) continue;
    ASSIGN_OR_RETURN(const std::string label, f.String("niveauLibelle"));
    const int l = LevelFromLabel(label);
    if (l > 0 && (level == 0 || l < level)) level = l;
  }
  o->set_required_level(level);
  return absl::OkStatus();
}

// Read leniently: a salary Passerelle cannot read is "not given" (0), not a
// reason to refuse the offer. A `salaire` that is not an object is none
// (La bonne alternance's importer of these offers allows an empty array).
void FranceTravailSalary(const Object& r, v1::Offer* o) {
  const Value* salaire = r.Get("salaire");
  if (salaire == nullptr || salaire->kind_case() != Value::kStructValue) {
    return;
  }
  const Object s(salaire->struct_value(), "salaire");
  const Value* label = s.Get("libelle");
  if (label == nullptr || label->kind_case() != Value::kStringValue) return;
  const std::optional<double> monthly =
      ParseMonthlySalary(label->string_value(), o->weekly_hours());
  if (monthly.has_value()) o->set_monthly_gross_salary_eur(*monthly);
}

absl::StatusOr<v1::Offer> FranceTravailToOffer(const Object& r,
                                               absl::CivilDay today) {
  v1::Offer o;
  ASSIGN_OR_RETURN(const std::string id, SourceId(r, "id", "ft:"));
  o.set_external_id(absl::StrCat("ft:", id));
  ASSIGN_OR_RETURN(const std::string title, r.String("intitule"));
  o.set_title(CleanText(title, false));
  if (o.title().empty()) return Invalid("intitule", "required");
  ASSIGN_OR_RETURN(std::string rome, r.String("romeCode"));
  o.set_rome_code(absl::AsciiStrToUpper(absl::StripAsciiWhitespace(rome)));
  if (o.rome_code().empty()) return Invalid("romeCode", "required");

  ASSIGN_OR_RETURN(const Contract contract, FranceTravailContract(r));
  o.set_contract_type(contract.type);
  o.set_cdd_motive(contract.cdd_motive);
  o.set_duration_months(contract.months);
  // France Travail publishes no start date: its offers are to be filled
  // now (dateCreation is in the past for any offer it publishes).
  o.set_start_date(common::FormatDate(today));

  RETURN_IF_ERROR(FranceTravailPlace(r, o.mutable_place()));
  RETURN_IF_ERROR(FranceTravailWorkingTime(r, &o));
  FranceTravailSalary(r, &o);
  RETURN_IF_ERROR(FranceTravailLicence(r, &o));
  RETURN_IF_ERROR(FranceTravailSkills(r, &o));
  RETURN_IF_ERROR(FranceTravailLevel(r, &o));

  ASSIGN_OR_RETURN(const std::string description, r.String("description"));
  o.set_description(CleanText(description, true, common::kMaxDescriptionChars));
  ASSIGN_OR_RETURN(const std::optional<int32_t> positions,
                   r.Int("nombrePostes"));
  o.set_positions(positions.value_or(1));
  return o;
}

// ---------------------------------------------------------------------------
// La bonne alternance.

absl::Status LaBonneAlternancePlace(const Object& r, v1::Place* place) {
  constexpr absl::string_view kGeopoint = "workplace.location.geopoint";
  const ListValue* coordinates = nullptr;
  ASSIGN_OR_RETURN(const std::optional<Object> workplace, r.Child("workplace"));
  if (workplace.has_value()) {
    ASSIGN_OR_RETURN(const std::optional<Object> location,
                     workplace->Child("location"));
    if (location.has_value()) {
      ASSIGN_OR_RETURN(const std::optional<Object> geopoint,
                       location->Child("geopoint"));
      if (geopoint.has_value()) {
        ASSIGN_OR_RETURN(coordinates, geopoint->List("coordinates"));
      }
    }
  }
  if (coordinates == nullptr) {
    return Invalid(kGeopoint,
                   "required: La bonne alternance gives no commune code, its "
                   "coordinates place the offer");
  }
  if (coordinates->values_size() != 2 ||
      coordinates->values(0).kind_case() != Value::kNumberValue ||
      coordinates->values(1).kind_case() != Value::kNumberValue) {
    return Invalid(absl::StrCat(kGeopoint, ".coordinates"),
                   "must be [longitude, latitude] (GeoJSON), got ",
                   coordinates->values_size(), " values");
  }
  place->set_longitude(coordinates->values(0).number_value());
  place->set_latitude(coordinates->values(1).number_value());
  return absl::OkStatus();
}

absl::StatusOr<v1::Offer> LaBonneAlternanceToOffer(const Object& r,
                                                   absl::CivilDay today) {
  v1::Offer o;
  ASSIGN_OR_RETURN(const std::optional<Object> identifier,
                   r.Child("identifier"));
  if (!identifier.has_value()) return Invalid("identifier.id", "required");
  ASSIGN_OR_RETURN(const std::string id, SourceId(*identifier, "id", "lba:"));
  o.set_external_id(absl::StrCat("lba:", id));

  ASSIGN_OR_RETURN(const std::optional<Object> offer, r.Child("offer"));
  if (!offer.has_value()) return Invalid("offer.title", "required");
  ASSIGN_OR_RETURN(const std::string title, offer->String("title"));
  o.set_title(CleanText(title, false));
  if (o.title().empty()) return Invalid("offer.title", "required");
  ASSIGN_OR_RETURN(const std::vector<std::string> romes,
                   Strings(*offer, "rome_codes"));
  if (!romes.empty()) {
    o.set_rome_code(
        absl::AsciiStrToUpper(absl::StripAsciiWhitespace(romes.front())));
  }
  if (o.rome_code().empty()) return Invalid("offer.rome_codes", "required");

  ASSIGN_OR_RETURN(const std::optional<Object> contract, r.Child("contract"));
  if (!contract.has_value()) return Invalid("contract.type", "required");
  ASSIGN_OR_RETURN(const std::vector<std::string> types,
                   Strings(*contract, "type"));
  bool professionalisation = false;
  for (size_t i = 0; i < types.size(); ++i) {
    const std::string type = Lower(absl::StripAsciiWhitespace(types[i]));
    if (type == "professionnalisation") {
      professionalisation = true;
    } else if (type != "apprentissage") {
      return Invalid(Indexed("contract.type", static_cast<int>(i)),
                     "unknown value ", Quote(types[i]),
                     " (expected \"Apprentissage\" or "
                     "\"Professionnalisation\")");
    }
  }
  if (types.empty()) {
    return Invalid("contract.type",
                   "required (\"Apprentissage\", \"Professionnalisation\")");
  }
  // Both listed: the employer offers either, and only a professionalisation
  // contract can be imported (no diploma code, see below).
  if (!professionalisation) {
    std::string level;
    if (const Value* target = offer->Get("target_diploma");
        target != nullptr && target->kind_case() == Value::kStructValue) {
      level = HintText(Object(target->struct_value(), "").Get("european"));
    }
    return Invalid(
        "contract.type",
        "an apprenticeship (\"Apprentissage\") needs the diploma it prepares "
        "as a CFD or RNCP code (offer.target_diploma; Code du travail "
        "L6211-1), and La bonne alternance publishes only its "
        "level (offer.target_diploma.european",
        level.empty() ? "" : absl::StrCat(" ", Quote(level)), ")");
  }
  o.set_contract_type(v1::CONTRACT_TYPE_PROFESSIONALISATION);
  ASSIGN_OR_RETURN(const std::optional<int32_t> months,
                   contract->Int("duration"));
  if (!months.has_value() || *months <= 0) {
    return Invalid("contract.duration",
                   "required for a professionalisation contract (6 to 36 "
                   "months, Code du travail L6325-11, L6325-12)");
  }
  o.set_duration_months(*months);

  ASSIGN_OR_RETURN(const std::string start, contract->String("start"));
  absl::CivilDay start_day = today;
  if (!absl::StripAsciiWhitespace(start).empty()) {
    const std::optional<absl::CivilDay> day = ParseDay(start);
    if (!day.has_value()) {
      return Invalid("contract.start",
                     "must be a date YYYY-MM-DD or an RFC 3339 date-time, "
                     "got ",
                     Quote(start));
    }
    // A start already past is a position to fill now.
    if (*day > today) start_day = *day;
  }
  o.set_start_date(common::FormatDate(start_day));
  // La bonne alternance publishes no working hours: an alternance contract
  // is full time, the legal week (L3121-27), training time included.
  o.set_weekly_hours(kLegalWeeklyHours);

  RETURN_IF_ERROR(LaBonneAlternancePlace(r, o.mutable_place()));

  ASSIGN_OR_RETURN(const std::string description, offer->String("description"));
  o.set_description(CleanText(description, true, common::kMaxDescriptionChars));
  ASSIGN_OR_RETURN(const std::vector<std::string> desired,
                   Strings(*offer, "desired_skills"));
  for (const std::string& skill : desired) {
    AddSkill(skill, o.mutable_desired_skills());
  }
  ASSIGN_OR_RETURN(const std::optional<int32_t> positions,
                   offer->Int("opening_count"));
  o.set_positions(positions.value_or(1));

  ASSIGN_OR_RETURN(const std::optional<Object> publication,
                   offer->Child("publication"));
  if (publication.has_value()) {
    ASSIGN_OR_RETURN(const std::string expiration,
                     publication->String("expiration"));
    if (!absl::StripAsciiWhitespace(expiration).empty()) {
      const std::optional<absl::CivilDay> day = ParseDay(expiration);
      if (!day.has_value()) {
        return Invalid("offer.publication.expiration",
                       "must be a date YYYY-MM-DD or an RFC 3339 date-time, "
                       "got ",
                       Quote(expiration));
      }
      o.set_expires_on(common::FormatDate(*day));
    }
  }

  ASSIGN_OR_RETURN(const std::string status, offer->String("status"));
  const std::string s = Lower(absl::StripAsciiWhitespace(status));
  if (s == "filled" || s == "cancelled") {
    o.set_status(v1::OFFER_STATUS_CLOSED);
  } else if (s == "pending") {
    return Invalid("offer.status",
                   "\"Pending\": the offer awaits La bonne alternance's "
                   "moderation and is not published yet");
  } else if (!s.empty() && s != "active") {
    return Invalid("offer.status", "unknown value ", Quote(status),
                   " (expected \"Active\", \"Filled\" or \"Cancelled\")");
  }
  return o;
}

// ---------------------------------------------------------------------------
// Records and files.

absl::StatusOr<v1::Offer> MapValue(Format format, const Value& record,
                                   absl::CivilDay today) {
  if (record.kind_case() != Value::kStructValue) {
    return Invalid("record", "must be a JSON object, got ", KindName(record));
  }
  const Object r(record.struct_value(), "");
  switch (format) {
    case Format::kFranceTravail:
      return FranceTravailToOffer(r, today);
    case Format::kLaBonneAlternance:
      return LaBonneAlternanceToOffer(r, today);
  }
  return absl::InvalidArgumentError("format: unknown value");
}

absl::string_view WithoutByteOrderMark(absl::string_view text) {
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  return text;
}

// The keys under which a file holds its records.
std::vector<absl::string_view> ListKeys(Format format) {
  if (format == Format::kFranceTravail) return {"resultats"};
  return {"jobs", "results"};
}

}  // namespace

absl::StatusOr<Format> ParseFormat(absl::string_view name) {
  const std::string lower = Lower(absl::StripAsciiWhitespace(name));
  if (lower == kFranceTravailName) return Format::kFranceTravail;
  if (lower == kLaBonneAlternanceName) return Format::kLaBonneAlternance;
  return Invalid("--format", "unknown format ", Quote(name), " (expected ",
                 kFranceTravailName, " or ", kLaBonneAlternanceName, ")");
}

absl::string_view FormatName(Format format) {
  return format == Format::kFranceTravail ? kFranceTravailName
                                          : kLaBonneAlternanceName;
}

absl::StatusOr<v1::Offer> ToOffer(Format format, absl::string_view json_object,
                                  absl::CivilDay today) {
  Value record;
  if (absl::Status s = ParseJson(WithoutByteOrderMark(json_object), &record);
      !s.ok()) {
    return Invalid("record", "not valid JSON (", s.message(), ")");
  }
  return MapValue(format, record, today);
}

absl::Status ForEachRecord(
    Format format, absl::string_view file_content, absl::CivilDay today,
    const std::function<void(int, absl::StatusOr<v1::Offer>)>& fn) {
  const absl::string_view content = WithoutByteOrderMark(file_content);
  if (absl::StripAsciiWhitespace(content).empty()) return absl::OkStatus();

  Value root;
  const absl::Status whole = ParseJson(content, &root);
  if (whole.ok()) {
    const ListValue* records = nullptr;
    if (root.kind_case() == Value::kListValue) {
      records = &root.list_value();
    } else if (root.kind_case() == Value::kStructValue) {
      const Object file(root.struct_value(), "");
      for (absl::string_view key : ListKeys(format)) {
        const Value* list = file.Get(key);
        if (list == nullptr) continue;
        if (list->kind_case() != Value::kListValue) {
          return Invalid("file", "\"", key, "\" must be an array, got ",
                         KindName(*list));
        }
        records = &list->list_value();
        break;
      }
      if (records == nullptr) {  // one record alone
        fn(0, MapValue(format, root, today));
        return absl::OkStatus();
      }
    } else {
      return Invalid("file",
                     "expected a JSON array or object, or JSON Lines, got ",
                     KindName(root));
    }
    for (int i = 0; i < records->values_size(); ++i) {
      fn(i, MapValue(format, records->values(i), today));
    }
    return absl::OkStatus();
  }

  // JSON Lines: the file is one if its first non-blank line is JSON.
  std::vector<absl::string_view> lines;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    if (!absl::StripAsciiWhitespace(line).empty()) lines.push_back(line);
  }
  Value first;
  if (absl::Status s = ParseJson(lines.front(), &first); !s.ok()) {
    return Invalid("file", "neither JSON (", whole.message(),
                   ") nor JSON Lines (first line: ", s.message(), ")");
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    const int index = static_cast<int>(i);
    Value record;
    if (i == 0) {
      record = std::move(first);
    } else if (absl::Status s = ParseJson(lines[i], &record); !s.ok()) {
      fn(index, Invalid("record", "not valid JSON (", s.message(), ")"));
      continue;
    }
    fn(index, MapValue(format, record, today));
  }
  return absl::OkStatus();
}

}  // namespace passerelle::offers::formats
