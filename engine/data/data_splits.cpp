// Data spec resolution and seeded, stratified splitting.
#include "fastformer/data_splits.h"

#include "fastformer/error.h"
#include "data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

namespace fastformer {
namespace fs = std::filesystem;
namespace {

// The first existing "<stem>.<ext>" in `dir`, or empty.
fs::path find_split_file(const fs::path& dir, const std::vector<std::string>& stems) {
  for (const auto& stem : stems) {
    for (const char* ext : {".jsonl", ".tsv", ".csv"}) {
      const fs::path p = dir / (stem + ext);
      if (fs::is_regular_file(p)) return p;
    }
  }
  return {};
}

void add_report(ReadReport& total, const ReadReport& part) {
  total.rows += part.rows;
  total.bad_rows += part.bad_rows;
  total.replaced_invalid_utf8 += part.replaced_invalid_utf8;
  for (const auto& p : part.problems) {
    if (total.problems.size() < 20) total.problems.push_back(p);
  }
}

void add_labels(std::vector<std::string>& labels, const std::vector<Example>& examples) {
  for (const Example& e : examples) {
    if (std::find(labels.begin(), labels.end(), e.label) == labels.end()) labels.push_back(e.label);
  }
}

// Per label: shuffle by seed, the first test share to `test`, the next valid share to
// `valid`, the rest to `train`. Each part keeps the input order.
void split_stratified(std::vector<Example> all, const SplitOptions& o, bool need_valid, bool need_test,
                      DataSplits& out) {
  std::map<std::string, std::vector<std::size_t>> by_label;
  for (std::size_t i = 0; i < all.size(); ++i) by_label[all[i].label].push_back(i);
  std::vector<char> part(all.size(), 't');  // t train, v valid, s test
  std::mt19937_64 rng(o.seed);
  for (auto& [label, indices] : by_label) {
    for (std::size_t i = indices.size(); i > 1; --i) std::swap(indices[i - 1], indices[rng() % i]);
    const auto n = static_cast<double>(indices.size());
    const auto n_test = need_test ? static_cast<std::size_t>(std::round(n * o.test_fraction)) : 0;
    const auto n_valid = need_valid ? static_cast<std::size_t>(std::round(n * o.valid_fraction)) : 0;
    for (std::size_t k = 0; k < indices.size(); ++k) {
      part[indices[k]] = k < n_test ? 's' : (k < n_test + n_valid ? 'v' : 't');
    }
  }
  out.train.clear();
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto& target = part[i] == 's' ? out.test : (part[i] == 'v' ? out.valid : out.train);
    target.push_back(std::move(all[i]));
  }
}

}  // namespace

DataSplits load_splits(const std::string& spec, const ReadOptions& read, const SplitOptions& split) {
  DataSplits out;
  if (is_synthetic_spec(spec)) {
    const SyntheticSpec synthetic = parse_synthetic_spec(spec);
    out.labels = synthetic_labels(synthetic);
    split_stratified(generate_synthetic(synthetic), split, true, true, out);
    out.description = spec + ", split by seed " + std::to_string(split.seed);
    return out;
  }
  const fs::path path(spec);
  const fs::path train_file = fs::is_directory(path) ? find_split_file(path, {"train"}) : fs::path{};
  if (train_file.empty()) {
    Dataset all = read_dataset(spec, read);
    add_report(out.report, all.report);
    add_labels(out.labels, all.examples);
    split_stratified(std::move(all.examples), split, true, true, out);
    out.description = spec + ", split by seed " + std::to_string(split.seed);
    return out;
  }
  Dataset train = read_dataset(train_file.string(), read);
  add_report(out.report, train.report);
  out.train = std::move(train.examples);
  add_labels(out.labels, out.train);
  // Later splits may only use the training labels.
  ReadOptions known = read;
  if (!known.known_labels) known.known_labels = out.labels;
  const fs::path valid_file = find_split_file(path, {"valid", "validation", "dev"});
  const fs::path test_file = find_split_file(path, {"test"});
  for (const auto& [file, target] : {std::pair{valid_file, &out.valid}, std::pair{test_file, &out.test}}) {
    if (file.empty()) continue;
    Dataset part = read_dataset(file.string(), known);
    add_report(out.report, part.report);
    *target = std::move(part.examples);
  }
  if (valid_file.empty() || test_file.empty()) {
    std::vector<Example> train_all = std::move(out.train);
    split_stratified(std::move(train_all), split, valid_file.empty(), test_file.empty(), out);
  }
  out.description = spec + ": " + train_file.filename().string() +
                    (valid_file.empty() ? ", valid split by seed" : ", " + valid_file.filename().string()) +
                    (test_file.empty() ? ", test split by seed" : ", " + test_file.filename().string());
  return out;
}

std::vector<Example> select_split(const DataSplits& splits, const std::string& name) {
  if (name == "train") return splits.train;
  if (name == "valid") return splits.valid;
  if (name == "test") return splits.test;
  if (name == "all") {
    std::vector<Example> all = splits.train;
    all.insert(all.end(), splits.valid.begin(), splits.valid.end());
    all.insert(all.end(), splits.test.begin(), splits.test.end());
    return all;
  }
  throw Error("unknown split '" + name + "'", "--split", "use train, valid, test or all");
}

}  // namespace fastformer
