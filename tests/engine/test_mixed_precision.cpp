// Mixed precision: the autocast scope switches ATen's autocast on and off again (bf16 on the
// CPU here; fp16 and CUDA where a GPU is), the loss scaler's arithmetic, and a bf16
// training run on the CPU that learns while its weights stay float32.
#include "fastformer/cpu_features.h"
#include "fastformer/error.h"
#include "fastformer/mixed_precision.h"
#include "fastformer/trainer.h"
#include "fastformer/training_data.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <unistd.h>

namespace fastformer {
namespace {

// What bf16 has behind it: the flags of /proc/cpuinfo's first processor, whole words only.
TEST(CpuFeatures, FlagsAreReadFromTheFirstProcessor) {
  const std::string sapphire =
      "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8488C\n"
      "flags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8\n\n"
      "processor\t: 1\nmodel name\t: other\nflags\t\t: fpu\n";
  const CpuFeatures x = parse_cpuinfo(sapphire);
  EXPECT_EQ(x.model, "Intel(R) Xeon(R) Platinum 8488C");
  EXPECT_TRUE(x.avx512f && x.avx512_bf16 && x.amx_bf16 && x.amx_tile);
  EXPECT_EQ(describe(x), "Intel(R) Xeon(R) Platinum 8488C · AVX-512 · AVX512-BF16 · AMX-BF16");
  // avx512_bf16_extra is not avx512_bf16; an AMD part without AMX.
  const CpuFeatures epyc = parse_cpuinfo("model name : AMD EPYC\nflags : avx512f avx512_bf16_extra avx512bw\n");
  EXPECT_EQ(epyc.model, "AMD EPYC");
  EXPECT_TRUE(epyc.avx512f);
  EXPECT_FALSE(epyc.avx512_bf16 || epyc.amx_bf16 || epyc.amx_tile);
  EXPECT_EQ(describe(epyc), "AMD EPYC · AVX-512 · no AVX512-BF16 · no AMX");
  EXPECT_EQ(describe(parse_cpuinfo("")), "unknown CPU · no AVX-512 · no AVX512-BF16 · no AMX");
}

// A one-layer model small enough to train in a fraction of a second.
ModelConfig tiny_model(std::int64_t max_len) {
  ModelConfig c = preset("paper");
  c.hidden = 16;
  c.heads = 2;
  c.layers = 1;
  c.ffn = 32;
  c.dropout = 0.0;
  c.max_len = max_len;
  return c;
}

TEST(MixedPrecision, AutocastScopeRunsMatrixProductsInBFloat16AndRestores) {
  const torch::Tensor a = torch::randn({4, 8}), b = torch::randn({8, 3});  // float32
  {
    AutocastScope scope(torch::kCPU, PrecisionKind::bf16);
    const torch::Tensor c = torch::matmul(a, b);  // (4,3)
    EXPECT_EQ(c.scalar_type(), torch::kBFloat16);
    // The bf16 product is the float32 one to bf16 precision (8 bits of mantissa).
    EXPECT_TRUE(torch::allclose(c.to(torch::kFloat), torch::matmul(a, b.to(torch::kFloat)).to(torch::kFloat), 5e-2, 5e-2));
  }
  EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kFloat);  // off again
  {
    AutocastScope fp32(torch::kCPU, PrecisionKind::fp32);  // a no-op
    EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kFloat);
  }
}

TEST(MixedPrecision, TheModelsForwardRunsInBFloat16UnderTheScope) {
  ModelConfig config = tiny_model(8);
  config.vocab_size = 20;
  config.classes = 3;
  Model model(config);
  model->eval();
  const torch::Tensor ids = torch::randint(1, 20, {2, 6}, torch::kLong);  // (B,T)
  const torch::Tensor mask = torch::ones({2, 6}, torch::kBool);           // (B,T)
  torch::NoGradGuard no_grad;
  torch::Tensor logits;  // (B,C)
  {
    AutocastScope scope(torch::kCPU, PrecisionKind::bf16);
    logits = model->forward(ids, mask).logits;
  }
  EXPECT_EQ(logits.scalar_type(), torch::kBFloat16);
  const torch::Tensor reference = model->forward(ids, mask).logits;  // float32
  EXPECT_EQ(reference.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::allclose(logits.to(torch::kFloat), reference, 0.1, 0.1));
}

TEST(MixedPrecision, Fp16IsRefusedOnTheCpu) {
  try {
    AutocastScope scope(torch::kCPU, PrecisionKind::fp16);
    FAIL() << "fp16 autocast on the CPU was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fp16 needs a CUDA device"), std::string::npos) << e.what();
  }
}

TEST(MixedPrecision, LossScalerUnscalesSkipsOverflowsAndGrows) {
  LossScaler scaler(true, 1024.0, 3);
  EXPECT_EQ(scaler.scale(), 1024.0);
  torch::Tensor g = torch::full({5}, 2048.0f);
  EXPECT_TRUE(scaler.unscale({g, torch::Tensor()}));
  EXPECT_TRUE(torch::equal(g, torch::full({5}, 2.0f)));  // divided by the scale
  scaler.update(true);
  torch::Tensor bad = torch::tensor({1.0f, std::numeric_limits<float>::infinity()});
  EXPECT_FALSE(scaler.unscale({bad}));
  scaler.update(false);
  EXPECT_EQ(scaler.scale(), 512.0);  // halved after an overflow
  EXPECT_EQ(scaler.skipped(), 1);
  for (int i = 0; i < 3; ++i) scaler.update(true);
  EXPECT_EQ(scaler.scale(), 1024.0);  // doubled after 3 good steps in a row

  LossScaler off(false);
  EXPECT_EQ(off.scale(), 1.0);
  torch::Tensor same = torch::full({2}, 3.0f);
  EXPECT_TRUE(off.unscale({same}));
  EXPECT_TRUE(torch::equal(same, torch::full({2}, 3.0f)));
  EXPECT_FALSE(off.unscale({torch::tensor({std::nanf("")})}));
}

TEST(MixedPrecision, BFloat16TrainingOnTheCpuLearnsWithFloat32Weights) {
  torch::set_num_threads(1);
  const auto dir = std::filesystem::temp_directory_path() / ("ff-bf16-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  TrainConfig config;
  config.batch_size = 16;
  config.max_len = 32;
  config.lr = 5e-3;
  config.epochs = 3;
  config.seed = 3;
  config.precision = PrecisionKind::bf16;
  const ModelConfig model = tiny_model(32);
  struct Quiet : TrainObserver {
    std::vector<double> losses;
    void on_step(const StepReport& r) override { losses.push_back(r.loss); }
  } observer;
  TrainingData data =
      prepare_training_data("synthetic:needle?length=24&examples=400&vocab=16", ReadOptions{}, config, observer);
  Trainer trainer(model, config, std::move(data), dir, torch::kCPU);
  std::atomic<bool> stop{false};
  const TrainResult result = trainer.run(observer, stop);
  ASSERT_FALSE(result.diverged) << result.reason;
  ASSERT_EQ(observer.losses.size(), 60u);
  for (const double loss : observer.losses) ASSERT_TRUE(std::isfinite(loss));
  double first = 0, last = 0;  // mean loss of the first and the last 10 steps
  for (int i = 0; i < 10; ++i) {
    first += observer.losses[static_cast<std::size_t>(i)] / 10;
    last += observer.losses[observer.losses.size() - 1 - static_cast<std::size_t>(i)] / 10;
  }
  EXPECT_LT(last, first - 0.1) << "bf16 training did not learn";
  for (const auto& p : trainer.model()->parameters()) EXPECT_EQ(p.scalar_type(), torch::kFloat);
  ASSERT_TRUE(result.best_valid);
  EXPECT_GT(result.best_valid->accuracy, 0.25);  // above chance for 4 classes
  std::filesystem::remove_all(dir);
}

TEST(MixedPrecision, PrecisionRoundTripsThroughJson) {
  TrainConfig c;
  c.precision = PrecisionKind::fp16;
  EXPECT_EQ(train_config_from_json(to_json(c)).precision, PrecisionKind::fp16);
  apply_override(c, "precision=bf16");
  EXPECT_EQ(c.precision, PrecisionKind::bf16);
  EXPECT_THROW(apply_override(c, "precision=fp8"), Error);
}

}  // namespace
}  // namespace fastformer
