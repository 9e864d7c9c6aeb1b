// Google Benchmark microbenchmarks of one attention layer (B=1, D=256, 16 heads, the
// paper's Fig. 2 setting): forward, and forward+backward, for additive and softmax
// attention over sequence lengths. Run: build/tests/bench/attention_bench
#include "fastformer/fastformer_attention.h"
#include "fastformer/runtime.h"
#include "fastformer/softmax_attention.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <optional>

namespace fastformer {
namespace {

ModelConfig fig2_config(AttentionKind kind) {
  ModelConfig c = preset("paper");
  c.attention = kind;
  c.hidden = 256;
  c.heads = 16;
  c.dropout = 0.0;
  return c;
}

template <typename Attention>
void run(benchmark::State& state, AttentionKind kind, bool backward) {
  const std::int64_t n = state.range(0);
  torch::manual_seed(1);
  Attention layer(fig2_config(kind));
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

BENCHMARK(additive_forward)->RangeMultiplier(4)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(additive_forward_backward)->RangeMultiplier(4)->Range(128, 32768)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(softmax_forward)->RangeMultiplier(4)->Range(128, 4096)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(softmax_forward_backward)->RangeMultiplier(4)->Range(128, 2048)->Unit(benchmark::kMillisecond)->UseRealTime();

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
