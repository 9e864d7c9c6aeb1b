// Classification metrics: loss, accuracy, macro-F1 and the confusion matrix.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace fastformer {

struct ClassificationMetrics {
  std::int64_t examples = 0;
  double loss = 0.0;  // mean cross-entropy
  double accuracy = 0.0;
  double macro_f1 = 0.0;  // mean F1 over classes that occur in the labels or predictions
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
};

// Accumulates predictions batch by batch.
class MetricsAccumulator {
 public:
  explicit MetricsAccumulator(std::int64_t classes);
  // `loss_sum` is the summed (not mean) cross-entropy of these examples.
  void add(const std::vector<std::int64_t>& labels, const std::vector<std::int64_t>& predictions, double loss_sum);
  // Adds another accumulation's counts (e.g. another rank's part of the data).
  void add_counts(const std::vector<std::vector<std::int64_t>>& confusion, double loss_sum);
  ClassificationMetrics result() const;

 private:
  std::vector<std::vector<std::int64_t>> confusion_;
  double loss_sum_ = 0.0;
  std::int64_t examples_ = 0;
};

nlohmann::json to_json(const ClassificationMetrics& m, const std::vector<std::string>& labels);
// A readable table: accuracy, macro-F1, loss and the confusion matrix with label names.
std::string format_metrics(const ClassificationMetrics& m, const std::vector<std::string>& labels);

}  // namespace fastformer
