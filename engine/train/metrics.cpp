// Accuracy, macro-F1 and confusion matrices from integer predictions.
#include "fastformer/metrics.h"

#include "fastformer/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace fastformer {

MetricsAccumulator::MetricsAccumulator(std::int64_t classes)
    : confusion_(static_cast<std::size_t>(classes), std::vector<std::int64_t>(static_cast<std::size_t>(classes), 0)) {}

void MetricsAccumulator::add(const std::vector<std::int64_t>& labels, const std::vector<std::int64_t>& predictions,
                             double loss_sum) {
  if (labels.size() != predictions.size()) throw Error("labels and predictions differ in length", "metrics");
  const auto classes = static_cast<std::int64_t>(confusion_.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= classes || predictions[i] < 0 || predictions[i] >= classes) {
      throw Error("class index out of range", "metrics");
    }
    ++confusion_[labels[i]][predictions[i]];
  }
  loss_sum_ += loss_sum;
  examples_ += static_cast<std::int64_t>(labels.size());
}

void MetricsAccumulator::add_counts(const std::vector<std::vector<std::int64_t>>& confusion, double loss_sum) {
  if (confusion.size() != confusion_.size()) throw Error("confusion matrices differ in size", "metrics");
  for (std::size_t t = 0; t < confusion.size(); ++t) {
    if (confusion[t].size() != confusion_.size()) throw Error("confusion matrices differ in size", "metrics");
    for (std::size_t p = 0; p < confusion.size(); ++p) {
      confusion_[t][p] += confusion[t][p];
      examples_ += confusion[t][p];
    }
  }
  loss_sum_ += loss_sum;
}

ClassificationMetrics MetricsAccumulator::result() const {
  ClassificationMetrics m;
  m.examples = examples_;
  m.confusion = confusion_;
  if (examples_ == 0) return m;
  m.loss = loss_sum_ / static_cast<double>(examples_);
  std::int64_t correct = 0;
  double f1_sum = 0.0;
  int f1_classes = 0;
  for (std::size_t c = 0; c < confusion_.size(); ++c) {
    std::int64_t predicted = 0, actual = 0;
    for (std::size_t o = 0; o < confusion_.size(); ++o) {
      predicted += confusion_[o][c];
      actual += confusion_[c][o];
    }
    const std::int64_t tp = confusion_[c][c];
    correct += tp;
    if (predicted + actual == 0) continue;  // class absent from both: no F1 to average
    f1_sum += 2.0 * static_cast<double>(tp) / static_cast<double>(predicted + actual);
    ++f1_classes;
  }
  m.accuracy = static_cast<double>(correct) / static_cast<double>(examples_);
  m.macro_f1 = f1_classes > 0 ? f1_sum / f1_classes : 0.0;
  return m;
}

nlohmann::json to_json(const ClassificationMetrics& m, const std::vector<std::string>& labels) {
  return nlohmann::json{{"examples", m.examples}, {"loss", m.loss},        {"accuracy", m.accuracy},
                        {"macro_f1", m.macro_f1}, {"labels", labels},      {"confusion", m.confusion}};
}

std::string format_metrics(const ClassificationMetrics& m, const std::vector<std::string>& labels) {
  std::ostringstream out;
  char line[160];
  std::snprintf(line, sizeof line, "examples %lld   accuracy %.4f   macro-F1 %.4f   loss %.4f\n",
                static_cast<long long>(m.examples), m.accuracy, m.macro_f1, m.loss);
  out << line << "confusion (rows: true, columns: predicted)\n";
  std::size_t width = 8;
  for (const auto& l : labels) width = std::max(width, l.size() + 2);
  const auto cell = [&](const std::string& s) { return std::string(width - std::min(width, s.size()), ' ') + s; };
  out << cell("");
  for (const auto& l : labels) out << cell(l);
  out << "\n";
  for (std::size_t r = 0; r < m.confusion.size(); ++r) {
    out << cell(labels[r]);
    for (const auto v : m.confusion[r]) out << cell(std::to_string(v));
    out << "\n";
  }
  return out.str();
}

}  // namespace fastformer
