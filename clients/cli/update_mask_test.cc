#include "clients/cli/update_mask.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "passerelle/v1/graduate.pb.h"

namespace passerelle::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const google::protobuf::Descriptor* const kGraduate =
    passerelle::v1::Graduate::descriptor();

TEST(BuildUpdateMaskTest, FromFlagPaths) {
  const auto mask = BuildUpdateMask(
      kGraduate, {"id", "version", "given_name", "diploma.status", "rome_codes",
                  "given_name", "update_time"});
  EXPECT_THAT(mask.paths(),
              ElementsAre("given_name", "diploma.status", "rome_codes"));
}

TEST(BuildUpdateMaskTest, AncestorCoversDescendants) {
  const auto mask = BuildUpdateMask(
      kGraduate, {"diploma.status", "diploma", "skills", "diploma.code"});
  EXPECT_THAT(mask.paths(), ElementsAre("diploma", "skills"));
}

TEST(BuildUpdateMaskTest, PlaceIsReplacedWhole) {
  const auto mask = BuildUpdateMask(
      kGraduate, {"home.commune_insee", "home.postal_code", "diploma.status"});
  EXPECT_THAT(mask.paths(), ElementsAre("home", "diploma.status"));
}

TEST(BuildUpdateMaskTest, NothingGiven) {
  EXPECT_EQ(BuildUpdateMask(kGraduate, {"id", "version"}).paths_size(), 0);
}

TEST(JsonFieldPathsTest, LeavesInFieldOrderProtoOrJsonNames) {
  auto paths = JsonFieldPaths(
      passerelle::v1::Graduate::descriptor(),
      R"({"skills":["tig"],"givenName":"Zoé","id":"g1","version":"3",
          "home":{"commune_insee":"59350"},"diploma":{"status":"DIPLOMA_STATUS_OBTAINED","level":4}})");
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths,
              ElementsAre("id", "given_name", "diploma.level", "diploma.status",
                          "skills", "home.commune_insee", "version"));
  EXPECT_THAT(BuildUpdateMask(kGraduate, *paths).paths(),
              ElementsAre("given_name", "diploma.level", "diploma.status",
                          "skills", "home"));
}

TEST(JsonFieldPathsTest, NullOrEmptyObjectNamesTheField) {
  auto paths = JsonFieldPaths(passerelle::v1::Graduate::descriptor(),
                              R"({"diploma":{},"home":null,"skills":[]})");
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths, ElementsAre("diploma", "skills", "home"));
}

TEST(JsonFieldPathsTest, Errors) {
  auto unknown = JsonFieldPaths(passerelle::v1::Graduate::descriptor(),
                                R"({"home":{"city":"Lille"}})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("home.city"));
  EXPECT_FALSE(
      JsonFieldPaths(passerelle::v1::Graduate::descriptor(), "[1]").ok());
  EXPECT_FALSE(
      JsonFieldPaths(passerelle::v1::Graduate::descriptor(), "{").ok());
}

}  // namespace
}  // namespace passerelle::cli
