// --model and --preset on the command line.
#include "model_options.h"

namespace fastformer::cli {

ModelConfig ModelOptions::config() const {
  ModelConfig c = fastformer::preset(preset);
  c.attention = model == "transformer" ? AttentionKind::softmax
                : model == "linear"    ? AttentionKind::linear
                                       : AttentionKind::additive;
  return c;
}

void add_model_options(CLI::App& cmd, ModelOptions& o) {
  cmd.add_option("--model", o.model, "fastformer (additive attention) | transformer (softmax attention) | linear (linear attention)")
      ->check(CLI::IsMember({"fastformer", "transformer", "linear"}))
      ->capture_default_str();
  cmd.add_option("--preset", o.preset, "paper | official")->check(CLI::IsMember(preset_names()))->capture_default_str();
}

}  // namespace fastformer::cli
