// Forward kernels of the additive core: softmax pooling over tokens (pass 1 over Q for Eq. 3–4,
// pass 2 over K for Eq. 5–6), the merge of per-block partials, and pass 3 over V writing
// U = k ⊙ V, α and β. Storage float, half or bfloat16; all arithmetic in float.
#include "core_common.cuh"

#include <algorithm>

namespace fastformer::cuda {
namespace {

using namespace detail;

constexpr int kBlockThreads = 256;  // target block size when a row needs fewer threads
constexpr std::int64_t kTargetBlocks = 1024;  // enough blocks to fill every SM a few times
constexpr int kCombineColumns = 32;  // columns per merge block (one warp wide)
constexpr int kSlices = 16;          // threads per column, each merging every kSlices-th chunk
constexpr int kInFlight = 4;         // token rows a pass-3 thread loads before writing any

// One block per (chunk, b): scores z_t = c[b]·X_t of its tokens and an online softmax per head
// (running max m, sum l, Σ exp(z_t − m) X_t), merged over the block's rows at the end.
template <typename S, int DH>
__global__ void __launch_bounds__(1024)
    pool_forward_kernel(Shape s, Plan p, Rows x, const float* __restrict__ c, std::int64_t c_bstride,
                        const bool* __restrict__ mask, float* __restrict__ scores,
                        float* __restrict__ part_max, float* __restrict__ part_sum,
                        float* __restrict__ part_acc) {
  constexpr int E = Lanes<DH>::E;
  constexpr int R = kElementsInFlight / E;  // token rows loaded before use
  extern __shared__ float smem[];
  const Lanes<DH> ln(s.H, p.rows);
  const std::int64_t H = s.H, D = H * DH, b = blockIdx.y, chunk = blockIdx.x;
  const std::int64_t t0 = chunk * p.chunk, t1 = t0 + p.chunk < s.T ? t0 + p.chunk : s.T;
  float cv[E], acc[E];  // (E) of c[b,h] and of Σ exp(z − m) X
#pragma unroll
  for (int e = 0; e < E; ++e) {
    cv[e] = ln.active ? c[b * c_bstride + ln.col(e)] : 0.f;
    acc[e] = 0.f;
  }
  float m = -INFINITY, l = 0.f;
  const std::int64_t iters = (t1 - t0 + p.rows - 1) / p.rows;
  for (std::int64_t it = 0; it < iters; it += R) {
    // Load R rows before using any, so each thread has that many loads in flight.
    float xv[R][E];
    bool on[R];
    load_rows<S, DH, R>(ln, x, mask, b, s.T, t0 + it * p.rows + ln.y, p.rows, t1, xv, on);
#pragma unroll
    for (int r = 0; r < R; ++r) {
      float dot = 0.f;
#pragma unroll
      for (int e = 0; e < E; ++e) dot += cv[e] * xv[r][e];
      dot = group_sum<Lanes<DH>::G>(dot);  // z_t for head h
      if (!on[r]) continue;
      if (ln.g == 0) scores[(b * s.T + t0 + (it + r) * p.rows + ln.y) * H + ln.h] = dot;
      if (dot > m) {
        const float f = expf(m - dot);
        l *= f;
#pragma unroll
        for (int e = 0; e < E; ++e) acc[e] *= f;
        m = dot;
      }
      const float w = expf(dot - m);
      l += w;
#pragma unroll
      for (int e = 0; e < E; ++e) acc[e] += w * xv[r][e];
    }
  }
  // Merge the rows at their common maximum.
  float* sm_acc = smem;                 // (rows,D)
  float* sm_max = smem + p.rows * D;    // (rows,H)
  float* sm_sum = sm_max + p.rows * H;  // (rows,H)
  if (ln.active) {
#pragma unroll
    for (int e = 0; e < E; ++e) sm_acc[ln.y * D + ln.col(e)] = acc[e];
    if (ln.g == 0) {
      sm_max[ln.y * H + ln.h] = m;
      sm_sum[ln.y * H + ln.h] = l;
    }
  }
  __syncthreads();
  const std::int64_t item = b * p.chunks + chunk;
  for (std::int64_t j = threadIdx.x; j < D; j += blockDim.x) {
    const std::int64_t h = j / DH;
    float top = -INFINITY;
    for (int r = 0; r < p.rows; ++r) top = fmaxf(top, sm_max[r * H + h]);
    float a = 0.f, total = 0.f;
    for (int r = 0; r < p.rows; ++r) {
      const float mr = sm_max[r * H + h];
      if (mr == -INFINITY) continue;
      const float f = expf(mr - top);
      a += sm_acc[r * D + j] * f;
      total += sm_sum[r * H + h] * f;
    }
    part_acc[item * D + j] = a;
    if (j % DH == 0) {
      part_max[item * H + h] = top;
      part_sum[item * H + h] = total;
    }
  }
}

// One block per (32 columns j, b): thread (x, y) merges chunks y, y + kSlices, … of column
// j = 32·blockIdx.x + x with an online maximum (every partial is loaded, so a thread has
// several loads in flight), then row y = 0 merges the kSlices results from shared memory and
// writes the sequence's statistics and pooled vector. Serial over the chunks, one thread
// per column would wait on ~1,000 dependent loads at T = 65,536.
__global__ void __launch_bounds__(kCombineColumns* kSlices)
    pool_combine_kernel(Shape s, Plan p, const float* __restrict__ part_max, const float* __restrict__ part_sum,
                        const float* __restrict__ part_acc, float* __restrict__ stat_max,
                        float* __restrict__ stat_inv, float* __restrict__ pooled) {
  __shared__ float sh_top[kSlices][kCombineColumns], sh_sum[kSlices][kCombineColumns],
      sh_acc[kSlices][kCombineColumns];
  const std::int64_t D = s.H * s.Dh, b = blockIdx.y, j = blockIdx.x * std::int64_t{kCombineColumns} + threadIdx.x;
  const bool on = j < D;
  const std::int64_t h = on ? j / s.Dh : 0;
  float top = -INFINITY, total = 0.f, a = 0.f;
  if (on) {
#pragma unroll 4
    for (std::int64_t c = threadIdx.y; c < p.chunks; c += kSlices) {
      const std::int64_t item = b * p.chunks + c;
      const float mc = part_max[item * s.H + h], sum = part_sum[item * s.H + h], acc = part_acc[item * D + j];
      if (mc > top) {  // rescale what is summed so far to the new maximum (exp(−∞) = 0 at the start)
        const float r = expf(top - mc);
        total *= r;
        a *= r;
        top = mc;
      }
      const float f = mc == -INFINITY ? 0.f : expf(mc - top);  // a chunk without tokens adds nothing
      total += sum * f;
      a += acc * f;
    }
  }
  sh_top[threadIdx.y][threadIdx.x] = top;
  sh_sum[threadIdx.y][threadIdx.x] = total;
  sh_acc[threadIdx.y][threadIdx.x] = a;
  __syncthreads();
  if (threadIdx.y != 0 || !on) return;
  float best = -INFINITY;
  for (int y = 0; y < kSlices; ++y) best = fmaxf(best, sh_top[y][threadIdx.x]);
  float all = 0.f, pooled_j = 0.f;
  for (int y = 0; y < kSlices; ++y) {
    const float m = sh_top[y][threadIdx.x];
    if (m == -INFINITY) continue;
    const float f = expf(m - best);
    all += sh_sum[y][threadIdx.x] * f;
    pooled_j += sh_acc[y][threadIdx.x] * f;
  }
  const float inv = all > 0.f ? 1.f / all : 0.f;  // no tokens: every weight is 0
  pooled[b * D + j] = pooled_j * inv;
  if (j % s.Dh == 0) {
    stat_max[b * s.H + h] = best;
    stat_inv[b * s.H + h] = inv;
  }
}

// Pass 3, one block per token row at a time (kInFlight rows, gridDim apart, loaded before
// any is written), threads over its D elements (a warp writes 32 consecutive ones):
// U = k ⊙ V on every row (padding included, as the ATen path), α and β by the first lane of
// each head.
template <typename S>
__global__ void emit_kernel(Shape s, Rows v, const float* __restrict__ k, const bool* __restrict__ mask,
                            const float* __restrict__ scores_q, const float* __restrict__ max_q,
                            const float* __restrict__ inv_q, const float* __restrict__ scores_k,
                            const float* __restrict__ max_k, const float* __restrict__ inv_k, S* __restrict__ u,
                            S* __restrict__ alpha, S* __restrict__ beta) {
  const std::int64_t D = s.H * s.Dh, rows = s.B * s.T, step = gridDim.x;
  for (std::int64_t row0 = blockIdx.x; row0 < rows; row0 += step * kInFlight) {
    for (std::int64_t j = threadIdx.x; j < D; j += blockDim.x) {
      float xv[kInFlight];
#pragma unroll
      for (int r = 0; r < kInFlight; ++r) {
        const std::int64_t row = row0 + r * step, b = row / s.T;
        xv[r] = row < rows ? to_float(row_ptr<S>(v, b, row - b * s.T)[j]) : 0.f;
      }
#pragma unroll
      for (int r = 0; r < kInFlight; ++r) {
        const std::int64_t row = row0 + r * step, b = row / s.T;
        if (row >= rows) break;
        u[row * D + j] = from_float<S>(k[b * D + j] * xv[r]);
        if (j % s.Dh == 0) {
          const std::int64_t h = j / s.Dh, bh = b * s.H + h, o = row * s.H + h;
          const bool on = mask[row];
          alpha[o] = from_float<S>(on ? expf(scores_q[o] - max_q[bh]) * inv_q[bh] : 0.f);  // Eq. 3
          beta[o] = from_float<S>(on ? expf(scores_k[o] - max_k[bh]) * inv_k[bh] : 0.f);   // Eq. 5
        }
      }
    }
  }
}

}  // namespace

bool shape_supported(const Shape& s) {
  const bool dh = s.Dh == 16 || s.Dh == 32 || s.Dh == 64 || s.Dh == 128;
  return dh && s.H >= 1 && s.H * std::min<std::int64_t>(s.Dh, 32) <= 1024 && s.B >= 1 && s.B <= 65535 && s.T >= 1;
}

Plan make_plan(const Shape& s) {
  Plan p;
  const std::int64_t per_row = s.H * std::min<std::int64_t>(s.Dh, 32);
  p.rows = static_cast<int>(std::max<std::int64_t>(1, kBlockThreads / per_row));
  p.threads = static_cast<int>((per_row * p.rows + 31) / 32 * 32);
  // About kTargetBlocks blocks in all, at least 4 rows of tokens per block.
  const std::int64_t per_sequence = std::max<std::int64_t>(1, (kTargetBlocks + s.B - 1) / s.B);
  std::int64_t chunk = (s.T + per_sequence - 1) / per_sequence;
  chunk = std::max<std::int64_t>(chunk, 4 * p.rows);
  p.chunk = (chunk + p.rows - 1) / p.rows * p.rows;
  p.chunks = (s.T + p.chunk - 1) / p.chunk;
  return p;
}

cudaError_t pool_forward(Storage st, const Shape& s, const Plan& p, Rows x, const float* c, std::int64_t c_bstride,
                         const bool* mask, float* scores, float* part_max, float* part_sum, float* part_acc,
                         cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(p.chunks), static_cast<unsigned>(s.B));
  const std::size_t smem = static_cast<std::size_t>(p.rows) * (s.H * s.Dh + 2 * s.H) * sizeof(float);
  return dispatch(st, s.Dh, [&](auto type, auto dh) {
    using S = decltype(type);
    pool_forward_kernel<S, decltype(dh)::value><<<grid, p.threads, smem, stream>>>(
        s, p, x, c, c_bstride, mask, scores, part_max, part_sum, part_acc);
  });
}

cudaError_t pool_combine(const Shape& s, const Plan& p, const float* part_max, const float* part_sum,
                         const float* part_acc, float* stat_max, float* stat_inv, float* pooled, cudaStream_t stream) {
  const std::int64_t D = s.H * s.Dh;
  const dim3 grid(static_cast<unsigned>((D + kCombineColumns - 1) / kCombineColumns), static_cast<unsigned>(s.B));
  pool_combine_kernel<<<grid, dim3(kCombineColumns, kSlices), 0, stream>>>(s, p, part_max, part_sum, part_acc,
                                                                          stat_max, stat_inv, pooled);
  return cudaGetLastError();
}

cudaError_t emit_forward(Storage st, const Shape& s, Rows v, const float* k, const bool* mask, const float* scores_q,
                         const float* max_q, const float* inv_q, const float* scores_k, const float* max_k,
                         const float* inv_k, void* u, void* alpha, void* beta, cudaStream_t stream) {
  const std::int64_t row_groups = (s.B * s.T + kInFlight - 1) / kInFlight;  // each block takes kInFlight rows
  const unsigned blocks = static_cast<unsigned>(std::min<std::int64_t>(row_groups, 16 * kTargetBlocks));
  const int threads = static_cast<int>(std::min<std::int64_t>(kBlockThreads, (s.H * s.Dh + 31) / 32 * 32));
  return dispatch(st, s.Dh, [&](auto type, auto) {
    using S = decltype(type);
    emit_kernel<S><<<blocks, threads, 0, stream>>>(s, v, k, mask, scores_q, max_q, inv_q, scores_k, max_k,
                                                         inv_k, static_cast<S*>(u), static_cast<S*>(alpha),
                                                         static_cast<S*>(beta));
  });
}

}  // namespace fastformer::cuda
