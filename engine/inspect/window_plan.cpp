// Windows over a document: tokenize, cut or truncate, choose each token's owner window.
#include "inspect/window_plan.h"

#include "fastformer/error.h"

#include <torch/torch.h>

#include <algorithm>

namespace fastformer {

std::int64_t window_tokens(const TrainedModel& model) {
  return std::min(model.train.max_len, model.checkpoint.contents.config.sequence_capacity());
}

Plan make_plan(const TrainedModel& model, const std::string& text, const InspectOptions& options) {
  if (!model.tokenizer) throw Error("the model has no tokenizer", "inspect");
  Plan plan;
  plan.max_len = window_tokens(model);
  if (plan.max_len < 2) throw Error("max_len must be at least 2 to inspect a document", "inspect");
  plan.encoding = model.tokenizer->encode(text);
  auto& ids = plan.encoding.ids;
  if (ids.empty() || ids.front() != kClsId) throw Error("the tokenizer did not start with [CLS]", "inspect");
  if (options.long_mode == InspectOptions::Long::truncate && static_cast<std::int64_t>(ids.size()) > plan.max_len) {
    ids.resize(static_cast<std::size_t>(plan.max_len));
    plan.encoding.spans.resize(ids.size());
    plan.truncated = true;
  }
  const std::int64_t N = static_cast<std::int64_t>(ids.size());
  const std::int64_t room = plan.max_len - 1;                                  // document tokens per window
  // At most half a window overlaps, so each window adds at least half a window of new text.
  const std::int64_t overlap = std::clamp<std::int64_t>(options.overlap, 0, room / 2);
  const std::int64_t stride = room - overlap;
  for (std::int64_t first = 1;; first += stride) {
    const std::int64_t last = std::min(first + room, N);
    plan.windows.push_back({first, std::max(first, last)});
    if (last >= N) break;
  }
  // Owner: the window where the token is farthest from either window edge, i.e. the
  // largest min(i − first, last − 1 − i); ties go to the earlier window.
  plan.owner.assign(static_cast<std::size_t>(N), 0);
  for (std::int64_t i = 1; i < N; ++i) {
    const std::int64_t k_last = std::min<std::int64_t>((i - 1) / stride, plan.windows.size() - 1);
    std::int64_t best = -1, best_distance = -1;
    for (std::int64_t k = k_last; k >= 0; --k) {
      const TokenWindow& w = plan.windows[static_cast<std::size_t>(k)];
      if (i >= w.last) break;
      if (i < w.first) continue;
      const std::int64_t distance = std::min(i - w.first, w.last - 1 - i);
      if (distance >= best_distance) best = k, best_distance = distance;
    }
    plan.owner[static_cast<std::size_t>(i)] = best;
  }
  return plan;
}

std::pair<torch::Tensor, torch::Tensor> window_inputs(const Plan& plan, std::int64_t hide_first,
                                                      std::int64_t hide_last) {
  std::int64_t T = 1;
  for (const auto& w : plan.windows) T = std::max(T, 1 + w.last - w.first);
  const auto W = static_cast<std::int64_t>(plan.windows.size());
  torch::Tensor ids = torch::full({W, T}, kPadId, torch::kLong);  // (W,T)
  torch::Tensor mask = torch::zeros({W, T}, torch::kBool);       // (W,T)
  auto id = ids.accessor<std::int64_t, 2>();
  auto real = mask.accessor<bool, 2>();
  const auto hidden = [&](std::int64_t i) { return i >= hide_first && i < hide_last; };
  for (std::int64_t k = 0; k < W; ++k) {
    const TokenWindow& w = plan.windows[static_cast<std::size_t>(k)];
    id[k][0] = plan.encoding.ids[0];
    real[k][0] = !hidden(0);
    for (std::int64_t i = w.first; i < w.last; ++i) {
      id[k][1 + i - w.first] = plan.encoding.ids[static_cast<std::size_t>(i)];
      real[k][1 + i - w.first] = !hidden(i);
    }
  }
  return {ids, mask};
}

std::vector<InspectToken> plan_tokens(const TrainedModel& model, const Plan& plan) {
  std::vector<InspectToken> tokens;
  tokens.reserve(plan.encoding.ids.size());
  for (std::size_t i = 0; i < plan.encoding.ids.size(); ++i) {
    const std::int64_t id = plan.encoding.ids[i];
    const TokenSpan& span = plan.encoding.spans[i];
    // Token 0 is the [CLS] slot whatever word its id names in an imported vocabulary.
    tokens.push_back({id, span.begin, span.end, i == 0 ? std::string("[CLS]") : model.tokenizer->piece(id)});
  }
  return tokens;
}

torch::Tensor window_token_index(const Plan& plan) {
  std::int64_t T = 1;
  for (const auto& w : plan.windows) T = std::max(T, 1 + w.last - w.first);
  const auto W = static_cast<std::int64_t>(plan.windows.size());
  torch::Tensor index = torch::full({W, T}, -1, torch::kLong);  // (W,T)
  auto at = index.accessor<std::int64_t, 2>();
  for (std::int64_t k = 0; k < W; ++k) {
    const TokenWindow& w = plan.windows[static_cast<std::size_t>(k)];
    at[k][0] = 0;
    for (std::int64_t i = w.first; i < w.last; ++i) at[k][1 + i - w.first] = i;
  }
  return index;
}

}  // namespace fastformer
