// Masked softmax used by both attentions and the pooler.
#include "model/masking.h"

namespace fastformer {

double mask_fill_value(at::ScalarType dtype) {
  // Half tops out at 65504; the others reach far beyond 1e30.
  return dtype == at::kHalf ? -3.0e4 : -1.0e30;
}

at::Tensor masked_softmax(const at::Tensor& scores, const at::Tensor& mask, int64_t dim) {
  const at::Tensor filled = scores.masked_fill(mask.logical_not(), mask_fill_value(scores.scalar_type()));
  // An all-padding slice is uniform after softmax; multiplying by the mask zeroes it and
  // pins every padded weight to exactly 0 whatever the scores were.
  return at::softmax(filled, dim) * mask.to(scores.scalar_type());
}

at::Tensor mask_from_lengths(const at::Tensor& lengths, int64_t max_len) {
  const at::Tensor positions = at::arange(max_len, lengths.options().dtype(at::kLong));  // (T)
  return positions.unsqueeze(0) < lengths.to(at::kLong).unsqueeze(1);                    // (B,T)
}

at::Tensor layer_mask(const ModelConfig& config, const at::Tensor& mask) {
  if (config.cls_token || mask.size(1) == 0) return mask;
  at::Tensor m = mask.clone();
  m.select(1, 0).fill_(false);
  return m;
}

}  // namespace fastformer
