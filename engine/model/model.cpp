// The classifier model: input checks, the layer stack (shared or separate weights) and
// the optional attention trace.
#include "fastformer/model.h"

#include "model/embeddings.h"
#include "model/encoder_layer.h"
#include "model/masking.h"
#include "model/pooler.h"

#include "fastformer/error.h"
#include "model/initialization.h"
#include "fastformer/memory_estimate.h"

#include <torch/torch.h>

namespace fastformer {

ModelImpl::ModelImpl(const ModelConfig& c) : config_(c) {
  c.validate();
  embeddings = register_module("embeddings", Embeddings(c));
  layers = register_module("layers", torch::nn::ModuleList());
  for (std::int64_t l = 0; l < c.stored_layers(); ++l) layers->push_back(EncoderLayer(c));
  pooler = register_module("pooler", Pooler(c));
  classifier = register_module("classifier", torch::nn::Linear(c.hidden, c.classes));
  init_linear(classifier, c.init_std);
}

void ModelImpl::check_inputs(const torch::Tensor& ids, const torch::Tensor& mask, const TraceRequest& request) const {
  const std::string where = "model input";
  if (request.positions.defined() &&
      (request.positions.sizes() != ids.sizes() || request.positions.scalar_type() != torch::kLong)) {
    throw Error("positions must be an int64 tensor of the same shape as ids", where);
  }
  if (ids.dim() != 2) throw Error("ids must be (batch, tokens), got " + std::to_string(ids.dim()) + " dimensions", where);
  if (ids.scalar_type() != torch::kLong) throw Error("ids must be int64", where);
  if (mask.sizes() != ids.sizes() || mask.scalar_type() != torch::kBool) {
    throw Error("mask must be a bool tensor of the same shape as ids", where);
  }
  if (ids.size(1) > config_.sequence_capacity()) {
    throw Error("sequence of " + std::to_string(ids.size(1)) + " tokens is longer than max_len " +
                    std::to_string(config_.max_len) + (config_.cls_token ? "" : " + the unread [CLS] slot"),
                where, "truncate the input, or use a model with a larger max_len");
  }
  // Refuse what would not fit in RAM rather than be killed by the kernel (CPU only: CUDA
  // reports its own out-of-memory error).
  const std::int64_t needed = estimate_activation_bytes(config_, ids.size(0), ids.size(1), is_training());
  if (ids.is_cpu() && needed > (std::int64_t{512} << 20)) {
    const std::int64_t free = available_memory_bytes();
    if (free > 0 && needed > free) {
      throw Error("this batch of " + std::to_string(ids.size(0)) + " × " + std::to_string(ids.size(1)) +
                      " tokens needs about " + format_bytes(needed) + " of activations, " + format_bytes(free) +
                      " is free",
                  where, "use a smaller batch or shorter sequences");
    }
  }
}

void validate_ids(const torch::Tensor& ids, std::int64_t vocab_size, const std::string& where) {
  if (ids.scalar_type() != torch::kLong) throw Error("ids must be int64", where);
  if (ids.numel() == 0) return;
  const auto lo = ids.min().item<std::int64_t>(), hi = ids.max().item<std::int64_t>();
  if (lo < 0 || hi >= vocab_size) {
    throw Error("token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary [0, " +
                    std::to_string(vocab_size) + ")",
                where);
  }
}

ModelOutput ModelImpl::forward(const torch::Tensor& ids, const torch::Tensor& mask, const TraceRequest& request) {
  check_inputs(ids, mask, request);
  const auto positions = model_positions(config_, request.positions, ids.size(0), ids.size(1), ids.device());
  return encode(embeddings->forward(ids, positions), mask, request);  // (B,T,D) embedded
}

ModelOutput ModelImpl::forward_vectors(const torch::Tensor& vectors, const torch::Tensor& mask,
                                       const TraceRequest& request) {
  if (vectors.dim() != 3 || vectors.size(2) != config_.hidden) {
    throw Error("token vectors must be (B,T," + std::to_string(config_.hidden) + ")", "model input");
  }
  // The shape checks of forward(), on a stand-in ids tensor of the same (B,T) (no copy).
  check_inputs(torch::zeros({1}, vectors.options().dtype(torch::kLong)).expand({vectors.size(0), vectors.size(1)}), mask,
               request);
  const auto positions = model_positions(config_, request.positions, vectors.size(0), vectors.size(1), vectors.device());
  return encode(embeddings->forward_vectors(vectors, positions), mask, request);
}

ModelOutput ModelImpl::forward_from_layer(std::int64_t first, const torch::Tensor& hidden, const torch::Tensor& mask,
                                          const TraceRequest& request) {
  if (first < 0 || first > config_.layers) {
    throw Error("layer " + std::to_string(first) + " is outside [0, " + std::to_string(config_.layers) + "]", "model input");
  }
  if (hidden.dim() != 3 || hidden.size(2) != config_.hidden) {
    throw Error("hidden states must be (B,T," + std::to_string(config_.hidden) + ")", "model input");
  }
  check_inputs(torch::zeros({1}, hidden.options().dtype(torch::kLong)).expand({hidden.size(0), hidden.size(1)}), mask,
               request);
  return encode(hidden, mask, request, first);
}

ModelOutput ModelImpl::encode(torch::Tensor h, const torch::Tensor& given_mask, const TraceRequest& request,
                              std::int64_t first) {
  const torch::Tensor mask = layer_mask(config_, given_mask);  // (B,T) bool
  for (const at::Tensor* keep : {&request.alpha_keep, &request.beta_keep}) {
    if (keep->defined() && (keep->dim() != 3 || keep->size(0) != h.size(0) || keep->size(1) != config_.layers ||
                            keep->size(2) != config_.heads)) {
      throw Error("alpha_keep/beta_keep must be (batch, layers, heads) = (" + std::to_string(h.size(0)) + "," +
                      std::to_string(config_.layers) + "," + std::to_string(config_.heads) + ")",
                  "model input");
    }
  }
  std::optional<AttentionTrace> trace;
  if (request.enabled) trace.emplace();
  if (trace) trace->hidden.push_back(h.detach());
  for (std::int64_t l = first; l < config_.layers; ++l) {
    auto* layer = layers[config_.share_layers ? 0 : l]->as<EncoderLayer>();  // shared: one module, L times
    LayerTrace* layer_trace = trace ? &trace->layers.emplace_back() : nullptr;
    PoolingKeep keep;  // this application's rows of the ablation, (B,H) each
    if (request.alpha_keep.defined()) keep.alpha = request.alpha_keep.select(1, l);
    if (request.beta_keep.defined()) keep.beta = request.beta_keep.select(1, l);
    h = layer->forward(h, mask, layer_trace, request.max_softmax_weights, &keep);  // (B,T,D)
    if (trace) trace->hidden.push_back(h.detach());
  }
  auto [pooled, gamma] = pooler->forward(h, mask);  // (B,D), (B,T)
  if (trace) trace->pooling = gamma.detach();
  return {classifier(pooled), std::move(trace)};  // logits (B,C)
}

}  // namespace fastformer
