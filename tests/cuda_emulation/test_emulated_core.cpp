// The fused additive core of engine/cuda run on the CPU: the real host glue
// (engine/kernels/fused_core_function.h, what additive_core_cuda.cpp runs on a GPU) calls the
// real kernels, emulated by emulated_cuda.h, on CPU tensors; U, α, β, q, k and the gradients
// of Q, K, V, w_q, w_k are checked against the additive core (paper Eq. 3–6) in float64
// autograd, with padding, an all-padding sequence, strided and shared Q/V rows, float32,
// float16 and bfloat16, and chunk plans with ragged ends. On a GPU the same code is checked
// by `ctest -L gpu` (tests/engine/test_cuda_core.cpp).
#include "kernels/fused_core_function.h"

#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace fastformer::kernel::fused {
namespace {

// The emulation has no device to make current and no streams: each launch runs to its end.
struct OnCpu {
  explicit OnCpu(const at::Tensor&) {}
  cudaStream_t stream() const { return nullptr; }
};
using EmulatedCore = Function<OnCpu>;

// While alive, every CPU allocation starts as 0xFF bytes, NaN in float32, float16 and
// bfloat16, so that a value no kernel wrote shows (fresh memory is often zeros, recycled
// memory an earlier result).
class PoisonAllocations final : public c10::Allocator {
 public:
  PoisonAllocations() : base_(c10::GetCPUAllocator()) { c10::SetCPUAllocator(this, kPriority); }
  ~PoisonAllocations() override { c10::SetCPUAllocator(base_, kPriority); }
  // LibTorch 1.x declares allocate() const, 2.x does not and adds copy_data: both are here.
  c10::DataPtr allocate(std::size_t n) const { return poisoned(n); }
  c10::DataPtr allocate(std::size_t n) { return poisoned(n); }
  void copy_data(void* dest, const void* src, std::size_t n) const { std::memcpy(dest, src, n); }
  c10::DeleterFnPtr raw_deleter() const override { return base_->raw_deleter(); }

 private:
  c10::DataPtr poisoned(std::size_t n) const {
    c10::DataPtr data = base_->allocate(n);
    if (n > 0) std::memset(data.get(), 0xFF, n);
    return data;
  }
  static constexpr std::uint8_t kPriority = 200;  // above LibTorch's own CPU allocators
  c10::Allocator* base_;
};

struct Case {
  std::int64_t B, T, H, Dh;
  at::ScalarType type;
  bool strided;    // Q, K, V are slices of one (B,T,3D+16) projection
  bool shared_qv;  // V is Q (the paper's shared query/value option)
  int row_groups;  // 0: the autograd function, make_plan's chunks; n: forward() and backward() with chunks of n row groups
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

// Softmax over tokens (dim 1) of s (B,T,H) with padding (m false) weighted 0; all-padding rows are 0.
at::Tensor masked_softmax(const at::Tensor& s, const at::Tensor& m) {
  return at::softmax(s.masked_fill(m.logical_not(), -1e9), 1) * m.to(s.scalar_type());
}

// Q, K, V (B,T,H,Dh) as the test case takes them from a projection `base` (B,T,3D[+16]).
std::vector<at::Tensor> blocks(const Case& c, const at::Tensor& base) {
  const std::int64_t D = c.H * c.Dh;
  const auto block = [&](int i) {
    const at::Tensor x = base.narrow(2, i * D, D);
    return (c.strided ? x : x.contiguous()).view({c.B, c.T, c.H, c.Dh});
  };
  const at::Tensor Q = block(0);
  return {Q, block(1), c.shared_qv ? Q : block(2)};
}

class EmulatedCoreTest : public ::testing::TestWithParam<Case> {};

TEST_P(EmulatedCoreTest, MatchesFloat64Reference) {
  const Case c = GetParam();
  const PoisonAllocations poison;
  torch::manual_seed(7);
  const std::int64_t B = c.B, T = c.T, H = c.H, Dh = c.Dh, D = H * Dh;
  ASSERT_TRUE(cuda::shape_supported({B, T, H, Dh}));
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));

  const at::Tensor base = torch::randn({B, T, 3 * D + (c.strided ? 16 : 0)}).to(c.type);  // (B,T,3D[+16])
  const at::Tensor wq = torch::randn({H, Dh}).to(c.type), wk = torch::randn({H, Dh}).to(c.type);  // (H,Dh)
  at::Tensor lengths = torch::randint(1, T + 1, {B}, torch::kLong);  // (B)
  lengths[0] = T;
  if (B >= 3) lengths[B - 1] = 0;  // a sequence of padding only
  const at::Tensor mask = (torch::arange(T).unsqueeze(0) < lengths.unsqueeze(1)).contiguous();  // (B,T) bool
  const at::Tensor G = torch::randn({B, T, H, Dh}).to(c.type);                                  // ∂L/∂U

  // Reference, float64 autograd on the same stored values; gradients of base (B,T,3D[+16]).
  const at::Tensor based = base.to(at::kDouble).requires_grad_(), wqd = wq.to(at::kDouble).requires_grad_(),
                   wkd = wk.to(at::kDouble).requires_grad_();
  const std::vector<at::Tensor> xd = blocks(c, based);                        // Q, K, V
  const at::Tensor m = mask.unsqueeze(-1);                                    // (B,T,1)
  const at::Tensor alpha_r = masked_softmax((xd[0] * wqd).sum(-1) * scale, m);  // (B,T,H) Eq. 3
  const at::Tensor q_r = (alpha_r.unsqueeze(-1) * xd[0]).sum(1);                // (B,H,Dh) Eq. 4
  const at::Tensor P = xd[1] * q_r.unsqueeze(1);                                // p_i = q ⊙ k_i
  const at::Tensor beta_r = masked_softmax((P * wkd).sum(-1) * scale, m);       // (B,T,H) Eq. 5
  const at::Tensor k_r = (beta_r.unsqueeze(-1) * P).sum(1);                     // (B,H,Dh) Eq. 6
  const at::Tensor U_r = xd[2] * k_r.unsqueeze(1);                              // u_i = k ⊙ v_i
  const auto want = torch::autograd::grad({U_r}, {based, wqd, wkd}, {G.to(at::kDouble)});

  at::Tensor U, alpha, beta, q, k, dbase, dwq, dwk;
  if (c.row_groups == 0) {
    // The autograd function as additive_core_cuda.cpp applies it, gradients by autograd.
    const at::Tensor base_leaf = base.clone().requires_grad_(), wq_leaf = wq.clone().requires_grad_(),
                     wk_leaf = wk.clone().requires_grad_();
    const std::vector<at::Tensor> x = blocks(c, base_leaf);
    const auto out = EmulatedCore::apply(x[0], x[1], x[2], mask, wq_leaf, wk_leaf, scale);
    U = out[0], alpha = out[1], beta = out[2], q = out[3], k = out[4];
    const auto got = torch::autograd::grad({U}, {base_leaf, wq_leaf, wk_leaf}, {G});
    dbase = got[0], dwq = got[1], dwk = got[2];
  } else {
    // forward() and backward() on a plan of c.row_groups row groups per chunk (several rounds
    // of loads in flight, a ragged last chunk); the gradients of the views summed here.
    const std::vector<at::Tensor> x = blocks(c, base);
    Launch launch = launch_for(x[0], nullptr);
    launch.plan.chunk = launch.plan.rows * c.row_groups;
    launch.plan.chunks = (T + launch.plan.chunk - 1) / launch.plan.chunk;
    const Forward f = forward(launch, x[0], x[1], x[2], mask, wq, wk, scale);
    const Grads g = backward(launch, G, x[0], x[1], x[2], wq, wk, scale, f);
    U = f.U, alpha = f.alpha, beta = f.beta, q = f.q, k = f.k, dwq = g.dwq, dwk = g.dwk;
    dbase = torch::zeros(base.sizes(), at::kDouble);
    const auto block_of = [&](int i) { return dbase.narrow(2, i * D, D).view({B, T, H, Dh}); };
    block_of(0).add_(g.dQ.to(at::kDouble));
    block_of(1).add_(g.dK.to(at::kDouble));
    block_of(c.shared_qv ? 0 : 2).add_(g.dV.to(at::kDouble));
  }

  const std::pair<const char*, std::pair<at::Tensor, at::Tensor>> checks[] = {
      {"U", {U, U_r}},
      {"alpha", {alpha, alpha_r}},
      {"beta", {beta, beta_r}},
      {"q", {q, q_r}},
      {"k", {k, k_r}},
      {"dQ block", {dbase.narrow(2, 0, D), want[0].narrow(2, 0, D)}},
      {"dK block", {dbase.narrow(2, D, D), want[0].narrow(2, D, D)}},
      {"dV block", {dbase.narrow(2, 2 * D, D), want[0].narrow(2, 2 * D, D)}},
      {"dwq", {dwq, want[1]}},
      {"dwk", {dwk, want[2]}}};
  for (const auto& [what, pair] : checks) {
    ASSERT_FALSE(pair.first.isnan().any().item<bool>()) << what << " has values no kernel wrote";
    EXPECT_LE(rel_err(pair.first, pair.second), c.tol) << what;
  }
}

constexpr auto f32_ = at::kFloat;
constexpr auto f16_ = at::kHalf;
constexpr auto bf16_ = at::kBFloat16;

INSTANTIATE_TEST_SUITE_P(
    Shapes, EmulatedCoreTest,
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
}  // namespace fastformer::kernel::fused
