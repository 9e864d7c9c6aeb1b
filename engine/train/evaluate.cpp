// Batched, gradient-free evaluation and prediction.
#include "fastformer/evaluate.h"

#include "fastformer/memory_estimate.h"
#include "fastformer/model.h"

#include <torch/torch.h>

#include <algorithm>

namespace fastformer {
namespace {

// Switches to eval mode for a scope and restores the previous mode.
class EvalScope {
 public:
  explicit EvalScope(Model& model) : model_(model), was_training_(model->is_training()) { model_->eval(); }
  ~EvalScope() { model_->train(was_training_); }

 private:
  Model& model_;
  bool was_training_;
};

// Cuts planned batches further so that each fits a memory budget: a quarter of the free
// memory (at most 4 GiB), since long softmax batches grow with T².
std::vector<std::vector<std::int64_t>> memory_bounded_batches(const ModelConfig& config, const EncodedSplit& split,
                                                              std::int64_t batch_size) {
  const std::int64_t free = available_memory_bytes();
  const std::int64_t budget = free > 0 ? std::min<std::int64_t>(free / 4, std::int64_t{4} << 30) : std::int64_t{1} << 30;
  std::vector<std::vector<std::int64_t>> out;
  for (const auto& batch : plan_batches(split.ids, batch_size, /*shuffle=*/false, 0)) {
    std::int64_t longest = 0;
    for (const auto i : batch) longest = std::max<std::int64_t>(longest, static_cast<std::int64_t>(split.ids[i].size()));
    const std::int64_t per_sequence = std::max<std::int64_t>(1, estimate_activation_bytes(config, 1, longest, false));
    const auto fit = static_cast<std::size_t>(std::max<std::int64_t>(1, budget / per_sequence));
    for (std::size_t begin = 0; begin < batch.size(); begin += fit) {
      out.emplace_back(batch.begin() + static_cast<std::ptrdiff_t>(begin),
                       batch.begin() + static_cast<std::ptrdiff_t>(std::min(batch.size(), begin + fit)));
    }
  }
  return out;
}

}  // namespace

ClassificationMetrics evaluate(Model& model, const EncodedSplit& split, std::int64_t batch_size,
                               torch::Device device) {
  EvalScope scope(model);
  torch::NoGradGuard no_grad;
  MetricsAccumulator metrics(model->config().classes);
  for (const auto& indices : memory_bounded_batches(model->config(), split, batch_size)) {
    const Batch batch = make_batch(split, indices);
    validate_ids(batch.inputs.ids, model->config().vocab_size);  // on the host, before the device
    const torch::Tensor logits = model->forward(batch.inputs.ids.to(device), batch.inputs.mask.to(device)).logits;
    const torch::Tensor labels = batch.labels.to(device);
    const double loss_sum =
        torch::nn::functional::cross_entropy(logits, labels,
                                             torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
            .item<double>();
    const torch::Tensor predicted = logits.argmax(1).to(torch::kCPU);
    metrics.add(std::vector<std::int64_t>(batch.labels.data_ptr<std::int64_t>(),
                                          batch.labels.data_ptr<std::int64_t>() + batch.labels.numel()),
                std::vector<std::int64_t>(predicted.data_ptr<std::int64_t>(),
                                          predicted.data_ptr<std::int64_t>() + predicted.numel()),
                loss_sum);
  }
  return metrics.result();
}

torch::Tensor predict_probabilities(Model& model, const std::vector<Sequence>& ids, std::int64_t batch_size,
                                    torch::Device device) {
  EvalScope scope(model);
  torch::NoGradGuard no_grad;
  torch::Tensor out = torch::zeros({static_cast<std::int64_t>(ids.size()), model->config().classes});  // (N,C)
  EncodedSplit split;
  split.ids = ids;
  split.labels.assign(ids.size(), 0);
  for (const auto& indices : memory_bounded_batches(model->config(), split, batch_size)) {
    const Batch batch = make_batch(split, indices);
    validate_ids(batch.inputs.ids, model->config().vocab_size);  // on the host, before the device
    const torch::Tensor logits = model->forward(batch.inputs.ids.to(device), batch.inputs.mask.to(device)).logits;
    out.index_copy_(0, torch::tensor(indices, torch::kLong), torch::softmax(logits, 1).to(torch::kCPU));
  }
  return out;
}

}  // namespace fastformer
