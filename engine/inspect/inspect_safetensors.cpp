// Writing an inspection as a safetensors trace: every array as a typed tensor of its real
// shape, so Python reads it with safetensors or numpy alone; strings go in the metadata.
#include "fastformer/inspect.h"

#include "fastformer/error.h"
#include "fastformer/safetensors.h"
#include "io/host_tensor.h"

#include <ATen/ATen.h>

#include <map>

namespace fastformer {

void save_inspection_safetensors(const std::string& path, const Inspection& in) {
  const std::int64_t N = in.size(), L = in.layers, H = in.heads, Dh = in.head_dim;
  const auto W = static_cast<std::int64_t>(in.windows.size());
  const auto C = static_cast<std::int64_t>(in.probabilities.size());

  at::Tensor ids = at::empty({N}, at::kLong);         // (N)
  at::Tensor offsets = at::empty({N, 2}, at::kLong);  // (N,2) byte begin, end
  auto id = ids.accessor<std::int64_t, 1>();
  auto span = offsets.accessor<std::int64_t, 2>();
  nlohmann::json pieces = nlohmann::json::array();
  for (std::int64_t i = 0; i < N; ++i) {
    const InspectToken& t = in.tokens[static_cast<std::size_t>(i)];
    id[i] = t.id, span[i][0] = t.begin, span[i][1] = t.end;
    pieces.push_back(t.piece);
  }
  at::Tensor windows = at::empty({W, 2}, at::kLong);  // (W,2) first, last
  auto window = windows.accessor<std::int64_t, 2>();
  for (std::int64_t k = 0; k < W; ++k) {
    window[k][0] = in.windows[static_cast<std::size_t>(k)].first;
    window[k][1] = in.windows[static_cast<std::size_t>(k)].last;
  }

  NamedTensors tensors;
  if (!in.alpha.empty()) {
    tensors.emplace_back("alpha", host_tensor(in.alpha, {L, H, N}, "alpha"));
    tensors.emplace_back("beta", host_tensor(in.beta, {L, H, N}, "beta"));
    tensors.emplace_back("global_query", host_tensor(in.global_query, {W, L, H, Dh}, "global_query"));
    tensors.emplace_back("global_key", host_tensor(in.global_key, {W, L, H, Dh}, "global_key"));
  }
  tensors.emplace_back("pooling", host_tensor(in.pooling, {N}, "pooling"));
  tensors.emplace_back("token_ids", ids);
  tensors.emplace_back("token_offsets", offsets);
  tensors.emplace_back("owner", host_tensor(in.owner, {N}, "owner"));
  tensors.emplace_back("windows", windows);
  tensors.emplace_back("window_logits", host_tensor(in.window_logits, {W, C}, "window_logits"));
  tensors.emplace_back("probabilities", host_tensor(in.probabilities, {C}, "probabilities"));
  if (!in.normalizer.empty()) tensors.emplace_back("normalizer", host_tensor(in.normalizer, {L, H, N}, "normalizer"));
  if (!in.softmax_weights.empty()) {
    tensors.emplace_back("softmax_weights", host_tensor(in.softmax_weights, {N, N}, "softmax_weights"));
  }

  const bool labelled = in.predicted >= 0 && in.predicted < static_cast<std::int64_t>(in.labels.size());
  std::map<std::string, std::string> metadata = {
      {"format", "fastformer-studio-trace"},
      {"format_version", "1"},
      {"attention", to_string(in.attention)},
      {"layers", std::to_string(L)},
      {"heads", std::to_string(H)},
      {"head_dim", std::to_string(Dh)},
      {"labels", metadata_text(in.labels)},
      {"predicted", labelled ? in.labels[static_cast<std::size_t>(in.predicted)] : std::to_string(in.predicted)},
      {"truncated", in.truncated ? "true" : "false"},
      {"max_len", std::to_string(in.max_len)},
      {"token_pieces", metadata_text(pieces)},
  };
  if (!in.softmax_weights.empty()) {
    metadata["softmax_layer"] = std::to_string(in.softmax_layer);
    metadata["softmax_head"] = std::to_string(in.softmax_head);
  }
  save_safetensors(path, tensors, metadata);
}

}  // namespace fastformer
