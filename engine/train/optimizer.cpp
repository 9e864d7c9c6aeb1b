// AdamW/Adam with BERT-style parameter groups, and per-step learning rates.
#include "train/optimizer.h"

#include <torch/torch.h>

namespace fastformer {

namespace {

// Two groups: decay for matrices, none for biases and LayerNorm gains (as BERT).
template <typename Optimizer, typename Options>
std::unique_ptr<torch::optim::Optimizer> grouped(Model& model, const TrainConfig& c) {
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  const auto options = [&](double wd) {
    return Options(c.lr).betas({c.beta1, c.beta2}).eps(c.adam_eps).weight_decay(wd);
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<Options>(options(c.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<Options>(options(0.0)));
  return std::make_unique<Optimizer>(std::move(groups), options(c.weight_decay));
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> make_optimizer(Model& model, const TrainConfig& c) {
  if (c.optimizer == OptimizerKind::adamw) return grouped<torch::optim::AdamW, torch::optim::AdamWOptions>(model, c);
  return grouped<torch::optim::Adam, torch::optim::AdamOptions>(model, c);
}

void set_learning_rate(torch::optim::Optimizer& optimizer, OptimizerKind kind, double lr) {
  for (auto& group : optimizer.param_groups()) {
    if (kind == OptimizerKind::adamw) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    } else {
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    }
  }
}

}  // namespace fastformer
