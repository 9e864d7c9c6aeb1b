// The whole classifier: embeddings → L encoder layers (additive or softmax attention) →
// pooling → linear classifier. Parameter names are the module paths documented in
// docs/checkpoint-format.md (embeddings.*, layers.{l}.*, pooler.*, classifier.*).
#pragma once

#include "fastformer/attention_trace.h"
#include "fastformer/model_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <optional>

namespace fastformer {

// The parts are private to the engine (engine/model/): held by pointer so that this header
// does not need their definitions.
class EmbeddingsImpl;
class PoolerImpl;

struct ModelOutput {
  torch::Tensor logits;                 // (B,C)
  std::optional<AttentionTrace> trace;  // only when TraceRequest::enabled
};

class ModelImpl : public torch::nn::Module {
 public:
  explicit ModelImpl(const ModelConfig& config);  // validates the config

  // ids (B,T) int64 in [0, vocab_size), mask (B,T) bool (true = real token), T ≤ max_len.
  // Throws fastformer::Error for wrong shapes, dtypes, lengths or ids.
  ModelOutput forward(const torch::Tensor& ids, const torch::Tensor& mask, const TraceRequest& request = {});

  const ModelConfig& config() const { return config_; }

  std::shared_ptr<EmbeddingsImpl> embeddings;
  torch::nn::ModuleList layers{nullptr};  // stored_layers() entries, each an EncoderLayer
  std::shared_ptr<PoolerImpl> pooler;
  torch::nn::Linear classifier{nullptr};

 private:
  void check_inputs(const torch::Tensor& ids, const torch::Tensor& mask) const;

  ModelConfig config_;
};
TORCH_MODULE(Model);

}  // namespace fastformer
