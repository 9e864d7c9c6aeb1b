// Checkpoint directories: the documented parameter names, bit-identical reload, atomic
// replacement, and clear errors for mismatched weights or configs.
#include "fastformer/checkpoint.h"
#include "fastformer/error.h"
#include "test_helpers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <set>
#include <unistd.h>

namespace fastformer {
namespace {

namespace fs = std::filesystem;
using testing::random_ids;
using testing::tiny_config;
using testing::traced;

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ff-ckpt-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::set<std::string> names_of(Model& model) {
  std::set<std::string> names;
  for (const auto& [name, tensor] : parameters_for_saving(model)) names.insert(name);
  return names;
}

// The names written from the format documentation (docs/checkpoint-format.md).
std::set<std::string> documented_names(const ModelConfig& c) {
  std::set<std::string> n{"embeddings.token.weight", "embeddings.norm.weight", "embeddings.norm.bias",
                          "pooler.proj.weight",      "pooler.proj.bias",       "pooler.score.weight",
                          "pooler.score.bias",       "classifier.weight",      "classifier.bias"};
  if (c.position_embedding) n.insert("embeddings.position.weight");
  for (std::int64_t l = 0; l < c.stored_layers(); ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    std::vector<std::string> linears{"query", "key", "output"};
    if (c.attention == AttentionKind::softmax || !c.share_qv) linears.push_back("value");
    if (c.attention == AttentionKind::additive) {
      linears.push_back("transform");
      n.insert(p + "attention.query_score.weight");
      n.insert(p + "attention.key_score.weight");
      if (c.score == ScoreKind::head_mixing) {
        n.insert(p + "attention.query_score.bias");
        n.insert(p + "attention.key_score.bias");
      }
    }
    for (const auto& linear : linears) {
      n.insert(p + "attention." + linear + ".weight");
      n.insert(p + "attention." + linear + ".bias");
    }
    for (const auto& sub : {"norm1", "norm2", "ffn.in", "ffn.out"}) {
      n.insert(p + sub + ".weight");
      n.insert(p + sub + ".bias");
    }
  }
  return n;
}

TEST_F(CheckpointTest, ParameterNamesAreExactlyTheDocumentedOnes) {
  std::vector<ModelConfig> configs{tiny_config(), tiny_config(AttentionKind::softmax)};
  configs.push_back(tiny_config());
  configs.back().score = ScoreKind::head_mixing;
  configs.back().share_layers = false;
  configs.push_back(tiny_config());
  configs.back().share_qv = false;
  configs.back().position_embedding = false;
  for (const ModelConfig& c : configs) {
    Model model(c);
    EXPECT_EQ(names_of(model), documented_names(c)) << to_json(c).dump();
  }
  ModelConfig per_head = tiny_config();
  Model model(per_head);
  const auto tensors = parameters_for_saving(model);
  for (const auto& [name, t] : tensors) {
    if (name == "layers.0.attention.query_score.weight") EXPECT_EQ(t.sizes(), (std::vector<std::int64_t>{2, 4}));
    if (name == "layers.0.attention.query.weight") EXPECT_EQ(t.sizes(), (std::vector<std::int64_t>{8, 8}));
    if (name == "layers.0.ffn.in.weight") EXPECT_EQ(t.sizes(), (std::vector<std::int64_t>{12, 8}));  // (out, in)
  }
}

TEST_F(CheckpointTest, RoundTripGivesIdenticalForwardOutputs) {
  for (const ModelConfig& c : {tiny_config(), tiny_config(AttentionKind::softmax), tiny_config(AttentionKind::linear)}) {
    torch::manual_seed(11);
    Model model(c);
    model->eval();
    save_checkpoint(dir_ / "ckpt", model, {"a", "b", "c"}, {{"note", "kept"}});
    LoadedCheckpoint loaded = load_checkpoint(dir_ / "ckpt");
    EXPECT_EQ(loaded.contents.labels, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(loaded.contents.extra.at("note"), "kept");
    EXPECT_EQ(to_json(loaded.contents.config), to_json(c));

    const torch::Tensor ids = random_ids(2, 7, 20, 12);
    torch::Tensor mask = torch::ones({2, 7}, torch::kBool);
    mask[0].narrow(0, 5, 2).fill_(false);
    const ModelOutput a = model->forward(ids, mask, traced());
    const ModelOutput b = loaded.model->forward(ids, mask, traced());
    EXPECT_TRUE(torch::equal(a.logits, b.logits));
    EXPECT_TRUE(torch::equal(a.trace->hidden.back(), b.trace->hidden.back()));
  }
}

TEST_F(CheckpointTest, AFailedSaveLeavesThePreviousCheckpointWhole) {
  torch::manual_seed(1);
  Model first(tiny_config());
  save_checkpoint(dir_ / "ckpt", first, {"a", "b", "c"});
  const auto before = parameters_for_saving(first);

  torch::manual_seed(2);
  Model second(tiny_config());
  EXPECT_THROW(save_checkpoint(dir_ / "ckpt", second, {"a", "b", "c"}, nlohmann::json::object(),
                               [](const fs::path&) -> nlohmann::json { throw Error("disk full", "test"); }),
               Error);
  LoadedCheckpoint loaded = load_checkpoint(dir_ / "ckpt");
  const auto after = parameters_for_saving(loaded.model);
  ASSERT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i].second, after[i].second));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename(), "ckpt") << "left behind: " << entry.path();
  }
}

TEST_F(CheckpointTest, SavingReplacesAnExistingCheckpoint) {
  torch::manual_seed(1);
  Model first(tiny_config());
  save_checkpoint(dir_ / "ckpt", first, {"a", "b", "c"});
  torch::manual_seed(2);
  Model second(tiny_config());
  save_checkpoint(dir_ / "ckpt", second, {"x", "y", "z"});
  LoadedCheckpoint loaded = load_checkpoint(dir_ / "ckpt");
  EXPECT_EQ(loaded.contents.labels[0], "x");
  EXPECT_TRUE(torch::equal(parameters_for_saving(loaded.model)[0].second, parameters_for_saving(second)[0].second));
}

// A save killed between moving the previous checkpoint aside and moving the new one in
// (only possible where the file system has no atomic swap) leaves ".ckpt.old-PID": loading
// "ckpt" finds it. A half-written ".ckpt.tmp-PID" of a dead process is removed by the next
// save, and so is the moved-aside copy once a new checkpoint is in place; a copy of a live
// process is not touched.
TEST_F(CheckpointTest, AnInterruptedSaveLeavesALoadableCheckpointAndIsCleanedUp) {
  torch::manual_seed(1);
  Model first(tiny_config());
  save_checkpoint(dir_ / "ckpt", first, {"a", "b", "c"});
  fs::rename(dir_ / "ckpt", dir_ / ".ckpt.old-4000000");
  EXPECT_EQ(existing_checkpoint(dir_ / "ckpt"), fs::absolute(dir_ / ".ckpt.old-4000000").lexically_normal());
  LoadedCheckpoint loaded = load_checkpoint(dir_ / "ckpt");
  EXPECT_TRUE(torch::equal(parameters_for_saving(loaded.model)[0].second, parameters_for_saving(first)[0].second));

  fs::create_directories(dir_ / ".ckpt.tmp-4000001");  // no such process
  fs::create_directories(dir_ / (".ckpt.tmp-" + std::to_string(::getppid())));  // alive
  torch::manual_seed(2);
  Model second(tiny_config());
  save_checkpoint(dir_ / "ckpt", second, {"a", "b", "c"});
  EXPECT_FALSE(fs::exists(dir_ / ".ckpt.tmp-4000001"));
  EXPECT_FALSE(fs::exists(dir_ / ".ckpt.old-4000000"));
  EXPECT_TRUE(fs::exists(dir_ / (".ckpt.tmp-" + std::to_string(::getppid()))));
  EXPECT_EQ(existing_checkpoint(dir_ / "ckpt"), dir_ / "ckpt");
  loaded = load_checkpoint(dir_ / "ckpt");
  EXPECT_TRUE(torch::equal(parameters_for_saving(loaded.model)[0].second, parameters_for_saving(second)[0].second));
}

std::string load_error(const fs::path& dir) {
  try {
    load_checkpoint(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_F(CheckpointTest, MismatchedWeightsAndConfigsAreClearErrors) {
  Model model(tiny_config());
  save_checkpoint(dir_ / "ckpt", model, {"a", "b", "c"});
  const fs::path weights = dir_ / "ckpt" / "model.safetensors";
  NamedTensors tensors = load_safetensors(weights.string()).tensors;

  NamedTensors missing(tensors.begin() + 1, tensors.end());
  save_safetensors(weights.string(), missing);
  EXPECT_NE(load_error(dir_ / "ckpt").find("missing tensor '" + tensors[0].first + "'"), std::string::npos);

  NamedTensors extra = tensors;
  extra.emplace_back("layers.7.attention.query.weight", torch::zeros({8, 8}));
  save_safetensors(weights.string(), extra);
  EXPECT_NE(load_error(dir_ / "ckpt").find("unexpected tensor 'layers.7"), std::string::npos);

  NamedTensors reshaped = tensors;
  reshaped[0].second = torch::zeros({3, 3});
  save_safetensors(weights.string(), reshaped);
  EXPECT_NE(load_error(dir_ / "ckpt").find("has shape [3, 3]"), std::string::npos);

  std::ofstream(dir_ / "ckpt" / "config.json") << R"({"format": "fastformer-studio-checkpoint", "format_version": 99})";
  EXPECT_NE(load_error(dir_ / "ckpt").find("format version 99 is not supported"), std::string::npos);
  std::ofstream(dir_ / "ckpt" / "config.json") << "{ not json";
  EXPECT_NE(load_error(dir_ / "ckpt").find("not a JSON object"), std::string::npos);
  EXPECT_NE(load_error(dir_ / "nowhere").find("cannot open checkpoint config"), std::string::npos);
}

}  // namespace
}  // namespace fastformer
