// The block products of the tiled softmax (kernels/softmax_tiled_cpu.cpp), for up to kRows
// query rows at once against a block of packed keys: the rows' sums are independent chains
// (one alone would wait on each FMA's latency) and share every load of the keys. Head sizes
// that are a multiple of a 64-byte vector use GCC vector types, which keep the accumulators
// in registers; other sizes take plain loops. Everything is inlined into the callers, which
// are compiled once per instruction set.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

namespace fastformer::kernel::tile {

constexpr int kRows = 8;

template <typename S>
using RowPointers = std::array<const S*, kRows>;
template <typename S>
using OutPointers = std::array<S*, kRows>;

template <typename S>
struct Lanes {
  typedef S Vec __attribute__((vector_size(64)));
  static constexpr int n = 64 / static_cast<int>(sizeof(S));
};
template <typename S>
using Vec = typename Lanes<S>::Vec;

template <typename S>
inline __attribute__((always_inline)) Vec<S> load(const S* p) {
  Vec<S> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename S>
inline __attribute__((always_inline)) void store(S* p, const Vec<S>& v) {
  std::memcpy(p, &v, sizeof v);
}

template <typename S, int DH>
constexpr bool kVectorRows = DH > 0 && DH % Lanes<S>::n == 0;

// s_r[j] = Σ_d x_r[d]·M[d][k0+j] for j < nk and ROWS rows; M (Dh, n) row-major (K^T or V^T).
template <typename S, int DH, int ROWS>
inline __attribute__((always_inline)) void rows_times_block(const RowPointers<S>& x, const S* __restrict M, std::int64_t n,
                                                            std::int64_t k0, std::int64_t nk, std::int64_t dh_runtime,
                                                            const OutPointers<S>& s) {
  const std::int64_t dh = DH > 0 ? DH : dh_runtime;
  const S* __restrict block = M + k0;
  std::int64_t j = 0;
  if constexpr (DH > 0) {  // a vector of keys at a time, the sum over d unrolled
    constexpr int L = Lanes<S>::n;
    for (; j + L <= nk; j += L) {
      Vec<S> t[ROWS] = {};
#pragma GCC unroll 64
      for (int d = 0; d < DH; ++d) {
        const Vec<S> m = load(block + d * n + j);
        for (int r = 0; r < ROWS; ++r) t[r] += x[static_cast<std::size_t>(r)][d] * m;
      }
      for (int r = 0; r < ROWS; ++r) store(s[static_cast<std::size_t>(r)] + j, t[r]);
    }
  }
  for (; j < nk; ++j) {  // the block's remainder, or every key for other head sizes
    for (int r = 0; r < ROWS; ++r) {
      S t = 0;
      for (std::int64_t d = 0; d < dh; ++d) t += x[static_cast<std::size_t>(r)][d] * block[d * n + j];
      s[static_cast<std::size_t>(r)][j] = t;
    }
  }
}

// out_r[d] += Σ_j w_r[j]·R[k0+j][d] for ROWS rows; R (n, Dh) row-major (V or K rows).
template <typename S, int DH, int ROWS>
inline __attribute__((always_inline)) void weights_times_rows(const RowPointers<S>& w, const S* __restrict R,
                                                              std::int64_t k0, std::int64_t nk, std::int64_t dh_runtime,
                                                              const OutPointers<S>& out) {
  if constexpr (kVectorRows<S, DH>) {
    constexpr int L = Lanes<S>::n, NV = DH / L;
    Vec<S> acc[ROWS][NV];
    for (int r = 0; r < ROWS; ++r)
      for (int v = 0; v < NV; ++v) acc[r][v] = load(out[static_cast<std::size_t>(r)] + v * L);
    for (std::int64_t j = 0; j < nk; ++j) {
      const S* row = R + (k0 + j) * DH;
      for (int v = 0; v < NV; ++v) {
        const Vec<S> x = load(row + v * L);
        for (int r = 0; r < ROWS; ++r) acc[r][v] += w[static_cast<std::size_t>(r)][j] * x;
      }
    }
    for (int r = 0; r < ROWS; ++r)
      for (int v = 0; v < NV; ++v) store(out[static_cast<std::size_t>(r)] + v * L, acc[r][v]);
  } else {
    const std::int64_t dh = DH > 0 ? DH : dh_runtime;
    for (std::int64_t j = 0; j < nk; ++j) {
      const S* row = R + (k0 + j) * dh;
      for (int r = 0; r < ROWS; ++r) {
        const S wj = w[static_cast<std::size_t>(r)][j];
        S* o = out[static_cast<std::size_t>(r)];
#pragma omp simd
        for (std::int64_t d = 0; d < dh; ++d) o[d] += wj * row[d];
      }
    }
  }
}

// R[k0+j][d] += Σ_r c_r[j]·x_r[d] for j < nk: each key's row gathers the ROWS rows' terms
// (the key and value gradients).
template <typename S, int DH, int ROWS>
inline __attribute__((always_inline)) void accumulate_rows(const RowPointers<S>& c, const RowPointers<S>& x, S* __restrict R,
                                                           std::int64_t k0, std::int64_t nk, std::int64_t dh_runtime) {
  if constexpr (kVectorRows<S, DH>) {
    constexpr int L = Lanes<S>::n, NV = DH / L;
    Vec<S> xs[ROWS][NV];
    for (int r = 0; r < ROWS; ++r)
      for (int v = 0; v < NV; ++v) xs[r][v] = load(x[static_cast<std::size_t>(r)] + v * L);
    for (std::int64_t j = 0; j < nk; ++j) {
      S* row = R + (k0 + j) * DH;
      for (int v = 0; v < NV; ++v) {
        Vec<S> t = load(row + v * L);
        for (int r = 0; r < ROWS; ++r) t += c[static_cast<std::size_t>(r)][j] * xs[r][v];
        store(row + v * L, t);
      }
    }
  } else {
    const std::int64_t dh = DH > 0 ? DH : dh_runtime;
    for (std::int64_t j = 0; j < nk; ++j) {
      S* row = R + (k0 + j) * dh;
      for (int r = 0; r < ROWS; ++r) {
        const S cj = c[static_cast<std::size_t>(r)][j];
        const S* xr = x[static_cast<std::size_t>(r)];
#pragma omp simd
        for (std::int64_t d = 0; d < dh; ++d) row[d] += cj * xr[d];
      }
    }
  }
}

}  // namespace fastformer::kernel::tile
