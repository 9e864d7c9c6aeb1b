// Runs one benchmark sweep (the engine's run_bench, the same call `fastformer bench sweep`
// makes) on its own QThread and reports each point to the GUI thread as it is measured.
// Stop sets a cancel flag: the runner kills the point's child process at once and the sweep
// ends with the points so far. Signals are emitted on the worker object's thread, in this
// order: (pointStarted | pointMeasured | message)*, finished.
#pragma once

#include "fastformer/bench.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

Q_DECLARE_METATYPE(fastformer::BenchPoint)

namespace fastformer::ui {

// What a sweep's runner may use while it runs (on the sweep thread).
struct SweepRunContext {
  const std::atomic<bool>* cancel = nullptr;     // true once Stop was pressed
  std::function<void(const std::string&)> warn;  // a line for the log
};

// Makes the runner of one sweep. An empty runner runs points in this process. A runner
// should give its point back `cancelled` soon after `cancel` turns true.
using SweepRunnerFactory = std::function<fastformer::BenchRunner(const SweepRunContext& context)>;

// A `fastformer bench point` child per point (its memory measured, oom and timeouts caught),
// each with this process's LibTorch threads, when `executable` exists; otherwise points run
// in this process and a warning says that memory is not measured. Call on the GUI thread.
SweepRunnerFactory childRunnerFactory(const QString& executable);

class SweepWorker : public QObject {
  Q_OBJECT
 public:
  explicit SweepWorker(QObject* parent = nullptr);
  ~SweepWorker() override;  // cancels a running sweep and waits for its thread

  // Starts a sweep; false when one is running.
  bool start(const fastformer::BenchConfig& config, const SweepRunnerFactory& factory);
  void stop();
  bool isRunning() const { return running_; }

 Q_SIGNALS:
  void pointStarted(const QString& kind, qint64 n);
  void pointMeasured(const fastformer::BenchPoint& point);
  void message(const QString& text);
  // stopped: Stop ended it early; error: why it could not run (empty when it ran).
  void finished(bool stopped, const QString& error);

 private:
  void onThreadFinished();

  QThread* thread_ = nullptr;
  bool running_ = false;
  std::atomic<bool> cancel_{false};
  QString error_;  // written by the sweep thread, read after it ended
};

}  // namespace fastformer::ui
