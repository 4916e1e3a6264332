#include "services/gateway/routes.h"

#include <set>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "passerelle/v1/changefeed.pb.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/integration.pb.h"
#include "passerelle/v1/matching.pb.h"
#include "passerelle/v1/offer.pb.h"
#include "passerelle/v1/organization.pb.h"
#include "passerelle/v1/proposal.pb.h"
#include "passerelle/v1/referential.pb.h"
#include "services/gateway/openapi.h"
#include "services/gateway/transcode.h"

namespace passerelle::gateway {
namespace {

using ::testing::HasSubstr;

TEST(RouteTableTest, EveryRpcOfTheApiHasARoute) {
  std::set<std::string> methods;
  for (const google::protobuf::FileDescriptor* file :
       {v1::Company::descriptor()->file(), v1::Graduate::descriptor()->file(),
        v1::Offer::descriptor()->file(),
        v1::RankOffersRequest::descriptor()->file(),
        v1::Proposal::descriptor()->file(),
        v1::ChangeEvent::descriptor()->file(),
        v1::SearchCommunesRequest::descriptor()->file(),
        v1::WebhookEndpoint::descriptor()->file()}) {
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        methods.insert(file->service(s)->method(m)->full_name());
      }
    }
  }
  std::set<std::string> routed;
  for (const Route& route : RouteTable::V1().routes()) {
    routed.insert(route.method->full_name());
  }
  EXPECT_EQ(routed, methods);
  EXPECT_GE(methods.size(), 36u);
}

TEST(RouteTableTest, FindsResourceRoutesWithVariablesAndVerbs) {
  const RouteTable& table = RouteTable::V1();
  auto get = table.Find("GET", "/v1/offers/off_123");
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->route->method->name(), "GetOffer");
  ASSERT_EQ(get->bindings.size(), 1u);
  EXPECT_EQ(get->bindings[0].first, "id");
  EXPECT_EQ(get->bindings[0].second, "off_123");

  auto patch = table.Find("PATCH", "/v1/offers/off_9");
  ASSERT_TRUE(patch.ok());
  EXPECT_EQ(patch->route->method->name(), "UpdateOffer");
  EXPECT_EQ(patch->bindings[0].first, "offer.id");

  auto close = table.Find("POST", "/v1/offers/off_9:close");
  ASSERT_TRUE(close.ok());
  EXPECT_EQ(close->route->method->name(), "CloseOffer");

  auto search = table.Find("GET", "/v1/offers:search");
  ASSERT_TRUE(search.ok());
  EXPECT_EQ(search->route->method->name(), "SearchOffers");

  auto ranked = table.Find("GET", "/v1/graduates/grd_1/rankedOffers");
  ASSERT_TRUE(ranked.ok());
  EXPECT_EQ(ranked->route->method->name(), "RankOffers");

  auto decoded = table.Find("GET", "/v1/offers/a%20b");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->bindings[0].second, "a b");
}

TEST(RouteTableTest, UnknownPathIsNotFoundAndWrongMethodListsAllowed) {
  EXPECT_EQ(RouteTable::V1().Find("GET", "/v1/nothing").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(RouteTable::V1().Find("GET", "/v1/offers/x:nope").status().code(),
            absl::StatusCode::kNotFound);
  std::vector<std::string> allowed;
  auto put = RouteTable::V1().Find("PUT", "/v1/offers/off_1", &allowed);
  EXPECT_EQ(put.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(allowed, ::testing::UnorderedElementsAre("GET", "PATCH"));
}

TEST(TranscodeTest, BodyPathAndQueryFillTheRequest) {
  auto match = RouteTable::V1().Find("PATCH", "/v1/offers/off_7");
  ASSERT_TRUE(match.ok());
  v1::UpdateOfferRequest request;
  ASSERT_TRUE(BuildRequest(*match, "updateMask=title,weeklyHours",
                           R"({"id": "ignored", "title": "Soudeur",
                               "weeklyHours": 35, "version": "3"})",
                           &request)
                  .ok());
  EXPECT_EQ(request.offer().id(), "off_7");  // the path wins
  EXPECT_EQ(request.offer().title(), "Soudeur");
  EXPECT_EQ(request.offer().version(), 3);
  EXPECT_THAT(request.update_mask().paths(),
              ::testing::ElementsAre("title", "weekly_hours"));

  auto search = RouteTable::V1().Find("GET", "/v1/offers:search");
  v1::SearchOffersRequest s;
  ASSERT_TRUE(BuildRequest(*search,
                           "romeCodes=H2903&rome_codes=H2902&contractTypes="
                           "CONTRACT_TYPE_CDI&radiusKm=25.5&pageSize=10&"
                           "includeClosed=true&communeInsee=59350",
                           "", &s)
                  .ok());
  EXPECT_THAT(s.rome_codes(), ::testing::ElementsAre("H2903", "H2902"));
  EXPECT_EQ(s.contract_types(0), v1::CONTRACT_TYPE_CDI);
  EXPECT_DOUBLE_EQ(s.radius_km(), 25.5);
  EXPECT_EQ(s.page_size(), 10);
  EXPECT_TRUE(s.include_closed());
  EXPECT_EQ(s.commune_insee(), "59350");
}

TEST(TranscodeTest, BadInputNamesTheFieldOrParameter) {
  auto create = RouteTable::V1().Find("POST", "/v1/offers");
  v1::CreateOfferRequest request;
  absl::Status unknown =
      BuildRequest(*create, "", R"({"titel": "x"})", &request);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldOf(unknown.message()), "offer");
  EXPECT_THAT(unknown.message(), HasSubstr("titel"));

  v1::CreateOfferRequest r2;
  absl::Status malformed = BuildRequest(*create, "", "{\"title\": ", &r2);
  EXPECT_EQ(malformed.code(), absl::StatusCode::kInvalidArgument);

  v1::CreateOfferRequest r3;
  absl::Status type =
      BuildRequest(*create, "", R"({"positions": "many"})", &r3);
  EXPECT_EQ(type.code(), absl::StatusCode::kInvalidArgument);

  auto list = RouteTable::V1().Find("GET", "/v1/offers");
  v1::ListOffersRequest l;
  absl::Status param = BuildRequest(*list, "pageSize=ten", "", &l);
  EXPECT_EQ(FieldOf(param.message()), "pageSize");
  v1::ListOffersRequest l2;
  absl::Status unknown_param = BuildRequest(*list, "colour=red", "", &l2);
  EXPECT_EQ(FieldOf(unknown_param.message()), "colour");
  v1::ListOffersRequest l3;
  EXPECT_FALSE(BuildRequest(*list, "", "{}", &l3).ok());  // GET takes no body
  v1::ListOffersRequest l4;
  EXPECT_FALSE(BuildRequest(*list, "status=OFFER_STATUS_NOPE", "", &l4).ok());
}

TEST(TranscodeTest, NdjsonLinesBecomeOneRequestEach) {
  auto import = RouteTable::V1().Find("POST", "/v1/offers:import");
  ASSERT_TRUE(import.ok());
  std::vector<std::string> requests;
  ASSERT_TRUE(BuildStreamRequests(*import, "",
                                  "{\"externalId\": \"a\"}\n\n"
                                  "{\"externalId\": \"b\"}\n",
                                  v1::ImportOffersRequest(), &requests)
                  .ok());
  ASSERT_EQ(requests.size(), 2u);
  v1::ImportOffersRequest second;
  ASSERT_TRUE(second.ParseFromString(requests[1]));
  EXPECT_EQ(second.offer().external_id(), "b");

  absl::Status bad =
      BuildStreamRequests(*import, "", "{\"externalId\": \"a\"}\n{oops\n",
                          v1::ImportOffersRequest(), &requests);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("line 2"));
}

TEST(TranscodeTest, ErrorsMapToHttpStatusesWithTheField) {
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnknown), 500);

  google::protobuf::Struct error;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  ErrorJson(400, absl::StatusCode::kInvalidArgument,
                            "offer.start_date: not a date \"2027-13-01\""),
                  &error)
                  .ok());
  const auto& e = error.fields().at("error").struct_value().fields();
  EXPECT_EQ(e.at("code").number_value(), 400);
  EXPECT_EQ(e.at("status").string_value(), "INVALID_ARGUMENT");
  EXPECT_EQ(e.at("field").string_value(), "offer.start_date");
  EXPECT_THAT(e.at("message").string_value(), HasSubstr("2027-13-01"));
  EXPECT_EQ(FieldOf("graduate grd_1 not found"), "");
}

TEST(OpenApiTest, DescribesEveryRouteAndMessage) {
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  OpenApiJson(RouteTable::V1()), &doc)
                  .ok());
  EXPECT_EQ(doc.fields().at("openapi").string_value(), "3.0.3");
  const auto& paths = doc.fields().at("paths").struct_value().fields();
  size_t operations = 0;
  for (const auto& [path, item] : paths) {
    operations += item.struct_value().fields().size();
  }
  EXPECT_EQ(operations, RouteTable::V1().routes().size());
  const auto& update = paths.at("/v1/offers/{offer.id}")
                           .struct_value()
                           .fields()
                           .at("patch")
                           .struct_value()
                           .fields();
  EXPECT_EQ(update.at("operationId").string_value(),
            "OfferService_UpdateOffer");
  const auto& schemas = doc.fields()
                            .at("components")
                            .struct_value()
                            .fields()
                            .at("schemas")
                            .struct_value()
                            .fields();
  ASSERT_TRUE(schemas.count("passerelle.v1.Offer"));
  const auto& offer_props = schemas.at("passerelle.v1.Offer")
                                .struct_value()
                                .fields()
                                .at("properties")
                                .struct_value()
                                .fields();
  EXPECT_TRUE(offer_props.count("startDate"));
  EXPECT_EQ(offer_props.at("version")
                .struct_value()
                .fields()
                .at("format")
                .string_value(),
            "int64");
}

}  // namespace
}  // namespace passerelle::gateway
