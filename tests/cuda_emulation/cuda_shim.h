// The few pieces of CUDA's headers that engine/cuda's kernels and host glue use, for compiling
// them on the CPU with any C++ compiler (no CUDA toolkit): qualifiers, dim3, streams, errors,
// and __half / __nv_bfloat16 with CUDA's conversions. include/cuda_runtime_api.h, cuda_fp16.h
// and cuda_bf16.h stand in for CUDA's and include this; a kernel that starts using anything
// else fails to compile here, so nothing is silently left out.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <math.h>  // expf, fmaxf in the global namespace, as CUDA's math headers put them

// Host compilation: CUDA's qualifiers are empty. __shared__ is the emulation's (emulated_cuda.h).
#define __host__
#define __device__
#define __global__
#define __forceinline__ inline
#define __launch_bounds__(...)

// ---- runtime API: errors, streams, launch shapes ----
enum cudaError { cudaSuccess = 0, cudaErrorInvalidValue = 1 };  // CUDA's values
typedef enum cudaError cudaError_t;
typedef struct CUstream_st* cudaStream_t;  // opaque; the emulation runs every launch at once

inline const char* cudaGetErrorString(cudaError_t error) {
  return error == cudaSuccess ? "no error" : error == cudaErrorInvalidValue ? "invalid argument" : "unknown error";
}
// A launch the GPU would refuse throws from emulated_cuda::launch, so none is left to report.
inline cudaError_t cudaGetLastError() { return cudaSuccess; }

struct uint3 {
  unsigned int x, y, z;
};
struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  constexpr operator uint3() const { return uint3{x, y, z}; }
};

// ---- float16 and bfloat16 storage: the bits of IEEE binary16 / the top half of a float32 ----
struct alignas(2) __half {
  unsigned short __x;
};
struct alignas(2) __nv_bfloat16 {
  unsigned short __x;
};

namespace cuda_shim {
inline std::uint32_t bits_of(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float float_of(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
// Drops the low `shift` bits of m, rounding to nearest, ties to even.
inline std::uint32_t round_shift(std::uint32_t m, unsigned shift) {
  const std::uint32_t kept = m >> shift, rest = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
  return kept + (rest > half || (rest == half && (kept & 1u)));
}
}  // namespace cuda_shim

// Exact. A NaN becomes CUDA's canonical float NaN.
inline float __half2float(__half h) {
  const std::uint32_t sign = (h.__x & 0x8000u) << 16, exponent = (h.__x >> 10) & 0x1Fu, mantissa = h.__x & 0x3FFu;
  if (exponent == 0x1F) return cuda_shim::float_of(mantissa ? 0x7FFFFFFFu : sign | 0x7F800000u);
  if (exponent == 0) {  // zero or subnormal: mantissa · 2^-24, exact in float
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return cuda_shim::float_of(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

// Round to nearest, ties to even (as cvt.rn.f16.f32): ≥ 65520 in magnitude becomes ±inf, below
// 2^-14 a subnormal; a NaN becomes CUDA's canonical 0x7FFF.
inline __half __float2half_rn(float f) {
  const std::uint32_t x = cuda_shim::bits_of(f), u = x & 0x7FFFFFFFu, sign = (x >> 16) & 0x8000u;
  std::uint32_t h;
  if (u > 0x7F800000u) return __half{0x7FFF};
  if (u >= 0x477FF000u) {
    h = 0x7C00u;  // 65520 is halfway between 65504 (odd) and 2^16: to infinity
  } else if (u >= 0x38800000u) {
    // Normal: rebias the exponent (127 → 15) and round the mantissa from 23 to 10 bits; a
    // carry out of the mantissa correctly bumps the exponent.
    h = cuda_shim::round_shift(u - (112u << 23), 13);
  } else if (u <= 0x33000000u) {
    h = 0;  // at most 2^-25, half the smallest subnormal: to zero (even)
  } else {
    // Subnormal: the value in units of 2^-24 is the 24-bit significand shifted right.
    const std::uint32_t exponent = u >> 23, significand = (u & 0x7FFFFFu) | 0x800000u;
    h = cuda_shim::round_shift(significand, 126u - exponent);
  }
  return __half{static_cast<unsigned short>(sign | h)};
}

inline float __bfloat162float(__nv_bfloat16 b) { return cuda_shim::float_of(static_cast<std::uint32_t>(b.__x) << 16); }

// Round to nearest, ties to even; overflow goes to ±inf by itself, a NaN becomes 0x7FFF.
inline __nv_bfloat16 __float2bfloat16_rn(float f) {
  const std::uint32_t x = cuda_shim::bits_of(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return __nv_bfloat16{0x7FFF};
  return __nv_bfloat16{static_cast<unsigned short>(cuda_shim::round_shift(x, 16))};
}
