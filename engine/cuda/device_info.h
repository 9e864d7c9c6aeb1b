// What `fastformer info` says about each CUDA device: asked of the CUDA runtime the fused
// kernels already link, so the engine needs no CUDA headers of its own.
#pragma once

#include <string>

namespace fastformer::cuda {

// "NVIDIA H200, 139.8 GiB, sm_90, 132 SMs", or the runtime's error text for that index.
std::string describe_device(int index);

}  // namespace fastformer::cuda
