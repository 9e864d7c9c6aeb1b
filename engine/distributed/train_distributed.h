// What the training loop does differently on one rank of a data-parallel group: checks that
// all ranks hold the same data and settings, evaluates its share of a split and combines
// the counts, and gives each rank its shard of a global batch.
#pragma once

#include "fastformer/distributed.h"
#include "fastformer/metrics.h"
#include "fastformer/model.h"
#include "fastformer/trainer.h"

#include <torch/types.h>

#include <string>

namespace fastformer {

// A short description plus a 64-bit digest of the encoded splits, the labels and the
// vocabulary size: equal on two ranks only when they would train on the same examples.
std::string data_fingerprint(const TrainingData& data);

// Digest of any text (FNV-1a), as 16 hex digits.
std::string digest(const std::string& text);

// The examples i with i % world_size == rank, in order.
EncodedSplit every_nth(const EncodedSplit& split, int rank, int world_size);

// Every rank evaluates its every_nth part; the confusion matrices and loss sums are summed,
// so all ranks return the metrics of the whole split.
ClassificationMetrics evaluate_sharded(Model& model, const EncodedSplit& split, std::int64_t batch_size,
                                       torch::Device device, Communicator& communicator);

}  // namespace fastformer
