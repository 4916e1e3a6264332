#include "clients/cli/proto_text.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/matching.pb.h"
#include "passerelle/v1/offer.pb.h"

namespace passerelle::cli {
namespace {

namespace v1 = ::passerelle::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

absl::Status Set(google::protobuf::Message* message, absl::string_view path,
                 absl::string_view text, char separator = '|') {
  auto resolved = ResolveFieldPath(message->GetDescriptor(), path);
  if (!resolved.ok()) return resolved.status();
  return SetFieldFromText(message, *resolved, text, separator);
}

TEST(ResolveFieldPathTest, ProtoAndJsonNamesNested) {
  auto path = ResolveFieldPath(v1::Graduate::descriptor(), "diploma.code");
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(path->ToString(), "diploma.code");
  auto json = ResolveFieldPath(v1::Graduate::descriptor(), "home.communeInsee");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->ToString(), "home.commune_insee");
}

TEST(ResolveFieldPathTest, Errors) {
  auto unknown = ResolveFieldPath(v1::Graduate::descriptor(), "diploma.grade");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("\"grade\""));
  auto scalar = ResolveFieldPath(v1::Graduate::descriptor(), "given_name.x");
  EXPECT_FALSE(scalar.ok());
  auto repeated =
      ResolveFieldPath(v1::RankedOffer::descriptor(), "factors.name");
  ASSERT_FALSE(repeated.ok());
  EXPECT_THAT(repeated.status().message(), HasSubstr("repeated"));
  EXPECT_FALSE(ResolveFieldPath(v1::Graduate::descriptor(), "").ok());
}

TEST(EnumTest, ShortAndFullNamesAnyCase) {
  const auto* type = v1::ContractType_descriptor();
  for (const char* text :
       {"cdi", "CDI", "Cdi", "CONTRACT_TYPE_CDI", "contract_type_cdi", "1"}) {
    auto value = ParseEnumValue(type, text);
    ASSERT_TRUE(value.ok()) << text;
    EXPECT_EQ((*value)->number(), v1::CONTRACT_TYPE_CDI) << text;
  }
  auto apprenticeship = ParseEnumValue(type, "apprenticeship");
  ASSERT_TRUE(apprenticeship.ok());
  EXPECT_EQ((*apprenticeship)->number(), v1::CONTRACT_TYPE_APPRENTICESHIP);
  auto in_progress =
      ParseEnumValue(v1::DiplomaStatus_descriptor(), "in-progress");
  ASSERT_TRUE(in_progress.ok());
  EXPECT_EQ((*in_progress)->number(), v1::DIPLOMA_STATUS_IN_PROGRESS);
}

TEST(EnumTest, UnknownValueListsTheChoices) {
  auto value = ParseEnumValue(v1::ContractType_descriptor(), "interim");
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(),
              HasSubstr("cdi, apprenticeship, professionalisation, cdd"));
  EXPECT_THAT(value.status().message(), HasSubstr("\"interim\""));
}

TEST(EnumTest, ShortName) {
  EXPECT_EQ(EnumShortName(v1::ContractType_descriptor()->FindValueByNumber(
                v1::CONTRACT_TYPE_PROFESSIONALISATION)),
            "professionalisation");
  EXPECT_EQ(EnumShortName(v1::DiplomaStatus_descriptor()->FindValueByNumber(
                v1::DIPLOMA_STATUS_IN_PROGRESS)),
            "in_progress");
}

TEST(BoolTest, FrenchAndEnglish) {
  for (const char* t : {"true", "TRUE", "1", "oui", "Oui", "yes", "vrai"}) {
    EXPECT_TRUE(*ParseBool(t)) << t;
  }
  for (const char* f : {"false", "0", "non", "NON", "no", "faux"}) {
    EXPECT_FALSE(*ParseBool(f)) << f;
  }
  EXPECT_FALSE(ParseBool("peut-être").ok());
  EXPECT_FALSE(ParseBool("").ok());
}

TEST(SetFieldFromTextTest, ScalarsNestedRepeatedEnums) {
  v1::Graduate graduate;
  ASSERT_TRUE(Set(&graduate, "given_name", "  Clémence ").ok());
  ASSERT_TRUE(Set(&graduate, "diploma.level", "4").ok());
  ASSERT_TRUE(Set(&graduate, "diploma.status", "obtained").ok());
  ASSERT_TRUE(Set(&graduate, "rome_codes", "H2903| H2202 ||").ok());
  ASSERT_TRUE(
      Set(&graduate, "accepted_contracts", "cdi|CONTRACT_TYPE_APPRENTICESHIP")
          .ok());
  ASSERT_TRUE(Set(&graduate, "driving_licence", "oui").ok());
  ASSERT_TRUE(Set(&graduate, "version", "9007199254740993").ok());
  EXPECT_EQ(graduate.given_name(), "Clémence");
  EXPECT_EQ(graduate.diploma().level(), 4);
  EXPECT_EQ(graduate.diploma().status(), v1::DIPLOMA_STATUS_OBTAINED);
  EXPECT_THAT(graduate.rome_codes(), ElementsAre("H2903", "H2202"));
  EXPECT_THAT(
      graduate.accepted_contracts(),
      ElementsAre(v1::CONTRACT_TYPE_CDI, v1::CONTRACT_TYPE_APPRENTICESHIP));
  EXPECT_TRUE(graduate.driving_licence());
  EXPECT_EQ(graduate.version(), 9007199254740993);
}

TEST(SetFieldFromTextTest, NumbersAreChecked) {
  v1::Offer offer;
  EXPECT_FALSE(Set(&offer, "positions", "deux").ok());
  EXPECT_FALSE(Set(&offer, "positions", "1.5").ok());
  EXPECT_FALSE(Set(&offer, "positions", "3000000000").ok());  // int32
  EXPECT_FALSE(Set(&offer, "weekly_hours", "nan").ok());
  ASSERT_TRUE(Set(&offer, "weekly_hours", "35,5").ok());  // decimal comma
  EXPECT_DOUBLE_EQ(offer.weekly_hours(), 35.5);
  ASSERT_TRUE(Set(&offer, "monthly_gross_salary_eur", "1234.56").ok());
  EXPECT_DOUBLE_EQ(offer.monthly_gross_salary_eur(), 1234.56);
}

TEST(SetFieldFromTextTest, InvalidUtf8IsRejected) {
  v1::Graduate graduate;
  const absl::Status status = Set(&graduate, "given_name", "Cl\xE9mence");
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("UTF-8"));
}

TEST(SetFieldFromTextTest, MessageLeafTakesJsonAndTimestampsRfc3339) {
  v1::Graduate graduate;
  ASSERT_TRUE(Set(&graduate, "home",
                  R"({"commune_insee":"59350","postal_code":"59000"})")
                  .ok());
  EXPECT_EQ(graduate.home().commune_insee(), "59350");
  ASSERT_TRUE(Set(&graduate, "create_time", "2026-09-01T08:00:00Z").ok());
  EXPECT_GT(graduate.create_time().seconds(), 0);
  EXPECT_FALSE(Set(&graduate, "home", "59350").ok());
}

TEST(FormatTest, ValuesForDisplay) {
  v1::Graduate graduate;
  graduate.set_given_name("Zoé");
  graduate.add_accepted_contracts(v1::CONTRACT_TYPE_CDI);
  graduate.add_accepted_contracts(v1::CONTRACT_TYPE_CDD);
  graduate.mutable_home()->set_latitude(50.63297);
  EXPECT_EQ(FormatFieldValue(graduate, "given_name"), "Zoé");
  EXPECT_EQ(FormatFieldValue(graduate, "accepted_contracts"), "cdi,cdd");
  EXPECT_EQ(FormatFieldValue(graduate, "home.latitude"), "50.633");
  EXPECT_EQ(FormatFieldValue(graduate, "diploma.code"), "");
  EXPECT_EQ(FormatFieldValue(graduate, "no_such_field"), "");
  EXPECT_EQ(FormatDouble(35), "35");
}

TEST(FormatTest, FlattenMessage) {
  v1::RankedOffer ranked;
  ranked.mutable_offer()->set_title("Soudeur");
  ranked.set_score(0.5);
  ranked.add_factors()->set_name("skills");
  EXPECT_THAT(FlattenMessage(ranked),
              ElementsAre(Pair("offer.title", "Soudeur"), Pair("score", "0.5"),
                          Pair("factors[0].name", "skills")));
}

}  // namespace
}  // namespace passerelle::cli
