// Shared by the inspect tests: a scratch folder, a tiny checkpoint saved with a word
// tokenizer and loaded back the way the CLI loads it, and seeded long texts.
#pragma once

#include "fastformer/checkpoint.h"
#include "fastformer/tokenizer.h"
#include "fastformer/training_data.h"
#include "test_helpers.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace fastformer::testing {

class InspectFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ff_inspect_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A tiny model saved with a word tokenizer and loaded back the way the CLI loads it.
  static TrainedModel make_model(const std::filesystem::path& dir, AttentionKind kind, std::int64_t max_len,
                                 std::optional<ModelConfig> config = std::nullopt) {
    const std::vector<std::string> corpus = {
        "The naïve café in 東京 serves tea. Tea is good!",
        "A cat sat on the mat. Did the dog bark?\nNo, the dog slept.",
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau",
    };
    TokenizerConfig tc;
    tc.kind = "word";
    tc.min_freq = 1;
    const auto tokenizer = train_tokenizer(tc, std::vector<std::string_view>(corpus.begin(), corpus.end()));
    ModelConfig c = config ? *config : tiny_config(kind);
    c.vocab_size = tokenizer->vocab_size();
    c.max_len = max_len;
    torch::manual_seed(7);
    Model model(c);
    save_checkpoint(dir, model, {"neg", "neu", "pos"}, nlohmann::json::object(),
                    [&](const std::filesystem::path& tmp) { return nlohmann::json{{"tokenizer", tokenizer->save(tmp)}}; });
    return load_trained_model(dir);
  }

  // A text of exactly `tokens` word-tokenizer tokens (seeded words, a full stop as every
  // 8th token), so with [CLS] the document has tokens + 1.
  static std::string long_text(std::int64_t tokens) {
    const std::vector<std::string> pool = {"cat", "dog", "tea", "the", "mat", "café", "東京", "naïve", "sigma", "rho"};
    std::mt19937 rng(3);
    std::string text;
    for (std::int64_t i = 0; i < tokens; ++i) {
      if (i % 8 == 7) {
        text += ". ";
      } else {
        text += (text.empty() || text.back() == ' ' ? "" : " ") + pool[rng() % pool.size()];
      }
    }
    return text;
  }

  void write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
  }

  std::filesystem::path dir_;
};

}  // namespace fastformer::testing
