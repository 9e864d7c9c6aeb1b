// The fused CUDA additive core (engine/cuda/, built with -DFF_CUDA_KERNELS=ON): whether
// additive_core() and additive_core_packed() use it, and a direct entry point for tests.
#pragma once

#include "fastformer/additive_core.h"

namespace fastformer {

// True when this build contains the kernels (FF_CUDA_KERNELS=ON with a CUDA LibTorch).
bool fused_cuda_core_built();

// Run-time switch, on by default; the environment variable FF_CUDA_KERNELS=0 turns it off at
// start. Off: CUDA tensors take the ATen operations (e.g. to compare fused against unfused).
void set_fused_cuda_core(bool enabled);
bool fused_cuda_core_enabled();

// True when the fused kernels take these inputs: built and switched on, Q, K, V, wq, wk on one
// CUDA device in float32, float16 or bfloat16, rows of H·Dh packed values, Dh ∈ {16,32,64,128}.
bool fused_cuda_core_applies(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask,
                             const at::Tensor& wq, const at::Tensor& wk);

// The additive core on the fused kernels (same contract as additive_core); throws
// fastformer::Error when fused_cuda_core_applies is false.
AdditiveCoreOutput fused_cuda_core(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                   const at::Tensor& mask, const at::Tensor& wq, const at::Tensor& wk, double scale);

}  // namespace fastformer
