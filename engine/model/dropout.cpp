// Counter-based dropout masks (splitmix64 of seed + index), parallel over elements.
#include "model/dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>

#include <mutex>

namespace fastformer {
namespace {

// splitmix64 finaliser: a well-mixed 64-bit value for every counter value.
inline std::uint64_t mix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t next_seed() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get<at::CPUGeneratorImpl>()->random64();
}

}  // namespace

at::Tensor dropout_mask(const at::Tensor& like, double p, std::uint64_t seed) {
  at::Tensor mask = at::empty(like.sizes(), like.options().device(at::kCPU).dtype(at::kFloat));
  float* out = mask.data_ptr<float>();
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  // Keep when the top 32 bits, as a fraction of 2^32, are at least p.
  const auto threshold = static_cast<std::uint64_t>(p * 4294967296.0);
  at::parallel_for(0, mask.numel(), 1 << 14, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      out[i] = (mix(seed + static_cast<std::uint64_t>(i)) >> 32) >= threshold ? scale : 0.0f;
    }
  });
  return mask.to(like.device(), like.scalar_type());
}

at::Tensor fast_dropout(const at::Tensor& x, double p, bool training) {
  if (!training || p <= 0.0) return x;
  return x * dropout_mask(x, p, next_seed());  // autograd: the gradient is grad · mask
}

}  // namespace fastformer
