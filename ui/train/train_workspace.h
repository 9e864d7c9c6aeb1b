// The Train workspace: dataset picker and preview, the model/training form, Start /
// Pause / Resume / Stop with progress and ETA, live charts of every run (overlaid, one
// colour each), the run summary table and the selected run's confusion matrix.
#pragma once

#include "train/run_record.h"

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace fastformer::ui {

class ConfigForm;
class ConfusionHeatmap;
class DatasetPanel;
class MetricsDashboard;
class RunStore;
class RunSummaryTable;
class TrainingWorker;

class TrainWorkspace : public QWidget {
  Q_OBJECT
 public:
  TrainWorkspace(RunStore& store, TrainingWorker& worker, QWidget* parent = nullptr);

  DatasetPanel* dataset() const { return dataset_; }
  ConfigForm* form() const { return form_; }
  MetricsDashboard* dashboard() const { return dashboard_; }
  RunSummaryTable* summary() const { return summary_; }
  ConfusionHeatmap* confusion() const { return confusion_; }
  QPushButton* startButton() const { return start_; }
  QPushButton* pauseButton() const { return pause_; }
  QPushButton* stopButton() const { return stop_; }
  QProgressBar* progress() const { return progress_; }

  // Where new runs are written (one folder per run); default ./runs.
  void setRunsRoot(const QString& directory) { runsRoot_ = directory; }
  QString runsRoot() const { return runsRoot_; }
  void showRun(const QString& id);  // its confusion matrix, selected in the table

 public Q_SLOTS:
  void start();
  void pauseOrResume();
  void stop();

 Q_SIGNALS:
  void log(const QString& line);
  void activity(const QString& what);  // for the status bar; empty when idle
  void controlsChanged();              // Start / Pause / Stop were enabled or disabled

 private:
  void refreshButtons();
  void onStep(const QString& id, const StepPoint& point);
  void onEval(const QString& id, const EvalPoint& point);
  void onFinished(const QString& id, RunStatus status, const QString& message);
  void refreshRuns();

  RunStore& store_;
  TrainingWorker& worker_;
  DatasetPanel* dataset_;
  ConfigForm* form_;
  MetricsDashboard* dashboard_;
  RunSummaryTable* summary_;
  ConfusionHeatmap* confusion_;
  QPushButton *start_, *pause_, *stop_;
  QProgressBar* progress_;
  QLabel* eta_;
  QString runsRoot_ = "runs";
  QString activeId_;
  QString shownId_;
  int started_ = 0;
  bool distributedRun_ = false;  // the current or last run had several processes (no Pause)
};

}  // namespace fastformer::ui
