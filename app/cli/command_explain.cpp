// `fastformer explain`: which tokens of one document a trained checkpoint's prediction rests
// on, by gradient, gradient × input, Integrated Gradients and occlusion: each method's most
// important tokens, its time, and (--out) every token's score as JSON with byte offsets.
#include "output_file.h"
#include "commands.h"
#include "explain_options.h"

#include "fastformer/error.h"
#include "fastformer/explain.h"
#include "fastformer/runtime.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <numeric>
#include <tuple>
#include <sstream>

namespace fastformer::cli {
namespace {

std::int64_t parse_target(const std::string& target, const std::vector<std::string>& labels) {
  if (target.empty()) return -1;
  for (std::size_t c = 0; c < labels.size(); ++c)
    if (labels[c] == target) return static_cast<std::int64_t>(c);
  std::string known;
  for (const auto& l : labels) known += (known.empty() ? "" : ", ") + l;
  if (std::all_of(target.begin(), target.end(), [](unsigned char c) { return std::isdigit(c); })) {
    const std::int64_t c = std::stoll(target);
    if (c < static_cast<std::int64_t>(labels.size())) return c;
  }
  throw Error("no class '" + target + "'", "--target", "one of " + known);
}

// AOPC of each method against random orders (mean ± sd over the orders), and ρ between methods.
void print_faithfulness(const Faithfulness& f) {
  const auto mean_sd = [](const std::vector<double>& v) {
    double mean = 0, var = 0;
    for (const double x : v) mean += x / static_cast<double>(v.size());
    for (const double x : v) var += (x - mean) * (x - mean) / static_cast<double>(std::max<std::size_t>(1, v.size() - 1));
    return std::pair<double, double>{mean, std::sqrt(var)};
  };
  std::cout << "\nfaithfulness (" << std::setprecision(2) << f.seconds << " s): p(target) with the top-ranked tokens "
            << "deleted / only them inserted, at";
  for (const double x : f.fractions) std::cout << " " << std::setprecision(0) << 100 * x << "%";
  std::cout << " of the tokens\n" << std::left << std::setw(22) << "method" << std::right << std::setw(16)
            << "AOPC deletion" << std::setw(17) << "AOPC insertion" << "\n";
  const auto [del_mean, del_sd] = mean_sd(f.random_aopc_deletion);
  const auto [ins_mean, ins_sd] = mean_sd(f.random_aopc_insertion);
  for (const FaithfulnessCurve& c : f.curves) {
    std::cout << std::left << std::setw(22) << c.name << std::right << std::setprecision(4) << std::setw(16)
              << c.aopc_deletion << std::setw(17) << c.aopc_insertion;
    if (c.name == "random") {
      std::cout << "   (" << f.random_aopc_deletion.size() << " orders; sd " << std::setprecision(4) << del_sd << " / "
                << ins_sd << ")";
    } else if (c.aopc_deletion <= del_mean + del_sd && c.aopc_insertion <= ins_mean + ins_sd) {
      std::cout << "   no better than random on this document";
    }
    std::cout << "\n";
  }
}

// Δp(target) per head and layer when its α (β) is made uniform, then per layer and for all.
void print_ablation(const PoolingAblations& a) {
  std::cout << "\npooling ablation (" << std::setprecision(2) << a.seconds
            << " s): change in p(target) when a head's weights are made uniform\n";
  for (const auto& [name, heads, layers] : {std::tuple{"alpha", &a.alpha_head, &a.alpha_layer},
                                             std::tuple{"beta", &a.beta_head, &a.beta_layer}}) {
    std::cout << std::left << std::setw(9) << name << std::right;
    for (std::int64_t h = 0; h < a.heads; ++h) std::cout << std::setw(10) << ("head " + std::to_string(h));
    std::cout << std::setw(11) << "all heads" << "\n";
    for (std::int64_t l = 0; l < a.layers; ++l) {
      std::cout << std::left << std::setw(9) << ("layer " + std::to_string(l)) << std::right << std::setprecision(4);
      for (std::int64_t h = 0; h < a.heads; ++h) std::cout << std::setw(10) << (*heads)[static_cast<std::size_t>(l * a.heads + h)];
      std::cout << std::setw(11) << (*layers)[static_cast<std::size_t>(l)] << "\n";
    }
  }
  std::cout << "every alpha " << std::setprecision(4) << a.alpha_all << ", every beta " << a.beta_all << ", both "
            << a.both_all << "\n";
}

void run_explain(const ExplainCliOptions& o) {
  if (!o.data.empty()) {
    if (!o.document.empty()) throw Error("give a document or --data, not both", "fastformer explain");
    return run_explain_dataset(o);
  }
  if (o.document.empty()) throw Error("no document", "fastformer explain", "give a document, or --data SPEC for a dataset split");
  std::vector<AttributionMethod> methods = parse_methods(o.methods);
  const std::string out_format = std::filesystem::path(o.out).extension().string();
  if (!o.out.empty() && out_format != ".json" && out_format != ".safetensors") {
    throw Error("--out must end in .json or .safetensors", o.out);
  }
  prepare_runtime();
  const torch::Device device = parse_device(o.device);
  const Document document = read_document(o.document);
  TrainedModel trained = load_trained_model(o.checkpoint);
  trained.checkpoint.model->to(device);  // explain() runs where the weights are
  if (methods.empty()) methods = available_attribution_methods(trained.checkpoint.contents.config);
  ExplainOptions options;
  options.target = parse_target(o.target, trained.checkpoint.contents.labels);
  options.ig_steps = o.ig_steps;
  options.occlusion_span = parse_span(o.span);
  options.windows.overlap = o.overlap;
  options.faithfulness = o.curves;
  options.ablation = o.ablation && trained.checkpoint.contents.config.attention == AttentionKind::additive;
  const Explanation e = explain(trained, document.text, methods, options);

  const auto& labels = e.labels;
  std::cout << document.source << ": explaining '" << labels[static_cast<std::size_t>(e.target)] << "'";
  for (std::size_t c = 0; c < labels.size(); ++c) {
    std::cout << "  " << labels[c] << "=" << std::fixed << std::setprecision(4) << e.probabilities[c];
  }
  std::cout << "\n" << e.tokens.size() - 1 << " tokens (+[CLS]), " << e.windows << (e.windows == 1 ? " window" : " windows")
            << ", target logit " << std::setprecision(4) << e.target_logit << "\n";
  for (const Attribution& a : e.attributions) {
    std::cout << "\n" << to_string(a.method) << " (" << std::setprecision(2) << a.seconds << " s";
    if (a.method == AttributionMethod::integrated_gradients) {
      std::cout << ", " << options.ig_steps << " steps, f(x)-f(baseline) " << std::setprecision(4) << a.delta
                << ", completeness gap " << std::setprecision(2) << 100.0 * a.completeness_gap << "%";
    }
    if (a.method == AttributionMethod::occlusion) {
      std::cout << (a.span == kSentenceSpans ? std::string(", by sentence")
                                             : ", spans of " + std::to_string(a.span) + (a.span == 1 ? " token" : " tokens"));
    }
    std::cout << ")\n";
    // The largest scores (signed methods: the tokens that support the target most).
    std::vector<std::size_t> order(a.scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return a.scores[x] > a.scores[y]; });
    const auto shown = std::min<std::size_t>(order.size(), static_cast<std::size_t>(std::max<std::int64_t>(0, o.top)));
    for (std::size_t r = 0; r < shown; ++r) {
      const InspectToken& t = e.tokens[order[r]];
      std::cout << std::setw(4) << r + 1 << "  " << std::setw(10) << std::setprecision(5) << a.scores[order[r]] << "  "
                << t.piece << "  @" << t.begin << "\n";
    }
  }
  if (!e.faithfulness.curves.empty()) print_faithfulness(e.faithfulness);
  if (!e.ablation.empty()) print_ablation(e.ablation);
  if (!o.out.empty()) {
    if (out_format == ".json") {
      write_output_file(o.out, explanation_json(e).dump() + "\n");
    } else {
      save_explanation_safetensors(o.out, e);
    }
    std::cout << "\nscores: " << o.out << "\n";
  }
  if (!o.html.empty()) {
    write_output_file(o.html, explanation_html(e, document.text));
    std::cout << "report: " << o.html << "\n";
  }
}

}  // namespace

std::vector<AttributionMethod> parse_methods(const std::string& list) {
  std::vector<AttributionMethod> methods;
  if (list == "all") return methods;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    try {
      methods.push_back(attribution_method_from_string(name));
    } catch (const Error& e) {
      throw Error(e.problem(), "--methods", e.hint());
    }
  }
  if (methods.empty()) throw Error("no method named", "--methods", "e.g. --methods gradient,occlusion, or all");
  return methods;
}

std::int64_t parse_span(const std::string& span) {
  if (span == "sentence") return kSentenceSpans;
  std::int64_t tokens = -1;
  const auto [end, error] = std::from_chars(span.data(), span.data() + span.size(), tokens);
  if (error != std::errc() || end != span.data() + span.size() || tokens < 0) {
    throw Error("'" + span + "' is not a number of tokens", "--span", "give 0 (automatic), N tokens, or sentence");
  }
  return tokens;
}

void add_explain_command(CLI::App& app) {
  auto o = std::make_shared<ExplainCliOptions>();
  auto* cmd = app.add_subcommand("explain", "Which tokens of one document a prediction rests on (attributions)");
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint or run directory (uses its best/)")->required();
  cmd->add_option("document", o->document, "A .txt, .md, .html, .eml or .json document");
  cmd->add_option("--data", o->data, "Explain the documents of a dataset's --split instead (faithfulness table)");
  cmd->add_option("--split", o->split, "With --data: test | valid | train | all")
      ->check(CLI::IsMember({"test", "valid", "train", "all"}))
      ->capture_default_str();
  cmd->add_option("--limit", o->limit, "With --data: at most this many documents")->capture_default_str();
  cmd->add_option("--methods", o->methods, "Comma-separated: alpha, beta, gamma, gradient, gradient_x_input, integrated_gradients, occlusion; "
                  "or all (those the checkpoint has: alpha and beta need additive attention)")
      ->capture_default_str();
  cmd->add_option("--target", o->target, "The class to explain, by label or number (default: the predicted one)");
  cmd->add_option("--ig-steps", o->ig_steps, "Integrated Gradients: points on the path")->capture_default_str();
  cmd->add_option("--span", o->span,
                  "Occlusion: tokens per span (0: 1 in one window, 16 for longer documents), or sentence "
                  "(sentences; one under 16 tokens joined with the next)")
      ->capture_default_str();
  cmd->add_option("--top", o->top, "Tokens listed per method")->capture_default_str();
  cmd->add_option("--overlap", o->overlap, "Tokens shared by neighbouring windows")->capture_default_str();
  cmd->add_flag("!--no-curves", o->curves, "Skip the deletion and insertion curves (faithfulness)");
  cmd->add_flag("!--no-ablation", o->ablation,
                "Skip the pooling ablation (a Fastformer's heads with uniform α or β: 2·L·H + 2·L + 3 runs of every window)");
  cmd->add_option("--out", o->out,
                  "Write every token's scores with byte offsets (and the curves) as FILE.json or FILE.safetensors");
  cmd->add_option("--html", o->html, "Write a standalone HTML report: the text shaded by each method, and the AOPC table");
  cmd->add_option("--device", o->device, "cpu | cuda | cuda:N")->capture_default_str();
  add_data_options(*cmd, o->data_options);
  cmd->callback([o] { run_explain(*o); });
}

}  // namespace fastformer::cli
