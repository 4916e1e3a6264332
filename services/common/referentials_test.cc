#include "services/common/referentials.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class RealDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto start = std::chrono::steady_clock::now();
    auto refs = Referentials::Load(DefaultDataDir());
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(refs.ok()) << refs.status();
    refs_ = refs->release();
    // Measured, not asserted (no timed tests): the target is < 0.5 s.
    const double ms =
        std::chrono::duration<double, std::milli>(elapsed).count();
    std::printf("Referentials::Load(%s): %.1f ms\n", DefaultDataDir().c_str(),
                ms);
    ::testing::Test::RecordProperty("load_ms", static_cast<int>(ms));
  }
  static void TearDownTestSuite() {
    delete refs_;
    refs_ = nullptr;
  }
  static const Referentials* refs_;
};

const Referentials* RealDataTest::refs_ = nullptr;

TEST_F(RealDataTest, LoadsEveryTable) {
  EXPECT_GT(refs_->communes().size(), 34000u);
  EXPECT_GT(refs_->rome_codes().size(), 1500u);
  EXPECT_GT(refs_->diplomas().size(), 8000u);
}

TEST_F(RealDataTest, Lille) {
  const Commune* lille = refs_->FindCommune("59350");
  ASSERT_NE(lille, nullptr);
  EXPECT_EQ(lille->name, "Lille");
  EXPECT_EQ(lille->departement, "59");
  EXPECT_EQ(lille->region, "32");
  EXPECT_EQ(lille->type, "COM");
  ASSERT_FALSE(lille->postal_codes.empty());
  EXPECT_EQ(lille->postal_codes.front(), "59000");
  EXPECT_NEAR(lille->latitude, 50.63, 0.02);
  EXPECT_NEAR(lille->longitude, 3.06, 0.02);
  EXPECT_GT(lille->population, 200000);
}

TEST_F(RealDataTest, CorsicaOverseasAndArrondissements) {
  const Commune* ajaccio = refs_->FindCommune("2A004");
  ASSERT_NE(ajaccio, nullptr);
  EXPECT_EQ(ajaccio->departement, "2A");
  EXPECT_THAT(ajaccio->postal_codes, ElementsAre("20000", "20090", "20167"));
  const Commune* abymes = refs_->FindCommune("97101");
  ASSERT_NE(abymes, nullptr);
  EXPECT_EQ(abymes->departement, "971");
  EXPECT_LT(abymes->longitude, -60);
  const Commune* paris1 = refs_->FindCommune("75101");
  ASSERT_NE(paris1, nullptr);
  EXPECT_EQ(paris1->type, "ARM");
  EXPECT_EQ(refs_->FindCommune("2a004"), nullptr);  // exact match only
  EXPECT_EQ(refs_->FindCommune("99999"), nullptr);
  EXPECT_EQ(refs_->FindCommune(""), nullptr);
}

TEST_F(RealDataTest, Rome) {
  const RomeCode* rome = refs_->FindRome("H2903");
  ASSERT_NE(rome, nullptr);
  EXPECT_THAT(rome->title, HasSubstr("Tourneur-fraiseur"));
  EXPECT_EQ(rome->domain, "H29");
  EXPECT_EQ(refs_->FindRome("H9999"), nullptr);
  EXPECT_EQ(refs_->FindRome("h2903"), nullptr);
}

TEST_F(RealDataTest, MobilitySortedByRank) {
  const std::vector<MobilityTarget>& targets = refs_->Mobility("H2903");
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(targets.front().rank, 1);
  EXPECT_EQ(targets.front().code, "H2202");
  for (size_t i = 1; i < targets.size(); ++i) {
    EXPECT_LE(targets[i - 1].rank, targets[i].rank);
    EXPECT_NE(refs_->FindRome(targets[i].code), nullptr);
  }
  EXPECT_TRUE(refs_->Mobility("Z0000").empty());
  EXPECT_TRUE(refs_->Mobility("").empty());
}

TEST(VocationalKindTest, GeneralBacsAndCoursesAreNotVocational) {
  for (const char* kind : {"BAC GENE", "BAC TECHNO", "BAC TEC AG", "DAEU",
                           "FCIL N-4", "MODAL N-4", "AUTRE N-4"}) {
    EXPECT_FALSE(IsVocationalKind(kind)) << kind;
  }
  for (const char* kind : {"CAP", "BAC PRO", "BP", "BT", "BTS", "MC",
                           "Titre professionnel (TP de niveau 4)", ""}) {
    EXPECT_TRUE(IsVocationalKind(kind)) << kind;
  }
}

TEST_F(RealDataTest, Diplomas) {
  const Diploma* cap = refs_->FindDiploma("50025123");
  ASSERT_NE(cap, nullptr);
  EXPECT_EQ(cap->kind, "CAP");
  EXPECT_EQ(cap->level, 3);
  EXPECT_THAT(cap->title, HasSubstr("DECOLLETAGE"));
  EXPECT_THAT(cap->rome_codes, ElementsAre("H2903"));
  EXPECT_EQ(cap->closed_on, "");

  const Diploma* rncp = refs_->FindDiploma("RNCP557");
  ASSERT_NE(rncp, nullptr);
  EXPECT_EQ(rncp->level, 3);

  // "DD/MM/YYYY" in the file, ISO in memory.
  const Diploma* closed = refs_->FindDiploma("67010011");
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->closed_on, "1999-08-31");
  EXPECT_TRUE(closed->rome_codes.empty());

  // Vocational or not (D6325-15's higher professionalisation rate): the
  // Bac général and technologique are not; CAP, Bac Pro, BP are.
  EXPECT_TRUE(cap->vocational);
  const Diploma* bac_gen = refs_->FindDiploma("47013018");
  ASSERT_NE(bac_gen, nullptr);
  EXPECT_EQ(bac_gen->kind, "BAC GENE");
  EXPECT_EQ(bac_gen->level, 4);
  EXPECT_FALSE(bac_gen->vocational);
  const Diploma* bac_pro = refs_->FindDiploma("40025013");
  ASSERT_NE(bac_pro, nullptr);
  EXPECT_EQ(bac_pro->level, 4);
  EXPECT_TRUE(bac_pro->vocational);

  // No DATE_FERMETURE but a last session: closed on 31 August after it.
  const Diploma* last_session = refs_->FindDiploma("36322111");
  ASSERT_NE(last_session, nullptr);
  EXPECT_EQ(last_session->closed_on, "2002-08-31");

  // ROME group codes without a fiche ("H2100") are dropped.
  ASSERT_EQ(refs_->FindRome("H2100"), nullptr);
  const Diploma* restauration = refs_->FindDiploma("50022142");
  ASSERT_NE(restauration, nullptr);
  for (const std::string& code : restauration->rome_codes) {
    EXPECT_NE(refs_->FindRome(code), nullptr) << code;
  }
  EXPECT_EQ(refs_->FindDiploma("00000000"), nullptr);
}

TEST_F(RealDataTest, Naf) {
  EXPECT_TRUE(refs_->IsNafCode("25.62B"));
  EXPECT_TRUE(refs_->IsNafCode("01.11Z"));
  EXPECT_FALSE(refs_->IsNafCode("2562B"));
  EXPECT_FALSE(refs_->IsNafCode("25.62"));
  EXPECT_FALSE(refs_->IsNafCode(""));
}

TEST(DefaultDataDirTest, EnvironmentWins) {
  const char* old = std::getenv("PASSERELLE_DATA_DIR");
  const std::string saved = old == nullptr ? "" : old;
  setenv("PASSERELLE_DATA_DIR", "/somewhere/data", 1);
  EXPECT_EQ(DefaultDataDir(), "/somewhere/data");
  setenv("PASSERELLE_DATA_DIR", "", 1);
  EXPECT_NE(DefaultDataDir(), "");
  EXPECT_NE(DefaultDataDir(), "/somewhere/data");
  if (old == nullptr) {
    unsetenv("PASSERELLE_DATA_DIR");
  } else {
    setenv("PASSERELLE_DATA_DIR", saved.c_str(), 1);
  }
}

// Malformed data: a minimal valid set of files, then one file replaced.
class BadDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(
        ::testing::TempDir(), "/refs_",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    mkdir(dir_.c_str(), 0755);
    Write("communes.csv",
          "insee,name,postal_codes,departement,region,latitude,longitude,type,"
          "population\n"
          "59350,Lille,59000 59160,59,32,50.63108,3.04702,COM,236710\n"
          "2A004,Ajaccio,20000,2A,94,41.92274,8.70583,COM,\n");
    Write("rome_codes.csv",
          "code,title,parent,domain\n"
          "H2903,\"Tourneur-fraiseur, Tourneuse\",H2903,H29\n"
          "H2202,Conducteur,H2202,H22\n");
    Write("rome_mobility.csv",
          "code,target,rank\nH2903,H2202,2\nH2903,H2903,1\n");
    Write("appellations.csv",
          "ogr,title,rome\n38796,Décolleteur / Décolleteuse,H2903\n");
    Write("diplomas.csv",
          "code,kind,title,level,rome_codes,closed_on\n"
          "50025123,CAP,DECOLLETAGE (CAP),3,H2903 H2100,\n"
          "RNCP557,CAP,\"CAP \"\"décolletage\"\"\",3,H2903,31/08/2027\n");
    Write("naf_codes.csv", "code,title\n25.62B,Mécanique industrielle\n");
    Write("smic.csv",
          "effective_from,hourly_gross_eur,monthly_gross_eur,source\n"
          "2024-11-01,11.88,1801.80,décret n° 2024-951\n"
          "2026-01-01,12.02,1823.03,décret de décembre 2025\n");
  }

  void Write(const std::string& name, const std::string& contents) {
    std::ofstream out(absl::StrCat(dir_, "/", name), std::ios::trunc);
    out << contents;
  }

  std::string dir_;
};

TEST_F(BadDataTest, MinimalSetLoads) {
  auto refs = Referentials::Load(dir_);
  ASSERT_TRUE(refs.ok()) << refs.status();
  EXPECT_EQ((*refs)->FindCommune("2A004")->population, 0);
  EXPECT_EQ((*refs)->FindRome("H2903")->title, "Tourneur-fraiseur, Tourneuse");
  ASSERT_EQ((*refs)->smic().size(), 2u);
  EXPECT_EQ((*refs)->smic()[1].effective_from, absl::CivilDay(2026, 1, 1));
  EXPECT_EQ((*refs)->FindDiploma("50025123")->cycle_months, 24);  // a CAP
  ASSERT_EQ((*refs)->appellations().size(), 1u);
  EXPECT_EQ((*refs)->appellations()[0].rome, "H2903");
  EXPECT_EQ((*refs)->FindDiploma("RNCP557")->title, "CAP \"décolletage\"");
  EXPECT_EQ((*refs)->FindDiploma("RNCP557")->closed_on, "2027-08-31");
  EXPECT_THAT((*refs)->FindDiploma("50025123")->rome_codes,
              ElementsAre("H2903"));
  const auto& mobility = (*refs)->Mobility("H2903");
  ASSERT_EQ(mobility.size(), 2u);
  EXPECT_EQ(mobility[0].code, "H2903");
  EXPECT_EQ(mobility[1].code, "H2202");
}

TEST_F(BadDataTest, MissingFileIsNotFound) {
  std::remove(absl::StrCat(dir_, "/naf_codes.csv").c_str());
  auto refs = Referentials::Load(dir_);
  ASSERT_FALSE(refs.ok());
  EXPECT_EQ(refs.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(refs.status().message()), HasSubstr("naf_codes.csv"));
}

TEST_F(BadDataTest, ErrorsNameFileAndLine) {
  struct Case {
    const char* file;
    const char* contents;
    const char* error;  // after "<dir>/"
  };
  const Case cases[] = {
      {"communes.csv",
       "insee,name,postal_codes,departement,region,latitude,longitude,type,"
       "population\n"
       "59350,Lille,59000,59,32,50.6,3.0,COM,1\n"
       "59351,X,59000,59,32,abc,3.0,COM,1\n",
       "communes.csv:3: bad latitude \"abc\""},
      {"communes.csv",
       "insee,name,postal_codes,departement,region,latitude,longitude,type,"
       "population\n"
       "59350,Lille,59000,59,32,95,3.0,COM,1\n",
       "communes.csv:2: bad latitude \"95\""},
      {"communes.csv",
       "insee,name,postal_codes,departement,region,latitude,longitude,type,"
       "population\n"
       "59350,Lille,5900,59,32,50,3.0,COM,1\n",
       "communes.csv:2: bad postal codes \"5900\""},
      {"communes.csv",
       "insee,name,postal_codes,departement,region,latitude,longitude,type,"
       "population\n"
       "59350,Lille,59000,59,32,50,3.0,COM,1\n"
       "59350,Lille,59000,59,32,50,3.0,COM,1\n",
       "communes.csv:3: duplicate INSEE code \"59350\""},
      {"communes.csv",
       "insee,name,postal_codes,departement,region,latitude,longitude,type\n"
       "59350,Lille,59000,59,32,50,3.0,COM\n",
       "communes.csv:1: missing column \"population\""},
      {"communes.csv",
       "insee,name,postal_codes,departement,region,latitude,longitude,type,"
       "population\n"
       "59350,Lille,59000,59,32,50,3.0,COM\n",
       "communes.csv:2: expected 9 fields, got 8"},
      {"rome_codes.csv", "code,title,parent,domain\nH2903,\"open,x,y\n",
       "rome_codes.csv:2: unterminated quoted field"},
      {"rome_codes.csv", "code,title,parent,domain\nH29031,x,y,z\n",
       "rome_codes.csv:2: bad ROME code \"H29031\""},
      {"smic.csv",
       "effective_from,hourly_gross_eur,monthly_gross_eur,source\n"
       "2026-01-01,12.02,1823.03,a\n2025-01-01,11.88,1801.80,b\n",
       "smic.csv:3: not after the previous row's date \"2025-01-01\""},
      {"smic.csv",
       "effective_from,hourly_gross_eur,monthly_gross_eur,source\n"
       "2026-01-01,12.02,1832.03,a\n",
       "smic.csv:2: bad monthly amount (hourly x 35 x 52 / 12, to the cent) "
       "\"1832.03\""},
      {"smic.csv", "effective_from,hourly_gross_eur,monthly_gross_eur,source\n",
       "smic.csv:1: no SMIC value"},
      {"appellations.csv", "ogr,title,rome\n38796,Décolleteur,Z9999\n",
       "appellations.csv:2: unknown ROME code \"Z9999\""},
      {"appellations.csv", "ogr,title,rome\nX1,Décolleteur,H2903\n",
       "appellations.csv:2: bad OGR code \"X1\""},
      {"rome_mobility.csv", "code,target,rank\nH2903,Z9999,1\n",
       "rome_mobility.csv:2: unknown ROME code \"Z9999\""},
      {"rome_mobility.csv", "code,target,rank\nH2903,H2202,zero\n",
       "rome_mobility.csv:2: bad rank \"zero\""},
      {"diplomas.csv",
       "code,kind,title,level,rome_codes,closed_on\n"
       "50025123,CAP,X,3,H2903,31/02/2027\n",
       "diplomas.csv:2: bad closing date \"31/02/2027\""},
      {"diplomas.csv",
       "code,kind,title,level,rome_codes,closed_on\n"
       "50025123,CAP,X,three,H2903,\n",
       "diplomas.csv:2: bad level \"three\""},
      {"naf_codes.csv", "code,title\n2562B,x\n",
       "naf_codes.csv:2: bad NAF code \"2562B\""},
      {"naf_codes.csv", "", "naf_codes.csv: empty file"},
  };
  for (const Case& c : cases) {
    SetUp();
    Write(c.file, c.contents);
    auto refs = Referentials::Load(dir_);
    ASSERT_FALSE(refs.ok()) << c.error;
    EXPECT_EQ(refs.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(refs.status().message()),
                StartsWith(absl::StrCat(dir_, "/", c.error)));
  }
}

}  // namespace
}  // namespace passerelle::common
