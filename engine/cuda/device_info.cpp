// CUDA device descriptions from cudaGetDeviceProperties (plain C++, linked with cudart).
#include "device_info.h"

#include <cuda_runtime_api.h>

#include <cstdio>

namespace fastformer::cuda {

std::string describe_device(int index) {
  cudaDeviceProp p{};
  const cudaError_t rc = cudaGetDeviceProperties(&p, index);
  if (rc != cudaSuccess) return std::string("unavailable (") + cudaGetErrorString(rc) + ")";
  char line[320];
  std::snprintf(line, sizeof line, "%s, %.1f GiB, sm_%d%d, %d SMs", p.name,
                static_cast<double>(p.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0), p.major, p.minor,
                p.multiProcessorCount);
  return line;
}

}  // namespace fastformer::cuda
