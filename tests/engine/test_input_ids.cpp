// Token ids are checked where they enter the engine (validate_ids, evaluate, predict), not in
// forward(): an id outside the vocabulary is a fastformer::Error that names it.
#include "fastformer/error.h"
#include "fastformer/evaluate.h"
#include "fastformer/model.h"

#include "error_text.h"
#include "test_helpers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace fastformer {
namespace {

using testing::error_of;

TEST(InputIds, ValidateIdsNamesTheIdOutsideTheVocabulary) {
  const torch::Tensor good = torch::tensor({{0, 5, 19}}, torch::kLong);  // (1,3)
  EXPECT_EQ(error_of([&] { validate_ids(good, 20); }), "no error");
  EXPECT_EQ(error_of([] { validate_ids(torch::tensor({{3, 20, 4}}, torch::kLong), 20); }),
            "model input: token id 20 is outside the vocabulary [0, 20)");
  EXPECT_EQ(error_of([] { validate_ids(torch::tensor({{3, -2}}, torch::kLong), 20, "ids.txt"); }),
            "ids.txt: token id -2 is outside the vocabulary [0, 20)");
  EXPECT_EQ(error_of([] { validate_ids(torch::zeros({0, 4}, torch::kLong), 20); }), "no error");
  EXPECT_NE(error_of([] { validate_ids(torch::zeros({1, 4}, torch::kInt), 20); }).find("int64"), std::string::npos);
}

TEST(InputIds, EvaluateAndPredictCheckTheirIds) {
  Model model(testing::tiny_config());  // vocab 20
  EncodedSplit split;
  split.ids = {{2, 5, 6}, {2, 7, 23, 4}};
  split.labels = {0, 1};
  const std::string evaluated = error_of([&] { evaluate(model, split, 8, torch::kCPU); });
  EXPECT_NE(evaluated.find("token id 23 is outside the vocabulary [0, 20)"), std::string::npos) << evaluated;
  const std::string predicted = error_of([&] { predict_probabilities(model, {{2, -1}}, 8, torch::kCPU); });
  EXPECT_NE(predicted.find("token id -1 is outside the vocabulary"), std::string::npos) << predicted;
  split.ids[1][2] = 19;  // the last id of the vocabulary is fine
  EXPECT_EQ(error_of([&] { evaluate(model, split, 8, torch::kCPU); }), "no error");
}

}  // namespace
}  // namespace fastformer
