// Least-squares log–log slopes and crossover lengths.
#include "fastformer/scaling_fit.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace fastformer {

std::optional<SlopeFit> fit_loglog_slope(const std::vector<ScalingPoint>& points, double min_n) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  SlopeFit fit;
  std::set<double> distinct;
  for (const auto& p : points) {
    if (p.n < min_n || p.n <= 0 || p.value <= 0) continue;
    const double x = std::log(p.n), y = std::log(p.value);
    sx += x, sy += y, sxx += x * x, sxy += x * y;
    fit.min_n = fit.points == 0 ? p.n : std::min(fit.min_n, p.n);
    fit.max_n = std::max(fit.max_n, p.n);
    ++fit.points;
    distinct.insert(p.n);
  }
  if (distinct.size() < 2) return std::nullopt;
  const auto k = static_cast<double>(fit.points);
  fit.slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
  fit.intercept = (sy - fit.slope * sx) / k;
  return fit;
}

std::optional<double> crossover_length(const std::vector<ScalingPoint>& cheap, const std::vector<ScalingPoint>& dear) {
  std::map<double, double> dear_at;
  for (const auto& p : dear) dear_at[p.n] = p.value;
  std::map<double, bool> cheaper;  // by n, over the lengths both measured
  for (const auto& p : cheap) {
    const auto other = dear_at.find(p.n);
    if (other != dear_at.end()) cheaper[p.n] = p.value < other->second;
  }
  std::optional<double> from;
  for (auto it = cheaper.rbegin(); it != cheaper.rend() && it->second; ++it) from = it->first;
  return from;
}

}  // namespace fastformer
