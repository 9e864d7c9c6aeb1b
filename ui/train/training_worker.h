// Runs one training run of the engine's Trainer on its own QThread and reports back with
// queued signals (DESIGN.md §Threads): inputs are copied in, a stop flag is checked every
// step, pause blocks the training thread between steps, and the destructor stops and
// joins. The GUI thread never waits on torch. Signals are emitted on the worker object's
// thread, in this order: message* (data preparation), started, (stepReported |
// evalReported | message)*, finished — or message*, finished when it fails early.
#pragma once

#include "train/run_record.h"

#include <QObject>
#include <QString>

#include <memory>

namespace fastformer::ui {

struct TrainRequest {
  QString data;         // data spec, as the CLI takes it (file, folder or synthetic:…)
  ModelConfig model;    // vocabulary and classes are filled in from the data
  TrainConfig train;
  QString directory;    // where the run is written; created if missing
  QString device = "cpu";
  QString name;         // display name
  // Data-parallel ranks on this machine. Above 1 the Studio trains rank 0 itself and
  // starts `workerExecutable` (the fastformer CLI) for the others; their output goes to
  // DIRECTORY/rankR.log. Pause is ignored then (the peers would time out).
  int processes = 1;
  QString workerExecutable;
};

class TrainingWorker : public QObject {
  Q_OBJECT
 public:
  explicit TrainingWorker(QObject* parent = nullptr);
  ~TrainingWorker() override;  // stops a running run and waits for its thread

  // Starts a run; false, with finished(runId, failed, …) queued, if one is already running.
  bool start(const TrainRequest& request, const QString& runId);
  void pause();
  void resume();
  void stop();  // the trainer saves last/ and returns; finished() follows
  bool isRunning() const;
  bool isPaused() const;
  QString currentRunId() const;  // empty when no run is in progress

 Q_SIGNALS:
  // The run's first record (config, parameters, total steps) once the model is built.
  void started(const fastformer::ui::RunRecord& run);
  void stepReported(const QString& runId, const fastformer::ui::StepPoint& point);
  void evalReported(const QString& runId, const fastformer::ui::EvalPoint& point);
  void message(const QString& runId, const QString& text);
  // status: finished | stopped | failed; message says why.
  void finished(const QString& runId, fastformer::ui::RunStatus status, const QString& message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fastformer::ui
