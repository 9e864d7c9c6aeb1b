// `fastformer explain --data SPEC`: faithfulness over a dataset split (the split as training
// made it): every document explained with curves for its predicted class, then a table of
// AOPC mean ± sd per method against random orders, and the per-document curves as JSON.
#include "output_file.h"
#include "explain_options.h"

#include "commands.h"

#include "fastformer/data_splits.h"
#include "fastformer/error.h"
#include "fastformer/runtime.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <fstream>
#include <iomanip>
#include <iostream>

namespace fastformer::cli {
namespace {

void print_summary(const std::vector<FaithfulnessSummary>& summary, std::size_t documents) {
  std::cout << "\n" << std::left << std::setw(22) << "method" << std::right << std::setw(22) << "AOPC deletion"
            << std::setw(22) << "AOPC insertion" << std::setw(15) << "beats random" << std::setw(12) << "s / doc"
            << "   (" << documents << " documents)\n";
  for (const FaithfulnessSummary& s : summary) {
    std::ostringstream del, ins;
    del << std::fixed << std::setprecision(4) << s.aopc_deletion << " ± " << s.aopc_deletion_sd;
    ins << std::fixed << std::setprecision(4) << s.aopc_insertion << " ± " << s.aopc_insertion_sd;
    std::cout << std::left << std::setw(22) << s.name << std::right << std::setw(22) << del.str() << std::setw(22)
              << ins.str() << std::setw(14) << std::fixed << std::setprecision(1)
              << (s.name == "random" ? 0.0 : 100.0 * s.beats_random) << "%" << std::setw(12) << std::setprecision(3)
              << s.seconds << "\n";
  }
}

nlohmann::json summary_json(const std::vector<FaithfulnessSummary>& summary) {
  nlohmann::json out = nlohmann::json::array();
  for (const FaithfulnessSummary& s : summary) {
    out.push_back({{"name", s.name},
                   {"documents", s.documents},
                   {"aopc_deletion", s.aopc_deletion},
                   {"aopc_deletion_sd", s.aopc_deletion_sd},
                   {"aopc_insertion", s.aopc_insertion},
                   {"aopc_insertion_sd", s.aopc_insertion_sd},
                   {"beats_random", s.beats_random},
                   {"seconds", s.seconds}});
  }
  return out;
}

}  // namespace

void run_explain_dataset(const ExplainCliOptions& o) {
  std::vector<AttributionMethod> methods = parse_methods(o.methods);
  if (!o.target.empty()) throw Error("--target is for one document", "--data", "each document is explained for its predicted class");
  if (o.limit < 1) throw Error("must be at least 1", "--limit");
  if (!o.out.empty() && std::filesystem::path(o.out).extension() != ".json") throw Error("--out must end in .json", o.out);
  prepare_runtime();
  const torch::Device device = parse_device(o.device);
  TrainedModel trained = load_trained_model(o.checkpoint);
  trained.checkpoint.model->to(device);
  if (methods.empty()) methods = available_attribution_methods(trained.checkpoint.contents.config);
  ReadOptions read = o.data_options.to_read_options();
  read.known_labels = trained.checkpoint.contents.labels;
  // The same split rule as training, so "test" is the part training never saw.
  const DataSplits splits = load_splits(
      o.data, read, SplitOptions{trained.train.split_seed, trained.train.valid_fraction, trained.train.test_fraction});
  std::vector<Example> examples = select_split(splits, o.split);
  if (examples.empty()) throw Error("the " + o.split + " split is empty", o.data);
  if (static_cast<std::int64_t>(examples.size()) > o.limit) examples.resize(static_cast<std::size_t>(o.limit));

  ExplainOptions options;
  options.ig_steps = o.ig_steps;
  options.occlusion_span = parse_span(o.span);
  options.windows.overlap = o.overlap;
  options.faithfulness = true;
  const auto& labels = trained.checkpoint.contents.labels;
  std::vector<Explanation> explanations;
  nlohmann::json documents = nlohmann::json::array();
  std::int64_t correct = 0, tokens = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t d = 0; d < examples.size(); ++d) {
    Explanation e = explain(trained, examples[d].text, methods, options);
    correct += labels[static_cast<std::size_t>(e.target)] == examples[d].label;
    tokens += static_cast<std::int64_t>(e.tokens.size());
    nlohmann::json curves = explanation_json(e).at("faithfulness");
    // Each method's top token, by score and by magnitude (a signed method may rank the
    // decisive token first by |score| only): a task with a known answer checks it.
    nlohmann::json top = nlohmann::json::object(), top_abs = nlohmann::json::object();
    for (const Attribution& a : e.attributions) {
      std::size_t best = 1, best_abs = 1;  // [CLS] (token 0) is never ranked
      for (std::size_t i = 1; i < a.scores.size(); ++i) {
        if (a.scores[i] > a.scores[best]) best = i;
        if (std::abs(a.scores[i]) > std::abs(a.scores[best_abs])) best_abs = i;
      }
      if (a.scores.size() > 1) {
        top[to_string(a.method)] = e.tokens[best].piece;
        top_abs[to_string(a.method)] = e.tokens[best_abs].piece;
      }
    }
    documents.push_back({{"index", d},
                         {"label", examples[d].label},
                         {"predicted", labels[static_cast<std::size_t>(e.target)]},
                         {"p_predicted", e.probabilities[static_cast<std::size_t>(e.target)]},
                         {"tokens", e.tokens.size()},
                         {"top", std::move(top)},
                         {"top_abs", std::move(top_abs)},
                         {"faithfulness", std::move(curves)}});
    e.tokens.clear();  // the table needs the curves and times only
    for (auto& a : e.attributions) a.scores.clear();
    explanations.push_back(std::move(e));
    std::cerr << "\rexplained " << d + 1 << " / " << examples.size() << std::flush;
  }
  std::cerr << "\n";
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::vector<FaithfulnessSummary> summary = summarize_faithfulness(explanations);
  std::cout << trained.dir.string() << " on " << o.data << " (" << o.split << " split, " << examples.size()
            << " documents, " << tokens / static_cast<std::int64_t>(examples.size()) << " tokens on average, "
            << std::fixed << std::setprecision(1) << 100.0 * static_cast<double>(correct) / static_cast<double>(examples.size())
            << "% predicted correctly, " << std::setprecision(1) << seconds << " s)\n"
            << "each document explained for its predicted class; AOPC over deletion / insertion of";
  for (const double f : options.fractions) std::cout << " " << std::setprecision(0) << 100 * f << "%";
  std::cout << " of its tokens; beats random: deletion AOPC above the mean + sd of "
            << options.random_orders << " random orders on the same document\n";
  print_summary(summary, examples.size());
  if (!o.out.empty()) {
    write_output_file(o.out, nlohmann::json{{"checkpoint", trained.dir.string()},
                                            {"data", o.data},
                                            {"split", o.split},
                                            {"fractions", options.fractions},
                                            {"summary", summary_json(summary)},
                                            {"documents", std::move(documents)}}
                                 .dump() +
                                 "\n");
    std::cout << "\ncurves: " << o.out << "\n";
  }
}

}  // namespace fastformer::cli
