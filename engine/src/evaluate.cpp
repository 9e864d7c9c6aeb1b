// Batched, gradient-free evaluation and prediction.
#include "fastformer/evaluate.h"

#include <torch/torch.h>

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

}  // namespace

ClassificationMetrics evaluate(Model& model, const EncodedSplit& split, std::int64_t batch_size,
                               torch::Device device) {
  EvalScope scope(model);
  torch::NoGradGuard no_grad;
  MetricsAccumulator metrics(model->config().classes);
  for (const auto& indices : plan_batches(split.ids, batch_size, /*shuffle=*/false, 0)) {
    const Batch batch = make_batch(split, indices);
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
  for (const auto& indices : plan_batches(split.ids, batch_size, /*shuffle=*/false, 0)) {
    const Batch batch = make_batch(split, indices);
    const torch::Tensor logits = model->forward(batch.inputs.ids.to(device), batch.inputs.mask.to(device)).logits;
    out.index_copy_(0, torch::tensor(indices, torch::kLong), torch::softmax(logits, 1).to(torch::kCPU));
  }
  return out;
}

}  // namespace fastformer
