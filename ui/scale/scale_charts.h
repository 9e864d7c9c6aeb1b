// The Scale workspace's three charts (QCustomPlot): time (or counted FLOPs or bytes) against
// N with slopes, references and the crossover; peak memory with the softmax out-of-memory
// forecast; throughput. Every chart exports from its right-click menu (PNG, SVG, PDF, CSV).
// Redraws are coalesced to at most ~30 a second while points arrive.
#pragma once

#include "scale/scale_drawing.h"
#include "scale/sweep_record.h"

#include <QWidget>

#include <optional>
#include <vector>

class QComboBox;
class QCustomPlot;

namespace fastformer::ui {

class ScaleCharts : public QWidget {
  Q_OBJECT
 public:
  explicit ScaleCharts(QWidget* parent = nullptr);

  // Shows the visible ones of `sweeps` (kept as a copy), redrawn soon.
  void setSweeps(const std::vector<SweepRecord>& sweeps);
  void setValue(ScaleValue value);
  ScaleValue value() const;
  // The memory the forecast runs into; by default MemAvailable at each redraw.
  void setAvailableMemory(double bytes);
  // Draws now instead of at the next coalesced redraw (tests, export).
  void redrawNow();

  QCustomPlot* timePlot() const { return time_; }
  QCustomPlot* memoryPlot() const { return memory_; }
  QCustomPlot* throughputPlot() const { return throughput_; }
  QComboBox* valueBox() const { return valueBox_; }
  const TimeChartFacts& timeFacts() const { return facts_; }
  const std::optional<MemoryForecast>& memoryForecast() const { return forecast_; }

 Q_SIGNALS:
  void redrawn();

 private:
  void scheduleRedraw();

  QCustomPlot* time_;
  QCustomPlot* memory_;
  QCustomPlot* throughput_;
  QComboBox* valueBox_;
  std::vector<SweepRecord> sweeps_;
  double available_ = 0;
  bool fixedAvailable_ = false;  // set by setAvailableMemory
  bool pending_ = false;
  TimeChartFacts facts_;
  std::optional<MemoryForecast> forecast_;
};

}  // namespace fastformer::ui
