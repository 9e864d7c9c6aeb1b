// Window rows with masked columns dropped. A masked column changes no real token's output
// (every attention and pooling weight on it is exactly 0), so a row keeps only its real
// columns at their original positions (TraceRequest::positions) and gives the same logits
// from fewer columns: a deletion keep-set at 50% runs half a window, an insertion at 1%
// a few columns. Rows are sorted by length and packed into runs of about the tokens of
// windows_per_run full windows.
#pragma once

#include "explain/attribution.h"

namespace fastformer {

// The logits (R,C) of rows of ids and mask (R,T), as row_logits gives them.
torch::Tensor packed_row_logits(Model& model, const WindowBatch& batch, const torch::Tensor& ids,
                                const torch::Tensor& mask);

}  // namespace fastformer
