// Training-step timing on random data, the same work as one Trainer step.
#include "fastformer/train_step_timing.h"

#include "fastformer/error.h"
#include "fastformer/model.h"
#include "train/optimizer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>

namespace fastformer {

TrainStepTiming time_train_steps(const ModelConfig& model_config, const TrainConfig& train, std::int64_t batch,
                                 std::int64_t length, int warmup, int repeats, torch::Device device) {
  if (batch < 1 || length < 1 || repeats < 1 || warmup < 0) {
    throw Error("batch, length and repeats must be positive", "train-step timing");
  }
  ModelConfig c = model_config;
  c.max_len = length;  // as the trainer does: the position table holds exactly max_len rows
  torch::manual_seed(train.seed);
  Model model(c);
  model->to(device);
  model->train();
  auto optimizer = make_optimizer(model, train);
  const torch::Tensor ids = torch::randint(3, c.vocab_size, {batch, length}, torch::kLong).to(device);  // (B,T)
  const torch::Tensor mask = torch::ones({batch, length}, torch::kBool).to(device);                     // (B,T)
  const torch::Tensor labels = torch::randint(0, c.classes, {batch}, torch::kLong).to(device);          // (B)

  TrainStepTiming out;
  for (const auto& p : model->parameters()) out.parameters += p.numel();
  for (int i = 0; i < warmup + repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(ids, mask).logits, labels);
    optimizer->zero_grad();
    loss.backward();
    if (train.clip_norm > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), train.clip_norm);
    optimizer->step();
    loss.item<float>();  // waits for the device
    if (i >= warmup) out.seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::vector<double> sorted = out.seconds;
  std::sort(sorted.begin(), sorted.end());
  out.median_s = sorted[sorted.size() / 2];
  out.min_s = sorted.front();
  out.tokens_per_s = static_cast<double>(batch * length) / out.median_s;
  return out;
}

}  // namespace fastformer
