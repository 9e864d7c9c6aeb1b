// Text output of the length sweep.
#include "bench_report.h"

#include "fastformer/scaling_fit.h"

#include <algorithm>
#include <cstdio>
#include <string>

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
    if (!p.stable) std::printf("  NOT steady after %d runs", p.runs);
  }
  std::printf("\n");
  std::fflush(stdout);
}

namespace {

// Per-sequence time of one kind's ok points.
std::vector<ScalingPoint> time_series(const std::vector<BenchPoint>& points, BenchKind kind) {
  std::vector<ScalingPoint> out;
  for (const auto& p : points) {
    if (p.kind == kind && p.status == "ok") out.push_back({static_cast<double>(p.n), p.median_ms / static_cast<double>(p.batch)});
  }
  return out;
}

}  // namespace

void print_scaling(const std::vector<BenchPoint>& points, double fit_from) {
  for (const auto& [name, kind] : bench_kind_names()) {
    if (const auto fit = fit_loglog_slope(time_series(points, kind), fit_from)) {
      std::printf("%s: time ∝ N^%.2f over N = %.0f…%.0f (%lld points)\n", name, fit->slope, fit->min_n, fit->max_n,
                  static_cast<long long>(fit->points));
    }
  }
  // Each pair once, the kind listed first as the one that may be cheaper.
  const auto& names = bench_kind_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t j = i + 1; j < names.size(); ++j) {
      const auto cheap = time_series(points, names[i].second), dear = time_series(points, names[j].second);
      if (cheap.empty() || dear.empty()) continue;
      if (const auto from = crossover_length(cheap, dear)) {
        std::printf("%s is faster than %s per sequence from N = %.0f on\n", names[i].first, names[j].first, *from);
      } else if (const auto back = crossover_length(dear, cheap)) {
        std::printf("%s is faster than %s per sequence from N = %.0f on\n", names[j].first, names[i].first, *back);
      } else {
        std::printf("neither %s nor %s stays faster over the measured lengths\n", names[i].first, names[j].first);
      }
    }
  }
}

void print_memory_per_token(const std::vector<BenchPoint>& points) {
  for (const auto& [name, kind] : bench_kind_names()) {
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
    std::printf("%s bytes/token:%s\n", name, line.c_str());
    if (kind != BenchKind::additive) continue;
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
