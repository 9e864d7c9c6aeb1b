// Names of run states and the best-validation lookup over a run's evaluations.
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
