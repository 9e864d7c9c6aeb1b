// `fastformer data stats SPEC`: examples per split, label balance and length percentiles.
#include "commands.h"
#include "data_options.h"

#include "fastformer/data_splits.h"
#include "fastformer/train_config.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

namespace fastformer::cli {
namespace {

struct StatsOptions {
  std::string spec;
  DataOptions data_options;
};

std::int64_t word_count(const std::string& text) {
  std::istringstream words(text);
  std::int64_t n = 0;
  for (std::string w; words >> w;) ++n;
  return n;
}

// Nearest-rank percentile of sorted values.
std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::max(0.0, std::ceil(p / 100.0 * static_cast<double>(sorted.size())) - 1));
  return sorted[std::min(rank, sorted.size() - 1)];
}

void print_split(const char* name, const std::vector<Example>& examples, const std::vector<std::string>& labels) {
  std::map<std::string, std::int64_t> counts;
  std::vector<std::int64_t> words;
  for (const Example& e : examples) {
    ++counts[e.label];
    words.push_back(word_count(e.text));
  }
  std::sort(words.begin(), words.end());
  std::printf("%-6s %7zu examples", name, examples.size());
  for (const auto& label : labels) {
    const double share = examples.empty() ? 0.0 : 100.0 * static_cast<double>(counts[label]) / static_cast<double>(examples.size());
    std::printf("   %s %lld (%.1f%%)", label.c_str(), static_cast<long long>(counts[label]), share);
  }
  std::printf("\n       words per example: p50 %lld  p90 %lld  p99 %lld  max %lld\n",
              static_cast<long long>(percentile(words, 50)), static_cast<long long>(percentile(words, 90)),
              static_cast<long long>(percentile(words, 99)), static_cast<long long>(words.empty() ? 0 : words.back()));
}

void run_stats(const StatsOptions& o) {
  const TrainConfig defaults;
  const DataSplits splits = load_splits(o.spec, o.data_options.to_read_options(),
                                        SplitOptions{defaults.split_seed, defaults.valid_fraction, defaults.test_fraction});
  std::cout << splits.description << "\n";
  std::cout << splits.labels.size() << " labels (class order):";
  for (const auto& label : splits.labels) std::cout << " " << label;
  std::cout << "\n";
  print_split("train", splits.train, splits.labels);
  print_split("valid", splits.valid, splits.labels);
  print_split("test", splits.test, splits.labels);
  std::cout << "rows read " << splits.report.rows << ", bad rows skipped " << splits.report.bad_rows
            << ", invalid UTF-8 replaced " << splits.report.replaced_invalid_utf8 << "\n";
  for (const auto& problem : splits.report.problems) std::cout << "  " << problem << "\n";
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Inspect datasets");
  data->require_subcommand(1);
  auto o = std::make_shared<StatsOptions>();
  auto* stats = data->add_subcommand("stats", "Counts, label balance and length percentiles of a dataset spec");
  stats->add_option("spec", o->spec, "File, split directory, class folders or synthetic:<task>")->required();
  add_data_options(*stats, o->data_options);
  stats->callback([o] {
    prepare_runtime();
    run_stats(*o);
  });
}

}  // namespace fastformer::cli
