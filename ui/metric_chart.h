// A live chart of one training metric over several runs (QCustomPlot): one colour per run
// (the train loss also smoothed), legend, zoom and pan, a log-y toggle, the x axis by step,
// tokens seen or wall time, and replots throttled to at most ~30 per second.
#pragma once

#include "run_record.h"

#include <QWidget>

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

  // Shows exactly these runs (rebuilds the graphs); colours follow the order in `runs`.
  void setRuns(const std::vector<RunRecord>& runs);
  // One run's points changed (usually appended): updates its graphs, replot throttled.
  void updateRun(const RunRecord& run);
  void setXAxis(XAxis axis);
  void setLogY(bool on);
  bool logY() const;

  Metric metric() const { return metric_; }
  QCustomPlot* plot() const { return plot_; }
  int pointCount(const QString& runId) const;  // raw points shown for the run (tests)
  int replotCount() const { return replots_; }  // replots done so far (tests: throttling)

  // Writes the chart by the file's extension: .png, .svg, .pdf, or .csv (its data).
  // Throws fastformer::Error on failure.
  void exportTo(const QString& path) const;

 private:
  struct Graphs;
  void rebuild();
  void scheduleReplot();

  Metric metric_;
  QCustomPlot* plot_;
  std::vector<RunRecord> runs_;
  XAxis axis_ = XAxis::step;
  bool pending_ = false;
  int replots_ = 0;
};

// The Train workspace's chart grid: training loss, validation loss, validation accuracy,
// validation macro-F1, learning rate and tokens/s, with one toolbar (x axis, log y, export
// of the chart under the mouse or the one chosen) for all of them.
class MetricsDashboard : public QWidget {
  Q_OBJECT
 public:
  explicit MetricsDashboard(QWidget* parent = nullptr);
  void setRuns(const std::vector<RunRecord>& runs);
  void updateRun(const RunRecord& run);
  std::vector<MetricChart*> charts() const { return charts_; }
  MetricChart* chart(Metric metric) const;
  void setXAxis(XAxis axis);

 private:
  std::vector<MetricChart*> charts_;
};

// The colour of the run at `index` in a chart's run order: distinct, readable on white.
QColor runColor(int index);

}  // namespace fastformer::ui
