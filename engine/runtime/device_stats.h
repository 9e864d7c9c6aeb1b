// Device facts the benchmark needs around its clock: waiting for queued CUDA work, and the
// CUDA caching allocator's byte counters where the build can reach them.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>

namespace fastformer {

// Waits until `device` has finished its queued work (no-op on CPU).
void synchronize(const c10::Device& device);

// True when this build can read the CUDA caching allocator's statistics (a LibTorch built
// with CUDA and its headers at hand); otherwise CUDA memory is reported as unknown.
bool cuda_allocator_stats_available();
// Starts a new peak; then the bytes allocated now, and the peak since the reset. 0 when
// the statistics are not available.
void reset_cuda_peak_bytes(const c10::Device& device);
std::int64_t cuda_allocated_bytes(const c10::Device& device);
std::int64_t cuda_peak_allocated_bytes(const c10::Device& device);

}  // namespace fastformer
