// Resolves a data spec into train/valid/test splits with label names:
//   synthetic:<task>?…      generated, then split by seed
//   DIR with train.{jsonl,tsv,csv} (+ valid|validation|dev, test)   the given splits
//   DIR of class folders, or one .tsv/.csv/.jsonl file            split by seed, stratified
#pragma once

#include "fastformer/dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fastformer {

struct SplitOptions {
  std::uint64_t seed = 1;
  double valid_fraction = 0.1;  // of each label, when the data has no validation split
  double test_fraction = 0.1;   // of each label, when the data has no test split
};

struct DataSplits {
  std::vector<Example> train, valid, test;
  std::vector<std::string> labels;  // class order: first appearance (synthetic: fixed)
  ReadReport report;                // summed over the files read
  std::string description;          // how the splits were made, for logs
};

DataSplits load_splits(const std::string& spec, const ReadOptions& read, const SplitOptions& split);

// "train" | "valid" | "test" | "all" of already loaded splits.
std::vector<Example> select_split(const DataSplits& splits, const std::string& name);

}  // namespace fastformer
