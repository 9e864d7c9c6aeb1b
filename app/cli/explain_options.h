// `fastformer explain`'s options, shared by its one-document run (command_explain.cpp) and
// its dataset run (explain_dataset.cpp).
#pragma once

#include "data_options.h"

#include "fastformer/explain.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fastformer::cli {

struct ExplainCliOptions {
  std::string checkpoint;
  std::string document;
  std::string data;             // a dataset spec: explain its --split instead of one document
  std::string split = "test";
  std::int64_t limit = 200;     // documents of the split, from its start
  std::string methods = "all";  // every method the checkpoint has
  std::string target;  // a label name or class number; empty: the predicted class
  std::int64_t ig_steps = 32;
  std::string span = "0";      // tokens per occlusion span, or "sentence"
  std::int64_t top = 10;
  std::int64_t overlap = 64;
  bool curves = true;
  bool ablation = true;         // Fastformer checkpoints: the pooling ablation table
  std::string out;
  std::string html;             // one document: the shaded report
  std::string device = "cpu";
  DataOptions data_options;
};

// --methods as methods; empty for "all" (resolved once the checkpoint is loaded). Throws
// fastformer::Error naming --methods.
std::vector<AttributionMethod> parse_methods(const std::string& list);
// --span as ExplainOptions::occlusion_span: a number of tokens (0: automatic) or "sentence".
std::int64_t parse_span(const std::string& span);

// Every document of the split: explanations with curves, a table of AOPC mean ± sd per
// method, and (--out) the per-document curves and the table as JSON.
void run_explain_dataset(const ExplainCliOptions& options);

}  // namespace fastformer::cli
