// CPU kernels of the tiled softmax attention (see the header). One work item is one
// (sequence, head): its real keys are packed into K^T and V^T (Dh × n), so every inner loop
// reads contiguous memory and padded keys cost nothing. Loops are
// written for the compiler to vectorise (`omp simd`, head size fixed at compile time for
// 16, 32 and 64) and compiled for AVX-512, AVX2 and the baseline, chosen at load time.
#include "kernels/softmax_tiled_cpu.h"

#include "kernels/head_kernels.h"
#include "kernels/tile_blocks.h"
#include "kernels/vector_exp.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

namespace fastformer::kernel {
namespace {

constexpr std::int64_t kQueryBlock = 32;  // query rows whose state (max, sum, Dh outputs) is kept
constexpr std::int64_t kKeyBlock = 512;   // keys per block: 2 × 512 × Dh floats stay in L1/L2

// A (B,T,H,Dh) tensor's rows: batch and token strides free, (H,Dh) packed.
template <typename S>
struct Rows {
  const S* data = nullptr;
  std::int64_t sb = 0, st = 0, dh = 0;
  const S* row(std::int64_t b, std::int64_t t, std::int64_t h) const { return data + b * sb + t * st + h * dh; }
};

template <typename S>
Rows<S> rows_of(const at::Tensor& x) {
  return {x.data_ptr<S>(), x.stride(0), x.stride(1), x.size(3)};
}

template <typename S>
struct Problem {
  Rows<S> q, k, v;
  const bool* mask;  // (B,T)
  std::int64_t B, T, H, Dh;
  S scale;
};

// One (sequence, head)'s real keys, packed as K^T and V^T (the score products run over keys)
// and as rows (the weighted sums run over Dh).
template <typename S>
struct PackedKeys {
  std::vector<std::int64_t> index;  // (n) positions of the real keys
  std::vector<S> kt, vt;            // (Dh, n): K^T, V^T
  std::vector<S> kr, vr;            // (n, Dh): K, V rows

  void pack(const Problem<S>& p, std::int64_t b, std::int64_t h) {
    index.clear();
    for (std::int64_t t = 0; t < p.T; ++t)
      if (p.mask[b * p.T + t]) index.push_back(t);
    const auto n = static_cast<std::int64_t>(index.size());
    for (auto* packed : {&kt, &vt, &kr, &vr}) packed->assign(static_cast<std::size_t>(p.Dh * n), S(0));
    for (std::int64_t j = 0; j < n; ++j) {
      const S* k = p.k.row(b, index[static_cast<std::size_t>(j)], h);
      const S* v = p.v.row(b, index[static_cast<std::size_t>(j)], h);
      for (std::int64_t d = 0; d < p.Dh; ++d) {
        kt[static_cast<std::size_t>(d * n + j)] = k[d];
        vt[static_cast<std::size_t>(d * n + j)] = v[d];
        kr[static_cast<std::size_t>(j * p.Dh + d)] = k[d];
        vr[static_cast<std::size_t>(j * p.Dh + d)] = v[d];
      }
    }
  }
  std::int64_t size() const { return static_cast<std::int64_t>(index.size()); }
};

using tile::kRows;
using tile::OutPointers;
using tile::RowPointers;

// One (sequence, head) of the forward; ROWS query rows at a time within blocks of kQueryBlock.
template <typename S, int DH>
struct ForwardItem {
  const Problem<S>& p;
  const PackedKeys<S>& keys;
  std::int64_t b, h, dh;
  std::vector<S> s, m, l, acc, qs;  // scores (kRows × kKeyBlock), per-row max, sum, outputs, scaled queries

  // Rows q0+r, r < ROWS, against keys [k0, k0+nk): the online softmax's update (state index base+r).
  // Inlined: only forward_item is compiled once per instruction set.
  template <int ROWS>
  __attribute__((always_inline)) void block(std::int64_t q0, std::int64_t base, std::int64_t k0, std::int64_t nk) {
    const std::int64_t n = keys.size();
    RowPointers<S> x{};
    OutPointers<S> sr{}, ar{};
    for (int r = 0; r < ROWS; ++r) {
      const S* q = p.q.row(b, q0 + r, h);
      S* scaled = qs.data() + r * dh;
      for (std::int64_t d = 0; d < dh; ++d) scaled[d] = q[d] * p.scale;
      x[static_cast<std::size_t>(r)] = scaled;
      sr[static_cast<std::size_t>(r)] = s.data() + r * kKeyBlock;
      ar[static_cast<std::size_t>(r)] = acc.data() + (base + r) * dh;
    }
    tile::rows_times_block<S, DH, ROWS>(x, keys.kt.data(), n, k0, nk, dh, sr);  // s = scale·q·Kᵀ
    RowPointers<S> weights{};
    for (int r = 0; r < ROWS; ++r) {
      S* sc = sr[static_cast<std::size_t>(r)];
      const auto i = static_cast<std::size_t>(base + r);
      S block_max = -std::numeric_limits<S>::infinity();
#pragma omp simd reduction(max : block_max)
      for (std::int64_t j = 0; j < nk; ++j) block_max = sc[j] > block_max ? sc[j] : block_max;
      // Online softmax: what earlier blocks summed is rescaled to the new maximum.
      const S m_new = std::max(m[i], block_max);
      const S correction = std::exp(m[i] - m_new);  // 0 on the first block
      l[i] = l[i] * correction + exp_shifted(sc, nk, m_new);  // p_j = e^{s_j − m}, and Σ_j p_j
      for (std::int64_t d = 0; d < dh; ++d) ar[static_cast<std::size_t>(r)][d] *= correction;
      m[i] = m_new;
      weights[static_cast<std::size_t>(r)] = sc;
    }
    tile::weights_times_rows<S, DH, ROWS>(weights, keys.vr.data(), k0, nk, dh, ar);  // Σ_j p_j V_j
  }
};

template <typename S, int DH>
FF_CPU_CLONES void forward_item(const Problem<S>& p, std::int64_t item, S* out, S* lse_out) {
  const std::int64_t b = item / p.H, h = item % p.H, T = p.T, dh = DH > 0 ? DH : p.Dh, D = p.H * p.Dh;
  S* lse = lse_out + item * T;  // (T) of this (b,h)
  PackedKeys<S> keys;
  keys.pack(p, b, h);
  const std::int64_t n = keys.size();
  if (n == 0) {  // no real key: zeros, and −inf for the log-sum-exp
    for (std::int64_t t = 0; t < T; ++t) {
      std::fill_n(out + (b * T + t) * D + h * dh, dh, S(0));
      lse[t] = -std::numeric_limits<S>::infinity();
    }
    return;
  }
  ForwardItem<S, DH> f{p, keys, b, h, dh, std::vector<S>(kRows * kKeyBlock), std::vector<S>(kQueryBlock),
                       std::vector<S>(kQueryBlock), std::vector<S>(static_cast<std::size_t>(kQueryBlock * dh)),
                       std::vector<S>(static_cast<std::size_t>(kRows * dh))};
  for (std::int64_t q0 = 0; q0 < T; q0 += kQueryBlock) {
    const std::int64_t nq = std::min(kQueryBlock, T - q0);
    std::fill(f.m.begin(), f.m.end(), -std::numeric_limits<S>::infinity());
    std::fill(f.l.begin(), f.l.end(), S(0));
    std::fill(f.acc.begin(), f.acc.end(), S(0));
    for (std::int64_t k0 = 0; k0 < n; k0 += kKeyBlock) {
      const std::int64_t nk = std::min(kKeyBlock, n - k0);
      std::int64_t r = 0;
      for (; r + kRows <= nq; r += kRows) f.template block<kRows>(q0 + r, r, k0, nk);
      for (; r < nq; ++r) f.template block<1>(q0 + r, r, k0, nk);
    }
    for (std::int64_t r = 0; r < nq; ++r) {
      const S inv = S(1) / f.l[static_cast<std::size_t>(r)];
      S* o = out + (b * T + q0 + r) * D + h * dh;
      for (std::int64_t d = 0; d < dh; ++d) o[d] = f.acc[static_cast<std::size_t>(r * dh + d)] * inv;
      lse[q0 + r] = f.m[static_cast<std::size_t>(r)] + std::log(f.l[static_cast<std::size_t>(r)]);
    }
  }
}

// FlashAttention-2's backward for ROWS query rows of one (sequence, head), with P = e^{s − lse}
// recomputed: dV_j += Σ_i P_ij dO_i;  dP_ij = dO_i·V_j;  dS_ij = P_ij (dP_ij − dO_i·O_i);
// dQ_i = scale Σ_j dS_ij K_j;  dK_j += scale Σ_i dS_ij Q_i.
template <typename S, int DH>
struct BackwardItem {
  const Problem<S>& p;
  const PackedKeys<S>& keys;
  const S *out, *lse, *grad;
  std::int64_t b, h, dh, D;
  std::vector<S> dk, dv;                // (n, Dh) per packed key
  std::vector<S> s, dp, qs, dq, delta;  // per row: P, dS (kKeyBlock each), scaled q, dQ (Dh), dO_i·O_i

  // Inlined: only backward_item is compiled once per instruction set.
  template <int ROWS>
  __attribute__((always_inline)) void rows(std::int64_t i0) {
    const std::int64_t n = keys.size(), T = p.T;
    RowPointers<S> x{}, go{};
    OutPointers<S> sr{}, dpr{}, dqr{};
    for (int r = 0; r < ROWS; ++r) {
      const auto ri = static_cast<std::size_t>(r);
      const S* q = p.q.row(b, i0 + r, h);
      const S* g = grad + (b * T + i0 + r) * D + h * dh;  // dO_i
      const S* o = out + (b * T + i0 + r) * D + h * dh;   // O_i
      S dot = 0;
      for (std::int64_t d = 0; d < dh; ++d) dot += g[d] * o[d], qs[ri * dh + d] = q[d] * p.scale;
      delta[ri] = dot;
      x[ri] = qs.data() + r * dh;
      go[ri] = g;
      sr[ri] = s.data() + r * kKeyBlock;
      dpr[ri] = dp.data() + r * kKeyBlock;
      dqr[ri] = dq.data() + r * dh;
      std::fill_n(dqr[ri], dh, S(0));
    }
    for (std::int64_t k0 = 0; k0 < n; k0 += kKeyBlock) {
      const std::int64_t nk = std::min(kKeyBlock, n - k0);
      tile::rows_times_block<S, DH, ROWS>(x, keys.kt.data(), n, k0, nk, dh, sr);   // s = scale·q·Kᵀ
      tile::rows_times_block<S, DH, ROWS>(go, keys.vt.data(), n, k0, nk, dh, dpr);  // dP = dO·Vᵀ
      RowPointers<S> ds{};
      for (int r = 0; r < ROWS; ++r) {
        const auto ri = static_cast<std::size_t>(r);
        S* pr = sr[ri];
        S* dsr = dpr[ri];
        const S row_lse = lse[i0 + r], dl = delta[ri];
        exp_shifted(pr, nk, row_lse);  // P_ij
#pragma omp simd
        for (std::int64_t j = 0; j < nk; ++j) dsr[j] = pr[j] * (dsr[j] - dl);  // dS_ij
        ds[ri] = dsr;
      }
      tile::weights_times_rows<S, DH, ROWS>(ds, keys.kr.data(), k0, nk, dh, dqr);  // Σ_j dS_ij K_j
      RowPointers<S> q{}, weights{};
      for (int r = 0; r < ROWS; ++r) {
        q[static_cast<std::size_t>(r)] = p.q.row(b, i0 + r, h);
        weights[static_cast<std::size_t>(r)] = sr[static_cast<std::size_t>(r)];
      }
      tile::accumulate_rows<S, DH, ROWS>(ds, q, dk.data(), k0, nk, dh);        // dK_j += Σ_i dS_ij Q_i (× scale later)
      tile::accumulate_rows<S, DH, ROWS>(weights, go, dv.data(), k0, nk, dh);  // dV_j += Σ_i P_ij dO_i
    }
  }
};

template <typename S, int DH>
FF_CPU_CLONES void backward_item(const Problem<S>& p, std::int64_t item, const S* out, const S* lse_in, const S* grad,
                                 S* dQ, S* dK, S* dV) {
  const std::int64_t b = item / p.H, h = item % p.H, T = p.T, dh = DH > 0 ? DH : p.Dh, D = p.H * p.Dh;
  PackedKeys<S> keys;
  keys.pack(p, b, h);
  const std::int64_t n = keys.size();
  if (n == 0) return;  // every gradient stays 0
  const auto rows_dh = static_cast<std::size_t>(kRows * dh);
  BackwardItem<S, DH> w{p, keys, out, lse_in + item * T, grad, b, h, dh, D,
                        std::vector<S>(static_cast<std::size_t>(n * dh), S(0)), std::vector<S>(static_cast<std::size_t>(n * dh), S(0)),
                        std::vector<S>(kRows * kKeyBlock), std::vector<S>(kRows * kKeyBlock), std::vector<S>(rows_dh),
                        std::vector<S>(rows_dh), std::vector<S>(kRows)};
  const auto write_dq = [&](std::int64_t i0, int rows) {
    for (int r = 0; r < rows; ++r) {
      S* dqi = dQ + (b * T + i0 + r) * D + h * dh;
      for (std::int64_t d = 0; d < dh; ++d) dqi[d] = w.dq[static_cast<std::size_t>(r * dh + d)] * p.scale;
    }
  };
  std::int64_t i = 0;
  for (; i + kRows <= T; i += kRows) w.template rows<kRows>(i), write_dq(i, kRows);
  for (; i < T; ++i) w.template rows<1>(i), write_dq(i, 1);
  for (std::int64_t j = 0; j < n; ++j) {
    const std::int64_t t = keys.index[static_cast<std::size_t>(j)];
    for (std::int64_t d = 0; d < dh; ++d) dK[(b * T + t) * D + h * dh + d] = w.dk[static_cast<std::size_t>(j * dh + d)] * p.scale;
    std::copy_n(w.dv.data() + j * dh, dh, dV + (b * T + t) * D + h * dh);
  }
}

template <typename S>
Problem<S> problem(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask, double scale) {
  return {rows_of<S>(Q), rows_of<S>(K), rows_of<S>(V), mask.data_ptr<bool>(), Q.size(0), Q.size(1), Q.size(2), Q.size(3),
          static_cast<S>(scale)};
}

}  // namespace

bool tiled_softmax_applies(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V) { return packed_heads(Q, K, V); }

TiledForward tiled_softmax_forward(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                   const at::Tensor& mask, double scale) {
  check_head_inputs(Q, K, V, mask, "tiled softmax attention");
  const at::Tensor m = mask.contiguous();
  TiledForward f{at::empty(Q.sizes(), Q.options()), at::empty({Q.size(0), Q.size(2), Q.size(1)}, Q.options())};
  AT_DISPATCH_FLOATING_TYPES(Q.scalar_type(), "tiled_softmax_forward", [&] {
    const Problem<scalar_t> p = problem<scalar_t>(Q, K, V, m, scale);
    scalar_t* out = f.out.data_ptr<scalar_t>();
    scalar_t* lse = f.lse.data_ptr<scalar_t>();
    with_head_size(p.Dh, [&](auto dh) {
      at::parallel_for(0, p.B * p.H, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t item = begin; item < end; ++item) forward_item<scalar_t, decltype(dh)::value>(p, item, out, lse);
      });
    });
  });
  return f;
}

TiledGrads tiled_softmax_backward(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                  const at::Tensor& mask, double scale, const TiledForward& forward,
                                  const at::Tensor& grad_out) {
  check_head_inputs(Q, K, V, mask, "tiled softmax attention");
  const at::Tensor m = mask.contiguous(), go = grad_out.contiguous(), out = forward.out.contiguous(),
                   lse = forward.lse.contiguous();
  TiledGrads g{at::zeros(Q.sizes(), Q.options()), at::zeros(Q.sizes(), Q.options()), at::zeros(Q.sizes(), Q.options())};
  AT_DISPATCH_FLOATING_TYPES(Q.scalar_type(), "tiled_softmax_backward", [&] {
    const Problem<scalar_t> p = problem<scalar_t>(Q, K, V, m, scale);
    with_head_size(p.Dh, [&](auto dh) {
      at::parallel_for(0, p.B * p.H, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t item = begin; item < end; ++item) {
          backward_item<scalar_t, decltype(dh)::value>(p, item, out.data_ptr<scalar_t>(), lse.data_ptr<scalar_t>(),
                                                      go.data_ptr<scalar_t>(), g.dQ.data_ptr<scalar_t>(),
                                                      g.dK.data_ptr<scalar_t>(), g.dV.data_ptr<scalar_t>());
        }
      });
    });
  });
  return g;
}

}  // namespace fastformer::kernel
