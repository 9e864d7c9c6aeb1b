// A live chart of one training metric over the runs of a RunStore (QCustomPlot): one colour
// per run (the train loss also smoothed), legend, zoom and pan, a log-y toggle, the x axis by
// step, tokens seen or wall time, and replots throttled to at most ~30 per second. The chart
// keeps no copy of the points: it reads them from the store when the store says they changed.
#pragma once

#include "train/run_record.h"

#include <QElapsedTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QCPGraph;
class QCustomPlot;

namespace fastformer::ui {

class RunStore;

enum class Metric { train_loss, valid_loss, valid_accuracy, valid_macro_f1, learning_rate, tokens_per_s };
enum class XAxis { step, tokens, wall };
QString title(Metric metric);  // e.g. "Training loss"
QString title(XAxis axis);     // e.g. "Tokens seen"

class MetricChart : public QWidget {
  Q_OBJECT
 public:
  explicit MetricChart(Metric metric, QWidget* parent = nullptr);
  ~MetricChart() override;

  // Shows every run of `store` (not owned; null: none) in the store's order, which the
  // colours follow, and from then on follows the store: new runs get curves, appended points
  // are appended, a replaced run is redrawn, replots throttled.
  void setStore(const RunStore* store);
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
  // The graphs of one run (a row of the store) and how much of its data they already hold.
  struct Graphs {
    QString name;  // the run's name as the legend shows it
    QCPGraph* raw = nullptr;
    QCPGraph* smooth = nullptr;  // train loss only: the moving average
    std::size_t shown = 0;       // steps (or evals) already appended
    std::uint64_t revision = 0;  // the store's revision of the run they were drawn from
    double ema = 0, decay = 1;   // moving-average state; decay = beta^t for bias correction
  };
  void rebuild();
  void addMissingGraphs();  // for runs the store has gained
  void addGraphs(const RunRecord& run, int index);
  void onRunChanged(const QString& id);
  void redraw(Graphs& graphs, const RunRecord& run);  // from the run's first point
  void append(Graphs& graphs, const RunRecord& run);
  void refill();
  void scheduleReplot();
  void replotNow();
  void styleAxes();

  Metric metric_;
  QCustomPlot* plot_;
  const RunStore* store_ = nullptr;
  std::vector<Graphs> graphs_;  // parallel to the store's rows
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
  void setStore(const RunStore* store);  // every chart follows it (MetricChart::setStore)
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
