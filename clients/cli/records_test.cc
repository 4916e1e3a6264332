#include "clients/cli/records.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/offer.pb.h"

namespace passerelle::cli {
namespace {

namespace v1 = ::passerelle::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<Row> ReadCsv(const std::string& text,
                         const google::protobuf::Message& prototype) {
  std::istringstream in(text);
  auto reader = NewCsvRecordReader(&in, prototype);
  EXPECT_TRUE(reader.ok()) << reader.status();
  std::vector<Row> rows;
  if (!reader.ok()) return rows;
  Row row;
  while ((*reader)->Next(&row)) rows.push_back(std::move(row));
  return rows;
}

const v1::Graduate& AsGraduate(const Row& row) {
  return static_cast<const v1::Graduate&>(*row.message);
}

TEST(CsvImportTest, GraduateThroughReflection) {
  const auto rows = ReadCsv(
      "\xEF\xBB\xBF"
      "external_id,given_name,family_name,birth_date,diploma.code,"
      "diploma.status,rome_codes,home.commune_insee,accepted_contracts,"
      "driving_licence,max_distance_km,skills\n"
      "EP-1,Clémence,Lefèvre,2008-05-14,50025123,in_progress,H2903|H2202,"
      "59350,apprenticeship|CONTRACT_TYPE_CDI,oui,30,\"soudure TIG, MIG|"
      "lecture de plans\"\n"
      "EP-2,Léo,Martin,2007-11-02,50025123,DIPLOMA_STATUS_OBTAINED,H2913,"
      "59512,CDI,0,,\n",
      v1::Graduate::default_instance());
  ASSERT_THAT(rows, SizeIs(2));
  ASSERT_THAT(rows[0].errors, IsEmpty());
  const v1::Graduate& g = AsGraduate(rows[0]);
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_EQ(g.external_id(), "EP-1");
  EXPECT_EQ(g.given_name(), "Clémence");
  EXPECT_EQ(g.family_name(), "Lefèvre");
  EXPECT_EQ(g.diploma().code(), "50025123");
  EXPECT_EQ(g.diploma().status(), v1::DIPLOMA_STATUS_IN_PROGRESS);
  EXPECT_THAT(g.rome_codes(), ElementsAre("H2903", "H2202"));
  EXPECT_EQ(g.home().commune_insee(), "59350");
  EXPECT_THAT(
      g.accepted_contracts(),
      ElementsAre(v1::CONTRACT_TYPE_APPRENTICESHIP, v1::CONTRACT_TYPE_CDI));
  EXPECT_TRUE(g.driving_licence());
  EXPECT_EQ(g.max_distance_km(), 30);
  EXPECT_THAT(g.skills(), ElementsAre("soudure TIG, MIG", "lecture de plans"));

  ASSERT_THAT(rows[1].errors, IsEmpty());
  const v1::Graduate& h = AsGraduate(rows[1]);
  EXPECT_EQ(h.diploma().status(), v1::DIPLOMA_STATUS_OBTAINED);
  EXPECT_THAT(h.accepted_contracts(), ElementsAre(v1::CONTRACT_TYPE_CDI));
  EXPECT_FALSE(h.driving_licence());
  EXPECT_EQ(h.max_distance_km(), 0);  // empty cell: unset
  EXPECT_THAT(h.skills(), IsEmpty());
}

TEST(CsvImportTest, OfferThroughReflection) {
  const auto rows = ReadCsv(
      "external_id;title;rome_code;contract_type;duration_months;"
      "weekly_hours;night_work;place.commune_insee;required_skills;"
      "target_diploma.code;monthly_gross_salary_eur\n"
      "OF-1;Soudeur TIG;H2913;apprenticeship;24;35,5;non;59350;"
      "soudure|lecture de plans;32025410;1234,56\n",
      v1::Offer::default_instance());
  ASSERT_THAT(rows, SizeIs(1));
  ASSERT_THAT(rows[0].errors, IsEmpty());
  const auto& o = static_cast<const v1::Offer&>(*rows[0].message);
  EXPECT_EQ(o.contract_type(), v1::CONTRACT_TYPE_APPRENTICESHIP);
  EXPECT_EQ(o.duration_months(), 24);
  EXPECT_DOUBLE_EQ(o.weekly_hours(), 35.5);
  EXPECT_FALSE(o.night_work());
  EXPECT_EQ(o.place().commune_insee(), "59350");
  EXPECT_THAT(o.required_skills(), ElementsAre("soudure", "lecture de plans"));
  EXPECT_EQ(o.target_diploma().code(), "32025410");
  EXPECT_DOUBLE_EQ(o.monthly_gross_salary_eur(), 1234.56);
}

// The young-worker law's fields (issue #9) are CSV columns like any other:
// regulated work categories and the declaration's date on offers, work
// authorisations on graduates.
TEST(CsvImportTest, RegulatedWorkColumns) {
  const auto offers = ReadCsv(
      "external_id,regulated_works,regulated_work_declared_on,"
      "driving_licence_category\n"
      "OF-1,machines|REGULATED_WORK_HEIGHT,2026-03-02,b\n",
      v1::Offer::default_instance());
  ASSERT_THAT(offers, SizeIs(1));
  ASSERT_THAT(offers[0].errors, IsEmpty());
  const auto& o = static_cast<const v1::Offer&>(*offers[0].message);
  EXPECT_THAT(o.regulated_works(), ElementsAre(v1::REGULATED_WORK_MACHINES,
                                               v1::REGULATED_WORK_HEIGHT));
  EXPECT_EQ(o.regulated_work_declared_on(), "2026-03-02");
  EXPECT_EQ(o.driving_licence_category(), v1::LICENCE_CATEGORY_B);

  const auto graduates = ReadCsv(
      "external_id,work_authorisations\n"
      "EP-1,electrical_clearance|WORK_AUTHORISATION_DRIVING\n",
      v1::Graduate::default_instance());
  ASSERT_THAT(graduates, SizeIs(1));
  ASSERT_THAT(graduates[0].errors, IsEmpty());
  EXPECT_THAT(AsGraduate(graduates[0]).work_authorisations(),
              ElementsAre(v1::WORK_AUTHORISATION_ELECTRICAL_CLEARANCE,
                          v1::WORK_AUTHORISATION_DRIVING));
}

// The working-time terms (issue #9, item 5): a schedule is a list of
// shifts in one cell, the sector and derogations plain columns.
TEST(CsvImportTest, WorkingTimeColumns) {
  const auto offers = ReadCsv(
      "external_id,work_sector,schedule.shifts,schedule.public_holidays,"
      "bar_service,derogations.night_work_authorised_on,"
      "derogations.weekly_rest_agreement\n"
      "OF-1,restaurant,LUN 11:30-14:30|S2 sam 19:00-23:30,true,false,"
      "2026-03-01,oui\n",
      v1::Offer::default_instance());
  ASSERT_THAT(offers, SizeIs(1));
  ASSERT_THAT(offers[0].errors, IsEmpty());
  const auto& o = static_cast<const v1::Offer&>(*offers[0].message);
  EXPECT_EQ(o.work_sector(), v1::WORK_SECTOR_RESTAURANT);
  // Kept as written; the server normalises them.
  EXPECT_THAT(o.schedule().shifts(),
              ElementsAre("LUN 11:30-14:30", "S2 sam 19:00-23:30"));
  EXPECT_TRUE(o.schedule().public_holidays());
  EXPECT_FALSE(o.bar_service());
  EXPECT_EQ(o.derogations().night_work_authorised_on(), "2026-03-01");
  EXPECT_TRUE(o.derogations().weekly_rest_agreement());
}

TEST(CsvImportTest, BadValuesReportLineColumnAndField) {
  const auto rows = ReadCsv(
      "external_id,given_name,max_distance_km,accepted_contracts,"
      "driving_licence\n"
      "EP-1,Zoé,30,cdi,oui\n"
      "EP-2,Inès,loin,interim,peut-être\n"
      "EP-3,Noé,10,cdd,non\n",
      v1::Graduate::default_instance());
  ASSERT_THAT(rows, SizeIs(3));
  EXPECT_TRUE(rows[0].message != nullptr);
  EXPECT_TRUE(rows[2].message != nullptr);  // the rest go on
  const Row& bad = rows[1];
  EXPECT_EQ(bad.message, nullptr);
  ASSERT_THAT(bad.errors, SizeIs(3));
  EXPECT_EQ(bad.errors[0].line, 3);
  EXPECT_EQ(bad.errors[0].column, 3);
  EXPECT_EQ(bad.errors[0].field, "max_distance_km");
  EXPECT_EQ(bad.errors[0].external_id, "EP-2");
  EXPECT_THAT(bad.errors[0].message, HasSubstr("integer"));
  EXPECT_EQ(bad.errors[1].column, 4);
  EXPECT_EQ(bad.errors[1].field, "accepted_contracts");
  EXPECT_THAT(bad.errors[1].message, HasSubstr("\"interim\""));
  EXPECT_EQ(bad.errors[2].column, 5);
  EXPECT_EQ(bad.errors[2].field, "driving_licence");
}

TEST(CsvImportTest, RowShapeErrorsAndBlankRows) {
  const auto rows = ReadCsv(
      "external_id,given_name\n"
      "EP-1,Zoé\n"
      "\n"
      ",\n"
      "EP-2,Inès,extra\n"
      "EP-3,\"Noé\"x\n"
      "EP-4,\"Anne\n-Sophie\"\n"
      "EP-5,Léa\n",
      v1::Graduate::default_instance());
  ASSERT_THAT(rows, SizeIs(5));
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_EQ(rows[1].line, 5);
  EXPECT_THAT(rows[1].errors[0].message, HasSubstr("3 cells"));
  EXPECT_EQ(rows[2].line, 6);
  EXPECT_EQ(rows[2].errors[0].column, 2);
  EXPECT_EQ(rows[2].errors[0].field, "given_name");
  EXPECT_EQ(rows[2].errors[0].external_id, "EP-3");
  EXPECT_EQ(AsGraduate(rows[3]).given_name(), "Anne\n-Sophie");
  EXPECT_EQ(rows[4].line, 9);
}

TEST(CsvImportTest, HeaderErrorsNameTheColumn) {
  for (const auto& [header, expected] :
       std::vector<std::pair<std::string, std::string>>{
           {"external_id,given_nom\n", "column 2 (given_nom)"},
           {"external_id,diploma.grade\n", "column 2 (diploma.grade)"},
           {"external_id,,given_name\n", "column 2"},
           {"given_name,givenName\n", "same field as column 1"}}) {
    std::istringstream in(header);
    auto reader = NewCsvRecordReader(&in, v1::Graduate::default_instance());
    ASSERT_FALSE(reader.ok()) << header;
    EXPECT_THAT(reader.status().message(), HasSubstr(expected)) << header;
  }
  std::istringstream empty("");
  EXPECT_FALSE(
      NewCsvRecordReader(&empty, v1::Graduate::default_instance()).ok());
}

TEST(CsvSchemaTest, ApplyDirectly) {
  auto schema = CsvSchema::FromHeader(v1::Graduate::descriptor(),
                                      {"external_id", "home.commune_insee"});
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(schema->external_id_column(), 0);
  v1::Graduate graduate;
  EXPECT_THAT(schema->Apply({"EP-9", "59350"}, &graduate), IsEmpty());
  EXPECT_EQ(graduate.home().commune_insee(), "59350");
}

TEST(JsonlImportTest, GoodAndBadLines) {
  std::istringstream in(
      "{\"external_id\":\"EP-1\",\"given_name\":\"Clémence\","
      "\"accepted_contracts\":[\"CONTRACT_TYPE_CDI\"]}\n"
      "\n"
      "{\"external_id\":\"EP-2\",\"given_name\":\n"
      "{\"externalId\":\"EP-3\",\"givenName\":\"Léo\",\"shoe_size\":42}\r\n"
      "{\"externalId\":\"EP-4\",\"diploma\":{\"status\":\"DIPLOMA_STATUS_"
      "OBTAINED\"}}\n");
  auto reader = NewJsonlRecordReader(&in, v1::Graduate::default_instance());
  std::vector<Row> rows;
  Row row;
  while (reader->Next(&row)) rows.push_back(std::move(row));
  ASSERT_THAT(rows, SizeIs(4));
  ASSERT_NE(rows[0].message, nullptr);
  EXPECT_EQ(AsGraduate(rows[0]).given_name(), "Clémence");
  EXPECT_EQ(rows[0].line, 1);

  EXPECT_EQ(rows[1].message, nullptr);
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_THAT(rows[1].errors[0].message, HasSubstr("invalid JSON"));

  EXPECT_EQ(rows[2].message, nullptr);
  EXPECT_EQ(rows[2].line, 4);
  EXPECT_EQ(rows[2].errors[0].external_id, "EP-3");
  EXPECT_THAT(rows[2].errors[0].message, HasSubstr("shoe_size"));

  ASSERT_NE(rows[3].message, nullptr);
  EXPECT_EQ(rows[3].line, 5);
  EXPECT_EQ(AsGraduate(rows[3]).diploma().status(),
            v1::DIPLOMA_STATUS_OBTAINED);
}

// Attestations (a repeated message) travel in JSON Lines; a CSV cell holds
// scalars only.
TEST(JsonlImportTest, Attestations) {
  std::istringstream in(
      "{\"externalId\":\"EP-1\",\"attestations\":[{\"kind\":"
      "\"ATTESTATION_KIND_APPRENTICESHIP_FOLLOW_ON\",\"attestedOn\":"
      "\"2026-01-10\",\"previousContractEnd\":\"2026-06-30\","
      "\"previousLevel\":3},{\"kind\":\"ATTESTATION_KIND_RQTH\","
      "\"attestedOn\":\"2025-11-02\"}]}\n");
  auto reader = NewJsonlRecordReader(&in, v1::Graduate::default_instance());
  Row row;
  ASSERT_TRUE(reader->Next(&row));
  ASSERT_NE(row.message, nullptr);
  const v1::Graduate& g = AsGraduate(row);
  ASSERT_EQ(g.attestations_size(), 2);
  EXPECT_EQ(g.attestations(0).kind(),
            v1::ATTESTATION_KIND_APPRENTICESHIP_FOLLOW_ON);
  EXPECT_EQ(g.attestations(0).previous_contract_end(), "2026-06-30");
  EXPECT_EQ(g.attestations(0).previous_level(), 3);
  EXPECT_EQ(g.attestations(1).kind(), v1::ATTESTATION_KIND_RQTH);
  EXPECT_EQ(g.attestations(1).attested_on(), "2025-11-02");
}

TEST(ImportFormatTest, FromPathAndName) {
  EXPECT_EQ(*ImportFormatFromPath("data/graduates.csv"), ImportFormat::kCsv);
  EXPECT_EQ(*ImportFormatFromPath("x.JSONL"), ImportFormat::kJsonl);
  EXPECT_EQ(*ImportFormatFromPath("x.ndjson"), ImportFormat::kJsonl);
  EXPECT_FALSE(ImportFormatFromPath("graduates").ok());
  EXPECT_FALSE(ImportFormatFromPath("dir.csv/graduates").ok());
  EXPECT_FALSE(ImportFormatFromName("xlsx").ok());
}

// Offers in a partner's format: one row per record, mapped or with the
// reason it could not be (docs/formats.md).
TEST(PartnerRecordReaderTest, FranceTravailSampleRowsAndReasons) {
  std::ifstream in(std::string(PASSERELLE_PARTNERS_TESTDATA) +
                   "/france-travail-offres.json");
  ASSERT_TRUE(in);
  auto reader = NewPartnerRecordReader(&in, ImportFormat::kFranceTravail);
  ASSERT_TRUE(reader.ok()) << reader.status();
  Row row;
  int mapped = 0, refused = 0;
  int64_t expected_line = 1;
  while ((*reader)->Next(&row)) {
    EXPECT_EQ(row.line, expected_line++);
    if (row.message != nullptr) {
      ++mapped;
      const auto& offer = static_cast<const v1::Offer&>(*row.message);
      EXPECT_TRUE(absl::StartsWith(offer.external_id(), "ft:"))
          << offer.external_id();
    } else {
      ++refused;
      ASSERT_EQ(row.errors.size(), 1u);
      EXPECT_FALSE(row.errors[0].message.empty());
    }
  }
  EXPECT_EQ(mapped, 4);
  EXPECT_EQ(refused, 4);
  EXPECT_EQ(ImportFormatFromName("labonnealternance").value(),
            ImportFormat::kLaBonneAlternance);
  EXPECT_FALSE(ImportFormatFromName("monster").ok());
  // A file that is none of the format's shapes is refused as a whole.
  std::istringstream bad("{\"resultats\": 3}");
  EXPECT_FALSE(NewPartnerRecordReader(&bad, ImportFormat::kFranceTravail).ok());
}

}  // namespace
}  // namespace passerelle::cli
