// Text output of the length sweep.
#include "bench_report.h"

#include "fastformer/scaling_fit.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

namespace fastformer::cli {

void print_roofline(const Roofline& r) {
  std::printf("roofline: matmul %lld×%lld %s %.1f GFLOP/s, copy %.0f MiB %.1f GB/s (%s)\n",
              static_cast<long long>(r.matmul_n), static_cast<long long>(r.matmul_n), r.dtype.c_str(), r.peak_gflops,
              static_cast<double>(r.copy_bytes) / (1 << 20), r.bandwidth_gbps, r.device.c_str());
  std::fflush(stdout);
}

void print_point(const BenchPoint& p, bool with_roofline) {
  std::printf("%-9s %-10s N=%-7lld B=%-4lld %-8s median %10.3f ms  p10 %10.3f  p90 %10.3f  %12.0f tokens/s",
              to_string(p.kind).c_str(), p.pass.c_str(), static_cast<long long>(p.n), static_cast<long long>(p.batch),
              p.status.c_str(), p.median_ms, p.p10_ms, p.p90_ms, p.tokens_per_s);
  if (p.status == "ok") {
    if (p.memory_method != kMemoryNone) std::printf("  mem %9.2f MiB", static_cast<double>(p.peak_bytes) / (1 << 20));
    std::printf("  %8.2f GFLOP/s  %7.2f GB/s", p.gflops, p.gbps);
    if (with_roofline) std::printf("  %5.1f%% of roofline", 100.0 * p.of_roofline);
  }
  std::printf("\n");
  std::fflush(stdout);
}

void print_scaling(const std::vector<BenchPoint>& points, double fit_from) {
  std::vector<ScalingPoint> additive, softmax;
  for (const auto& p : points) {
    if (p.status != "ok") continue;
    (p.kind == AttentionKind::softmax ? softmax : additive).push_back({static_cast<double>(p.n), p.median_ms / static_cast<double>(p.batch)});
  }
  for (const auto& [kind, series] : {std::pair{AttentionKind::additive, &additive}, std::pair{AttentionKind::softmax, &softmax}}) {
    if (const auto fit = fit_loglog_slope(*series, fit_from)) {
      std::printf("%s: time ∝ N^%.2f over N = %.0f…%.0f (%lld points)\n", to_string(kind).c_str(), fit->slope, fit->min_n, fit->max_n,
                  static_cast<long long>(fit->points));
    }
  }
  if (!additive.empty() && !softmax.empty()) {
    const auto from = crossover_length(additive, softmax);
    if (from) std::printf("additive is faster per sequence from N = %.0f on\n", *from);
    else std::printf("additive never stays faster over the measured lengths\n");
  }
}

void print_memory_per_token(const std::vector<BenchPoint>& points) {
  for (const AttentionKind kind : {AttentionKind::additive, AttentionKind::softmax}) {
    std::string line;
    double lo = 0, hi = 0;
    int long_points = 0;
    for (const auto& p : points) {
      if (p.kind != kind || p.status != "ok" || p.memory_method == kMemoryNone) continue;
      char item[64];
      std::snprintf(item, sizeof item, " N=%lld %.0f", static_cast<long long>(p.n), p.bytes_per_token);
      line += item;
      if (p.n < 1024) continue;
      lo = long_points == 0 ? p.bytes_per_token : std::min(lo, p.bytes_per_token);
      hi = long_points == 0 ? p.bytes_per_token : std::max(hi, p.bytes_per_token);
      ++long_points;
    }
    if (line.empty()) continue;
    std::printf("%s bytes/token:%s\n", to_string(kind).c_str(), line.c_str());
    if (kind != AttentionKind::additive) continue;
    if (long_points < 2 || lo <= 0) {
      std::printf("additive bytes/token over N >= 1024: needs two measured points there\n");
    } else {
      const double ratio = hi / lo;
      std::printf("additive bytes/token over N >= 1024: max/min %.2f (%s)\n", ratio,
                  ratio <= 1.25 ? "constant: memory linear in N" : "not constant");
    }
  }
  std::fflush(stdout);
}

}  // namespace fastformer::cli
