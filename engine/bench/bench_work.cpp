// The work model of a benchmark run, operation by operation. Shape letters: B batch,
// N tokens per sequence, T = B·N tokens, D hidden, H heads, Dh = D/H, F FFN width, e bytes
// per element. Conventions:
// - FLOPs: a multiply-add is 2; bias additions and scalar scalings are left out.
// - Backward: a Linear costs one GEMM for dW and one for dx, the latter only when its input
//   needs a gradient (not for the projections reading the benchmark's input x); every other
//   operation's backward counts as 2× its forward FLOPs.
// - Bytes: each operation reads its operands and writes its results once (no fusion across
//   operations; the additive core and the softmax core each count as one fused operation,
//   so their (B,H,N,N) or (B,N,H) intermediates never reach memory). Gradient sums where one
//   tensor feeds several operations, LayerNorm's γ/β and the O(B·D) global vectors are left
//   out; they are small next to the (T,D) terms.
#include "bench/bench_work.h"

#include "fastformer/error.h"

namespace fastformer {
namespace {

struct Cost {
  double fwd_flops = 0, bwd_flops = 0, fwd_bytes = 0, bwd_bytes = 0;
  double params = 0;  // parameters that receive a gradient (for the optimizer step)

  Cost& operator+=(const Cost& o) {
    fwd_flops += o.fwd_flops;
    bwd_flops += o.bwd_flops;
    fwd_bytes += o.fwd_bytes;
    bwd_bytes += o.bwd_bytes;
    params += o.params;
    return *this;
  }
};

// y = x Wᵀ + b: x (T,in), W (out,in), y (T,out).
Cost linear(double T, double in, double out, bool input_grad, double e) {
  Cost c;
  c.fwd_flops = 2 * T * in * out;
  c.fwd_bytes = e * (T * in + in * out + out + T * out);  // read x, W, b; write y
  c.bwd_flops = 2 * T * in * out;                         // dW = dyᵀ x
  c.bwd_bytes = e * (T * out + T * in + in * out + out);  // read dy, x; write dW, db
  if (input_grad) {
    c.bwd_flops += 2 * T * in * out;                 // dx = dy W
    c.bwd_bytes += e * (T * out + in * out + T * in);  // read dy, W; write dx
  }
  c.params = in * out + out;
  return c;
}

// An element-wise map over (T,W) with `per_element` FLOPs each (LayerNorm ~8: mean,
// variance, normalise, scale, shift; GELU ~8 for the erf). Backward reads dy and the saved
// input and writes dx.
Cost elementwise(double T, double W, double per_element, double e) {
  Cost c;
  c.fwd_flops = per_element * T * W;
  c.bwd_flops = 2 * c.fwd_flops;
  c.fwd_bytes = e * 2 * T * W;
  c.bwd_bytes = e * 3 * T * W;
  return c;
}

// Residual y = a + b over (T,W); its backward passes dy on to both sides unchanged.
Cost residual(double T, double W, double e) {
  Cost c;
  c.fwd_flops = T * W;
  c.fwd_bytes = e * 3 * T * W;
  return c;
}

// Additive core (paper Eq. 3–6 and u = k ⊙ v) from Q, K, V (T,D) to U (T,D):
//   scores a = w_q·Q_i and b = w_k·p_i: 2·T·D each;  poolings q = Σα_i Q_i, k = Σβ_i p_i:
//   2·T·D each;  p = q ⊙ k_i and u = k ⊙ v_i: T·D each;  the two softmaxes over (T,H):
//   ~5·T·H each (scale, max, exp, sum, divide).
// Bytes: forward reads Q, K, V and writes U (4·T·D) plus α, β (2·T·H); backward reads dU,
// V, K, Q and writes dV, dK, dQ (7·T·D) plus α, β again. With V = Q (share_qv) one (T,D)
// read fewer forward and a read and a write fewer backward.
Cost additive_core(double T, double D, double H, bool share_qv, double e) {
  Cost c;
  c.fwd_flops = 2 * (2 * T * D) + 2 * (2 * T * D) + 2 * (T * D) + 2 * (5 * T * H);
  c.bwd_flops = 2 * c.fwd_flops;
  c.fwd_bytes = e * ((share_qv ? 3 : 4) * T * D + 2 * T * H);
  c.bwd_bytes = e * ((share_qv ? 5 : 7) * T * D + 2 * T * H);
  c.params = 2 * D;  // w_q, w_k: (H,Dh) each
  return c;
}

// Softmax core softmax(QKᵀ/√Dh) V per head: QKᵀ and PV 2·B·H·N²·Dh = 2·B·N²·D each; the
// softmax over (B,H,N,N) ~5 per score. Minimum bytes are a fused kernel's: forward reads
// Q, K, V and writes O (4·T·D) and the row statistics (T·H); backward reads Q, K, V, O, dO
// and the statistics and writes dQ, dK, dV (8·T·D + T·H).
Cost softmax_core(double B, double N, double D, double H, double e) {
  Cost c;
  c.fwd_flops = 2 * (2 * B * N * N * D) + 5 * B * H * N * N;
  c.bwd_flops = 2 * c.fwd_flops;
  c.fwd_bytes = e * (4 * B * N * D + B * N * H);
  c.bwd_bytes = e * (8 * B * N * D + B * N * H);
  return c;
}

// Linear attention on projected Q, K, V (T = B·N tokens, Dh = D/H), as attention_cost.h
// counts it: φ of Q and K (elu + 1, 2 FLOPs each), the summaries S = φ(K)ᵀV (2·T·D·Dh) and
// z (T·D), the numerators φ(Q)S (2·T·D·Dh), the normalisers φ(Q)·z (2·T·D) and the
// division (T·D). Backward: twice the FLOPs.
Cost linear_core(double T, double D, double H, double e) {
  const double Dh = D / H;
  Cost c;
  c.fwd_flops = 4 * T * D * Dh + 4 * T * D + T * D + 2 * T * D + T * D;
  c.bwd_flops = 2 * c.fwd_flops;
  c.fwd_bytes = e * 4 * T * D;  // read Q, K, V; write O
  c.bwd_bytes = e * 8 * T * D;  // read Q, K, V, dO; write dQ, dK, dV (and O once more)
  return c;
}

// The attention sublayer. stack: the encoder's attention with its output projection;
// layer: the reference layer (additive: mix, without the output projection).
Cost attention(const ModelConfig& c, double B, double N, bool input_grad, bool output_projection, double e) {
  const double T = B * N, D = static_cast<double>(c.hidden), H = static_cast<double>(c.heads);
  Cost cost;
  const int input_projections = c.attention == AttentionKind::additive && c.share_qv ? 2 : 3;  // Q, K (, V)
  for (int i = 0; i < input_projections; ++i) cost += linear(T, D, D, input_grad, e);
  if (c.attention == AttentionKind::additive) {
    cost += additive_core(T, D, H, c.share_qv, e);
    cost += linear(T, D, D, true, e);  // Wr: U → R
    cost += residual(T, D, e);         // A = R + Q
    if (output_projection) cost += linear(T, D, D, true, e);
  } else {
    cost += c.attention == AttentionKind::linear ? linear_core(T, D, H, e) : softmax_core(B, N, D, H, e);
    cost += linear(T, D, D, true, e);  // output projection (part of the attention's forward)
  }
  return cost;
}

// Post-LN block: X' = LN(X + Attn(X)), Y = LN(X' + FFN(X')), FFN = W2 GELU(W1 x).
Cost encoder_layer(const ModelConfig& c, double B, double N, bool input_grad, double e) {
  const double T = B * N, D = static_cast<double>(c.hidden), F = static_cast<double>(c.ffn);
  Cost cost = attention(c, B, N, input_grad, true, e);
  cost += residual(T, D, e);
  cost += elementwise(T, D, 8, e);  // LN1
  cost.params += 2 * D;
  cost += linear(T, D, F, true, e);
  cost += elementwise(T, F, 8, e);  // GELU
  cost += linear(T, F, D, true, e);
  cost += residual(T, D, e);
  cost += elementwise(T, D, 8, e);  // LN2
  cost.params += 2 * D;
  return cost;
}

// AdamW per parameter: read p, g, m, v and write p, m, v; ~14 FLOPs (decay, two moment
// updates, square root, division, update).
Cost adamw(double params, double e) {
  Cost c;
  c.fwd_flops = 14 * params;
  c.fwd_bytes = e * 7 * params;
  return c;
}

}  // namespace

int dtype_bytes(const std::string& dtype) {
  if (dtype == "float32") return 4;
  if (dtype == "float64") return 8;
  if (dtype == "bfloat16") return 2;
  throw Error("unknown dtype '" + dtype + "'", "--dtype", "use float32, float64 or bfloat16");
}

BenchWork bench_work(const BenchConfig& b, BenchKind kind, std::int64_t n, std::int64_t batch) {
  if (b.scope == BenchScope::core && kind != BenchKind::additive) return {};
  const ModelConfig c = bench_model_config(b, kind, n);
  const double e = dtype_bytes(b.dtype), B = static_cast<double>(batch), N = static_cast<double>(n);
  Cost cost;
  switch (b.scope) {
    case BenchScope::stack:
      for (std::int64_t l = 0; l < c.layers; ++l) cost += encoder_layer(c, B, N, l > 0, e);
      break;
    case BenchScope::layer:
      cost = attention(c, B, N, false, false, e);
      break;
    case BenchScope::core:
      cost = additive_core(B * N, static_cast<double>(c.hidden), static_cast<double>(c.heads), false, e);
      break;
  }
  if (b.pass == BenchPass::forward) return {cost.fwd_flops, cost.fwd_bytes};
  BenchWork work{cost.fwd_flops + cost.bwd_flops, cost.fwd_bytes + cost.bwd_bytes};
  if (b.scope != BenchScope::core) {  // the core scope times forward + backward only
    const Cost step = adamw(cost.params, e);
    work.flops += step.fwd_flops;
    work.bytes += step.fwd_bytes;
  }
  return work;
}

}  // namespace fastformer
