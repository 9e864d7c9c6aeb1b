// The fused CUDA additive core (engine/cuda/) against the ATen reference in float64: outputs
// and gradients on random inputs with padding, packed and strided rows, float32, float16 and
// bfloat16, and long sequences. Every test skips without a CUDA device or kernels in the build.
#include "fastformer/additive_core.h"
#include "fastformer/cuda_core.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace fastformer {
namespace {

#define FF_SKIP_WITHOUT_FUSED_CUDA()                                                          \
  do {                                                                                        \
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";                       \
    if (!fused_cuda_core_built()) GTEST_SKIP() << "built without -DFF_CUDA_KERNELS=ON";       \
  } while (0)

// Turns the fused path on for one test and restores the previous setting.
struct FusedOn {
  bool before = fused_cuda_core_enabled();
  FusedOn() { set_fused_cuda_core(true); }
  ~FusedOn() { set_fused_cuda_core(before); }
};

// max |got − want| / max |want|.
double rel_err(const at::Tensor& got, const at::Tensor& want) {
  const at::Tensor g = got.to(at::kCPU, at::kDouble), w = want.to(at::kCPU, at::kDouble);
  const double top = w.abs().max().item<double>();
  return (g - w).abs().max().item<double>() / std::max(top, 1e-30);
}

enum class Layout { separate, packed, shared_qv };

struct Case {
  std::int64_t B, T, H, Dh;
  at::ScalarType type;
  Layout layout;
  double tol;
};

std::string name_of(const Case& c) {
  return "B=" + std::to_string(c.B) + " T=" + std::to_string(c.T) + " H=" + std::to_string(c.H) +
         " Dh=" + std::to_string(c.Dh) + " " + c10::toString(c.type) + " layout " +
         std::to_string(static_cast<int>(c.layout));
}

// (B,T) bool: sequence 0 full, the last one (when B ≥ 3) all padding, the others random lengths.
at::Tensor make_mask(std::int64_t B, std::int64_t T) {
  const at::Tensor lengths = torch::randint(1, T + 1, {B}, torch::kLong);  // (B)
  lengths[0] = T;
  if (B >= 3) lengths[B - 1] = 0;
  return (torch::arange(T).unsqueeze(0) < lengths.unsqueeze(1)).to(torch::kCUDA);  // (B,T)
}

// The leaves of one case and the (B,T,H,Dh) views of them that the core reads.
struct Leaves {
  std::vector<at::Tensor> leaves;  // what gradients are taken of: data tensors, then wq, wk
  at::Tensor q, k, v, wq, wk;
};

Leaves views_of(const Case& c, const std::vector<at::Tensor>& data, const at::Tensor& wq, const at::Tensor& wk) {
  const std::int64_t D = c.H * c.Dh;
  Leaves l;
  l.leaves = data;
  l.leaves.push_back(wq);
  l.leaves.push_back(wk);
  l.wq = wq;
  l.wk = wk;
  const auto block = [&](const at::Tensor& x, std::int64_t offset) {
    return x.narrow(2, offset, D).view({c.B, c.T, c.H, c.Dh});  // (B,T,H,Dh)
  };
  if (c.layout == Layout::separate) {
    l.q = block(data[0], 0), l.k = block(data[1], 0), l.v = block(data[2], 0);
  } else {
    // One (B,T,W) projection with 16 spare columns, so that the rows are not tightly packed.
    l.q = block(data[0], 0), l.k = block(data[0], D);
    l.v = c.layout == Layout::shared_qv ? l.q : block(data[0], 2 * D);
  }
  return l;
}

// Runs the fused core on `c` and the float64 reference on the same values; compares the
// outputs and the gradients of Σ U ⊙ G.
void expect_matches_reference(const Case& c) {
  SCOPED_TRACE(name_of(c));
  const std::int64_t D = c.H * c.Dh;
  const auto cuda64 = torch::TensorOptions().device(torch::kCUDA).dtype(torch::kDouble);
  std::vector<at::Tensor> data;  // float64 master values
  if (c.layout == Layout::separate) {
    for (int i = 0; i < 3; ++i) data.push_back(torch::randn({c.B, c.T, D}, cuda64));  // (B,T,D)
  } else {
    const std::int64_t blocks = c.layout == Layout::shared_qv ? 2 : 3;
    data.push_back(torch::randn({c.B, c.T, blocks * D + 16}, cuda64));  // (B,T,W)
  }
  const at::Tensor wq = torch::randn({c.H, c.Dh}, cuda64), wk = torch::randn({c.H, c.Dh}, cuda64);  // (H,Dh)
  const at::Tensor mask = make_mask(c.B, c.T);                                                       // (B,T)
  const at::Tensor G = torch::randn({c.B, c.T, c.H, c.Dh}, cuda64);                                  // (B,T,H,Dh)
  const double scale = 1.0 / std::sqrt(static_cast<double>(c.Dh));

  const auto leaf = [](const at::Tensor& x, at::ScalarType type) { return x.to(type).detach().requires_grad_(); };
  std::vector<at::Tensor> data_f, data_r;
  // The reference starts from the values rounded to the storage type, so only the core differs.
  for (const auto& x : data) data_f.push_back(leaf(x, c.type));
  for (const auto& x : data_f) data_r.push_back(leaf(x, torch::kDouble));
  const Leaves f = views_of(c, data_f, leaf(wq, c.type), leaf(wk, c.type));
  const Leaves r = views_of(c, data_r, leaf(f.wq, torch::kDouble), leaf(f.wk, torch::kDouble));

  ASSERT_TRUE(fused_cuda_core_applies(f.q, f.k, f.v, mask, f.wq, f.wk));
  const AdditiveCoreOutput got = additive_core(f.q, f.k, f.v, mask, f.wq, f.wk, scale);
  const AdditiveCoreOutput want = additive_core_aten(r.q, r.k, r.v, mask, r.wq, r.wk, scale);
  EXPECT_EQ(got.u.scalar_type(), c.type);
  EXPECT_LE(rel_err(got.u, want.u), c.tol) << "U";
  EXPECT_LE(rel_err(got.alpha, want.alpha), c.tol) << "alpha";
  EXPECT_LE(rel_err(got.beta, want.beta), c.tol) << "beta";
  EXPECT_LE(rel_err(got.global_q, want.global_q), c.tol) << "q";
  EXPECT_LE(rel_err(got.global_k, want.global_k), c.tol) << "k";
  // Padding: α and β are exactly 0 there.
  const at::Tensor pad = mask.logical_not().unsqueeze(-1).expand({c.B, c.T, c.H});  // (B,T,H)
  EXPECT_EQ(got.alpha.masked_select(pad).abs().sum().item<double>(), 0.0);
  EXPECT_EQ(got.beta.masked_select(pad).abs().sum().item<double>(), 0.0);
  EXPECT_FALSE(got.alpha.requires_grad());

  const auto grads_f = torch::autograd::grad({(got.u * G.to(c.type)).sum()}, f.leaves);
  const auto grads_r = torch::autograd::grad({(want.u * G).sum()}, r.leaves);
  ASSERT_EQ(grads_f.size(), grads_r.size());
  for (std::size_t i = 0; i < grads_f.size(); ++i) {
    EXPECT_TRUE(std::isfinite(grads_f[i].to(torch::kDouble).sum().item<double>())) << "gradient " << i;
    EXPECT_LE(rel_err(grads_f[i], grads_r[i]), c.tol) << "gradient " << i << " (data…, wq, wk)";
  }
}

TEST(CudaCore, Float32MatchesReferenceForEveryHeadSize) {
  FF_SKIP_WITHOUT_FUSED_CUDA();
  const FusedOn on;
  torch::manual_seed(1);
  for (const auto& c : std::vector<Case>{{2, 1, 4, 16, torch::kFloat, Layout::separate, 1e-5},
                                         {3, 37, 2, 32, torch::kFloat, Layout::separate, 1e-5},
                                         {4, 1000, 4, 64, torch::kFloat, Layout::separate, 1e-5},
                                         {3, 333, 2, 128, torch::kFloat, Layout::separate, 1e-5},
                                         {2, 4099, 8, 64, torch::kFloat, Layout::separate, 1e-5},
                                         {5, 129, 3, 16, torch::kFloat, Layout::separate, 1e-5},
                                         {3, 700, 16, 64, torch::kFloat, Layout::separate, 1e-5},
                                         {2, 50, 32, 128, torch::kFloat, Layout::separate, 1e-5}}) {
    expect_matches_reference(c);
  }
}

TEST(CudaCore, PackedAndStridedRowsMatchReference) {
  FF_SKIP_WITHOUT_FUSED_CUDA();
  const FusedOn on;
  torch::manual_seed(2);
  for (const auto& c : std::vector<Case>{{3, 257, 4, 32, torch::kFloat, Layout::packed, 1e-5},
                                         {3, 513, 2, 64, torch::kFloat, Layout::shared_qv, 1e-5},
                                         {2, 77, 8, 16, torch::kFloat, Layout::shared_qv, 1e-5},
                                         {3, 300, 4, 128, torch::kBFloat16, Layout::packed, 1e-2}}) {
    expect_matches_reference(c);
  }
}

TEST(CudaCore, HalfAndBFloat16MatchReference) {
  FF_SKIP_WITHOUT_FUSED_CUDA();
  const FusedOn on;
  torch::manual_seed(3);
  for (const auto type : {torch::kHalf, torch::kBFloat16}) {
    for (const auto& c : std::vector<Case>{{2, 1, 4, 16, type, Layout::separate, 1e-2},
                                           {3, 1000, 4, 64, type, Layout::separate, 1e-2},
                                           {3, 333, 2, 128, type, Layout::shared_qv, 1e-2},
                                           {2, 2049, 8, 32, type, Layout::packed, 1e-2}}) {
      expect_matches_reference(c);
    }
  }
}

TEST(CudaCore, LongSequenceMatchesReference) {
  FF_SKIP_WITHOUT_FUSED_CUDA();
  const FusedOn on;
  torch::manual_seed(4);
  expect_matches_reference({2, 65536, 4, 64, torch::kFloat, Layout::separate, 1e-5});
  expect_matches_reference({1, 65536, 2, 32, torch::kBFloat16, Layout::shared_qv, 1e-2});
}

TEST(CudaCore, PackedEntryPointMatchesReference) {
  FF_SKIP_WITHOUT_FUSED_CUDA();
  const FusedOn on;
  torch::manual_seed(5);
  const std::int64_t B = 3, T = 181, H = 4, Dh = 32, D = H * Dh;
  const auto opts = torch::TensorOptions().device(torch::kCUDA);
  const at::Tensor proj = torch::randn({B, T, 2 * D}, opts).requires_grad_();  // (B,T,C) Q|K, V = Q
  const at::Tensor wq = torch::randn({H, Dh}, opts).requires_grad_(), wk = torch::randn({H, Dh}, opts).requires_grad_();
  const at::Tensor bias = torch::randn({D}, opts).requires_grad_();  // (D)
  const at::Tensor mask = make_mask(B, T);                           // (B,T)
  const double scale = 1.0 / std::sqrt(static_cast<double>(Dh));
  const PackedCoreOutput got = additive_core_packed(proj, 0, D, 0, H, mask, wq, wk, bias, scale);

  const auto leaf = [](const at::Tensor& x) { return x.detach().to(torch::kDouble).requires_grad_(); };
  const at::Tensor proj_r = leaf(proj), wq_r = leaf(wq), wk_r = leaf(wk), bias_r = leaf(bias);
  const at::Tensor q_r = proj_r.narrow(2, 0, D).view({B, T, H, Dh}), k_r = proj_r.narrow(2, D, D).view({B, T, H, Dh});
  const AdditiveCoreOutput want = additive_core_aten(q_r, k_r, q_r, mask, wq_r, wk_r, scale);
  const at::Tensor residual_r = q_r.flatten(2) + bias_r;  // (B,T,D)
  EXPECT_LE(rel_err(got.core.u, want.u), 1e-5);
  EXPECT_LE(rel_err(got.residual, residual_r), 1e-6);

  const at::Tensor G = torch::randn({B, T, H, Dh}, opts), Gr = torch::randn({B, T, D}, opts);
  const auto gf = torch::autograd::grad({(got.core.u * G).sum() + (got.residual * Gr).sum()}, {proj, wq, wk, bias});
  const at::Tensor loss_r = (want.u * G.to(torch::kDouble)).sum() + (residual_r * Gr.to(torch::kDouble)).sum();
  const auto gr = torch::autograd::grad({loss_r}, {proj_r, wq_r, wk_r, bias_r});
  for (std::size_t i = 0; i < gf.size(); ++i) EXPECT_LE(rel_err(gf[i], gr[i]), 1e-5) << "gradient " << i;
}

TEST(CudaCore, SwitchAndUnsupportedShapesTakeTheAtenPath) {
  FF_SKIP_WITHOUT_FUSED_CUDA();
  const FusedOn on;
  torch::manual_seed(6);
  const auto opts = torch::TensorOptions().device(torch::kCUDA);
  const at::Tensor mask = make_mask(2, 40);
  const auto run = [&](std::int64_t H, std::int64_t Dh, at::ScalarType type) {
    const at::Tensor Q = torch::randn({2, 40, H, Dh}, opts.dtype(type)), K = torch::randn_like(Q);  // (B,T,H,Dh)
    const at::Tensor wq = torch::randn({H, Dh}, opts.dtype(type)), wk = torch::randn_like(wq);      // (H,Dh)
    const bool fused = fused_cuda_core_applies(Q, K, Q, mask, wq, wk);
    const AdditiveCoreOutput got = additive_core(Q, K, Q, mask, wq, wk, 0.3);
    const auto d = [](const at::Tensor& x) { return x.to(torch::kDouble); };
    const AdditiveCoreOutput want = additive_core_aten(d(Q), d(K), d(Q), mask, d(wq), d(wk), 0.3);
    EXPECT_LE(rel_err(got.u, want.u), type == torch::kDouble ? 1e-12 : 1e-5);
    return fused;
  };
  EXPECT_TRUE(run(4, 32, torch::kFloat));
  EXPECT_FALSE(run(4, 24, torch::kFloat));   // head size without a kernel
  EXPECT_FALSE(run(64, 32, torch::kFloat));  // H·32 > 1024 threads per row
  EXPECT_FALSE(run(4, 32, torch::kDouble));  // float64 stays on ATen
  set_fused_cuda_core(false);
  EXPECT_FALSE(fused_cuda_core_enabled());
  EXPECT_FALSE(run(4, 32, torch::kFloat));
}

}  // namespace
}  // namespace fastformer
