// `fastformer bench train-step`: tokens/s of whole training steps on a random batch, to
// compare with scripts/eager-train-bench (PyTorch eager, the same model).
#include "commands.h"
#include "model_options.h"

#include "fastformer/runtime.h"
#include "fastformer/train_step_timing.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace fastformer::cli {
namespace {

struct TrainStepOptions {
  ModelOptions model;
  std::vector<std::string> overrides;
  std::int64_t batch = 32;
  std::int64_t length = 512;
  std::int64_t vocab_size = 30000;
  int warmup = 3;
  int repeats = 10;
  std::string device = "cpu";
};

void run_train_step(const TrainStepOptions& o) {
  prepare_runtime();
  ModelConfig model = o.model.config();
  model.vocab_size = o.vocab_size;
  for (const auto& assignment : o.overrides) apply_override(model, assignment);
  const TrainStepTiming t =
      time_train_steps(model, TrainConfig{}, o.batch, o.length, o.warmup, o.repeats, parse_device(o.device));
  std::cout << nlohmann::json{{"impl", "fastformer-studio"},
                              {"torch", runtime_info().torch_version},
                              {"attention", to_string(model.attention)},
                              {"batch", o.batch},
                              {"len", o.length},
                              {"threads", runtime_info().threads},
                              {"parameters", t.parameters},
                              {"median_s", t.median_s},
                              {"min_s", t.min_s},
                              {"tokens_per_s", t.tokens_per_s}}
                   .dump()
            << "\n";
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Measure speed");
  bench->require_subcommand(1);
  auto o = std::make_shared<TrainStepOptions>();
  auto* step = bench->add_subcommand("train-step", "Training steps (forward+backward+AdamW) per second on random data");
  add_model_options(*step, o->model);
  step->add_option("--set", o->overrides, "Model config key=value (repeatable)");
  step->add_option("--batch", o->batch, "Sequences per batch")->capture_default_str();
  step->add_option("--len", o->length, "Tokens per sequence")->capture_default_str();
  step->add_option("--vocab-size", o->vocab_size, "Vocabulary size")->capture_default_str();
  step->add_option("--warmup", o->warmup, "Untimed steps first")->capture_default_str();
  step->add_option("--repeats", o->repeats, "Timed steps")->capture_default_str();
  step->add_option("--device", o->device, "cpu | cuda | cuda:N")->capture_default_str();
  step->callback([o] { run_train_step(*o); });
  add_bench_sweep_command(*bench);
}

}  // namespace fastformer::cli
