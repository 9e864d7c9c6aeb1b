// Shared by the explanation tests: a document of N = 9 tokens ([CLS] + 8) in two
// overlapping windows of T = 6 (window 0 holds tokens 1…5, window 1 tokens 4…8, [CLS] first
// in both), and float64 models to run it through.
#pragma once

#include "explain/attribution.h"
#include "fastformer/tokenizer.h"
#include "test_helpers.h"

#include <torch/torch.h>

namespace fastformer::testing {

inline WindowBatch two_windows(std::int64_t vocab, std::int64_t windows_per_run = 1) {
  torch::manual_seed(5);
  const torch::Tensor doc = torch::randint(3, vocab, {9}, torch::kLong);  // (N)
  doc[0] = kClsId;
  WindowBatch b;
  b.tokens = 9;
  b.windows_per_run = windows_per_run;
  b.token = torch::tensor({0, 1, 2, 3, 4, 5, 0, 4, 5, 6, 7, 8}, torch::kLong).view({2, 6});  // (W,T)
  b.ids = doc.index_select(0, b.token.view({-1})).view({2, 6});                           // (W,T)
  b.mask = torch::ones({2, 6}, torch::kBool);
  return b;
}

// The config's model in float64 and eval mode, seeded. With `weight_std` > 0 every matrix is
// drawn again with that std: at the initial size (0.02) α and β are almost uniform and the
// attention's output tiny next to the residual, so ablations would show nothing.
inline Model float64_model(const ModelConfig& config, std::uint64_t seed = 11, double weight_std = 0.0) {
  torch::manual_seed(seed);
  Model model(config);
  model->to(torch::kDouble);
  model->eval();
  if (weight_std > 0) {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters())
      if (p.dim() == 2) p.normal_(0.0, weight_std);
  }
  return model;
}

}  // namespace fastformer::testing
