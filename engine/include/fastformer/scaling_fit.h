// Scaling analysis of runtime-versus-length measurements: the log–log slope (1 for O(N),
// 2 for O(N²)) over a fit range, and the length where one kind becomes cheaper than another.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace fastformer {

struct ScalingPoint {
  double n = 0.0;     // sequence length
  double value = 0.0; // time (or memory); points with value <= 0 are ignored
};

struct SlopeFit {
  double slope = 0.0;      // least-squares slope of log(value) against log(n)
  double intercept = 0.0;  // log(value) at n = 1
  double min_n = 0.0;      // fit range actually used
  double max_n = 0.0;
  std::int64_t points = 0;
};

// Fits the points with n >= min_n; std::nullopt when fewer than two distinct n remain.
std::optional<SlopeFit> fit_loglog_slope(const std::vector<ScalingPoint>& points, double min_n = 0.0);

// The smallest measured n from which `cheap` stays below `dear` at every larger common n,
// or std::nullopt when it never does. Both lists are matched on equal n.
std::optional<double> crossover_length(const std::vector<ScalingPoint>& cheap, const std::vector<ScalingPoint>& dear);

}  // namespace fastformer
