// Packing: per row its kept columns (column 0 always, for [CLS] pooling, then every real
// one), rows longest first, runs filled up to a token budget, logits put back in row order.
#include "explain/packed_rows.h"

#include "fastformer/tokenizer.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

namespace fastformer {

torch::Tensor packed_row_logits(Model& model, const WindowBatch& batch, const torch::Tensor& ids,
                                const torch::Tensor& mask) {
  torch::NoGradGuard no_grad;
  const torch::Device device = model->parameters().front().device();
  const std::int64_t R = ids.size(0), T = ids.size(1);
  const torch::Tensor host_ids = ids.to(torch::kCPU).contiguous(), host_mask = mask.to(torch::kCPU).contiguous();
  const auto id = host_ids.accessor<std::int64_t, 2>();
  const auto real = host_mask.accessor<bool, 2>();
  std::vector<std::vector<std::int64_t>> columns(static_cast<std::size_t>(R));
  for (std::int64_t r = 0; r < R; ++r) {
    auto& kept = columns[static_cast<std::size_t>(r)];
    kept.push_back(0);
    for (std::int64_t t = 1; t < T; ++t)
      if (real[r][t]) kept.push_back(t);
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(R));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return columns[static_cast<std::size_t>(a)].size() > columns[static_cast<std::size_t>(b)].size();
  });
  // Runs [begin,end) of `order`: a run's width is its first (longest) row's; it takes rows
  // while rows × width stays within the tokens of windows_per_run full windows.
  const std::int64_t budget = std::max<std::int64_t>(1, batch.windows_per_run) * T;
  std::vector<std::pair<std::int64_t, std::int64_t>> runs;
  for (std::int64_t begin = 0; begin < R;) {
    const auto width = static_cast<std::int64_t>(columns[static_cast<std::size_t>(order[static_cast<std::size_t>(begin)])].size());
    const std::int64_t end = std::min(R, begin + std::max<std::int64_t>(1, budget / width));
    runs.emplace_back(begin, end);
    begin = end;
  }
  torch::Tensor logits = torch::empty({R, model->config().classes},
                                      model->parameters().front().options());  // (R,C), filled run by run
  for (std::size_t k = 0; k < runs.size(); ++k) {
    if (batch.on_run) batch.on_run(static_cast<std::int64_t>(k), static_cast<std::int64_t>(runs.size()));
    const auto [begin, end] = runs[k];
    const std::int64_t n = end - begin;
    const auto width = static_cast<std::int64_t>(columns[static_cast<std::size_t>(order[static_cast<std::size_t>(begin)])].size());
    torch::Tensor run_ids = torch::full({n, width}, kPadId, torch::kLong);   // (n,width)
    torch::Tensor run_mask = torch::zeros({n, width}, torch::kBool);         // (n,width)
    torch::Tensor run_positions = torch::zeros({n, width}, torch::kLong);    // (n,width)
    auto ri = run_ids.accessor<std::int64_t, 2>();
    auto rm = run_mask.accessor<bool, 2>();
    auto rp = run_positions.accessor<std::int64_t, 2>();
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t r = order[static_cast<std::size_t>(begin + j)];
      const auto& kept = columns[static_cast<std::size_t>(r)];
      for (std::size_t c = 0; c < kept.size(); ++c) {
        const auto col = static_cast<std::int64_t>(c);
        ri[j][col] = id[r][kept[c]];
        rm[j][col] = real[r][kept[c]];
        rp[j][col] = kept[c];
      }
    }
    TraceRequest request;
    request.positions = run_positions.to(device);
    const torch::Tensor out = model->forward(run_ids.to(device), run_mask.to(device), request).logits;  // (n,C)
    const std::vector<std::int64_t> rows(order.begin() + begin, order.begin() + end);
    logits.index_copy_(0, torch::tensor(rows, torch::kLong).to(device), out);
  }
  return logits;  // (R,C)
}

}  // namespace fastformer
