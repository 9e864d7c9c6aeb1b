// Device helpers shared by the additive-core kernels: storage conversions, the thread mapping
// of a block over token rows, group sums and the dispatch over storage type and head size.
#pragma once

#include "core_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>

namespace fastformer::cuda::detail {

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

template <typename S>
__device__ __forceinline__ S from_float(float x);
template <>
__device__ __forceinline__ float from_float<float>(float x) { return x; }
template <>
__device__ __forceinline__ __half from_float<__half>(float x) { return __float2half_rn(x); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// A block reads `rows` token rows at once. Each row is H heads × G lanes; lane g of head h
// holds the E = Dh/G elements h·Dh + e·G + g, so one load instruction of a warp reads 32
// consecutive elements of a row (coalesced), and a head's dot product is a sum over G lanes.
template <int DH>
struct Lanes {
  static constexpr int G = DH < 32 ? DH : 32;  // lanes per head
  static constexpr int E = DH / G;             // elements per lane
  int y, h, g;                                 // row in the block, head, lane
  std::int64_t heads;                          // H
  bool active;                                 // false for the padding threads of the last warp
  __device__ Lanes(std::int64_t H, int rows) : heads(H) {
    const int per_row = static_cast<int>(H) * G;
    y = threadIdx.x / per_row;
    h = (threadIdx.x % per_row) / G;
    g = threadIdx.x % G;
    active = y < rows;
  }
  __device__ int col(int e) const { return h * DH + e * G + g; }
};

// Elements each thread of a streaming pass loads before it uses any: 8 · 2 bytes of bf16
// per thread keeps enough bytes in flight to cover memory latency, whatever Dh is (rows
// in flight = kElementsInFlight / E).
constexpr int kElementsInFlight = 8;

// Sum over the G lanes of one head; every lane of the warp must call it (idle ones with 0).
template <int G>
__device__ __forceinline__ float group_sum(float v) {
#pragma unroll
  for (int offset = G / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// Sums acc over the block's rows into part[item] (D floats); smem holds rows × D floats.
template <int DH>
__device__ void block_rows_sum(const Lanes<DH>& ln, const float (&acc)[Lanes<DH>::E], int rows, std::int64_t D,
                               float* smem, float* part) {
  if (ln.active) {
#pragma unroll
    for (int e = 0; e < Lanes<DH>::E; ++e) smem[ln.y * D + ln.col(e)] = acc[e];
  }
  __syncthreads();
  for (std::int64_t j = threadIdx.x; j < D; j += blockDim.x) {
    float total = 0.f;
    for (int r = 0; r < rows; ++r) total += smem[r * D + j];
    part[j] = total;
  }
}

template <typename S>
__device__ __forceinline__ const S* row_ptr(const Rows& x, std::int64_t b, std::int64_t t) {
  return static_cast<const S*>(x.data) + b * x.sb + t * x.st;
}
template <typename S>
__device__ __forceinline__ S* row_ptr(const OutRows& x, std::int64_t b, std::int64_t t) {
  return static_cast<S*>(x.data) + b * x.sb + t * x.st;
}

// One thread's share of R token rows of x, loaded before any is used: rows
// t = first + r·stride (r < R); on[r] is false and the values 0 past t1, on padding, and for
// the idle threads of the last warp. With `scores` (B,T,H), z[r] gets the row's score of the
// thread's head (0 where on[r] is false).
template <typename S, int DH, int R>
__device__ __forceinline__ void load_rows(const Lanes<DH>& ln, const Rows& x, const bool* mask, std::int64_t b,
                                          std::int64_t T, std::int64_t first, std::int64_t stride, std::int64_t t1,
                                          float (&xv)[R][Lanes<DH>::E], bool (&on)[R],
                                          const float* scores = nullptr, float* z = nullptr) {
#pragma unroll
  for (int r = 0; r < R; ++r) {
    const std::int64_t t = first + r * stride;
    on[r] = ln.active && t < t1 && mask[b * T + t];
    const S* row = on[r] ? row_ptr<S>(x, b, t) : nullptr;
#pragma unroll
    for (int e = 0; e < Lanes<DH>::E; ++e) xv[r][e] = on[r] ? to_float(row[ln.col(e)]) : 0.f;
    if (scores) z[r] = on[r] ? scores[(b * T + t) * ln.heads + ln.h] : 0.f;
  }
}

// Calls f(S{}, integral_constant<int, Dh>{}) for the supported storage types and head sizes.
template <int V>
struct Int {
  static constexpr int value = V;
};
template <typename F>
cudaError_t dispatch(Storage st, std::int64_t dh, F&& f) {
  const auto by_dh = [&](auto s) -> cudaError_t {
    switch (dh) {
      case 16: f(s, Int<16>{}); break;
      case 32: f(s, Int<32>{}); break;
      case 64: f(s, Int<64>{}); break;
      case 128: f(s, Int<128>{}); break;
      default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
  };
  switch (st) {
    case Storage::f32: return by_dh(float{});
    case Storage::f16: return by_dh(__half{});
    case Storage::bf16: return by_dh(__nv_bfloat16{});
  }
  return cudaErrorInvalidValue;
}

}  // namespace fastformer::cuda::detail
