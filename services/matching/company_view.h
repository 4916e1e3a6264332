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
//
// Known limits (what an active company can still probe, by editing its own
// offer and ranking again): moving an offer shows where a band changes,
// and changing its start date where the minor flag (or, equally, the
// eligibility for night work) changes; the salary factor's value reflects
// the legal minimum, so the pay-age band; the trade factor's value tells
// the first-choice trade (as the order of Candidate.rome_codes does); the
// working-time rules differ under 16 (night from 20:00, 14 h of daily
// rest, no derogation), so a minor_* exclusion may tell a 15-year-old from
// a 16-year-old, as apprenticeship_too_young already does.
// Those need many writes to the offer: they call for auditing or limiting
// such edits, not for hiding more of the answer.

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
