// fastformer::explain: a document's windows (as inspect() cuts them), then each method asked
// for, timed, its scores copied to the host.
#include "fastformer/explain.h"

#include "explain/ablation.h"
#include "explain/attribution.h"
#include "explain/faithfulness.h"
#include "explain/occlusion.h"
#include "fastformer/error.h"
#include "fastformer/shading.h"
#include "inspect/window_plan.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace fastformer {
namespace {

struct Named {
  AttributionMethod method;
  const char* name;
};
constexpr Named kMethods[] = {{AttributionMethod::alpha, "alpha"},
                              {AttributionMethod::beta, "beta"},
                              {AttributionMethod::gamma, "gamma"},
                              {AttributionMethod::gradient, "gradient"},
                              {AttributionMethod::gradient_x_input, "gradient_x_input"},
                              {AttributionMethod::integrated_gradients, "integrated_gradients"},
                              {AttributionMethod::occlusion, "occlusion"}};

std::vector<float> to_floats(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

// α or β (relative: × the owner window's token count), mean over heads, then over layers;
// or γ on the same scale.
std::vector<float> weight_scores(const Inspection& in, ShadingSpec::Weights weights) {
  ShadingSpec spec;
  spec.weights = weights;
  spec.heads = ShadingSpec::Heads::mean;
  spec.scale = ShadingSpec::Scale::relative;
  if (weights == ShadingSpec::Weights::gamma) return compute_shading(in, spec).values;
  std::vector<float> mean(static_cast<std::size_t>(in.size()), 0.0f);
  for (std::int64_t l = 0; l < in.layers; ++l) {
    spec.layer = l;
    const std::vector<float> values = compute_shading(in, spec).values;
    for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += values[i] / static_cast<float>(in.layers);
  }
  return mean;
}

// Spans of `span` document tokens tiling [1,N); [CLS] (token 0) is left out.
std::vector<std::pair<std::int64_t, std::int64_t>> token_spans(std::int64_t N, std::int64_t span) {
  std::vector<std::pair<std::int64_t, std::int64_t>> spans;
  for (std::int64_t first = 1; first < N; first += span) spans.emplace_back(first, std::min(N, first + span));
  return spans;
}

// The document's sentences (sentence_ranges) as spans, [CLS] (token 0) left out; a span
// shorter than `least` tokens takes in the sentences after it (mail headers are lines of a
// few tokens: one forward each would cost more than the 16-token spans).
std::vector<std::pair<std::int64_t, std::int64_t>> sentence_spans(const std::string& text, const std::vector<InspectToken>& tokens,
                                                                  std::int64_t least) {
  std::vector<std::pair<std::int64_t, std::int64_t>> spans;
  for (auto [first, last] : sentence_ranges(text, tokens)) {
    first = std::max<std::int64_t>(first, 1);
    if (first >= last) continue;
    if (!spans.empty() && spans.back().second - spans.back().first < least) {
      spans.back().second = last;
    } else {
      spans.emplace_back(first, last);
    }
  }
  return spans;
}

// Every attribution's curves, then the mean curve of the random orders, and ρ between them.
Faithfulness measure_faithfulness(Model& net, const WindowBatch& batch, const Explanation& e,
                                  const ExplainOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  for (const double f : options.fractions) {
    if (!(f >= 0.0 && f <= 1.0)) throw Error("fractions must lie in [0,1]", "fractions");
  }
  if (options.random_orders < 1) throw Error("must be at least 1", "random_orders");
  Faithfulness out;
  out.fractions = options.fractions;
  std::vector<std::vector<std::int64_t>> orders;
  for (const Attribution& a : e.attributions) orders.push_back(rank_tokens(a.scores));
  for (std::int64_t r = 0; r < options.random_orders; ++r) {
    orders.push_back(random_order(batch.tokens, options.seed + static_cast<std::uint64_t>(r)));
  }
  const std::vector<Curves> curves = deletion_insertion(net, batch, e.target, orders, options.fractions);
  const auto named = [](std::string name, std::vector<double> deletion, std::vector<double> insertion) {
    FaithfulnessCurve c{std::move(name), std::move(deletion), std::move(insertion)};
    c.aopc_deletion = aopc_deletion(c.deletion);
    c.aopc_insertion = aopc_insertion(c.insertion);
    return c;
  };
  const std::size_t M = e.attributions.size(), F = options.fractions.size();
  for (std::size_t m = 0; m < M; ++m) {
    out.curves.push_back(named(to_string(e.attributions[m].method), curves[m].deletion, curves[m].insertion));
  }
  std::vector<double> deletion(F, 0.0), insertion(F, 0.0);
  for (std::size_t r = M; r < curves.size(); ++r) {
    for (std::size_t f = 0; f < F; ++f) {
      deletion[f] += curves[r].deletion[f] / static_cast<double>(curves.size() - M);
      insertion[f] += curves[r].insertion[f] / static_cast<double>(curves.size() - M);
    }
    out.random_aopc_deletion.push_back(aopc_deletion(curves[r].deletion));
    out.random_aopc_insertion.push_back(aopc_insertion(curves[r].insertion));
    out.random_deletion.push_back(curves[r].deletion);
    out.random_insertion.push_back(curves[r].insertion);
  }
  out.curves.push_back(named("random", deletion, insertion));
  out.spearman.assign(M, std::vector<double>(M, 1.0));
  for (std::size_t a = 0; a < M; ++a) {
    for (std::size_t b = a + 1; b < M; ++b) {
      out.spearman[a][b] = out.spearman[b][a] = spearman(e.attributions[a].scores, e.attributions[b].scores);
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

// One ablation per head and layer for α, then for β; per layer for each; all α, all β, both.
PoolingAblations measure_ablations(Model& net, const WindowBatch& batch, std::int64_t target, double original) {
  const auto start = std::chrono::steady_clock::now();
  const std::int64_t L = net->config().layers, H = net->config().heads;
  const std::int64_t V = 2 * L * H + 2 * L + 3;
  torch::Tensor alpha = torch::ones({V, L, H}), beta = torch::ones({V, L, H});  // (V,L,H)
  std::int64_t v = 0;
  for (torch::Tensor* keep : {&alpha, &beta}) {
    for (std::int64_t l = 0; l < L; ++l)
      for (std::int64_t h = 0; h < H; ++h) (*keep)[v++][l][h] = 0.0;
  }
  for (torch::Tensor* keep : {&alpha, &beta}) {
    for (std::int64_t l = 0; l < L; ++l) (*keep)[v++][l].zero_();
  }
  alpha[v++].zero_();
  beta[v++].zero_();
  alpha[v].zero_(), beta[v].zero_();
  const torch::Tensor p = ablated_probabilities(net, batch, target, alpha, beta).to(torch::kCPU) - original;  // (V)
  const auto pa = p.accessor<double, 1>();
  PoolingAblations out;
  out.layers = L;
  out.heads = H;
  std::int64_t r = 0;
  for (auto* head : {&out.alpha_head, &out.beta_head})
    for (std::int64_t i = 0; i < L * H; ++i) head->push_back(pa[r++]);
  for (auto* layer : {&out.alpha_layer, &out.beta_layer})
    for (std::int64_t l = 0; l < L; ++l) layer->push_back(pa[r++]);
  out.alpha_all = pa[r++];
  out.beta_all = pa[r++];
  out.both_all = pa[r++];
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace

std::string to_string(AttributionMethod method) {
  for (const auto& m : kMethods)
    if (m.method == method) return m.name;
  return "unknown";
}

AttributionMethod attribution_method_from_string(const std::string& name) {
  std::string known;
  for (const auto& m : kMethods) {
    if (name == m.name) return m.method;
    known += (known.empty() ? "" : ", ") + std::string(m.name);
  }
  throw Error("unknown attribution method '" + name + "'", "methods", "one of " + known);
}

const std::vector<AttributionMethod>& all_attribution_methods() {
  static const std::vector<AttributionMethod> all = [] {
    std::vector<AttributionMethod> v;
    for (const auto& m : kMethods) v.push_back(m.method);
    return v;
  }();
  return all;
}

std::vector<AttributionMethod> available_attribution_methods(const ModelConfig& config) {
  std::vector<AttributionMethod> out;
  for (const AttributionMethod m : all_attribution_methods()) {
    const bool weights = m == AttributionMethod::alpha || m == AttributionMethod::beta;
    if (!weights || config.attention == AttentionKind::additive) out.push_back(m);
  }
  return out;
}

const Attribution* Explanation::find(AttributionMethod method) const {
  for (const auto& a : attributions)
    if (a.method == method) return &a;
  return nullptr;
}

Explanation explain(const TrainedModel& model, const std::string& text, const std::vector<AttributionMethod>& methods,
                    const ExplainOptions& options) {
  if (options.ig_steps < 1) throw Error("must be at least 1", "ig_steps");
  if (options.sentence_tokens < 1) throw Error("must be at least 1", "sentence_tokens");
  if (options.occlusion_span < 0 && options.occlusion_span != kSentenceSpans) {
    throw Error("must be 0 (automatic), a number of tokens or kSentenceSpans", "occlusion_span");
  }
  const Plan plan = make_plan(model, text, options.windows);
  Model net = model.checkpoint.model;
  net->eval();

  WindowBatch batch;
  std::tie(batch.ids, batch.mask) = window_inputs(plan);  // (W,T)
  validate_ids(batch.ids, net->config().vocab_size, "explain");
  batch.token = window_token_index(plan);  // (W,T)
  batch.tokens = static_cast<std::int64_t>(plan.encoding.ids.size());
  batch.windows_per_run = std::max<std::int64_t>(1, options.windows.windows_per_batch);

  // Progress: one stage for the prediction, one per method, one each for curves and ablation.
  std::int64_t stage = 0;
  const auto stages = static_cast<std::int64_t>(1 + methods.size() + (options.faithfulness ? 1 : 0) + (options.ablation ? 1 : 0));
  const auto enter = [&](const std::string& name) {
    if (!options.progress) return;
    const std::int64_t index = stage++;
    const auto& report = options.progress;
    batch.on_run = [&report, name, index, stages](std::int64_t done, std::int64_t runs) {
      report({name, index, stages, static_cast<double>(done) / static_cast<double>(std::max<std::int64_t>(1, runs))});
    };
    report({name, index, stages, 0.0});
  };
  enter("prediction");

  Explanation out;
  out.tokens = plan_tokens(model, plan);
  out.labels = model.checkpoint.contents.labels;
  out.windows = static_cast<std::int64_t>(plan.windows.size());
  // α, β and γ read an inspection, whose traced forward of every window also gives the
  // prediction: run it first and use its logits rather than forwarding the windows twice.
  std::optional<Inspection> inspection;  // shared by α, β and γ
  const bool weights = std::any_of(methods.begin(), methods.end(), [](AttributionMethod m) {
    return m == AttributionMethod::alpha || m == AttributionMethod::beta || m == AttributionMethod::gamma;
  });
  if (weights) inspection = inspect(model, text, options.windows);
  const torch::Tensor base = inspection ? torch::tensor(inspection->window_logits).view({out.windows, -1})
                                        : window_logits(net, batch);  // (W,C)
  const torch::Tensor probabilities = document_probabilities(base);
  out.probabilities = to_floats(probabilities);
  const auto C = static_cast<std::int64_t>(out.probabilities.size());
  out.target = options.target >= 0 ? options.target : probabilities.argmax().item<std::int64_t>();
  if (out.target >= C) {
    throw Error("class " + std::to_string(out.target) + " does not exist (the model has " + std::to_string(C) + ")",
                "target");
  }
  out.target_logit = base.select(1, out.target).mean().item<double>();

  std::optional<TokenGradients> gradients;  // shared by gradient and gradient × input
  for (const AttributionMethod method : methods) {
    enter(to_string(method));
    const auto start = std::chrono::steady_clock::now();
    Attribution a;
    a.method = method;
    switch (method) {
      case AttributionMethod::alpha:
      case AttributionMethod::beta:
      case AttributionMethod::gamma: {
        if (method != AttributionMethod::gamma && net->config().attention != AttentionKind::additive) {
          throw Error("α and β need a Fastformer (additive attention) checkpoint", "methods",
                      "use gamma or the gradient and occlusion methods");
        }
        a.is_signed = false;
        a.scores = weight_scores(*inspection, method == AttributionMethod::alpha  ? ShadingSpec::Weights::alpha
                                              : method == AttributionMethod::beta ? ShadingSpec::Weights::beta
                                                                                  : ShadingSpec::Weights::gamma);
        break;
      }
      case AttributionMethod::gradient:
      case AttributionMethod::gradient_x_input:
        if (!gradients) gradients = token_gradients(net, batch, out.target);
        a.is_signed = method == AttributionMethod::gradient_x_input;
        a.scores = to_floats(a.is_signed ? gradients->times_input() : gradients->norm());
        break;
      case AttributionMethod::integrated_gradients: {
        const IntegratedGradients ig = integrated_gradients(net, batch, out.target, options.ig_steps);
        a.scores = to_floats(ig.scores);
        a.delta = ig.delta;
        a.completeness_gap = ig.gap;
        break;
      }
      case AttributionMethod::occlusion: {
        a.span = options.occlusion_span != 0 ? options.occlusion_span : (out.windows == 1 ? 1 : 16);
        const auto spans = a.span == kSentenceSpans ? sentence_spans(text, out.tokens, options.sentence_tokens) : token_spans(batch.tokens, a.span);
        const torch::Tensor occluded = occluded_probabilities(net, batch, base, out.target, spans);  // (S)
        const auto p = to_floats(occluded);
        const float original = out.probabilities[static_cast<std::size_t>(out.target)];
        a.scores.assign(static_cast<std::size_t>(batch.tokens), 0.0f);
        for (std::size_t s = 0; s < spans.size(); ++s) {
          for (std::int64_t i = spans[s].first; i < spans[s].second; ++i) a.scores[static_cast<std::size_t>(i)] = original - p[s];
        }
        break;
      }
    }
    a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.attributions.push_back(std::move(a));
  }
  if (options.faithfulness) {
    enter("curves");
    out.faithfulness = measure_faithfulness(net, batch, out, options);
  }
  if (options.ablation) {
    if (net->config().attention != AttentionKind::additive) {
      throw Error("pooling ablation needs a Fastformer (additive attention) checkpoint", "ablation");
    }
    enter("ablation");
    out.ablation = measure_ablations(net, batch, out.target, out.probabilities[static_cast<std::size_t>(out.target)]);
  }
  return out;
}

}  // namespace fastformer
