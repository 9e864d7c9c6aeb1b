// Process-wide runtime set-up and facts: CPU threads, devices, library versions, BLAS.
#pragma once

#include <torch/types.h>

#include <string>

namespace fastformer {

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
  std::string blas;  // BLAS LibTorch was built with, and the library loaded for it
};
RuntimeInfo runtime_info();

}  // namespace fastformer
