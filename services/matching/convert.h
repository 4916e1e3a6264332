#pragma once

// API records (passerelle.v1) to the engine's plain structs, and back for
// the engine's explanations.

#include <vector>

#include "absl/status/statusor.h"
#include "passerelle/v1/common.pb.h"
#include "passerelle/v1/graduate.pb.h"
#include "passerelle/v1/offer.pb.h"
#include "services/common/referentials.h"
#include "services/matching/engine/engine.h"

namespace passerelle::matching {

// INVALID_ARGUMENT naming the field for a record the engine cannot take
// (records are validated when written, so this means a bug or old data).
absl::StatusOr<engine::Graduate> ToEngine(const v1::Graduate& graduate);
absl::StatusOr<engine::Offer> ToEngine(const v1::Offer& offer);

void ToProto(const engine::Factor& factor, v1::Factor* out);

// The ROME codes (with their v3 parents) and the mobility table.
engine::TradeReferential TradesFrom(const common::Referentials& referentials);

// Every diploma's closing date, kind (vocational or not) and trades.
std::vector<engine::DiplomaFacts> DiplomasFrom(
    const common::Referentials& referentials);

// Every SMIC revaluation of data/smic.csv, for the engine's legal tables.
std::vector<engine::SmicValue> SmicFrom(
    const common::Referentials& referentials);

}  // namespace passerelle::matching
