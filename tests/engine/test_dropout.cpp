// Counter-based dropout: the keep rate, the 1/(1-p) scale, reproducibility from the torch
// seed (whatever the thread count), eval mode, and the gradient.
#include "model/dropout.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace fastformer {
namespace {

TEST(DropoutTest, KeepsOneMinusPAndScalesTheRest) {
  torch::manual_seed(5);
  const double p = 0.3;
  const torch::Tensor x = torch::rand({1000, 1000}) + 1.0;  // never 0, so 0 means dropped
  const torch::Tensor y = fast_dropout(x, p, /*training=*/true);
  const double kept = (y != 0).to(torch::kDouble).mean().item<double>();
  const double sigma = std::sqrt(p * (1 - p) / 1e6);
  EXPECT_NEAR(kept, 1 - p, 5 * sigma);
  const torch::Tensor survivors = (y != 0);
  EXPECT_TRUE(torch::allclose(y.masked_select(survivors), x.masked_select(survivors) / (1 - p)));
  // Neighbouring elements are independent: the keep rate of pairs is (1-p)².
  const torch::Tensor pairs = survivors.view({-1, 2}).all(1).to(torch::kDouble);
  EXPECT_NEAR(pairs.mean().item<double>(), (1 - p) * (1 - p), 5 * std::sqrt(0.25 / 5e5));
}

TEST(DropoutTest, ReproducibleFromTheTorchSeedAtAnyThreadCount) {
  const torch::Tensor x = torch::ones({64, 1000});
  const int threads = at::get_num_threads();
  torch::manual_seed(42);
  at::set_num_threads(1);
  const torch::Tensor a = fast_dropout(x, 0.5, true);
  torch::manual_seed(42);
  at::set_num_threads(2);
  const torch::Tensor b = fast_dropout(x, 0.5, true);
  const torch::Tensor c = fast_dropout(x, 0.5, true);  // the generator moved on: a new mask
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(b, c));
}

TEST(DropoutTest, IdentityWhenNotTrainingOrPIsZero) {
  const torch::Tensor x = torch::randn({5, 7});
  EXPECT_TRUE(torch::equal(fast_dropout(x, 0.5, false), x));
  EXPECT_TRUE(torch::equal(fast_dropout(x, 0.0, true), x));
}

TEST(DropoutTest, GradientIsTheMask) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({40, 50}, torch::requires_grad());
  const torch::Tensor y = fast_dropout(x, 0.25, true);
  y.sum().backward();
  const torch::Tensor expected = (y != 0).to(torch::kFloat) / 0.75;  // x is never exactly 0
  EXPECT_TRUE(torch::allclose(x.grad(), expected));
}

TEST(DropoutTest, MaskDependsOnlyOnSeedAndIndex) {
  const torch::Tensor like = torch::zeros({3, 100});
  EXPECT_TRUE(torch::equal(dropout_mask(like, 0.4, 7), dropout_mask(like, 0.4, 7)));
  EXPECT_FALSE(torch::equal(dropout_mask(like, 0.4, 7), dropout_mask(like, 0.4, 8)));
  // The first 100 elements of a longer tensor get the same decisions.
  EXPECT_TRUE(torch::equal(dropout_mask(torch::zeros({10, 100}), 0.4, 7).narrow(0, 0, 1).view(-1),
                           dropout_mask(like, 0.4, 7).narrow(0, 0, 1).view(-1)));
}

}  // namespace
}  // namespace fastformer
