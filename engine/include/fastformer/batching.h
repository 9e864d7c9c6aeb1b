// From labelled text to padded batches: encode with truncation (counted), then plan
// length-bucketed batches so that padding stays small, shuffled by seed.
#pragma once

#include "fastformer/dataset.h"
#include "fastformer/ids_file.h"
#include "fastformer/tokenizer.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fastformer {

struct EncodedSplit {
  std::vector<Sequence> ids;          // each starts with [CLS], at most max_len long
  std::vector<std::int64_t> labels;   // class indices
  std::int64_t truncated = 0;         // documents cut to max_len
  std::int64_t dropped_tokens = 0;    // tokens cut off in total
};

// Encodes every example; labels are looked up in `labels` (an unknown label throws
// fastformer::Error with the example's file:line).
EncodedSplit encode_split(const Tokenizer& tokenizer, const std::vector<Example>& examples,
                          const std::vector<std::string>& labels, std::int64_t max_len);

// Batches of example indices. shuffle: a seeded permutation is cut into buckets of
// 50 batches, each bucket sorted by length and cut into batches, and the batch order is
// shuffled. No shuffle: sorted by length (for evaluation).
std::vector<std::vector<std::int64_t>> plan_batches(const std::vector<Sequence>& ids, std::int64_t batch_size,
                                                    bool shuffle, std::uint64_t seed);

// How much of an epoch's (B,T) batches is padding: each batch is as long as its longest
// sequence, so its B·T token slots hold Σ lengths real tokens.
struct PaddingShare {
  std::int64_t real_tokens = 0;
  std::int64_t token_slots = 0;
  double share() const { return token_slots > 0 ? 1.0 - static_cast<double>(real_tokens) / static_cast<double>(token_slots) : 0.0; }
};
PaddingShare padding_of(const std::vector<Sequence>& ids, const std::vector<std::vector<std::int64_t>>& batches);

struct Batch {
  PaddedBatch inputs;      // ids (B,T), mask (B,T)
  at::Tensor labels;       // (B) int64
  std::int64_t real_tokens = 0;
};
Batch make_batch(const EncodedSplit& split, const std::vector<std::int64_t>& indices);

}  // namespace fastformer
