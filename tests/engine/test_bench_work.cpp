// The benchmark's work model against counts reached another way: FLOPs and bytes of the
// projections from the Linear modules actually built (weights (out,in)), the parameters an
// optimizer step touches from the gradients a real backward fills, the additive core's
// FLOPs from an operation-by-operation loop over every element, and its bytes from the
// sizes of the tensors additive_core really takes and returns.
#include "bench/bench_work.h"

#include "fastformer/additive_core.h"
#include "model/encoder_layer.h"
#include "fastformer/error.h"
#include "model/fastformer_attention.h"
#include "model/linear_attention.h"
#include "model/softmax_attention.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <string>

namespace fastformer {
namespace {

constexpr std::int64_t B = 2, N = 8, D = 16, H = 4, Dh = D / H;
constexpr double T = B * N;

BenchConfig small(BenchScope scope, BenchPass pass) {
  BenchConfig b;
  b.hidden = D;
  b.heads = H;
  b.layers = 2;
  b.scope = scope;
  b.pass = pass;
  return b;
}

// Additive core forward FLOPs, one operation at a time over every (b, h, i, d).
double additive_core_flops_by_loop() {
  double f = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t h = 0; h < H; ++h) {
      for (std::int64_t i = 0; i < N; ++i) {
        for (std::int64_t d = 0; d < Dh; ++d) f += 2;  // a_i += w_q[d] · Q_i[d]
      }
      for (std::int64_t i = 0; i < N; ++i) f += 5;  // α = softmax_i(a / √Dh)
      for (std::int64_t i = 0; i < N; ++i) {
        for (std::int64_t d = 0; d < Dh; ++d) f += 2;  // q[d] += α_i Q_i[d]
      }
      for (std::int64_t i = 0; i < N; ++i) {
        for (std::int64_t d = 0; d < Dh; ++d) f += 1;  // p_i[d] = q[d] K_i[d]
      }
      for (std::int64_t i = 0; i < N; ++i) {
        for (std::int64_t d = 0; d < Dh; ++d) f += 2;  // b_i += w_k[d] · p_i[d]
      }
      for (std::int64_t i = 0; i < N; ++i) f += 5;  // β = softmax_i(b / √Dh)
      for (std::int64_t i = 0; i < N; ++i) {
        for (std::int64_t d = 0; d < Dh; ++d) f += 2;  // k[d] += β_i p_i[d]
      }
      for (std::int64_t i = 0; i < N; ++i) {
        for (std::int64_t d = 0; d < Dh; ++d) f += 1;  // u_i[d] = k[d] V_i[d]
      }
    }
  }
  return f;
}

// Softmax core forward FLOPs per (b, h, i, j): a dot product for the score, one for the
// weighted value sum, ~5 for the softmax.
double softmax_core_flops_by_loop() {
  double f = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t h = 0; h < H; ++h) {
      for (std::int64_t i = 0; i < N; ++i) {
        for (std::int64_t j = 0; j < N; ++j) f += 2 * Dh + 5 + 2 * Dh;
      }
    }
  }
  return f;
}

// Linear attention forward FLOPs, one operation at a time over every (b, h, ·): φ of each
// query and key value (elu + 1: 2), the summary S[d][e] += φK_j[d] V_j[e] and z[d] += φK_j[d],
// per query the numerator φQ_i·S[·][e], the normaliser φQ_i·z and the division.
double linear_core_flops_by_loop() {
  double f = 0;
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t h = 0; h < H; ++h) {
      for (std::int64_t i = 0; i < N; ++i) {
        for (std::int64_t d = 0; d < Dh; ++d) f += 2 + 2;  // φ(Q_i[d]), φ(K_i[d])
      }
      for (std::int64_t j = 0; j < N; ++j) {
        for (std::int64_t d = 0; d < Dh; ++d) {
          for (std::int64_t e = 0; e < Dh; ++e) f += 2;  // S[d][e] += φK_j[d] V_j[e]
          f += 1;                                         // z[d] += φK_j[d]
        }
      }
      for (std::int64_t i = 0; i < N; ++i) {
        for (std::int64_t e = 0; e < Dh; ++e) {
          for (std::int64_t d = 0; d < Dh; ++d) f += 2;  // num_i[e] += φQ_i[d] S[d][e]
        }
        for (std::int64_t d = 0; d < Dh; ++d) f += 2;  // norm_i += φQ_i[d] z[d]
        for (std::int64_t e = 0; e < Dh; ++e) f += 1;  // O_i[e] = num_i[e] / norm_i
      }
    }
  }
  return f;
}

struct Counted {
  double fwd = 0, bwd = 0;
};

// GEMM FLOPs of every Linear in `module` (2·T·in·out forward; dW, and dx unless the
// Linear reads the benchmark's input), skipping those named in `unused`.
Counted linear_flops(torch::nn::Module& module, const std::vector<std::string>& reads_input,
                     const std::vector<std::string>& unused = {}) {
  Counted c;
  for (const auto& item : module.named_modules()) {
    auto* linear = item.value()->as<torch::nn::Linear>();
    if (linear == nullptr) continue;
    const std::string name = item.key();
    if (std::find(unused.begin(), unused.end(), name) != unused.end()) continue;
    const double in = static_cast<double>(linear->weight.size(1)), out = static_cast<double>(linear->weight.size(0));
    c.fwd += 2 * T * in * out;
    c.bwd += 2 * T * in * out;
    if (std::find(reads_input.begin(), reads_input.end(), name) == reads_input.end()) c.bwd += 2 * T * in * out;
  }
  return c;
}

// Parameters an optimizer step updates: those a real backward gives a gradient.
double parameters_with_gradients(torch::nn::Module& module, const std::function<torch::Tensor()>& forward) {
  forward().sum().backward();
  double count = 0;
  for (const auto& p : module.parameters()) {
    if (p.grad().defined()) count += static_cast<double>(p.numel());
  }
  return count;
}

TEST(BenchWork, LayerScopeMatchesTheBuiltModules) {
  for (const BenchKind kind : {BenchKind::additive, BenchKind::linear, BenchKind::softmax}) {
    const BenchConfig fwd = small(BenchScope::layer, BenchPass::forward);
    const ModelConfig c = bench_model_config(fwd, kind, N);
    const torch::Tensor x = torch::randn({B, N, D});                // (B,N,D)
    const torch::Tensor mask = torch::ones({B, N}, torch::kBool);  // (B,N)
    Counted linears, core;
    double params = 0;
    if (kind == BenchKind::additive) {
      FastformerAttention layer(c);
      ASSERT_FALSE(layer->value.is_empty()) << "the reference layer has its own V projection";
      linears = linear_flops(*layer, {"query", "key", "value"}, {"output"});  // mix leaves out Wo
      params = parameters_with_gradients(*layer, [&] { return layer->mix(x, mask); });
      core.fwd = additive_core_flops_by_loop() + T * D;  // + the residual A = R + Q
      core.bwd = 2 * additive_core_flops_by_loop();
    } else if (kind == BenchKind::linear) {
      LinearAttention layer(c);
      linears = linear_flops(*layer, {"query", "key", "value"});
      params = parameters_with_gradients(*layer, [&] { return layer->forward(x, mask); });
      core.fwd = linear_core_flops_by_loop();
      core.bwd = 2 * linear_core_flops_by_loop();
    } else {
      SoftmaxAttention layer(c);
      linears = linear_flops(*layer, {"query", "key", "value"});
      params = parameters_with_gradients(*layer, [&] { return layer->forward(x, mask); });
      core.fwd = softmax_core_flops_by_loop();
      core.bwd = 2 * softmax_core_flops_by_loop();
    }
    EXPECT_DOUBLE_EQ(bench_work(fwd, kind, N, B).flops, linears.fwd + core.fwd) << to_string(kind);
    const BenchConfig train = small(BenchScope::layer, BenchPass::train_step);
    EXPECT_DOUBLE_EQ(bench_work(train, kind, N, B).flops, linears.fwd + linears.bwd + core.fwd + core.bwd + 14 * params)
        << to_string(kind);
  }
}

TEST(BenchWork, StackScopeMatchesTheBuiltLayers) {
  for (const BenchKind kind : {BenchKind::additive, BenchKind::linear, BenchKind::softmax}) {
    const BenchConfig b = small(BenchScope::stack, BenchPass::train_step);
    const ModelConfig c = bench_model_config(b, kind, N);
    ASSERT_EQ(c.layers, 2);
    double fwd = 0, bwd = 0, params = 0;
    torch::Tensor h = torch::randn({B, N, D});                      // (B,N,D)
    const torch::Tensor mask = torch::ones({B, N}, torch::kBool);  // (B,N)
    std::vector<EncoderLayer> layers;
    for (std::int64_t l = 0; l < c.layers; ++l) {
      EncoderLayer layer(c);
      layers.push_back(layer);
      // The first layer's projections read the input, which needs no gradient.
      const std::vector<std::string> first{"attention.query", "attention.key", "attention.value"};
      const Counted linears = linear_flops(*layer, l == 0 ? first : std::vector<std::string>{});
      double other = 0;  // element-wise work: LayerNorms, GELU, residual sums
      for (const auto& item : layer->named_modules()) {
        if (auto* norm = item.value()->as<torch::nn::LayerNorm>()) {
          other += 8 * T * static_cast<double>(norm->options.normalized_shape().back());
        }
      }
      other += 8 * T * static_cast<double>(layer->ffn->in->weight.size(0));  // GELU over (T,F)
      const int residuals = kind == BenchKind::additive ? 3 : 2;  // (R + Q), X + A, X' + FFN
      const double core = kind == BenchKind::additive ? additive_core_flops_by_loop()
                          : kind == BenchKind::linear ? linear_core_flops_by_loop()
                                                      : softmax_core_flops_by_loop();
      fwd += linears.fwd + other + residuals * T * D + core;
      bwd += linears.bwd + 2 * other + 2 * core;
      h = layer->forward(h, mask);
    }
    h.sum().backward();
    for (auto& layer : layers) {
      for (const auto& p : layer->parameters()) params += p.grad().defined() ? static_cast<double>(p.numel()) : 0;
    }
    EXPECT_DOUBLE_EQ(bench_work(b, kind, N, B).flops, fwd + bwd + 14 * params) << to_string(kind);
    BenchConfig forward = b;
    forward.pass = BenchPass::forward;
    EXPECT_DOUBLE_EQ(bench_work(forward, kind, N, B).flops, fwd) << to_string(kind);
  }
}

TEST(BenchWork, CoreScopeMatchesTheCoreTensors) {
  const BenchConfig fwd = small(BenchScope::core, BenchPass::forward);
  EXPECT_DOUBLE_EQ(bench_work(fwd, BenchKind::additive, N, B).flops, additive_core_flops_by_loop());
  const BenchConfig train = small(BenchScope::core, BenchPass::train_step);
  EXPECT_DOUBLE_EQ(bench_work(train, BenchKind::additive, N, B).flops, 3 * additive_core_flops_by_loop());

  // Bytes from the tensors the core takes and gives: forward reads Q, K, V and writes U,
  // α, β; backward reads dU, Q, K, V, α, β and writes dQ, dK, dV.
  const auto qkv = [] { return torch::randn({B, N, H, Dh}).requires_grad_(); };
  const torch::Tensor q = qkv(), k = qkv(), v = qkv();
  const torch::Tensor wq = torch::randn({H, Dh}), wk = torch::randn({H, Dh});
  const AdditiveCoreOutput out = additive_core(q, k, v, torch::ones({B, N}, torch::kBool), wq, wk, 0.5);
  const auto grads = torch::autograd::grad({out.u.sum()}, {q, k, v});
  const double inputs = static_cast<double>(q.numel() + k.numel() + v.numel());
  const double outputs = static_cast<double>(out.u.numel() + out.alpha.numel() + out.beta.numel());
  const double written_grads = static_cast<double>(grads[0].numel() + grads[1].numel() + grads[2].numel());
  const double forward_bytes = 4 * (inputs + outputs);
  const double backward_bytes = 4 * (out.u.numel() + inputs + out.alpha.numel() + out.beta.numel() + written_grads);
  EXPECT_DOUBLE_EQ(bench_work(fwd, BenchKind::additive, N, B).bytes, forward_bytes);
  EXPECT_DOUBLE_EQ(bench_work(train, BenchKind::additive, N, B).bytes, forward_bytes + backward_bytes);
  EXPECT_EQ(bench_work(fwd, BenchKind::softmax, N, B).flops, 0.0);  // not run at this scope
}

TEST(BenchWork, LayerScopeBytesFollowTheModules) {
  // Forward: every Linear reads x and W, b and writes y; the core reads Q, K, V and writes
  // U, α, β; the residual reads R and Q and writes A.
  const BenchConfig b = small(BenchScope::layer, BenchPass::forward);
  FastformerAttention layer(bench_model_config(b, BenchKind::additive, N));
  double bytes = 0;
  for (const auto& item : layer->named_modules()) {
    auto* linear = item.value()->as<torch::nn::Linear>();
    if (linear == nullptr || item.key() == "output") continue;
    bytes += 4 * (T * static_cast<double>(linear->weight.size(1) + linear->weight.size(0)) +
                  static_cast<double>(linear->weight.numel() + linear->bias.numel()));
  }
  bytes += 4 * (4 * T * D + 2 * T * H) + 4 * 3 * T * D;
  EXPECT_DOUBLE_EQ(bench_work(b, BenchKind::additive, N, B).bytes, bytes);
}

TEST(BenchWork, BytesScaleWithTheDtypeAndFlopsDoNot) {
  BenchConfig b = small(BenchScope::stack, BenchPass::train_step);
  const BenchWork f32 = bench_work(b, BenchKind::softmax, N, B);
  b.dtype = "bfloat16";
  EXPECT_DOUBLE_EQ(bench_work(b, BenchKind::softmax, N, B).bytes, f32.bytes / 2);
  b.dtype = "float64";
  EXPECT_DOUBLE_EQ(bench_work(b, BenchKind::softmax, N, B).bytes, f32.bytes * 2);
  EXPECT_DOUBLE_EQ(bench_work(b, BenchKind::softmax, N, B).flops, f32.flops);
  b.dtype = "float16";
  EXPECT_THROW(bench_work(b, BenchKind::softmax, N, B), Error);
}

TEST(BenchWork, SoftmaxGrowsQuadraticallyAdditiveAndLinearLinearly) {
  const BenchConfig b = small(BenchScope::layer, BenchPass::forward);
  const auto flops = [&](BenchKind kind, std::int64_t n) { return bench_work(b, kind, n, 1).flops; };
  EXPECT_DOUBLE_EQ(flops(BenchKind::additive, 4096), 2 * flops(BenchKind::additive, 2048));
  EXPECT_DOUBLE_EQ(flops(BenchKind::linear, 4096), 2 * flops(BenchKind::linear, 2048));
  // The tiled and the materialised softmax do the same arithmetic.
  EXPECT_DOUBLE_EQ(flops(BenchKind::softmax, 2048), flops(BenchKind::softmax_materialized, 2048));
  EXPECT_GT(flops(BenchKind::softmax, 1 << 16) / flops(BenchKind::softmax, 1 << 15), 1.9);
}

}  // namespace
}  // namespace fastformer
