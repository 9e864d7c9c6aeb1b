// Activation memory estimates from the model's shapes, and free memory from /proc.
#include "fastformer/memory_estimate.h"

#include <cstdio>
#include <fstream>
#include <string>

namespace fastformer {

std::int64_t estimate_activation_bytes(const ModelConfig& c, std::int64_t B, std::int64_t T, bool training) {
  const std::int64_t D = c.hidden, H = c.heads, F = c.ffn;
  // Per layer: about a dozen (B,T,D) tensors (projections, residuals, norms, dropout
  // masks) plus the FFN's (B,T,F) pair.
  const std::int64_t per_layer = 12 * B * T * D + 3 * B * T * F;
  // Materialised softmax attention makes two (B,H,T,T) tensors, the scores and the weights;
  // training keeps each layer's weights for the backward pass, which makes two more
  // transiently. The tiled one keeps a (B,H,T) log-sum-exp (within the dozen above); where
  // its kernels do not apply (CUDA, half precision) it runs materialised, above this estimate.
  const bool materialized = c.attention == AttentionKind::softmax && c.softmax_impl == SoftmaxImpl::materialized;
  const std::int64_t tt = materialized ? B * H * T * T : 0;
  // Inference frees each layer's tensors before the next; training keeps all of them.
  const std::int64_t kept = training ? c.layers * (per_layer + tt) + 2 * tt : per_layer + 2 * tt;
  return 4 * (kept + 4 * B * T * D);
}

std::int64_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::int64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return -1;
}

std::string format_bytes(std::int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return text;
}

}  // namespace fastformer
