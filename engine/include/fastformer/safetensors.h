// Reads and writes the safetensors format: 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}}, then raw little-endian tensor bytes.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fastformer {

// Tensors in the order they are stored (writer: as given; reader: by data offset).
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Headers larger than this are rejected before any allocation (a lying length field).
constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100ull * 1024 * 1024;

// Writes every tensor (any device; copied to CPU, made contiguous) to `path` atomically:
// the bytes go to a sibling temporary file that is renamed over `path` at the end.
// `metadata` lands in the header's "__metadata__" object (string → string).
// Throws fastformer::Error on duplicate names, unsupported dtypes or I/O failure.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
  NamedTensors tensors;                          // CPU tensors, owning their memory
  std::map<std::string, std::string> metadata;  // "__metadata__", empty when absent
};

// Reads a whole file. Throws fastformer::Error (where = path) for: a file shorter than 8
// bytes, a header length over kMaxSafetensorsHeaderBytes or past the end of the file,
// invalid JSON, an unknown dtype, a shape/offset mismatch, offsets outside the data,
// overlapping or gapped data regions, or trailing bytes no tensor claims.
SafetensorsFile load_safetensors(const std::string& path);

// Looks a tensor up by name in a loaded file; throws fastformer::Error when absent.
const at::Tensor& find_tensor(const SafetensorsFile& file, const std::string& name);

}  // namespace fastformer
