// Inspecting a document: tokenize, cut into max_len windows (or truncate), run the model
// with a trace under NoGradGuard on the device its weights are on, and stitch each token's
// weights from its owner window on the host.
#include "fastformer/inspect.h"

#include "fastformer/error.h"
#include "fastformer/model.h"
#include "inspect/window_plan.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace fastformer {
namespace {

struct WindowRun {
  torch::Tensor logits;                  // (W,C)
  std::vector<AttentionTrace> traces;    // one per batch of windows
  torch::Tensor mask;                    // (W,T) bool on the host: the windows' real tokens
};

WindowRun run_windows(const TrainedModel& model, const Plan& plan, std::int64_t hide_first, std::int64_t hide_last,
                      const InspectOptions& options, bool traced) {
  torch::NoGradGuard no_grad;
  Model net = model.checkpoint.model;
  net->eval();
  // The windows go to wherever the caller put the weights (CPU or a CUDA device).
  const torch::Device device = net->parameters().front().device();
  auto [host_ids, host_mask] = window_inputs(plan, hide_first, hide_last);  // (W,T)
  validate_ids(host_ids, net->config().vocab_size, "inspect");  // a tokenizer that outgrew the model
  const torch::Tensor ids = host_ids.to(device), mask = host_mask.to(device);
  const std::int64_t per_batch = std::max<std::int64_t>(1, options.windows_per_batch);
  TraceRequest request;
  request.enabled = traced;
  // Linear attention's implicit T×T weights are extra work, made only where Inspect shows
  // them: one window of at most max_softmax_tokens (softmax's come with its forward).
  const auto N = static_cast<std::int64_t>(plan.encoding.ids.size());
  if (net->config().attention == AttentionKind::linear && (plan.windows.size() > 1 || N > options.max_softmax_tokens)) {
    request.max_softmax_weights = 0;
  }
  WindowRun run;
  run.mask = host_mask;
  std::vector<torch::Tensor> logits;
  for (std::int64_t k = 0; k < ids.size(0); k += per_batch) {
    const std::int64_t end = std::min(ids.size(0), k + per_batch);
    ModelOutput out = net->forward(ids.slice(0, k, end), mask.slice(0, k, end), request);
    logits.push_back(out.logits);  // (b,C)
    if (traced) run.traces.push_back(std::move(*out.trace));
  }
  run.logits = torch::cat(logits, 0);  // (W,C)
  return run;
}

// A host copy of any tensor as float32 values in row-major order.
std::vector<float> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU, torch::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// softmax of the windows' mean logits (Eq. for the classifier: p = softmax(Wc Σγ_i h_i + bc)).
std::vector<float> mean_probabilities(const torch::Tensor& logits) {
  return to_vector(torch::softmax(logits.to(torch::kFloat).mean(0), 0));  // (C)
}

// (N) flat row index of each token's owner position in a (W·T) stack of windows.
torch::Tensor owner_rows(const Plan& plan, std::int64_t T) {
  const auto N = static_cast<std::int64_t>(plan.owner.size());
  torch::Tensor rows = torch::empty({N}, torch::kLong);
  auto r = rows.accessor<std::int64_t, 1>();
  for (std::int64_t i = 0; i < N; ++i) {
    const std::int64_t k = plan.owner[static_cast<std::size_t>(i)];
    const std::int64_t position = i == 0 ? 0 : 1 + i - plan.windows[static_cast<std::size_t>(k)].first;
    r[i] = k * T + position;
  }
  return rows;
}

// Stitches per-window (W,H,T) weights into [H][N] by owner.
torch::Tensor stitch(const torch::Tensor& per_window, const torch::Tensor& rows) {
  const std::int64_t W = per_window.size(0), H = per_window.size(1), T = per_window.size(2);
  const torch::Tensor flat = per_window.permute({0, 2, 1}).reshape({W * T, H});  // (W·T,H)
  return flat.index_select(0, rows.to(flat.device())).t().contiguous();          // (H,N)
}

}  // namespace

Inspection inspect(const TrainedModel& model, const std::string& text, const InspectOptions& options) {
  const Plan plan = make_plan(model, text, options);
  const ModelConfig& config = model.checkpoint.contents.config;
  Inspection out;
  const auto N = static_cast<std::int64_t>(plan.encoding.ids.size());
  out.tokens = plan_tokens(model, plan);
  out.layers = config.layers;
  out.heads = config.heads;
  out.head_dim = config.head_dim();
  out.attention = config.attention;
  out.max_len = plan.max_len;
  out.windows = plan.windows;
  out.owner = plan.owner;
  out.truncated = plan.truncated;
  out.labels = model.checkpoint.contents.labels;

  const WindowRun run = run_windows(model, plan, 0, 0, options, /*traced=*/true);
  out.window_logits = to_vector(run.logits);
  out.probabilities = mean_probabilities(run.logits);
  out.predicted = std::max_element(out.probabilities.begin(), out.probabilities.end()) - out.probabilities.begin();

  const auto T = run.traces.front().pooling.size(1);
  const torch::Tensor rows = owner_rows(plan, T);  // (N)
  std::vector<torch::Tensor> gammas;
  for (const auto& trace : run.traces) gammas.push_back(trace.pooling);
  out.pooling = to_vector(stitch(torch::cat(gammas, 0).unsqueeze(1), rows));  // (1,N)

  if (config.attention == AttentionKind::additive) {
    std::vector<torch::Tensor> alpha, beta, q, k;  // per layer: (H,N), (H,N), (W,H,Dh), (W,H,Dh)
    for (std::int64_t l = 0; l < config.layers; ++l) {
      std::vector<torch::Tensor> a, b, gq, gk;
      for (const auto& trace : run.traces) {
        const LayerTrace& layer = trace.layers[static_cast<std::size_t>(l)];
        a.push_back(layer.alpha), b.push_back(layer.beta);
        gq.push_back(layer.global_query), gk.push_back(layer.global_key);
      }
      alpha.push_back(stitch(torch::cat(a, 0), rows));
      beta.push_back(stitch(torch::cat(b, 0), rows));
      q.push_back(torch::cat(gq, 0));
      k.push_back(torch::cat(gk, 0));
    }
    out.alpha = to_vector(torch::stack(alpha, 0));           // (L,H,N)
    out.beta = to_vector(torch::stack(beta, 0));             // (L,H,N)
    out.global_query = to_vector(torch::stack(q, 1));        // (W,L,H,Dh)
    out.global_key = to_vector(torch::stack(k, 1));          // (W,L,H,Dh)
  } else {
    if (config.attention == AttentionKind::linear) {
      // Each query's share of its window's total, over the window's real tokens: (W,1,T).
      const torch::Tensor real = run.mask.unsqueeze(1).to(torch::kFloat);
      std::vector<torch::Tensor> normalizer;  // per layer (H,N)
      for (std::int64_t l = 0; l < config.layers; ++l) {
        std::vector<torch::Tensor> z;
        for (const auto& trace : run.traces) z.push_back(trace.layers[static_cast<std::size_t>(l)].normalizer);
        const torch::Tensor n = torch::cat(z, 0).to(torch::kCPU, torch::kFloat) * real;  // (W,H,T)
        normalizer.push_back(stitch(n / n.sum(-1, true).clamp_min(1e-30), rows));
      }
      out.normalizer = to_vector(torch::stack(normalizer, 0));  // (L,H,N)
    }
    out.softmax_layer = std::clamp<std::int64_t>(options.softmax_layer, 0, config.layers - 1);
    out.softmax_head = std::clamp<std::int64_t>(options.softmax_head, 0, config.heads - 1);
    const LayerTrace& first = run.traces.front().layers[static_cast<std::size_t>(out.softmax_layer)];
    if (plan.windows.size() == 1 && N <= options.max_softmax_tokens && first.weights.defined()) {
      const LayerTrace& layer = run.traces.front().layers[static_cast<std::size_t>(out.softmax_layer)];
      out.softmax_weights = to_vector(layer.weights[0][out.softmax_head].slice(0, 0, N).slice(1, 0, N));  // (N,N)
    }
  }
  return out;
}

std::vector<float> occlude(const TrainedModel& model, const std::string& text, std::int64_t first_token,
                           std::int64_t last_token, const InspectOptions& options) {
  const Plan plan = make_plan(model, text, options);
  const WindowRun run = run_windows(model, plan, first_token, last_token, options, /*traced=*/false);
  return mean_probabilities(run.logits);
}

}  // namespace fastformer
