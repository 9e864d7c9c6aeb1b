// Reads the tensors of a model saved elsewhere: torch.save's zip format (PyTorch ≥ 1.6,
// through LibTorch's own zip reader and import/pickle_reader.h) or a safetensors file.
#pragma once

#include "fastformer/safetensors.h"

#include <filesystem>

namespace fastformer {

// Every tensor of the file, by name in the file's order, on the CPU in its saved dtype.
// Throws fastformer::Error (where = the path) with one line for each kind of bad file:
// not a zip or safetensors file, the legacy torch.save format, a truncated or damaged
// archive, a pickled module instead of a state_dict, a tensor outside its storage.
NamedTensors read_state_dict(const std::filesystem::path& path);

}  // namespace fastformer
