// The fused additive core against a float64 loop written from paper Eq. 3–6 (forward) and
// central finite differences of that loop (backward), against float64 autograd of those
// equations at Dh = 64, plus the ATen reference path on shapes that span several kernel
// chunks, padding, strided inputs and extreme scores.
#include "fastformer/additive_core.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <random>
#include <utility>
#include <vector>

namespace fastformer {
namespace {

using Vec = std::vector<double>;

struct CoreInputs {
  std::int64_t B, T, H, Dh;
  Vec q, k, v, wq, wk;  // (B,T,H,Dh) ×3, (H,Dh) ×2
  std::vector<bool> mask;  // (B,T)
  double scale;
};

// U = k ⊙ V with q = Σ α_i Q_i, k = Σ β_i (q ⊙ K_i), as plain loops (paper Eq. 3–6).
Vec loop_core(const CoreInputs& in) {
  const auto H = in.H, Dh = in.Dh, T = in.T, D = H * Dh;
  Vec u(static_cast<std::size_t>(in.B * T * D), 0.0);
  for (std::int64_t b = 0; b < in.B; ++b) {
    for (std::int64_t h = 0; h < H; ++h) {
      const auto at = [&](const Vec& x, std::int64_t t, std::int64_t d) { return x[(b * T + t) * D + h * Dh + d]; };
      // α: softmax over the real tokens of w_q · Q_t · scale.
      Vec score(T), alpha(T, 0.0);
      double top = -1e300, total = 0;
      for (std::int64_t t = 0; t < T; ++t) {
        if (!in.mask[b * T + t]) continue;
        double s = 0;
        for (std::int64_t d = 0; d < Dh; ++d) s += in.wq[h * Dh + d] * at(in.q, t, d);
        score[t] = s * in.scale;
        top = std::max(top, score[t]);
      }
      for (std::int64_t t = 0; t < T; ++t) {
        if (in.mask[b * T + t]) total += (alpha[t] = std::exp(score[t] - top));
      }
      Vec gq(Dh, 0.0);
      for (std::int64_t t = 0; t < T; ++t) {
        for (std::int64_t d = 0; d < Dh; ++d) gq[d] += (total > 0 ? alpha[t] / total : 0.0) * at(in.q, t, d);
      }
      // β over p_t = q ⊙ K_t.
      Vec beta(T, 0.0);
      top = -1e300;
      total = 0;
      for (std::int64_t t = 0; t < T; ++t) {
        if (!in.mask[b * T + t]) continue;
        double s = 0;
        for (std::int64_t d = 0; d < Dh; ++d) s += in.wk[h * Dh + d] * gq[d] * at(in.k, t, d);
        score[t] = s * in.scale;
        top = std::max(top, score[t]);
      }
      for (std::int64_t t = 0; t < T; ++t) {
        if (in.mask[b * T + t]) total += (beta[t] = std::exp(score[t] - top));
      }
      Vec gk(Dh, 0.0);
      for (std::int64_t t = 0; t < T; ++t) {
        for (std::int64_t d = 0; d < Dh; ++d) {
          gk[d] += (total > 0 ? beta[t] / total : 0.0) * gq[d] * at(in.k, t, d);
        }
      }
      for (std::int64_t t = 0; t < T; ++t) {
        for (std::int64_t d = 0; d < Dh; ++d) u[(b * T + t) * D + h * Dh + d] = gk[d] * at(in.v, t, d);
      }
    }
  }
  return u;
}

Vec random_vec(std::size_t n, std::mt19937& rng, double spread = 1.0) {
  std::normal_distribution<double> dist(0.0, spread);
  Vec out(n);
  for (auto& x : out) x = dist(rng);
  return out;
}

CoreInputs make_inputs(std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t Dh, unsigned seed) {
  std::mt19937 rng(seed);
  const auto n = static_cast<std::size_t>(B * T * H * Dh);
  CoreInputs in{B, T, H, Dh, random_vec(n, rng), random_vec(n, rng), random_vec(n, rng),
                random_vec(H * Dh, rng, 2.0), random_vec(H * Dh, rng, 2.0), {}, 1.0 / std::sqrt(double(Dh))};
  in.mask.assign(B * T, true);
  // The second sequence is padded after 3 tokens; a third, if any, has no tokens at all.
  if (B > 1) for (std::int64_t t = 3; t < T; ++t) in.mask[T + t] = false;
  if (B > 2) for (std::int64_t t = 0; t < T; ++t) in.mask[2 * T + t] = false;
  return in;
}

torch::Tensor tensor_of(const Vec& v, std::vector<std::int64_t> shape, bool grad = false) {
  return torch::tensor(v, torch::kDouble).view(shape).clone().requires_grad_(grad);
}

torch::Tensor mask_of(const CoreInputs& in) {
  std::vector<int> m(in.mask.begin(), in.mask.end());
  return torch::tensor(m).view({in.B, in.T}).to(torch::kBool);
}

struct Leaves {
  torch::Tensor q, k, v, wq, wk, mask;
};

Leaves leaves_of(const CoreInputs& in) {
  const std::vector<std::int64_t> s{in.B, in.T, in.H, in.Dh};
  return {tensor_of(in.q, s, true), tensor_of(in.k, s, true), tensor_of(in.v, s, true),
          tensor_of(in.wq, {in.H, in.Dh}, true), tensor_of(in.wk, {in.H, in.Dh}, true), mask_of(in)};
}

TEST(AdditiveCore, ForwardMatchesFloat64Loop) {
  const CoreInputs in = make_inputs(3, 70, 2, 4, 11);  // 70 tokens: three chunks, the last partial
  const Leaves x = leaves_of(in);
  const AdditiveCoreOutput out = additive_core(x.q, x.k, x.v, x.mask, x.wq, x.wk, in.scale);
  const Vec want = loop_core(in);
  const at::Tensor got = out.u.detach().contiguous();
  ASSERT_EQ(got.numel(), static_cast<std::int64_t>(want.size()));
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got.data_ptr<double>()[i], want[i], 1e-12) << i;
  // Weights: 0 on padding, each real sequence's weights sum to 1, the empty one to 0.
  const at::Tensor alpha_sum = out.alpha.sum(1);  // (B,H)
  EXPECT_NEAR(alpha_sum[0][0].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(out.beta.sum(1)[1][1].item<double>(), 1.0, 1e-12);
  EXPECT_EQ(out.alpha[1].slice(0, 3).abs().sum().item<double>(), 0.0);
  EXPECT_EQ(alpha_sum[2].abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(torch::isfinite(out.u).all().item<bool>());
}

TEST(AdditiveCore, GradientsMatchFiniteDifferencesOfTheLoop) {
  const CoreInputs in = make_inputs(2, 37, 2, 3, 5);
  const Leaves x = leaves_of(in);
  std::mt19937 rng(9);
  const Vec weight = random_vec(in.q.size(), rng);  // L = Σ weight ⊙ U
  const AdditiveCoreOutput out = additive_core(x.q, x.k, x.v, x.mask, x.wq, x.wk, in.scale);
  (out.u * tensor_of(weight, {in.B, in.T, in.H, in.Dh})).sum().backward();

  const auto loss = [&](const CoreInputs& p) {
    const Vec u = loop_core(p);
    double total = 0;
    for (std::size_t i = 0; i < u.size(); ++i) total += weight[i] * u[i];
    return total;
  };
  const auto check = [&](Vec CoreInputs::*field, const torch::Tensor& grad, const char* name) {
    const at::Tensor g = grad.contiguous();
    for (std::size_t i = 0; i < (in.*field).size(); i += 7) {  // every 7th entry keeps it fast
      CoreInputs plus = in, minus = in;
      const double h = 1e-6;
      (plus.*field)[i] += h;
      (minus.*field)[i] -= h;
      const double numeric = (loss(plus) - loss(minus)) / (2 * h);
      EXPECT_NEAR(g.data_ptr<double>()[i], numeric, 1e-6 * (1 + std::abs(numeric))) << name << "[" << i << "]";
    }
  };
  check(&CoreInputs::q, x.q.grad(), "dQ");
  check(&CoreInputs::k, x.k.grad(), "dK");
  check(&CoreInputs::v, x.v.grad(), "dV");
  check(&CoreInputs::wq, x.wq.grad(), "dwq");
  check(&CoreInputs::wk, x.wk.grad(), "dwk");
}

// Fused float32 path and ATen's float32 path, both against ATen in float64, on slices of
// one (B,T,3D) projection as the layer passes them, with V shared with Q and scores far
// beyond exp's range (spread 300).
TEST(AdditiveCore, StridedSharedAndExtremeInputsMatchReferencePath) {
  for (const double spread : {1.0, 10.0, 30.0, 300.0}) {
    torch::manual_seed(3);
    const std::int64_t B = 2, T = 200, H = 4, Dh = 16, D = H * Dh;  // Dh = 16: the unrolled kernels
    const torch::Tensor proj32 = (torch::randn({B, T, 3 * D}) * spread);
    const torch::Tensor w32 = torch::randn({2, H, Dh});
    torch::Tensor mask = torch::ones({B, T}, torch::kBool);
    mask.slice(1, 150).select(0, 1).fill_(false);
    const auto run = [&](bool fused, torch::Dtype dtype) {
      const torch::Tensor proj = proj32.to(dtype).requires_grad_(true);
      const torch::Tensor w = w32.to(dtype).requires_grad_(true);
      const torch::Tensor Q = proj.narrow(2, 0, D).view({B, T, H, Dh});  // strided rows
      const torch::Tensor K = proj.narrow(2, D, D).view({B, T, H, Dh});
      const auto f = fused ? additive_core : additive_core_aten;
      const AdditiveCoreOutput out = f(Q, K, Q, mask, w[0], w[1], 0.25);
      const torch::Tensor g = torch::cos(torch::arange(out.u.numel()).to(dtype)).view_as(out.u);
      const auto grads = torch::autograd::grad({(out.u * g).sum()}, {proj, w});
      return std::vector<torch::Tensor>{out.u, out.alpha, out.beta, out.global_q, out.global_k, grads[0], grads[1]};
    };
    const auto fused = run(true, torch::kFloat), ref = run(false, torch::kDouble), aten = run(false, torch::kFloat);
    const char* names[] = {"U", "alpha", "beta", "q", "k", "dproj", "dw"};
    for (std::size_t i = 0; i < fused.size(); ++i) {
      ASSERT_TRUE(torch::isfinite(fused[i]).all().item<bool>()) << names[i] << " spread " << spread;
      const double err = (fused[i] - ref[i]).abs().max().item<double>();
      const double aerr = (aten[i] - ref[i]).abs().max().item<double>();
      const double size = ref[i].abs().max().item<double>();
      // Against float64, the fused float32 path must be about as accurate as ATen's float32
      // path, also where the softmaxes are one-hot and their gradients mostly cancellation.
      EXPECT_LE(err, 4 * aerr + 1e-6 * (1 + size)) << names[i] << " spread " << spread << " ATen error " << aerr;
    }
  }
}

// Dh = 64, the widest head width the CPU kernels unroll (with_head_dim), in float64 and
// float32: U, α, β, q, k and the gradients of the projection and of w_q, w_k, with padding
// and a sequence without tokens, against paper Eq. 3–6 written here as float64 ATen
// operations differentiated by autograd.
TEST(AdditiveCore, HeadWidth64MatchesFloat64Autograd) {
  torch::manual_seed(5);
  const std::int64_t B = 3, T = 70, H = 2, Dh = 64, D = H * Dh;  // 70 tokens: three chunks, the last partial
  const double scale = 1.0 / std::sqrt(double(Dh));
  const torch::Tensor proj64 = torch::randn({B, T, 3 * D}, torch::kDouble);  // (B,T,3D) Q|K|V
  const torch::Tensor w64 = torch::randn({2, H, Dh}, torch::kDouble);        // w_q, w_k (H,Dh)
  const torch::Tensor gu64 = torch::randn({B, T, H, Dh}, torch::kDouble);    // ∂L/∂U
  torch::Tensor mask = torch::ones({B, T}, torch::kBool);                    // (B,T)
  mask[1].slice(0, 45).fill_(false);
  mask[2].fill_(false);
  const torch::Tensor real = mask.unsqueeze(-1).to(torch::kDouble);  // (B,T,1)
  // Softmax over tokens of s (B,T,H), 0 on padding and for a sequence without tokens.
  const auto masked_softmax = [&](const torch::Tensor& s) {
    return torch::softmax(s.masked_fill(mask.unsqueeze(-1).logical_not(), -1e9), 1) * real;
  };
  const auto run = [&](bool fused, torch::Dtype dtype) {
    const torch::Tensor proj = proj64.to(dtype).requires_grad_(true), w = w64.to(dtype).requires_grad_(true);
    const auto block = [&](std::int64_t i) { return proj.narrow(2, i * D, D).view({B, T, H, Dh}); };  // strided rows
    const torch::Tensor Q = block(0), K = block(1), V = block(2), wq = w[0], wk = w[1];
    std::vector<torch::Tensor> out;  // U, α, β, q, k
    if (fused) {
      const AdditiveCoreOutput o = additive_core(Q, K, V, mask, wq, wk, scale);
      out = {o.u, o.alpha, o.beta, o.global_q, o.global_k};
    } else {
      const torch::Tensor alpha = masked_softmax((Q * wq).sum(-1) * scale);  // (B,T,H) Eq. 3
      const torch::Tensor q = (alpha.unsqueeze(-1) * Q).sum(1);              // (B,H,Dh) Eq. 4
      const torch::Tensor P = K * q.unsqueeze(1);                            // p_i = q ⊙ k_i
      const torch::Tensor beta = masked_softmax((P * wk).sum(-1) * scale);   // (B,T,H) Eq. 5
      const torch::Tensor k = (beta.unsqueeze(-1) * P).sum(1);               // (B,H,Dh) Eq. 6
      out = {V * k.unsqueeze(1), alpha, beta, q, k};                         // u_i = k ⊙ v_i
    }
    const auto grads = torch::autograd::grad({out[0]}, {proj, w}, {gu64.to(dtype)});
    out.insert(out.end(), grads.begin(), grads.end());
    return out;
  };
  const auto want = run(false, torch::kDouble);
  const char* names[] = {"U", "alpha", "beta", "q", "k", "dproj", "dw"};
  for (const auto& [dtype, tol] : {std::pair{torch::kDouble, 1e-12}, std::pair{torch::kFloat, 1e-5}}) {
    const auto got = run(true, dtype);
    for (std::size_t i = 0; i < want.size(); ++i) {
      const double err = (got[i].to(torch::kDouble) - want[i]).abs().max().item<double>();
      EXPECT_LE(err, tol * want[i].abs().max().item<double>()) << names[i] << " in " << c10::toString(dtype);
    }
  }
}

// The layer's packed form: Q|K|V blocks of one projection, residual Q + b, gradients
// written whole into d(proj); against the ATen path in float64, V apart and V shared with Q.
TEST(AdditiveCore, PackedFormMatchesReferencePathWithResidual) {
  for (const std::int64_t Dh : {5, 32}) {  // the generic and an unrolled head size
  for (const bool shared : {false, true}) {
    torch::manual_seed(7);
    const std::int64_t B = 3, T = 45, H = 2, D = H * Dh, C = (shared ? 2 : 3) * D;
    const auto leaf = [](torch::Tensor t) { return t.to(torch::kDouble).requires_grad_(true); };
    const torch::Tensor proj = leaf(torch::randn({B, T, C})), wq = leaf(torch::randn({H, Dh})),
                        wk = leaf(torch::randn({H, Dh})), bias = leaf(torch::randn({D}));
    torch::Tensor mask = torch::ones({B, T}, torch::kBool);
    mask[1].slice(0, 20).fill_(false);
    mask[2].fill_(false);
    const torch::Tensor gu = torch::randn({B, T, H, Dh}, torch::kDouble), gr = torch::randn({B, T, D}, torch::kDouble);
    const std::int64_t v_offset = shared ? 0 : 2 * D;
    // Packed, with Q at columns [D, 2D) and K at [0, D) to show the offsets are honoured.
    const PackedCoreOutput packed = additive_core_packed(proj, D, 0, shared ? D : v_offset, H, mask, wq, wk, bias, 0.3);
    const auto got = torch::autograd::grad({(packed.core.u * gu).sum() + (packed.residual * gr).sum()}, {proj, wq, wk, bias});
    const auto block = [&](std::int64_t o) { return proj.narrow(2, o, D).view({B, T, H, Dh}); };
    const AdditiveCoreOutput ref = additive_core_aten(block(D), block(0), block(shared ? D : v_offset), mask, wq, wk, 0.3);
    const torch::Tensor residual = block(D).flatten(2) + bias;
    const auto want = torch::autograd::grad({(ref.u * gu).sum() + (residual * gr).sum()}, {proj, wq, wk, bias});
    EXPECT_TRUE(torch::allclose(packed.core.u, ref.u, 1e-10, 1e-12));
    EXPECT_TRUE(torch::allclose(packed.residual, residual, 1e-12, 1e-12));
    const char* names[] = {"dproj", "dwq", "dwk", "dbias"};
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_TRUE(torch::allclose(got[i], want[i], 1e-9, 1e-11)) << names[i] << (shared ? " shared" : "")
                                                                  << " max error " << (got[i] - want[i]).abs().max().item<double>();
    }
  }
  }
}

// Without a bias the residual is Q itself; an unused residual adds nothing to d(proj).
TEST(AdditiveCore, PackedFormWithoutBiasOrResidualGradient) {
  torch::manual_seed(2);
  const std::int64_t B = 1, T = 40, H = 2, Dh = 16, D = H * Dh;
  const torch::Tensor proj = torch::randn({B, T, 3 * D}, torch::requires_grad());
  const torch::Tensor w = torch::randn({2, H, Dh});
  const torch::Tensor mask = torch::ones({B, T}, torch::kBool);
  const PackedCoreOutput out = additive_core_packed(proj, 0, D, 2 * D, H, mask, w[0], w[1], {}, 0.25);
  EXPECT_TRUE(torch::equal(out.residual, proj.narrow(2, 0, D)));
  const torch::Tensor got = torch::autograd::grad({out.core.u.sum()}, {proj})[0];
  const auto block = [&](std::int64_t o) { return proj.narrow(2, o, D).view({B, T, H, Dh}); };
  const torch::Tensor want =
      torch::autograd::grad({additive_core_aten(block(0), block(D), block(2 * D), mask, w[0], w[1], 0.25).u.sum()}, {proj})[0];
  EXPECT_TRUE(torch::allclose(got, want, 1e-4, 1e-5)) << (got - want).abs().max().item<double>();
}

TEST(AdditiveCore, InferenceRecordsNoGraph) {
  const CoreInputs in = make_inputs(1, 10, 2, 2, 1);
  const Leaves x = leaves_of(in);
  torch::NoGradGuard no_grad;
  const AdditiveCoreOutput out = additive_core(x.q, x.k, x.v, x.mask, x.wq, x.wk, in.scale);
  EXPECT_FALSE(out.u.requires_grad());
}

}  // namespace
}  // namespace fastformer
