// One training run as the Studio shows it: its configuration, the points of its curves,
// its evaluations and its state. Plain values, copied from the training thread to the GUI.
#pragma once

#include "fastformer/metrics_log.h"
#include "fastformer/model_config.h"
#include "fastformer/train_config.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace fastformer::ui {

struct StepPoint {
  std::int64_t step = 0;
  double tokens_seen = 0;  // real (unpadded) tokens trained on so far, as the trainer counts them
  double wall_s = 0;       // seconds since the run started
  double loss = 0;         // this batch's mean loss
  double lr = 0;
  double tokens_per_s = 0;
};

struct EvalPoint {
  std::int64_t step = 0;
  double tokens_seen = 0;
  double wall_s = 0;
  QString split;  // "valid" or "test"
  double loss = 0, accuracy = 0, macro_f1 = 0;
  std::vector<std::vector<std::int64_t>> confusion;  // [true][predicted]
};

enum class RunStatus { running, paused, finished, stopped, failed, loaded };
QString toString(RunStatus status);

struct RunRecord {
  QString id;         // unique within the session, e.g. "run-3"
  QString name;       // shown in legends and the run list, e.g. "Fastformer · spamassassin"
  QString directory;  // the run directory on disk (best/, last/, metrics.jsonl)
  QString data;       // the data spec
  ModelConfig model;  // as built: vocabulary, classes and max_len filled in by the trainer
  TrainConfig train;
  QStringList labels;
  std::int64_t parameters = 0;
  std::int64_t total_steps = 0;
  std::vector<StepPoint> steps;
  std::vector<EvalPoint> evals;
  RunStatus status = RunStatus::running;
  QString message;  // why it ended, or the error
};

// The engine's reports as the charts plot them.
StepPoint toStepPoint(const StepReport& report);
EvalPoint toEvalPoint(const EvalReport& report);

// The best validation evaluation (highest accuracy, then lowest loss, as the trainer
// keeps best/), or null.
const EvalPoint* bestValid(const RunRecord& run);

}  // namespace fastformer::ui

// Queued signals and QVariant (QSignalSpy) carry these by value.
Q_DECLARE_METATYPE(fastformer::ui::StepPoint)
Q_DECLARE_METATYPE(fastformer::ui::EvalPoint)
Q_DECLARE_METATYPE(fastformer::ui::RunStatus)
Q_DECLARE_METATYPE(fastformer::ui::RunRecord)
