// Benchmark point options and presets: a preset sets the defaults, options given on the
// command line win over it.
#include "bench_options.h"

#include "fastformer/error.h"

namespace fastformer::cli {

std::vector<std::string> bench_preset_names() { return {"paper-fig2", "layer"}; }

std::vector<std::string> bench_kind_choices() {
  std::vector<std::string> names;
  for (const auto& [name, kind] : bench_kind_names()) names.emplace_back(name);
  return names;
}

void add_bench_point_options(CLI::App& cmd, BenchOptions& o) {
  cmd.add_option("--scope", o.scope,
                 "stack: L encoder layers | layer: one attention layer as the PyTorch reference "
                 "(additive: Q/K/V, core, Wr, +Q; linear and softmax: with output projection) | core: the "
                 "additive core alone on given Q,K,V (other kinds are recorded as n/a)")
      ->check(CLI::IsMember({"stack", "layer", "core"}))
      ->capture_default_str();
  cmd.add_option("--pass", o.pass, "forward | train-step (forward + backward of sum(output), + an AdamW step except at the core scope)")
      ->check(CLI::IsMember({"forward", "train-step"}))
      ->capture_default_str();
  cmd.add_option("--batch", o.config.batch, "Sequences per batch")->capture_default_str();
  cmd.add_option("--hidden", o.config.hidden, "Hidden size")->capture_default_str();
  cmd.add_option("--heads", o.config.heads, "Heads")->capture_default_str();
  cmd.add_option("--layers", o.config.layers, "Layers (stack scope)")->capture_default_str();
  cmd.add_option("--dtype", o.config.dtype, "float32 | float64 | bfloat16")
      ->check(CLI::IsMember({"float32", "float64", "bfloat16"}))
      ->capture_default_str();
  cmd.add_option("--device", o.config.device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd.add_option("--warmup", o.config.warmup, "Untimed runs per point")->capture_default_str();
  cmd.add_option("--repeats", o.config.repeats, "Timed runs per point (at least)")->capture_default_str();
  cmd.add_option("--stable-within", o.config.stable_within,
                 "More runs (up to 4 × repeats, within the point budget) until the medians of the earlier and later "
                 "halves of the runs agree within this share; 0: exactly --repeats runs")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd.add_option("--point-budget", o.config.point_budget_s, "Seconds per point")->capture_default_str();
}

BenchConfig bench_config(const CLI::App& cmd, const BenchOptions& o, const std::string& preset) {
  BenchConfig c = o.config;
  c.scope = parse_bench_scope(o.scope);
  c.pass = parse_bench_pass(o.pass);
  if (preset.empty()) return c;
  const auto given = [&](const char* name) { return cmd.count(name) > 0; };
  BenchConfig p;  // paper-fig2: the defaults (paper Fig. 2: 2 layers, 16 heads, hidden 256)
  if (preset == "layer") {  // the peer reference's configuration: one attention layer
    p.scope = BenchScope::layer;
    p.layers = 1;
  } else if (preset != "paper-fig2") {
    throw Error("unknown preset '" + preset + "'", "--preset", "use paper-fig2 or layer");
  }
  if (!given("--scope")) c.scope = p.scope;
  if (!given("--layers")) c.layers = p.layers;
  if (!given("--heads")) c.heads = p.heads;
  if (!given("--hidden")) c.hidden = p.hidden;
  return c;
}

}  // namespace fastformer::cli
