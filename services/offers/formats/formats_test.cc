#include "services/offers/formats/formats.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/referentials.h"
#include "services/common/text.h"
#include "services/common/validation.h"

#ifndef PASSERELLE_PARTNERS_TESTDATA
#error "PASSERELLE_PARTNERS_TESTDATA must name tests/data/partners"
#endif

namespace passerelle::offers::formats {
namespace {

using ::google::protobuf::Value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

const absl::CivilDay kToday(2026, 4, 15);

// ---------------------------------------------------------------------------
// Helpers.

std::string ReadTestFile(absl::string_view name) {
  const std::string path =
      absl::StrCat(PASSERELLE_PARTNERS_TESTDATA, "/", name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const common::Referentials& Refs() {
  static const common::Referentials* refs = [] {
    auto loaded = common::Referentials::Load(common::DefaultDataDir());
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      std::abort();
    }
    return loaded->release();
  }();
  return *refs;
}

absl::Status Validate(v1::Offer offer) {
  return common::ValidateOffer(&offer, Refs(), kToday);
}

Value ParseValue(absl::string_view json) {
  Value v;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &v);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << json;
  return v;
}

std::string ToJson(const Value& v) {
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(v, &out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

constexpr char kRemove[] = "<remove>";

// `json` with the field at each dotted path set to a JSON value, or removed
// (kRemove). Missing objects on the way are created.
std::string With(
    absl::string_view json,
    const std::vector<std::pair<std::string, std::string>>& edits) {
  Value root = ParseValue(json);
  for (const auto& [path, value] : edits) {
    const std::vector<std::string> keys = absl::StrSplit(path, '.');
    Value* at = &root;
    for (size_t i = 0; i + 1 < keys.size(); ++i) {
      at = &(*at->mutable_struct_value()->mutable_fields())[keys[i]];
    }
    auto* fields = at->mutable_struct_value()->mutable_fields();
    if (value == kRemove) {
      fields->erase(keys.back());
    } else {
      (*fields)[keys.back()] = ParseValue(value);
    }
  }
  return ToJson(root);
}

std::string Quoted(absl::string_view s) {
  Value v;
  v.set_string_value(std::string(s));
  return ToJson(v);
}

// A France Travail CDI as the API returns it, trimmed to the fields the
// tests change.
constexpr absl::string_view kFt = R"json({
  "id": "201TEST",
  "intitule": "Tourneur-fraiseur (H/F)",
  "description": "Usinage de pièces unitaires sur tour à commande numérique.",
  "dateCreation": "2026-04-08T07:42:19.000Z",
  "romeCode": "H2903",
  "typeContrat": "CDI",
  "typeContratLibelle": "Contrat à durée indéterminée",
  "natureContrat": "Contrat travail",
  "alternance": false,
  "lieuTravail": {
    "libelle": "42 - ST ETIENNE",
    "latitude": 45.43389,
    "longitude": 4.39,
    "codePostal": "42000",
    "commune": "42218"
  },
  "entreprise": {"nom": "MECAPREC FOREZ"},
  "dureeTravailLibelle": "35H Horaires normaux",
  "dureeTravailLibelleConverti": "Temps plein",
  "salaire": {"libelle": "Mensuel de 1900.00 Euros sur 12 mois"},
  "nombrePostes": 1
})json";

// A La bonne alternance job (JobOfferRead), trimmed likewise.
constexpr absl::string_view kLba = R"json({
  "identifier": {
    "id": "3b61867626bb7dbd2d1c9af0",
    "partner_label": "La bonne alternance",
    "partner_job_id": "3b61867626bb7dbd2d1c9af0"
  },
  "workplace": {
    "name": "ALSACE TUYAUTERIE INDUSTRIELLE",
    "siret": "76131860913906",
    "location": {
      "address": "14 rue de l'Industrie 68200 Mulhouse",
      "geopoint": {"type": "Point", "coordinates": [7.3096, 47.7561]}
    }
  },
  "apply": {"url": "https://labonnealternance.apprentissage.beta.gouv.fr/"},
  "contract": {
    "start": "2026-08-31T22:00:00.000Z",
    "duration": 12,
    "type": ["Apprentissage", "Professionnalisation"],
    "remote": "onsite"
  },
  "offer": {
    "title": "Soudeur / Soudeuse TIG",
    "desired_skills": ["Lecture de plans"],
    "to_be_acquired_skills": ["Souder en TIG"],
    "access_conditions": [],
    "opening_count": 1,
    "publication": {
      "creation": "2026-04-02T08:12:31.000Z",
      "expiration": "2026-06-14T22:00:00.000Z"
    },
    "rome_codes": ["H2913"],
    "description": "Soudure TIG de tuyauteries inox pour l'industrie chimique.",
    "target_diploma": {"european": "3", "label": "CAP, BEP (Infrabac)"},
    "status": "Active"
  },
  "is_delegated": false
})json";

absl::StatusOr<v1::Offer> Ft(
    const std::vector<std::pair<std::string, std::string>>& edits = {}) {
  return ToOffer(Format::kFranceTravail, With(kFt, edits), kToday);
}

absl::StatusOr<v1::Offer> Lba(
    const std::vector<std::pair<std::string, std::string>>& edits = {}) {
  return ToOffer(Format::kLaBonneAlternance, With(kLba, edits), kToday);
}

// INVALID_ARGUMENT "<field>: ..." whose message contains `text`.
void ExpectRejected(const absl::StatusOr<v1::Offer>& result,
                    absl::string_view field, absl::string_view text = "") {
  ASSERT_FALSE(result.ok()) << result->DebugString();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              StartsWith(absl::StrCat(field, ": ")));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr(text));
}

struct Outcome {
  int index;
  absl::StatusOr<v1::Offer> offer;
};

std::vector<Outcome> Records(Format format, absl::string_view content,
                             absl::Status* file_status = nullptr) {
  std::vector<Outcome> out;
  absl::Status s = ForEachRecord(format, content, kToday,
                                 [&](int i, absl::StatusOr<v1::Offer> offer) {
                                   out.push_back({i, std::move(offer)});
                                 });
  if (file_status != nullptr) {
    *file_status = s;
  } else {
    EXPECT_TRUE(s.ok()) << s;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Formats.

TEST(ParseFormatTest, KnowsBothNames) {
  EXPECT_EQ(*ParseFormat("france-travail"), Format::kFranceTravail);
  EXPECT_EQ(*ParseFormat("labonnealternance"), Format::kLaBonneAlternance);
  EXPECT_EQ(*ParseFormat(" France-Travail "), Format::kFranceTravail);
  EXPECT_EQ(FormatName(Format::kFranceTravail), "france-travail");
  EXPECT_EQ(FormatName(Format::kLaBonneAlternance), "labonnealternance");
}

TEST(ParseFormatTest, UnknownNameNamesTheFlag) {
  const absl::StatusOr<Format> f = ParseFormat("pole-emploi");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(f.status().message(),
            "--format: unknown format \"pole-emploi\" (expected "
            "france-travail or labonnealternance)");
}

// ---------------------------------------------------------------------------
// France Travail: a whole offer.

TEST(FranceTravailTest, MapsEveryFieldOfASampleCdi) {
  const std::vector<Outcome> records = Records(
      Format::kFranceTravail, ReadTestFile("france-travail-offres.json"));
  ASSERT_THAT(records, SizeIs(8));
  ASSERT_TRUE(records[0].offer.ok()) << records[0].offer.status();
  const v1::Offer& o = *records[0].offer;
  EXPECT_EQ(o.external_id(), "ft:201KXQB");
  EXPECT_EQ(o.title(),
            "Tourneur-fraiseur / Tourneuse-fraiseuse sur commande numérique "
            "(H/F)");
  EXPECT_EQ(o.rome_code(), "H2903");
  EXPECT_EQ(o.contract_type(), v1::CONTRACT_TYPE_CDI);
  EXPECT_EQ(o.duration_months(), 0);
  EXPECT_EQ(o.cdd_motive(), v1::CDD_MOTIVE_UNSPECIFIED);
  EXPECT_EQ(o.start_date(), "2026-04-15");
  EXPECT_DOUBLE_EQ(o.weekly_hours(), 39);
  EXPECT_FALSE(o.night_work());
  EXPECT_DOUBLE_EQ(o.monthly_gross_salary_eur(), 2100);  // lower bound
  EXPECT_TRUE(o.driving_licence_required());
  EXPECT_EQ(o.driving_licence_category(), v1::LICENCE_CATEGORY_B);
  EXPECT_THAT(o.required_skills(),
              ElementsAre("Régler les paramètres d'une machine-outil à "
                          "commande numérique",
                          "Lire et interpréter un plan, un schéma"));
  EXPECT_THAT(o.desired_skills(),
              ElementsAre("Contrôler la conformité d'une pièce usinée",
                          "Faire preuve de rigueur et de précision"));
  EXPECT_EQ(o.required_level(), 3);
  EXPECT_EQ(o.place().commune_insee(), "42218");
  EXPECT_EQ(o.place().postal_code(), "42000");
  EXPECT_DOUBLE_EQ(o.place().latitude(), 45.43389);
  EXPECT_DOUBLE_EQ(o.place().longitude(), 4.39);
  EXPECT_EQ(o.positions(), 2);
  EXPECT_THAT(o.description(), StartsWith("Au sein de notre atelier"));
  EXPECT_THAT(o.description(), HasSubstr(".\nVous lisez les plans"));
  EXPECT_FALSE(o.has_target_diploma());
  EXPECT_EQ(o.status(), v1::OFFER_STATUS_UNSPECIFIED);
  EXPECT_TRUE(o.company_id().empty());
  EXPECT_TRUE(o.expires_on().empty());
  EXPECT_TRUE(Validate(o).ok()) << Validate(o);
}

TEST(FranceTravailTest, ReimportingGivesTheSameOffer) {
  const absl::StatusOr<v1::Offer> a = Ft();
  const absl::StatusOr<v1::Offer> b = Ft();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->external_id(), "ft:201TEST");
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*a, *b));
}

TEST(FranceTravailTest, StartsTodayWhateverTheCreationDate) {
  EXPECT_EQ(Ft()->start_date(), "2026-04-15");
  EXPECT_EQ(Ft({{"dateCreation", R"("2027-01-01T00:00:00Z")"}})->start_date(),
            "2026-04-15");
  EXPECT_EQ(Ft({{"dateCreation", kRemove}})->start_date(), "2026-04-15");
  EXPECT_EQ(ToOffer(Format::kFranceTravail, kFt, absl::CivilDay(2026, 5, 2))
                ->start_date(),
            "2026-05-02");
}

// ---------------------------------------------------------------------------
// France Travail: rejections of the record itself.

TEST(FranceTravailTest, RequiredFieldsAreNamed) {
  ExpectRejected(Ft({{"id", kRemove}}), "id", "required");
  ExpectRejected(Ft({{"id", R"("  ")"}}), "id", "required");
  ExpectRejected(Ft({{"id", "null"}}), "id", "required");
  ExpectRejected(Ft({{"intitule", kRemove}}), "intitule", "required");
  ExpectRejected(Ft({{"intitule", R"(" \t ")"}}), "intitule", "required");
  ExpectRejected(Ft({{"romeCode", kRemove}}), "romeCode", "required");
  ExpectRejected(Ft({{"romeCode", R"("")"}}), "romeCode", "required");
}

TEST(FranceTravailTest, IdMustMakeAnExternalId) {
  ExpectRejected(Ft({{"id", "201"}}), "id", "must be a string, got a number");
  ExpectRejected(Ft({{"id", R"("201 KXQB")"}}), "id",
                 "printable ASCII characters without spaces");
  ExpectRejected(Ft({{"id", Quoted(std::string(62, 'A'))}}), "id",
                 "at most 61");
  EXPECT_EQ(Ft({{"id", Quoted(std::string(61, 'A'))}})->external_id(),
            "ft:" + std::string(61, 'A'));
  EXPECT_EQ(Ft({{"id", R"(" 201KXQB ")"}})->external_id(), "ft:201KXQB");
}

TEST(FranceTravailTest, ARecordMustBeAJsonObject) {
  ExpectRejected(ToOffer(Format::kFranceTravail, "[]", kToday), "record",
                 "must be a JSON object, got an array");
  ExpectRejected(ToOffer(Format::kFranceTravail, "42", kToday), "record",
                 "must be a JSON object, got a number");
  ExpectRejected(ToOffer(Format::kFranceTravail, "{\"id\": ", kToday), "record",
                 "not valid JSON");
  ExpectRejected(ToOffer(Format::kFranceTravail, "", kToday), "record",
                 "not valid JSON");
  ExpectRejected(ToOffer(Format::kFranceTravail, "{\"id\": \"\xff\"}", kToday),
                 "record", "not valid JSON");
}

TEST(FranceTravailTest, WrongTypesNameTheField) {
  ExpectRejected(Ft({{"permis", R"("B")"}}), "permis",
                 "must be an array, got a string");
  ExpectRejected(Ft({{"competences", "[1]"}}), "competences[0]",
                 "must be an object, got a number");
  ExpectRejected(Ft({{"competences", R"([{"libelle": 7}])"}}),
                 "competences[0].libelle", "must be a string");
  ExpectRejected(Ft({{"alternance", R"("oui")"}}), "alternance",
                 "must be true or false");
  ExpectRejected(Ft({{"lieuTravail", R"("Lyon")"}}), "lieuTravail",
                 "must be an object, got a string");
  ExpectRejected(Ft({{"lieuTravail.latitude", R"("45.4")"}}),
                 "lieuTravail.latitude", "must be a number, got \"45.4\"");
  ExpectRejected(Ft({{"typeContrat", "{}"}}), "typeContrat",
                 "must be a string, got an object");
}

TEST(FranceTravailTest, NullsCountAsAbsent) {
  const absl::StatusOr<v1::Offer> o =
      Ft({{"salaire", "null"},
          {"permis", "null"},
          {"competences", R"([null, {"libelle": null, "exigence": "E"}])"},
          {"formations", "null"},
          {"description", "null"},
          {"nombrePostes", "null"},
          {"natureContrat", "null"},
          {"lieuTravail.codePostal", "null"}});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->contract_type(), v1::CONTRACT_TYPE_CDI);
  EXPECT_EQ(o->monthly_gross_salary_eur(), 0);
  EXPECT_THAT(o->required_skills(), IsEmpty());
  EXPECT_EQ(o->positions(), 1);
  EXPECT_EQ(o->place().postal_code(), "");
  EXPECT_TRUE(Validate(*o).ok()) << Validate(*o);
}

// ---------------------------------------------------------------------------
// France Travail: contracts.

struct ContractCase {
  std::string type;    // typeContrat, "" = absent
  std::string label;   // typeContratLibelle, "" = absent
  std::string nature;  // natureContrat, "" = absent
  bool alternance;
  // Mapped:
  v1::ContractType contract;
  int months;
  v1::CddMotive motive;
  // Or rejected:
  std::string field;
  std::string reason;
};

class FranceTravailContractTest
    : public ::testing::TestWithParam<ContractCase> {};

TEST_P(FranceTravailContractTest, Maps) {
  const ContractCase& c = GetParam();
  auto value = [](const std::string& s) {
    return s.empty() ? std::string(kRemove) : Quoted(s);
  };
  const absl::StatusOr<v1::Offer> o =
      Ft({{"typeContrat", value(c.type)},
          {"typeContratLibelle", value(c.label)},
          {"natureContrat", value(c.nature)},
          {"alternance", c.alternance ? "true" : "false"}});
  if (!c.field.empty()) {
    ExpectRejected(o, c.field, c.reason);
    return;
  }
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->contract_type(), c.contract);
  EXPECT_EQ(o->duration_months(), c.months);
  EXPECT_EQ(o->cdd_motive(), c.motive);
  EXPECT_TRUE(Validate(*o).ok()) << Validate(*o);
}

constexpr auto kCdi = v1::CONTRACT_TYPE_CDI;
constexpr auto kCdd = v1::CONTRACT_TYPE_CDD;
constexpr auto kPro = v1::CONTRACT_TYPE_PROFESSIONALISATION;
constexpr auto kNone = v1::CONTRACT_TYPE_UNSPECIFIED;
constexpr auto kNoMotive = v1::CDD_MOTIVE_UNSPECIFIED;
constexpr auto kCustomary = v1::CDD_MOTIVE_CUSTOMARY;

INSTANTIATE_TEST_SUITE_P(
    Natures, FranceTravailContractTest,
    ::testing::Values(
        // CDI.
        ContractCase{"CDI", "Contrat à durée indéterminée", "Contrat travail",
                     false, kCdi, 0, kNoMotive, "", ""},
        ContractCase{"CDI", "", "", false, kCdi, 0, kNoMotive, "", ""},
        ContractCase{"cdi", "", "E1", false, kCdi, 0, kNoMotive, "", ""},
        ContractCase{"CDI", "", "CDI de chantier ou d’opération", false, kCdi,
                     0, kNoMotive, "", ""},
        ContractCase{"CDD", "CDD - 6 Mois", "CDI de chantier ou d'opération",
                     false, kNone, 0, kNoMotive, "typeContrat", "must be CDI"},
        // Professionalisation: natureContrat decides, the label gives the
        // length.
        ContractCase{"CDD", "Contrat à durée déterminée - 12 Mois",
                     "Cont. professionnalisation", true, kPro, 12, kNoMotive,
                     "", ""},
        ContractCase{"CDD", "CDD - 18 Mois", "FS", true, kPro, 18, kNoMotive,
                     "", ""},
        ContractCase{"CDD", "CDD - 24 Mois", "Contrat de professionnalisation",
                     true, kPro, 24, kNoMotive, "", ""},
        ContractCase{"CDI", "Contrat à durée indéterminée",
                     "Cont. professionnalisation", true, kNone, 0, kNoMotive,
                     "typeContratLibelle",
                     "length of a professionalisation contract is required"},
        // Apprenticeship: no diploma code in France Travail's offers.
        ContractCase{"CDD", "Contrat à durée déterminée - 24 Mois",
                     "Contrat apprentissage", true, kNone, 0, kNoMotive,
                     "natureContrat",
                     "needs the diploma it prepares as a CFD or RNCP code"},
        ContractCase{"CDD", "CDD - 24 Mois", "E2", true, kNone, 0, kNoMotive,
                     "natureContrat", "France Travail publishes none"},
        ContractCase{"CDD", "", "", true, kNone, 0, kNoMotive, "natureContrat",
                     "required when alternance is true"},
        // CDD: only the customary CDD carries its motive.
        ContractCase{"CDD", "Contrat à durée déterminée - 6 Mois",
                     "Contrat travail", false, kNone, 0, kNoMotive,
                     "typeContrat",
                     "a CDD needs its motive (Code du travail L1242-2"},
        ContractCase{"CDD", "CDD - 6 Mois", "", false, kNone, 0, kNoMotive,
                     "typeContrat", "which France Travail does not publish"},
        ContractCase{"CDD", "Contrat à durée déterminée - 2 Mois",
                     "Contrat d'usage", false, kCdd, 2, kCustomary, "", ""},
        ContractCase{"CDD", "CDD - 15 Jour(s)", "CU", false, kCdd, 1,
                     kCustomary, "", ""},
        ContractCase{"CDD", "CDD - 45 Jour(s)", "Contrat d’usage", false, kCdd,
                     2, kCustomary, "", ""},
        ContractCase{"CDD", "Contrat à durée déterminée", "Contrat d'usage",
                     false, kNone, 0, kNoMotive, "typeContratLibelle",
                     "the length of a CDD is required"},
        ContractCase{"CDI", "", "Contrat d'usage", false, kNone, 0, kNoMotive,
                     "typeContrat", "must be CDD"},
        // Contracts Passerelle does not place graduates in.
        ContractCase{"MIS", "Mission intérimaire - 3 Mois", "Contrat travail",
                     false, kNone, 0, kNoMotive, "typeContrat",
                     "\"MIS\" (Mission intérimaire) is not a contract "
                     "Passerelle places graduates in"},
        ContractCase{"SAI", "Contrat travail saisonnier - 2 Mois",
                     "Contrat travail", false, kNone, 0, kNoMotive,
                     "typeContrat", "(Contrat travail saisonnier) is not"},
        ContractCase{"LIB", "Profession libérale", "Emploi non salarié", false,
                     kNone, 0, kNoMotive, "natureContrat",
                     "\"Emploi non salarié\" is not a contract"},
        ContractCase{"LIB", "Profession libérale", "Contrat travail", false,
                     kNone, 0, kNoMotive, "typeContrat",
                     "(Profession libérale) is not"},
        ContractCase{"FRA", "Franchise", "", false, kNone, 0, kNoMotive,
                     "typeContrat", "(Franchise) is not"},
        ContractCase{"DDI", "", "Insertion par l'activ.éco.", false, kNone, 0,
                     kNoMotive, "natureContrat", "is not a contract"},
        ContractCase{"DIN", "CDI Intérimaire", "", false, kNone, 0, kNoMotive,
                     "typeContrat", "(CDI Intérimaire) is not"},
        ContractCase{"CDI", "", "CUI - CIE", false, kNone, 0, kNoMotive,
                     "natureContrat", "\"CUI - CIE\" is not a contract"},
        ContractCase{"XYZ", "", "", false, kNone, 0, kNoMotive, "typeContrat",
                     "\"XYZ\" is not a contract"},
        ContractCase{"", "", "Contrat travail", false, kNone, 0, kNoMotive,
                     "typeContrat", "required"},
        ContractCase{"CDI", "", "Contrat à la tâche", false, kNone, 0,
                     kNoMotive, "natureContrat",
                     "unknown value \"Contrat à la tâche\""}));

// ---------------------------------------------------------------------------
// France Travail: working time, pay.

TEST(FranceTravailTest, WeeklyHoursFromTheLabel) {
  const std::vector<std::pair<std::string, double>> cases = {
      {"35H Horaires normaux", 35},
      {"39H Travail en journée", 39},
      {"35H30 Horaires normaux", 35.5},
      {"37h45 Travail en équipe", 37.75},
      {"35 H  Horaires normaux", 35},
      {"24H Travail samedi et dimanche", 24},
      {"35H", 35},
      {"Temps partiel - 20H", 20},
  };
  for (const auto& [label, hours] : cases) {
    const absl::StatusOr<v1::Offer> o =
        Ft({{"dureeTravailLibelle", Quoted(label)}});
    ASSERT_TRUE(o.ok()) << label << ": " << o.status();
    EXPECT_DOUBLE_EQ(o->weekly_hours(), hours) << label;
  }
}

TEST(FranceTravailTest, WeeklyHoursFallBacks) {
  // The newer contexteTravail.horaires, then "Temps plein" as the legal week.
  EXPECT_DOUBLE_EQ(
      Ft({{"dureeTravailLibelle", kRemove},
          {"contexteTravail", R"({"horaires": ["24H Travail le samedi"]})"}})
          ->weekly_hours(),
      24);
  EXPECT_DOUBLE_EQ(Ft({{"dureeTravailLibelle", kRemove}})->weekly_hours(), 35);
  EXPECT_DOUBLE_EQ(
      Ft({{"dureeTravailLibelle", R"("Horaires normaux")"}})->weekly_hours(),
      35);
  EXPECT_DOUBLE_EQ(Ft({{"dureeTravailLibelle", R"("35H65")"}})->weekly_hours(),
                   35);
  ExpectRejected(Ft({{"dureeTravailLibelle", kRemove},
                     {"dureeTravailLibelleConverti", R"("Temps partiel")"}}),
                 "dureeTravailLibelle",
                 "required (e.g. \"35H Horaires normaux\"); "
                 "dureeTravailLibelleConverti \"Temps partiel\" does not give "
                 "them");
  ExpectRejected(Ft({{"dureeTravailLibelle", R"("Horaires variables")"},
                     {"dureeTravailLibelleConverti", kRemove}}),
                 "dureeTravailLibelle",
                 "no weekly hours in \"Horaires variables\"");
}

TEST(FranceTravailTest, TooManyHoursAreLeftToValidation) {
  const absl::StatusOr<v1::Offer> o =
      Ft({{"dureeTravailLibelle", R"("50H Travail en équipe")"}});
  ASSERT_TRUE(o.ok());
  EXPECT_DOUBLE_EQ(o->weekly_hours(), 50);
  EXPECT_THAT(std::string(Validate(*o).message()),
              StartsWith("offer.weekly_hours: "));
}

TEST(FranceTravailTest, NightWork) {
  EXPECT_FALSE(Ft()->night_work());
  EXPECT_TRUE(
      Ft({{"dureeTravailLibelle", R"("35H Travail de nuit")"}})->night_work());
  EXPECT_TRUE(
      Ft({{"conditionExercice", R"("Travail de nuit")"}})->night_work());
  EXPECT_TRUE(
      Ft({{"contexteTravail",
           R"({"conditionsExercice": ["Port de charges", "Travail de nuit"]})"}})
          ->night_work());
  EXPECT_TRUE(
      Ft({{"contexteTravail", R"({"horaires": "35H Travail de NUIT"})"}})
          ->night_work());
  // A hint field of another type is no hint, not an error.
  EXPECT_FALSE(Ft({{"conditionExercice", "12"}})->night_work());
}

TEST(FranceTravailTest, MonthlySalary) {
  struct Case {
    std::string label;
    std::string hours;  // dureeTravailLibelle
    double monthly;
  };
  const std::vector<Case> cases = {
      {"Mensuel de 1800.00 Euros sur 12 mois", "35H", 1800},
      {"Mensuel de 1800.00 Euros à 2100.00 Euros", "35H", 1800},
      {"Mensuel de 1800.0 Euros à 2200.0 Euros sur 12.0 mois", "35H", 1800},
      {"Mensuel de 1600,00 Euros à 1800,00 Euros", "35H", 1600},
      {"Mensuel de 2100.00 Euros à 2400.00 Euros sur 13 mois", "35H", 2100},
      {"Annuel de 24000.00 Euros sur 12 mois", "35H", 2000},
      {"Annuel de 21 000,00 Euros", "35H", 1750},
      {"Annuel de 21\u00A0000,00 Euros", "35H", 1750},
      {"Horaire de 11.65 Euros sur 151.67 heures", "35H", 1766.96},
      {"Horaire de 11.88 Euros sur 12 mois", "35H", 1801.8},
      {"Horaire de 12.50 Euros", "35H30", 1922.92},
      {"Horaire de 11.88 Euros", "24H", 1235.52},
      {"Horaire de 13.00 Euros à 14.50 Euros", "35H", 1971.67},
      {"  mensuel DE 1923.00 euros", "35H", 1923},
      // Not read: 0, "not given".
      {"Mensuel de 43% à 100% du SMIC", "35H", 0},
      {"Selon profil", "35H", 0},
      {"Cachet de 150.00 Euros", "35H", 0},
      {"Annuel de 11,00 Euros", "35H", 0},  // 0.92 a month: not a salary
      {"Mensuel de 250000.00 Euros", "35H", 0},
      {"Mensuel de 99999999999999999999999999999 Euros", "35H", 0},
      {"Mensuel de Euros", "35H", 0},
      {"Mensuel", "35H", 0},
      {"", "35H", 0},
  };
  for (const Case& c : cases) {
    const absl::StatusOr<v1::Offer> o =
        Ft({{"salaire", absl::StrCat(R"({"libelle": )", Quoted(c.label), "}")},
            {"dureeTravailLibelle", Quoted(c.hours)}});
    ASSERT_TRUE(o.ok()) << c.label << ": " << o.status();
    EXPECT_NEAR(o->monthly_gross_salary_eur(), c.monthly, 0.005) << c.label;
  }
  // France Travail sends an array when there is no salary; a libelle of
  // another type is no salary either.
  EXPECT_EQ(Ft({{"salaire", "[]"}})->monthly_gross_salary_eur(), 0);
  EXPECT_EQ(
      Ft({{"salaire", R"({"libelle": 1800})"}})->monthly_gross_salary_eur(), 0);
  EXPECT_EQ(Ft({{"salaire", R"("1800")"}})->monthly_gross_salary_eur(), 0);
}

// ---------------------------------------------------------------------------
// France Travail: requirements.

TEST(FranceTravailTest, DrivingLicence) {
  auto licence = [](absl::string_view permis) {
    return Ft({{"permis", std::string(permis)}});
  };
  absl::StatusOr<v1::Offer> o =
      licence(R"([{"libelle": "B - Véhicule léger", "exigence": "E"}])");
  EXPECT_TRUE(o->driving_licence_required());
  EXPECT_EQ(o->driving_licence_category(), v1::LICENCE_CATEGORY_B);

  o = licence(R"([{"libelle": "B - Véhicule léger", "exigence": "S"}])");
  EXPECT_FALSE(o->driving_licence_required());
  EXPECT_EQ(o->driving_licence_category(), v1::LICENCE_CATEGORY_UNSPECIFIED);

  o = licence(R"([{"libelle": "B - Véhicule léger", "exigence": "E"},
                  {"libelle": "C - Poids lourd", "exigence": "E"}])");
  EXPECT_EQ(o->driving_licence_category(), v1::LICENCE_CATEGORY_C);

  o = licence(R"([{"libelle": "C - Poids lourd", "exigence": "S"},
                  {"libelle": "B - Véhicule léger", "exigence": "E"}])");
  EXPECT_EQ(o->driving_licence_category(), v1::LICENCE_CATEGORY_B);

  o = licence(
      R"([{"libelle": "EB - Véhicule léger + remorque", "exigence": "E"}])");
  EXPECT_EQ(o->driving_licence_category(), v1::LICENCE_CATEGORY_BE);
  o = licence(
      R"([{"libelle": "BE - Véhicule léger + remorque", "exigence": "e"}])");
  EXPECT_EQ(o->driving_licence_category(), v1::LICENCE_CATEGORY_BE);
  o = licence(R"([{"libelle": "C1 - Camion léger", "exigence": "E"}])");
  EXPECT_EQ(o->driving_licence_category(), v1::LICENCE_CATEGORY_C1);
  o = licence(R"([{"libelle": "AM - Cyclomoteur", "exigence": "E"}])");
  EXPECT_EQ(o->driving_licence_category(), v1::LICENCE_CATEGORY_AM);

  // Required, of a category Passerelle does not know: "a licence".
  o = licence(R"([{"libelle": "D - Transport en commun", "exigence": "E"}])");
  EXPECT_TRUE(o->driving_licence_required());
  EXPECT_EQ(o->driving_licence_category(), v1::LICENCE_CATEGORY_UNSPECIFIED);
  EXPECT_TRUE(Validate(*o).ok()) << Validate(*o);

  o = licence(R"([{"libelle": "B - Véhicule léger"}])");
  EXPECT_FALSE(o->driving_licence_required());
}

TEST(FranceTravailTest, SkillsByExigence) {
  const absl::StatusOr<v1::Offer> o = Ft(
      {{"competences",
        R"([{"code": "1", "libelle": "Souder par procédé TIG", "exigence": "E"},
            {"code": "2", "libelle": "Lire un plan", "exigence": "S"},
            {"code": "3", "libelle": "Meuler"},
            {"code": "4", "libelle": "Souder par procédé TIG", "exigence": "E"},
            {"code": "5", "libelle": "  ", "exigence": "E"},
            {"code": "6", "libelle": "Régler\tle poste\r\nde soudage\u00AD", "exigence": "E"}])"},
       {"qualitesProfessionnelles",
        R"([{"libelle": "Travailler en équipe", "description": "..."}])"}});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_THAT(o->required_skills(), ElementsAre("Souder par procédé TIG",
                                                "Régler le poste de soudage"));
  EXPECT_THAT(o->desired_skills(),
              ElementsAre("Lire un plan", "Meuler", "Travailler en équipe"));
}

TEST(FranceTravailTest, SkillsAreTrimmedToValidationLimits) {
  std::string competences = "[";
  for (int i = 0; i < 60; ++i) {
    absl::StrAppend(&competences, i ? "," : "", R"({"libelle": "Compétence )",
                    i, R"(", "exigence": "E"}, {"libelle": "Savoir )", i,
                    R"("})");
  }
  absl::StrAppend(&competences, "]");
  absl::StatusOr<v1::Offer> o = Ft({{"competences", competences}});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_THAT(o->required_skills(), SizeIs(common::kMaxSkills));
  EXPECT_THAT(o->desired_skills(), SizeIs(common::kMaxSkills));
  EXPECT_EQ(o->required_skills(49), "Compétence 49");

  const std::string long_skill(150, 'x');
  o = Ft({{"competences", absl::StrCat(R"([{"libelle": ")", long_skill,
                                       R"(", "exigence": "E"}])")}});
  ASSERT_THAT(o->required_skills(), SizeIs(1));
  EXPECT_EQ(common::Utf8Length(o->required_skills(0)), common::kMaxSkillChars);
  EXPECT_EQ(o->required_skills(0), std::string(99, 'x') + "\u2026");
  EXPECT_TRUE(Validate(*o).ok()) << Validate(*o);

  const std::string accents =
      absl::StrCat(std::string(98, 'x'), "\u00E9\u00E9\u00E9");
  o = Ft({{"competences", absl::StrCat(R"([{"libelle": ")", accents,
                                       R"(", "exigence": "E"}])")}});
  EXPECT_EQ(o->required_skills(0), std::string(98, 'x') + "\u00E9\u2026");
}

TEST(FranceTravailTest, RequiredLevelFromRequiredFormations) {
  auto level = [](absl::string_view formations) {
    return Ft({{"formations", std::string(formations)}})->required_level();
  };
  EXPECT_EQ(level("[]"), 0);
  EXPECT_EQ(
      level(
          R"([{"niveauLibelle": "CAP, BEP et équivalents", "exigence": "E"}])"),
      3);
  EXPECT_EQ(
      level(
          R"([{"niveauLibelle": "CAP, BEP et équivalents", "exigence": "S"}])"),
      0);
  EXPECT_EQ(
      level(R"([{"niveauLibelle": "Bac ou équivalent", "exigence": "E"}])"), 4);
  EXPECT_EQ(
      level(R"([{"niveauLibelle": "Bac+2 ou équivalents", "exigence": "E"}])"),
      5);
  EXPECT_EQ(
      level(
          R"([{"niveauLibelle": "Bac+3, Bac+4 ou équivalents", "exigence": "E"}])"),
      6);
  EXPECT_EQ(
      level(
          R"([{"niveauLibelle": "Bac+5 et plus ou équivalents", "exigence": "E"}])"),
      7);
  EXPECT_EQ(
      level(
          R"([{"niveauLibelle": "3ème achevée ou Brevet", "exigence": "E"}])"),
      0);
  EXPECT_EQ(level(R"([{"niveauLibelle": "Bac ou équivalent", "exigence": "E"},
                      {"niveauLibelle": "CAP, BEP et équivalents", "exigence": "E"}])"),
            3);
}

// ---------------------------------------------------------------------------
// France Travail: place, positions, text.

TEST(FranceTravailTest, PlaceFromInseeCodeAndCoordinates) {
  absl::StatusOr<v1::Offer> o = Ft();
  EXPECT_EQ(o->place().commune_insee(), "42218");
  EXPECT_EQ(o->place().postal_code(), "42000");

  o = Ft(
      {{"lieuTravail.commune", kRemove}, {"lieuTravail.codePostal", kRemove}});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->place().commune_insee(), "");
  EXPECT_DOUBLE_EQ(o->place().latitude(), 45.43389);
  EXPECT_TRUE(Validate(*o).ok()) << Validate(*o);

  o = Ft({{"lieuTravail.commune", R"("2a004")"},
          {"lieuTravail.codePostal", kRemove}});
  EXPECT_EQ(o->place().commune_insee(), "2A004");
}

TEST(FranceTravailTest, PostalCodeAloneIsNotAPlace) {
  ExpectRejected(Ft({{"lieuTravail",
                      R"({"libelle": "59 - Lille", "codePostal": "59000"})"}}),
                 "lieuTravail.commune",
                 "a postal code alone cannot (one may serve several communes, "
                 "and a commune have several) (lieuTravail.libelle is \"59 - "
                 "Lille\")");
  ExpectRejected(
      Ft({{"lieuTravail", R"({"libelle": "Auvergne-Rhône-Alpes"})"}}),
      "lieuTravail.commune", "required");
  ExpectRejected(Ft({{"lieuTravail", R"({"libelle": "x", "latitude": 45.4})"}}),
                 "lieuTravail.commune", "required");
  ExpectRejected(Ft({{"lieuTravail", kRemove}}), "lieuTravail", "required");
}

TEST(FranceTravailTest, WholeCityCodesBecomeArrondissements) {
  struct Case {
    std::string commune, postal, expected;
  };
  for (const Case& c : std::vector<Case>{{"75056", "75011", "75111"},
                                         {"75056", "75016", "75116"},
                                         {"75056", "75116", "75116"},
                                         {"69123", "69003", "69383"},
                                         {"13055", "13008", "13208"},
                                         {"75056", "75021", ""},
                                         {"75056", "", ""}}) {
    const absl::StatusOr<v1::Offer> o =
        Ft({{"lieuTravail.commune", Quoted(c.commune)},
            {"lieuTravail.codePostal", Quoted(c.postal)}});
    ASSERT_TRUE(o.ok()) << o.status();
    EXPECT_EQ(o->place().commune_insee(), c.expected) << c.commune << c.postal;
  }
  const absl::StatusOr<v1::Offer> o = Ft(
      {{"lieuTravail",
        R"({"libelle": "75 - PARIS 11", "commune": "75056", "codePostal": "75011",
               "latitude": 48.8593, "longitude": 2.3794})"}});
  EXPECT_TRUE(Validate(*o).ok()) << Validate(*o);
  ExpectRejected(
      Ft({{"lieuTravail", R"({"libelle": "75 - PARIS", "commune": "75056"})"}}),
      "lieuTravail.commune", "required");
}

TEST(FranceTravailTest, Positions) {
  EXPECT_EQ(Ft({{"nombrePostes", kRemove}})->positions(), 1);
  EXPECT_EQ(Ft({{"nombrePostes", "3"}})->positions(), 3);
  ExpectRejected(Ft({{"nombrePostes", R"("3")"}}), "nombrePostes",
                 "must be a number, got \"3\"");
  ExpectRejected(Ft({{"nombrePostes", "2.5"}}), "nombrePostes",
                 "must be a whole number, got 2.5");
  ExpectRejected(Ft({{"nombrePostes", "1e300"}}), "nombrePostes",
                 "must be a whole number");
  ExpectRejected(Ft({{"nombrePostes", "-3000000000"}}), "nombrePostes",
                 "must be a whole number");
  // In range for an int, out of range for an offer: validation says so.
  const absl::StatusOr<v1::Offer> o = Ft({{"nombrePostes", "5000"}});
  EXPECT_THAT(std::string(Validate(*o).message()),
              StartsWith("offer.positions: "));
}

TEST(FranceTravailTest, TextIsCleanedAndCut) {
  const std::string description = absl::StrCat(
      "Ligne 1\r\nLigne\u00AD 2\u200B\x01\n", std::string(6000, 'a'));
  const absl::StatusOr<v1::Offer> o =
      Ft({{"description", Quoted(description)},
          {"intitule", Quoted("  Soudeur\t\t(H/F)\u202E \n")}});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->title(), "Soudeur (H/F)");
  EXPECT_THAT(o->description(), StartsWith("Ligne 1\nLigne 2\naaa"));
  EXPECT_EQ(common::Utf8Length(o->description()), common::kMaxDescriptionChars);
  EXPECT_THAT(o->description(), testing::EndsWith("a\u2026"));
  EXPECT_TRUE(Validate(*o).ok()) << Validate(*o);
}

// ---------------------------------------------------------------------------
// La bonne alternance.

TEST(LaBonneAlternanceTest, MapsEveryFieldOfASampleJob) {
  const std::vector<Outcome> records = Records(
      Format::kLaBonneAlternance, ReadTestFile("labonnealternance-jobs.json"));
  ASSERT_THAT(records, SizeIs(6));
  ASSERT_TRUE(records[0].offer.ok()) << records[0].offer.status();
  const v1::Offer& o = *records[0].offer;
  EXPECT_EQ(o.external_id(), "lba:3b61867626bb7dbd2d1c9af0");
  EXPECT_EQ(o.title(), "Soudeur / Soudeuse TIG");
  EXPECT_EQ(o.rome_code(), "H2913");
  EXPECT_EQ(o.contract_type(), v1::CONTRACT_TYPE_PROFESSIONALISATION);
  EXPECT_EQ(o.duration_months(), 12);
  EXPECT_EQ(o.start_date(), "2026-09-01");  // 2026-08-31T22:00Z in Paris
  EXPECT_DOUBLE_EQ(o.weekly_hours(), 35);
  EXPECT_DOUBLE_EQ(o.place().longitude(), 7.3096);
  EXPECT_DOUBLE_EQ(o.place().latitude(), 47.7561);
  EXPECT_EQ(o.place().commune_insee(), "");
  EXPECT_THAT(o.desired_skills(), ElementsAre("Lecture de plans de tuyauterie",
                                              "Goût du travail bien fait"));
  EXPECT_THAT(o.required_skills(), IsEmpty());
  EXPECT_EQ(o.positions(), 1);
  EXPECT_EQ(o.expires_on(), "2026-06-15");
  EXPECT_EQ(o.status(), v1::OFFER_STATUS_UNSPECIFIED);
  EXPECT_THAT(o.description(), StartsWith("Au sein de l'atelier"));
  EXPECT_FALSE(o.has_target_diploma());
  EXPECT_EQ(o.required_level(), 0);
  EXPECT_FALSE(o.driving_licence_required());
  EXPECT_EQ(o.monthly_gross_salary_eur(), 0);
  EXPECT_TRUE(Validate(o).ok()) << Validate(o);
}

TEST(LaBonneAlternanceTest, ContractTypes) {
  EXPECT_EQ(Lba()->contract_type(), v1::CONTRACT_TYPE_PROFESSIONALISATION);
  EXPECT_EQ(
      Lba({{"contract.type", R"(["professionnalisation"])"}})->contract_type(),
      v1::CONTRACT_TYPE_PROFESSIONALISATION);
  ExpectRejected(Lba({{"contract.type", R"(["Apprentissage"])"}}),
                 "contract.type",
                 "an apprenticeship (\"Apprentissage\") needs the diploma it "
                 "prepares as a CFD or RNCP code (offer.target_diploma; Code "
                 "du travail L6211-1), and La bonne alternance "
                 "publishes only its level (offer.target_diploma.european "
                 "\"3\")");
  ExpectRejected(Lba({{"contract.type", R"(["Apprentissage"])"},
                      {"offer.target_diploma", "null"}}),
                 "contract.type",
                 "publishes only its level (offer.target_diploma.european)");
  ExpectRejected(Lba({{"contract.type", "[]"}}), "contract.type", "required");
  ExpectRejected(Lba({{"contract.type", kRemove}}), "contract.type",
                 "required");
  ExpectRejected(Lba({{"contract", kRemove}}), "contract.type", "required");
  ExpectRejected(Lba({{"contract.type", R"(["CDI"])"}}), "contract.type[0]",
                 "unknown value \"CDI\"");
  ExpectRejected(Lba({{"contract.type", R"("Professionnalisation")"}}),
                 "contract.type", "must be an array");
}

TEST(LaBonneAlternanceTest, Duration) {
  EXPECT_EQ(Lba({{"contract.duration", "24"}})->duration_months(), 24);
  ExpectRejected(Lba({{"contract.duration", "null"}}), "contract.duration",
                 "required for a professionalisation contract");
  ExpectRejected(Lba({{"contract.duration", "0"}}), "contract.duration",
                 "required");
  ExpectRejected(Lba({{"contract.duration", "6.5"}}), "contract.duration",
                 "must be a whole number");
  const absl::StatusOr<v1::Offer> o = Lba({{"contract.duration", "48"}});
  ASSERT_TRUE(o.ok());
  EXPECT_THAT(std::string(Validate(*o).message()),
              StartsWith("offer.duration_months: must be between 6 and 36"));
}

TEST(LaBonneAlternanceTest, StartDate) {
  auto start = [](absl::string_view value) {
    return Lba({{"contract.start", std::string(value)}});
  };
  EXPECT_EQ(start(R"("2026-08-31T22:00:00.000Z")")->start_date(), "2026-09-01");
  EXPECT_EQ(start(R"("2026-09-01T00:00:00+02:00")")->start_date(),
            "2026-09-01");
  EXPECT_EQ(start(R"("2026-09-01")")->start_date(), "2026-09-01");
  EXPECT_EQ(start(R"("2025-09-01T00:00:00Z")")->start_date(), "2026-04-15");
  EXPECT_EQ(start("null")->start_date(), "2026-04-15");
  EXPECT_EQ(start(R"("")")->start_date(), "2026-04-15");
  ExpectRejected(start(R"("dès que possible")"), "contract.start",
                 "must be a date YYYY-MM-DD or an RFC 3339 date-time");
  ExpectRejected(start("20260901"), "contract.start", "must be a string");
}

TEST(LaBonneAlternanceTest, PlaceFromGeopoint) {
  ExpectRejected(Lba({{"workplace.location.geopoint", kRemove}}),
                 "workplace.location.geopoint",
                 "La bonne alternance gives no commune code");
  ExpectRejected(Lba({{"workplace", kRemove}}), "workplace.location.geopoint",
                 "required");
  ExpectRejected(
      Lba({{"workplace.location.geopoint.coordinates", "[7.3, 47.7, 0]"}}),
      "workplace.location.geopoint.coordinates",
      "must be [longitude, latitude] (GeoJSON), got 3 values");
  ExpectRejected(
      Lba({{"workplace.location.geopoint.coordinates", R"(["7.3", "47.7"])"}}),
      "workplace.location.geopoint.coordinates",
      "must be [longitude, latitude]");
  // Outside France: mapped as given, refused by validation.
  const absl::StatusOr<v1::Offer> o =
      Lba({{"workplace.location.geopoint.coordinates", "[-3.7038, 40.4168]"}});
  ASSERT_TRUE(o.ok());
  EXPECT_THAT(std::string(Validate(*o).message()),
              StartsWith("offer.place.latitude: "));
}

TEST(LaBonneAlternanceTest, RequiredFieldsAreNamed) {
  ExpectRejected(Lba({{"identifier", kRemove}}), "identifier.id", "required");
  ExpectRejected(Lba({{"identifier.id", "null"}}), "identifier.id", "required");
  ExpectRejected(Lba({{"identifier.id", Quoted(std::string(61, 'a'))}}),
                 "identifier.id", "at most 60");
  ExpectRejected(Lba({{"offer", kRemove}}), "offer.title", "required");
  ExpectRejected(Lba({{"offer.title", R"("")"}}), "offer.title", "required");
  ExpectRejected(Lba({{"offer.rome_codes", "[]"}}), "offer.rome_codes",
                 "required");
  ExpectRejected(Lba({{"offer.rome_codes", kRemove}}), "offer.rome_codes",
                 "required");
  ExpectRejected(Lba({{"offer.rome_codes", "[1]"}}), "offer.rome_codes[0]",
                 "must be a string");
  EXPECT_EQ(Lba({{"offer.rome_codes", R"([" h2913", "H2911"])"}})->rome_code(),
            "H2913");
}

TEST(LaBonneAlternanceTest, StatusAndExpiration) {
  EXPECT_EQ(Lba({{"offer.status", R"("Filled")"}})->status(),
            v1::OFFER_STATUS_CLOSED);
  EXPECT_EQ(Lba({{"offer.status", R"("Cancelled")"}})->status(),
            v1::OFFER_STATUS_CLOSED);
  EXPECT_EQ(Lba({{"offer.status", kRemove}})->status(),
            v1::OFFER_STATUS_UNSPECIFIED);
  ExpectRejected(Lba({{"offer.status", R"("Pending")"}}), "offer.status",
                 "not published yet");
  ExpectRejected(Lba({{"offer.status", R"("Pourvue")"}}), "offer.status",
                 "unknown value \"Pourvue\"");
  EXPECT_EQ(
      Lba({{"offer.publication.expiration", R"("2026-06-30")"}})->expires_on(),
      "2026-06-30");
  EXPECT_EQ(Lba({{"offer.publication", kRemove}})->expires_on(), "");
  ExpectRejected(Lba({{"offer.publication.expiration", R"("bientôt")"}}),
                 "offer.publication.expiration", "must be a date");
  // An expired offer maps; validation refuses it.
  const absl::StatusOr<v1::Offer> o =
      Lba({{"offer.publication.expiration", R"("2026-03-01T00:00:00Z")"}});
  EXPECT_THAT(std::string(Validate(*o).message()),
              StartsWith("offer.expires_on: must not be in the past"));
}

TEST(LaBonneAlternanceTest, SkillsAndPositions) {
  const absl::StatusOr<v1::Offer> o =
      Lba({{"offer.desired_skills", R"(["Rigueur", null, "", "Rigueur"])"},
           {"offer.opening_count", "3"}});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_THAT(o->desired_skills(), ElementsAre("Rigueur"));
  EXPECT_THAT(o->required_skills(), IsEmpty());
  EXPECT_EQ(o->positions(), 3);
  EXPECT_EQ(Lba({{"offer.opening_count", kRemove}})->positions(), 1);
  ExpectRejected(Lba({{"offer.desired_skills", R"("Rigueur")"}}),
                 "offer.desired_skills", "must be an array");
}

// ---------------------------------------------------------------------------
// Files.

TEST(ForEachRecordTest, FranceTravailSampleFile) {
  const std::vector<Outcome> r = Records(
      Format::kFranceTravail, ReadTestFile("france-travail-offres.json"));
  ASSERT_THAT(r, SizeIs(8));
  for (int i = 0; i < 8; ++i) EXPECT_EQ(r[i].index, i);

  // 1: professionalisation, hourly pay.
  ASSERT_TRUE(r[1].offer.ok()) << r[1].offer.status();
  EXPECT_EQ(r[1].offer->external_id(), "ft:201LBWD");
  EXPECT_EQ(r[1].offer->contract_type(), v1::CONTRACT_TYPE_PROFESSIONALISATION);
  EXPECT_EQ(r[1].offer->duration_months(), 12);
  EXPECT_DOUBLE_EQ(r[1].offer->monthly_gross_salary_eur(), 1801.84);
  EXPECT_FALSE(r[1].offer->driving_licence_required());  // "S"
  EXPECT_EQ(r[1].offer->place().commune_insee(), "59512");
  // 2: apprenticeship, no diploma code.
  ExpectRejected(r[2].offer, "natureContrat",
                 "\"Contrat apprentissage\": an apprenticeship needs the "
                 "diploma it prepares");
  // 3: CDD without a motive.
  ExpectRejected(r[3].offer, "typeContrat", "a CDD needs its motive");
  // 4: temporary work.
  ExpectRejected(r[4].offer, "typeContrat", "\"MIS\" (Mission intérimaire)");
  // 5: night bakery, hourly pay over 35.5 hours.
  ASSERT_TRUE(r[5].offer.ok()) << r[5].offer.status();
  EXPECT_EQ(r[5].offer->contract_type(), v1::CONTRACT_TYPE_CDI);
  EXPECT_DOUBLE_EQ(r[5].offer->weekly_hours(), 35.5);
  EXPECT_TRUE(r[5].offer->night_work());
  EXPECT_DOUBLE_EQ(r[5].offer->monthly_gross_salary_eur(), 1922.92);
  EXPECT_EQ(r[5].offer->place().commune_insee(), "75111");
  // 6: customary CDD.
  ASSERT_TRUE(r[6].offer.ok()) << r[6].offer.status();
  EXPECT_EQ(r[6].offer->contract_type(), v1::CONTRACT_TYPE_CDD);
  EXPECT_EQ(r[6].offer->cdd_motive(), v1::CDD_MOTIVE_CUSTOMARY);
  EXPECT_EQ(r[6].offer->duration_months(), 2);
  EXPECT_DOUBLE_EQ(r[6].offer->monthly_gross_salary_eur(), 1801.8);
  // 7: professionalisation of unknown length.
  ExpectRejected(r[7].offer, "typeContratLibelle",
                 "length of a professionalisation contract");

  // Every offer mapped passes Passerelle's validation as it is.
  int mapped = 0;
  for (const Outcome& o : r) {
    if (!o.offer.ok()) continue;
    ++mapped;
    EXPECT_TRUE(Validate(*o.offer).ok())
        << o.offer->external_id() << ": " << Validate(*o.offer);
  }
  EXPECT_EQ(mapped, 4);
}

TEST(ForEachRecordTest, LaBonneAlternanceSampleFile) {
  const std::vector<Outcome> r = Records(
      Format::kLaBonneAlternance, ReadTestFile("labonnealternance-jobs.json"));
  ASSERT_THAT(r, SizeIs(6));
  // 1: both contract types listed: professionalisation; no start: today.
  ASSERT_TRUE(r[1].offer.ok()) << r[1].offer.status();
  EXPECT_EQ(r[1].offer->contract_type(), v1::CONTRACT_TYPE_PROFESSIONALISATION);
  EXPECT_EQ(r[1].offer->duration_months(), 24);
  EXPECT_EQ(r[1].offer->start_date(), "2026-04-15");
  EXPECT_EQ(r[1].offer->positions(), 2);
  EXPECT_EQ(r[1].offer->rome_code(), "H2206");
  // 2: apprenticeship only.
  ExpectRejected(r[2].offer, "contract.type", "needs the diploma it prepares");
  // 3: a France Travail offer relayed by La bonne alternance keeps LBA's id.
  ASSERT_TRUE(r[3].offer.ok()) << r[3].offer.status();
  EXPECT_EQ(r[3].offer->external_id(), "lba:482c9cbc43435cc52eae05cf");
  EXPECT_EQ(r[3].offer->expires_on(), "2026-06-11");
  // 4: no duration.
  ExpectRejected(r[4].offer, "contract.duration", "required");
  // 5: filled: closed.
  ASSERT_TRUE(r[5].offer.ok()) << r[5].offer.status();
  EXPECT_EQ(r[5].offer->status(), v1::OFFER_STATUS_CLOSED);
  EXPECT_EQ(r[5].offer->start_date(), "2026-05-04");

  int mapped = 0;
  for (const Outcome& o : r) {
    if (!o.offer.ok()) continue;
    ++mapped;
    EXPECT_TRUE(Validate(*o.offer).ok())
        << o.offer->external_id() << ": " << Validate(*o.offer);
  }
  EXPECT_EQ(mapped, 4);
}

TEST(ForEachRecordTest, SameResultAsToOffer) {
  for (const auto& [format, file] : std::vector<std::pair<Format, std::string>>{
           {Format::kFranceTravail, "france-travail-offres.json"},
           {Format::kLaBonneAlternance, "labonnealternance-jobs.json"}}) {
    const Value root = ParseValue(ReadTestFile(file));
    const Value& list = root.struct_value().fields().at(
        format == Format::kFranceTravail ? "resultats" : "jobs");
    const std::vector<Outcome> r = Records(format, ReadTestFile(file));
    ASSERT_EQ(static_cast<int>(r.size()), list.list_value().values_size());
    for (size_t i = 0; i < r.size(); ++i) {
      const absl::StatusOr<v1::Offer> one =
          ToOffer(format, ToJson(list.list_value().values(i)), kToday);
      ASSERT_EQ(one.ok(), r[i].offer.ok()) << file << " " << i;
      if (one.ok()) {
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
            *one, *r[i].offer));
      } else {
        EXPECT_EQ(one.status(), r[i].offer.status());
      }
    }
  }
}

TEST(ForEachRecordTest, FileShapes) {
  const std::string ft(kFt);
  // A bare array, one record alone, a BOM.
  EXPECT_THAT(
      Records(Format::kFranceTravail, absl::StrCat("[", ft, ",", ft, "]")),
      SizeIs(2));
  std::vector<Outcome> r = Records(Format::kFranceTravail, ft);
  ASSERT_THAT(r, SizeIs(1));
  EXPECT_TRUE(r[0].offer.ok());
  r = Records(Format::kFranceTravail, absl::StrCat("\xEF\xBB\xBF", ft));
  ASSERT_THAT(r, SizeIs(1));
  EXPECT_TRUE(r[0].offer.ok());

  // La bonne alternance: "jobs" or "results".
  const std::string lba = With(kLba, {});
  EXPECT_THAT(Records(Format::kLaBonneAlternance,
                      absl::StrCat(R"({"results": [)", lba, "]}")),
              SizeIs(1));
  EXPECT_THAT(Records(Format::kLaBonneAlternance,
                      absl::StrCat(R"({"jobs": [)", lba, ",", lba,
                                   R"(], "recruiters": [], "warnings": []})")),
              SizeIs(2));
  // A France Travail wrapper read as La bonne alternance is one (bad)
  // record.
  r = Records(Format::kLaBonneAlternance,
              absl::StrCat(R"({"resultats": [)", ft, "]}"));
  ASSERT_THAT(r, SizeIs(1));
  ExpectRejected(r[0].offer, "identifier.id", "required");

  // Elements that are not objects are record errors.
  r = Records(Format::kFranceTravail,
              absl::StrCat(R"({"resultats": [)", ft, R"(, 3, null, "x"]})"));
  ASSERT_THAT(r, SizeIs(4));
  EXPECT_TRUE(r[0].offer.ok());
  ExpectRejected(r[1].offer, "record", "must be a JSON object, got a number");
  ExpectRejected(r[2].offer, "record", "must be a JSON object, got null");
  ExpectRejected(r[3].offer, "record", "must be a JSON object, got a string");

  // Empty: no record, no error (France Travail answers 204 when nothing
  // matches).
  EXPECT_THAT(Records(Format::kFranceTravail, ""), IsEmpty());
  EXPECT_THAT(Records(Format::kFranceTravail, " \n\t\n"), IsEmpty());
  EXPECT_THAT(Records(Format::kFranceTravail, R"({"resultats": []})"),
              IsEmpty());
}

TEST(ForEachRecordTest, JsonLines) {
  const std::string ft = With(kFt, {});  // one line
  const std::string bad = With(kFt, {{"id", kRemove}});
  const std::vector<Outcome> r =
      Records(Format::kFranceTravail,
              absl::StrCat(ft, "\n\n", bad, "\r\n", "{\"id\": \n", "[]\n",
                           With(kFt, {{"id", R"("201OTHER")"}}), "\n"));
  ASSERT_THAT(r, SizeIs(5));
  EXPECT_EQ(r[0].offer->external_id(), "ft:201TEST");
  ExpectRejected(r[1].offer, "id", "required");
  EXPECT_EQ(r[2].index, 2);
  ExpectRejected(r[2].offer, "record", "not valid JSON");
  ExpectRejected(r[3].offer, "record", "must be a JSON object, got an array");
  EXPECT_EQ(r[4].index, 4);
  EXPECT_EQ(r[4].offer->external_id(), "ft:201OTHER");
}

TEST(ForEachRecordTest, UnreadableFilesAreOneError) {
  for (absl::string_view content :
       {absl::string_view("42"), absl::string_view("\"offres\""),
        absl::string_view("true"), absl::string_view("not json at all"),
        absl::string_view("[{\"id\": 1},"),
        absl::string_view("{\n\"id\": \"x\",\n"),
        absl::string_view(R"({"resultats": {"id": "x"}})"),
        absl::string_view(R"({"resultats": "none"})")}) {
    absl::Status status;
    const std::vector<Outcome> r =
        Records(Format::kFranceTravail, content, &status);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << content;
    EXPECT_THAT(std::string(status.message()), StartsWith("file: ")) << content;
    EXPECT_THAT(r, IsEmpty()) << content;
  }
  absl::Status status;
  Records(Format::kLaBonneAlternance, R"({"jobs": 3})", &status);
  EXPECT_EQ(status.message(), "file: \"jobs\" must be an array, got a number");
}

// ---------------------------------------------------------------------------
// Robustness: nothing crashes, whatever the input. Each result is OK or
// INVALID_ARGUMENT, and an offer mapped goes through validation.

void CheckNoCrash(Format format, absl::string_view content) {
  const absl::Status file = ForEachRecord(
      format, content, kToday, [&](int, absl::StatusOr<v1::Offer> offer) {
        if (offer.ok()) {
          (void)Validate(*offer);
        } else {
          EXPECT_EQ(offer.status().code(), absl::StatusCode::kInvalidArgument);
        }
      });
  if (!file.ok()) {
    EXPECT_EQ(file.code(), absl::StatusCode::kInvalidArgument);
  }
  const absl::StatusOr<v1::Offer> one = ToOffer(format, content, kToday);
  if (!one.ok()) {
    EXPECT_EQ(one.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

struct Sample {
  Format format;
  std::string content;
};

std::vector<Sample> Samples() {
  return {
      {Format::kFranceTravail, ReadTestFile("france-travail-offres.json")},
      {Format::kLaBonneAlternance, ReadTestFile("labonnealternance-jobs.json")},
      {Format::kFranceTravail, std::string(kFt)},
      {Format::kLaBonneAlternance, std::string(kLba)}};
}

TEST(RobustnessTest, TruncatedFiles) {
  for (const Sample& s : Samples()) {
    const size_t step = std::max<size_t>(1, s.content.size() / 1500);
    for (size_t n = 0; n <= s.content.size(); n += step) {
      CheckNoCrash(s.format, absl::string_view(s.content).substr(0, n));
    }
  }
}

TEST(RobustnessTest, MutatedFiles) {
  std::mt19937 rng(20260415);
  const std::vector<std::string> inserts = {
      "\"",       "{",
      "}",        "[",
      "]",        ",",
      ":",        "\\",
      "0",        "-",
      "e",        "\n",
      "\xFF",     "\xC3",
      "null",     "true",
      "1e308",    "-1e308",
      "1e-320",   "\\u0000",
      "\\ud800",  "99999999999999999999999",
      "[[[[[[[[", "{\"a\":{\"b\":"};
  for (const Sample& s : Samples()) {
    for (int iteration = 0; iteration < 600; ++iteration) {
      std::string m = s.content;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !m.empty(); ++e) {
        const size_t at = rng() % m.size();
        switch (rng() % 4) {
          case 0:
            m[at] = static_cast<char>(rng() % 256);
            break;
          case 1:
            m.insert(at, inserts[rng() % inserts.size()]);
            break;
          case 2:
            m.erase(at, 1 + rng() % 40);
            break;
          case 3: {
            const size_t from = rng() % m.size();
            m.insert(at, m.substr(from, 1 + rng() % 80));
            break;
          }
        }
      }
      CheckNoCrash(s.format, m);
    }
  }
}

// Every field of the sample records, replaced by values of every type.
void ReplaceEverywhere(Format format, const Value& record, Value* at,
                       int depth) {
  static const std::vector<std::string> kValues = {"null",
                                                   "true",
                                                   "0",
                                                   "-1",
                                                   "2.5",
                                                   "1e308",
                                                   "-1e308",
                                                   "4294967296",
                                                   R"("")",
                                                   R"(" ")",
                                                   R"("E")",
                                                   R"("CDD")",
                                                   R"("Contrat apprentissage")",
                                                   R"("35H99")",
                                                   R"("Horaire de 1e9 Euros")",
                                                   R"("\u0000\u202E")",
                                                   "[]",
                                                   "[null]",
                                                   "[1, \"a\"]",
                                                   "{}",
                                                   R"({"libelle": []})"};
  if (depth > 6) return;
  if (at->kind_case() == Value::kStructValue) {
    for (auto& [key, child] : *at->mutable_struct_value()->mutable_fields()) {
      const Value saved = child;
      for (const std::string& v : kValues) {
        child = ParseValue(v);
        CheckNoCrash(format, ToJson(record));
      }
      child = saved;
      ReplaceEverywhere(format, record, &child, depth + 1);
    }
  } else if (at->kind_case() == Value::kListValue) {
    for (Value& child : *at->mutable_list_value()->mutable_values()) {
      const Value saved = child;
      for (const std::string& v : kValues) {
        child = ParseValue(v);
        CheckNoCrash(format, ToJson(record));
      }
      child = saved;
      ReplaceEverywhere(format, record, &child, depth + 1);
    }
  }
}

TEST(RobustnessTest, EveryFieldOfEveryType) {
  for (const auto& [format, json] :
       std::vector<std::pair<Format, absl::string_view>>{
           {Format::kFranceTravail, kFt}, {Format::kLaBonneAlternance, kLba}}) {
    Value record = ParseValue(json);
    ReplaceEverywhere(format, record, &record, 0);
  }
  // The richest sample record too.
  Value root = ParseValue(ReadTestFile("france-travail-offres.json"));
  Value record =
      root.struct_value().fields().at("resultats").list_value().values(0);
  ReplaceEverywhere(Format::kFranceTravail, record, &record, 0);
}

TEST(RobustnessTest, PathologicalInputs) {
  for (Format format : {Format::kFranceTravail, Format::kLaBonneAlternance}) {
    CheckNoCrash(format, std::string(100000, '['));
    CheckNoCrash(format, std::string(100000, '{'));
    CheckNoCrash(format,
                 absl::StrCat(std::string(40, '['), std::string(40, ']')));
    CheckNoCrash(format, std::string(1000, '\n'));
    CheckNoCrash(format, std::string("\0\0\0", 3));
    CheckNoCrash(format, "\xC0\x80");
    CheckNoCrash(format, "{\"id\": \"\xED\xA0\x80\"}");
    CheckNoCrash(format, "{\"id\": \"\\uDFFF\"}");
    CheckNoCrash(format, "{\"id\": 1, \"id\": 2}");
  }
  // A huge description, a huge list of skills, huge numbers.
  const absl::StatusOr<v1::Offer> big =
      Ft({{"description", Quoted(std::string(2 << 20, 'a'))},
          {"nombrePostes", "2147483647"}});
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(common::Utf8Length(big->description()),
            common::kMaxDescriptionChars);
  std::string many = "[";
  for (int i = 0; i < 20000; ++i) {
    absl::StrAppend(&many, i ? "," : "", R"({"libelle": "c)", i % 97,
                    R"(", "exigence": "E"})");
  }
  absl::StrAppend(&many, "]");
  const absl::StatusOr<v1::Offer> skills = Ft({{"competences", many}});
  ASSERT_TRUE(skills.ok()) << skills.status();
  EXPECT_THAT(skills->required_skills(), SizeIs(common::kMaxSkills));
  // Control and invalid characters in every text field are cleaned.
  std::string description = "_a\u0085b\uFEFFc";
  description[0] = '\0';
  const absl::StatusOr<v1::Offer> dirty =
      Ft({{"intitule", Quoted("Soudeur\u0007\u00AD (H/F)\u200B")},
          {"description", Quoted(description)}});
  ASSERT_TRUE(dirty.ok());
  EXPECT_EQ(dirty->title(), "Soudeur (H/F)");
  EXPECT_EQ(dirty->description(), "abc");
}

}  // namespace
}  // namespace passerelle::offers::formats
