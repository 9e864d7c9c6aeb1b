// Writing an inspection as a safetensors trace: every array as a typed tensor of its real
// shape, so Python reads it with safetensors or numpy alone; strings go in the metadata.
#include "fastformer/inspect.h"

#include "fastformer/error.h"
#include "fastformer/safetensors.h"

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <numeric>
#include <type_traits>

namespace fastformer {
namespace {

// One copy of `values` as a tensor of `shape` (from_blob only views; clone owns). A size
// that does not match the shape is a malformed inspection, not something to read past.
template <typename T>
at::Tensor tensor_of(const std::vector<T>& values, std::vector<std::int64_t> shape, const char* name) {
  const std::int64_t count = std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
  if (static_cast<std::int64_t>(values.size()) != count) {
    throw Error(std::to_string(values.size()) + " values do not fill its shape", name,
                "the inspection's arrays disagree with its sizes");
  }
  const auto dtype = std::is_same_v<T, float> ? at::kFloat : at::kLong;
  if (values.empty()) return at::empty(shape, dtype);
  return at::from_blob(const_cast<T*>(values.data()), shape, dtype).clone();
}

// A JSON array as metadata text; invalid UTF-8 (a byte-level piece) becomes U+FFFD, not an error.
std::string dump(const nlohmann::json& strings) {
  return strings.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

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
    tensors.emplace_back("alpha", tensor_of(in.alpha, {L, H, N}, "alpha"));
    tensors.emplace_back("beta", tensor_of(in.beta, {L, H, N}, "beta"));
    tensors.emplace_back("global_query", tensor_of(in.global_query, {W, L, H, Dh}, "global_query"));
    tensors.emplace_back("global_key", tensor_of(in.global_key, {W, L, H, Dh}, "global_key"));
  }
  tensors.emplace_back("pooling", tensor_of(in.pooling, {N}, "pooling"));
  tensors.emplace_back("token_ids", ids);
  tensors.emplace_back("token_offsets", offsets);
  tensors.emplace_back("owner", tensor_of(in.owner, {N}, "owner"));
  tensors.emplace_back("windows", windows);
  tensors.emplace_back("window_logits", tensor_of(in.window_logits, {W, C}, "window_logits"));
  tensors.emplace_back("probabilities", tensor_of(in.probabilities, {C}, "probabilities"));
  if (!in.softmax_weights.empty()) {
    tensors.emplace_back("softmax_weights", tensor_of(in.softmax_weights, {N, N}, "softmax_weights"));
  }

  const bool labelled = in.predicted >= 0 && in.predicted < static_cast<std::int64_t>(in.labels.size());
  std::map<std::string, std::string> metadata = {
      {"format", "fastformer-studio-trace"},
      {"format_version", "1"},
      {"attention", to_string(in.attention)},
      {"layers", std::to_string(L)},
      {"heads", std::to_string(H)},
      {"head_dim", std::to_string(Dh)},
      {"labels", dump(in.labels)},
      {"predicted", labelled ? in.labels[static_cast<std::size_t>(in.predicted)] : std::to_string(in.predicted)},
      {"truncated", in.truncated ? "true" : "false"},
      {"max_len", std::to_string(in.max_len)},
      {"token_pieces", dump(pieces)},
  };
  if (!in.softmax_weights.empty()) {
    metadata["softmax_layer"] = std::to_string(in.softmax_layer);
    metadata["softmax_head"] = std::to_string(in.softmax_head);
  }
  save_safetensors(path, tensors, metadata);
}

}  // namespace fastformer
