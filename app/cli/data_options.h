// CLI options shared by the commands that read datasets (train, eval, data stats).
#pragma once

#include "fastformer/dataset.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace fastformer::cli {

struct DataOptions {
  std::string on_bad_row = "skip";
  std::string text_field = "text";
  std::string label_field = "label";
  int label_column = 0;
  int text_column = 1;
  std::string header = "detect";

  ReadOptions to_read_options() const;
};

// Adds --on-bad-row, --text-field, --label-field, --label-column, --text-column, --header.
void add_data_options(CLI::App& cmd, DataOptions& options);

}  // namespace fastformer::cli
