// The `fastformer` CLI's subcommands; each file adds one to the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

namespace fastformer::cli {

// Options shared by every subcommand (set on the top-level app).
struct GlobalOptions {
  int threads = 0;  // 0 = every core
  int exit_status = 0;  // set by a command that ends without an error but not plainly (e.g. stopped)
};
GlobalOptions& global_options();
// Applies the global options; every subcommand calls it first.
void prepare_runtime();

void add_info_command(CLI::App& app);
void add_init_command(CLI::App& app);
void add_forward_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_explain_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_import_command(CLI::App& app);
void add_launch_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_bench_sweep_command(CLI::App& bench);
void add_bench_point_command(CLI::App& bench);
void add_bench_roofline_command(CLI::App& bench);

}  // namespace fastformer::cli
