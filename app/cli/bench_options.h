// CLI options that describe benchmark points, shared by `bench sweep` and `bench point`,
// and the sweep presets.
#pragma once

#include "fastformer/bench.h"

#include <CLI/CLI.hpp>

#include <string>

namespace fastformer::cli {

struct BenchOptions {
  BenchConfig config;
  std::string scope = "stack";
  std::string pass = "forward";
};

// Adds --scope, --pass, --batch, --hidden, --heads, --layers, --dtype, --device, --warmup,
// --repeats and --point-budget, writing into `options`.
void add_bench_point_options(CLI::App& cmd, BenchOptions& options);

// The settings after parsing: `preset` (paper-fig2 | layer | empty) first, then every option
// given on the command line over it.
BenchConfig bench_config(const CLI::App& cmd, const BenchOptions& options, const std::string& preset = {});

std::vector<std::string> bench_preset_names();
// "additive", "linear", "softmax", "softmax-materialized": the names --kind and --kinds
// accept (bench_kind_names()).
std::vector<std::string> bench_kind_choices();

}  // namespace fastformer::cli
