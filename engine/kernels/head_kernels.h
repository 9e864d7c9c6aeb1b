// What the per-(sequence, head) CPU kernels share (the additive core, the tiled softmax, the
// linear core): the instruction sets they are compiled for, the head sizes fixed at compile
// time, and the inputs they take — (B,T,H,Dh) float32/float64 CPU tensors, (H,Dh) rows packed.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <type_traits>

// A kernel compiled for AVX-512, AVX2 and the baseline, chosen at load time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FF_CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FF_CPU_CLONES
#endif

namespace fastformer::kernel {

// Runs f(integral_constant<DH>) with the head size fixed where a specialisation exists (16,
// 32, 64), else with DH = 0 (the size read at run time).
template <typename F>
void with_head_size(std::int64_t dh, F&& f) {
  switch (dh) {
    case 16: return f(std::integral_constant<int, 16>{});
    case 32: return f(std::integral_constant<int, 32>{});
    case 64: return f(std::integral_constant<int, 64>{});
    default: return f(std::integral_constant<int, 0>{});
  }
}

// Q, K, V all (B,T,H,Dh) on the CPU, float32 or float64 alike, each token's H·Dh values packed.
inline bool packed_heads(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V) {
  const auto packed = [&](const at::Tensor& x) {
    return x.dim() == 4 && x.device().is_cpu() && x.scalar_type() == Q.scalar_type() && x.sizes() == Q.sizes() &&
           x.stride(3) == 1 && x.stride(2) == x.size(3);
  };
  return (Q.scalar_type() == at::kFloat || Q.scalar_type() == at::kDouble) && packed(Q) && packed(K) && packed(V);
}

// Throws (TORCH_CHECK) unless the inputs are packed heads and mask is (B,T) bool; `what`
// names the kernel in the message.
inline void check_head_inputs(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask,
                              const char* what) {
  TORCH_CHECK(packed_heads(Q, K, V), what, ": CPU float32/float64 (B,T,H,Dh) with packed heads");
  TORCH_CHECK(mask.dim() == 2 && mask.size(0) == Q.size(0) && mask.size(1) == Q.size(1) && mask.scalar_type() == at::kBool,
              what, ": mask must be (B,T) bool");
}

}  // namespace fastformer::kernel
