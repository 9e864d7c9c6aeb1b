// CPU kernels of the additive core. Work is split into chunks of kChunk tokens of one
// sequence: a chunk's rows are read from memory once and stay in L1 for the second loop
// over them; per-chunk partial sums are merged afterwards (log-sum-exp merge for the
// softmax), so every (B,T,D) tensor is streamed once per pass.
#include "kernels/additive_core_cpu.h"

#include "kernels/head_kernels.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

namespace fastformer::kernel {
namespace {

constexpr std::int64_t kChunk = 32;  // 32 tokens × D=256 float32 = 32 KiB, fits L1

struct Shape {
  std::int64_t B, T, H, Dh;
  std::int64_t D() const { return H * Dh; }
  std::int64_t chunks() const { return (T + kChunk - 1) / kChunk; }
  std::int64_t items() const { return B * chunks(); }
  std::int64_t first(std::int64_t item) const { return (item % chunks()) * kChunk; }
  std::int64_t last(std::int64_t item) const { return std::min(first(item) + kChunk, T); }
};

// Rows of a (B,T,H,Dh) tensor whose (H,Dh) part is packed; batch and token strides free.
template <typename S>
struct Rows {
  const S* data;
  std::int64_t sb, st;
  const S* row(std::int64_t b, std::int64_t t) const { return data + b * sb + t * st; }
};

template <typename S>
Rows<S> rows_of(const at::Tensor& x) {
  return {x.data_ptr<S>(), x.stride(0), x.stride(1)};
}

template <typename S>
struct OutRows {
  S* data;
  std::int64_t sb, st;
  S* row(std::int64_t b, std::int64_t t) const { return data + b * sb + t * st; }
};

template <typename S>
OutRows<S> out_rows_of(const at::Tensor& x) {
  return {x.data_ptr<S>(), x.stride(0), x.stride(1)};
}

// Σ_d a[d]·b[d] over one head's Dh values, accumulated in Acc (the SIMD reduction may add
// in any order; the kernels are compiled with -fopenmp-simd).
template <typename Acc, int DH, typename S>
inline Acc head_dot(const S* __restrict a, const S* __restrict b, std::int64_t dh) {
  const std::int64_t n = DH > 0 ? DH : dh;
  Acc total = 0;
#pragma omp simd reduction(+ : total)
  for (std::int64_t d = 0; d < n; ++d) total += static_cast<Acc>(a[d]) * static_cast<Acc>(b[d]);
  return total;
}

// Sums per-chunk partials (items × D) into one (B × D) result per sequence.
template <typename S>
void sum_chunks(const std::vector<S>& partial, const Shape& s, S* out) {
  const std::int64_t D = s.D(), nc = s.chunks();
  at::parallel_for(0, s.B * D, 256, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const std::int64_t b = i / D, j = i % D;
      S total = 0;
      for (std::int64_t c = 0; c < nc; ++c) total += partial[(b * nc + c) * D + j];
      out[i] = total;
    }
  });
}

// Softmax-weighted pooling over tokens, the shape of both Eq. 3–4 and Eq. 5–6:
//   weights[b,t,h] = softmax_t(c[b,h] · X[b,t,h]) over real tokens (0 on padding),
//   pooled[b,h]    = Σ_t weights[b,t,h] X[b,t,h].
// c (B,H,Dh) packed; weights (B,T,H) and pooled (B,H,Dh) are written. When `copy` is not
// null it receives X + bias (B,T,D) on the way, while the rows are in cache.
template <typename S, int DH>
void softmax_pool(const Rows<S>& X, const S* c, const bool* mask, const Shape& s, S* weights, S* pooled,
                  S* copy = nullptr, const S* bias = nullptr) {
  const std::int64_t H = s.H, Dh = DH > 0 ? DH : s.Dh, D = s.D(), items = s.items(), nc = s.chunks();
  const S neg_inf = -std::numeric_limits<S>::infinity();
  std::vector<S> chunk_max(items * H), chunk_sum(items * H);
  std::vector<S> chunk_acc(items * D);
  at::parallel_for(0, items, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t b = item / nc;
      const S* __restrict cb = c + b * D;
      S* __restrict m = &chunk_max[item * H];
      S* __restrict l = &chunk_sum[item * H];
      S* __restrict acc = &chunk_acc[item * D];
      std::fill(m, m + H, neg_inf);
      std::fill(l, l + H, S(0));
      std::fill(acc, acc + D, S(0));
      // Scores and the chunk's maximum per head.
      for (std::int64_t t = s.first(item); t < s.last(item); ++t) {
        if (!mask[b * s.T + t]) continue;
        const S* __restrict x = X.row(b, t);
        S* __restrict w = weights + (b * s.T + t) * H;
        for (std::int64_t h = 0; h < H; ++h) {
          const S dot = head_dot<S, DH>(cb + h * Dh, x + h * Dh, Dh);
          w[h] = dot;
          m[h] = std::max(m[h], dot);
        }
      }
      // exp relative to the chunk maximum, their sum, and the weighted sum of the rows.
      for (std::int64_t t = s.first(item); t < s.last(item); ++t) {
        S* w = weights + (b * s.T + t) * H;
        if (copy != nullptr) {
          const S* x = X.row(b, t);
          S* out = copy + (b * s.T + t) * D;
          for (std::int64_t j = 0; j < D; ++j) out[j] = x[j] + (bias != nullptr ? bias[j] : S(0));
        }
        if (!mask[b * s.T + t]) {
          std::fill(w, w + H, S(0));
          continue;
        }
        const S* __restrict x = X.row(b, t);
        for (std::int64_t h = 0; h < H; ++h) {
          w[h] = std::exp(w[h] - m[h]);
          l[h] += w[h];
        }
        for (std::int64_t h = 0; h < H; ++h) {
          const S e = w[h];
#pragma omp simd
          for (std::int64_t d = 0; d < Dh; ++d) acc[h * Dh + d] += e * x[h * Dh + d];
        }
      }
    }
  });
  // Merge the chunks of each sequence at the sequence maximum; `factor` turns each chunk's
  // exponentials into final weights (0 for a sequence without tokens).
  std::vector<S> factor(items * H);
  at::parallel_for(0, s.B * H, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t bh = begin; bh < end; ++bh) {
      const std::int64_t b = bh / H, h = bh % H;
      S top = neg_inf;
      for (std::int64_t c = 0; c < nc; ++c) top = std::max(top, chunk_max[(b * nc + c) * H + h]);
      S total = 0;
      for (std::int64_t c = 0; c < nc; ++c) {
        const S cm = chunk_max[(b * nc + c) * H + h];
        if (cm != neg_inf) total += chunk_sum[(b * nc + c) * H + h] * std::exp(cm - top);
      }
      S* out = pooled + b * D + h * Dh;
      std::fill(out, out + Dh, S(0));
      for (std::int64_t c = 0; c < nc; ++c) {
        const std::int64_t item = b * nc + c;
        const S cm = chunk_max[item * H + h];
        const S f = (cm == neg_inf || total <= 0) ? S(0) : std::exp(cm - top) / total;
        factor[item * H + h] = f;
        const S* acc = &chunk_acc[item * D + h * Dh];
        for (std::int64_t d = 0; d < Dh; ++d) out[d] += f * acc[d];
      }
    }
  });
  at::parallel_for(0, items, 8, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t b = item / nc;
      for (std::int64_t t = s.first(item); t < s.last(item); ++t) {
        S* w = weights + (b * s.T + t) * H;
        for (std::int64_t h = 0; h < H; ++h) w[h] *= factor[item * H + h];
      }
    }
  });
}

// u = k ⊙ v backward: U = V ⊙ k gives dV = dU ⊙ k (written) and dk = Σ_t dU_t ⊙ V_t (returned).
template <typename S>
void product_backward(const S* dU, const Rows<S>& V, const S* k, const Shape& s, const OutRows<S>& dV, S* dk) {
  const std::int64_t D = s.D(), nc = s.chunks();
  std::vector<S> partial(s.items() * D);
  at::parallel_for(0, s.items(), 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t b = item / nc;
      const S* __restrict kb = k + b * D;
      S* __restrict acc = &partial[item * D];
      std::fill(acc, acc + D, S(0));
      for (std::int64_t t = s.first(item); t < s.last(item); ++t) {
        const S* __restrict g = dU + (b * s.T + t) * D;
        const S* __restrict v = V.row(b, t);
        S* __restrict out = dV.row(b, t);
#pragma omp simd
        for (std::int64_t j = 0; j < D; ++j) {
          out[j] = g[j] * kb[j];
          acc[j] += g[j] * v[j];
        }
      }
    }
  });
  sum_chunks(partial, s, dk);
}

// Backward of pooled = Σ_t w_t (X_t ⊙ s) with w = softmax_t(z), z_t = scale (wvec ⊙ s)·X_t,
// given g = ∂L/∂pooled. With ∂L/∂w_t = (g ⊙ s)·X_t and Σ_t w_t ∂L/∂w_t = (g ⊙ s)·X̄, where
// X̄ = Σ_t w_t X_t is the forward's weighted mean:
//   ∂L/∂z_t = w_t (g ⊙ s)·(X_t − X̄)
//   dX_t    = w_t (g ⊙ s) + scale ∂L/∂z_t (wvec ⊙ s)         (written to dX)
//   R       = Σ_t ∂L/∂z_t X_t                                  (returned; gives ∂L/∂wvec, ∂L/∂s)
// gs = g ⊙ s, ws = scale · wvec ⊙ s and mean = X̄ are (B,H,Dh). Centring X_t before the dot
// product keeps ∂L/∂z_t accurate when the softmax is nearly one-hot: then X_t ≈ X̄ and the
// difference is exact, where two large dot products would cancel to rounding noise.
// `extra` (B,T,D), when given, is a further gradient of X (the residual's): it is added to
// dX and its column sums go to `extra_sum` (D). With `accumulate`, dX is added to.
template <typename S, int DH>
void pool_backward(const Rows<S>& X, const S* w, const S* gs, const S* ws, const S* mean, const Shape& s,
                   const OutRows<S>& dX, bool accumulate, S* R, const S* extra = nullptr, S* extra_sum = nullptr) {
  const std::int64_t H = s.H, Dh = DH > 0 ? DH : s.Dh, D = s.D(), nc = s.chunks();
  std::vector<S> partial(s.items() * D), extra_partial(extra != nullptr ? s.items() * D : 0);
  at::parallel_for(0, s.items(), 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t item = begin; item < end; ++item) {
      const std::int64_t b = item / nc;
      const S* __restrict gsb = gs + b * D;
      const S* __restrict wsb = ws + b * D;
      const S* __restrict mb = mean + b * D;
      S* __restrict acc = &partial[item * D];
      std::fill(acc, acc + D, S(0));
      S* eacc = extra != nullptr ? &extra_partial[item * D] : nullptr;
      if (eacc != nullptr) std::fill(eacc, eacc + D, S(0));
      for (std::int64_t t = s.first(item); t < s.last(item); ++t) {
        const S* __restrict x = X.row(b, t);
        const S* __restrict wt = w + (b * s.T + t) * H;
        S* __restrict out = dX.row(b, t);
        for (std::int64_t h = 0; h < H; ++h) {
          const std::int64_t o = h * Dh;
          S dot = 0;
#pragma omp simd reduction(+ : dot)
          for (std::int64_t d = 0; d < Dh; ++d) dot += gsb[o + d] * (x[o + d] - mb[o + d]);
          const S dz = wt[h] * dot;
          const S wh = wt[h];
          if (accumulate) {
#pragma omp simd
            for (std::int64_t d = 0; d < Dh; ++d) out[o + d] += wh * gsb[o + d] + dz * wsb[o + d];
          } else {
#pragma omp simd
            for (std::int64_t d = 0; d < Dh; ++d) out[o + d] = wh * gsb[o + d] + dz * wsb[o + d];
          }
#pragma omp simd
          for (std::int64_t d = 0; d < Dh; ++d) acc[o + d] += dz * x[o + d];
        }
        if (eacc != nullptr) {
          const S* e = extra + (b * s.T + t) * D;
          for (std::int64_t j = 0; j < D; ++j) {
            out[j] += e[j];
            eacc[j] += e[j];
          }
        }
      }
    }
  });
  sum_chunks(partial, s, R);
  if (extra_sum != nullptr) {
    std::vector<S> per_sequence(s.B * D);
    sum_chunks(extra_partial, s, per_sequence.data());
    for (std::int64_t j = 0; j < D; ++j) {
      S total = 0;
      for (std::int64_t b = 0; b < s.B; ++b) total += per_sequence[b * D + j];
      extra_sum[j] = total;
    }
  }
}

Shape shape_of(const at::Tensor& Q) { return {Q.size(0), Q.size(1), Q.size(2), Q.size(3)}; }

template <typename S, int DH>
CoreForward forward_impl(const CoreInputs& in, bool with_residual) {
  const Shape s = shape_of(in.q);
  const at::Tensor m = in.mask.to(at::kBool).contiguous();  // (B,T)
  const auto opts = in.q.options();
  CoreForward f;
  f.alpha = at::empty({s.B, s.T, s.H}, opts);
  f.beta = at::empty({s.B, s.T, s.H}, opts);
  f.global_q = at::empty({s.B, s.H, s.Dh}, opts);
  f.key_sum = at::empty({s.B, s.H, s.Dh}, opts);
  if (with_residual) f.residual = at::empty({s.B, s.T, s.D()}, opts);
  const at::Tensor bias = in.bias.defined() ? in.bias.contiguous() : at::Tensor();
  // Eq. 3–4: α_i = softmax_i(w_q · Q_i / √Dh), q = Σ_i α_i Q_i.
  const at::Tensor cq = (in.wq * in.scale).expand({s.B, s.H, s.Dh}).contiguous();  // (B,H,Dh)
  softmax_pool<S, DH>(rows_of<S>(in.q), cq.data_ptr<S>(), m.data_ptr<bool>(), s, f.alpha.data_ptr<S>(),
                  f.global_q.data_ptr<S>(),
                  with_residual ? f.residual.data_ptr<S>() : nullptr,
                  bias.defined() ? bias.data_ptr<S>() : nullptr);
  // Eq. 5: w_k · (q ⊙ K_i) = (w_k ⊙ q) · K_i, so β pools the keys themselves with that
  // score vector, and k = Σ_i β_i (q ⊙ K_i) = q ⊙ Σ_i β_i K_i: P is never stored.
  const at::Tensor ck = (in.wk.unsqueeze(0) * f.global_q * in.scale).contiguous();  // (B,H,Dh)
  softmax_pool<S, DH>(rows_of<S>(in.k), ck.data_ptr<S>(), m.data_ptr<bool>(), s, f.beta.data_ptr<S>(),
                  f.key_sum.data_ptr<S>());
  f.global_k = f.global_q * f.key_sum;  // (B,H,Dh)
  // u_i = k ⊙ v_i (§3.2).
  f.u = at::empty({s.B, s.T, s.H, s.Dh}, opts);
  at::mul_out(f.u, in.v, f.global_k.unsqueeze(1));
  return f;
}

template <typename S, int DH>
CoreGrads backward_impl(const at::Tensor& dU_in, const at::Tensor& d_residual, const CoreInputs& in,
                        const CoreForward& f, const at::Tensor& dq, const at::Tensor& dk, const at::Tensor& dv) {
  const Shape s = shape_of(in.q);
  const double scale = in.scale;
  const at::Tensor dU = dU_in.contiguous();  // (B,T,H,Dh)
  const auto opts = in.q.options();
  CoreGrads g;
  // U = V ⊙ k (§3.2).
  const at::Tensor dgk = at::empty({s.B, s.H, s.Dh}, opts);
  product_backward<S>(dU.data_ptr<S>(), rows_of<S>(in.v), f.global_k.data_ptr<S>(), s, out_rows_of<S>(dv),
                      dgk.data_ptr<S>());
  // Eq. 5–6 with s = q, wvec = w_k: k = Σ_i β_i (q ⊙ K_i).
  const at::Tensor gs_k = (dgk * f.global_q).contiguous();                        // (B,H,Dh)
  const at::Tensor ws_k = (in.wk.unsqueeze(0) * f.global_q * scale).contiguous();  // (B,H,Dh)
  const at::Tensor r_k = at::empty({s.B, s.H, s.Dh}, opts);
  pool_backward<S, DH>(rows_of<S>(in.k), f.beta.data_ptr<S>(), gs_k.data_ptr<S>(), ws_k.data_ptr<S>(),
                   f.key_sum.data_ptr<S>(), s, out_rows_of<S>(dk), false, r_k.data_ptr<S>());
  // ∂L/∂q collects the pooling (dk ⊙ Σβ_i K_i) and the scores (scale w_k ⊙ R).
  const at::Tensor dgq = (dgk * f.key_sum + in.wk.unsqueeze(0) * r_k * scale).contiguous();  // (B,H,Dh)
  g.dwk = (f.global_q * r_k).sum(0) * scale;                                                  // (H,Dh)
  // Eq. 3–4 with s = 1, wvec = w_q: q = Σ_i α_i Q_i; plus the residual's gradient.
  const at::Tensor ws_q = (in.wq * scale).expand({s.B, s.H, s.Dh}).contiguous();  // (B,H,Dh)
  const at::Tensor r_q = at::empty({s.B, s.H, s.Dh}, opts);
  const at::Tensor extra = d_residual.defined() ? d_residual.contiguous() : at::Tensor();  // (B,T,D)
  if (extra.defined()) g.dbias = at::empty({s.D()}, opts);
  const bool shared = dq.data_ptr() == dv.data_ptr();
  pool_backward<S, DH>(rows_of<S>(in.q), f.alpha.data_ptr<S>(), dgq.data_ptr<S>(), ws_q.data_ptr<S>(),
                   f.global_q.data_ptr<S>(), s, out_rows_of<S>(dq), shared, r_q.data_ptr<S>(),
                   extra.defined() ? extra.data_ptr<S>() : nullptr, extra.defined() ? g.dbias.data_ptr<S>() : nullptr);
  g.dwq = r_q.sum(0) * scale;  // (H,Dh)
  return g;
}

bool packed_rows(const at::Tensor& x) { return x.dim() == 4 && x.stride(3) == 1 && x.stride(2) == x.size(3); }

}  // namespace

bool core_kernel_applies(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V, const at::Tensor& wq,
                         const at::Tensor& wk) {
  const auto type = Q.scalar_type();
  if (!Q.device().is_cpu() || (type != at::kFloat && type != at::kDouble)) return false;
  for (const at::Tensor* t : {&K, &V, &wq, &wk}) {
    if (t->scalar_type() != type || !t->device().is_cpu()) return false;
  }
  return packed_rows(Q) && packed_rows(K) && packed_rows(V) && K.sizes() == Q.sizes() && V.sizes() == Q.sizes();
}

CoreForward core_forward(const CoreInputs& in, bool with_residual) {
  CoreForward f;
  AT_DISPATCH_FLOATING_TYPES(in.q.scalar_type(), "additive_core_forward", [&] {
    with_head_size(in.q.size(3), [&](auto dh) { f = forward_impl<scalar_t, decltype(dh)::value>(in, with_residual); });
  });
  return f;
}

CoreGrads core_backward(const at::Tensor& dU, const at::Tensor& d_residual, const CoreInputs& in,
                        const CoreForward& saved, const at::Tensor& dq, const at::Tensor& dk, const at::Tensor& dv) {
  CoreGrads g;
  AT_DISPATCH_FLOATING_TYPES(in.q.scalar_type(), "additive_core_backward", [&] {
    with_head_size(in.q.size(3), [&](auto dh) {
      g = backward_impl<scalar_t, decltype(dh)::value>(dU, d_residual, in, saved, dq, dk, dv);
    });
  });
  return g;
}

}  // namespace fastformer::kernel
