// Checkpoint directories: config.json (format version, model config, label names) and
// model.safetensors (parameters by module path), written atomically via a temporary
// directory that is renamed into place. See docs/checkpoint-format.md.
#pragma once

#include "fastformer/model.h"
#include "fastformer/safetensors.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace fastformer {

constexpr int kCheckpointFormatVersion = 1;

// The model's parameters by module path (e.g. "layers.0.attention.query.weight"), in
// registration order, as CPU tensors of their own dtype.
NamedTensors parameters_for_saving(Model& model);

// Copies `tensors` into the model's parameters. Every parameter must be present with its
// exact shape and no unknown name may appear; otherwise fastformer::Error names the tensor.
void load_parameters(Model& model, const NamedTensors& tensors, const std::string& where);

struct CheckpointContents {
  ModelConfig config;
  std::vector<std::string> labels;  // one per class, in class-index order
  nlohmann::json extra;             // other top-level config.json fields (e.g. tokenizer)
};

// Adds files to a checkpoint being written (in its temporary directory) and returns
// fields to merge into config.json (e.g. {"tokenizer": …}).
using CheckpointExtras = std::function<nlohmann::json(const std::filesystem::path& tmp_dir)>;

// Writes `dir` as a whole: nothing is visible at `dir` until every file is written, and a
// previous checkpoint there is swapped out in one step (renameat2 RENAME_EXCHANGE), so a
// process killed at any moment leaves the old or the new checkpoint complete. Copies left
// by saves that were killed are removed by the next save.

void save_checkpoint(const std::filesystem::path& dir, Model& model, const std::vector<std::string>& labels,
                     const nlohmann::json& extra = nlohmann::json::object(), const CheckpointExtras& write_more = {});

// `dir`, or where the file system has no atomic swap and a save was killed between moving
// the previous checkpoint aside and moving the new one in, that previous checkpoint.
std::filesystem::path existing_checkpoint(const std::filesystem::path& dir);

// Reads config.json only (validated, with the format version checked).
CheckpointContents read_checkpoint_config(const std::filesystem::path& dir);

struct LoadedCheckpoint {
  CheckpointContents contents;
  Model model{nullptr};  // in eval mode, on the CPU
};
LoadedCheckpoint load_checkpoint(const std::filesystem::path& dir);

// Class names "0".."C-1" for models created without labels.
std::vector<std::string> default_labels(std::int64_t classes);

}  // namespace fastformer
