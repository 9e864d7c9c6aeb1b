// Console reporting for `fastformer train`: a one-line progress bar on a terminal, plain
// periodic lines otherwise, evaluation tables and messages.
#pragma once

#include "fastformer/trainer.h"

#include <chrono>
#include <string>
#include <vector>

namespace fastformer::cli {

class ConsoleProgress : public TrainObserver {
 public:
  explicit ConsoleProgress(std::vector<std::string> labels);
  void set_labels(std::vector<std::string> labels) { labels_ = std::move(labels); }
  void on_step(const StepReport& report) override;
  void on_eval(const EvalReport& report) override;
  void on_message(const std::string& message) override;

 private:
  void end_bar();

  std::vector<std::string> labels_;
  bool tty_;
  bool bar_open_ = false;
  std::chrono::steady_clock::time_point last_print_;
};

// "1h02m", "3m05s", "42s".
std::string format_duration(double seconds);

}  // namespace fastformer::cli
