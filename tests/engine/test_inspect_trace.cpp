// Inspect traces on disk and on one scale: the safetensors trace holds every array of the
// inspection exactly, in its shape; relative weights scale each token by its window's size.
#include "fastformer/error.h"
#include "fastformer/inspect.h"
#include "fastformer/safetensors.h"
#include "inspect_fixture.h"

#include <gtest/gtest.h>

#include <set>

namespace fastformer {
namespace {

using InspectTraceTest = testing::InspectFixture;

template <typename T>
void expect_tensor(const SafetensorsFile& file, const std::string& name, at::ScalarType dtype,
                   const std::vector<std::int64_t>& shape, const std::vector<T>& expected) {
  const at::Tensor& t = find_tensor(file, name);
  ASSERT_EQ(t.scalar_type(), dtype) << name;
  ASSERT_EQ(t.sizes().vec(), shape) << name;
  ASSERT_EQ(t.numel(), static_cast<std::int64_t>(expected.size())) << name;
  const at::Tensor c = t.contiguous();
  const T* data = c.data_ptr<T>();
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(data[i], expected[i]) << name << "[" << i << "]";
}

// Saves `in`, reads it back and compares every tensor element and metadata field.
void expect_round_trip(const Inspection& in, const std::string& path) {
  save_inspection_safetensors(path, in);
  const SafetensorsFile file = load_safetensors(path);
  const std::int64_t N = in.size(), L = in.layers, H = in.heads, Dh = in.head_dim;
  const auto W = static_cast<std::int64_t>(in.windows.size());
  const auto C = static_cast<std::int64_t>(in.probabilities.size());

  std::set<std::string> names;
  for (const auto& [name, tensor] : file.tensors) names.insert(name);
  std::set<std::string> expected_names = {"pooling", "token_ids", "token_offsets", "owner",
                                          "windows", "window_logits", "probabilities"};
  if (!in.alpha.empty()) expected_names.insert({"alpha", "beta", "global_query", "global_key"});
  if (!in.softmax_weights.empty()) expected_names.insert("softmax_weights");
  EXPECT_EQ(names, expected_names);

  if (!in.alpha.empty()) {
    expect_tensor(file, "alpha", at::kFloat, {L, H, N}, in.alpha);
    expect_tensor(file, "beta", at::kFloat, {L, H, N}, in.beta);
    expect_tensor(file, "global_query", at::kFloat, {W, L, H, Dh}, in.global_query);
    expect_tensor(file, "global_key", at::kFloat, {W, L, H, Dh}, in.global_key);
  }
  if (!in.softmax_weights.empty()) expect_tensor(file, "softmax_weights", at::kFloat, {N, N}, in.softmax_weights);
  expect_tensor(file, "pooling", at::kFloat, {N}, in.pooling);
  expect_tensor(file, "window_logits", at::kFloat, {W, C}, in.window_logits);
  expect_tensor(file, "probabilities", at::kFloat, {C}, in.probabilities);
  expect_tensor(file, "owner", at::kLong, {N}, in.owner);
  std::vector<std::int64_t> ids, offsets, windows;
  std::vector<std::string> pieces;
  for (const InspectToken& t : in.tokens) {
    ids.push_back(t.id);
    offsets.insert(offsets.end(), {t.begin, t.end});
    pieces.push_back(t.piece);
  }
  for (const TokenWindow& w : in.windows) windows.insert(windows.end(), {w.first, w.last});
  expect_tensor(file, "token_ids", at::kLong, {N}, ids);
  expect_tensor(file, "token_offsets", at::kLong, {N, 2}, offsets);
  expect_tensor(file, "windows", at::kLong, {W, 2}, windows);

  const auto& meta = file.metadata;
  EXPECT_EQ(meta.at("format"), "fastformer-studio-trace");
  EXPECT_EQ(meta.at("format_version"), "1");
  EXPECT_EQ(meta.at("attention"), to_string(in.attention));
  EXPECT_EQ(meta.at("layers"), std::to_string(L));
  EXPECT_EQ(meta.at("heads"), std::to_string(H));
  EXPECT_EQ(meta.at("head_dim"), std::to_string(Dh));
  EXPECT_EQ(nlohmann::json::parse(meta.at("labels")).get<std::vector<std::string>>(), in.labels);
  EXPECT_EQ(meta.at("predicted"), in.labels.at(static_cast<std::size_t>(in.predicted)));
  EXPECT_EQ(meta.at("truncated"), in.truncated ? "true" : "false");
  EXPECT_EQ(meta.at("max_len"), std::to_string(in.max_len));
  EXPECT_EQ(nlohmann::json::parse(meta.at("token_pieces")).get<std::vector<std::string>>(), pieces);
  EXPECT_EQ(meta.count("softmax_layer"), in.softmax_weights.empty() ? 0u : 1u);
  if (!in.softmax_weights.empty()) {
    EXPECT_EQ(meta.at("softmax_layer"), std::to_string(in.softmax_layer));
    EXPECT_EQ(meta.at("softmax_head"), std::to_string(in.softmax_head));
  }
}

TEST_F(InspectTraceTest, SafetensorsTraceHoldsEveryArrayOfOneWindow) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 32);
  const Inspection in = inspect(m, "The naïve café in 東京 serves tea. A cat sat on the mat.");
  ASSERT_EQ(in.windows.size(), 1u);
  expect_round_trip(in, (dir_ / "trace.safetensors").string());
}

TEST_F(InspectTraceTest, SafetensorsTraceHoldsEveryArrayOfManyWindows) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 16);
  InspectOptions options;
  options.overlap = 4;
  const Inspection in = inspect(m, long_text(55), options);  // 56 tokens with [CLS], max_len 16
  ASSERT_GE(in.windows.size(), 4u);
  expect_round_trip(in, (dir_ / "windows.safetensors").string());

  options.long_mode = InspectOptions::Long::truncate;
  const Inspection cut = inspect(m, long_text(55), options);
  ASSERT_TRUE(cut.truncated);
  expect_round_trip(cut, (dir_ / "cut.safetensors").string());
}

TEST_F(InspectTraceTest, SafetensorsTraceOfSoftmaxCheckpointHoldsItsWeights) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::softmax, 32);
  InspectOptions options;
  options.softmax_layer = 1;
  options.softmax_head = 1;
  const Inspection in = inspect(m, "The cat sat on the mat.", options);
  ASSERT_FALSE(in.softmax_weights.empty());
  expect_round_trip(in, (dir_ / "softmax.safetensors").string());
}

TEST_F(InspectTraceTest, SafetensorsTraceRefusesArraysThatDisagreeWithTheShape) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 32);
  Inspection in = inspect(m, "The cat sat on the mat.");
  in.beta.pop_back();
  EXPECT_THROW(save_inspection_safetensors((dir_ / "bad.safetensors").string(), in), Error);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bad.safetensors"));
}

// Independent of inspect(): the window where token i is farthest from either edge (ties:
// the earlier one; [CLS] → window 0), and that window's token count with [CLS].
std::pair<std::size_t, std::int64_t> owner_and_count(const std::vector<TokenWindow>& windows, std::int64_t i) {
  std::size_t best = 0;
  std::int64_t best_distance = -1;
  for (std::size_t k = 0; k < windows.size() && i > 0; ++k) {
    if (i < windows[k].first || i >= windows[k].last) continue;
    const std::int64_t distance = std::min(i - windows[k].first, windows[k].last - 1 - i);
    if (distance > best_distance) best = k, best_distance = distance;
  }
  std::int64_t count = 1;  // [CLS]
  for (std::int64_t j = windows[best].first; j < windows[best].last; ++j) ++count;
  return {best, count};
}

TEST_F(InspectTraceTest, RelativeWeightsScaleEachTokenByItsWindowsLength) {
  const TrainedModel m = make_model(dir_ / "ckpt", AttentionKind::additive, 16);
  InspectOptions options;
  options.overlap = 4;
  const Inspection in = inspect(m, long_text(55), options);
  ASSERT_GE(in.windows.size(), 4u);
  ASSERT_NE(in.windows.back().last - in.windows.back().first, in.windows.front().last - in.windows.front().first)
      << "the last window should be shorter";
  for (std::int64_t l = 0; l < in.layers; ++l) {
    for (std::int64_t h = 0; h < in.heads; ++h) {
      for (Pooling which : {Pooling::alpha, Pooling::beta}) {
        const std::vector<float> w = head_weights(in, l, h, which);
        const std::vector<float> relative = relative_weights(in, w);
        ASSERT_EQ(relative.size(), w.size());
        for (std::int64_t i = 0; i < in.size(); ++i) {
          const auto [owner, count] = owner_and_count(in.windows, i);
          ASSERT_EQ(static_cast<std::int64_t>(owner), in.owner[i]) << "token " << i;
          EXPECT_FLOAT_EQ(relative[i], w[i] * static_cast<float>(count)) << l << "," << h << "," << i;
        }
      }
    }
  }
  options.long_mode = InspectOptions::Long::truncate;  // one window: every count is N
  const Inspection cut = inspect(m, long_text(55), options);
  const std::vector<float> w = head_weights(cut, 0, 1, Pooling::alpha);
  const std::vector<float> relative = relative_weights(cut, w);
  for (std::int64_t i = 0; i < cut.size(); ++i) EXPECT_FLOAT_EQ(relative[i], w[i] * cut.size());
  EXPECT_THROW(relative_weights(in, w), Error);
}

TEST(InspectRelativeWeights, UniformWeightsInEveryWindowAreOne) {
  // 17 tokens in windows of 9, 9 and 7 tokens with [CLS]; owners by the farthest-from-edge rule.
  Inspection in;
  in.tokens.resize(17);
  in.windows = {{1, 9}, {6, 14}, {11, 17}};
  in.owner = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2};
  const std::vector<float> n = {9, 9, 7};
  std::vector<float> uniform;
  for (std::int64_t k : in.owner) uniform.push_back(1.0f / n[static_cast<std::size_t>(k)]);
  for (float r : relative_weights(in, uniform)) EXPECT_NEAR(r, 1.0f, 1e-6);
  EXPECT_THROW(relative_weights(in, std::vector<float>(16, 0.1f)), Error);
}

}  // namespace
}  // namespace fastformer
