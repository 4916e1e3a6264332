#include "services/matching/engine/geo.h"

#include <algorithm>
#include <cmath>

namespace passerelle::engine {

double HaversineKm(double lat1_deg, double lng1_deg, double lat2_deg,
                   double lng2_deg) {
  constexpr double kRad = M_PI / 180.0;
  const double phi1 = lat1_deg * kRad;
  const double phi2 = lat2_deg * kRad;
  const double s_phi = std::sin((phi2 - phi1) / 2);
  const double s_lambda = std::sin((lng2_deg - lng1_deg) * kRad / 2);
  const double h =
      s_phi * s_phi + std::cos(phi1) * std::cos(phi2) * s_lambda * s_lambda;
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(std::min(1.0, h)));
}

}  // namespace passerelle::engine
