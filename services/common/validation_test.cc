#include "services/common/validation.h"

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::common {
namespace {

namespace v1 = ::passerelle::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::CivilDay kToday(2026, 6, 15);

std::string Repeat(absl::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) absl::StrAppend(&out, s);
  return out;
}

class ValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto refs = Referentials::Load(DefaultDataDir());
    ASSERT_TRUE(refs.ok()) << refs.status();
    refs_ = refs->release();
  }
  static void TearDownTestSuite() {
    delete refs_;
    refs_ = nullptr;
  }

  // Asserts that `status` is INVALID_ARGUMENT naming exactly `field`.
  static void ExpectFieldError(const absl::Status& status,
                               absl::string_view field,
                               absl::string_view label) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << label << ": " << status;
    EXPECT_THAT(std::string(status.message()),
                StartsWith(absl::StrCat(field, ": ")))
        << label;
    EXPECT_EQ(ErrorField(status), field) << label;
  }

  static const Referentials* refs_;
};

const Referentials* ValidationTest::refs_ = nullptr;

// ---------------------------------------------------------------------------
// Identifiers.

TEST(SiretTest, Luhn) {
  EXPECT_TRUE(IsValidSiret("73282932000074"));
  EXPECT_TRUE(IsValidSiret("44306184100047"));
  EXPECT_FALSE(IsValidSiret("73282932000075"));  // bad checksum
  EXPECT_FALSE(IsValidSiret("73282932000047"));  // swapped digits
  EXPECT_FALSE(IsValidSiret("7328293200007"));   // 13 digits
  EXPECT_FALSE(IsValidSiret("732829320000740"));
  EXPECT_FALSE(IsValidSiret(""));
  EXPECT_FALSE(IsValidSiret("7328293200007A"));
  EXPECT_FALSE(IsValidSiret("732 829 320 00074"));  // predicate: no spaces
}

TEST(SiretTest, LaPoste) {
  EXPECT_TRUE(IsValidSiret("35600000000048"));  // head office: Luhn
  EXPECT_TRUE(IsValidSiret("35600000049837"));  // digit sum 45
  EXPECT_TRUE(IsValidSiret("35600000010000"));  // digit sum 15
  EXPECT_FALSE(IsValidSiret("35600000000049"));
  EXPECT_FALSE(IsValidSiret("35600000010001"));
  // The exception is La Poste's only: same digit sum, another SIREN.
  EXPECT_FALSE(IsValidSiret("35600000110000"));
}

TEST(UaiTest, CheckLetter) {
  EXPECT_TRUE(IsValidUai("0750654D"));  // lycée Louis-le-Grand
  EXPECT_TRUE(IsValidUai("0750699C"));  // lycée Henri-IV
  EXPECT_TRUE(IsValidUai("0596781A"));  // 596781 = 23 * 25947
  EXPECT_FALSE(IsValidUai("0596781K"));
  EXPECT_FALSE(IsValidUai("0750654E"));
  EXPECT_FALSE(IsValidUai("0750654d"));  // predicate: upper case only
  EXPECT_FALSE(IsValidUai("075065D"));
  EXPECT_FALSE(IsValidUai("07506540"));
  EXPECT_FALSE(IsValidUai(""));
  // Every 7-digit prefix has exactly one valid letter, never I, O or Q.
  int valid = 0;
  for (char c = 'A'; c <= 'Z'; ++c) {
    valid += IsValidUai(absl::StrCat("0000017", std::string(1, c)));
  }
  EXPECT_EQ(valid, 1);
  EXPECT_TRUE(IsValidUai("0000017U"));  // 17 % 23 = 17 -> 'U'
}

TEST(FormatTest, RomeAndInsee) {
  EXPECT_TRUE(IsRomeCodeFormat("H2903"));
  EXPECT_FALSE(IsRomeCodeFormat("h2903"));
  EXPECT_FALSE(IsRomeCodeFormat("H290"));
  EXPECT_FALSE(IsRomeCodeFormat("HH903"));
  EXPECT_TRUE(IsInseeCodeFormat("59350"));
  EXPECT_TRUE(IsInseeCodeFormat("2A004"));
  EXPECT_TRUE(IsInseeCodeFormat("2B033"));
  EXPECT_FALSE(IsInseeCodeFormat("2C004"));
  EXPECT_FALSE(IsInseeCodeFormat("5935"));
  EXPECT_FALSE(IsInseeCodeFormat("593500"));
}

TEST(ContactTest, Email) {
  for (const char* good :
       {"lea.martin@example.fr", "a+b@sub.example.com", "x@xn--bcher-kva.fr"}) {
    EXPECT_TRUE(IsPlausibleEmail(good)) << good;
  }
  for (const char* bad :
       {"", "lea", "lea@", "@example.fr", "lea@example", "lea@@example.fr",
        "l ea@example.fr", "lea@exa mple.fr", "lea@-example.fr",
        "lea@example.f", "lea.@example.fr", "le..a@example.fr",
        "léa@example.fr", "lea@example..fr", "lea@1.2"}) {
    EXPECT_FALSE(IsPlausibleEmail(bad)) << bad;
  }
}

TEST(ContactTest, FrenchPhone) {
  for (const char* good :
       {"0612345678", "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78",
        "+33 6 12 34 56 78", "+33612345678", "+33 (0)6 12 34 56 78",
        "0033612345678", "01 23 45 67 89", "+262 692 12 34 56",
        "+687 12 34 56"}) {
    EXPECT_TRUE(IsPlausibleFrenchPhone(good)) << good;
  }
  for (const char* bad :
       {"", "123", "0012345678", "061234567", "06123456789", "+33 0 12",
        "+44 20 7946 0958", "+1 555 123 4567", "06 12 34 56 7a",
        "+33 06 12 34 56 78 9", "+2626921234567"}) {
    EXPECT_FALSE(IsPlausibleFrenchPhone(bad)) << bad;
  }
}

TEST(TextTest, CheckTextMessages) {
  EXPECT_TRUE(CheckText("f", "Léa", 1, 3).ok());
  EXPECT_TRUE(CheckText("f", "", 0, 3).ok());
  EXPECT_EQ(CheckText("f", "", 1, 3).message(), "f: required");
  EXPECT_EQ(CheckText("f", "Léaa", 1, 3).message(),
            "f: must be at most 3 characters, got 4");
  EXPECT_EQ(CheckText("f", "ab", 3, 10).message(),
            "f: must be at least 3 characters, got 2");
  EXPECT_EQ(CheckText("f", "L\xE9", 1, 3).message(), "f: must be valid UTF-8");
  EXPECT_EQ(CheckText("f", "a\nb", 1, 3).message(),
            "f: must not contain control characters");
  EXPECT_TRUE(CheckText("f", "a\nb", 1, 3, /*allow_line_breaks=*/true).ok());
  EXPECT_EQ(CheckText("f", "Dupont\u202E", 1, 10).message(),
            "f: must not contain invisible or bidirectional control "
            "characters, got U+202E");
  EXPECT_EQ(CheckText("f", "a\u2028b", 1, 10, true).message(),
            "f: must not contain invisible or bidirectional control "
            "characters, got U+2028");
  std::string value = "  Léa \t";
  EXPECT_TRUE(NormalizeText("f", &value, 1, 3).ok());
  EXPECT_EQ(value, "Léa");
}

TEST(ErrorFieldTest, ExtractsThePath) {
  EXPECT_EQ(ErrorField(absl::InvalidArgumentError("graduate.rome_codes[2]: x")),
            "graduate.rome_codes[2]");
  EXPECT_EQ(ErrorField(absl::InvalidArgumentError("no field here")), "");
  EXPECT_EQ(ErrorField(absl::InvalidArgumentError("two words: x")), "");
  EXPECT_EQ(ErrorField(absl::OkStatus()), "");
}

TEST_F(ValidationTest, IdentifierFieldsNormalise) {
  std::string siret = " 732 829 320 00074 ";
  EXPECT_TRUE(ValidateSiret("f", &siret).ok());
  EXPECT_EQ(siret, "73282932000074");
  std::string uai = " 0750654d ";
  EXPECT_TRUE(ValidateUai("f", &uai).ok());
  EXPECT_EQ(uai, "0750654D");
  std::string bad_uai = "0596781K";
  EXPECT_EQ(ValidateUai("school.uai", &bad_uai).message(),
            "school.uai: invalid UAI check letter \"0596781K\" (expected A)");
  std::string rome = " h2903";
  EXPECT_TRUE(ValidateRomeCode(*refs_, "f", &rome).ok());
  EXPECT_EQ(rome, "H2903");
  std::string naf = "2562b";
  EXPECT_TRUE(ValidateNafCode(*refs_, "f", &naf).ok());
  EXPECT_EQ(naf, "25.62B");
  std::string insee = "2a004";
  EXPECT_TRUE(ValidateInseeCode(*refs_, "f", &insee).ok());
  EXPECT_EQ(insee, "2A004");
}

// ---------------------------------------------------------------------------
// Places.

TEST_F(ValidationTest, ResolvePlaceFromCommune) {
  v1::Place place;
  place.set_commune_insee("59350");
  ASSERT_TRUE(ResolvePlace(*refs_, &place, "x.place").ok());
  EXPECT_EQ(place.commune_name(), "Lille");
  EXPECT_EQ(place.postal_code(), "59000");
  EXPECT_NEAR(place.latitude(), 50.63, 0.02);
  EXPECT_NEAR(place.longitude(), 3.06, 0.02);
  EXPECT_EQ(place.departement_code(), "59");
  EXPECT_EQ(place.region_code(), "32");

  v1::Place other;
  other.set_commune_insee("59350");
  other.set_postal_code("59800");
  other.set_commune_name("Somewhere else");  // server-filled: overwritten
  other.set_latitude(1);
  ASSERT_TRUE(ResolvePlace(*refs_, &other, "x.place").ok());
  EXPECT_EQ(other.postal_code(), "59800");
  EXPECT_EQ(other.commune_name(), "Lille");
  EXPECT_NEAR(other.latitude(), 50.63, 0.02);
}

TEST_F(ValidationTest, ResolvePlaceFromCoordinates) {
  v1::Place place;
  place.set_latitude(45.75);
  place.set_longitude(4.85);
  place.set_departement_code("99");
  ASSERT_TRUE(ResolvePlace(*refs_, &place, "x.place").ok());
  EXPECT_EQ(place.latitude(), 45.75);
  EXPECT_EQ(place.longitude(), 4.85);
  EXPECT_EQ(place.departement_code(), "");
}

TEST_F(ValidationTest, EveryCommuneAndOverseasDepartementIsInFrance) {
  // Fort-de-France, Cayenne, Saint-Denis (La Réunion), Mamoudzou,
  // Pointe-à-Pitre, Bastia, Brest (Ouessant's longitude), Dunkerque.
  const std::pair<double, double> places[] = {
      {14.6161, -61.0588}, {4.9372, -52.326},  {-20.8823, 55.4504},
      {-12.7806, 45.2279}, {16.2411, -61.533}, {42.7003, 9.4509},
      {48.4566, -5.0957},  {51.0343, 2.3768}};
  for (const auto& [lat, lng] : places) {
    EXPECT_TRUE(CheckInFrance("lat", "lng", lat, lng).ok()) << lat << lng;
    v1::Place place;
    place.set_latitude(lat);
    place.set_longitude(lng);
    EXPECT_TRUE(ResolvePlace(*refs_, &place, "p").ok()) << lat << lng;
  }
  for (const char* insee :
       {"59350", "2A004", "97209", "97302", "97411", "97611", "29155"}) {
    v1::Place place;
    place.set_commune_insee(insee);
    ASSERT_TRUE(ResolvePlace(*refs_, &place, "p").ok()) << insee;
    EXPECT_TRUE(
        CheckInFrance("lat", "lng", place.latitude(), place.longitude()).ok())
        << insee;
  }
}

TEST_F(ValidationTest, ResolvePlaceErrors) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    const char* label;
    std::function<void(v1::Place*)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"empty", [](v1::Place*) {}, "p.commune_insee"},
      {"unknown", [](v1::Place* p) { p->set_commune_insee("99999"); },
       "p.commune_insee"},
      {"bad format", [](v1::Place* p) { p->set_commune_insee("5935"); },
       "p.commune_insee"},
      {"foreign postal code",
       [](v1::Place* p) {
         p->set_commune_insee("59350");
         p->set_postal_code("75001");
       },
       "p.postal_code"},
      {"latitude",
       [](v1::Place* p) {
         p->set_latitude(95);
         p->set_longitude(1);
       },
       "p.latitude"},
      {"latitude nan",
       [nan](v1::Place* p) {
         p->set_latitude(nan);
         p->set_longitude(1);
       },
       "p.latitude"},
      {"longitude inf",
       [inf](v1::Place* p) {
         p->set_latitude(45);
         p->set_longitude(inf);
       },
       "p.longitude"},
      {"longitude",
       [](v1::Place* p) {
         p->set_latitude(45);
         p->set_longitude(-181);
       },
       "p.longitude"},
      {"London",
       [](v1::Place* p) {
         p->set_latitude(51.5072);
         p->set_longitude(-0.1276);
       },
       "p.latitude"},
      {"Bern: the latitude of France, east of it",
       [](v1::Place* p) {
         p->set_latitude(46.948);
         p->set_longitude(7.447 + 3);
       },
       "p.longitude"},
      {"mid-Atlantic at the latitude of Martinique",
       [](v1::Place* p) {
         p->set_latitude(14.6);
         p->set_longitude(-40);
       },
       "p.longitude"},
      {"Null Island",
       [](v1::Place* p) {
         p->set_latitude(0.0001);
         p->set_longitude(0);
       },
       "p.latitude"},
      {"postal code format",
       [](v1::Place* p) {
         p->set_latitude(45);
         p->set_longitude(4);
         p->set_postal_code("6900");
       },
       "p.postal_code"},
  };
  for (const Case& c : cases) {
    v1::Place place;
    c.mutate(&place);
    ExpectFieldError(ResolvePlace(*refs_, &place, "p"), c.field, c.label);
  }
  v1::Place place;
  place.set_commune_insee("59350");
  place.set_postal_code("75001");
  EXPECT_THAT(std::string(ResolvePlace(*refs_, &place, "p").message()),
              HasSubstr("is not a postal code of Lille (59350"));
}

// ---------------------------------------------------------------------------
// Organizations.

v1::Company GoodCompany() {
  v1::Company c;
  c.set_siret("732 829 320 00074");
  c.set_name("  Décolletage du Nord ");
  c.set_naf_code("25.62B");
  c.mutable_place()->set_commune_insee("59350");
  return c;
}

TEST_F(ValidationTest, CompanyGood) {
  v1::Company c = GoodCompany();
  c.set_naf_code("2562b");
  ASSERT_TRUE(ValidateCompany(&c, *refs_).ok());
  EXPECT_EQ(c.siret(), "73282932000074");
  EXPECT_EQ(c.name(), "Décolletage du Nord");
  EXPECT_EQ(c.naf_code(), "25.62B");
  EXPECT_EQ(c.place().commune_name(), "Lille");
  v1::Company no_naf = GoodCompany();
  no_naf.clear_naf_code();
  EXPECT_TRUE(ValidateCompany(&no_naf, *refs_).ok());
  v1::Company la_poste = GoodCompany();
  la_poste.set_siret("35600000049837");
  EXPECT_TRUE(ValidateCompany(&la_poste, *refs_).ok());
}

TEST_F(ValidationTest, CompanyBad) {
  struct Case {
    const char* label;
    std::function<void(v1::Company*)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"no siret", [](v1::Company* c) { c->clear_siret(); }, "company.siret"},
      {"short siret", [](v1::Company* c) { c->set_siret("7328293200007"); },
       "company.siret"},
      {"checksum", [](v1::Company* c) { c->set_siret("73282932000075"); },
       "company.siret"},
      {"letters", [](v1::Company* c) { c->set_siret("7328293200007X"); },
       "company.siret"},
      {"no name", [](v1::Company* c) { c->set_name("   "); }, "company.name"},
      {"long name", [](v1::Company* c) { c->set_name(Repeat("é", 201)); },
       "company.name"},
      {"control",
       [](v1::Company* c) {
         c->set_name(
             "A\x01"
             "B");
       },
       "company.name"},
      {"naf", [](v1::Company* c) { c->set_naf_code("99.99X"); },
       "company.naf_code"},
      {"no place", [](v1::Company* c) { c->clear_place(); },
       "company.place.commune_insee"},
      {"bad commune",
       [](v1::Company* c) { c->mutable_place()->set_commune_insee("00000"); },
       "company.place.commune_insee"},
  };
  for (const Case& c : cases) {
    v1::Company company = GoodCompany();
    c.mutate(&company);
    ExpectFieldError(ValidateCompany(&company, *refs_), c.field, c.label);
  }
  v1::Company ok = GoodCompany();
  ok.set_name(Repeat("é", 200));
  EXPECT_TRUE(ValidateCompany(&ok, *refs_).ok());
}

TEST_F(ValidationTest, School) {
  v1::School s;
  s.set_uai("0750654d");
  s.set_name("École de production");
  s.mutable_place()->set_commune_insee("75105");
  ASSERT_TRUE(ValidateSchool(&s, *refs_).ok());
  EXPECT_EQ(s.uai(), "0750654D");
  EXPECT_EQ(s.place().departement_code(), "75");

  struct Case {
    const char* label;
    std::function<void(v1::School*)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"no uai", [](v1::School* s) { s->clear_uai(); }, "school.uai"},
      {"check letter", [](v1::School* s) { s->set_uai("0596781K"); },
       "school.uai"},
      {"short", [](v1::School* s) { s->set_uai("059678A"); }, "school.uai"},
      {"letter first", [](v1::School* s) { s->set_uai("A5967810"); },
       "school.uai"},
      {"no name", [](v1::School* s) { s->clear_name(); }, "school.name"},
      {"no place", [](v1::School* s) { s->clear_place(); },
       "school.place.commune_insee"},
  };
  for (const Case& c : cases) {
    v1::School school = s;
    c.mutate(&school);
    ExpectFieldError(ValidateSchool(&school, *refs_), c.field, c.label);
  }
}

TEST_F(ValidationTest, Partner) {
  v1::Partner p;
  p.set_name("Mission locale de Lille");
  p.mutable_place()->set_commune_insee("59350");
  ASSERT_TRUE(ValidatePartner(&p, *refs_).ok());  // SIRET optional
  p.set_siret("73282932000074");
  ASSERT_TRUE(ValidatePartner(&p, *refs_).ok());

  v1::Partner bad_siret = p;
  bad_siret.set_siret("73282932000075");
  ExpectFieldError(ValidatePartner(&bad_siret, *refs_), "partner.siret",
                   "siret");
  v1::Partner no_name = p;
  no_name.clear_name();
  ExpectFieldError(ValidatePartner(&no_name, *refs_), "partner.name", "name");
  v1::Partner no_place = p;
  no_place.clear_place();
  ExpectFieldError(ValidatePartner(&no_place, *refs_),
                   "partner.place.commune_insee", "place");
}

// ---------------------------------------------------------------------------
// Graduates.

v1::Graduate GoodGraduate() {
  v1::Graduate g;
  g.set_school_id("school-1");
  g.set_given_name("  Léa ");
  g.set_family_name("Martin");
  g.set_birth_date("2008-03-15");
  g.mutable_diploma()->set_code("50025123");
  g.mutable_diploma()->set_status(v1::DIPLOMA_STATUS_IN_PROGRESS);
  g.mutable_home()->set_commune_insee("59350");
  return g;
}

TEST_F(ValidationTest, GraduateDefaultsAndFilling) {
  v1::Graduate g = GoodGraduate();
  ASSERT_TRUE(ValidateGraduate(&g, *refs_, kToday).ok());
  EXPECT_EQ(g.given_name(), "Léa");
  EXPECT_EQ(g.diploma().level(), 3);
  EXPECT_THAT(g.diploma().title(), HasSubstr("DECOLLETAGE"));
  EXPECT_THAT(g.rome_codes(), ElementsAre("H2903"));
  EXPECT_EQ(g.home().commune_name(), "Lille");
  EXPECT_EQ(g.home().postal_code(), "59000");
  EXPECT_EQ(g.max_distance_km(), kDefaultMaxDistanceKm);
  EXPECT_THAT(
      g.accepted_contracts(),
      ElementsAre(v1::CONTRACT_TYPE_CDI, v1::CONTRACT_TYPE_APPRENTICESHIP));
  EXPECT_EQ(g.available_from(), "2026-06-15");
  EXPECT_EQ(g.status(), v1::GRADUATE_STATUS_SEEKING);
}

TEST_F(ValidationTest, GraduateWorkAuthorisations) {
  v1::Graduate g = GoodGraduate();
  g.add_work_authorisations(v1::WORK_AUTHORISATION_ELECTRICAL_CLEARANCE);
  g.add_work_authorisations(v1::WORK_AUTHORISATION_DRIVING);
  EXPECT_TRUE(ValidateGraduate(&g, *refs_, kToday).ok());
  g.add_work_authorisations(v1::WORK_AUTHORISATION_DRIVING);
  ExpectFieldError(ValidateGraduate(&g, *refs_, kToday),
                   "graduate.work_authorisations[2]", "duplicate");
  v1::Graduate unspecified = GoodGraduate();
  unspecified.add_work_authorisations(v1::WORK_AUTHORISATION_UNSPECIFIED);
  ExpectFieldError(ValidateGraduate(&unspecified, *refs_, kToday),
                   "graduate.work_authorisations[0]", "unspecified");
  v1::Graduate unknown = GoodGraduate();
  unknown.add_work_authorisations(static_cast<v1::WorkAuthorisation>(7));
  ExpectFieldError(ValidateGraduate(&unknown, *refs_, kToday),
                   "graduate.work_authorisations[0]", "unknown");
}

TEST_F(ValidationTest, GraduateAttestations) {
  v1::Graduate g = GoodGraduate();
  v1::Attestation* follow = g.add_attestations();
  follow->set_kind(v1::ATTESTATION_KIND_APPRENTICESHIP_FOLLOW_ON);
  follow->set_attested_on("2026-06-15");  // today
  follow->set_previous_contract_end("2026-08-31");
  follow->set_previous_level(3);
  v1::Attestation* seeker = g.add_attestations();
  seeker->set_kind(v1::ATTESTATION_KIND_JOB_SEEKER);
  seeker->set_attested_on("2026-01-10");
  EXPECT_TRUE(ValidateGraduate(&g, *refs_, kToday).ok());

  struct Case {
    const char* label;
    std::function<void(v1::Graduate*)> mutate;
    const char* field;
  } cases[] = {
      {"future",
       [](v1::Graduate* x) {
         x->mutable_attestations(1)->set_attested_on("2026-06-16");
       },
       "graduate.attestations[1].attested_on"},
      {"no date",
       [](v1::Graduate* x) { x->mutable_attestations(1)->clear_attested_on(); },
       "graduate.attestations[1].attested_on"},
      {"no kind",
       [](v1::Graduate* x) {
         x->mutable_attestations(1)->set_kind(v1::ATTESTATION_KIND_UNSPECIFIED);
       },
       "graduate.attestations[1].kind"},
      {"unknown kind",
       [](v1::Graduate* x) {
         x->mutable_attestations(1)->set_kind(
             static_cast<v1::AttestationKind>(99));
       },
       "graduate.attestations[1].kind"},
      {"duplicate",
       [](v1::Graduate* x) {
         x->mutable_attestations(1)->set_kind(
             v1::ATTESTATION_KIND_APPRENTICESHIP_FOLLOW_ON);
       },
       "graduate.attestations[1].kind"},
      {"previous end missing",
       [](v1::Graduate* x) {
         x->mutable_attestations(0)->clear_previous_contract_end();
       },
       "graduate.attestations[0].previous_contract_end"},
      {"previous end not a date",
       [](v1::Graduate* x) {
         x->mutable_attestations(0)->set_previous_contract_end("31/08/2026");
       },
       "graduate.attestations[0].previous_contract_end"},
      {"previous level",
       [](v1::Graduate* x) {
         x->mutable_attestations(0)->set_previous_level(2);
       },
       "graduate.attestations[0].previous_level"},
      {"previous end on a status",
       [](v1::Graduate* x) {
         x->mutable_attestations(1)->set_previous_contract_end("2026-01-01");
       },
       "graduate.attestations[1].previous_contract_end"},
      {"level on a status",
       [](v1::Graduate* x) {
         x->mutable_attestations(1)->set_previous_level(4);
       },
       "graduate.attestations[1].previous_level"},
  };
  for (const Case& c : cases) {
    v1::Graduate bad = g;
    c.mutate(&bad);
    ExpectFieldError(ValidateGraduate(&bad, *refs_, kToday), c.field, c.label);
  }
}

// Code de la route R221-5: B from 17 since 2024-01-01 (décret n°
// 2023-1214), 18 before; AM from 14.
TEST_F(ValidationTest, GraduateDrivingLicences) {
  v1::Graduate g = GoodGraduate();
  g.set_birth_date("2008-03-10");
  v1::DrivingLicence* b = g.add_driving_licences();
  b->set_category(v1::LICENCE_CATEGORY_B);
  b->set_obtained_on("2025-03-10");  // the 17th birthday
  v1::DrivingLicence* am = g.add_driving_licences();
  am->set_category(v1::LICENCE_CATEGORY_AM);
  am->set_obtained_on("2022-03-10");  // the 14th birthday
  ASSERT_TRUE(ValidateGraduate(&g, *refs_, kToday).ok());
  EXPECT_TRUE(g.driving_licence());  // set by an obtained licence

  v1::Graduate young = g;
  young.mutable_driving_licences(0)->set_obtained_on("2025-03-09");
  absl::Status status = ValidateGraduate(&young, *refs_, kToday);
  ExpectFieldError(status, "graduate.driving_licences[0].obtained_on",
                   "B before 17");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("possible from 17 (Code de la route R221-5; 17 for B "
                        "since 2024-01-01, décret n° 2023-1214)"));
  v1::Graduate before_2024 = g;
  before_2024.set_birth_date("2006-06-01");
  before_2024.mutable_driving_licences(0)->set_obtained_on("2023-06-01");
  ExpectFieldError(ValidateGraduate(&before_2024, *refs_, kToday),
                   "graduate.driving_licences[0].obtained_on",
                   "B at 17 before 2024");
  v1::Graduate moped = g;
  moped.mutable_driving_licences(1)->set_obtained_on("2022-03-09");
  ExpectFieldError(ValidateGraduate(&moped, *refs_, kToday),
                   "graduate.driving_licences[1].obtained_on", "AM before 14");
  v1::Graduate future = g;
  future.mutable_driving_licences(0)->set_obtained_on("2026-07-01");
  ExpectFieldError(ValidateGraduate(&future, *refs_, kToday),
                   "graduate.driving_licences[0].obtained_on", "future");
  future.mutable_driving_licences(0)->set_in_training(true);  // expected
  EXPECT_TRUE(ValidateGraduate(&future, *refs_, kToday).ok());
  v1::Graduate duplicate = g;
  duplicate.mutable_driving_licences(1)->set_category(v1::LICENCE_CATEGORY_B);
  ExpectFieldError(ValidateGraduate(&duplicate, *refs_, kToday),
                   "graduate.driving_licences[1].category", "duplicate");
  v1::Graduate undated = g;
  undated.mutable_driving_licences(1)->clear_obtained_on();
  ExpectFieldError(ValidateGraduate(&undated, *refs_, kToday),
                   "graduate.driving_licences[1].obtained_on", "no date");
}

TEST_F(ValidationTest, GraduateGoodVariants) {
  v1::Graduate g = GoodGraduate();
  g.mutable_diploma()->set_code(" rncp557 ");
  g.mutable_diploma()->set_level(3);
  g.mutable_diploma()->set_title("CAP décolletage");
  g.mutable_diploma()->set_status(v1::DIPLOMA_STATUS_OBTAINED);
  g.mutable_diploma()->set_obtained_on("2026-06-15");
  g.add_rome_codes(" h2903");
  g.add_rome_codes("H2901");
  g.add_skills("  tournage ");
  g.set_max_distance_km(300);
  g.add_accepted_contracts(v1::CONTRACT_TYPE_CDD);
  g.set_available_from("2026-09-01");
  g.set_status(v1::GRADUATE_STATUS_PLACED);
  g.set_email(" lea.martin@example.fr ");
  g.set_phone("06 12 34 56 78");
  g.set_external_id("ML-2026/0042");
  g.set_family_name(Repeat("é", 100));
  ASSERT_TRUE(ValidateGraduate(&g, *refs_, kToday).ok());
  EXPECT_EQ(g.diploma().code(), "RNCP557");
  EXPECT_EQ(g.diploma().title(), "CAP décolletage");
  EXPECT_THAT(g.rome_codes(), ElementsAre("H2903", "H2901"));
  EXPECT_THAT(g.skills(), ElementsAre("tournage"));
  EXPECT_THAT(g.accepted_contracts(), ElementsAre(v1::CONTRACT_TYPE_CDD));
  EXPECT_EQ(g.email(), "lea.martin@example.fr");
  EXPECT_EQ(g.status(), v1::GRADUATE_STATUS_PLACED);

  // Age bounds are inclusive: 14 and 30 on the day.
  v1::Graduate young = GoodGraduate();
  young.set_birth_date("2012-06-15");
  EXPECT_TRUE(ValidateGraduate(&young, *refs_, kToday).ok());
  v1::Graduate old = GoodGraduate();
  old.set_birth_date("1995-06-16");
  EXPECT_TRUE(ValidateGraduate(&old, *refs_, kToday).ok());

  // A partner's young person, home given by coordinates.
  v1::Graduate partner = GoodGraduate();
  partner.clear_school_id();
  partner.set_partner_id("ml-lille");
  partner.clear_home();
  partner.mutable_home()->set_latitude(50.6);
  partner.mutable_home()->set_longitude(3.05);
  EXPECT_TRUE(ValidateGraduate(&partner, *refs_, kToday).ok());
}

TEST_F(ValidationTest, GraduateBad) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    const char* label;
    std::function<void(v1::Graduate*)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"two owners", [](v1::Graduate* g) { g->set_partner_id("ml"); },
       "graduate.partner_id"},
      {"external id long",
       [](v1::Graduate* g) { g->set_external_id(std::string(65, 'x')); },
       "graduate.external_id"},
      {"external id control",
       [](v1::Graduate* g) { g->set_external_id("a\nb"); },
       "graduate.external_id"},
      {"external id non-ASCII",
       [](v1::Graduate* g) { g->set_external_id("é"); },
       "graduate.external_id"},
      {"no given name", [](v1::Graduate* g) { g->set_given_name(" "); },
       "graduate.given_name"},
      {"long given name",
       [](v1::Graduate* g) { g->set_given_name(std::string(101, 'a')); },
       "graduate.given_name"},
      {"bad UTF-8",
       [](v1::Graduate* g) {
         g->set_given_name(
             "L\xE9"
             "a");
       },
       "graduate.given_name"},
      {"tab", [](v1::Graduate* g) { g->set_given_name("L\ta"); },
       "graduate.given_name"},
      {"long family name",
       [](v1::Graduate* g) { g->set_family_name(Repeat("é", 101)); },
       "graduate.family_name"},
      {"no birth date", [](v1::Graduate* g) { g->clear_birth_date(); },
       "graduate.birth_date"},
      {"birth date", [](v1::Graduate* g) { g->set_birth_date("2008-02-30"); },
       "graduate.birth_date"},
      {"birth date format",
       [](v1::Graduate* g) { g->set_birth_date("15/03/2008"); },
       "graduate.birth_date"},
      {"13 years old", [](v1::Graduate* g) { g->set_birth_date("2012-06-16"); },
       "graduate.birth_date"},
      {"31 years old", [](v1::Graduate* g) { g->set_birth_date("1995-06-15"); },
       "graduate.birth_date"},
      {"no diploma", [](v1::Graduate* g) { g->clear_diploma(); },
       "graduate.diploma.code"},
      {"unknown diploma",
       [](v1::Graduate* g) { g->mutable_diploma()->set_code("99999999"); },
       "graduate.diploma.code"},
      {"diploma level",
       [](v1::Graduate* g) { g->mutable_diploma()->set_level(4); },
       "graduate.diploma.level"},
      {"diploma title",
       [](v1::Graduate* g) {
         g->mutable_diploma()->set_title(std::string(301, 't'));
       },
       "graduate.diploma.title"},
      {"no diploma status",
       [](v1::Graduate* g) { g->mutable_diploma()->clear_status(); },
       "graduate.diploma.status"},
      {"unknown diploma status",
       [](v1::Graduate* g) {
         g->mutable_diploma()->set_status(static_cast<v1::DiplomaStatus>(9));
       },
       "graduate.diploma.status"},
      {"obtained without date",
       [](v1::Graduate* g) {
         g->mutable_diploma()->set_status(v1::DIPLOMA_STATUS_OBTAINED);
       },
       "graduate.diploma.obtained_on"},
      {"obtained in the future",
       [](v1::Graduate* g) {
         g->mutable_diploma()->set_status(v1::DIPLOMA_STATUS_OBTAINED);
         g->mutable_diploma()->set_obtained_on("2026-06-16");
       },
       "graduate.diploma.obtained_on"},
      {"obtained_on format",
       [](v1::Graduate* g) {
         g->mutable_diploma()->set_obtained_on("2026-6-30");
       },
       "graduate.diploma.obtained_on"},
      {"too many trades",
       [](v1::Graduate* g) {
         for (int i = 0; i < 11; ++i) g->add_rome_codes("H2903");
       },
       "graduate.rome_codes"},
      {"trade format",
       [](v1::Graduate* g) {
         g->add_rome_codes("H2903");
         g->add_rome_codes("H290");
       },
       "graduate.rome_codes[1]"},
      {"unknown trade", [](v1::Graduate* g) { g->add_rome_codes("H9999"); },
       "graduate.rome_codes[0]"},
      {"duplicate trade",
       [](v1::Graduate* g) {
         g->add_rome_codes("H2903");
         g->add_rome_codes("h2903");
       },
       "graduate.rome_codes[1]"},
      {"diploma without trade",
       [](v1::Graduate* g) { g->mutable_diploma()->set_code("67010011"); },
       "graduate.rome_codes"},
      {"too many skills",
       [](v1::Graduate* g) {
         for (int i = 0; i < 51; ++i) g->add_skills("s");
       },
       "graduate.skills"},
      {"empty skill",
       [](v1::Graduate* g) {
         g->add_skills("ok");
         g->add_skills("  ");
       },
       "graduate.skills[1]"},
      {"long skill",
       [](v1::Graduate* g) { g->add_skills(std::string(101, 's')); },
       "graduate.skills[0]"},
      {"no home", [](v1::Graduate* g) { g->clear_home(); },
       "graduate.home.commune_insee"},
      {"home postal code",
       [](v1::Graduate* g) { g->mutable_home()->set_postal_code("59999"); },
       "graduate.home.postal_code"},
      {"home nan",
       [nan](v1::Graduate* g) {
         g->clear_home();
         g->mutable_home()->set_latitude(nan);
       },
       "graduate.home.latitude"},
      {"distance high", [](v1::Graduate* g) { g->set_max_distance_km(301); },
       "graduate.max_distance_km"},
      {"distance negative", [](v1::Graduate* g) { g->set_max_distance_km(-5); },
       "graduate.max_distance_km"},
      {"unspecified contract",
       [](v1::Graduate* g) {
         g->add_accepted_contracts(v1::CONTRACT_TYPE_UNSPECIFIED);
       },
       "graduate.accepted_contracts[0]"},
      {"unknown contract",
       [](v1::Graduate* g) {
         g->add_accepted_contracts(v1::CONTRACT_TYPE_CDI);
         g->add_accepted_contracts(static_cast<v1::ContractType>(99));
       },
       "graduate.accepted_contracts[1]"},
      {"duplicate contract",
       [](v1::Graduate* g) {
         g->add_accepted_contracts(v1::CONTRACT_TYPE_CDI);
         g->add_accepted_contracts(v1::CONTRACT_TYPE_CDI);
       },
       "graduate.accepted_contracts[1]"},
      {"available_from",
       [](v1::Graduate* g) { g->set_available_from("2026-09-31"); },
       "graduate.available_from"},
      {"status",
       [](v1::Graduate* g) {
         g->set_status(static_cast<v1::GraduateStatus>(42));
       },
       "graduate.status"},
      {"family name with a right-to-left override",
       [](v1::Graduate* g) { g->set_family_name("\u202Etnopud"); },
       "graduate.family_name"},
      {"given name with a zero-width space",
       [](v1::Graduate* g) { g->set_given_name("L\u200Bea"); },
       "graduate.given_name"},
      {"given name with a byte order mark",
       [](v1::Graduate* g) { g->set_given_name("\uFEFFLea"); },
       "graduate.given_name"},
      {"given name with a right-to-left isolate",
       [](v1::Graduate* g) { g->set_given_name("Lea\u2067"); },
       "graduate.given_name"},
      {"home in Spain",
       [](v1::Graduate* g) {
         g->mutable_home()->Clear();
         g->mutable_home()->set_latitude(40.4168);
         g->mutable_home()->set_longitude(-3.7038);
       },
       "graduate.home.latitude"},
      {"email", [](v1::Graduate* g) { g->set_email("lea@localhost"); },
       "graduate.email"},
      {"phone", [](v1::Graduate* g) { g->set_phone("+44 20 7946 0958"); },
       "graduate.phone"},
  };
  for (const Case& c : cases) {
    v1::Graduate g = GoodGraduate();
    c.mutate(&g);
    ExpectFieldError(ValidateGraduate(&g, *refs_, kToday), c.field, c.label);
  }
}

TEST_F(ValidationTest, GraduateExactMessages) {
  v1::Graduate g = GoodGraduate();
  g.set_birth_date("2024-13-01");
  EXPECT_EQ(ValidateGraduate(&g, *refs_, kToday).message(),
            "graduate.birth_date: must be a date YYYY-MM-DD, got "
            "\"2024-13-01\"");
  g = GoodGraduate();
  g.mutable_diploma()->set_code("67010011");
  EXPECT_EQ(ValidateGraduate(&g, *refs_, kToday).message(),
            "graduate.rome_codes: required (diploma 67010011 lists no trade)");
  g = GoodGraduate();
  g.set_birth_date("2012-06-16");
  EXPECT_THAT(std::string(ValidateGraduate(&g, *refs_, kToday).message()),
              StartsWith("graduate.birth_date: age must be between 14 and 30, "
                         "got 13"));
}

// ---------------------------------------------------------------------------
// Offers.

v1::Offer GoodOffer() {
  v1::Offer o;
  o.set_company_id("company-1");
  o.set_title(" Tourneur-fraiseur en alternance ");
  o.set_description("Atelier de 12 personnes.\nHoraires de journée.");
  o.set_rome_code("H2903");
  o.set_contract_type(v1::CONTRACT_TYPE_APPRENTICESHIP);
  o.set_duration_months(24);
  o.set_start_date("2026-09-01");
  o.set_weekly_hours(35);
  o.set_required_level(3);
  o.mutable_target_diploma()->set_code("40025013");
  o.add_required_skills("tournage");
  o.add_desired_skills("lecture de plans");
  o.mutable_place()->set_commune_insee("59350");
  o.set_positions(2);
  o.set_monthly_gross_salary_eur(1100);
  o.set_expires_on("2026-08-31");
  return o;
}

TEST_F(ValidationTest, OfferDefaultsAndFilling) {
  v1::Offer o = GoodOffer();
  ASSERT_TRUE(ValidateOffer(&o, *refs_, kToday).ok());
  EXPECT_EQ(o.title(), "Tourneur-fraiseur en alternance");
  EXPECT_EQ(o.target_diploma().level(), 4);
  EXPECT_THAT(o.target_diploma().title(), HasSubstr("BAC PRO"));
  EXPECT_EQ(o.place().commune_name(), "Lille");
  EXPECT_EQ(o.status(), v1::OFFER_STATUS_OPEN);
}

// L6211-1: the diploma an apprenticeship prepares must exist until the
// contract's last day. 40025215 (Bac Pro maintenance des véhicules option
// B) closes on 2028-08-31.
TEST_F(ValidationTest, OfferApprenticeshipTargetMustOutlastTheContract) {
  v1::Offer o = GoodOffer();
  o.mutable_target_diploma()->set_code("40025215");
  o.set_rome_code("I1604");
  o.set_start_date("2026-09-01");  // + 24 months: last day 2028-08-31
  o.set_duration_months(24);
  EXPECT_TRUE(ValidateOffer(&o, *refs_, kToday).ok());
  o.set_start_date("2026-09-02");  // last day 2028-09-01
  absl::Status status = ValidateOffer(&o, *refs_, kToday);
  ExpectFieldError(status, "offer.target_diploma.code", "a day too long");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("closes on 2028-08-31, before the contract's last day "
                        "2028-09-01"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("L6211-1"));
  o.set_duration_months(23);  // last day 2028-08-01
  EXPECT_TRUE(ValidateOffer(&o, *refs_, kToday).ok());
  // Closed before the start (67010011 closed in 1999).
  v1::Offer closed = GoodOffer();
  closed.mutable_target_diploma()->set_code("67010011");
  status = ValidateOffer(&closed, *refs_, kToday);
  ExpectFieldError(status, "offer.target_diploma.code", "closed");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("before the contract starts on 2026-09-01"));
  // Not an apprenticeship: a closed diploma may be named (e.g. for
  // information) without refusing the offer.
  closed.set_contract_type(v1::CONTRACT_TYPE_CDI);
  closed.set_duration_months(0);
  EXPECT_TRUE(ValidateOffer(&closed, *refs_, kToday).ok());
}

TEST_F(ValidationTest, OfferDrivingLicenceCategory) {
  v1::Offer o = GoodOffer();
  o.set_driving_licence_category(v1::LICENCE_CATEGORY_B);
  ASSERT_TRUE(ValidateOffer(&o, *refs_, kToday).ok());
  EXPECT_TRUE(o.driving_licence_required());  // set by the category
  o.set_driving_licence_category(static_cast<v1::LicenceCategory>(42));
  ExpectFieldError(ValidateOffer(&o, *refs_, kToday),
                   "offer.driving_licence_category", "unknown");
}

TEST_F(ValidationTest, OfferRegulatedWork) {
  v1::Offer o = GoodOffer();
  o.add_regulated_works(v1::REGULATED_WORK_MACHINES);
  o.add_regulated_works(v1::REGULATED_WORK_HEIGHT);
  o.set_regulated_work_declared_on(" 2026-06-15 ");  // today
  ASSERT_TRUE(ValidateOffer(&o, *refs_, kToday).ok());
  EXPECT_TRUE(o.regulated_work());           // set by the categories
  EXPECT_TRUE(o.regulated_work_declared());  // set by the date
  EXPECT_EQ(o.regulated_work_declared_on(), "2026-06-15");

  v1::Offer future = GoodOffer();
  future.set_regulated_work_declared_on("2026-06-16");
  ExpectFieldError(ValidateOffer(&future, *refs_, kToday),
                   "offer.regulated_work_declared_on", "future");
  v1::Offer bad_date = GoodOffer();
  bad_date.set_regulated_work_declared_on("02/03/2026");
  ExpectFieldError(ValidateOffer(&bad_date, *refs_, kToday),
                   "offer.regulated_work_declared_on", "format");
  v1::Offer unspecified = GoodOffer();
  unspecified.add_regulated_works(v1::REGULATED_WORK_UNSPECIFIED);
  ExpectFieldError(ValidateOffer(&unspecified, *refs_, kToday),
                   "offer.regulated_works[0]", "unspecified");
  v1::Offer duplicate = GoodOffer();
  duplicate.add_regulated_works(v1::REGULATED_WORK_MACHINES);
  duplicate.add_regulated_works(v1::REGULATED_WORK_MACHINES);
  absl::Status status = ValidateOffer(&duplicate, *refs_, kToday);
  ExpectFieldError(status, "offer.regulated_works[1]", "duplicate");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("REGULATED_WORK_MACHINES"));
  v1::Offer unknown = GoodOffer();
  unknown.add_regulated_works(static_cast<v1::RegulatedWork>(99));
  ExpectFieldError(ValidateOffer(&unknown, *refs_, kToday),
                   "offer.regulated_works[0]", "unknown");
  // Older clients: the flags alone are still accepted.
  v1::Offer legacy = GoodOffer();
  legacy.set_regulated_work(true);
  legacy.set_regulated_work_declared(true);
  EXPECT_TRUE(ValidateOffer(&legacy, *refs_, kToday).ok());
}

// The young workers' working time (issue #9, item 5): shifts are checked
// and normalised, and the weekly hours and night flag follow them.
TEST_F(ValidationTest, OfferSchedule) {
  v1::Offer o = GoodOffer();
  o.set_work_sector(v1::WORK_SECTOR_RESTAURANT);
  for (const char* shift :
       {"mar 11:30-14:30", "MAR 19h00-23h30", "s2 sam 18:00-00:30"}) {
    o.mutable_schedule()->add_shifts(shift);
  }
  o.set_weekly_hours(35);  // replaced by the schedule's average
  o.mutable_derogations()->set_night_work_authorised_on(" 2026-06-15 ");
  ASSERT_TRUE(ValidateOffer(&o, *refs_, kToday).ok());
  EXPECT_THAT(o.schedule().shifts(),
              ElementsAre("W1 TUE 11:30-14:30", "W1 TUE 19:00-23:30",
                          "W2 SAT 18:00-00:30"));
  EXPECT_DOUBLE_EQ(o.weekly_hours(), 7);  // (3 + 4.5 + 6.5) / 2 weeks
  EXPECT_TRUE(o.night_work());
  EXPECT_EQ(o.derogations().night_work_authorised_on(), "2026-06-15");

  v1::Offer day = GoodOffer();
  day.set_night_work(true);  // the schedule says otherwise
  day.mutable_schedule()->add_shifts("MON 08:00-12:00");
  ASSERT_TRUE(ValidateOffer(&day, *refs_, kToday).ok());
  EXPECT_FALSE(day.night_work());

  v1::Offer bad = GoodOffer();
  bad.mutable_schedule()->add_shifts("MON 08:00-12:00");
  bad.mutable_schedule()->add_shifts("LUN 25:00-26:00");
  ExpectFieldError(ValidateOffer(&bad, *refs_, kToday),
                   "offer.schedule.shifts[1]", "time of day");
  v1::Offer overlap = GoodOffer();
  overlap.mutable_schedule()->add_shifts("MON 08:00-12:00");
  overlap.mutable_schedule()->add_shifts("MON 11:00-13:00");
  ExpectFieldError(ValidateOffer(&overlap, *refs_, kToday), "offer.schedule",
                   "overlap");
  v1::Offer too_long = GoodOffer();
  for (const char* day : {"MON", "TUE", "WED", "THU", "FRI"}) {
    too_long.mutable_schedule()->add_shifts(absl::StrCat(day, " 06:00-16:00"));
  }
  ExpectFieldError(ValidateOffer(&too_long, *refs_, kToday), "offer.schedule",
                   "at most 48");
  v1::Offer sector = GoodOffer();
  sector.set_work_sector(static_cast<v1::WorkSector>(77));
  ExpectFieldError(ValidateOffer(&sector, *refs_, kToday), "offer.work_sector",
                   "unknown");
  v1::Offer future = GoodOffer();
  future.mutable_derogations()->set_bar_agrement_on("2026-06-16");
  ExpectFieldError(ValidateOffer(&future, *refs_, kToday),
                   "offer.derogations.bar_agrement_on", "future");
  v1::Offer bad_date = GoodOffer();
  bad_date.mutable_derogations()->set_night_work_authorised_on("1/3/2026");
  ExpectFieldError(ValidateOffer(&bad_date, *refs_, kToday),
                   "offer.derogations.night_work_authorised_on", "format");
}

TEST_F(ValidationTest, OfferGoodVariants) {
  v1::Offer cdi = GoodOffer();
  cdi.set_contract_type(v1::CONTRACT_TYPE_CDI);
  cdi.set_duration_months(0);
  cdi.clear_target_diploma();
  cdi.set_weekly_hours(48);
  cdi.set_required_level(0);
  cdi.set_start_date("2028-06-15");  // exactly two years ahead
  cdi.clear_expires_on();
  cdi.set_rome_code("h2903");
  cdi.set_regulated_work_declared(true);  // allowed without regulated_work
  cdi.set_status(v1::OFFER_STATUS_CLOSED);
  ASSERT_TRUE(ValidateOffer(&cdi, *refs_, kToday).ok());
  EXPECT_EQ(cdi.rome_code(), "H2903");
  EXPECT_EQ(cdi.status(), v1::OFFER_STATUS_CLOSED);

  v1::Offer cdd = GoodOffer();
  cdd.set_contract_type(v1::CONTRACT_TYPE_CDD);
  cdd.set_duration_months(1);
  cdd.set_cdd_motive(v1::CDD_MOTIVE_REPLACEMENT);
  cdd.clear_target_diploma();
  cdd.set_start_date("2026-06-15");  // today
  cdd.set_expires_on("2026-06-15");
  cdd.set_monthly_gross_salary_eur(0);
  EXPECT_TRUE(ValidateOffer(&cdd, *refs_, kToday).ok());

  // L1242-8-1: the maximum length by motive, on and past each boundary;
  // a branch agreement's maximum replaces it (L1242-8).
  struct CddCase {
    v1::CddMotive motive;
    int max;
  };
  for (const CddCase& c :
       {CddCase{v1::CDD_MOTIVE_REPLACEMENT, 18},
        CddCase{v1::CDD_MOTIVE_REPLACEMENT_BEFORE_ABOLITION, 24},
        CddCase{v1::CDD_MOTIVE_AWAITING_PERMANENT_HIRE, 9},
        CddCase{v1::CDD_MOTIVE_TEMPORARY_INCREASE, 18},
        CddCase{v1::CDD_MOTIVE_URGENT_SAFETY_WORK, 9},
        CddCase{v1::CDD_MOTIVE_EXCEPTIONAL_EXPORT_ORDER, 24},
        CddCase{v1::CDD_MOTIVE_SEASONAL, 18},
        CddCase{v1::CDD_MOTIVE_CUSTOMARY, 18},
        CddCase{v1::CDD_MOTIVE_REPLACEMENT_OF_OWNER, 18}}) {
    const std::string name = v1::CddMotive_Name(c.motive);
    EXPECT_EQ(CddMaxMonths(c.motive), c.max) << name;
    v1::Offer o = GoodOffer();
    o.set_contract_type(v1::CONTRACT_TYPE_CDD);
    o.clear_target_diploma();
    o.set_cdd_motive(c.motive);
    o.set_duration_months(c.max);
    EXPECT_TRUE(ValidateOffer(&o, *refs_, kToday).ok()) << name;
    o.set_duration_months(c.max + 1);
    absl::Status over = ValidateOffer(&o, *refs_, kToday);
    EXPECT_THAT(std::string(over.message()),
                ::testing::StartsWith("offer.duration_months: must be at most"))
        << name;
    o.set_cdd_branch_max_months(c.max + 1);
    EXPECT_TRUE(ValidateOffer(&o, *refs_, kToday).ok()) << name;
    o.set_cdd_branch_max_months(c.max - 1);
    EXPECT_THAT(std::string(ValidateOffer(&o, *refs_, kToday).message()),
                ::testing::HasSubstr("branch agreement"))
        << name;
  }
  // An exceptional export order: at least 6 months.
  v1::Offer export_order = GoodOffer();
  export_order.set_contract_type(v1::CONTRACT_TYPE_CDD);
  export_order.clear_target_diploma();
  export_order.set_cdd_motive(v1::CDD_MOTIVE_EXCEPTIONAL_EXPORT_ORDER);
  export_order.set_duration_months(5);
  EXPECT_THAT(
      std::string(ValidateOffer(&export_order, *refs_, kToday).message()),
      ::testing::HasSubstr("at least 6 months"));
  export_order.set_duration_months(6);
  EXPECT_TRUE(ValidateOffer(&export_order, *refs_, kToday).ok());

  v1::Offer pro = GoodOffer();
  pro.set_contract_type(v1::CONTRACT_TYPE_PROFESSIONALISATION);
  pro.set_duration_months(36);
  pro.clear_target_diploma();
  EXPECT_TRUE(ValidateOffer(&pro, *refs_, kToday).ok());

  // An update may keep a start date that has passed.
  v1::Offer started = GoodOffer();
  started.set_start_date("2025-09-01");
  EXPECT_TRUE(
      ValidateOffer(&started, *refs_, kToday, OfferWrite::kUpdate).ok());
  ExpectFieldError(ValidateOffer(&started, *refs_, kToday), "offer.start_date",
                   "past start on create");
}

TEST_F(ValidationTest, OfferBad) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    const char* label;
    std::function<void(v1::Offer*)> mutate;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"external id", [](v1::Offer* o) { o->set_external_id("a\x7f"); },
       "offer.external_id"},
      {"no title", [](v1::Offer* o) { o->clear_title(); }, "offer.title"},
      {"long title", [](v1::Offer* o) { o->set_title(std::string(201, 't')); },
       "offer.title"},
      {"description control", [](v1::Offer* o) { o->set_description("a\x01"); },
       "offer.description"},
      {"long description",
       [](v1::Offer* o) { o->set_description(std::string(5001, 'd')); },
       "offer.description"},
      {"no rome", [](v1::Offer* o) { o->clear_rome_code(); },
       "offer.rome_code"},
      {"rome format", [](v1::Offer* o) { o->set_rome_code("2903"); },
       "offer.rome_code"},
      {"unknown rome", [](v1::Offer* o) { o->set_rome_code("H9999"); },
       "offer.rome_code"},
      {"no contract", [](v1::Offer* o) { o->clear_contract_type(); },
       "offer.contract_type"},
      {"unknown contract",
       [](v1::Offer* o) {
         o->set_contract_type(static_cast<v1::ContractType>(9));
       },
       "offer.contract_type"},
      {"apprenticeship 5 months",
       [](v1::Offer* o) { o->set_duration_months(5); },
       "offer.duration_months"},
      {"apprenticeship 37 months",
       [](v1::Offer* o) { o->set_duration_months(37); },
       "offer.duration_months"},
      {"CDI with duration",
       [](v1::Offer* o) {
         o->set_contract_type(v1::CONTRACT_TYPE_CDI);
         o->set_duration_months(12);
       },
       "offer.duration_months"},
      {"CDD without duration",
       [](v1::Offer* o) {
         o->set_contract_type(v1::CONTRACT_TYPE_CDD);
         o->set_cdd_motive(v1::CDD_MOTIVE_REPLACEMENT);
         o->set_duration_months(0);
       },
       "offer.duration_months"},
      {"branch minimum negative",
       [](v1::Offer* o) { o->set_branch_minimum_monthly_gross_eur(-1); },
       "offer.branch_minimum_monthly_gross_eur"},
      {"branch minimum not a number",
       [](v1::Offer* o) {
         o->set_branch_minimum_monthly_gross_eur(std::nan(""));
       },
       "offer.branch_minimum_monthly_gross_eur"},
      {"CDD without motive",
       [](v1::Offer* o) {
         o->set_contract_type(v1::CONTRACT_TYPE_CDD);
         o->set_duration_months(6);
       },
       "offer.cdd_motive"},
      {"CDD motive unknown",
       [](v1::Offer* o) {
         o->set_contract_type(v1::CONTRACT_TYPE_CDD);
         o->set_duration_months(6);
         o->set_cdd_motive(static_cast<v1::CddMotive>(42));
       },
       "offer.cdd_motive"},
      {"motive on a CDI",
       [](v1::Offer* o) {
         o->set_contract_type(v1::CONTRACT_TYPE_CDI);
         o->set_duration_months(0);
         o->set_cdd_motive(v1::CDD_MOTIVE_SEASONAL);
       },
       "offer.cdd_motive"},
      {"branch maximum on an apprenticeship",
       [](v1::Offer* o) { o->set_cdd_branch_max_months(12); },
       "offer.cdd_branch_max_months"},
      {"CDD branch maximum out of range",
       [](v1::Offer* o) {
         o->set_contract_type(v1::CONTRACT_TYPE_CDD);
         o->set_duration_months(6);
         o->set_cdd_motive(v1::CDD_MOTIVE_REPLACEMENT);
         o->set_cdd_branch_max_months(37);
       },
       "offer.cdd_branch_max_months"},
      {"professionalisation 3 months",
       [](v1::Offer* o) {
         o->set_contract_type(v1::CONTRACT_TYPE_PROFESSIONALISATION);
         o->set_duration_months(3);
       },
       "offer.duration_months"},
      {"no start", [](v1::Offer* o) { o->clear_start_date(); },
       "offer.start_date"},
      {"start format", [](v1::Offer* o) { o->set_start_date("2026-02-30"); },
       "offer.start_date"},
      {"start past", [](v1::Offer* o) { o->set_start_date("2026-06-14"); },
       "offer.start_date"},
      {"start far", [](v1::Offer* o) { o->set_start_date("2028-06-16"); },
       "offer.start_date"},
      {"no hours", [](v1::Offer* o) { o->set_weekly_hours(0); },
       "offer.weekly_hours"},
      {"too many hours", [](v1::Offer* o) { o->set_weekly_hours(48.5); },
       "offer.weekly_hours"},
      {"hours nan", [nan](v1::Offer* o) { o->set_weekly_hours(nan); },
       "offer.weekly_hours"},
      {"hours subnormal", [](v1::Offer* o) { o->set_weekly_hours(5e-324); },
       "offer.weekly_hours"},
      {"half an hour", [](v1::Offer* o) { o->set_weekly_hours(0.5); },
       "offer.weekly_hours"},
      {"hours inf",
       [](v1::Offer* o) {
         o->set_weekly_hours(std::numeric_limits<double>::infinity());
       },
       "offer.weekly_hours"},
      {"salary subnormal",
       [](v1::Offer* o) { o->set_monthly_gross_salary_eur(5e-324); },
       "offer.monthly_gross_salary_eur"},
      {"title with a right-to-left override",
       [](v1::Offer* o) { o->set_title("Apprenti \u202Eruetelloced"); },
       "offer.title"},
      {"skill with a zero-width space",
       [](v1::Offer* o) {
         o->clear_desired_skills();
         o->add_desired_skills("fr\u200Baisage");
       },
       "offer.desired_skills[0]"},
      {"description with a byte order mark",
       [](v1::Offer* o) { o->set_description("\uFEFFAtelier"); },
       "offer.description"},
      {"place in Spain",
       [](v1::Offer* o) {
         o->mutable_place()->Clear();
         o->mutable_place()->set_latitude(40.4168);
         o->mutable_place()->set_longitude(-3.7038);
       },
       "offer.place.latitude"},
      {"level 2", [](v1::Offer* o) { o->set_required_level(2); },
       "offer.required_level"},
      {"level 9", [](v1::Offer* o) { o->set_required_level(9); },
       "offer.required_level"},
      {"apprenticeship without target",
       [](v1::Offer* o) { o->clear_target_diploma(); },
       "offer.target_diploma.code"},
      {"unknown target",
       [](v1::Offer* o) { o->mutable_target_diploma()->set_code("XX"); },
       "offer.target_diploma.code"},
      {"target level",
       [](v1::Offer* o) { o->mutable_target_diploma()->set_level(5); },
       "offer.target_diploma.level"},
      {"too many required skills",
       [](v1::Offer* o) {
         for (int i = 0; i < 50; ++i) o->add_required_skills("s");
       },
       "offer.required_skills"},
      {"empty desired skill", [](v1::Offer* o) { o->add_desired_skills(""); },
       "offer.desired_skills[1]"},
      {"no place", [](v1::Offer* o) { o->clear_place(); },
       "offer.place.commune_insee"},
      {"no positions", [](v1::Offer* o) { o->set_positions(0); },
       "offer.positions"},
      {"too many positions", [](v1::Offer* o) { o->set_positions(1001); },
       "offer.positions"},
      {"below filled",
       [](v1::Offer* o) {
         o->set_positions(2);
         o->set_positions_filled(3);
       },
       "offer.positions"},
      {"negative filled", [](v1::Offer* o) { o->set_positions_filled(-1); },
       "offer.positions_filled"},
      {"negative salary",
       [](v1::Offer* o) { o->set_monthly_gross_salary_eur(-1); },
       "offer.monthly_gross_salary_eur"},
      {"huge salary",
       [](v1::Offer* o) { o->set_monthly_gross_salary_eur(100000); },
       "offer.monthly_gross_salary_eur"},
      {"salary nan",
       [nan](v1::Offer* o) { o->set_monthly_gross_salary_eur(nan); },
       "offer.monthly_gross_salary_eur"},
      {"salary inf",
       [inf](v1::Offer* o) { o->set_monthly_gross_salary_eur(inf); },
       "offer.monthly_gross_salary_eur"},
      {"expired", [](v1::Offer* o) { o->set_expires_on("2026-06-14"); },
       "offer.expires_on"},
      {"expires format", [](v1::Offer* o) { o->set_expires_on("soon"); },
       "offer.expires_on"},
      {"status",
       [](v1::Offer* o) { o->set_status(static_cast<v1::OfferStatus>(9)); },
       "offer.status"},
  };
  for (const Case& c : cases) {
    v1::Offer o = GoodOffer();
    c.mutate(&o);
    ExpectFieldError(ValidateOffer(&o, *refs_, kToday), c.field, c.label);
  }
}

// ---------------------------------------------------------------------------
// Paging and field masks.

TEST(PageSizeTest, DefaultsClampsAndRejects) {
  EXPECT_EQ(*ValidatePageSize(0, 20, 100), 20);
  EXPECT_EQ(*ValidatePageSize(7, 20, 100), 7);
  EXPECT_EQ(*ValidatePageSize(100, 20, 100), 100);
  EXPECT_EQ(*ValidatePageSize(5000, 20, 100), 100);
  auto bad = ValidatePageSize(-1, 20, 100);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "page_size: must not be negative, got -1");
}

constexpr absl::string_view kAllowed[] = {"given_name", "family_name", "skills",
                                          "home", "diploma.status"};

google::protobuf::FieldMask Mask(std::vector<std::string> paths) {
  google::protobuf::FieldMask mask;
  for (auto& p : paths) mask.add_paths(p);
  return mask;
}

TEST(FieldMaskTest, Validate) {
  const auto* d = v1::Graduate::descriptor();
  EXPECT_TRUE(ValidateFieldMask(Mask({}), kAllowed, "update_mask", d).ok());
  EXPECT_TRUE(ValidateFieldMask(
                  Mask({"given_name", "home.postal_code", "diploma.status"}),
                  kAllowed, "update_mask", d)
                  .ok());
  struct Case {
    std::vector<std::string> paths;
    const char* substring;
  };
  const std::vector<Case> cases = {
      {{"given_name", "id"}, "path \"id\" cannot be updated"},
      {{"diploma"}, "path \"diploma\" cannot be updated"},
      {{"diploma.code"}, "path \"diploma.code\" cannot be updated"},
      {{"nickname"}, "unknown field \"nickname\""},
      {{"home.nowhere"}, "unknown field \"home.nowhere\""},
      {{"Given_Name"}, "unknown field \"Given_Name\""},
      {{""}, "unknown field \"\""},
      {{"home..postal_code"}, "unknown field"},
  };
  for (const Case& c : cases) {
    absl::Status status =
        ValidateFieldMask(Mask(c.paths), kAllowed, "update_mask", d);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), StartsWith("update_mask: "));
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.substring));
  }
  // Without a descriptor only the allowed list and the syntax are checked.
  EXPECT_TRUE(
      ValidateFieldMask(Mask({"home.anything"}), kAllowed, "update_mask").ok());
}

v1::Graduate Stored() {
  v1::Graduate g;
  g.set_id("g1");
  g.set_given_name("Léa");
  g.set_family_name("Martin");
  g.add_skills("tournage");
  g.mutable_home()->set_commune_insee("59350");
  g.mutable_home()->set_postal_code("59000");
  g.mutable_diploma()->set_code("50025123");
  g.mutable_diploma()->set_status(v1::DIPLOMA_STATUS_IN_PROGRESS);
  return g;
}

TEST(FieldMaskTest, ApplyReplacesNamedFields) {
  v1::Graduate update;
  update.set_id("attacker");
  update.set_given_name("Lou");
  update.add_skills("fraisage");
  update.add_skills("soudure");
  update.mutable_home()->set_commune_insee("75101");
  v1::Graduate target = Stored();
  ASSERT_TRUE(ApplyFieldMask(Mask({"given_name", "family_name", "skills"}),
                             update, kAllowed, "update_mask", &target)
                  .ok());
  EXPECT_EQ(target.id(), "g1");
  EXPECT_EQ(target.given_name(), "Lou");
  EXPECT_EQ(target.family_name(), "");  // named and empty: cleared
  EXPECT_THAT(target.skills(), ElementsAre("fraisage", "soudure"));
  EXPECT_EQ(target.home().commune_insee(), "59350");  // not named

  // A message path replaces the whole message...
  target = Stored();
  ASSERT_TRUE(
      ApplyFieldMask(Mask({"home"}), update, kAllowed, "update_mask", &target)
          .ok());
  EXPECT_EQ(target.home().commune_insee(), "75101");
  EXPECT_EQ(target.home().postal_code(), "");
  // ...a sub-path only that field.
  target = Stored();
  v1::Graduate status_only;
  status_only.mutable_diploma()->set_status(v1::DIPLOMA_STATUS_OBTAINED);
  ASSERT_TRUE(ApplyFieldMask(Mask({"diploma.status"}), status_only, kAllowed,
                             "update_mask", &target)
                  .ok());
  EXPECT_EQ(target.diploma().status(), v1::DIPLOMA_STATUS_OBTAINED);
  EXPECT_EQ(target.diploma().code(), "50025123");
}

TEST(FieldMaskTest, ApplyEmptyMaskTakesPopulatedAllowedFields) {
  v1::Graduate update;
  update.set_id("attacker");
  update.set_given_name("Lou");
  v1::Graduate target = Stored();
  ASSERT_TRUE(
      ApplyFieldMask(Mask({}), update, kAllowed, "update_mask", &target).ok());
  EXPECT_EQ(target.id(), "g1");
  EXPECT_EQ(target.given_name(), "Lou");
  EXPECT_EQ(target.family_name(), "Martin");
  EXPECT_THAT(target.skills(), ElementsAre("tournage"));
  EXPECT_EQ(target.home().commune_insee(), "59350");
}

TEST(FieldMaskTest, ApplyRejectsBadMasksAndTypes) {
  v1::Graduate target = Stored();
  const v1::Graduate before = target;
  absl::Status status =
      ApplyFieldMask(Mask({"given_name", "version"}), v1::Graduate(), kAllowed,
                     "update_mask", &target);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"version\""));
  EXPECT_EQ(target.given_name(), before.given_name());  // untouched

  v1::Offer offer;
  EXPECT_EQ(ApplyFieldMask(Mask({"given_name"}), offer, kAllowed, "update_mask",
                           &target)
                .code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace passerelle::common
