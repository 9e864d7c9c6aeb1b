// The Scale workspace: runtime, memory and throughput against sequence length for additive
// and softmax attention, measured live on this machine by the engine's benchmark (the same
// run_bench and `fastformer bench point` children as `fastformer bench sweep`: no timing
// code of its own), with fitted slopes, the crossover, the softmax out-of-memory forecast,
// and saved sweeps overlaid.
#pragma once

#include "fastformer/bench.h"
#include "scale/sweep_record.h"
#include "scale/sweep_worker.h"

#include <QWidget>

#include <vector>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace fastformer::ui {

class ScaleCharts;
class SweepForm;
class SweepList;

class ScaleWorkspace : public QWidget {
  Q_OBJECT
 public:
  explicit ScaleWorkspace(QWidget* parent = nullptr);
  ~ScaleWorkspace() override;  // stops a running sweep (its child is killed) and waits

  bool isRunning() const;
  // Points of the latest sweep measured here (so far, while it runs).
  std::vector<fastformer::BenchPoint> lastSweep() const;
  const std::vector<SweepRecord>& sweeps() const { return sweeps_; }

  // Overlays a sweep file (JSON or CSV from the Studio or `fastformer bench sweep`). On
  // failure the workspace shows why, `error` gets it, and nothing else changes.
  bool openSweep(const QString& path, QString* error = nullptr);
  // Saves sweep `index` (default: the selected one, else the latest) by extension.
  bool saveSweep(const QString& path, QString* error = nullptr, int index = -1);
  void removeSweep(int index);

  // How points are measured: by default a `fastformer bench point` child per point, the
  // `fastformer` program next to the Studio's (see setCliExecutable).
  void setRunner(SweepRunnerFactory factory);
  void setCliExecutable(const QString& path);
  QString cliExecutable() const { return cliExecutable_; }

  SweepForm* form() const { return form_; }
  ScaleCharts* charts() const { return charts_; }
  SweepList* sweepList() const { return list_; }
  QPushButton* startButton() const { return start_; }
  QPushButton* stopButton() const { return stop_; }
  QLabel* statusLabel() const { return status_; }
  QLabel* messageLabel() const { return message_; }
  QLineEdit* commandLine() const { return command_; }

 public Q_SLOTS:
  void startSweep();
  void stopSweep();  // the running point's child is killed; the points so far stay
  void openSweepWithDialog();
  void saveSweepWithDialog(int index = -1);

 Q_SIGNALS:
  void log(const QString& text);
  void pointMeasured(const fastformer::BenchPoint& point);
  void sweepFinished();
  void runningChanged(bool running);

 private:
  void onPointStarted(const QString& kind, qint64 n);
  void onPointMeasured(const fastformer::BenchPoint& point);
  void onFinished(bool stopped, const QString& error);
  void showMessage(const QString& text);
  void refresh();
  void updateControls();

  SweepForm* form_;
  ScaleCharts* charts_;
  SweepList* list_;
  QPushButton* start_;
  QPushButton* stop_;
  QProgressBar* progress_;
  QLabel* status_;
  QLabel* message_;
  QLineEdit* command_;
  SweepWorker* worker_;
  SweepRunnerFactory runner_;
  QString cliExecutable_;
  std::vector<SweepRecord> sweeps_;
  int live_ = -1;  // index of the sweep measured last (running or done), or -1
  int nextSlot_ = 0;
  int planned_ = 0;  // points the running sweep will record
  qint64 startedMs_ = 0;
};

}  // namespace fastformer::ui
