// CLI options that choose a model (--model, --preset), shared by init, train and bench.
#pragma once

#include "fastformer/model_config.h"

#include <CLI/CLI.hpp>

#include <string>

namespace fastformer::cli {

struct ModelOptions {
  std::string model = "fastformer";  // fastformer (additive attention) | transformer (softmax)
  std::string preset = "paper";

  // The preset with the chosen attention.
  ModelConfig config() const;
};

// Adds --model and --preset.
void add_model_options(CLI::App& cmd, ModelOptions& options);

}  // namespace fastformer::cli
