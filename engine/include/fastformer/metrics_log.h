// metrics.jsonl, the log a training run keeps in its directory: one JSON object a line,
// appended as training goes (and again after each --resume). The trainer writes it with
// log_line(); the Studio's "Open run…" and anything else that charts a finished run read it
// with read_metrics_log(). Line types (docs/datasets.md § Training runs):
//   step       step, epoch, loss, lr, tokens_per_s, elapsed_s, tokens_seen
//   eval       split (valid | test), step, epoch, elapsed_s, tokens_seen, [improved], metrics
//   diverged | lost_peer   step, reason
#pragma once

#include "fastformer/metrics.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace fastformer {

struct StepReport {
  std::int64_t step = 0;         // optimiser steps done
  std::int64_t total_steps = 0;  // planned (not logged)
  std::int64_t epoch = 0;        // 0-based
  double loss = 0.0;             // this batch's mean loss
  double lr = 0.0;
  double tokens_per_s = 0.0;     // real (unpadded) tokens, forward+backward, since this process started
  double elapsed_s = 0.0;        // training time summed over the run and its resumes
  double eta_s = 0.0;            // (not logged)
  std::int64_t tokens_seen = 0;  // real tokens trained on, summed over the run and its resumes
};

struct EvalReport {
  std::int64_t step = 0;
  std::int64_t epoch = 0;
  std::string split;  // "valid" or "test"
  ClassificationMetrics metrics;
  bool improved = false;  // new best on valid
  double elapsed_s = 0.0;        // as the step it follows
  std::int64_t tokens_seen = 0;  // as the step it follows
};

// An epoch as planned when it starts: its batches and how much of their tokens is padding.
struct EpochReport {
  std::int64_t epoch = 0;  // 0-based
  std::int64_t batches = 0;
  std::int64_t real_tokens = 0, token_slots = 0;  // padding share: 1 − real / slots
};

nlohmann::json log_line(const StepReport& report);
nlohmann::json log_line(const EpochReport& report);
nlohmann::json log_line(const EvalReport& report, const std::vector<std::string>& labels);

// A run's log as read back.
struct MetricsLog {
  // In step order. A run resumed from a checkpoint older than its last logged step logs
  // those steps again: the later lines replace the earlier ones (and their evaluations).
  std::vector<StepReport> steps;
  std::vector<EvalReport> evals;
  std::vector<std::string> labels;  // class names, from the evaluations
  std::string failure;              // the reason of the last diverged or lost_peer line
};

// Throws fastformer::Error naming PATH:LINE for a line that is not a JSON object, has no
// type, or lacks a field its type needs. Lines of unknown types (a newer writer) are skipped.
MetricsLog read_metrics_log(const std::filesystem::path& path);

}  // namespace fastformer
