// ModelConfig: presets, JSON round trip, overrides and validation messages.
#include "fastformer/error.h"
#include "fastformer/model_config.h"

#include "error_text.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace fastformer {
namespace {

using testing::error_of;

TEST(ModelConfigTest, PresetsDifferWhereThePaperAndTheOfficialCodeDiffer) {
  const ModelConfig paper = preset("paper"), official = preset("official");
  EXPECT_EQ(paper.score, ScoreKind::per_head);
  EXPECT_TRUE(paper.share_layers);
  EXPECT_EQ(official.score, ScoreKind::head_mixing);
  EXPECT_FALSE(official.share_layers);
  for (const ModelConfig& c : {paper, official}) {
    EXPECT_EQ(c.hidden, 256);
    EXPECT_EQ(c.heads, 16);
    EXPECT_EQ(c.layers, 2);
    EXPECT_DOUBLE_EQ(c.dropout, 0.2);
    EXPECT_TRUE(c.share_qv);
    EXPECT_NO_THROW(c.validate());
  }
  EXPECT_NE(error_of([] { preset("bert"); }).find("unknown preset 'bert'"), std::string::npos);
}

TEST(ModelConfigTest, JsonRoundTripKeepsEveryField) {
  ModelConfig c;
  c.attention = AttentionKind::softmax;
  c.vocab_size = 123;
  c.max_len = 77;
  c.hidden = 48;
  c.heads = 6;
  c.layers = 5;
  c.ffn = 99;
  c.classes = 7;
  c.dropout = 0.125;
  c.layer_norm_eps = 1e-5;
  c.init_std = 0.5;
  c.score = ScoreKind::head_mixing;
  c.share_qv = false;
  c.share_layers = false;
  c.position_embedding = false;
  c.norm = NormPlacement::pre;
  c.pooling = PoolingKind::mean;
  c.cls_token = false;
  c.softmax_impl = SoftmaxImpl::materialized;
  const nlohmann::json j = to_json(c);
  EXPECT_EQ(to_json(model_config_from_json(nlohmann::json::parse(j.dump()))), j);
  EXPECT_EQ(j.at("attention"), "softmax");
  EXPECT_EQ(j.at("pooling"), "mean");
  EXPECT_EQ(j.at("cls_token"), false);
  EXPECT_EQ(j.at("softmax_impl"), "materialized");
  EXPECT_EQ(j.size(), 19u);
}

TEST(ModelConfigTest, WithoutClsTokenASequenceHoldsOneTokenMore) {
  ModelConfig c;
  c.max_len = 40;
  EXPECT_EQ(c.sequence_capacity(), 40);
  c.cls_token = false;
  EXPECT_EQ(c.sequence_capacity(), 41);  // the unread [CLS] slot takes no position
  c.pooling = PoolingKind::cls;
  try {
    c.validate();
    FAIL() << "cls pooling without a read [CLS] validated";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cls_token"), std::string::npos) << e.what();
  }
}

TEST(ModelConfigTest, OverridesParseJsonValuesAndBareWords) {
  ModelConfig c = preset("paper");
  apply_override(c, "hidden=64");
  apply_override(c, "score=head_mixing");
  apply_override(c, "share_layers=false");
  apply_override(c, "dropout=0.1");
  EXPECT_EQ(c.hidden, 64);
  EXPECT_EQ(c.score, ScoreKind::head_mixing);
  EXPECT_FALSE(c.share_layers);
  EXPECT_DOUBLE_EQ(c.dropout, 0.1);
}

TEST(ModelConfigTest, BadValuesNameTheKey) {
  ModelConfig c = preset("paper");
  EXPECT_NE(error_of([&] { apply_override(c, "hidden"); }).find("expected key=value"), std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(c, "hiden=3"); }).find("unknown key 'hiden'"), std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(c, "hidden=1.5"); }).find("'hidden': expects an integer"),
            std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(c, "share_qv=1"); }).find("expects true or false"), std::string::npos);
  EXPECT_NE(error_of([&] { apply_override(c, "norm=middle"); }).find("not one of post|pre"), std::string::npos);

  c.hidden = 100;
  c.heads = 16;
  EXPECT_NE(error_of([&] { c.validate(); }).find("hidden size 100 is not divisible by heads 16"), std::string::npos);
  c = preset("paper");
  c.dropout = 1.0;
  EXPECT_NE(error_of([&] { c.validate(); }).find("'dropout'"), std::string::npos);
  c = preset("paper");
  c.vocab_size = 2;
  EXPECT_NE(error_of([&] { c.validate(); }).find("'vocab_size'"), std::string::npos);
}

}  // namespace
}  // namespace fastformer
