// Names of run states, the engine's reports as points, and the best-validation lookup.
#include "train/run_record.h"

namespace fastformer::ui {

QString toString(RunStatus status) {
  switch (status) {
    case RunStatus::running: return QStringLiteral("running");
    case RunStatus::paused: return QStringLiteral("paused");
    case RunStatus::finished: return QStringLiteral("finished");
    case RunStatus::stopped: return QStringLiteral("stopped");
    case RunStatus::failed: return QStringLiteral("failed");
    case RunStatus::loaded: return QStringLiteral("loaded");
  }
  return QStringLiteral("unknown");
}

StepPoint toStepPoint(const StepReport& report) {
  StepPoint point;
  point.step = report.step;
  point.tokens_seen = static_cast<double>(report.tokens_seen);
  point.wall_s = report.elapsed_s;
  point.loss = report.loss;
  point.lr = report.lr;
  point.tokens_per_s = report.tokens_per_s;
  return point;
}

EvalPoint toEvalPoint(const EvalReport& report) {
  EvalPoint point;
  point.step = report.step;
  point.tokens_seen = static_cast<double>(report.tokens_seen);
  point.wall_s = report.elapsed_s;
  point.split = QString::fromStdString(report.split);
  point.loss = report.metrics.loss;
  point.accuracy = report.metrics.accuracy;
  point.macro_f1 = report.metrics.macro_f1;
  point.confusion = report.metrics.confusion;
  return point;
}

const EvalPoint* bestValid(const RunRecord& run) {
  const EvalPoint* best = nullptr;
  for (const auto& eval : run.evals) {
    if (eval.split != QLatin1String("valid")) continue;
    // The trainer's rule for best/: higher accuracy, a lower loss breaks ties.
    if (best == nullptr || eval.accuracy > best->accuracy ||
        (eval.accuracy == best->accuracy && eval.loss < best->loss)) {
      best = &eval;
    }
  }
  return best;
}

}  // namespace fastformer::ui
