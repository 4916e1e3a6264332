#pragma once

// What a company may read of the engine's verdict on one of its offers and
// a graduate, before that graduate accepted (DESIGN.md, "Callers and data
// protection"). RankGraduates, ExplainMatch and the company's proposals all
// go through here, so that they say the same thing.
//
// - Distances are rounded up to a kDistanceBandKm band: with exact
//   distances, three offers locate a home by trilateration. The distance
//   factor's value, and so the score, are those of the band's distance
//   (else the value, exp(-k d / radius), would give the exact distance
//   back).
// - Exclusions carry the rule's name only ("minor_night_work"): their
//   details hold the birth date, age, status and preferences.
// - Factor details name no personal value: no distance or radius, no order
//   of the accepted contracts or trades, no legal-minimum basis (it states
//   the pay age). Values and weights stay, so a rank stays explainable.

#include "google/protobuf/repeated_field.h"
#include "passerelle/v1/common.pb.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/offer.pb.h"

namespace passerelle::matching {

inline constexpr double kDistanceBandKm = 5;

// `km` rounded up to a whole number of bands, at least one band (so
// 0 -> 5, 5 -> 5, 5.01 -> 10).
double DistanceBandKm(double km);

// Rewrites `*score`, `*distance_km` and `*factors` (as the engine gave
// them for `graduate` and `offer`) into what the offer's company may see.
void CompanyView(const v1::Graduate& graduate, const v1::Offer& offer,
                 double* score, double* distance_km,
                 google::protobuf::RepeatedPtrField<v1::Factor>* factors);

// Keeps each exclusion's rule and drops its detail.
void CompanyView(google::protobuf::RepeatedPtrField<v1::Exclusion>* exclusions);

}  // namespace passerelle::matching
