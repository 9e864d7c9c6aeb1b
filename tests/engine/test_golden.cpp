// Golden-value tests: the whole model — embeddings, every layer variant, pooling, the
// classifier and the attention trace — against reference_model.h, an independent float64
// loop implementation of DESIGN.md "The model" (paper Eq. 3–6). Tiny shapes: B=2, T=5,
// D=8, H=2 (Dh=4); sequence 1 is padded on its last two positions.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fastformer/model.h"
#include "reference_model.h"

namespace ref = fastformer::reference;
using fastformer::AttentionKind;
using fastformer::ModelConfig;

namespace {

constexpr std::int64_t kB = 2, kT = 5;
using Index = std::vector<std::int64_t>;
using Keep = std::function<bool(const Index&)>;

// The tiny shape every case shares: vocab 20, 7 positions (> T, so only rows 0..T−1 of
// the position table may be used), D=8, H=2, FFN 12, 2 layers, 3 classes. eps 1e-5 rather
// than 1e-12 so that a LayerNorm ignoring the configured eps would show.
ModelConfig tiny(ModelConfig c) {
  c.vocab_size = 20, c.max_len = 7, c.hidden = 8, c.heads = 2, c.layers = 2, c.ffn = 12, c.classes = 3;
  c.layer_norm_eps = 1e-5;
  return c;
}

// Overwrites every parameter with seeded N(0, 0.5) values (LayerNorm gains 1 + N(0, 0.2)).
// The engine's own init (zero biases, unit gains, std 0.02) would make most mistakes —
// a dropped bias, a missing 1/√Dh, near-uniform softmaxes — invisible.
void randomize(torch::nn::Module& module, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  torch::NoGradGuard no_grad;
  for (auto& item : module.named_parameters()) {
    const std::string& name = item.key();
    const bool gain = name.find("norm") != std::string::npos && name.size() > 7 &&
                      name.compare(name.size() - 7, 7, ".weight") == 0;
    std::vector<double> values(static_cast<std::size_t>(item.value().numel()));
    for (double& v : values) v = gain ? 1.0 + 0.2 * normal(rng) : 0.5 * normal(rng);
    item.value().copy_(torch::from_blob(values.data(), item.value().sizes(), torch::kDouble));
  }
}

// Seeded ids (B,T) in [1, vocab); sequence 1 has two padded positions (id 0 = [PAD]).
ref::Inputs make_inputs(std::int64_t vocab, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> token(1, vocab - 1);
  ref::Inputs in;
  in.B = kB, in.T = kT;
  in.mask = {true, true, true, true, true, /**/ true, true, true, false, false};
  for (std::size_t i = 0; i < in.mask.size(); ++i) in.ids.push_back(in.mask[i] ? token(rng) : 0);
  return in;
}

torch::Tensor ids_tensor(const ref::Inputs& in) { return torch::tensor(in.ids, torch::kLong).view({in.B, in.T}); }

torch::Tensor mask_tensor(const ref::Inputs& in) {
  std::vector<std::uint8_t> m(in.mask.begin(), in.mask.end());
  return torch::tensor(m, torch::kUInt8).to(torch::kBool).view({in.B, in.T});
}

std::string show(const Index& idx) {
  std::ostringstream s;
  for (std::size_t i = 0; i < idx.size(); ++i) s << (i ? "," : "[") << idx[i];
  return s.str() + "]";
}

// Visits every multi-index of `shape` with its row-major flat position.
void for_each_index(const Index& shape, const std::function<void(const Index&, std::int64_t)>& f) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  Index idx(shape.size(), 0);
  for (std::int64_t flat = 0; flat < n; ++flat) {
    std::int64_t rest = flat;
    for (std::size_t d = shape.size(); d-- > 0;) idx[d] = rest % shape[d], rest /= shape[d];
    f(idx, flat);
  }
}

// max |actual − expected| over the elements `keep` selects (all when null) must stay
// within `tol`; the failure names the worst element. NaN always fails.
void expect_close(const std::string& what, const at::Tensor& actual, const Index& shape, const ref::Vec& expected,
                  double tol, const Keep& keep = nullptr) {
  ASSERT_TRUE(actual.defined()) << what << " is missing";
  ASSERT_EQ(actual.sizes().vec(), shape) << what;
  const at::Tensor a = actual.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const double* data = a.data_ptr<double>();
  double worst = 0.0;
  Index where;
  std::int64_t compared = 0;
  for_each_index(shape, [&](const Index& idx, std::int64_t flat) {
    if (keep && !keep(idx)) return;
    ++compared;
    double err = std::abs(data[flat] - expected[static_cast<std::size_t>(flat)]);
    if (std::isnan(err)) err = std::numeric_limits<double>::infinity();
    if (err > worst || where.empty()) worst = err, where = idx;
  });
  ASSERT_GT(compared, 0) << what;
  EXPECT_LE(worst, tol) << what << ": worst element " << show(where) << " differs by " << worst;
}

// Elements whose token index (dimension `token_dim`, batch is dimension 0) is padding
// must be exactly 0 — not merely tiny.
void expect_zero_on_padding(const std::string& what, const at::Tensor& actual, const ref::Inputs& in,
                            std::size_t token_dim) {
  ASSERT_TRUE(actual.defined()) << what << " is missing";
  const at::Tensor a = actual.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const double* data = a.data_ptr<double>();
  std::int64_t checked = 0;
  for_each_index(a.sizes().vec(), [&](const Index& idx, std::int64_t flat) {
    if (in.real(idx[0], idx[token_dim])) return;
    ++checked;
    EXPECT_EQ(data[flat], 0.0) << what << " at padded " << show(idx);
  });
  EXPECT_GT(checked, 0) << what;
}

// Builds `config` in `dtype`, randomises it, and checks logits and the whole trace
// against the float64 reference computed from the very same parameter values.
void check_against_reference(const ModelConfig& config, torch::Dtype dtype, double tol) {
  const std::int64_t L = config.layers, H = config.heads, Dh = config.head_dim(), D = config.hidden;
  torch::manual_seed(0);
  fastformer::Model model(config);
  model->to(dtype);
  randomize(*model, 20210901);
  model->eval();  // dropout off (the float32 case keeps the preset's p = 0.2 to check this)

  const ref::Params params(*model);
  const ref::Inputs in = make_inputs(config.vocab_size, 7);
  const ref::Output expected = ref::forward(config, params, in);
  std::string unused;
  for (const auto& name : params.unused()) unused += " " + name;
  EXPECT_TRUE(unused.empty()) << "parameters the equations never use:" << unused;

  torch::NoGradGuard no_grad;
  const auto plain = model->forward(ids_tensor(in), mask_tensor(in));
  EXPECT_FALSE(plain.trace.has_value()) << "a trace was recorded without being asked for";
  const auto out = model->forward(ids_tensor(in), mask_tensor(in), fastformer::TraceRequest{true});
  EXPECT_EQ(out.logits.scalar_type(), dtype);
  expect_close("logits", out.logits, {kB, config.classes}, expected.logits, tol);
  expect_close("logits without trace", plain.logits, {kB, config.classes}, expected.logits, tol);

  ASSERT_TRUE(out.trace.has_value());
  const fastformer::AttentionTrace& trace = *out.trace;
  const auto real_token = [&](std::size_t dim) { return [&in, dim](const Index& i) { return in.real(i[0], i[dim]); }; };
  ASSERT_EQ(trace.hidden.size(), static_cast<std::size_t>(L + 1));
  for (std::int64_t l = 0; l <= L; ++l) {  // (B,T,D), real tokens only
    expect_close("hidden." + std::to_string(l), trace.hidden[l], {kB, kT, D}, expected.hidden[l].v, tol,
                 real_token(1));
  }
  ASSERT_EQ(trace.layers.size(), static_cast<std::size_t>(L));
  for (std::int64_t l = 0; l < L; ++l) {
    SCOPED_TRACE("layer " + std::to_string(l));
    const fastformer::LayerTrace& got = trace.layers[l];
    const ref::LayerOutput& want = expected.layers[l];
    if (config.attention == AttentionKind::additive) {
      expect_close("alpha", got.alpha, {kB, H, kT}, want.alpha, tol);  // (B,H,T), Eq. 3
      expect_close("beta", got.beta, {kB, H, kT}, want.beta, tol);     // (B,H,T), Eq. 5
      expect_zero_on_padding("alpha", got.alpha, in, 2);
      expect_zero_on_padding("beta", got.beta, in, 2);
      expect_close("global_query", got.global_query, {kB, H, Dh}, want.global_query, tol);  // q, Eq. 3
      expect_close("global_key", got.global_key, {kB, H, Dh}, want.global_key, tol);        // k, Eq. 5
      EXPECT_FALSE(got.weights.defined()) << "additive layers have no T×T weights";
    } else {
      // (B,H,T,T): rows of real queries; every row gives padded keys exactly 0.
      expect_close("weights", got.weights, {kB, H, kT, kT}, want.weights, tol, real_token(2));
      expect_zero_on_padding("weights", got.weights, in, 3);
      EXPECT_FALSE(got.alpha.defined()) << "softmax layers have no α";
    }
  }
  expect_close("pooling", trace.pooling, {kB, kT}, expected.pooling, tol);  // γ (B,T)
  expect_zero_on_padding("pooling", trace.pooling, in, 1);
}

struct Case {
  std::string name;
  ModelConfig config;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// The paper preset at tiny size (per-head scores, V = Q, one layer applied L times,
// post-LN, attention pooling), edited by `edit`; dropout 0.
Case variant(const std::string& name, const std::function<void(ModelConfig&)>& edit = nullptr) {
  ModelConfig c = tiny(fastformer::preset("paper"));
  c.dropout = 0.0;
  if (edit) edit(c);
  return {name, c};
}

std::vector<Case> cases() {
  using fastformer::NormPlacement;
  using fastformer::PoolingKind;
  using fastformer::ScoreKind;
  return {
      variant("paper"),
      variant("head_mixing_share_qv", [](ModelConfig& c) { c.score = ScoreKind::head_mixing, c.share_layers = false; }),
      variant("separate_value", [](ModelConfig& c) { c.share_qv = false, c.share_layers = false; }),
      variant("separate_value_head_mixing", [](ModelConfig& c) { c.share_qv = false, c.score = ScoreKind::head_mixing; }),
      variant("softmax", [](ModelConfig& c) { c.attention = AttentionKind::softmax, c.share_layers = false; }),
      variant("softmax_shared_pre_ln", [](ModelConfig& c) { c.attention = AttentionKind::softmax, c.norm = NormPlacement::pre; }),
      variant("pre_ln", [](ModelConfig& c) { c.norm = NormPlacement::pre; }),
      variant("pooling_cls", [](ModelConfig& c) { c.pooling = PoolingKind::cls; }),
      variant("pooling_mean", [](ModelConfig& c) { c.pooling = PoolingKind::mean; }),
      variant("no_position_embedding", [](ModelConfig& c) { c.position_embedding = false; }),
  };
}

class GoldenModel : public ::testing::TestWithParam<Case> {};

TEST_P(GoldenModel, LogitsAndTraceMatchFloat64Reference) {
  check_against_reference(GetParam().config, torch::kDouble, 1e-10);
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenModel, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& case_info) { return case_info.param.name; });

// The model as trained and shipped: float32, the paper preset with its dropout 0.2 (eval
// mode must switch it off), against the float64 reference of the same float32 weights.
TEST(GoldenFloat32, PaperPresetMatchesFloat64Reference) {
  check_against_reference(tiny(fastformer::preset("paper")), torch::kFloat, 1e-4);
}

}  // namespace
