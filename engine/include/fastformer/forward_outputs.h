// Names the tensors of one traced forward pass as `fastformer forward` writes them:
// logits, hidden.{l}, alpha.{l}, beta.{l}, global_query.{l}, global_key.{l},
// attention.{l} (softmax layers) and pooling — float32, on the CPU.
#pragma once

#include "fastformer/model.h"
#include "fastformer/safetensors.h"

namespace fastformer {

// `output` must carry a trace (TraceRequest::enabled).
NamedTensors forward_output_tensors(const ModelOutput& output);

}  // namespace fastformer
