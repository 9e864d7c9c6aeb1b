// Host vectors as tensors for safetensors files (inspection and explanation traces).
#pragma once

#include "fastformer/error.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

namespace fastformer {

// One copy of `values` (float or int64) as a tensor of `shape` (from_blob only views; clone
// owns). A size that does not match the shape is a malformed trace, not something to read past.
template <typename T>
at::Tensor host_tensor(const std::vector<T>& values, std::vector<std::int64_t> shape, const char* name) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, std::int64_t>);
  const std::int64_t count = std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
  if (static_cast<std::int64_t>(values.size()) != count) {
    throw Error(std::to_string(values.size()) + " values do not fill its shape", name,
                "the trace's arrays disagree with its sizes");
  }
  const auto dtype = std::is_same_v<T, float> ? at::kFloat : at::kLong;
  if (values.empty()) return at::empty(shape, dtype);
  return at::from_blob(const_cast<T*>(values.data()), shape, dtype).clone();
}

// A JSON value as metadata text; invalid UTF-8 (a byte-level piece) becomes U+FFFD, not an error.
inline std::string metadata_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace fastformer
