// Reads the pickle (data.pkl) that torch.save writes for a state_dict, without Python:
// the names and the storage layout of every tensor. LibTorch 1.13's own unpickler turns
// collections.OrderedDict (what state_dict() returns) into None, so it cannot read these.
//
// Only data is built, nothing runs: a class named by the pickle (a whole pickled
// nn.Module, say) becomes an opaque object with its qualified name, which the caller
// refuses. Every read is bounds-checked and the stack, memo and nesting are capped, so a
// damaged or hostile file is an Error, never a crash.
#pragma once

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fastformer {

// One tensor of the pickle: a view of a storage record ("data/<key>" in the zip).
struct PickledTensor {
  std::string storage_key;
  c10::ScalarType dtype = c10::ScalarType::Float;
  std::int64_t storage_numel = 0;  // elements the storage holds
  std::int64_t offset = 0;         // elements into the storage
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> strides;
  std::string location;  // where it lived when saved ("cpu", "cuda:0"): the bytes read the same
};

using PickledStateDict = std::vector<std::pair<std::string, PickledTensor>>;

// The (name, tensor) entries of a pickled state_dict, in the file's order: a dict (plain
// or OrderedDict) of tensors, its `_metadata` ignored. A dict that holds one under
// "state_dict", "model_state_dict" or "model" (a training checkpoint) is unwrapped.
// Throws fastformer::Error at `where` for anything else, naming what the pickle holds.
PickledStateDict read_pickled_state_dict(std::string_view bytes, const std::string& where);

}  // namespace fastformer
