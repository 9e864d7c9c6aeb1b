// Many ablations of one layer input (see the header): the attention output of §3.2,
// Wo(Wr U + br + Q) + bo, split into Wo(Q + br) + bo, which no pooling weight touches, and
// (Wo·Wr) U, the only part an ablation changes.
#include "model/shared_input_layer.h"

#include "fastformer/error.h"
#include "model/embeddings.h"
#include "model/encoder_layer.h"
#include "model/masking.h"

#include <torch/torch.h>

namespace fastformer {
namespace {

EncoderLayerImpl& layer_module(Model& model, std::int64_t layer) {
  const ModelConfig& c = model->config();
  if (layer < 0 || layer >= c.layers) {
    throw Error("layer " + std::to_string(layer) + " is outside [0, " + std::to_string(c.layers) + ")", "model input");
  }
  if (c.attention != AttentionKind::additive) throw Error("a shared layer input needs additive attention", "model input");
  return *model->layers[c.share_layers ? 0 : layer]->as<EncoderLayerImpl>();
}

}  // namespace

SharedLayerInput share_layer_input(Model& model, std::int64_t layer, const torch::Tensor& x, const torch::Tensor& mask) {
  torch::NoGradGuard no_grad;
  EncoderLayerImpl& block = layer_module(model, layer);
  FastformerAttentionImpl& attention = *block.additive;
  SharedLayerInput s;
  s.layer = layer;
  s.x = x;
  s.mask = layer_mask(model->config(), mask);
  const FastformerAttentionImpl::Projections p = attention.project(block.attention_input(x));
  s.Q = p.Q, s.K = p.K, s.V = p.V;
  const torch::Tensor q_flat = p.Q.reshape({x.size(0), x.size(1), -1});                     // (W,T,D)
  s.base = attention.output(q_flat + attention.transform->bias);                           // (W,T,D)
  s.mixing = attention.output->weight.mm(attention.transform->weight);                     // (D,D) Wo·Wr
  return s;
}

SharedLayerInput share_first_layer(Model& model, const torch::Tensor& ids, const torch::Tensor& mask) {
  torch::NoGradGuard no_grad;
  const torch::Tensor positions = model_positions(model->config(), {}, ids.size(0), ids.size(1), ids.device());
  return share_layer_input(model, 0, model->embeddings->forward(ids, positions), mask);  // (W,T,D) embedded
}

torch::Tensor shared_layer_output(Model& model, const SharedLayerInput& s, const torch::Tensor& rows,
                                  const PoolingKeep& keep, const torch::Tensor& row_mask) {
  torch::NoGradGuard no_grad;
  EncoderLayerImpl& block = layer_module(model, s.layer);
  const torch::Tensor r = rows.to(s.x.device());
  const auto pick = [&](const torch::Tensor& t) { return t.index_select(0, r); };
  const torch::Tensor Q = pick(s.Q), K = pick(s.K);        // (R,T,H,Dh)
  const torch::Tensor V = s.V.is_same(s.Q) ? Q : pick(s.V);  // (R,T,H,Dh)
  const torch::Tensor mask = row_mask.defined() ? layer_mask(model->config(), row_mask.to(s.x.device())) : pick(s.mask);
  const AdditiveCoreOutput core = block.additive->pool(Q, K, V, mask, &keep);  // Eq. 3–6, u (R,T,H,Dh)
  const std::int64_t R = Q.size(0), T = Q.size(1), D = s.mixing.size(0);
  const torch::Tensor a = torch::addmm(pick(s.base).reshape({R * T, D}), core.u.reshape({R * T, D}), s.mixing.t());  // (R·T,D)
  return block.finish(pick(s.x), a.view({R, T, D}));  // (R,T,D)
}

}  // namespace fastformer
