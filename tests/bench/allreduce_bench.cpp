// Google Benchmark of the data-parallel gradient all-reduce over loopback: rank 0 is the
// benchmark thread, rank 1 a thread that runs the same collectives; the gradients are the
// size of the paper preset's (8.27 M float32 values, 31.6 MiB, in two tensors), or the
// size given. Run: build/tests/bench/allreduce_bench [--benchmark_filter=AllReduce/8274435]
#include "fastformer/distributed.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <chrono>
#include <thread>
#include <unistd.h>

namespace fastformer {
namespace {

constexpr int kWarmup = 3;
constexpr int kIterations = 20;

DistributedConfig two_ranks(int rank, const std::string& store) {
  DistributedConfig c;
  c.world_size = 2;
  c.rank = rank;
  c.store_file = store;
  c.timeout_s = 60;
  return c;
}

// Gradient-like tensors of `values` floats in all: a 30,000 × 256 embedding-shaped one and
// the rest.
std::vector<torch::Tensor> gradients(std::int64_t values) {
  const std::int64_t embedding = std::min<std::int64_t>(values, 30000 * 256);
  std::vector<torch::Tensor> out{torch::ones({embedding})};
  if (values > embedding) out.push_back(torch::ones({values - embedding}));
  return out;
}

void AllReduce(benchmark::State& state) {
  at::set_num_threads(1);
  const std::int64_t values = state.range(0);
  const std::string store = "/tmp/ff-allreduce-bench-" + std::to_string(::getpid()) + "-" +
                            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  std::thread peer([&] {
    auto comm = Communicator::connect(two_ranks(1, store));
    auto grads = gradients(values);
    for (int i = 0; i < kWarmup + kIterations; ++i) comm->all_reduce_sum(grads);
  });
  auto comm = Communicator::connect(two_ranks(0, store));
  auto grads = gradients(values);
  for (int i = 0; i < kWarmup; ++i) comm->all_reduce_sum(grads);
  for (auto _ : state) comm->all_reduce_sum(grads);
  peer.join();
  ::unlink(store.c_str());
  state.SetBytesProcessed(state.iterations() * values * 4);
  state.counters["MiB"] = static_cast<double>(values) * 4 / (1 << 20);
}
BENCHMARK(AllReduce)->Arg(8274435)->Arg(1 << 20)->Iterations(kIterations)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace fastformer

BENCHMARK_MAIN();
