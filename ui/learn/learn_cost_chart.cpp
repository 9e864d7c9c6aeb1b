// LearnCostChart: the closed-form counts of attention_cost.h at the sliders' N and d, and
// the same counts over N as curves on log–log axes.
#include "learn/learn_cost_chart.h"

#include "common/chart_export.h"
#include "learn/learn_format.h"
#include "common/metric_chart.h"

#include "common/themed_plot.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {
namespace {

constexpr int kFirstLength = 12, kLastLength = 64;  // N = 2^(v/4): 8 … 65,536
constexpr int kFirstHidden = 4, kLastHidden = 10;   // d = 2^v: 16 … 1024

QColor additiveColor() { return runColor(0); }
QColor linearColor() { return runColor(2); }
QColor softmaxColor() { return runColor(3); }
QColor tiledColor() { return runColor(1); }

QCPGraph* curve(QCustomPlot* plot, QCPAxis* y, const QColor& color, const QString& name) {
  QCPGraph* g = plot->addGraph(plot->xAxis, y);
  g->setPen(QPen(color, 2));
  g->setName(name);
  return g;
}

QCPGraph* measured(QCustomPlot* plot, const QColor& color, const QString& name) {
  QCPGraph* g = plot->addGraph(plot->xAxis, plot->yAxis2);
  g->setLineStyle(QCPGraph::lsNone);
  g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, color, color.lighter(140), 8));
  g->setName(name);
  return g;
}

void makeLog(QCPAxis* axis) {
  axis->setScaleType(QCPAxis::stLogarithmic);
  QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
  ticker->setSubTickCount(0);
  axis->setTicker(ticker);
  axis->setNumberFormat("eb");
  axis->setNumberPrecision(0);
}

}  // namespace

LearnCostChart::LearnCostChart(QWidget* parent) : QWidget(parent), plot_(new ThemedPlot(this)) {
  length_ = new QSlider(Qt::Horizontal);
  length_->setRange(kFirstLength, kLastLength);
  length_->setValue(40);  // N = 1024
  hidden_ = new QSlider(Qt::Horizontal);
  hidden_->setRange(kFirstHidden, kLastHidden);
  hidden_->setValue(8);  // d = 256, the paper's
  lengthLabel_ = new QLabel;
  hiddenLabel_ = new QLabel;
  for (QLabel* label : {lengthLabel_, hiddenLabel_}) label->setMinimumWidth(label->fontMetrics().horizontalAdvance("N = 65,536 tokens "));
  counters_ = new QLabel;
  counters_->setWordWrap(true);
  counters_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  curve_ = new QComboBox;
  curve_->addItems({"multiply-adds", "activation memory"});
  curve_->setToolTip("What the curves show over N");

  additiveCurve_ = curve(plot_, plot_->yAxis, additiveColor(), "Fastformer");
  linearCurve_ = curve(plot_, plot_->yAxis, linearColor(), "Linear");
  softmaxCurve_ = curve(plot_, plot_->yAxis, softmaxColor(), "Softmax");
  tiledCurve_ = curve(plot_, plot_->yAxis, tiledColor(), "Softmax, tiled");
  tiledCurve_->setPen(QPen(tiledColor(), 2, Qt::DashLine));
  const QString measuredNames[] = {"Fastformer", "Linear", "Softmax, tiled", "Softmax, materialised"};
  const QColor measuredColors[] = {additiveColor(), linearColor(), tiledColor(), softmaxColor()};
  for (std::size_t k = 0; k < measured_.size(); ++k)
    measured_[k] = measured(plot_, measuredColors[k], measuredNames[k] + ", measured ms (right axis)");
  makeLog(plot_->xAxis);
  makeLog(plot_->yAxis);
  makeLog(plot_->yAxis2);
  plot_->xAxis->setLabel("tokens N");
  plot_->yAxis2->setLabel("measured (ms)");
  plot_->xAxis->setRange(lengthAt(kFirstLength), lengthAt(kLastLength));
  marker_ = new QCPItemStraightLine(plot_);
  marker_->setPen(QPen(QColor(120, 120, 120), 1, Qt::DashLine));
  // The legend in rows under the axes, three entries a row, so that it hides no curve.
  plot_->legend->setVisible(true);
  plot_->legend->setFont(QFont(font().family(), 8));
  plot_->legend->setBorderPen(Qt::NoPen);
  plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  plot_->legend->setWrap(3);
  plot_->axisRect()->insetLayout()->take(plot_->legend);
  plot_->plotLayout()->addElement(1, 0, plot_->legend);
  plot_->plotLayout()->setRowStretchFactor(1, 0.001);
  plot_->setMinimumHeight(200);
  addExportMenu(*plot_, "attention_cost");
  setMeasuredPoints({});  // none until a sweep is given

  auto* sliders = new QHBoxLayout;
  sliders->addWidget(new QLabel("Length"));
  sliders->addWidget(length_, 3);
  sliders->addWidget(lengthLabel_);
  sliders->addSpacing(12);
  sliders->addWidget(new QLabel("Width"));
  sliders->addWidget(hidden_, 1);
  sliders->addWidget(hiddenLabel_);
  sliders->addSpacing(12);
  sliders->addWidget(new QLabel("Chart"));
  sliders->addWidget(curve_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(sliders);
  layout->addWidget(counters_);
  layout->addWidget(plot_, 1);

  connect(length_, &QSlider::valueChanged, this, &LearnCostChart::refresh);
  connect(hidden_, &QSlider::valueChanged, this, &LearnCostChart::refresh);
  connect(curve_, &QComboBox::currentIndexChanged, this, &LearnCostChart::refresh);
  refresh();
}

std::int64_t LearnCostChart::lengthAt(int position) { return std::llround(std::pow(2.0, position / 4.0)); }

std::int64_t LearnCostChart::hiddenAt(int position) const {
  const std::int64_t d = std::int64_t{1} << position;
  return (d + heads_ - 1) / heads_ * heads_;
}

std::int64_t LearnCostChart::length() const { return lengthAt(length_->value()); }

std::int64_t LearnCostChart::hidden() const { return hiddenAt(hidden_->value()); }

void LearnCostChart::setLayerShape(int heads, bool sharedValues, ScoreKind score) {
  heads_ = std::max(1, heads);
  sharedValues_ = sharedValues;
  score_ = score;
  refresh();
}

void LearnCostChart::setMeasuredPoints(const std::vector<BenchPoint>& points) {
  for (QCPGraph* g : measured_) g->data()->clear();
  double low = 0, high = 0;
  for (const BenchPoint& p : points) {
    if (p.status != "ok" || p.median_ms <= 0 || p.n <= 0) continue;
    measuredGraph(p.kind)->addData(static_cast<double>(p.n), p.median_ms);
    low = low > 0 ? std::min(low, p.median_ms) : p.median_ms;
    high = std::max(high, p.median_ms);
  }
  plot_->yAxis2->setVisible(high > 0);
  if (high > 0) plot_->yAxis2->setRange(low / 2, high * 2);
  for (QCPGraph* g : measured_) g->setVisible(!g->data()->isEmpty());
  for (QCPGraph* g : measured_) {
    if (g->visible()) {
      g->addToLegend();
    } else {
      g->removeFromLegend();
    }
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LearnCostChart::refresh() {
  const std::int64_t n = length(), d = hidden();
  additive_ = additive_costs(n, d, heads_, sharedValues_, score_).total;
  softmax_ = softmax_costs(n, d, heads_).total;
  softmaxTiled_ = softmax_tiled_costs(n, d, heads_).total;
  linear_ = linear_costs(n, d, heads_).total;
  lengthLabel_->setText(QString("N = %1 tokens").arg(countText(static_cast<double>(n))));
  hiddenLabel_->setText(QString("d = %1, H = %2").arg(d).arg(heads_));
  const auto part = [&](const QColor& color, const QString& name, const OpCount& c) {
    return QString("<b><span style='color:%1'>%2</span></b>: %3 multiply-adds (%4×), %5 (%6×)")
        .arg(color.name(), name, countText(c.multiply_adds))
        .arg(c.multiply_adds / additive_.multiply_adds, 0, 'f', 1)
        .arg(bytesText(c.bytes))
        .arg(c.bytes / additive_.bytes, 0, 'f', 1);
  };
  counters_->setText(QString("<b><span style='color:%1'>Fastformer</span></b>: %2 multiply-adds, %3 · ")
                         .arg(additiveColor().name(), countText(additive_.multiply_adds), bytesText(additive_.bytes)) +
                     part(linearColor(), "Linear", linear_) + " · " + part(softmaxColor(), "Softmax", softmax_) +
                     QString(" · <b><span style='color:%1'>tiled</span></b>: %2 (%3×)")
                         .arg(tiledColor().name(), bytesText(softmaxTiled_.bytes))
                         .arg(softmaxTiled_.bytes / additive_.bytes, 0, 'f', 1));

  // The curves over the slider's whole range at this d, a point per quarter octave. The
  // tiled softmax does the materialised one's arithmetic: its curve is drawn for memory only.
  const bool memory = curve_->currentIndex() == 1;
  QVector<double> xs, fast, lin, slow, tiled;
  for (int v = kFirstLength; v <= kLastLength; ++v) {
    const std::int64_t at = lengthAt(v);
    const OpCount a = additive_costs(at, d, heads_, sharedValues_, score_).total, s = softmax_costs(at, d, heads_).total;
    const OpCount l = linear_costs(at, d, heads_).total, t = softmax_tiled_costs(at, d, heads_).total;
    xs << static_cast<double>(at);
    fast << (memory ? a.bytes : a.multiply_adds);
    lin << (memory ? l.bytes : l.multiply_adds);
    slow << (memory ? s.bytes : s.multiply_adds);
    tiled << t.bytes;
  }
  additiveCurve_->setData(xs, fast, true);
  linearCurve_->setData(xs, lin, true);
  softmaxCurve_->setData(xs, slow, true);
  tiledCurve_->setData(xs, tiled, true);
  tiledCurve_->setVisible(memory);
  if (memory) {
    tiledCurve_->addToLegend();
  } else {
    tiledCurve_->removeFromLegend();
  }
  const QString what = memory ? "memory" : "multiply-adds";
  additiveCurve_->setName(QString("Fastformer %1, grows ∝ N").arg(what));
  linearCurve_->setName(QString("Linear %1, grows ∝ N").arg(what));
  softmaxCurve_->setName(QString("Softmax %1, grows ∝ N² for long N").arg(memory ? "memory (materialised)" : what));
  tiledCurve_->setName("Softmax memory, tiled: ∝ N");
  plot_->yAxis->setLabel(memory ? "activation bytes (float32)" : "multiply-adds");
  const double low = std::min({fast.front(), lin.front(), slow.front(), memory ? tiled.front() : slow.front()});
  const double high = std::max({fast.back(), lin.back(), slow.back()});
  plot_->yAxis->setRange(low / 2, high * 2);
  marker_->point1->setCoords(static_cast<double>(n), 1);
  marker_->point2->setCoords(static_cast<double>(n), 10);
  plot_->replot(QCustomPlot::rpQueuedReplot);
  Q_EMIT scaleChanged();
}

}  // namespace fastformer::ui
