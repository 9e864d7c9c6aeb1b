// The machine's roofline for the benchmark: peak matmul FLOP rate and memory copy
// bandwidth, measured on the device and dtype of the sweep, and the time limit they set
// for a given amount of work.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

namespace fastformer {

struct Roofline {
  std::string device = "cpu";
  std::string dtype = "float32";
  std::int64_t matmul_n = 2048;        // torch::mm of two (n,n) matrices
  double peak_gflops = 0;              // best of a few, 2·n³ FLOPs each
  std::int64_t copy_bytes = 256 << 20;  // size of the copied tensor
  double bandwidth_gbps = 0;           // best of a few copies, read + write bytes counted
};

// Measures both rates (a few seconds). Throws fastformer::Error for an unknown device/dtype.
Roofline measure_roofline(const std::string& device = "cpu", const std::string& dtype = "float32",
                          std::int64_t matmul_n = 2048, std::int64_t copy_bytes = 256 << 20);

// The least time `flops` and `bytes` can take under the roofline, in milliseconds, counting
// compute and memory traffic as if they did not overlap: flops/peak + bytes/bandwidth.
double roofline_ms(const Roofline& roofline, double flops, double bytes);

nlohmann::json to_json(const Roofline& roofline);
Roofline roofline_from_json(const nlohmann::json& j);

}  // namespace fastformer
