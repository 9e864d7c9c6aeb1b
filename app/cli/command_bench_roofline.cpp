// `fastformer bench roofline`: this machine's peak matmul rate and copy bandwidth, the
// limits `bench sweep --roofline` measures each point against.
#include "output_file.h"
#include "commands.h"

#include "bench_report.h"

#include "fastformer/error.h"
#include "fastformer/roofline.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>

namespace fastformer::cli {
namespace {

struct RooflineOptions {
  std::string device = "cpu";
  std::string dtype = "float32";
  std::int64_t matmul_n = 2048;
  std::int64_t copy_mib = 256;
  std::string json;
  bool json_line = false;
};

void run_roofline(const RooflineOptions& o) {
  prepare_runtime();
  const Roofline r = measure_roofline(o.device, o.dtype, o.matmul_n, o.copy_mib << 20);
  if (o.json_line) {
    std::printf("%s\n", to_json(r).dump().c_str());
    return;
  }
  print_roofline(r);
  if (!o.json.empty()) {
    write_output_file(o.json, to_json(r).dump(2) + "\n");
  }
}

}  // namespace

void add_bench_roofline_command(CLI::App& bench) {
  auto o = std::make_shared<RooflineOptions>();
  auto* cmd = bench.add_subcommand("roofline", "Peak matmul GFLOP/s and copy GB/s of this machine");
  cmd->add_option("--device", o->device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "float32 | float64 | bfloat16")
      ->check(CLI::IsMember({"float32", "float64", "bfloat16"}))
      ->capture_default_str();
  cmd->add_option("--matmul-n", o->matmul_n, "Size of the square matrices multiplied")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--copy-mib", o->copy_mib, "MiB copied")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--json", o->json, "Write the roofline as JSON");
  cmd->add_flag("--json-line", o->json_line, "Print only the roofline as one JSON line (what sweep reads)");
  cmd->callback([o] { run_roofline(*o); });
}

}  // namespace fastformer::cli
