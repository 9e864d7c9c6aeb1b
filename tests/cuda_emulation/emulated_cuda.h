// Runs CUDA kernels on the CPU, for testing the fused core's kernels (engine/cuda) without a
// GPU. Every CUDA thread of a block is a std::thread; __syncthreads is a barrier of the block;
// __shfl_xor_sync exchanges through a buffer between two barriers (so every thread of the
// block must call it, as every lane of a warp must with a full mask); dynamic and static
// __shared__ memory is one buffer per launch / a static local, since blocks run one after
// another. Launches check the limits a GPU enforces (threads per block, grid size, 48 KiB of
// dynamic shared memory). What it cannot show: timing, the memory model, warp divergence.
// emulate_kernels.py rewrites a .cu file for it; this header is included before that code.
// CUDA's types come from cuda_shim.h, so no CUDA toolkit is needed.
#pragma once

#include "cuda_shim.h"

#define __shared__ static

#include <barrier>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

inline thread_local uint3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;

namespace emulated_cuda {

struct Launch {
  std::barrier<>* barrier = nullptr;
  std::vector<float> shared;    // dynamic shared memory of the running block
  std::vector<float> exchange;  // one slot per thread for shuffles
};
inline Launch* current = nullptr;

inline unsigned linear_thread() { return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z); }

// kernel<<<grid, block, shared_bytes, stream>>>(args) becomes launch(grid, block, shared_bytes, [&] { kernel(args); }).
template <typename Body>
void launch(dim3 grid, dim3 block, std::size_t shared_bytes, Body&& body) {
  const unsigned threads = block.x * block.y * block.z;
  if (threads == 0 || threads > 1024 || block.z > 64) throw std::runtime_error("bad block size " + std::to_string(threads));
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 || grid.z > 65535) {
    throw std::runtime_error("bad grid size");
  }
  if (shared_bytes > 48 * 1024) throw std::runtime_error("dynamic shared memory over 48 KiB: " + std::to_string(shared_bytes));
  gridDim = grid;
  blockDim = block;
  std::barrier<> barrier(threads);
  Launch state{&barrier, std::vector<float>((shared_bytes + sizeof(float) - 1) / sizeof(float)),
               std::vector<float>(threads)};
  current = &state;
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      threadIdx = uint3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
      for (unsigned z = 0; z < grid.z; ++z) {
        for (unsigned y = 0; y < grid.y; ++y) {
          for (unsigned x = 0; x < grid.x; ++x) {
            blockIdx = uint3{x, y, z};
            // Shared memory starts as NaN, so a value read before it is written shows up.
            if (t == 0) std::fill(state.shared.begin(), state.shared.end(), std::nanf(""));
            barrier.arrive_and_wait();
            body();
            barrier.arrive_and_wait();  // a thread that returned early waits here for the block
          }
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  current = nullptr;
}

}  // namespace emulated_cuda

inline float* emulated_dynamic_shared() { return emulated_cuda::current->shared.data(); }

inline void __syncthreads() { emulated_cuda::current->barrier->arrive_and_wait(); }

inline float __shfl_xor_sync(unsigned, float value, int lane_mask) {
  auto& state = *emulated_cuda::current;
  const unsigned me = emulated_cuda::linear_thread();
  state.exchange[me] = value;
  state.barrier->arrive_and_wait();
  const float other = state.exchange[me ^ static_cast<unsigned>(lane_mask)];
  state.barrier->arrive_and_wait();
  return other;
}
