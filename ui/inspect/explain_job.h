// One explanation (fastformer::explain) at a time off the GUI thread, with its progress and
// a Cancel that answers at once: the job is dropped the moment Cancel is pressed, and its
// worker stops before its next forward (the engine's progress callback throws).
#pragma once

#include "common/background_job.h"

#include "fastformer/explain.h"

#include <QFutureWatcher>
#include <QObject>
#include <QTimer>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fastformer::ui {

class ExplainJob : public QObject {
  Q_OBJECT
 public:
  explicit ExplainJob(QObject* parent = nullptr);
  ~ExplainJob() override;

  // Starts explain(model, text, methods, options) in the background; a job still running is
  // dropped first (its worker told to stop; no cancelled() signal, as the new job goes on).
  // options.progress is the job's own.
  void start(std::shared_ptr<const TrainedModel> model, std::string text, std::vector<AttributionMethod> methods,
             ExplainOptions options);
  // Drops the running job (nothing it computes is shown) and tells its worker to stop.
  void cancel();
  bool isRunning() const { return static_cast<bool>(state_); }
  // The worker of the last job started has returned (cancelled, failed or done).
  bool workerStopped() const { return watcher_.isFinished(); }
  // Waits until every worker this job started has returned (the destructor does too).
  void waitForWorkers();

 Q_SIGNALS:
  void progressed(double fraction, const QString& stage);  // every ~100 ms while running
  void finished(std::shared_ptr<const fastformer::Explanation> explanation);
  void failed(const QString& message);
  void cancelled();

 private:
  // What the worker and the GUI thread share.
  struct State {
    std::atomic<bool> cancel{false};
    std::mutex mutex;
    ExplainProgress progress;
  };
  void poll();

  std::shared_ptr<State> state_;  // the running job's, null when none
  QFutureWatcher<Outcome<Explanation>> watcher_;
  std::vector<QFuture<Outcome<Explanation>>> dropped_;  // cancelled workers, still returning
  QTimer timer_;
};

// How a method is named in the Studio: "α", "β", "γ", "gradient", "gradient × input",
// "Integrated Gradients", "occlusion".
QString methodTitle(AttributionMethod method);

}  // namespace fastformer::ui
