// Mixed-precision training: autocast runs the matrix products (and what else LibTorch lists
// for it) in bfloat16 or float16 while the weights, the gradients and the optimiser stay
// float32; float16 also needs loss scaling, since its small gradients underflow to zero.
#pragma once

#include "fastformer/train_config.h"

#include <torch/types.h>

#include <vector>

namespace fastformer {

// Autocast on `device` in `precision` for the scope's lifetime (nothing for fp32); restores
// the previous state. Throws fastformer::Error for a precision the device cannot autocast
// (fp16 on the CPU).
class AutocastScope {
 public:
  AutocastScope(torch::Device device, PrecisionKind precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  torch::DeviceType type_ = torch::kCPU;
  bool was_enabled_ = false;
  torch::ScalarType was_dtype_ = torch::kFloat;
};

// Throws unless `precision` can be used for training on `device`.
void check_precision(torch::Device device, PrecisionKind precision);

// Dynamic loss scaling (for fp16): the loss is multiplied by scale() before backward; then
// unscale() divides the gradients back and says whether they are all finite. A step with
// non-finite gradients is skipped and the scale halved; after `growth_interval` good steps
// in a row it doubles. Disabled, the scale is 1 and unscale() only checks.
class LossScaler {
 public:
  explicit LossScaler(bool enabled, double initial_scale = 65536.0, int growth_interval = 2000);
  double scale() const { return scale_; }
  bool enabled() const { return enabled_; }
  // Divides every defined gradient by scale(); false when any value is NaN or infinite.
  bool unscale(const std::vector<torch::Tensor>& grads);
  // After each step: `finite` is what unscale() returned.
  void update(bool finite);
  int skipped() const { return skipped_; }

 private:
  bool enabled_;
  double scale_;
  int growth_interval_;
  int good_steps_ = 0;
  int skipped_ = 0;
};

}  // namespace fastformer
