// Google Benchmark microbenchmarks of one attention layer (B=1, D=256, 16 heads, the
// paper's Fig. 2 setting): forward, and forward+backward, for additive, linear and softmax
// attention (tiled, and materialised) over sequence lengths, the linear layer's projections
// alone (its GEMM floor), and the additive core alone (fused kernel and the ATen reference
// path). Run: build/tests/bench/attention_bench --benchmark_filter=core
#include "fastformer/additive_core.h"
#include "model/fastformer_attention.h"
#include "model/linear_attention.h"
#include "fastformer/runtime.h"
#include "model/softmax_attention.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <optional>

namespace fastformer {
namespace {

ModelConfig fig2_config(AttentionKind kind, SoftmaxImpl impl = SoftmaxImpl::tiled) {
  ModelConfig c = preset("paper");
  c.attention = kind;
  c.softmax_impl = impl;
  c.hidden = 256;
  c.heads = 16;
  c.dropout = 0.0;
  return c;
}

template <typename Attention>
void run(benchmark::State& state, AttentionKind kind, bool backward, SoftmaxImpl impl = SoftmaxImpl::tiled) {
  const std::int64_t n = state.range(0);
  torch::manual_seed(1);
  Attention layer(fig2_config(kind, impl));
  const torch::Tensor x = torch::randn({1, n, 256}, torch::requires_grad(backward));  // (B,T,D)
  const torch::Tensor mask = torch::ones({1, n}, torch::kBool);                       // (B,T)
  std::optional<torch::NoGradGuard> no_grad;
  if (!backward) no_grad.emplace();
  for (auto _ : state) {
    torch::Tensor y = layer->forward(x, mask);
    if (backward) y.sum().backward();
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * n);  // tokens
}

void additive_forward(benchmark::State& s) { run<FastformerAttention>(s, AttentionKind::additive, false); }
void additive_forward_backward(benchmark::State& s) { run<FastformerAttention>(s, AttentionKind::additive, true); }
void softmax_forward(benchmark::State& s) { run<SoftmaxAttention>(s, AttentionKind::softmax, false); }
void softmax_forward_backward(benchmark::State& s) { run<SoftmaxAttention>(s, AttentionKind::softmax, true); }
void linear_forward(benchmark::State& s) { run<LinearAttention>(s, AttentionKind::linear, false); }
void linear_forward_backward(benchmark::State& s) { run<LinearAttention>(s, AttentionKind::linear, true); }

// The linear layer's GEMM floor: its four D×D projections (Q, K, V, output) alone, with the
// layer's own weights, forward and (with backward) their input and weight gradients.
void linear_projections(benchmark::State& state, bool backward) {
  const std::int64_t n = state.range(0);
  torch::manual_seed(1);
  LinearAttention layer(fig2_config(AttentionKind::linear));
  const torch::Tensor x = torch::randn({1, n, 256}, torch::requires_grad(backward));  // (B,T,D)
  std::optional<torch::NoGradGuard> no_grad;
  if (!backward) no_grad.emplace();
  for (auto _ : state) {
    const torch::Tensor q = layer->query(x), k = layer->key(x), v = layer->value(x);  // (B,T,D) each
    const torch::Tensor y = layer->output(q);                                          // (B,T,D)
    if (backward) (q.sum() + k.sum() + v.sum() + y.sum()).backward();
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
void linear_gemms_forward(benchmark::State& s) { linear_projections(s, false); }
void linear_gemms_forward_backward(benchmark::State& s) { linear_projections(s, true); }

void softmax_materialized_forward(benchmark::State& s) {
  run<SoftmaxAttention>(s, AttentionKind::softmax, false, SoftmaxImpl::materialized);
}
void softmax_materialized_forward_backward(benchmark::State& s) {
  run<SoftmaxAttention>(s, AttentionKind::softmax, true, SoftmaxImpl::materialized);
}

// From given Q|K|V (B=1, T=n, H=16, Dh=16; one (B,T,3D) tensor, as the PyTorch reference's
// `fastformer_core` takes it) to U, backward from a dense random dU with fresh gradients
// each run: what the fused kernel replaces.
void core(benchmark::State& state, bool fused, bool backward) {
  const std::int64_t n = state.range(0), D = 256;
  torch::manual_seed(1);
  const auto grad = torch::requires_grad(backward);
  const torch::Tensor qkv = torch::randn({1, n, 3 * D}, grad);  // (B,T,3D)
  const torch::Tensor wq = torch::randn({16, 16}, grad), wk = torch::randn({16, 16}, grad);
  const torch::Tensor mask = torch::ones({1, n}, torch::kBool);  // (B,T)
  const torch::Tensor du = torch::randn({1, n, 16, 16});        // (B,T,H,Dh)
  std::optional<torch::NoGradGuard> no_grad;
  if (!backward) no_grad.emplace();
  for (auto _ : state) {
    for (const auto* t : {&qkv, &wq, &wk}) t->mutable_grad() = torch::Tensor();
    torch::Tensor u;
    if (fused) {  // the engine's layer form: Q|K|V blocks of one tensor, d(qkv) written whole
      u = additive_core_packed(qkv, 0, D, 2 * D, 16, mask, wq, wk, {}, 0.25).core.u;
    } else {
      const auto parts = qkv.split(D, -1);
      const auto heads = [&](const torch::Tensor& t) { return t.view({1, n, 16, 16}); };  // (B,T,H,Dh)
      u = additive_core_aten(heads(parts[0]), heads(parts[1]), heads(parts[2]), mask, wq, wk, 0.25).u;
    }
    if (backward) u.backward(du);
    benchmark::DoNotOptimize(u.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// The layer as the PyTorch reference writes it (no output projection, its own W_v, as
// `fastformer bench sweep --scope layer` builds it): FastformerAttention::mix, backward from
// a dense random gradient with fresh gradients each run, as the reference does.
void additive_mix(benchmark::State& state, bool backward) {
  const std::int64_t n = state.range(0);
  torch::manual_seed(1);
  ModelConfig config = fig2_config(AttentionKind::additive);
  config.share_qv = false;
  FastformerAttention layer(config);
  const torch::Tensor x = torch::randn({1, n, 256}, torch::requires_grad(backward));  // (B,T,D)
  const torch::Tensor mask = torch::ones({1, n}, torch::kBool);                       // (B,T)
  const torch::Tensor gy = torch::randn({1, n, 256});                                 // (B,T,D)
  std::optional<torch::NoGradGuard> no_grad;
  if (!backward) no_grad.emplace();
  for (auto _ : state) {
    x.mutable_grad() = torch::Tensor();
    for (auto& p : layer->parameters()) p.mutable_grad() = torch::Tensor();
    torch::Tensor y = layer->mix(x, mask);
    if (backward) y.backward(gy);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void core_fused_forward(benchmark::State& s) { core(s, true, false); }
void core_fused_forward_backward(benchmark::State& s) { core(s, true, true); }
void core_aten_forward(benchmark::State& s) { core(s, false, false); }
void core_aten_forward_backward(benchmark::State& s) { core(s, false, true); }
void mix_forward(benchmark::State& s) { additive_mix(s, false); }
void mix_forward_backward(benchmark::State& s) { additive_mix(s, true); }

BENCHMARK(core_fused_forward)->RangeMultiplier(2)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(core_fused_forward_backward)->RangeMultiplier(2)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(core_aten_forward)->RangeMultiplier(2)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(core_aten_forward_backward)->RangeMultiplier(2)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(mix_forward)->RangeMultiplier(2)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(mix_forward_backward)->RangeMultiplier(2)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(additive_forward)->RangeMultiplier(4)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(additive_forward_backward)->RangeMultiplier(4)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(linear_forward)->RangeMultiplier(2)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(linear_forward_backward)->RangeMultiplier(2)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(linear_gemms_forward)->RangeMultiplier(2)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(linear_gemms_forward_backward)->RangeMultiplier(2)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(softmax_forward)->RangeMultiplier(2)->Range(128, 8192)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(softmax_forward_backward)->RangeMultiplier(2)->Range(128, 8192)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(softmax_materialized_forward)->RangeMultiplier(2)->Range(128, 8192)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(softmax_materialized_forward_backward)->RangeMultiplier(2)->Range(128, 4096)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace fastformer

int main(int argc, char** argv) {
  fastformer::apply_process_policies(argv);
  fastformer::configure_threads();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
