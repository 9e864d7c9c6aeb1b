// Console progress bar and reports for training.
#include "progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace fastformer::cli {

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(seconds + 0.5);
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60) std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  else std::snprintf(text, sizeof text, "%llds", s);
  return text;
}

ConsoleProgress::ConsoleProgress(std::vector<std::string> labels)
    : labels_(std::move(labels)), tty_(::isatty(STDERR_FILENO) != 0) {}

void ConsoleProgress::end_bar() {
  if (bar_open_) std::cerr << "\n";
  bar_open_ = false;
}

void ConsoleProgress::on_step(const StepReport& r) {
  const auto now = std::chrono::steady_clock::now();
  // A terminal redraws at most 10 times a second; a log gets a line every 10 seconds.
  const auto interval = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(10000);
  if (r.step != r.total_steps && r.step != 1 && now - last_print_ < interval) return;
  last_print_ = now;
  const int width = 24;
  const int filled = r.total_steps > 0 ? static_cast<int>(width * r.step / r.total_steps) : 0;
  char line[256];
  std::snprintf(line, sizeof line, "[%s%s] step %lld/%lld  epoch %lld  loss %.4f  lr %.2e  %.0f tok/s  %s  ETA %s",
                std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                static_cast<long long>(r.step), static_cast<long long>(r.total_steps),
                static_cast<long long>(r.epoch + 1), r.loss, r.lr, r.tokens_per_s, format_duration(r.elapsed_s).c_str(),
                format_duration(r.eta_s).c_str());
  if (tty_) {
    std::cerr << "\r" << line << "\x1b[K" << std::flush;
    bar_open_ = true;
  } else {
    std::cerr << line << "\n";
  }
}

void ConsoleProgress::on_eval(const EvalReport& r) {
  end_bar();
  char line[200];
  std::snprintf(line, sizeof line, "eval %-5s step %lld: accuracy %.4f  macro-F1 %.4f  loss %.4f%s\n", r.split.c_str(),
                static_cast<long long>(r.step), r.metrics.accuracy, r.metrics.macro_f1, r.metrics.loss,
                r.improved ? "  (best so far, saved)" : "");
  std::cerr << line;
}

void ConsoleProgress::on_message(const std::string& message) {
  end_bar();
  std::cerr << message << "\n";
}

}  // namespace fastformer::cli
