// FastformerAttention's inference path keeps the stacked Q|K|V projection between calls:
// it must follow every change of the parameters (in place, as optimizers do, or replaced,
// as checkpoint loading does) and agree with the training path.
#include "model/fastformer_attention.h"

#include "test_helpers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace fastformer {
namespace {

torch::Tensor with_grad(FastformerAttention& layer, const torch::Tensor& x, const torch::Tensor& mask) {
  return layer->mix(x, mask).detach();  // grad mode on: the projection is stacked afresh
}

torch::Tensor inference(FastformerAttention& layer, const torch::Tensor& x, const torch::Tensor& mask) {
  torch::NoGradGuard no_grad;
  return layer->mix(x, mask);
}

TEST(AttentionLayer, InferenceFollowsParameterChanges) {
  for (const bool share_qv : {false, true}) {
    ModelConfig c = testing::tiny_config();
    c.share_qv = share_qv;
    torch::manual_seed(4);
    FastformerAttention layer(c);
    const torch::Tensor x = torch::randn({2, 7, c.hidden});
    const torch::Tensor mask = torch::ones({2, 7}, torch::kBool);
    const torch::Tensor first = inference(layer, x, mask);
    EXPECT_TRUE(torch::allclose(first, with_grad(layer, x, mask), 1e-6, 1e-6));
    {
      torch::NoGradGuard no_grad;
      layer->query->weight.add_(0.5);  // an optimizer step changes parameters in place
    }
    const torch::Tensor second = inference(layer, x, mask);
    EXPECT_FALSE(torch::allclose(first, second, 1e-3, 1e-3)) << "the stacked projection went stale";
    EXPECT_TRUE(torch::allclose(second, with_grad(layer, x, mask), 1e-6, 1e-6));
    {
      torch::NoGradGuard no_grad;
      layer->query->bias.set_(torch::randn({c.hidden}));  // replaced storage
    }
    EXPECT_TRUE(torch::allclose(inference(layer, x, mask), with_grad(layer, x, mask), 1e-6, 1e-6));
  }
}

}  // namespace
}  // namespace fastformer
