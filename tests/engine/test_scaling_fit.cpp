// Scaling analysis: slopes of exact power laws, the fit range, and crossover lengths.
#include "fastformer/scaling_fit.h"

#include <gtest/gtest.h>

#include <cmath>

namespace fastformer {
namespace {

std::vector<ScalingPoint> power_law(double exponent, double scale) {
  std::vector<ScalingPoint> out;
  for (double n = 128; n <= 32768; n *= 2) out.push_back({n, scale * std::pow(n, exponent)});
  return out;
}

TEST(ScalingFit, RecoversExponentsOfPowerLaws) {
  for (const double exponent : {1.0, 2.0, 1.5}) {
    const auto fit = fit_loglog_slope(power_law(exponent, 3e-6));
    ASSERT_TRUE(fit.has_value());
    EXPECT_NEAR(fit->slope, exponent, 1e-9);
    EXPECT_NEAR(std::exp(fit->intercept), 3e-6, 1e-12);
    EXPECT_EQ(fit->points, 9);
  }
}

TEST(ScalingFit, FitRangeSkipsTheOverheadDominatedStart) {
  // Constant overhead + linear work: the whole range bends below slope 1, the tail does not.
  std::vector<ScalingPoint> points;
  for (double n = 128; n <= 65536; n *= 2) points.push_back({n, 1e-3 + 1e-6 * n});
  const auto all = fit_loglog_slope(points);
  const auto tail = fit_loglog_slope(points, 16384);
  ASSERT_TRUE(all && tail);
  EXPECT_LT(all->slope, 0.75);  // 0.67
  EXPECT_NEAR(tail->slope, 1.0, 0.05);  // 0.97
  EXPECT_EQ(tail->min_n, 16384);
  EXPECT_EQ(tail->max_n, 65536);
  EXPECT_EQ(tail->points, 3);
}

TEST(ScalingFit, NeedsTwoDistinctLengthsAndIgnoresMissingValues) {
  EXPECT_FALSE(fit_loglog_slope({{512, 1.0}}).has_value());
  EXPECT_FALSE(fit_loglog_slope({{512, 1.0}, {512, 2.0}}).has_value());
  const auto fit = fit_loglog_slope({{100, 1.0}, {200, 0.0}, {400, 16.0}});  // 0 = not measured
  ASSERT_TRUE(fit.has_value());
  EXPECT_NEAR(fit->slope, 2.0, 1e-12);
}

TEST(ScalingFit, CrossoverIsWhereTheCheapKindStaysCheaper) {
  // Linear with a large constant against quadratic: equal at n = 1000.
  std::vector<ScalingPoint> linear, quadratic;
  for (double n = 125; n <= 16000; n *= 2) {
    linear.push_back({n, 1000.0 * n});
    quadratic.push_back({n, n * n});
  }
  const auto from = crossover_length(linear, quadratic);
  ASSERT_TRUE(from.has_value());
  EXPECT_EQ(*from, 2000);  // 1000 is a tie (not cheaper); 2000 is the first measured win
  EXPECT_FALSE(crossover_length(quadratic, linear).has_value());
  // A win that does not last is no crossover.
  EXPECT_FALSE(crossover_length({{1, 1.0}, {2, 5.0}}, {{1, 2.0}, {2, 4.0}}).has_value());
}

}  // namespace
}  // namespace fastformer
