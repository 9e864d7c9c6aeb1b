// The additive core on the fused CUDA kernels of engine/cuda/ (the autograd function of
// kernels/fused_core_function.h on Q's device and stream), and the switch that decides when
// additive_core() uses it. Without FF_HAVE_CUDA_KERNELS only the switch.
#include "fastformer/cuda_core.h"

#include "fastformer/error.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#ifndef FF_HAVE_CUDA_KERNELS
#define FF_HAVE_CUDA_KERNELS 0
#endif

#if FF_HAVE_CUDA_KERNELS
#include "kernels/fused_core_function.h"

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace fastformer {
namespace {

// -1: not decided yet (read FF_CUDA_KERNELS on first use), 0 off, 1 on.
std::atomic<int> g_switch{-1};

}  // namespace

bool fused_cuda_core_built() { return FF_HAVE_CUDA_KERNELS != 0; }

void set_fused_cuda_core(bool enabled) { g_switch.store(enabled ? 1 : 0); }

bool fused_cuda_core_enabled() {
  if (!fused_cuda_core_built()) return false;
  int state = g_switch.load();
  if (state < 0) {
    const char* env = std::getenv("FF_CUDA_KERNELS");
    const int from_env = (env != nullptr && std::strcmp(env, "0") == 0) ? 0 : 1;
    g_switch.compare_exchange_strong(state, from_env);
    state = g_switch.load();
  }
  return state == 1;
}

#if !FF_HAVE_CUDA_KERNELS

bool fused_cuda_core_applies(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                             const at::Tensor&, const at::Tensor&) {
  return false;
}

AdditiveCoreOutput fused_cuda_core(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                   const at::Tensor&, const at::Tensor&, double) {
  throw Error("the fused CUDA kernels are not in this build", "fused_cuda_core",
              "configure with -DFF_CUDA_KERNELS=ON against a LibTorch with CUDA");
}

#else

namespace {

using kernel::fused::packed_rows;
using kernel::fused::shape_of;

// The fused core's kernels run on Q's device, made current for each forward and backward
// (before the stream is read: it is the device's), on torch's current stream there.
class OnQsDevice {
 public:
  explicit OnQsDevice(const at::Tensor& Q) : guard_(Q.device()) {}
  cudaStream_t stream() const { return c10::cuda::getCurrentCUDAStream().stream(); }

 private:
  c10::cuda::CUDAGuard guard_;
};

// Buffers, plans and the order of kernel calls: kernels/fused_core_function.h.
using FusedCore = kernel::fused::Function<OnQsDevice>;

bool supported_type(at::ScalarType type) { return type == at::kFloat || type == at::kHalf || type == at::kBFloat16; }

}  // namespace

bool fused_cuda_core_applies(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask,
                             const at::Tensor& wq, const at::Tensor& wk) {
  if (!fused_cuda_core_enabled() || !Q.defined() || !Q.is_cuda() || !supported_type(Q.scalar_type())) return false;
  for (const at::Tensor* t : {&K, &V, &wq, &wk}) {
    if (!t->defined() || t->device() != Q.device() || t->scalar_type() != Q.scalar_type()) return false;
  }
  if (!packed_rows(Q) || !packed_rows(K) || !packed_rows(V) || K.sizes() != Q.sizes() || V.sizes() != Q.sizes()) {
    return false;
  }
  if (wq.dim() != 2 || wq.size(0) != Q.size(2) || wq.size(1) != Q.size(3) || wk.sizes() != wq.sizes()) return false;
  if (!mask.defined() || mask.dim() != 2 || mask.size(0) != Q.size(0) || mask.size(1) != Q.size(1)) return false;
  return cuda::shape_supported(shape_of(Q));
}

AdditiveCoreOutput fused_cuda_core(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                   const at::Tensor& mask, const at::Tensor& wq, const at::Tensor& wk, double scale) {
  if (!fused_cuda_core_applies(Q, K, V, mask, wq, wk)) {
    throw Error("the fused CUDA core does not take these inputs", "fused_cuda_core",
                "CUDA float32/float16/bfloat16 tensors with packed rows and Dh 16, 32, 64 or 128; "
                "additive_core() picks the ATen path by itself");
  }
  const torch::autograd::variable_list out = FusedCore::apply(Q, K, V, mask, wq, wk, scale);
  return {out[0], out[1], out[2], out[3], out[4]};
}

#endif  // FF_HAVE_CUDA_KERNELS

}  // namespace fastformer
