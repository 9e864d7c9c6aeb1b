// Backward kernels of the additive core: U = k ⊙ V (pass over dU and V), the two softmax
// poolings (pass over K for Eq. 5–6, pass over Q for Eq. 3–4) and the sum of per-block partials.
// Storage float, half or bfloat16; all arithmetic in float.
#include "core_common.cuh"

namespace fastformer::cuda {
namespace {

using namespace detail;

constexpr int kSumColumns = 32;  // columns per chunk_sum block (one warp wide)
constexpr int kSlices = 16;      // threads per column, each adding every kSlices-th chunk

// dV_t = k ⊙ dU_t on every row; partials of dk = Σ_t dU_t ⊙ V_t.
template <typename S, int DH>
__global__ void __launch_bounds__(1024)
    product_backward_kernel(Shape s, Plan p, Rows du, Rows v, const float* __restrict__ k, OutRows dv,
                            float* __restrict__ part) {
  constexpr int E = Lanes<DH>::E;
  constexpr int R = kElementsInFlight / E;  // token rows loaded before use
  extern __shared__ float smem[];
  const Lanes<DH> ln(s.H, p.rows);
  const std::int64_t D = s.H * DH, b = blockIdx.y, chunk = blockIdx.x;
  const std::int64_t t0 = chunk * p.chunk, t1 = t0 + p.chunk < s.T ? t0 + p.chunk : s.T;
  float kv[E], acc[E];  // (E) of k[b] and of Σ dU ⊙ V
#pragma unroll
  for (int e = 0; e < E; ++e) {
    kv[e] = ln.active ? k[b * D + ln.col(e)] : 0.f;
    acc[e] = 0.f;
  }
  if (ln.active) {
    for (std::int64_t t = t0 + ln.y; t < t1; t += p.rows * R) {
      // R rows of dU and V loaded before any dV is written (loads in flight).
      float gv[R][E], xv[R][E];
#pragma unroll
      for (int r = 0; r < R; ++r) {
        const std::int64_t tr = t + r * p.rows;
        const S* g = tr < t1 ? row_ptr<S>(du, b, tr) : nullptr;
        const S* x = tr < t1 ? row_ptr<S>(v, b, tr) : nullptr;
#pragma unroll
        for (int e = 0; e < E; ++e) {
          gv[r][e] = g ? to_float(g[ln.col(e)]) : 0.f;
          xv[r][e] = x ? to_float(x[ln.col(e)]) : 0.f;
        }
      }
#pragma unroll
      for (int r = 0; r < R; ++r) {
        const std::int64_t tr = t + r * p.rows;
        if (tr >= t1) break;
        S* out = row_ptr<S>(dv, b, tr);
#pragma unroll
        for (int e = 0; e < E; ++e) {
          out[ln.col(e)] = from_float<S>(gv[r][e] * kv[e]);
          acc[e] += gv[r][e] * xv[r][e];
        }
      }
    }
  }
  block_rows_sum<DH>(ln, acc, p.rows, D, smem, part + (b * p.chunks + chunk) * D);
}

// Backward of one softmax pooling (see pool_backward in core_kernels.h). The weights
// w_t = exp(z_t − max)·inv are recomputed from the forward's scores and statistics.
template <typename S, int DH>
__global__ void __launch_bounds__(1024)
    pool_backward_kernel(Shape s, Plan p, Rows x, const bool* __restrict__ mask,
                         const float* __restrict__ scores, const float* __restrict__ stat_max,
                         const float* __restrict__ stat_inv, const float* __restrict__ gs,
                         const float* __restrict__ ws, const float* __restrict__ mean, OutRows dx,
                         float* __restrict__ part) {
  constexpr int E = Lanes<DH>::E;
  constexpr int R = kElementsInFlight / E;  // token rows loaded before use
  extern __shared__ float smem[];
  const Lanes<DH> ln(s.H, p.rows);
  const std::int64_t H = s.H, D = H * DH, b = blockIdx.y, chunk = blockIdx.x;
  const std::int64_t t0 = chunk * p.chunk, t1 = t0 + p.chunk < s.T ? t0 + p.chunk : s.T;
  float gv[E], wv[E], mv[E], acc[E];  // (E) of gs[b], ws[b], mean[b] and Σ ∂L/∂z_t X_t
#pragma unroll
  for (int e = 0; e < E; ++e) {
    const std::int64_t o = b * D + ln.col(e);
    gv[e] = ln.active ? gs[o] : 0.f;
    wv[e] = ln.active ? ws[o] : 0.f;
    mv[e] = ln.active ? mean[o] : 0.f;
    acc[e] = 0.f;
  }
  const std::int64_t bh = b * H + (ln.active ? ln.h : 0);
  const float top = stat_max[bh], inv = stat_inv[bh];
  const std::int64_t iters = (t1 - t0 + p.rows - 1) / p.rows;
  for (std::int64_t it = 0; it < iters; it += R) {
    // R rows and their scores loaded before any is used (loads in flight).
    float xv[R][E], z[R];
    bool on[R];
    load_rows<S, DH, R>(ln, x, mask, b, s.T, t0 + it * p.rows + ln.y, p.rows, t1, xv, on, scores, z);
#pragma unroll
    for (int r = 0; r < R; ++r) {
      float dot = 0.f;  // gs·(X_t − mean) for head h
#pragma unroll
      for (int e = 0; e < E; ++e) dot += on[r] ? gv[e] * (xv[r][e] - mv[e]) : 0.f;
      dot = group_sum<Lanes<DH>::G>(dot);
      const std::int64_t t = t0 + (it + r) * p.rows + ln.y;
      if (!ln.active || t >= t1) continue;
      S* out = row_ptr<S>(dx, b, t);
      if (!on[r]) {
#pragma unroll
        for (int e = 0; e < E; ++e) out[ln.col(e)] = from_float<S>(0.f);
        continue;
      }
      const float w = expf(z[r] - top) * inv;
      const float dz = w * dot;  // ∂L/∂z_t
#pragma unroll
      for (int e = 0; e < E; ++e) {
        out[ln.col(e)] = from_float<S>(w * gv[e] + dz * wv[e]);
        acc[e] += dz * xv[r][e];
      }
    }
  }
  block_rows_sum<DH>(ln, acc, p.rows, D, smem, part + (b * p.chunks + chunk) * D);
}

// out[b, j] = Σ_c part[b, c, j]: one block per (32 columns, b), thread (x, y) adds chunks
// y, y + kSlices, … of its column, row y = 0 adds the kSlices sums (as pool_combine_kernel).
__global__ void __launch_bounds__(kSumColumns* kSlices)
    chunk_sum_kernel(Shape s, Plan p, const float* __restrict__ part, float* __restrict__ out) {
  __shared__ float sh[kSlices][kSumColumns];
  const std::int64_t D = s.H * s.Dh, b = blockIdx.y, j = blockIdx.x * std::int64_t{kSumColumns} + threadIdx.x;
  const bool on = j < D;
  float total = 0.f;
  if (on) {
#pragma unroll 4
    for (std::int64_t c = threadIdx.y; c < p.chunks; c += kSlices) total += part[(b * p.chunks + c) * D + j];
  }
  sh[threadIdx.y][threadIdx.x] = total;
  __syncthreads();
  if (threadIdx.y != 0 || !on) return;
  for (int y = 1; y < kSlices; ++y) total += sh[y][threadIdx.x];
  out[b * D + j] = total;
}

}  // namespace

cudaError_t product_backward(Storage st, const Shape& s, const Plan& p, Rows du, Rows v, const float* k, OutRows dv,
                             float* part, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(p.chunks), static_cast<unsigned>(s.B));
  const std::size_t smem = static_cast<std::size_t>(p.rows) * s.H * s.Dh * sizeof(float);
  return dispatch(st, s.Dh, [&](auto type, auto dh) {
    using S = decltype(type);
    product_backward_kernel<S, decltype(dh)::value><<<grid, p.threads, smem, stream>>>(s, p, du, v, k, dv, part);
  });
}

cudaError_t pool_backward(Storage st, const Shape& s, const Plan& p, Rows x, const bool* mask, const float* scores,
                          const float* stat_max, const float* stat_inv, const float* gs, const float* ws,
                          const float* mean, OutRows dx, float* part, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(p.chunks), static_cast<unsigned>(s.B));
  const std::size_t smem = static_cast<std::size_t>(p.rows) * s.H * s.Dh * sizeof(float);
  return dispatch(st, s.Dh, [&](auto type, auto dh) {
    using S = decltype(type);
    pool_backward_kernel<S, decltype(dh)::value><<<grid, p.threads, smem, stream>>>(
        s, p, x, mask, scores, stat_max, stat_inv, gs, ws, mean, dx, part);
  });
}

cudaError_t chunk_sum(const Shape& s, const Plan& p, const float* part, float* out, cudaStream_t stream) {
  const std::int64_t D = s.H * s.Dh;
  const dim3 grid(static_cast<unsigned>((D + kSumColumns - 1) / kSumColumns), static_cast<unsigned>(s.B));
  chunk_sum_kernel<<<grid, dim3(kSumColumns, kSlices), 0, stream>>>(s, p, part, out);
  return cudaGetLastError();
}

}  // namespace fastformer::cuda
