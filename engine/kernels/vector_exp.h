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

// e^v for v ≤ 0, inlined into the callers' vectorised loops.
inline __attribute__((always_inline)) float exp_nonpositive_value(float v) {
  v = v < -87.0f ? -87.0f : v;
  // n = round(v·log2 e): truncation toward zero of a value ≤ −0.5 rounds to nearest.
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
  return p * two_n;
}

// x[i] ← e^{x[i] − shift} (shift ≥ every x[i]: a maximum or a log-sum-exp); returns Σ_i.
inline __attribute__((always_inline)) float exp_shifted(float* __restrict x, std::int64_t n, float shift) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (std::int64_t i = 0; i < n; ++i) {
    x[i] = exp_nonpositive_value(x[i] - shift);
    sum += x[i];
  }
  return sum;
}

// The float64 path (tests and references) keeps the library's exp.
inline double exp_shifted(double* __restrict x, std::int64_t n, double shift) {
  double sum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) sum += (x[i] = std::exp(x[i] - shift));
  return sum;
}

}  // namespace fastformer::kernel
