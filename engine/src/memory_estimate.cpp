// Activation memory estimates from the model's shapes, and free memory from /proc.
#include "fastformer/memory_estimate.h"

#include <cstdio>
#include <fstream>
#include <string>

namespace fastformer {

std::int64_t estimate_activation_bytes(const ModelConfig& c, std::int64_t B, std::int64_t T, bool training) {
  const std::int64_t D = c.hidden, H = c.heads, F = c.ffn;
  // Per layer: about a dozen (B,T,D) tensors (projections, residuals, norms, dropout
  // masks) plus the FFN's (B,T,F) pair; softmax attention adds four (B,H,T,T) tensors
  // (scores, masked scores, weights, masked weights).
  std::int64_t per_layer = 12 * B * T * D + 3 * B * T * F;
  if (c.attention == AttentionKind::softmax) per_layer += 4 * B * H * T * T;
  // Inference frees each layer's tensors before the next; training keeps all of them.
  const std::int64_t layers_alive = training ? c.layers : 1;
  return 4 * (per_layer * layers_alive + 4 * B * T * D);
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
