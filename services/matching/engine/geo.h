#pragma once

namespace passerelle::engine {

// Mean Earth radius (IUGG), the one the engine uses for distances and for
// the S2 caps it covers.
inline constexpr double kEarthRadiusKm = 6371.0088;

// Great-circle distance in km between two WGS84 points given in degrees
// (haversine formula). The engine's distance rule and factor use exactly
// this function.
double HaversineKm(double lat1_deg, double lng1_deg, double lat2_deg,
                   double lng2_deg);

}  // namespace passerelle::engine
