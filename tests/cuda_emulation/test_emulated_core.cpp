// The fused additive core's CUDA kernels (engine/cuda), called through their host entry points
// and run on the CPU by emulated_cuda.h, chained as engine/kernels/additive_core_cuda.cpp chains
// them, against the additive core (paper Eq. 3–6) in float64 autograd: U, α, β, q, k and the
// gradients of Q, K, V, w_q and w_k, with padding, an all-padding sequence, strided and shared
// Q/V rows, float32, float16 and bfloat16, and chunk plans with ragged ends. On a GPU the same
// kernels are checked by `ctest -L gpu` (tests/engine/test_cuda_core.cpp).
#include "core_kernels.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <string>

namespace fastformer::cuda {
namespace {

struct Case {
  std::int64_t B, T, H, Dh;
  at::ScalarType type;
  bool strided;    // Q, K, V are slices of one (B,T,3D+16) projection
  bool shared_qv;  // V is Q (the paper's shared query/value option)
  int row_groups;  // 0: make_plan's chunks; n: chunks of n row groups (several loads-in-flight rounds)
  double tol;      // max |fused − reference| / max |reference|
};

std::string name_of(const Case& c) {
  return "B" + std::to_string(c.B) + "_T" + std::to_string(c.T) + "_H" + std::to_string(c.H) + "_Dh" +
         std::to_string(c.Dh) + "_" + c10::toString(c.type) + (c.strided ? "_strided" : "") +
         (c.shared_qv ? "_sharedqv" : "") + (c.row_groups ? "_groups" + std::to_string(c.row_groups) : "");
}

void PrintTo(const Case& c, std::ostream* os) { *os << name_of(c); }

double rel_err(const at::Tensor& got, const at::Tensor& want) {
  const at::Tensor g = got.to(at::kDouble), w = want.to(at::kDouble);
  const double top = w.abs().max().item<double>();
  return (g - w).abs().max().item<double>() / std::max(top, 1e-30);
}

Storage storage_of(at::ScalarType type) {
  return type == at::kHalf ? Storage::f16 : type == at::kBFloat16 ? Storage::bf16 : Storage::f32;
}
Rows rows(const at::Tensor& x) { return {x.data_ptr(), x.stride(0), x.stride(1)}; }
OutRows out_rows(const at::Tensor& x) { return {x.data_ptr(), x.stride(0), x.stride(1)}; }
float* f32(const at::Tensor& x) { return x.data_ptr<float>(); }

// Softmax over tokens (dim 1) of s (B,T,H) with padding (m false) weighted 0; all-padding rows are 0.
at::Tensor masked_softmax(const at::Tensor& s, const at::Tensor& m) {
  return at::softmax(s.masked_fill(m.logical_not(), -1e9), 1) * m.to(s.scalar_type());
}

class EmulatedCore : public ::testing::TestWithParam<Case> {};

TEST_P(EmulatedCore, MatchesFloat64Reference) {
  const Case c = GetParam();
  torch::manual_seed(7);
  const std::int64_t B = c.B, T = c.T, H = c.H, Dh = c.Dh, D = H * Dh;
  const Shape s{B, T, H, Dh};
  ASSERT_TRUE(shape_supported(s));
  Plan p = make_plan(s);
  if (c.row_groups > 0) {
    p.chunk = p.rows * c.row_groups;
    p.chunks = (T + p.chunk - 1) / p.chunk;
  }
  const Storage st = storage_of(c.type);
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));

  const at::Tensor base = torch::randn({B, T, 3 * D + (c.strided ? 16 : 0)}).to(c.type);  // (B,T,3D[+16])
  const auto block = [&](int i) {
    return c.strided ? base.narrow(2, i * D, D).view({B, T, H, Dh}) : base.narrow(2, i * D, D).contiguous().view({B, T, H, Dh});
  };
  const at::Tensor Q = block(0), K = block(1), V = c.shared_qv ? Q : block(2);  // (B,T,H,Dh)
  const at::Tensor wq = torch::randn({H, Dh}).to(c.type).to(at::kFloat);          // (H,Dh)
  const at::Tensor wk = torch::randn({H, Dh}).to(c.type).to(at::kFloat);          // (H,Dh)
  at::Tensor lengths = torch::randint(1, T + 1, {B}, torch::kLong);               // (B)
  lengths[0] = T;
  if (B >= 3) lengths[B - 1] = 0;  // a sequence of padding only
  const at::Tensor mask = (torch::arange(T).unsqueeze(0) < lengths.unsqueeze(1)).contiguous();  // (B,T) bool
  const at::Tensor G = torch::randn({B, T, H, Dh}).to(c.type);                                  // ∂L/∂U

  // Reference, float64 autograd on the same stored values.
  const at::Tensor Qd = Q.to(at::kDouble).requires_grad_(), Kd = K.to(at::kDouble).requires_grad_(),
                   Vd = V.to(at::kDouble).requires_grad_(), wqd = wq.to(at::kDouble).requires_grad_(),
                   wkd = wk.to(at::kDouble).requires_grad_();
  const at::Tensor m = mask.unsqueeze(-1);                                         // (B,T,1)
  const at::Tensor alpha_r = masked_softmax((Qd * wqd).sum(-1) * scale, m);        // (B,T,H) Eq. 3
  const at::Tensor q_r = (alpha_r.unsqueeze(-1) * Qd).sum(1);                      // (B,H,Dh) Eq. 4
  const at::Tensor P = Kd * q_r.unsqueeze(1);                                      // p_i = q ⊙ k_i
  const at::Tensor beta_r = masked_softmax((P * wkd).sum(-1) * scale, m);          // (B,T,H) Eq. 5
  const at::Tensor k_r = (beta_r.unsqueeze(-1) * P).sum(1);                        // (B,H,Dh) Eq. 6
  const at::Tensor U_r = Vd * k_r.unsqueeze(1);                                    // u_i = k ⊙ v_i
  const auto grads = torch::autograd::grad({(U_r * G.to(at::kDouble)).sum()}, {Qd, Kd, Vd, wqd, wkd});

  // Fused forward: pass 1 (Q), pass 2 (K), pass 3 (V), as FusedCore::forward.
  const auto nan = [](at::IntArrayRef shape) { return torch::full(shape, NAN); };  // unwritten values show
  const at::Tensor scores = nan({2, B, T, H}), stats = nan({4, B, H});
  const at::Tensor part_max = nan({B, p.chunks, H}), part_sum = nan({B, p.chunks, H}), part_acc = nan({B, p.chunks, H, Dh});
  const at::Tensor q = nan({B, H, Dh}), key_sum = nan({B, H, Dh});
  const bool* mp = mask.data_ptr<bool>();
  const at::Tensor cq = (wq * scale).contiguous();
  ASSERT_EQ(pool_forward(st, s, p, rows(Q), f32(cq), 0, mp, f32(scores[0]), f32(part_max), f32(part_sum),
                         f32(part_acc), nullptr),
            cudaSuccess);
  ASSERT_EQ(pool_combine(s, p, f32(part_max), f32(part_sum), f32(part_acc), f32(stats[0]), f32(stats[1]), f32(q), nullptr),
            cudaSuccess);
  const at::Tensor ck = (wk.unsqueeze(0) * q * scale).contiguous();
  ASSERT_EQ(pool_forward(st, s, p, rows(K), f32(ck), D, mp, f32(scores[1]), f32(part_max), f32(part_sum),
                         f32(part_acc), nullptr),
            cudaSuccess);
  ASSERT_EQ(pool_combine(s, p, f32(part_max), f32(part_sum), f32(part_acc), f32(stats[2]), f32(stats[3]),
                         f32(key_sum), nullptr),
            cudaSuccess);
  const at::Tensor k = (q * key_sum).contiguous();
  const at::Tensor U = nan({B, T, H, Dh}).to(c.type), alpha = nan({B, T, H}).to(c.type), beta = nan({B, T, H}).to(c.type);
  ASSERT_EQ(emit_forward(st, s, rows(V), f32(k), mp, f32(scores[0]), f32(stats[0]), f32(stats[1]), f32(scores[1]),
                         f32(stats[2]), f32(stats[3]), U.data_ptr(), alpha.data_ptr(), beta.data_ptr(), nullptr),
            cudaSuccess);

  // Fused backward, as FusedCore::backward.
  const at::Tensor dQ = nan({B, T, H, Dh}).to(c.type), dK = nan({B, T, H, Dh}).to(c.type), dV = nan({B, T, H, Dh}).to(c.type);
  const at::Tensor part = nan({B, p.chunks, H, Dh}), dk = nan({B, H, Dh}), rk = nan({B, H, Dh}), rq = nan({B, H, Dh});
  ASSERT_EQ(product_backward(st, s, p, rows(G), rows(V), f32(k), out_rows(dV), f32(part), nullptr), cudaSuccess);
  ASSERT_EQ(chunk_sum(s, p, f32(part), f32(dk), nullptr), cudaSuccess);
  const at::Tensor gs_k = (dk * q).contiguous(), ws_k = (wk.unsqueeze(0) * q * scale).contiguous();
  ASSERT_EQ(pool_backward(st, s, p, rows(K), mp, f32(scores[1]), f32(stats[2]), f32(stats[3]), f32(gs_k), f32(ws_k),
                          f32(key_sum), out_rows(dK), f32(part), nullptr),
            cudaSuccess);
  ASSERT_EQ(chunk_sum(s, p, f32(part), f32(rk), nullptr), cudaSuccess);
  const at::Tensor dq = (dk * key_sum + wk.unsqueeze(0) * rk * scale).contiguous();
  const at::Tensor ws_q = (wq * scale).expand({B, H, Dh}).contiguous();
  ASSERT_EQ(pool_backward(st, s, p, rows(Q), mp, f32(scores[0]), f32(stats[0]), f32(stats[1]), f32(dq), f32(ws_q),
                          f32(q), out_rows(dQ), f32(part), nullptr),
            cudaSuccess);
  ASSERT_EQ(chunk_sum(s, p, f32(part), f32(rq), nullptr), cudaSuccess);
  const at::Tensor dwq = rq.sum(0) * scale, dwk = (q * rk).sum(0) * scale;

  const std::pair<const char*, std::pair<at::Tensor, at::Tensor>> checks[] = {
      {"U", {U, U_r}},         {"alpha", {alpha, alpha_r}}, {"beta", {beta, beta_r}}, {"q", {q, q_r}},
      {"k", {k, k_r}},         {"dQ", {dQ, grads[0]}},      {"dK", {dK, grads[1]}},   {"dV", {dV, grads[2]}},
      {"dwq", {dwq, grads[3]}}, {"dwk", {dwk, grads[4]}}};
  for (const auto& [what, pair] : checks) {
    ASSERT_FALSE(pair.first.isnan().any().item<bool>()) << what << " has values no kernel wrote";
    EXPECT_LE(rel_err(pair.first, pair.second), c.tol) << what;
  }
}

constexpr auto f32_ = at::kFloat;
constexpr auto f16_ = at::kHalf;
constexpr auto bf16_ = at::kBFloat16;

INSTANTIATE_TEST_SUITE_P(
    Shapes, EmulatedCore,
    ::testing::Values(Case{3, 37, 2, 32, f32_, false, false, 0, 1e-5}, Case{2, 50, 4, 16, f32_, true, false, 0, 1e-5},
                      Case{2, 21, 1, 16, f32_, false, true, 0, 1e-5}, Case{1, 9, 2, 128, f32_, false, false, 0, 1e-5},
                      Case{2, 30, 12, 64, f32_, true, true, 0, 1e-5},  // the reference layer's H·Dh = 768
                      Case{2, 300, 4, 32, f32_, true, false, 0, 1e-5},  // 38 chunks: every merge slice used
                      Case{3, 301, 2, 16, f32_, true, false, 19, 1e-5}, Case{2, 257, 3, 32, f32_, false, true, 11, 1e-5},
                      Case{3, 200, 2, 64, f32_, true, false, 9, 1e-5}, Case{2, 150, 1, 128, f32_, false, false, 7, 1e-5},
                      Case{3, 37, 2, 32, f16_, true, false, 0, 1e-2}, Case{3, 131, 2, 64, bf16_, false, true, 0, 1e-2},
                      Case{3, 200, 2, 64, bf16_, true, false, 9, 1e-2}, Case{2, 150, 2, 128, f16_, false, false, 5, 1e-2}),
    [](const ::testing::TestParamInfo<Case>& info) { return name_of(info.param); });

}  // namespace
}  // namespace fastformer::cuda
