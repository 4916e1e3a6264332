#include "services/matching/company_view.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/matching/engine/rules.h"
#include "services/matching/engine/scoring_config.h"

namespace passerelle::matching {
namespace {

// The distance factor's value at `band_km`, from the engine's value at the
// true distance: value = exp(ln(floor) * d / radius), so
// value(band) = value(d)^(band / d). At d = 0 the value says nothing of
// the radius: it is taken from the record.
double BandValue(const v1::Graduate& graduate, double value, double km,
                 double band_km) {
  if (km > 0 && value > 0 && value < 1) {
    return std::pow(value, band_km / km);
  }
  if (km <= 0 && graduate.max_distance_km() > 0) {
    const double floor = engine::ScoringConfig().distance_value_at_radius;
    return std::exp(std::log(floor) * band_km / graduate.max_distance_km());
  }
  return value;
}

}  // namespace

double DistanceBandKm(double km) {
  if (!(km > kDistanceBandKm)) return kDistanceBandKm;  // also NaN
  return std::ceil(km / kDistanceBandKm) * kDistanceBandKm;
}

void CompanyView(const v1::Graduate& graduate, const v1::Offer& offer,
                 double* score, double* distance_km,
                 google::protobuf::RepeatedPtrField<v1::Factor>* factors) {
  const double km = *distance_km;
  const double band = DistanceBandKm(km);
  *distance_km = band;
  for (v1::Factor& f : *factors) {
    if (f.name() == engine::kFactorDistance) {
      const double value = BandValue(graduate, f.value(), km, band);
      *score += f.weight() * (value - f.value());
      f.set_value(value);
      f.set_detail(absl::StrFormat(
          "within %.0f km (distances are shown in %.0f km bands)", band,
          kDistanceBandKm));
    } else if (f.name() == engine::kFactorTrade) {
      // "first-choice" / "not the first" would tell the order of the
      // graduate's trades.
      if (f.value() >= 0.9) {
        f.set_detail(absl::StrCat(offer.rome_code(),
                                  " is one of the graduate's trades"));
      }
    } else if (f.name() == engine::kFactorContract) {
      f.set_detail(f.value() > 0
                       ? "the offer's contract type is one the graduate accepts"
                       : "the graduate does not accept this contract type");
    } else if (f.name() == engine::kFactorSalary) {
      if (offer.monthly_gross_salary_eur() <= 0) {
        f.set_detail(
            "not stated; the legal minimum for this candidate applies");
      } else {
        f.set_detail(absl::StrFormat(
            "%.2f €/month is %s the legal minimum for this candidate",
            offer.monthly_gross_salary_eur(),
            f.value() > 0 ? "at or above" : "BELOW"));
      }
    } else if (f.name() ==
               absl::StrCat("warning:", engine::kWarningSalaryBelowMinimum)) {
      f.set_detail(absl::StrFormat(
          "%.2f €/month is below the legal minimum for this candidate",
          offer.monthly_gross_salary_eur()));
    } else if (absl::StartsWith(f.name(), "warning:")) {
      // The other warnings speak of the candidate: an age-limit exception
      // names an attested status (a disability recognition among them), a
      // licence or regulated-work basis names their papers. The company
      // keeps the rule's name only.
      f.clear_detail();
    }
  }
  // Of those, an age-limit exception says by its name alone that the
  // candidate is past the usual age and holds an attested status: dropped.
  const std::string age_exception =
      absl::StrCat("warning:", engine::kWarningAgeLimitException);
  for (int i = factors->size() - 1; i >= 0; --i) {
    if ((*factors)[i].name() == age_exception) factors->DeleteSubrange(i, 1);
  }
  *score = std::clamp(*score, 0.0, 1.0);
}

void CompanyView(
    google::protobuf::RepeatedPtrField<v1::Exclusion>* exclusions) {
  for (v1::Exclusion& e : *exclusions) e.clear_detail();
}

}  // namespace passerelle::matching
