// Token-id input files (one sequence per line, ids separated by spaces) and padding a
// list of sequences into a batch.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fastformer {

using Sequence = std::vector<std::int64_t>;

// Reads every line as one sequence. Blank lines, non-integer tokens and ids outside
// [0, vocab_size) throw fastformer::Error with file:line. An empty file is an error too.
std::vector<Sequence> read_ids_file(const std::string& path, std::int64_t vocab_size);

struct PaddedBatch {
  at::Tensor ids;   // (B,T) int64, padded with 0 ([PAD])
  at::Tensor mask;  // (B,T) bool, true on real tokens
};

// Pads every sequence to the longest one.
PaddedBatch pad_batch(const std::vector<Sequence>& sequences);

}  // namespace fastformer
