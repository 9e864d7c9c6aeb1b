// One benchmark point in this process: the workload of its scope (encoder stack, reference
// layer or additive core), primed, then timed with the device synchronised around each run.
#include "fastformer/bench_measure.h"

#include "fastformer/additive_core.h"
#include "bench/bench_work.h"
#include "runtime/device_stats.h"
#include "model/encoder_layer.h"
#include "fastformer/error.h"
#include "model/fastformer_attention.h"
#include "model/linear_attention.h"
#include "fastformer/memory_estimate.h"
#include "fastformer/runtime.h"
#include "model/softmax_attention.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

namespace fastformer {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The median of values in any order.
double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// LibTorch reports a failed allocation as a c10::Error whose text varies with the version
// and device ("out of memory", "not enough memory", "can't allocate memory").
bool is_out_of_memory(const c10::Error& e) {
  const std::string text = e.what();
  for (const char* sign : {"out of memory", "not enough memory", "can't allocate memory"}) {
    if (text.find(sign) != std::string::npos) return true;
  }
  return false;
}

// The modules and inputs of one point; `run` is one timed run.
class Workload {
 public:
  virtual ~Workload() = default;
  virtual void make_inputs(std::int64_t batch, std::int64_t n) = 0;
  virtual void run() = 0;
};

// Stack and layer scopes: modules applied to x (B,N,D) with an all-token mask (B,N).
class ModuleWorkload final : public Workload {
 public:
  ModuleWorkload(const ModelConfig& c, BenchScope scope, bool training, torch::Device device, torch::ScalarType dtype)
      : hidden_(c.hidden), training_(training), options_(torch::TensorOptions().device(device).dtype(dtype)) {
    std::vector<torch::nn::Module*> modules;
    if (scope == BenchScope::stack) {
      for (std::int64_t l = 0; l < c.layers; ++l) modules.push_back(layers_.emplace_back(c).get());
    } else if (c.attention == AttentionKind::additive) {
      additive_ = FastformerAttention(c);
      modules.push_back(additive_.get());
    } else if (c.attention == AttentionKind::linear) {
      linear_ = LinearAttention(c);
      modules.push_back(linear_.get());
    } else {
      softmax_ = SoftmaxAttention(c);
      modules.push_back(softmax_.get());
    }
    std::vector<torch::Tensor> parameters;
    for (auto* m : modules) {
      m->to(device, dtype);
      m->train(training);
      for (auto& p : m->parameters()) parameters.push_back(p);
    }
    optimizer_ = std::make_unique<torch::optim::AdamW>(parameters, torch::optim::AdamWOptions(1e-4));
  }

  void make_inputs(std::int64_t batch, std::int64_t n) override {
    x_ = torch::randn({batch, n, hidden_}, options_);                 // (B,N,D)
    mask_ = torch::ones({batch, n}, options_.dtype(torch::kBool));  // (B,N)
  }

  void run() override {
    if (!training_) {
      torch::NoGradGuard no_grad;
      forward();
      return;
    }
    const torch::Tensor y = forward();  // (B,N,D)
    optimizer_->zero_grad();
    y.sum().backward();
    optimizer_->step();
  }

 private:
  torch::Tensor forward() {
    if (!layers_.empty()) {
      torch::Tensor h = x_;
      for (auto& layer : layers_) h = layer->forward(h, mask_);
      return h;
    }
    // mix leaves out the output projection, as the reference layer does.
    if (!additive_.is_empty()) return additive_->mix(x_, mask_);
    return !linear_.is_empty() ? linear_->forward(x_, mask_) : softmax_->forward(x_, mask_);
  }

  std::int64_t hidden_;
  bool training_;
  torch::TensorOptions options_;
  std::vector<EncoderLayer> layers_;
  FastformerAttention additive_{nullptr};
  SoftmaxAttention softmax_{nullptr};
  LinearAttention linear_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  torch::Tensor x_, mask_;
};

// Core scope: additive_core on random Q, K, V (B,N,H,Dh) with score vectors (H,Dh); a
// training run is forward + backward of sum(U) into Q, K, V and the score vectors.
class CoreWorkload final : public Workload {
 public:
  CoreWorkload(const ModelConfig& c, bool training, const torch::TensorOptions& options)
      : heads_(c.heads), head_dim_(c.head_dim()), training_(training), options_(options),
        scale_(1.0 / std::sqrt(static_cast<double>(c.head_dim()))) {
    wq_ = (torch::randn({heads_, head_dim_}, options) * scale_).requires_grad_(training);  // (H,Dh)
    wk_ = (torch::randn({heads_, head_dim_}, options) * scale_).requires_grad_(training);  // (H,Dh)
  }

  void make_inputs(std::int64_t batch, std::int64_t n) override {
    const auto random = [&] { return torch::randn({batch, n, heads_, head_dim_}, options_).requires_grad_(training_); };
    q_ = random();  // (B,N,H,Dh)
    k_ = random();  // (B,N,H,Dh)
    v_ = random();  // (B,N,H,Dh)
    mask_ = torch::ones({batch, n}, options_.dtype(torch::kBool));  // (B,N)
  }

  void run() override {
    if (!training_) {
      torch::NoGradGuard no_grad;
      additive_core(q_, k_, v_, mask_, wq_, wk_, scale_);
      return;
    }
    const torch::Tensor u = additive_core(q_, k_, v_, mask_, wq_, wk_, scale_).u;  // (B,N,H,Dh)
    torch::autograd::grad({u.sum()}, {q_, k_, v_, wq_, wk_});
  }

 private:
  std::int64_t heads_, head_dim_;
  bool training_;
  torch::TensorOptions options_;
  double scale_;
  torch::Tensor wq_, wk_, q_, k_, v_, mask_;
};

std::unique_ptr<Workload> make_workload(const BenchConfig& b, const ModelConfig& c, torch::Device device) {
  const bool training = b.pass == BenchPass::train_step;
  const torch::ScalarType dtype = bench_scalar_type(b.dtype);
  if (b.scope == BenchScope::core) {
    return std::make_unique<CoreWorkload>(c, training, torch::TensorOptions().device(device).dtype(dtype));
  }
  return std::make_unique<ModuleWorkload>(c, b.scope, training, device, dtype);
}

// Predicted from the shapes before anything is allocated, so an impossible point never
// pushes the machine into swap: float32 estimates scaled to the dtype.
bool predicted_out_of_memory(const BenchConfig& b, const ModelConfig& c, std::int64_t batch, std::int64_t n) {
  const std::int64_t free = available_memory_bytes();
  if (free <= 0) return false;
  ModelConfig shape = c;
  if (b.scope != BenchScope::stack) shape.layers = 1;
  const double bytes = static_cast<double>(estimate_activation_bytes(shape, batch, n, b.pass == BenchPass::train_step)) *
                       dtype_bytes(b.dtype) / 4.0;
  return bytes > static_cast<double>(free);
}

}  // namespace

bool bench_times_stable(const std::vector<double>& times, double within) {
  if (times.size() < 4) return false;
  const auto half = static_cast<std::ptrdiff_t>(times.size() / 2);
  const double earlier = median_of({times.begin(), times.begin() + half});
  const double later = median_of({times.begin() + half, times.end()});
  return std::abs(later - earlier) <= within * earlier;
}

c10::ScalarType bench_scalar_type(const std::string& dtype) {
  dtype_bytes(dtype);  // throws for an unknown name
  if (dtype == "float64") return torch::kFloat64;
  if (dtype == "bfloat16") return torch::kBFloat16;
  return torch::kFloat32;
}

BenchPoint measure_bench_point(const BenchConfig& b, BenchKind kind, std::int64_t n,
                               const std::function<void()>& on_ready) {
  BenchPoint point = bench_point_header(b, kind, n);
  if (b.scope == BenchScope::core && kind != BenchKind::additive) {
    point.status = "n/a";  // the core scope exists for the additive kind only
    return point;
  }
  const torch::Device device = parse_device(b.device);
  const ModelConfig c = bench_model_config(b, kind, n);
  if (device.is_cpu() && predicted_out_of_memory(b, c, point.batch, n)) {
    point.status = "oom";
    return point;
  }
  const bool cuda_memory = device.is_cuda() && cuda_allocator_stats_available();
  std::vector<double> times;
  try {
    torch::manual_seed(1);
    const auto workload = make_workload(b, c, device);
    // A first run at a short length creates what libraries make lazily (BLAS buffers,
    // thread pools, optimizer moments): it belongs to the baseline, not to the point.
    workload->make_inputs(point.batch, std::min<std::int64_t>(n, 8));
    workload->run();
    workload->make_inputs(point.batch, n);
    synchronize(device);
    std::int64_t baseline = 0;
    if (cuda_memory) {
      reset_cuda_peak_bytes(device);
      baseline = cuda_allocated_bytes(device);
    }
    if (on_ready) on_ready();
    const auto point_start = Clock::now();
    const bool adapt = b.stable_within > 0;
    const int most = adapt ? std::max(4, 4 * b.repeats) : b.repeats;
    for (int i = 0;; ++i) {
      const auto start = Clock::now();
      workload->run();
      synchronize(device);
      const double s = seconds_since(start);
      if (s > b.point_budget_s) {
        point.status = "timeout";
        return point;
      }
      if (i >= b.warmup) times.push_back(s);
      const auto runs = static_cast<int>(times.size());
      if (runs >= b.repeats && (!adapt || runs >= most || bench_times_stable(times, b.stable_within))) break;
      if (seconds_since(point_start) > b.point_budget_s && !times.empty()) break;
    }
    point.stable = !adapt || bench_times_stable(times, b.stable_within);
    if (cuda_memory) {
      point.peak_bytes = cuda_peak_allocated_bytes(device) - baseline;
      point.memory_method = kMemoryCudaAllocator;
    }
  } catch (const std::bad_alloc&) {
    point.status = "oom";
    return point;
  } catch (const c10::Error& e) {
    if (!is_out_of_memory(e)) throw;
    point.status = "oom";
    return point;
  }
  std::sort(times.begin(), times.end());
  point.status = "ok";
  point.runs = static_cast<int>(times.size());
  point.median_ms = 1e3 * percentile(times, 50);
  point.min_ms = 1e3 * times.front();
  point.p10_ms = 1e3 * percentile(times, 10);
  point.p90_ms = 1e3 * percentile(times, 90);
  point.tokens_per_s = static_cast<double>(point.batch * n) / (point.median_ms / 1e3);
  return point;
}

}  // namespace fastformer
