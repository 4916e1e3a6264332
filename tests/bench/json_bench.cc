// A component figure (no network, no server): the HTTP gateway's
// proto-binary → JSON step (gateway::BytesToJson, protobuf's JSON mapping)
// on a RankOffers answer of 20 offers with their factors, the answer the
// http_vs_grpc benchmark asks for, against the binary parse the gRPC
// client does instead.
//
//   build/tests/bench/json_bench

#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "passerelle/v1/matching.pb.h"
#include "services/gateway/transcode.h"

namespace passerelle {
namespace {

std::string RankOffersAnswer(bool with_offers = true) {
  v1::RankOffersResponse response;
  for (int i = 0; i < 20; ++i) {
    v1::RankedOffer* ranked = response.add_results();
    v1::Offer* o = ranked->mutable_offer();
    o->set_id(absl::StrCat("off_661fde74835e74e8a4d", i));
    o->set_company_id("cmp_661fde7464d9341aa3ba");
    o->set_external_id(absl::StrCat("EXT-", i));
    o->set_title("Technicien / Technicienne installation et maintenance");
    o->set_rome_code("I1305");
    o->set_contract_type(v1::CONTRACT_TYPE_APPRENTICESHIP);
    o->set_start_date("2027-01-05");
    o->set_weekly_hours(35);
    o->mutable_target_diploma()->set_code("40025214");
    o->mutable_target_diploma()->set_title(
        "MAINTENANCE DES SYSTEMES (BAC PRO)");
    o->add_required_skills("soudage TIG");
    o->add_desired_skills("lecture de plans");
    o->mutable_place()->set_commune_insee("59178");
    o->mutable_place()->set_commune_name("Dechy");
    o->mutable_place()->set_latitude(50.35);
    o->mutable_place()->set_longitude(3.12);
    o->set_monthly_gross_salary_eur(1100);
    o->set_status(v1::OFFER_STATUS_OPEN);
    o->set_description("Atelier de maintenance, équipe de 12 personnes.");
    o->mutable_create_time()->set_seconds(1796000000 + i);
    o->mutable_update_time()->set_seconds(1796000000 + i);
    o->set_version(3);
    ranked->set_score(0.651 - i * 0.01);
    ranked->set_distance_km(3.5 + i);
    for (const char* name :
         {"skills", "distance", "trade", "contract_preference", "salary",
          "freshness", "diploma_fit"}) {
      v1::Factor* f = ranked->add_factors();
      f->set_name(name);
      f->set_value(0.75);
      f->set_weight(0.1);
      f->set_detail("0.0 km from home, radius 40 km");
    }
  }
  if (!with_offers) {
    for (auto& r : *response.mutable_results()) r.clear_offer();
  }
  return response.SerializeAsString();
}

// state.range(0): 1 with the offers, 0 without them (the scores and the
// seven factors of each alone).
void BM_BytesToJson(benchmark::State& state) {
  const std::string bytes = RankOffersAnswer(state.range(0) == 1);
  size_t out = 0;
  for (auto _ : state) {
    auto json =
        gateway::BytesToJson(v1::RankOffersResponse::descriptor(), bytes);
    out += json->size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["json_bytes"] =
      static_cast<double>(out) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_BytesToJson)->ArgName("with_offers")->Arg(1)->Arg(0);

void BM_BinaryParse(benchmark::State& state) {
  const std::string bytes = RankOffersAnswer();
  for (auto _ : state) {
    v1::RankOffersResponse response;
    benchmark::DoNotOptimize(response.ParseFromString(bytes));
  }
  state.counters["binary_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_BinaryParse);

}  // namespace
}  // namespace passerelle

BENCHMARK_MAIN();
