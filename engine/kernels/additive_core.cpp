// The additive core as autograd functions over the fused CPU kernels; ATen operations where
// the kernels do not apply (other devices and dtypes, unpacked rows).
#include "fastformer/additive_core.h"

#include "kernels/additive_core_cpu.h"
#include "fastformer/cuda_core.h"

#include <torch/torch.h>

#include <algorithm>

namespace fastformer {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Saved tensors, in order, after the function's own inputs.
void save(AutogradContext* ctx, const variable_list& inputs, const kernel::CoreForward& f, double scale) {
  variable_list all = inputs;
  // Outputs go through save_for_backward too: it keeps them without a reference cycle.
  for (const auto& t : {f.alpha, f.beta, f.global_q, f.global_k, f.key_sum}) all.push_back(t);
  ctx->save_for_backward(all);
  ctx->saved_data["scale"] = scale;
  ctx->mark_non_differentiable({f.alpha, f.beta, f.global_q, f.global_k});
}

kernel::CoreForward restore(const variable_list& s, std::size_t first) {
  kernel::CoreForward f;
  f.alpha = s[first];
  f.beta = s[first + 1];
  f.global_q = s[first + 2];
  f.global_k = s[first + 3];
  f.key_sum = s[first + 4];
  return f;
}

torch::Tensor or_zeros(const torch::Tensor& grad, const torch::Tensor& like) {
  return grad.defined() ? grad : torch::zeros_like(like);
}

// Q, K, V given apart; returns {U, α, β, q, k}, only U differentiable.
class SeparateCore : public torch::autograd::Function<SeparateCore> {
 public:
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& Q, const torch::Tensor& K,
                               const torch::Tensor& V, const torch::Tensor& mask, const torch::Tensor& wq,
                               const torch::Tensor& wk, double scale) {
    const kernel::CoreForward f = kernel::core_forward({Q, K, V, mask, wq, wk, {}, scale}, false);
    save(ctx, {Q, K, V, mask, wq, wk}, f, scale);
    return {f.u, f.alpha, f.beta, f.global_q, f.global_k};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list s = ctx->get_saved_variables();
    const kernel::CoreInputs in{s[0], s[1], s[2], s[3], s[4], s[5], {}, ctx->saved_data["scale"].toDouble()};
    const kernel::CoreForward f = restore(s, 6);
    const torch::Tensor dq = torch::empty(in.q.sizes(), in.q.options());  // (B,T,H,Dh)
    const torch::Tensor dk = torch::empty_like(dq), dv = torch::empty_like(dq);
    const kernel::CoreGrads g = kernel::core_backward(or_zeros(grads[0], dq), {}, in, f, dq, dk, dv);
    return {dq, dk, dv, {}, g.dwq, g.dwk, {}};
  }
};

// Q|K|V as column blocks of one projection; returns {U, residual, α, β, q, k}.
class PackedCore : public torch::autograd::Function<PackedCore> {
 public:
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& proj, const torch::Tensor& mask,
                               const torch::Tensor& wq, const torch::Tensor& wk, const torch::Tensor& bias,
                               std::vector<std::int64_t> layout, double scale) {
    const kernel::CoreInputs in = inputs(proj, mask, wq, wk, bias, layout, scale);
    const kernel::CoreForward f = kernel::core_forward(in, true);
    save(ctx, {proj, mask, wq, wk, bias}, f, scale);
    ctx->saved_data["layout"] = layout;
    return {f.u, f.residual, f.alpha, f.beta, f.global_q, f.global_k};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const variable_list s = ctx->get_saved_variables();
    const std::vector<std::int64_t> layout = ctx->saved_data["layout"].toIntVector();
    const kernel::CoreInputs in = inputs(s[0], s[1], s[2], s[3], s[4], layout, ctx->saved_data["scale"].toDouble());
    const kernel::CoreForward f = restore(s, 5);
    // Every column of `proj` is one of the Q, K, V blocks, so the kernels fill it all.
    const torch::Tensor dproj = torch::empty(s[0].sizes(), s[0].options());  // (B,T,C)
    const kernel::CoreInputs out = inputs(dproj, s[1], s[2], s[3], s[4], layout, in.scale);
    // An unused residual has no gradient: the kernel then adds nothing to dQ.
    const kernel::CoreGrads g = kernel::core_backward(or_zeros(grads[0], in.q), grads[1], in, f, out.q, out.k, out.v);
    const torch::Tensor dbias = grads[1].defined() ? g.dbias : torch::zeros_like(s[4]);
    return {dproj, {}, g.dwq, g.dwk, dbias, {}, {}};
  }

  // layout = {q_offset, k_offset, v_offset, heads}.
  static kernel::CoreInputs inputs(const torch::Tensor& proj, const torch::Tensor& mask, const torch::Tensor& wq,
                                   const torch::Tensor& wk, const torch::Tensor& bias,
                                   const std::vector<std::int64_t>& layout, double scale) {
    const auto B = proj.size(0), T = proj.size(1), H = layout[3], Dh = wq.size(1);
    const auto block = [&](std::int64_t offset) { return proj.narrow(2, offset, H * Dh).view({B, T, H, Dh}); };
    return {block(layout[0]), block(layout[1]), block(layout[2]), mask, wq, wk, bias, scale};
  }
};

}  // namespace

AdditiveCoreOutput additive_core(const at::Tensor& Q, const at::Tensor& K, const at::Tensor& V,
                                 const at::Tensor& mask, const at::Tensor& wq, const at::Tensor& wk,
                                 double scale) {
  if (fused_cuda_core_applies(Q, K, V, mask, wq, wk)) return fused_cuda_core(Q, K, V, mask, wq, wk, scale);
  if (!kernel::core_kernel_applies(Q, K, V, wq, wk)) {
    return additive_core_aten(Q, K, V, mask, wq, wk, scale);
  }
  const variable_list out = SeparateCore::apply(Q, K, V, mask, wq, wk, scale);
  return {out[0], out[1], out[2], out[3], out[4]};
}

PackedCoreOutput additive_core_packed(const at::Tensor& proj, std::int64_t q_offset, std::int64_t k_offset,
                                      std::int64_t v_offset, std::int64_t heads, const at::Tensor& mask,
                                      const at::Tensor& wq, const at::Tensor& wk, const at::Tensor& bias,
                                      double scale) {
  const std::vector<std::int64_t> layout{q_offset, k_offset, v_offset, heads};
  const kernel::CoreInputs in = PackedCore::inputs(proj, mask, wq, wk, bias, layout, scale);
  if (fused_cuda_core_applies(in.q, in.k, in.v, mask, wq, wk)) {
    // The blocks are views of proj: autograd gathers their gradients into one (B,T,C) tensor.
    PackedCoreOutput out{fused_cuda_core(in.q, in.k, in.v, mask, wq, wk, scale), in.q.flatten(2)};
    if (bias.defined()) out.residual = out.residual + bias;
    return out;
  }
  // The backward fills dproj block by block: the blocks must tile its columns exactly.
  const std::int64_t D = wq.numel();
  std::vector<std::int64_t> offsets{q_offset, k_offset};
  if (v_offset != q_offset) offsets.push_back(v_offset);
  std::sort(offsets.begin(), offsets.end());
  bool whole = proj.size(2) == static_cast<std::int64_t>(offsets.size()) * D && proj.stride(2) == 1;
  for (std::size_t i = 0; i < offsets.size(); ++i) whole = whole && offsets[i] == static_cast<std::int64_t>(i) * D;
  if (!whole || !kernel::core_kernel_applies(in.q, in.k, in.v, wq, wk) ||
      (bias.defined() && bias.scalar_type() != proj.scalar_type())) {
    PackedCoreOutput out{additive_core_aten(in.q, in.k, in.v, mask, wq, wk, scale), in.q.flatten(2)};
    if (bias.defined()) out.residual = out.residual + bias;
    return out;
  }
  // LibTorch 1.13's autograd functions cannot take undefined tensors: no bias is a zero bias.
  const at::Tensor b = bias.defined() ? bias : at::zeros({D}, proj.options());
  const variable_list out = PackedCore::apply(proj, mask, wq, wk, b, layout, scale);
  return {{out[0], out[2], out[3], out[4], out[5]}, out[1]};
}

}  // namespace fastformer
