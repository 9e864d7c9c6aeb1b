// Peak matmul and copy rates, timed with the device synchronised before each clock read.
#include "fastformer/roofline.h"

#include "fastformer/bench_measure.h"
#include "bench/bench_work.h"
#include "runtime/device_stats.h"
#include "fastformer/error.h"
#include "fastformer/runtime.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>

namespace fastformer {
namespace {

using Clock = std::chrono::steady_clock;

// Best time of `op` over up to five runs after one warm-up, stopping once three seconds
// have been spent (a slow dtype on a slow machine still finishes).
template <typename Op>
double best_seconds(const torch::Device& device, Op op) {
  op();
  synchronize(device);
  double best = 1e300;
  const auto start = Clock::now();
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    op();
    synchronize(device);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    if (std::chrono::duration<double>(Clock::now() - start).count() > 3.0) break;
  }
  return best;
}

}  // namespace

Roofline measure_roofline(const std::string& device_name, const std::string& dtype, std::int64_t matmul_n,
                          std::int64_t copy_bytes) {
  const torch::Device device = parse_device(device_name);
  const auto options = torch::TensorOptions().device(device).dtype(bench_scalar_type(dtype));
  Roofline r{device_name, dtype, matmul_n, 0, copy_bytes, 0};
  torch::NoGradGuard no_grad;
  {
    const torch::Tensor a = torch::randn({matmul_n, matmul_n}, options);  // (n,n)
    const torch::Tensor b = torch::randn({matmul_n, matmul_n}, options);  // (n,n)
    torch::Tensor c = torch::empty({matmul_n, matmul_n}, options);        // (n,n)
    const double s = best_seconds(device, [&] { torch::mm_out(c, a, b); });
    r.peak_gflops = 2.0 * static_cast<double>(matmul_n) * matmul_n * matmul_n / s / 1e9;
  }
  {
    const std::int64_t elements = copy_bytes / dtype_bytes(dtype);
    const torch::Tensor src = torch::ones({elements}, options);
    torch::Tensor dst = torch::empty({elements}, options);
    dst.copy_(src);  // first touch of dst's pages stays out of the timing
    const double s = best_seconds(device, [&] { dst.copy_(src); });
    r.bandwidth_gbps = 2.0 * static_cast<double>(elements * dtype_bytes(dtype)) / s / 1e9;  // read + write
  }
  return r;
}

double roofline_ms(const Roofline& r, double flops, double bytes) {
  if (r.peak_gflops <= 0 || r.bandwidth_gbps <= 0) return 0;
  return 1e3 * (flops / (r.peak_gflops * 1e9) + bytes / (r.bandwidth_gbps * 1e9));
}

nlohmann::json to_json(const Roofline& r) {
  return {{"device", r.device},           {"dtype", r.dtype},
          {"matmul_n", r.matmul_n},       {"peak_gflops", r.peak_gflops},
          {"copy_bytes", r.copy_bytes},   {"bandwidth_gbps", r.bandwidth_gbps}};
}

Roofline roofline_from_json(const nlohmann::json& j) {
  try {
    return {j.at("device").get<std::string>(),        j.at("dtype").get<std::string>(),
            j.at("matmul_n").get<std::int64_t>(),     j.at("peak_gflops").get<double>(),
            j.at("copy_bytes").get<std::int64_t>(),   j.at("bandwidth_gbps").get<double>()};
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a roofline: ") + e.what(), "roofline JSON");
  }
}

}  // namespace fastformer
