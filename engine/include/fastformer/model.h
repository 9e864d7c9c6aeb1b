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

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

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
  // Throws fastformer::Error for wrong shapes, dtypes or lengths. The ids' values are not
  // checked here (that would read them back from the device on every call): ids from outside
  // the engine go through validate_ids first.
  ModelOutput forward(const torch::Tensor& ids, const torch::Tensor& mask, const TraceRequest& request = {});
  // The same from token vectors (B,T,D) in place of the token table's rows for the ids
  // (positions, normalisation and the layers as forward()): for gradients with respect to
  // the token embeddings and paths between embeddings (Integrated Gradients).
  ModelOutput forward_vectors(const torch::Tensor& vectors, const torch::Tensor& mask,
                              const TraceRequest& request = {});

  // Layers first..L−1, the pooler and the classifier on the hidden states (B,T,D) that layer
  // `first` receives (trace->hidden[first] of a traced forward of the same rows): what
  // changes only layer `first` and above (a pooling ablation there) reuses the layers
  // below. A trace, if asked for, holds those layers only.
  ModelOutput forward_from_layer(std::int64_t first, const torch::Tensor& hidden, const torch::Tensor& mask,
                                 const TraceRequest& request = {});

  const ModelConfig& config() const { return config_; }

  std::shared_ptr<EmbeddingsImpl> embeddings;
  torch::nn::ModuleList layers{nullptr};  // stored_layers() entries, each an EncoderLayer
  std::shared_ptr<PoolerImpl> pooler;
  torch::nn::Linear classifier{nullptr};

 private:
  void check_inputs(const torch::Tensor& ids, const torch::Tensor& mask, const TraceRequest& request) const;
  // Layers first.., pooler and classifier on inputs h (B,T,D) to layer `first`.
  ModelOutput encode(torch::Tensor h, const torch::Tensor& mask, const TraceRequest& request, std::int64_t first = 0);

  ModelConfig config_;
};
TORCH_MODULE(Model);

// Throws fastformer::Error naming an id of `ids` (any shape, int64) outside [0, vocab_size).
// The check of every public entry point that takes ids from outside (evaluate, predict,
// inspect, training batches, id files): call it on the host tensor, before it moves to a
// device, so that it never waits for one.
void validate_ids(const torch::Tensor& ids, std::int64_t vocab_size, const std::string& where = "model input");

}  // namespace fastformer
