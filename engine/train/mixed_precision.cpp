// Autocast through ATen's thread-local switches (their names changed in PyTorch 2.4: one
// call per device type instead of separate CPU and GPU calls) and a loss scaler.
#include "fastformer/mixed_precision.h"

#include "fastformer/error.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

#define FF_AUTOCAST_BY_DEVICE_TYPE (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))

namespace fastformer {
namespace {

bool autocast_enabled(torch::DeviceType type) {
#if FF_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::is_autocast_enabled(type);
#else
  return type == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

torch::ScalarType autocast_dtype(torch::DeviceType type) {
#if FF_AUTOCAST_BY_DEVICE_TYPE
  return at::autocast::get_autocast_dtype(type);
#else
  return type == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void set_autocast(torch::DeviceType type, bool enabled, torch::ScalarType dtype) {
#if FF_AUTOCAST_BY_DEVICE_TYPE
  at::autocast::set_autocast_dtype(type, dtype);
  at::autocast::set_autocast_enabled(type, enabled);
#else
  if (type == torch::kCUDA) {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
}

}  // namespace

void check_precision(torch::Device device, PrecisionKind precision) {
  if (precision == PrecisionKind::fp16 && !device.is_cuda()) {
    throw Error("precision fp16 needs a CUDA device", "precision", "use bf16 or fp32 on the CPU");
  }
  if (precision != PrecisionKind::fp32 && !device.is_cuda() && !device.is_cpu()) {
    throw Error("mixed precision runs on cpu and cuda only", "precision");
  }
}

AutocastScope::AutocastScope(torch::Device device, PrecisionKind precision) {
  check_precision(device, precision);
  if (precision == PrecisionKind::fp32) return;
  type_ = device.type();
  was_enabled_ = autocast_enabled(type_);
  was_dtype_ = autocast_dtype(type_);
  set_autocast(type_, true, precision == PrecisionKind::bf16 ? torch::kBFloat16 : torch::kHalf);
  at::autocast::increment_nesting();
  active_ = true;
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // Leaving the outermost scope frees the casted copies of the weights it kept.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(type_, was_enabled_, was_dtype_);
}

LossScaler::LossScaler(bool enabled, double initial_scale, int growth_interval)
    : enabled_(enabled), scale_(enabled ? initial_scale : 1.0), growth_interval_(growth_interval) {}

bool LossScaler::unscale(const std::vector<torch::Tensor>& grads) {
  torch::NoGradGuard no_grad;
  torch::Tensor finite;  // () bool, one device-to-host read at the end
  for (const auto& g : grads) {
    if (!g.defined()) continue;
    if (enabled_) g.mul_(1.0 / scale_);
    const torch::Tensor mine = torch::isfinite(g).all();
    finite = finite.defined() ? finite.logical_and(mine) : mine;
  }
  return !finite.defined() || finite.item<bool>();
}

void LossScaler::update(bool finite) {
  if (!finite) {
    ++skipped_;
    good_steps_ = 0;
    if (enabled_) scale_ = std::max(1.0, scale_ / 2);
    return;
  }
  if (enabled_ && ++good_steps_ >= growth_interval_) {
    scale_ *= 2;
    good_steps_ = 0;
  }
}

}  // namespace fastformer
