// Process-wide runtime set-up and facts: CPU threads, devices, library versions, BLAS.
#pragma once

#include <torch/types.h>

#include <string>
#include <vector>

namespace fastformer {

// Call first thing in main(). OpenMP reads OMP_WAIT_POLICY when the library loads, before
// main: spinning OpenMP workers fight OpenBLAS's own threads (measured in
// docs/performance.md), so when the variable is unset this sets it to PASSIVE and
// re-executes the program once. It also keeps glibc from unmapping large freed buffers
// (each long-sequence step would otherwise fault and zero its memory again).
void apply_process_policies(char** argv);

// Sets LibTorch's intra-op threads; 0 means every core (LibTorch alone may pick half).
// Returns the number now in use.
int configure_threads(int threads = 0);

// "cpu", "cuda" or "cuda:N"; throws fastformer::Error when it is unknown or absent.
torch::Device parse_device(const std::string& name);

struct RuntimeInfo {
  std::string version;        // Fastformer Studio
  std::string torch_version;  // LibTorch the engine was built against
  int threads = 0;
  int cuda_devices = 0;
  // One per device: "NVIDIA H200, 139.8 GiB, sm_90, 132 SMs"; empty strings in a build
  // without the fused kernels (the CUDA runtime is reached through them).
  std::vector<std::string> cuda_names;
  std::string blas;  // BLAS LibTorch was built with, and the library loaded for it
};
RuntimeInfo runtime_info();

}  // namespace fastformer
