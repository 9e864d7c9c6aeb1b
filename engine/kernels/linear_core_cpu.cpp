// CPU kernels of linear attention's core (see the header). One work item is one (sequence,
// head). The Dh×Dh summaries are held as rows of GCC vectors (kernels/tile_blocks.h) when the
// head size is a multiple of a 64-byte vector, so every update is a broadcast FMA on
// registers; other head sizes take plain loops. Compiled for AVX-512, AVX2 and the baseline,
// chosen at load time.
#include "kernels/linear_core_cpu.h"

#include "kernels/head_kernels.h"
#include "kernels/tile_blocks.h"
#include "kernels/vector_exp.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

namespace fastformer::kernel {
namespace {

// φ(x) = elu(x) + 1 = max(x, 0) + e^min(x, 0) and φ'(x) = e^min(x, 0) (1 for x > 0): no
// branch, so that the loops vectorise.
inline __attribute__((always_inline)) float phi_value(float x, float& slope) {
  slope = exp_nonpositive_value(std::min(x, 0.0f));
  return std::max(x, 0.0f) + slope;
}
inline double phi_value(double x, double& slope) {
  slope = std::exp(std::min(x, 0.0));
  return std::max(x, 0.0) + slope;
}
template <typename S>
inline __attribute__((always_inline)) void phi(const S* __restrict x, std::int64_t n, S* __restrict f) {
#pragma omp simd
  for (std::int64_t d = 0; d < n; ++d) {
    S slope;
    f[d] = phi_value(x[d], slope);
  }
}
template <typename S>
inline __attribute__((always_inline)) void phi(const S* __restrict x, std::int64_t n, S* __restrict f,
                                               S* __restrict df) {
#pragma omp simd
  for (std::int64_t d = 0; d < n; ++d) f[d] = phi_value(x[d], df[d]);
}

template <typename S>
struct Problem {
  const S *q, *k, *v;  // (B,T,H,Dh) rows: batch and token strides free, (H,Dh) packed
  std::int64_t sqb, sqt, skb, skt, svb, svt;
  const bool* mask;  // (B,T)
  std::int64_t B, T, H, Dh;
  const S* row(const S* base, std::int64_t sb, std::int64_t st, std::int64_t b, std::int64_t t, std::int64_t h) const {
    return base + b * sb + t * st + h * Dh;
  }
};

// A Dh×Dh matrix as Dh rows of NV vectors (fast path) or one flat array (other head sizes),
// with the two products the kernels need: rows += a[d]·x (outer product) and Σ_d a[d]·row d.
template <typename S, int DH>
struct Summary {
  static constexpr bool kVec = tile::kVectorRows<S, DH>;
  static constexpr int NV = kVec ? DH / tile::Lanes<S>::n : 1;
  using Vec = tile::Vec<S>;
  std::int64_t dh;
  Vec rows[kVec ? DH : 1][NV] = {};
  std::vector<S> flat;  // other head sizes

  explicit Summary(std::int64_t n) : dh(n) {
    if constexpr (!kVec) flat.assign(static_cast<std::size_t>(n * n), S(0));
  }
  // M[d][e] += a[d]·x[e]
  inline __attribute__((always_inline)) void add_outer(const S* __restrict a, const S* __restrict x) {
    if constexpr (kVec) {
      Vec xv[NV];
      for (int c = 0; c < NV; ++c) xv[c] = tile::load(x + c * tile::Lanes<S>::n);
#pragma GCC unroll 64
      for (int d = 0; d < DH; ++d)
        for (int c = 0; c < NV; ++c) rows[d][c] += a[d] * xv[c];
    } else {
      for (std::int64_t d = 0; d < dh; ++d)
        for (std::int64_t e = 0; e < dh; ++e) flat[static_cast<std::size_t>(d * dh + e)] += a[d] * x[e];
    }
  }
  // y[e] = Σ_d a[d]·M[d][e] (+ y[e] when accumulate)
  inline __attribute__((always_inline)) void left_times(const S* __restrict a, S* __restrict y) const {
    if constexpr (kVec) {
      // Four partial sums per vector: one chain would wait on each FMA's latency.
      constexpr int P = DH % 4 == 0 ? 4 : 1;
      Vec acc[P][NV] = {};
#pragma GCC unroll 64
      for (int d = 0; d < DH; d += P)
        for (int u = 0; u < P; ++u)
          for (int c = 0; c < NV; ++c) acc[u][c] += a[d + u] * rows[d + u][c];
      for (int c = 0; c < NV; ++c) {
        for (int u = 1; u < P; ++u) acc[0][c] += acc[u][c];
        tile::store(y + c * tile::Lanes<S>::n, acc[0][c]);
      }
    } else {
      for (std::int64_t e = 0; e < dh; ++e) y[e] = 0;
      for (std::int64_t d = 0; d < dh; ++d)
        for (std::int64_t e = 0; e < dh; ++e) y[e] += a[d] * flat[static_cast<std::size_t>(d * dh + e)];
    }
  }
  S at(std::int64_t d, std::int64_t e) const {
    if constexpr (kVec) {
      const Vec& v = rows[d][e / tile::Lanes<S>::n];
      return v[e % tile::Lanes<S>::n];
    } else {
      return flat[static_cast<std::size_t>(d * dh + e)];
    }
  }
  // The transpose: T[e][d] = M[d][e].
  void transpose_into(Summary& t) const {
    std::vector<S> values(static_cast<std::size_t>(dh * dh));
    for (std::int64_t d = 0; d < dh; ++d)
      for (std::int64_t e = 0; e < dh; ++e) values[static_cast<std::size_t>(e * dh + d)] = at(d, e);
    t.load_flat(values.data());
  }
  void load_flat(const S* m) {
    if constexpr (kVec) {
      for (int d = 0; d < DH; ++d)
        for (int c = 0; c < NV; ++c) rows[d][c] = tile::load(m + d * DH + c * tile::Lanes<S>::n);
    } else {
      std::copy_n(m, dh * dh, flat.begin());
    }
  }
  void store_flat(S* m) const {
    for (std::int64_t d = 0; d < dh; ++d)
      for (std::int64_t e = 0; e < dh; ++e) m[d * dh + e] = at(d, e);
  }
};

template <typename S>
S dot(const S* __restrict a, const S* __restrict b, std::int64_t n) {
  S t = 0;
#pragma omp simd reduction(+ : t)
  for (std::int64_t d = 0; d < n; ++d) t += a[d] * b[d];
  return t;
}

// Eq. 5–6 for one (sequence, head): S and z over the real keys, then every query's output.
template <typename S, int DH>
FF_CPU_CLONES void forward_item(const Problem<S>& p, std::int64_t item, S* out, S* s_out, S* z_out, S* den_out) {
  const std::int64_t b = item / p.H, h = item % p.H, dh = DH > 0 ? DH : p.Dh, T = p.T;
  Summary<S, DH> sum(dh);
  std::vector<S> f(static_cast<std::size_t>(dh)), y(static_cast<std::size_t>(dh)), z(static_cast<std::size_t>(dh), S(0));
  for (std::int64_t j = 0; j < T; ++j) {
    if (!p.mask[b * T + j]) continue;
    phi(p.row(p.k, p.skb, p.skt, b, j, h), dh, f.data());  // φ(K_j)
    sum.add_outer(f.data(), p.row(p.v, p.svb, p.svt, b, j, h));       // S += φ(K_j) V_jᵀ
    for (std::int64_t d = 0; d < dh; ++d) z[static_cast<std::size_t>(d)] += f[static_cast<std::size_t>(d)];
  }
  for (std::int64_t i = 0; i < T; ++i) {
    phi(p.row(p.q, p.sqb, p.sqt, b, i, h), dh, f.data());  // φ(Q_i)
    const S den = dot(f.data(), z.data(), dh);                        // φ(Q_i)·z
    sum.left_times(f.data(), y.data());                               // φ(Q_i)ᵀ S
    const S inv = den > 0 ? S(1) / den : S(0);  // no real key: S = 0, z = 0, out = 0
    S* o = out + ((b * T + i) * p.H + h) * dh;
    for (std::int64_t e = 0; e < dh; ++e) o[e] = y[static_cast<std::size_t>(e)] * inv;
    den_out[item * T + i] = den;
  }
  sum.store_flat(s_out + item * dh * dh);
  std::copy(z.begin(), z.end(), z_out + item * dh);
}

// The backward of forward_item: a pass over the queries gives dQ, dS and dz; a pass over the
// real keys gives dK and dV from them.
template <typename S, int DH>
FF_CPU_CLONES void backward_item(const Problem<S>& p, std::int64_t item, const S* out, const S* s_in, const S* z_in,
                                 const S* den_in, const S* grad, S* dQ, S* dK, S* dV) {
  const std::int64_t b = item / p.H, h = item % p.H, dh = DH > 0 ? DH : p.Dh, T = p.T;
  const auto n = static_cast<std::size_t>(dh);
  Summary<S, DH> sum(dh), sum_t(dh), dsum(dh), dsum_t(dh);
  sum.load_flat(s_in + item * dh * dh);
  sum.transpose_into(sum_t);  // Sᵀ: rows over e, for Σ_e S[d][e] g[e]
  const S* z = z_in + item * dh;
  std::vector<S> f(n), df(n), g(n), y(n), dz(n, S(0));
  for (std::int64_t i = 0; i < T; ++i) {
    const S den = den_in[item * T + i];
    S* dq = dQ + ((b * T + i) * p.H + h) * dh;
    if (!(den > 0)) continue;  // out = 0 whatever Q is: dQ stays 0
    const std::int64_t at = ((b * T + i) * p.H + h) * dh;
    const S* go = grad + at;
    const S inv = S(1) / den;
    const S c = -dot(go, out + at, dh) * inv;  // ∂L/∂den = −(dO·O)/den
    for (std::size_t e = 0; e < n; ++e) g[e] = go[e] * inv;  // ∂L/∂num = dO/den
    phi(p.row(p.q, p.sqb, p.sqt, b, i, h), dh, f.data(), df.data());
    sum_t.left_times(g.data(), y.data());  // y[d] = Σ_e S[d][e] g[e]
    for (std::size_t d = 0; d < n; ++d) dq[d] = (y[d] + c * z[d]) * df[d];
    dsum.add_outer(f.data(), g.data());  // dS += φ(Q_i) gᵀ
    for (std::size_t d = 0; d < n; ++d) dz[d] += c * f[d];
  }
  dsum.transpose_into(dsum_t);
  for (std::int64_t j = 0; j < T; ++j) {
    if (!p.mask[b * T + j]) continue;  // padded keys: zero gradients
    const std::int64_t at = ((b * T + j) * p.H + h) * dh;
    phi(p.row(p.k, p.skb, p.skt, b, j, h), dh, f.data(), df.data());
    dsum_t.left_times(p.row(p.v, p.svb, p.svt, b, j, h), y.data());  // y[d] = Σ_e dS[d][e] V_j[e]
    for (std::size_t d = 0; d < n; ++d) dK[at + static_cast<std::int64_t>(d)] = (y[d] + dz[d]) * df[d];
    dsum.left_times(f.data(), dV + at);  // dV_j[e] = Σ_d φ(K_j)[d] dS[d][e]
  }
}

template <typename S>
Problem<S> problem(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask) {
  return {Q.data_ptr<S>(), K.data_ptr<S>(), V.data_ptr<S>(), Q.stride(0), Q.stride(1), K.stride(0), K.stride(1),
          V.stride(0),     V.stride(1),     mask.data_ptr<bool>(), Q.size(0), Q.size(1), Q.size(2), Q.size(3)};
}

}  // namespace

bool linear_core_applies(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V) { return packed_heads(Q, K, V); }

LinearForward linear_core_forward(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask) {
  check_head_inputs(Q, K, V, mask, "linear attention core");
  const at::Tensor m = mask.contiguous();
  const std::int64_t B = Q.size(0), T = Q.size(1), H = Q.size(2), Dh = Q.size(3);
  LinearForward f{at::empty(Q.sizes(), Q.options()), at::empty({B, H, Dh, Dh}, Q.options()),
                  at::empty({B, H, Dh}, Q.options()), at::empty({B, H, T}, Q.options())};
  AT_DISPATCH_FLOATING_TYPES(Q.scalar_type(), "linear_core_forward", [&] {
    const Problem<scalar_t> p = problem<scalar_t>(Q, K, V, m);
    with_head_size(Dh, [&](auto dh) {
      at::parallel_for(0, B * H, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t item = begin; item < end; ++item) {
          forward_item<scalar_t, decltype(dh)::value>(p, item, f.out.data_ptr<scalar_t>(), f.S.data_ptr<scalar_t>(),
                                                      f.z.data_ptr<scalar_t>(), f.den.data_ptr<scalar_t>());
        }
      });
    });
  });
  return f;
}

LinearGrads linear_core_backward(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& mask,
                                 const LinearForward& forward, const at::Tensor& grad_out) {
  check_head_inputs(Q, K, V, mask, "linear attention core");
  const at::Tensor m = mask.contiguous(), go = grad_out.contiguous(), out = forward.out.contiguous();
  const std::int64_t B = Q.size(0), H = Q.size(2);
  LinearGrads g{at::zeros(Q.sizes(), Q.options()), at::zeros(Q.sizes(), Q.options()), at::zeros(Q.sizes(), Q.options())};
  AT_DISPATCH_FLOATING_TYPES(Q.scalar_type(), "linear_core_backward", [&] {
    const Problem<scalar_t> p = problem<scalar_t>(Q, K, V, m);
    with_head_size(p.Dh, [&](auto dh) {
      at::parallel_for(0, B * H, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t item = begin; item < end; ++item) {
          backward_item<scalar_t, decltype(dh)::value>(
              p, item, out.data_ptr<scalar_t>(), forward.S.data_ptr<scalar_t>(), forward.z.data_ptr<scalar_t>(),
              forward.den.data_ptr<scalar_t>(), go.data_ptr<scalar_t>(), g.dQ.data_ptr<scalar_t>(),
              g.dK.data_ptr<scalar_t>(), g.dV.data_ptr<scalar_t>());
        }
      });
    });
  });
  return g;
}

}  // namespace fastformer::kernel
