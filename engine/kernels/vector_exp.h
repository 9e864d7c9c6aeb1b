// e^x over a block of values the compiler can vectorise (std::exp stays a scalar call unless
// -ffast-math): Cody–Waite range reduction x = n·ln2 + r, a degree-6 polynomial for e^r
// (the Cephes expf coefficients) and 2^n written into the exponent bits. Relative error
// under 1e-7 on [−87, 0]; below −87 the result is e^−87 ≈ 1.6e-38, which no softmax sum sees.
// Needs -fno-trapping-math (and -fopenmp-simd) on the file that uses it to vectorise.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace fastformer::kernel {

// x[i] ← e^{x[i]} for x[i] ≤ 0 (scores minus their maximum).
inline __attribute__((always_inline)) void exp_nonpositive(float* __restrict x, std::int64_t n) {
#pragma omp simd
  for (std::int64_t i = 0; i < n; ++i) {
    float v = x[i];
    v = v < -87.0f ? -87.0f : v;
    // n = round(x·log2 e): truncation toward zero of a value ≤ −0.5 rounds to nearest.
    const float fn = static_cast<float>(static_cast<std::int32_t>(v * 1.44269504088896341f - 0.5f));
    const float r = v - fn * 0.693359375f + fn * 2.12194440e-4f;  // ln2 in two parts
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const std::int32_t bits = (static_cast<std::int32_t>(fn) + 127) << 23;  // 2^n, n ≥ −126
    float two_n;
    std::memcpy(&two_n, &bits, sizeof two_n);
    x[i] = p * two_n;
  }
}

// The float64 path (tests and references) keeps the library's exp.
inline void exp_nonpositive(double* __restrict x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) x[i] = std::exp(x[i]);
}

}  // namespace fastformer::kernel
