// A live chart of one training metric over several runs (QCustomPlot): one colour per run
// (the train loss also smoothed), legend, zoom and pan, a log-y toggle, the x axis by step,
// tokens seen or wall time, and replots throttled to at most ~30 per second.
#pragma once

#include "train/run_record.h"

#include <QElapsedTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QCPGraph;
class QCPItemText;
class QCustomPlot;

namespace fastformer::ui {

enum class Metric { train_loss, valid_loss, valid_accuracy, valid_macro_f1, learning_rate, tokens_per_s };
enum class XAxis { step, tokens, wall };
QString title(Metric metric);  // e.g. "Training loss"
QString title(XAxis axis);     // e.g. "Tokens seen"

class MetricChart : public QWidget {
  Q_OBJECT
 public:
  explicit MetricChart(Metric metric, QWidget* parent = nullptr);
  ~MetricChart() override;

  // Shows exactly these runs (rebuilds the graphs); colours follow the order in `runs`.
  void setRuns(const std::vector<RunRecord>& runs);
  // One run's points changed (usually appended): updates its graphs, replot throttled.
  void updateRun(const RunRecord& run);
  void setXAxis(XAxis axis);
  XAxis xAxis() const { return axis_; }
  void setLogY(bool on);
  bool logY() const;
  // Forgets the user's zoom and fits the axes to the data again (also on double-click).
  void resetZoom();

  Metric metric() const { return metric_; }
  QCustomPlot* plot() const { return plot_; }
  int pointCount(const QString& runId) const;  // raw points shown for the run (tests)
  int replotCount() const { return replots_; }  // replots done so far (tests: throttling)

  // Writes the chart by the file's extension: .png, .svg, .pdf, or .csv (its data).
  // Throws fastformer::Error on failure.
  void exportTo(const QString& path) const;

 private:
  // The graphs of one run and how much of its data they already hold.
  struct Graphs {
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;  // train loss only: the moving average
    std::size_t shown = 0;       // steps (or evals) already appended
    double ema = 0, decay = 1;   // moving-average state; decay = beta^t for bias correction
  };
  void rebuild();
  void addGraphs(std::size_t index);
  void append(Graphs& graphs, const RunRecord& run);
  void refill();
  void scheduleReplot();
  void replotNow();
  void styleAxes();

  Metric metric_;
  QCustomPlot* plot_;
  QCPItemText* empty_ = nullptr;  // "no data yet" while no run has a point
  std::vector<RunRecord> runs_;
  std::vector<Graphs> graphs_;  // parallel to runs_
  XAxis axis_ = XAxis::step;
  bool logY_ = false;
  bool userZoomed_ = false;  // the user dragged or zoomed: stop fitting the axes to new data
  bool pending_ = false;
  QElapsedTimer sinceReplot_;
  int replots_ = 0;
};

// The Train workspace's chart grid: training loss, validation loss, validation accuracy,
// validation macro-F1, learning rate and tokens/s, with one toolbar (x axis, log y, export
// of the chart under the mouse or the one chosen) for all of them. In metrics_dashboard.cpp.
class MetricsDashboard : public QWidget {
  Q_OBJECT
 public:
  explicit MetricsDashboard(QWidget* parent = nullptr);
  void setRuns(const std::vector<RunRecord>& runs);
  void updateRun(const RunRecord& run);
  std::vector<MetricChart*> charts() const { return charts_; }
  MetricChart* chart(Metric metric) const;
  void setXAxis(XAxis axis);
  // Asks for a file name and writes the chart there; errors are shown in a message box.
  void exportWithDialog(MetricChart* chart);

 private:
  void applyXAxis(int index);
  void applyLogY(bool on);

  std::vector<MetricChart*> charts_;
  QComboBox* xAxisBox_;
  QCheckBox* logYBox_;
};

// The colour of the run at `index` in a chart's run order: distinct, readable on white.
QColor runColor(int index);

}  // namespace fastformer::ui
