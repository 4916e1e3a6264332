#include "services/common/validation.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/common/dates.h"
#include "services/common/text.h"
#include "services/matching/engine/working_time.h"
#include "storage/status_macros.h"

namespace passerelle::common {
namespace {

namespace v1 = ::passerelle::v1;
using ::google::protobuf::util::FieldMaskUtil;

template <typename... Args>
absl::Status Invalid(absl::string_view field, const Args&... args) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", args...));
}

std::string Path(absl::string_view prefix, absl::string_view name) {
  return absl::StrCat(prefix, ".", name);
}

std::string Indexed(absl::string_view path, int i) {
  return absl::StrCat(path, "[", i, "]");
}

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

void TrimInPlace(std::string* s) { absl::StripAsciiWhitespace(s); }

void TrimUpperInPlace(std::string* s) {
  absl::StripAsciiWhitespace(s);
  absl::AsciiStrToUpper(s);
}

// Parses a required date field.
absl::StatusOr<absl::CivilDay> RequiredDate(absl::string_view field,
                                            const std::string& value) {
  if (value.empty()) return Invalid(field, "required");
  return ParseDateField(value, field);
}

absl::Status CheckExternalId(absl::string_view field, std::string* id) {
  TrimInPlace(id);
  if (id->size() > kMaxExternalIdChars) {
    return Invalid(field, "must be at most ", kMaxExternalIdChars,
                   " characters, got ", id->size());
  }
  for (char c : *id) {
    if (c < 0x20 || c > 0x7E) {
      return Invalid(field, "must be printable ASCII, got ",
                     QuoteForError(*id));
    }
  }
  return absl::OkStatus();
}

// A list of short texts (skills): at most `max_items`, each 1..max_chars.
absl::Status CheckTextList(
    absl::string_view field,
    google::protobuf::RepeatedPtrField<std::string>* list, int max_items,
    size_t max_chars) {
  if (list->size() > max_items) {
    return Invalid(field, "at most ", max_items, " items, got ", list->size());
  }
  for (int i = 0; i < list->size(); ++i) {
    RETURN_IF_ERROR(
        NormalizeText(Indexed(field, i), list->Mutable(i), 1, max_chars));
  }
  return absl::OkStatus();
}

enum class DiplomaUse { kHeld, kTarget };

// Checks a diploma's code against the referential and fills title/level.
// For a held diploma also checks status and obtained_on.
absl::Status CheckDiploma(const Referentials& refs, absl::string_view prefix,
                          v1::Diploma* diploma, DiplomaUse use,
                          absl::CivilDay today,
                          const Diploma** found = nullptr) {
  const std::string code_field = Path(prefix, "code");
  TrimUpperInPlace(diploma->mutable_code());
  if (diploma->code().empty()) return Invalid(code_field, "required");
  const Diploma* ref = refs.FindDiploma(diploma->code());
  if (ref == nullptr) {
    return Invalid(code_field, "unknown diploma ",
                   QuoteForError(diploma->code()),
                   " (expected an 8-character CFD such as \"50025123\" or an "
                   "RNCP code such as \"RNCP557\")");
  }
  if (found != nullptr) *found = ref;
  if (diploma->title().empty()) {
    diploma->set_title(ref->title);
  } else {
    RETURN_IF_ERROR(NormalizeText(Path(prefix, "title"),
                                  diploma->mutable_title(), 1,
                                  kMaxDiplomaTitleChars));
  }
  if (diploma->level() == 0) {
    diploma->set_level(ref->level);
  } else if (diploma->level() != ref->level) {
    return Invalid(Path(prefix, "level"), "must be ", ref->level,
                   " (the level of diploma ", ref->code, "), got ",
                   diploma->level());
  }
  if (use == DiplomaUse::kTarget) return absl::OkStatus();

  const std::string status_field = Path(prefix, "status");
  if (diploma->status() == v1::DIPLOMA_STATUS_UNSPECIFIED) {
    return Invalid(status_field, "required");
  }
  if (!v1::DiplomaStatus_IsValid(diploma->status())) {
    return Invalid(status_field, "unknown value ", diploma->status());
  }
  const std::string obtained_field = Path(prefix, "obtained_on");
  if (!diploma->obtained_on().empty()) {
    ASSIGN_OR_RETURN(absl::CivilDay obtained,
                     ParseDateField(diploma->obtained_on(), obtained_field));
    if (diploma->status() == v1::DIPLOMA_STATUS_OBTAINED && obtained > today) {
      return Invalid(obtained_field,
                     "must not be in the future for an obtained diploma, got ",
                     diploma->obtained_on());
    }
  } else if (diploma->status() == v1::DIPLOMA_STATUS_OBTAINED) {
    return Invalid(obtained_field, "required when the diploma is obtained");
  }
  return absl::OkStatus();
}

absl::Status CheckPositiveEnumList(
    absl::string_view field, google::protobuf::RepeatedField<int>* values) {
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < values->size(); ++i) {
    const int value = values->Get(i);
    if (value == v1::CONTRACT_TYPE_UNSPECIFIED) {
      return Invalid(Indexed(field, i),
                     "must not be CONTRACT_TYPE_UNSPECIFIED");
    }
    if (!v1::ContractType_IsValid(value)) {
      return Invalid(Indexed(field, i), "unknown value ", value);
    }
    if (!seen.insert(value).second) {
      return Invalid(Indexed(field, i), "duplicate ",
                     v1::ContractType_Name(value));
    }
  }
  return absl::OkStatus();
}

bool IsPathSyntax(absl::string_view path) {
  if (path.empty()) return false;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (part.empty()) return false;
    for (char c : part) {
      if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
            absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_')) {
        return false;
      }
    }
  }
  return true;
}

bool IsPathAllowed(absl::string_view path,
                   absl::Span<const absl::string_view> allowed) {
  for (absl::string_view a : allowed) {
    if (path == a) return true;
    if (path.size() > a.size() && absl::StartsWith(path, a) &&
        path[a.size()] == '.') {
      return true;
    }
  }
  return false;
}

// True if the field at `path` is set in `message` (see ApplyFieldMask).
bool IsPopulated(const google::protobuf::Message& message,
                 absl::string_view path) {
  const google::protobuf::Message* current = &message;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const google::protobuf::FieldDescriptor* field =
        current->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (field == nullptr) return false;
    const google::protobuf::Reflection* reflection = current->GetReflection();
    if (field->is_repeated()) return reflection->FieldSize(*current, field) > 0;
    if (!reflection->HasField(*current, field)) return false;
    if (i + 1 < parts.size()) {
      if (field->cpp_type() !=
          google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        return false;
      }
      current = &reflection->GetMessage(*current, field);
    }
  }
  return true;
}

}  // namespace

absl::string_view ErrorField(const absl::Status& status) {
  absl::string_view message = status.message();
  const size_t colon = message.find(": ");
  if (colon == absl::string_view::npos) return "";
  absl::string_view field = message.substr(0, colon);
  if (field.empty() || field.find(' ') != absl::string_view::npos) return "";
  return field;
}

// ---------------------------------------------------------------------------
// Text.

absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t min_chars, size_t max_chars,
                       bool allow_line_breaks) {
  if (value.empty()) {
    return min_chars > 0 ? Invalid(field, "required") : absl::OkStatus();
  }
  if (!IsValidUtf8(value)) return Invalid(field, "must be valid UTF-8");
  if (HasControlCharacter(value, allow_line_breaks)) {
    return Invalid(field, "must not contain control characters");
  }
  if (const char32_t c = FindInvisibleCharacter(value); c != 0) {
    return Invalid(field,
                   "must not contain invisible or bidirectional control "
                   "characters, got ",
                   absl::StrFormat("U+%04X", static_cast<uint32_t>(c)));
  }
  const size_t chars = Utf8Length(value);
  if (chars > max_chars) {
    return Invalid(field, "must be at most ", max_chars, " characters, got ",
                   chars);
  }
  if (chars < min_chars) {
    return Invalid(field, "must be at least ", min_chars, " characters, got ",
                   chars);
  }
  return absl::OkStatus();
}

absl::Status NormalizeText(absl::string_view field, std::string* value,
                           size_t min_chars, size_t max_chars,
                           bool allow_line_breaks) {
  TrimInPlace(value);
  return CheckText(field, *value, min_chars, max_chars, allow_line_breaks);
}

// ---------------------------------------------------------------------------
// Identifiers.

bool IsValidSiret(absl::string_view siret) {
  if (siret.size() != 14 || !AllDigits(siret)) return false;
  int luhn = 0;
  int digit_sum = 0;
  for (size_t i = 0; i < 14; ++i) {
    const int d = siret[i] - '0';
    digit_sum += d;
    // From the right, every second digit is doubled: with 14 digits, those
    // at even indexes from the left.
    int v = (i % 2 == 0) ? d * 2 : d;
    if (v > 9) v -= 9;
    luhn += v;
  }
  if (luhn % 10 == 0) return true;
  // La Poste: its establishments' SIRET are numbered sequentially under
  // SIREN 356000000 and only keep a digit sum divisible by 5.
  return absl::StartsWith(siret, "356000000") && digit_sum % 5 == 0;
}

bool IsValidUai(absl::string_view uai) {
  static constexpr char kLetters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
  if (uai.size() != 8 || !AllDigits(uai.substr(0, 7))) return false;
  int number = 0;
  for (char c : uai.substr(0, 7)) number = number * 10 + (c - '0');
  return uai[7] == kLetters[number % 23];
}

bool IsRomeCodeFormat(absl::string_view code) {
  return code.size() == 5 && code[0] >= 'A' && code[0] <= 'Z' &&
         AllDigits(code.substr(1));
}

bool IsInseeCodeFormat(absl::string_view code) {
  if (code.size() != 5) return false;
  if (AllDigits(code)) return true;
  return code[0] == '2' && (code[1] == 'A' || code[1] == 'B') &&
         AllDigits(code.substr(2));
}

bool IsPlausibleEmail(absl::string_view email) {
  if (email.empty() || email.size() > kMaxEmailChars) return false;
  const size_t at = email.find('@');
  if (at == absl::string_view::npos || email.find('@', at + 1) != email.npos) {
    return false;
  }
  absl::string_view local = email.substr(0, at);
  absl::string_view domain = email.substr(at + 1);
  if (local.empty() || local.size() > 64) return false;
  if (local.front() == '.' || local.back() == '.' ||
      absl::StrContains(local, "..")) {
    return false;
  }
  for (char c : local) {
    if (c <= 0x20 || c >= 0x7F) return false;
  }
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return false;
  for (absl::string_view label : labels) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return false;
      }
    }
  }
  absl::string_view tld = labels.back();
  return tld.size() >= 2 && !AllDigits(tld);
}

bool IsPlausibleFrenchPhone(absl::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c == ' ' || c == '.' || c == '-' || c == '(' || c == ')') continue;
    digits.push_back(c);
  }
  absl::string_view s = digits;
  auto national = [](absl::string_view rest) {
    // 9 digits, the first not 0; "+33 (0)6 ..." leaves a 0 in front.
    if (rest.size() == 10 && rest[0] == '0') rest.remove_prefix(1);
    return rest.size() == 9 && AllDigits(rest) && rest[0] != '0';
  };
  if (absl::ConsumePrefix(&s, "+33") || absl::ConsumePrefix(&s, "0033")) {
    return national(s);
  }
  if (absl::ConsumePrefix(&s, "+") || absl::ConsumePrefix(&s, "00")) {
    static constexpr absl::string_view kOverseas[] = {
        "262", "269", "508", "590", "594", "596", "681", "687", "689"};
    for (absl::string_view prefix : kOverseas) {
      absl::string_view rest = s;
      if (absl::ConsumePrefix(&rest, prefix)) {
        return rest.size() >= 6 && rest.size() <= 9 && AllDigits(rest);
      }
    }
    return false;
  }
  return s.size() == 10 && s[0] == '0' && s[1] != '0' && AllDigits(s);
}

// ---------------------------------------------------------------------------
// Identifier fields.

absl::Status ValidateSiret(absl::string_view field, std::string* siret) {
  siret->erase(std::remove(siret->begin(), siret->end(), ' '), siret->end());
  if (siret->empty()) return Invalid(field, "required");
  if (siret->size() != 14 || !AllDigits(*siret)) {
    return Invalid(field, "must be 14 digits, got ", QuoteForError(*siret));
  }
  if (!IsValidSiret(*siret)) {
    return Invalid(field, "invalid SIRET checksum ", QuoteForError(*siret));
  }
  return absl::OkStatus();
}

absl::Status ValidateUai(absl::string_view field, std::string* uai) {
  TrimUpperInPlace(uai);
  if (uai->empty()) return Invalid(field, "required");
  if (uai->size() != 8 || !AllDigits(uai->substr(0, 7)) ||
      !absl::ascii_isupper(static_cast<unsigned char>((*uai)[7]))) {
    return Invalid(field, "must be 7 digits and a letter, got ",
                   QuoteForError(*uai));
  }
  if (!IsValidUai(*uai)) {
    static constexpr char kLetters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
    int number = 0;
    for (char c : uai->substr(0, 7)) number = number * 10 + (c - '0');
    return Invalid(field, "invalid UAI check letter ", QuoteForError(*uai),
                   " (expected ", std::string(1, kLetters[number % 23]), ")");
  }
  return absl::OkStatus();
}

absl::Status ValidateRomeCode(const Referentials& refs, absl::string_view field,
                              std::string* code) {
  TrimUpperInPlace(code);
  if (code->empty()) return Invalid(field, "required");
  if (!IsRomeCodeFormat(*code)) {
    return Invalid(field, "must be a ROME code (a letter and 4 digits), got ",
                   QuoteForError(*code));
  }
  if (refs.FindRome(*code) == nullptr) {
    return Invalid(field, "unknown ROME code ", QuoteForError(*code));
  }
  return absl::OkStatus();
}

absl::Status ValidateNafCode(const Referentials& refs, absl::string_view field,
                             std::string* code) {
  TrimUpperInPlace(code);
  if (code->empty()) return Invalid(field, "required");
  if (code->size() == 5 && AllDigits(code->substr(0, 4))) {
    code->insert(2, ".");  // "2562B" as SIRENE often writes the APE code
  }
  if (!refs.IsNafCode(*code)) {
    return Invalid(field, "unknown NAF code ", QuoteForError(*code),
                   " (expected a NAF rev. 2 sub-class such as \"25.62B\")");
  }
  return absl::OkStatus();
}

absl::Status ValidateInseeCode(const Referentials& refs,
                               absl::string_view field, std::string* code) {
  TrimUpperInPlace(code);
  if (code->empty()) return Invalid(field, "required");
  if (!IsInseeCodeFormat(*code)) {
    return Invalid(field, "must be an INSEE commune code (5 characters), got ",
                   QuoteForError(*code));
  }
  if (refs.FindCommune(*code) == nullptr) {
    return Invalid(field, "unknown commune ", QuoteForError(*code));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Messages.

absl::Status ResolvePlace(const Referentials& refs, v1::Place* place,
                          absl::string_view prefix) {
  const std::string insee_field = Path(prefix, "commune_insee");
  const std::string postal_field = Path(prefix, "postal_code");
  TrimInPlace(place->mutable_postal_code());
  TrimInPlace(place->mutable_commune_insee());
  if (!place->commune_insee().empty()) {
    RETURN_IF_ERROR(
        ValidateInseeCode(refs, insee_field, place->mutable_commune_insee()));
    const Commune& commune = *refs.FindCommune(place->commune_insee());
    if (place->postal_code().empty()) {
      place->set_postal_code(
          commune.postal_codes.empty() ? "" : commune.postal_codes.front());
    } else if (std::find(commune.postal_codes.begin(),
                         commune.postal_codes.end(),
                         place->postal_code()) == commune.postal_codes.end()) {
      return Invalid(
          postal_field, QuoteForError(place->postal_code()),
          " is not a postal code of ", commune.name, " (", commune.insee,
          "; its codes: ", absl::StrJoin(commune.postal_codes, ", "), ")");
    }
    place->set_commune_name(commune.name);
    place->set_latitude(commune.latitude);
    place->set_longitude(commune.longitude);
    place->set_departement_code(commune.departement);
    place->set_region_code(commune.region);
    return absl::OkStatus();
  }

  const double lat = place->latitude();
  const double lng = place->longitude();
  if (lat == 0 && lng == 0) return Invalid(insee_field, "required");
  if (!std::isfinite(lat) || lat < -90 || lat > 90) {
    return Invalid(Path(prefix, "latitude"),
                   "must be a number between -90 and 90, got ", lat);
  }
  if (!std::isfinite(lng) || lng < -180 || lng > 180) {
    return Invalid(Path(prefix, "longitude"),
                   "must be a number between -180 and 180, got ", lng);
  }
  RETURN_IF_ERROR(CheckInFrance(Path(prefix, "latitude"),
                                Path(prefix, "longitude"), lat, lng));
  if (!place->postal_code().empty() &&
      (place->postal_code().size() != 5 || !AllDigits(place->postal_code()))) {
    return Invalid(postal_field, "must be 5 digits, got ",
                   QuoteForError(place->postal_code()));
  }
  place->clear_commune_name();
  place->clear_departement_code();
  place->clear_region_code();
  return absl::OkStatus();
}

absl::Status CheckInFrance(absl::string_view latitude_field,
                           absl::string_view longitude_field, double latitude,
                           double longitude) {
  struct Box {
    double south, north, west, east;
  };
  // Each with a margin of a few km around its communes (data/communes.csv).
  static constexpr Box kFrance[] = {
      {41.3, 51.2, -5.3, 9.7},        // metropolitan France and Corsica
      {15.8, 16.55, -61.85, -60.95},  // Guadeloupe
      {14.35, 14.9, -61.25, -60.8},   // Martinique
      {2.1, 5.8, -54.65, -51.6},      // Guyane
      {-21.4, -20.85, 55.2, 55.85},   // La Réunion
      {-13.05, -12.6, 44.95, 45.35},  // Mayotte
  };
  bool latitude_fits = false;
  for (const Box& box : kFrance) {
    if (latitude >= box.south && latitude <= box.north) {
      latitude_fits = true;
      if (longitude >= box.west && longitude <= box.east) {
        return absl::OkStatus();
      }
    }
  }
  return Invalid(latitude_fits ? longitude_field : latitude_field,
                 absl::StrFormat("(%.5f, %.5f) is outside France (metropolitan "
                                 "France, Corsica and the overseas "
                                 "départements)",
                                 latitude, longitude));
}

absl::Status ValidateCompany(v1::Company* company, const Referentials& refs) {
  RETURN_IF_ERROR(ValidateSiret("company.siret", company->mutable_siret()));
  RETURN_IF_ERROR(NormalizeText("company.name", company->mutable_name(), 1,
                                kMaxOrganizationNameChars));
  TrimInPlace(company->mutable_naf_code());
  if (!company->naf_code().empty()) {
    RETURN_IF_ERROR(
        ValidateNafCode(refs, "company.naf_code", company->mutable_naf_code()));
  }
  return ResolvePlace(refs, company->mutable_place(), "company.place");
}

absl::Status ValidateSchool(v1::School* school, const Referentials& refs) {
  RETURN_IF_ERROR(ValidateUai("school.uai", school->mutable_uai()));
  RETURN_IF_ERROR(NormalizeText("school.name", school->mutable_name(), 1,
                                kMaxOrganizationNameChars));
  return ResolvePlace(refs, school->mutable_place(), "school.place");
}

absl::Status ValidatePartner(v1::Partner* partner, const Referentials& refs) {
  RETURN_IF_ERROR(NormalizeText("partner.name", partner->mutable_name(), 1,
                                kMaxOrganizationNameChars));
  TrimInPlace(partner->mutable_siret());
  if (!partner->siret().empty()) {
    RETURN_IF_ERROR(ValidateSiret("partner.siret", partner->mutable_siret()));
  }
  return ResolvePlace(refs, partner->mutable_place(), "partner.place");
}

// ---------------------------------------------------------------------------
// Young-worker law (issue #9). Kept apart from the field-format checks.

namespace {

// The last day of a contract of `months` months from `start`: the day
// before the same day `months` later, or that month's last day when the
// day does not exist (2026-01-31 + 1 month -> 2026-02-28). The engine's
// ContractLastDay (services/matching/engine/internal/records.h) is the same
// arithmetic; the engine does not depend on this library.
absl::CivilDay ContractLastDay(absl::CivilDay start, int months) {
  const absl::CivilMonth month = absl::CivilMonth(start) + months;
  const absl::CivilDay first(month);
  const int days_in_month = static_cast<int>(absl::CivilDay(month + 1) - first);
  if (start.day() > days_in_month) return first + (days_in_month - 1);
  return first + (start.day() - 2);
}

// L6211-1: an apprenticeship leads to a diploma, which must still exist on
// the contract's last day (a code closes on its referential date, 31 August
// after its last session).
absl::Status CheckTargetDiplomaOpen(const Diploma& target, absl::CivilDay start,
                                    int months) {
  if (target.closed_on.empty()) return absl::OkStatus();
  const std::optional<absl::CivilDay> closes = ParseDate(target.closed_on);
  if (!closes.has_value()) return absl::OkStatus();  // checked on load
  const absl::CivilDay last = ContractLastDay(start, months);
  if (*closes >= last) return absl::OkStatus();
  return Invalid("offer.target_diploma.code", "diploma ", target.code,
                 " closes on ", target.closed_on,
                 *closes < start ? ", before the contract starts on "
                                 : ", before the contract's last day ",
                 FormatDate(*closes < start ? start : last),
                 " (an apprenticeship leads to a diploma that exists for its "
                 "whole duration, Code du travail L6211-1)");
}

// A list of enum values: each known (`is_valid`), not 0, no duplicates.
absl::Status CheckEnumList(absl::string_view field,
                           google::protobuf::RepeatedField<int>* values,
                           bool (*is_valid)(int),
                           const std::string& (*name)(int)) {
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < values->size(); ++i) {
    const int value = values->Get(i);
    if (value == 0) return Invalid(Indexed(field, i), "must not be ", name(0));
    if (!is_valid(value)) {
      return Invalid(Indexed(field, i), "unknown value ", value);
    }
    if (!seen.insert(value).second) {
      return Invalid(Indexed(field, i), "duplicate ", name(value));
    }
  }
  return absl::OkStatus();
}

const std::string& RegulatedWorkName(int value) {
  return v1::RegulatedWork_Name(static_cast<v1::RegulatedWork>(value));
}
const std::string& WorkAuthorisationName(int value) {
  return v1::WorkAuthorisation_Name(static_cast<v1::WorkAuthorisation>(value));
}

// Regulated work ("travaux réglementés", D4153-15 to D4153-37) and the
// employer's declaration (R4153-40/-41). Normalises: stating categories
// sets regulated_work; a declaration date sets regulated_work_declared.
absl::Status CheckRegulatedWork(v1::Offer* o, absl::CivilDay today) {
  RETURN_IF_ERROR(
      CheckEnumList("offer.regulated_works", o->mutable_regulated_works(),
                    &v1::RegulatedWork_IsValid, &RegulatedWorkName));
  if (!o->regulated_works().empty()) o->set_regulated_work(true);
  TrimInPlace(o->mutable_regulated_work_declared_on());
  if (!o->regulated_work_declared_on().empty()) {
    ASSIGN_OR_RETURN(absl::CivilDay declared,
                     ParseDateField(o->regulated_work_declared_on(),
                                    "offer.regulated_work_declared_on"));
    if (declared > today) {
      return Invalid("offer.regulated_work_declared_on",
                     "must not be in the future (the day the declaration was "
                     "sent, R4153-41), got ",
                     o->regulated_work_declared_on(), " (today is ",
                     FormatDate(today), ")");
    }
    o->set_regulated_work_declared(true);
  }
  return absl::OkStatus();
}

// A date of a derogation: a valid "YYYY-MM-DD", not in the future (the day
// it was granted, or deemed granted).
absl::Status CheckGrantedOn(std::string* value, absl::string_view field,
                            absl::CivilDay today) {
  TrimInPlace(value);
  if (value->empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(absl::CivilDay on, ParseDateField(*value, field));
  if (on > today) {
    return Invalid(field,
                   "must not be in the future (the day it was granted), "
                   "got ",
                   *value, " (today is ", FormatDate(today), ")");
  }
  return absl::OkStatus();
}

// The schedule, sector and derogations the young-worker rules read
// (engine/working_time.h). Normalises each shift to "W1 MON 08:00-12:00";
// with shifts, weekly_hours becomes their weekly average and night_work
// whether any falls between 22:00 and 06:00.
absl::Status CheckWorkingTime(v1::Offer* o, absl::CivilDay today) {
  if (!v1::WorkSector_IsValid(o->work_sector())) {
    return Invalid("offer.work_sector", "unknown value ", o->work_sector());
  }
  std::vector<engine::Shift> shifts;
  auto* texts = o->mutable_schedule()->mutable_shifts();
  for (int i = 0; i < texts->size(); ++i) {
    const std::string field = absl::StrCat("offer.schedule.shifts[", i, "]");
    absl::StatusOr<engine::Shift> shift = engine::ParseShift(texts->Get(i));
    if (!shift.ok()) return Invalid(field, shift.status().message());
    *texts->Mutable(i) = engine::ShiftText(*shift);
    shifts.push_back(*shift);
  }
  if (absl::Status s = engine::ValidateShifts(shifts); !s.ok()) {
    return Invalid("offer.schedule", s.message());
  }
  if (!shifts.empty()) {
    const double hours = engine::AverageWeeklyHours(shifts);
    if (hours > kMaxWeeklyHours) {
      return Invalid("offer.schedule", "averages ", hours,
                     " hours a week; at most ", kMaxWeeklyHours);
    }
    o->set_weekly_hours(std::round(hours * 100) / 100);
    o->set_night_work(engine::HasNightWork(shifts));
  }
  v1::YoungWorkerDerogations* d = o->mutable_derogations();
  RETURN_IF_ERROR(CheckGrantedOn(d->mutable_night_work_authorised_on(),
                                 "offer.derogations.night_work_authorised_on",
                                 today));
  RETURN_IF_ERROR(CheckGrantedOn(d->mutable_bar_agrement_on(),
                                 "offer.derogations.bar_agrement_on", today));
  return absl::OkStatus();
}

absl::Status CheckWorkAuthorisations(v1::Graduate* g) {
  return CheckEnumList("graduate.work_authorisations",
                       g->mutable_work_authorisations(),
                       &v1::WorkAuthorisation_IsValid, &WorkAuthorisationName);
}

// Code de la route R221-5: the minimum age for each category
// (LicenceCategory value); B from 17 for licences from 2024-01-01 (décret
// n° 2023-1214), 18 before.
int LicenceMinAge(int category, absl::CivilDay on) {
  switch (category) {
    case v1::LICENCE_CATEGORY_AM:
      return 14;
    case v1::LICENCE_CATEGORY_A1:
      return 16;
    case v1::LICENCE_CATEGORY_B:
      return on >= absl::CivilDay(2024, 1, 1) ? 17 : 18;
    case v1::LICENCE_CATEGORY_A:
      return 20;
    default:
      return 18;
  }
}

absl::Status CheckDrivingLicences(v1::Graduate* g, absl::CivilDay birth,
                                  absl::CivilDay today) {
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < g->driving_licences_size(); ++i) {
    v1::DrivingLicence* l = g->mutable_driving_licences(i);
    const std::string prefix = Indexed("graduate.driving_licences", i);
    const int category = l->category();
    if (category == v1::LICENCE_CATEGORY_UNSPECIFIED) {
      return Invalid(Path(prefix, "category"), "required");
    }
    if (!v1::LicenceCategory_IsValid(category)) {
      return Invalid(Path(prefix, "category"), "unknown value ", category);
    }
    if (!seen.insert(category).second) {
      return Invalid(Path(prefix, "category"), "duplicate ",
                     v1::LicenceCategory_Name(l->category()));
    }
    TrimInPlace(l->mutable_obtained_on());
    const std::string on_field = Path(prefix, "obtained_on");
    ASSIGN_OR_RETURN(absl::CivilDay on,
                     RequiredDate(on_field, l->obtained_on()));
    if (!l->in_training() && on > today) {
      return Invalid(on_field,
                     "must not be in the future for a licence "
                     "obtained (set in_training for an expected date), got ",
                     l->obtained_on());
    }
    const int min_age = LicenceMinAge(category, on);
    if (AgeAt(birth, on) < min_age) {
      return Invalid(
          on_field, "a ", v1::LicenceCategory_Name(l->category()),
          " licence is possible from ", min_age, " (Code de la route R221-5",
          category == v1::LICENCE_CATEGORY_B
              ? "; 17 for B since 2024-01-01, décret n° 2023-1214"
              : "",
          "), got ", l->obtained_on(), " for a birth on ", FormatDate(birth));
    }
    if (!l->in_training()) g->set_driving_licence(true);
  }
  return absl::OkStatus();
}

// Attested facts that open the age exceptions of L6222-2 (apprenticeship)
// and L6325-1 (professionalisation from 26).
absl::Status CheckAttestations(v1::Graduate* g, absl::CivilDay today) {
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < g->attestations_size(); ++i) {
    v1::Attestation* a = g->mutable_attestations(i);
    const std::string prefix = Indexed("graduate.attestations", i);
    const int kind = a->kind();
    if (kind == v1::ATTESTATION_KIND_UNSPECIFIED) {
      return Invalid(Path(prefix, "kind"), "required");
    }
    if (!v1::AttestationKind_IsValid(kind)) {
      return Invalid(Path(prefix, "kind"), "unknown value ", kind);
    }
    if (!seen.insert(kind).second) {
      return Invalid(Path(prefix, "kind"), "duplicate ",
                     v1::AttestationKind_Name(a->kind()));
    }
    TrimInPlace(a->mutable_attested_on());
    ASSIGN_OR_RETURN(
        absl::CivilDay attested,
        RequiredDate(Path(prefix, "attested_on"), a->attested_on()));
    if (attested > today) {
      return Invalid(Path(prefix, "attested_on"),
                     "must not be in the future, got ", a->attested_on(),
                     " (today is ", FormatDate(today), ")");
    }
    const bool previous =
        kind == v1::ATTESTATION_KIND_APPRENTICESHIP_FOLLOW_ON ||
        kind == v1::ATTESTATION_KIND_APPRENTICESHIP_BROKEN;
    TrimInPlace(a->mutable_previous_contract_end());
    if (previous) {
      RETURN_IF_ERROR(RequiredDate(Path(prefix, "previous_contract_end"),
                                   a->previous_contract_end())
                          .status());
    } else if (!a->previous_contract_end().empty()) {
      return Invalid(Path(prefix, "previous_contract_end"),
                     "only for APPRENTICESHIP_FOLLOW_ON and "
                     "APPRENTICESHIP_BROKEN");
    }
    if (kind == v1::ATTESTATION_KIND_APPRENTICESHIP_FOLLOW_ON) {
      if (a->previous_level() < 3 || a->previous_level() > 8) {
        return Invalid(Path(prefix, "previous_level"),
                       "must be between 3 and 8 (the level the previous "
                       "contract led to), got ",
                       a->previous_level());
      }
    } else if (a->previous_level() != 0) {
      return Invalid(Path(prefix, "previous_level"),
                     "only for APPRENTICESHIP_FOLLOW_ON");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateGraduate(v1::Graduate* g, const Referentials& refs,
                              absl::CivilDay today) {
  if (!g->school_id().empty() && !g->partner_id().empty()) {
    return Invalid("graduate.partner_id",
                   "must be empty when graduate.school_id is set (a graduate "
                   "has one owner)");
  }
  RETURN_IF_ERROR(
      CheckExternalId("graduate.external_id", g->mutable_external_id()));
  RETURN_IF_ERROR(NormalizeText("graduate.given_name", g->mutable_given_name(),
                                1, kMaxPersonNameChars));
  RETURN_IF_ERROR(NormalizeText("graduate.family_name",
                                g->mutable_family_name(), 1,
                                kMaxPersonNameChars));

  ASSIGN_OR_RETURN(absl::CivilDay birth,
                   RequiredDate("graduate.birth_date", g->birth_date()));
  const int age = AgeAt(birth, today);
  if (age < kMinGraduateAge || age > kMaxGraduateAge) {
    return Invalid("graduate.birth_date", "age must be between ",
                   kMinGraduateAge, " and ", kMaxGraduateAge, ", got ", age,
                   " (born ", g->birth_date(), ", today is ", FormatDate(today),
                   ")");
  }

  const Diploma* diploma = nullptr;
  RETURN_IF_ERROR(CheckDiploma(refs, "graduate.diploma", g->mutable_diploma(),
                               DiplomaUse::kHeld, today, &diploma));

  auto* rome_codes = g->mutable_rome_codes();
  if (rome_codes->size() > kMaxGraduateRomeCodes) {
    return Invalid("graduate.rome_codes", "at most ", kMaxGraduateRomeCodes,
                   " trades, got ", rome_codes->size());
  }
  if (rome_codes->empty()) {
    if (diploma->rome_codes.empty()) {
      return Invalid("graduate.rome_codes", "required (diploma ", diploma->code,
                     " lists no trade)");
    }
    for (const std::string& code : diploma->rome_codes) {
      if (rome_codes->size() == kMaxGraduateRomeCodes) break;
      rome_codes->Add()->assign(code);
    }
  } else {
    absl::flat_hash_set<std::string> seen;
    for (int i = 0; i < rome_codes->size(); ++i) {
      const std::string field = Indexed("graduate.rome_codes", i);
      RETURN_IF_ERROR(ValidateRomeCode(refs, field, rome_codes->Mutable(i)));
      if (!seen.insert(rome_codes->Get(i)).second) {
        return Invalid(field, "duplicate ", QuoteForError(rome_codes->Get(i)));
      }
    }
  }

  RETURN_IF_ERROR(CheckTextList("graduate.skills", g->mutable_skills(),
                                kMaxSkills, kMaxSkillChars));
  RETURN_IF_ERROR(ResolvePlace(refs, g->mutable_home(), "graduate.home"));

  if (g->max_distance_km() == 0) {
    g->set_max_distance_km(kDefaultMaxDistanceKm);
  } else if (g->max_distance_km() < 1 ||
             g->max_distance_km() > kMaxDistanceKm) {
    return Invalid("graduate.max_distance_km", "must be between 1 and ",
                   kMaxDistanceKm, ", got ", g->max_distance_km());
  }

  if (g->accepted_contracts().empty()) {
    g->add_accepted_contracts(v1::CONTRACT_TYPE_CDI);
    g->add_accepted_contracts(v1::CONTRACT_TYPE_APPRENTICESHIP);
  } else {
    RETURN_IF_ERROR(CheckPositiveEnumList("graduate.accepted_contracts",
                                          g->mutable_accepted_contracts()));
  }

  if (g->available_from().empty()) {
    g->set_available_from(FormatDate(today));
  } else {
    RETURN_IF_ERROR(
        ParseDateField(g->available_from(), "graduate.available_from")
            .status());
  }

  if (g->status() == v1::GRADUATE_STATUS_UNSPECIFIED) {
    g->set_status(v1::GRADUATE_STATUS_SEEKING);
  } else if (!v1::GraduateStatus_IsValid(g->status())) {
    return Invalid("graduate.status", "unknown value ", g->status());
  }

  TrimInPlace(g->mutable_email());
  if (!g->email().empty() && !IsPlausibleEmail(g->email())) {
    return Invalid("graduate.email", "must be an e-mail address, got ",
                   QuoteForError(g->email()));
  }
  TrimInPlace(g->mutable_phone());
  if (!g->phone().empty() && !IsPlausibleFrenchPhone(g->phone())) {
    return Invalid("graduate.phone",
                   "must be a French phone number (e.g. 06 12 34 56 78 or "
                   "+33 6 12 34 56 78), got ",
                   QuoteForError(g->phone()));
  }
  RETURN_IF_ERROR(CheckWorkAuthorisations(g));
  RETURN_IF_ERROR(CheckAttestations(g, today));
  return CheckDrivingLicences(g, *ParseDate(g->birth_date()),  // checked above
                              today);
}

int CddMaxMonths(v1::CddMotive motive) {
  switch (motive) {
    case v1::CDD_MOTIVE_AWAITING_PERMANENT_HIRE:
    case v1::CDD_MOTIVE_URGENT_SAFETY_WORK:
      return 9;
    case v1::CDD_MOTIVE_REPLACEMENT_BEFORE_ABOLITION:
    case v1::CDD_MOTIVE_EXCEPTIONAL_EXPORT_ORDER:
      return 24;
    default:
      return 18;
  }
}

namespace {

// A monthly amount in euros: 0 (not given), or at least 1 and below the
// maximum; NaN and infinities are refused.
absl::Status CheckMonthlyEur(absl::string_view field, double eur) {
  if (!std::isfinite(eur) || eur < 0 || eur >= kMaxMonthlySalaryEur ||
      (eur > 0 && eur < 1)) {
    return Invalid(field, "must be 0 (not given) or a number >= 1 and < ",
                   kMaxMonthlySalaryEur, ", got ", eur);
  }
  return absl::OkStatus();
}

// A CDD's motive and length: L1242-2 (the cases a CDD is lawful in) and
// L1242-8-1 (its maximum total length, renewals included, by motive), or
// the maximum the branch agreement sets instead (L1242-8).
absl::Status CheckCdd(const v1::Offer& o) {
  const int motive = o.cdd_motive();
  if (motive == v1::CDD_MOTIVE_UNSPECIFIED) {
    return Invalid("offer.cdd_motive",
                   "required for a CDD (Code du travail L1242-2: replacement, "
                   "temporary increase in activity, seasonal or customary "
                   "work, ...)");
  }
  if (!v1::CddMotive_IsValid(motive)) {
    return Invalid("offer.cdd_motive", "unknown value ", motive);
  }
  const int months = o.duration_months();
  const int branch = o.cdd_branch_max_months();
  if (branch < 0 || branch > 36) {
    return Invalid("offer.cdd_branch_max_months",
                   "must be 0 (none) or between 1 and 36, got ", branch);
  }
  if (months < 1) {
    return Invalid("offer.duration_months",
                   "must be at least 1 month for a CDD, got ", months);
  }
  if (motive == v1::CDD_MOTIVE_EXCEPTIONAL_EXPORT_ORDER && months < 6) {
    return Invalid("offer.duration_months",
                   "must be at least 6 months for a CDD for an exceptional "
                   "export order (L1242-8-1), got ",
                   months);
  }
  if (branch > 0) {
    if (months > branch) {
      return Invalid("offer.duration_months", "must be at most ", branch,
                     " months, the maximum the branch agreement sets "
                     "(offer.cdd_branch_max_months, L1242-8), got ",
                     months);
    }
    return absl::OkStatus();
  }
  const int max = CddMaxMonths(static_cast<v1::CddMotive>(motive));
  if (months > max) {
    return Invalid("offer.duration_months", "must be at most ", max,
                   " months for a CDD with this motive, renewals included "
                   "(L1242-8-1; a branch agreement may set another maximum: "
                   "offer.cdd_branch_max_months), got ",
                   months);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateOffer(v1::Offer* o, const Referentials& refs,
                           absl::CivilDay today, OfferWrite write) {
  RETURN_IF_ERROR(
      CheckExternalId("offer.external_id", o->mutable_external_id()));
  RETURN_IF_ERROR(
      NormalizeText("offer.title", o->mutable_title(), 1, kMaxTitleChars));
  RETURN_IF_ERROR(NormalizeText("offer.description", o->mutable_description(),
                                0, kMaxDescriptionChars,
                                /*allow_line_breaks=*/true));
  RETURN_IF_ERROR(
      ValidateRomeCode(refs, "offer.rome_code", o->mutable_rome_code()));

  const int contract = o->contract_type();
  if (contract == v1::CONTRACT_TYPE_UNSPECIFIED) {
    return Invalid("offer.contract_type", "required");
  }
  if (!v1::ContractType_IsValid(contract)) {
    return Invalid("offer.contract_type", "unknown value ", contract);
  }

  const int months = o->duration_months();
  switch (contract) {
    case v1::CONTRACT_TYPE_CDI:
      if (months != 0) {
        return Invalid("offer.duration_months", "must be 0 for a CDI, got ",
                       months);
      }
      break;
    case v1::CONTRACT_TYPE_APPRENTICESHIP:
    case v1::CONTRACT_TYPE_PROFESSIONALISATION:
      if (months < 6 || months > 36) {
        return Invalid("offer.duration_months", "must be between 6 and 36 for ",
                       contract == v1::CONTRACT_TYPE_APPRENTICESHIP
                           ? "an apprenticeship"
                           : "a professionalisation contract",
                       ", got ", months);
      }
      break;
    case v1::CONTRACT_TYPE_CDD:
      RETURN_IF_ERROR(CheckCdd(*o));
      break;
  }
  if (contract != v1::CONTRACT_TYPE_CDD) {
    if (o->cdd_motive() != v1::CDD_MOTIVE_UNSPECIFIED) {
      return Invalid("offer.cdd_motive", "only for a CDD");
    }
    if (o->cdd_branch_max_months() != 0) {
      return Invalid("offer.cdd_branch_max_months", "only for a CDD");
    }
  }

  ASSIGN_OR_RETURN(absl::CivilDay start,
                   RequiredDate("offer.start_date", o->start_date()));
  if (write == OfferWrite::kCreate && start < today) {
    return Invalid("offer.start_date", "must not be in the past, got ",
                   o->start_date(), " (today is ", FormatDate(today), ")");
  }
  const absl::CivilDay latest = NthBirthday(today, kMaxStartYearsAhead);
  if (start > latest) {
    return Invalid("offer.start_date", "must be at most ", kMaxStartYearsAhead,
                   " years ahead (", FormatDate(latest), "), got ",
                   o->start_date());
  }

  RETURN_IF_ERROR(CheckWorkingTime(o, today));
  // NaN fails both comparisons; infinities and subnormals (5e-324) fall
  // outside the bounds.
  const double hours = o->weekly_hours();
  if (!(hours >= kMinWeeklyHours && hours <= kMaxWeeklyHours)) {
    return Invalid("offer.weekly_hours", "must be between ", kMinWeeklyHours,
                   " and ", kMaxWeeklyHours, " hours a week, got ", hours);
  }

  const int level = o->required_level();
  if (level != 0 && (level < 3 || level > 8)) {
    return Invalid("offer.required_level",
                   "must be 0 (none) or between 3 and 8, got ", level);
  }

  TrimInPlace(o->mutable_target_diploma()->mutable_code());
  if (!o->target_diploma().code().empty()) {
    const Diploma* target = nullptr;
    RETURN_IF_ERROR(CheckDiploma(refs, "offer.target_diploma",
                                 o->mutable_target_diploma(),
                                 DiplomaUse::kTarget, today, &target));
    if (contract == v1::CONTRACT_TYPE_APPRENTICESHIP) {
      RETURN_IF_ERROR(CheckTargetDiplomaOpen(*target, start, months));
    }
  } else if (contract == v1::CONTRACT_TYPE_APPRENTICESHIP) {
    return Invalid("offer.target_diploma.code",
                   "required for an apprenticeship (the diploma it prepares)");
  }

  RETURN_IF_ERROR(CheckTextList("offer.required_skills",
                                o->mutable_required_skills(), kMaxSkills,
                                kMaxSkillChars));
  RETURN_IF_ERROR(CheckTextList("offer.desired_skills",
                                o->mutable_desired_skills(), kMaxSkills,
                                kMaxSkillChars));
  RETURN_IF_ERROR(ResolvePlace(refs, o->mutable_place(), "offer.place"));

  if (o->positions() < 1 || o->positions() > kMaxPositions) {
    return Invalid("offer.positions", "must be between 1 and ", kMaxPositions,
                   ", got ", o->positions());
  }
  if (o->positions_filled() < 0) {
    return Invalid("offer.positions_filled", "must not be negative, got ",
                   o->positions_filled());
  }
  if (o->positions() < o->positions_filled()) {
    return Invalid("offer.positions", "must be at least positions_filled (",
                   o->positions_filled(), "), got ", o->positions());
  }

  RETURN_IF_ERROR(CheckMonthlyEur("offer.monthly_gross_salary_eur",
                                  o->monthly_gross_salary_eur()));
  RETURN_IF_ERROR(CheckMonthlyEur("offer.branch_minimum_monthly_gross_eur",
                                  o->branch_minimum_monthly_gross_eur()));

  if (!o->expires_on().empty()) {
    ASSIGN_OR_RETURN(absl::CivilDay expires,
                     ParseDateField(o->expires_on(), "offer.expires_on"));
    if (expires < today) {
      return Invalid("offer.expires_on", "must not be in the past, got ",
                     o->expires_on(), " (today is ", FormatDate(today), ")");
    }
  }

  if (o->status() == v1::OFFER_STATUS_UNSPECIFIED) {
    o->set_status(v1::OFFER_STATUS_OPEN);
  } else if (!v1::OfferStatus_IsValid(o->status())) {
    return Invalid("offer.status", "unknown value ", o->status());
  }
  RETURN_IF_ERROR(CheckRegulatedWork(o, today));
  const int category = o->driving_licence_category();
  if (!v1::LicenceCategory_IsValid(category)) {
    return Invalid("offer.driving_licence_category", "unknown value ",
                   category);
  }
  if (category != v1::LICENCE_CATEGORY_UNSPECIFIED) {
    o->set_driving_licence_required(true);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Paging and field masks.

absl::StatusOr<int> ValidatePageSize(int32_t page_size, int default_size,
                                     int max_size) {
  if (page_size < 0) {
    return Invalid("page_size", "must not be negative, got ", page_size);
  }
  if (page_size == 0) return std::min(default_size, max_size);
  return std::min<int>(page_size, max_size);
}

absl::Status ValidateFieldMask(
    const google::protobuf::FieldMask& mask,
    absl::Span<const absl::string_view> allowed_paths,
    absl::string_view field_name,
    const google::protobuf::Descriptor* descriptor) {
  for (const std::string& path : mask.paths()) {
    if (!IsPathSyntax(path) ||
        (descriptor != nullptr &&
         !FieldMaskUtil::GetFieldDescriptors(descriptor, path, nullptr))) {
      return Invalid(field_name, "unknown field ", QuoteForError(path));
    }
    if (!IsPathAllowed(path, allowed_paths)) {
      return Invalid(field_name, "path ", QuoteForError(path),
                     " cannot be updated (allowed: ",
                     absl::StrJoin(allowed_paths, ", "), ")");
    }
  }
  return absl::OkStatus();
}

std::vector<absl::string_view> UpdatablePaths(
    const google::protobuf::Descriptor* descriptor,
    std::initializer_list<absl::string_view> kept) {
  std::vector<absl::string_view> paths;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const std::string& name = descriptor->field(i)->name();
    if (std::find(kept.begin(), kept.end(), name) == kept.end()) {
      paths.push_back(name);
    }
  }
  return paths;
}

absl::Status ApplyFieldMask(const google::protobuf::FieldMask& mask,
                            const google::protobuf::Message& source,
                            absl::Span<const absl::string_view> allowed_paths,
                            absl::string_view field_name,
                            google::protobuf::Message* target) {
  if (source.GetDescriptor() != target->GetDescriptor()) {
    return absl::InternalError(absl::StrCat(
        "ApplyFieldMask: source is a ", source.GetDescriptor()->full_name(),
        ", target a ", target->GetDescriptor()->full_name()));
  }
  google::protobuf::FieldMask effective;
  if (mask.paths().empty()) {
    for (absl::string_view path : allowed_paths) {
      if (IsPopulated(source, path)) effective.add_paths(std::string(path));
    }
  } else {
    effective = mask;
  }
  RETURN_IF_ERROR(ValidateFieldMask(effective, allowed_paths, field_name,
                                    target->GetDescriptor()));
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(source, effective, options, target);
  return absl::OkStatus();
}

}  // namespace passerelle::common
