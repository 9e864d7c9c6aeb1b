// Deletion/insertion curves as keep-masks over the document tokens, run as one stack of
// window rows; AOPC and Spearman's ρ on the host.
#include "explain/faithfulness.h"

#include "explain/occlusion.h"
#include "explain/packed_rows.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <unordered_map>

namespace fastformer {

std::vector<std::int64_t> rank_tokens(const std::vector<float>& scores) {
  std::vector<std::int64_t> order(scores.size() > 1 ? scores.size() - 1 : 0);
  std::iota(order.begin(), order.end(), 1);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return scores[static_cast<std::size_t>(a)] > scores[static_cast<std::size_t>(b)];
  });
  return order;
}

std::vector<std::int64_t> random_order(std::int64_t tokens, std::uint64_t seed) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(std::max<std::int64_t>(0, tokens - 1)));
  std::iota(order.begin(), order.end(), 1);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  return order;
}

std::int64_t tokens_at(double fraction, std::int64_t n) {
  return std::min(n, static_cast<std::int64_t>(std::ceil(fraction * static_cast<double>(n) - 1e-9)));
}

torch::Tensor kept_probabilities(Model& model, const WindowBatch& batch, std::int64_t target, const torch::Tensor& keep) {
  const std::int64_t V = keep.size(0), W = batch.ids.size(0), T = batch.ids.size(1);
  // keep (V,N) → per window position (V,W,T): a padding position (token −1) stays masked.
  const torch::Tensor token = batch.token.to(torch::kCPU);                  // (W,T)
  const torch::Tensor safe = token.clamp_min(0).view({-1});                 // (W·T)
  const torch::Tensor kept = keep.to(torch::kCPU).index_select(1, safe).view({V, W, T});
  const torch::Tensor mask = (kept & batch.mask.to(torch::kCPU).unsqueeze(0) & token.ge(0).unsqueeze(0)).view({V * W, T});
  const torch::Tensor ids = batch.ids.to(torch::kCPU).unsqueeze(0).expand({V, W, T}).reshape({V * W, T});
  // A window with the same visible tokens in several variants runs once: at small fractions
  // most windows lose no token (deletion) or show none (insertion).
  const torch::Tensor bytes = mask.contiguous();
  const bool* bits = bytes.data_ptr<bool>();
  std::unordered_map<std::string, std::int64_t> seen;
  std::vector<std::int64_t> distinct, index(static_cast<std::size_t>(V * W));
  for (std::int64_t r = 0; r < V * W; ++r) {
    const std::int64_t w = r % W;
    std::string key(reinterpret_cast<const char*>(&w), sizeof w);
    key.append(reinterpret_cast<const char*>(bits + r * T), static_cast<std::size_t>(T));
    const auto [it, added] = seen.emplace(std::move(key), static_cast<std::int64_t>(distinct.size()));
    if (added) distinct.push_back(r);
    index[static_cast<std::size_t>(r)] = it->second;
  }
  const torch::Tensor rows = torch::tensor(distinct, torch::kLong);
  const torch::Tensor logits = packed_row_logits(model, batch, ids.index_select(0, rows), mask.index_select(0, rows));  // (U,C)
  const torch::Tensor all = logits.index_select(0, torch::tensor(index, torch::kLong).to(logits.device()));     // (V·W,C)
  return window_mean_probabilities(batch, all, target);  // (V)
}

std::vector<Curves> deletion_insertion(Model& model, const WindowBatch& batch, std::int64_t target,
                                       const std::vector<std::vector<std::int64_t>>& orders,
                                       const std::vector<double>& fractions) {
  const std::int64_t N = batch.tokens, n = N - 1, F = static_cast<std::int64_t>(fractions.size());
  const auto O = static_cast<std::int64_t>(orders.size());
  // Rows: one keep-set per distinct count of top tokens (every order shares the ones with
  // none: the whole document for deletion, [CLS] alone for insertion), deletion then insertion.
  std::vector<std::vector<bool>> sets;
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> rows(static_cast<std::size_t>(O));  // (del, ins) per f
  std::size_t whole = 0, empty = 0;
  const auto add = [&](std::vector<bool> set) { sets.push_back(std::move(set)); return sets.size() - 1; };
  whole = add(std::vector<bool>(static_cast<std::size_t>(N), true));
  std::vector<bool> cls(static_cast<std::size_t>(N), false);
  cls[0] = true;
  empty = add(cls);
  for (std::int64_t o = 0; o < O; ++o) {
    const auto& order = orders[static_cast<std::size_t>(o)];
    for (std::int64_t f = 0; f < F; ++f) {
      const std::int64_t top = tokens_at(fractions[static_cast<std::size_t>(f)], n);
      if (top == 0) {
        rows[static_cast<std::size_t>(o)].emplace_back(whole, empty);
        continue;
      }
      std::vector<bool> del(static_cast<std::size_t>(N), true), ins = cls;
      for (std::int64_t r = 0; r < top; ++r) {
        const auto token = static_cast<std::size_t>(order[static_cast<std::size_t>(r)]);
        del[token] = false;
        ins[token] = true;
      }
      const std::size_t d = add(std::move(del)), i = add(std::move(ins));
      rows[static_cast<std::size_t>(o)].emplace_back(d, i);
    }
  }
  torch::Tensor keep = torch::zeros({static_cast<std::int64_t>(sets.size()), N}, torch::kBool);  // (V,N)
  auto k = keep.accessor<bool, 2>();
  for (std::size_t v = 0; v < sets.size(); ++v)
    for (std::int64_t i = 0; i < N; ++i) k[static_cast<std::int64_t>(v)][i] = sets[v][static_cast<std::size_t>(i)];
  const torch::Tensor p = kept_probabilities(model, batch, target, keep).to(torch::kCPU);  // (V)
  const auto pa = p.accessor<double, 1>();
  std::vector<Curves> curves(static_cast<std::size_t>(O));
  for (std::int64_t o = 0; o < O; ++o) {
    for (const auto& [d, i] : rows[static_cast<std::size_t>(o)]) {
      curves[static_cast<std::size_t>(o)].deletion.push_back(pa[static_cast<std::int64_t>(d)]);
      curves[static_cast<std::size_t>(o)].insertion.push_back(pa[static_cast<std::int64_t>(i)]);
    }
  }
  return curves;
}

double aopc_deletion(const std::vector<double>& curve) {
  if (curve.empty()) return 0.0;
  double sum = 0.0;
  for (const double p : curve) sum += curve.front() - p;
  return sum / static_cast<double>(curve.size());
}

double aopc_insertion(const std::vector<double>& curve) {
  if (curve.empty()) return 0.0;
  double sum = 0.0;
  for (const double p : curve) sum += p - curve.front();
  return sum / static_cast<double>(curve.size());
}

namespace {

// Ranks 1…n of the document tokens' scores (1 = smallest), ties sharing their mean rank.
std::vector<double> ranks(const std::vector<float>& scores) {
  const std::vector<std::int64_t> by = rank_tokens(scores);  // largest first
  std::vector<double> out(by.size());
  for (std::size_t r = 0; r < by.size();) {
    std::size_t end = r;
    while (end < by.size() && scores[static_cast<std::size_t>(by[end])] == scores[static_cast<std::size_t>(by[r])]) ++end;
    const double mean_rank = static_cast<double>(by.size()) - (static_cast<double>(r + end - 1) / 2.0);
    for (std::size_t t = r; t < end; ++t) out[static_cast<std::size_t>(by[t] - 1)] = mean_rank;
    r = end;
  }
  return out;
}

}  // namespace

double spearman(const std::vector<float>& a, const std::vector<float>& b) {
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const auto n = static_cast<double>(ra.size());
  if (ra.size() < 2 || ra.size() != rb.size()) return 0.0;
  const double mean = (n + 1.0) / 2.0;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) * (ra[i] - mean);
    sbb += (rb[i] - mean) * (rb[i] - mean);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

}  // namespace fastformer
