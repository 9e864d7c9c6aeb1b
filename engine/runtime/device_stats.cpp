// CUDA synchronisation through torch::cuda (declared in CPU-only builds too, so this
// compiles everywhere) and allocator statistics behind a compile-time check: the
// allocator header needs the CUDA runtime headers and a LibTorch built with CUDA, which a
// CPU-only LibTorch 1.13 does not have.
#include "runtime/device_stats.h"

#include <torch/cuda.h>

#if __has_include(<ATen/cuda/CUDAConfig.h>)
#include <ATen/cuda/CUDAConfig.h>
#endif
#if defined(AT_CUDA_ENABLED) && __has_include(<c10/cuda/CUDACachingAllocator.h>) && \
    __has_include(<cuda_runtime_api.h>)
#if AT_CUDA_ENABLED()
#define FF_CUDA_ALLOCATOR_STATS 1
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif
#endif

namespace fastformer {

void synchronize(const c10::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.has_index() ? device.index() : -1);
}

#ifdef FF_CUDA_ALLOCATOR_STATS
namespace {

namespace allocator = c10::cuda::CUDACachingAllocator;

// The allocator's functions take an int (1.13) or a c10::DeviceIndex (2.x): both accept this.
// "cuda" without an index is the current device.
c10::DeviceIndex index_of(const c10::Device& device) {
  return device.has_index() ? device.index() : c10::cuda::current_device();
}

}  // namespace

bool cuda_allocator_stats_available() { return true; }

void reset_cuda_peak_bytes(const c10::Device& device) {
  if (device.is_cuda()) allocator::resetPeakStats(index_of(device));
}

// allocated_bytes[0] is the aggregate over the small and large pools (StatType::AGGREGATE).
std::int64_t cuda_allocated_bytes(const c10::Device& device) {
  if (!device.is_cuda()) return 0;
  return allocator::getDeviceStats(index_of(device)).allocated_bytes[0].current;
}

std::int64_t cuda_peak_allocated_bytes(const c10::Device& device) {
  if (!device.is_cuda()) return 0;
  return allocator::getDeviceStats(index_of(device)).allocated_bytes[0].peak;
}
#else
bool cuda_allocator_stats_available() { return false; }
void reset_cuda_peak_bytes(const c10::Device&) {}
std::int64_t cuda_allocated_bytes(const c10::Device&) { return 0; }
std::int64_t cuda_peak_allocated_bytes(const c10::Device&) { return 0; }
#endif

}  // namespace fastformer
