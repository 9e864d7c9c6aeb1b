// `fastformer init`: a randomly initialised, seeded checkpoint from a preset.
#include "commands.h"
#include "model_options.h"

#include "fastformer/checkpoint.h"
#include "fastformer/error.h"

#include <torch/torch.h>

#include <iostream>
#include <memory>

namespace fastformer::cli {
namespace {

struct InitOptions {
  ModelOptions model;
  std::vector<std::string> overrides;
  std::int64_t classes = 2;
  std::int64_t vocab_size = 30000;
  std::vector<std::string> labels;
  std::uint64_t seed = 0;
  std::string out;
};

void run_init(const InitOptions& o) {
  prepare_runtime();
  ModelConfig config = o.model.config();
  config.classes = o.classes;
  config.vocab_size = o.vocab_size;
  for (const auto& assignment : o.overrides) apply_override(config, assignment);
  if (!o.labels.empty() && static_cast<std::int64_t>(o.labels.size()) != config.classes) {
    throw Error(std::to_string(o.labels.size()) + " label names for " + std::to_string(config.classes) + " classes",
                "--labels");
  }
  torch::manual_seed(o.seed);
  Model model(config);
  save_checkpoint(o.out, model, o.labels.empty() ? default_labels(config.classes) : o.labels);
  std::int64_t parameters = 0;
  for (const auto& p : model->parameters()) parameters += p.numel();
  std::cout << "wrote " << o.out << ": " << o.model.model << " (" << to_string(config.attention) << " attention), "
            << config.layers << " layers, hidden " << config.hidden << ", " << config.heads << " heads, "
            << parameters << " parameters, seed " << o.seed << "\n";
}

}  // namespace

void add_init_command(CLI::App& app) {
  auto options = std::make_shared<InitOptions>();
  auto* cmd = app.add_subcommand("init", "Write a randomly initialised checkpoint");
  add_model_options(*cmd, options->model);
  cmd->add_option("--set", options->overrides, "Override a model config key: key=value (repeatable)");
  cmd->add_option("--classes", options->classes, "Number of classes")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--vocab-size", options->vocab_size, "Vocabulary size")->capture_default_str();
  cmd->add_option("--labels", options->labels, "Class names, in class-index order")->delimiter(',');
  cmd->add_option("--seed", options->seed, "Random seed for the initial weights")->capture_default_str();
  cmd->add_option("--out", options->out, "Checkpoint directory to write")->required();
  cmd->callback([options] { run_init(*options); });
}

}  // namespace fastformer::cli
