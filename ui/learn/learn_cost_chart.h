// What attention costs as the text grows: sliders for the length N and the width d, live
// counters of the three layers' multiply-adds and activation memory (Fastformer O(N·d),
// linear O(N·d·Dh), softmax O(N²·d), its tiled form O(N) memory), a log–log chart of the
// curves over N, and the times of the last benchmark sweep on a second axis.
#pragma once

#include "fastformer/attention_cost.h"
#include "fastformer/bench.h"

#include <QWidget>

#include <array>
#include <cstdint>
#include <vector>

class QComboBox;
class QCPGraph;
class QCPItemStraightLine;
class QCustomPlot;
class QLabel;
class QSlider;

namespace fastformer::ui {

class LearnCostChart : public QWidget {
  Q_OBJECT
 public:
  explicit LearnCostChart(QWidget* parent = nullptr);

  // The counts follow the shown layer's heads, value sharing and scorer.
  void setLayerShape(int heads, bool sharedValues, ScoreKind score);
  // Points with status "ok" are drawn by kind: their median time (ms) on the right axis.
  // Emits scaleChanged when the sliders or the layer shape move.
  void setMeasuredPoints(const std::vector<BenchPoint>& points);

  // Slider positions → values: N = 2^(v/4) rounded (8 … 65,536); d = 2^v (16 … 1024) rounded
  // up to a multiple of the heads.
  static std::int64_t lengthAt(int position);
  std::int64_t hiddenAt(int position) const;
  std::int64_t length() const;
  std::int64_t hidden() const;
  int heads() const { return heads_; }
  const OpCount& additive() const { return additive_; }  // whole layers at (length, hidden)
  const OpCount& softmax() const { return softmax_; }
  const OpCount& softmaxTiled() const { return softmaxTiled_; }
  const OpCount& linear() const { return linear_; }
  bool sharedValues() const { return sharedValues_; }
  ScoreKind score() const { return score_; }

  QSlider* lengthSlider() const { return length_; }
  QSlider* hiddenSlider() const { return hidden_; }
  QLabel* counterLabel() const { return counters_; }
  QComboBox* curveBox() const { return curve_; }
  QCustomPlot* plot() const { return plot_; }
  QCPGraph* measuredGraph(BenchKind kind) const { return measured_[static_cast<std::size_t>(kind)]; }

 Q_SIGNALS:
  void scaleChanged();

 private:
  void refresh();  // counters, curves and the N marker

  int heads_ = 2;
  bool sharedValues_ = true;
  ScoreKind score_ = ScoreKind::per_head;
  OpCount additive_, softmax_, softmaxTiled_, linear_;
  QSlider *length_, *hidden_;
  QLabel *lengthLabel_, *hiddenLabel_, *counters_;
  QComboBox* curve_;
  QCustomPlot* plot_;
  QCPGraph *additiveCurve_, *linearCurve_, *softmaxCurve_, *tiledCurve_;
  std::array<QCPGraph*, 4> measured_;  // by BenchKind
  QCPItemStraightLine* marker_;
};

}  // namespace fastformer::ui
