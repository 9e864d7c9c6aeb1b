// A document as the model sees it: tokens with byte spans, cut into windows of max_len
// ([CLS] + up to max_len−1 tokens, neighbours overlapping) or truncated, and each token's
// owner window. Shared by inspection (inspect.cpp) and explanations (explain/).
#pragma once

#include "fastformer/inspect.h"
#include "fastformer/tokenizer.h"

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fastformer {

// The tokens one window holds, [CLS] included: min(training max_len, model max_len).
std::int64_t window_tokens(const TrainedModel& model);

// The document's tokens, windows and owners (no model run).
struct Plan {
  Encoding encoding;                  // N ids and spans, [CLS] first
  std::vector<TokenWindow> windows;   // W
  std::vector<std::int64_t> owner;    // N
  bool truncated = false;
  std::int64_t max_len = 0;
};

Plan make_plan(const TrainedModel& model, const std::string& text, const InspectOptions& options);

// The plan's N tokens with their byte spans and vocabulary pieces.
std::vector<InspectToken> plan_tokens(const TrainedModel& model, const Plan& plan);

// Input (W,T) ids and mask of the plan's windows, T = the longest window + [CLS]; tokens
// in [hide_first, hide_last) get mask = false.
std::pair<torch::Tensor, torch::Tensor> window_inputs(const Plan& plan, std::int64_t hide_first = 0,
                                                      std::int64_t hide_last = 0);

// (W,T) int64: the document token (0…N−1) at each window position, −1 on padding. [CLS] is
// token 0 in every window.
torch::Tensor window_token_index(const Plan& plan);

}  // namespace fastformer
