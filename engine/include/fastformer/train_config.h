// TrainConfig: every training setting (optimiser, schedule, batching, evaluation,
// stopping), shared by the CLI and the GUI, with JSON round trip and validation.
#pragma once

#include "fastformer/tokenizer.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>

namespace fastformer {

enum class OptimizerKind { adamw, adam };
enum class ScheduleKind { linear, cosine, constant };
// fp32: everything in float32; bf16 / fp16: autocast (float32 weights and optimiser), fp16
// with loss scaling and on CUDA only.
enum class PrecisionKind { fp32, bf16, fp16 };

struct TrainConfig {
  OptimizerKind optimizer = OptimizerKind::adamw;
  double lr = 1e-3;
  double weight_decay = 0.01;  // decoupled (AdamW) or L2 (Adam)
  double beta1 = 0.9;
  double beta2 = 0.999;
  double adam_eps = 1e-8;
  ScheduleKind schedule = ScheduleKind::linear;  // after warm-up
  double warmup_fraction = 0.05;                 // of the planned steps
  double clip_norm = 1.0;                        // 0 disables clipping
  std::int64_t epochs = 3;
  std::int64_t max_steps = 0;  // 0: epochs decide
  double time_budget_s = 0;    // 0: no limit; else stop (and save) after this long
  std::int64_t batch_size = 32;
  std::int64_t max_len = 512;  // longer documents are truncated (counted, reported)
  std::int64_t eval_every = 0;  // steps; 0: once per epoch only
  std::int64_t patience = 0;    // evaluations without improvement before stopping; 0: never
  std::uint64_t seed = 1;
  PrecisionKind precision = PrecisionKind::fp32;
  std::uint64_t split_seed = 1;   // train/valid/test split when the data has none
  double valid_fraction = 0.1;
  double test_fraction = 0.1;
  TokenizerConfig tokenizer;

  void validate() const;  // throws fastformer::Error naming the key
};

nlohmann::json to_json(const TrainConfig& config);
TrainConfig train_config_from_json(const nlohmann::json& j, const TrainConfig& base = {});
// One "key=value" override; tokenizer keys are "tokenizer.kind" etc.
void apply_override(TrainConfig& config, const std::string& assignment);

std::string to_string(OptimizerKind kind);
std::string to_string(ScheduleKind kind);
std::string to_string(PrecisionKind kind);

}  // namespace fastformer
