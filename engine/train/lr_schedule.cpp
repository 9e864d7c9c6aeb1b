// Warm-up and decay schedules.
#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace fastformer {

double learning_rate(const TrainConfig& c, std::int64_t step, std::int64_t total_steps) {
  total_steps = std::max<std::int64_t>(total_steps, 1);
  // The epsilon keeps 0.07 × 100 = 7.000000000000001 at 7 warm-up steps.
  const auto warmup = static_cast<std::int64_t>(std::ceil(c.warmup_fraction * static_cast<double>(total_steps) - 1e-9));
  if (step < warmup) return c.lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (c.schedule == ScheduleKind::constant) return c.lr;
  // Fraction of the decay phase already done, in [0, 1].
  const double done = std::clamp(static_cast<double>(step - warmup) / static_cast<double>(std::max<std::int64_t>(total_steps - warmup, 1)), 0.0, 1.0);
  if (c.schedule == ScheduleKind::linear) return c.lr * (1.0 - done);
  return c.lr * 0.5 * (1.0 + std::cos(M_PI * done));
}

}  // namespace fastformer
