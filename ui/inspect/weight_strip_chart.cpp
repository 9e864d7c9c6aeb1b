// WeightStripChart: one QCPGraph per head over token positions; a custom selection rect
// selects tokens, the x axis is kept inside the document.
#include "inspect/weight_strip_chart.h"

#include "common/chart_export.h"
#include "common/metric_chart.h"

#include "common/themed_plot.h"

#include <QMenu>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {
namespace {

// Drags narrower than this are a shaky click, not a selection.
constexpr int kMinSelectionPx = 4;

}  // namespace

WeightStripChart::WeightStripChart(QWidget* parent) : QWidget(parent), plot_(new ThemedPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  // Left drag selects, so no range drag; the wheel zooms token positions, never the weights.
  plot_->setInteractions(QCP::iRangeZoom);
  plot_->axisRect()->setRangeZoom(Qt::Horizontal);
  plot_->setSelectionRectMode(QCP::srmCustom);
  plot_->selectionRect()->setPen(QPen(QColor(40, 90, 160), 1, Qt::DashLine));
  plot_->selectionRect()->setBrush(QColor(40, 90, 160, 40));
  connect(plot_->selectionRect(), &QCPSelectionRect::accepted, this, [this](const QRect& rect, QMouseEvent* event) {
    if (event && event->button() != Qt::LeftButton) return;
    if (rect.width() < kMinSelectionPx) return;
    selectRange(plot_->xAxis->pixelToCoord(rect.left()), plot_->xAxis->pixelToCoord(rect.right()));
  });
  connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] { keepInDocument(); });
  plot_->xAxis->setLabel("token position");
  plot_->yAxis->setLabel("weight");
  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, "", QFont(font().family(), 10, QFont::Bold)));
  visible_ = new QCPItemRect(plot_);
  visible_->setPen(Qt::NoPen);
  visible_->setBrush(QColor(255, 200, 60, 50));
  visible_->setLayer("background");
  // x in token positions, y spanning the whole plot whatever the weights' range.
  for (QCPItemPosition* corner : {visible_->topLeft, visible_->bottomRight}) {
    corner->setTypeX(QCPItemPosition::ptPlotCoords);
    corner->setTypeY(QCPItemPosition::ptAxisRectRatio);
  }
  setMinimumHeight(150);
  plot_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(plot_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
    QMenu menu(plot_);
    fillContextMenu(menu);
    menu.exec(plot_->mapToGlobal(pos));
  });
  connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || event->modifiers() != Qt::ControlModifier) return;
    Q_EMIT positionClicked(static_cast<int>(plot_->xAxis->pixelToCoord(event->pos().x()) + 0.5));
  });
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* event) {
    Q_EMIT positionClicked(static_cast<int>(plot_->xAxis->pixelToCoord(event->pos().x()) + 0.5));
  });
}

void WeightStripChart::fillContextMenu(QMenu& menu) {
  QAction* whole = menu.addAction(tr("Show whole document"), this, &WeightStripChart::resetZoom);
  whole->setEnabled(tokens_ > 0);
  menu.addSeparator();
  menu.addAction(tr("Export chart…"), plot_, [this] { exportChartWithDialog(plot_, *plot_, QStringLiteral("token_weights")); });
}

void WeightStripChart::setValueLabel(const QString& label) { plot_->yAxis->setLabel(label); }

void WeightStripChart::setWeights(const std::vector<std::vector<float>>& weights, int selected, const QString& title) {
  plot_->clearGraphs();
  double top = 0, bottom = 0;  // signed scores reach below 0
  for (std::size_t h = 0; h < weights.size(); ++h) {
    QVector<double> x(static_cast<int>(weights[h].size())), y(x.size());
    for (int i = 0; i < x.size(); ++i) {
      x[i] = i;
      y[i] = weights[h][static_cast<std::size_t>(i)];
      if (std::isfinite(y[i])) top = std::max(top, y[i]), bottom = std::min(bottom, y[i]);
    }
    QCPGraph* graph = plot_->addGraph();
    graph->setData(x, y, true);
    const bool chosen = static_cast<int>(h) == selected;
    QColor colour = runColor(static_cast<int>(h));
    if (selected >= 0 && !chosen) colour.setAlpha(70);
    graph->setPen(QPen(colour, chosen ? 2.2 : 1.0));
    graph->setName(weights.size() == 1 && selected == 0 ? QString("score") : QString("head %1").arg(h));
  }
  if (auto* heading = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) heading->setText(title);
  tokens_ = weights.empty() ? 0 : static_cast<int>(weights.front().size());
  resetZoom();
  plot_->yAxis->setRange(bottom * 1.08, top > 0 || bottom < 0 ? top * 1.08 : 1.0);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void WeightStripChart::resetZoom() {
  plot_->xAxis->setRange(-0.5, std::max(1, tokens_) - 0.5);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void WeightStripChart::selectRange(double lo, double hi) {
  if (tokens_ <= 0 || std::isnan(lo) || std::isnan(hi)) return;
  if (lo > hi) std::swap(lo, hi);
  // Token i is drawn at x = i and owns [i − 0.5, i + 0.5): round to the nearest position.
  const auto token = [this](double x) {
    return static_cast<int>(std::clamp(std::floor(x + 0.5), 0.0, static_cast<double>(tokens_ - 1)));
  };
  const int first = token(lo), last = token(hi);
  plot_->xAxis->setRange(first - 0.5, last + 0.5);
  plot_->replot(QCustomPlot::rpQueuedReplot);
  Q_EMIT rangeSelected(first, last);
}

void WeightStripChart::setVisibleRange(int first, int last) {
  visible_->topLeft->setCoords(first - 0.5, 0.0);
  visible_->bottomRight->setCoords(last + 0.5, 1.0);
  const QCPRange shown = plot_->xAxis->range();
  if (first >= 0 && last >= first && tokens_ > 0 && shown.size() < tokens_ - 1e-9) {
    // Zoomed in: pan the least that shows all of the visible part, or when it is wider than
    // the axis, that fills the axis with it.
    const double lo = first - 0.5, hi = last + 0.5;
    double shift = 0.0;
    if (hi - lo <= shown.size()) {
      if (lo < shown.lower) shift = lo - shown.lower;
      else if (hi > shown.upper) shift = hi - shown.upper;
    } else {
      if (shown.lower < lo) shift = lo - shown.lower;
      else if (shown.upper > hi) shift = hi - shown.upper;
    }
    if (shift != 0.0) plot_->xAxis->setRange(shown.lower + shift, shown.upper + shift);
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void WeightStripChart::keepInDocument() {
  if (tokens_ <= 0) return;
  // The wheel may zoom or pan past the document's ends; one token is the closest zoom.
  const double start = -0.5, end = tokens_ - 0.5;
  QCPRange r = plot_->xAxis->range();
  if (r.size() < 1.0) r = QCPRange(r.center() - 0.5, r.center() + 0.5);
  if (r.size() >= end - start) r = QCPRange(start, end);
  else if (r.lower < start) r = QCPRange(start, start + r.size());
  else if (r.upper > end) r = QCPRange(end - r.size(), end);
  if (r.lower != plot_->xAxis->range().lower || r.upper != plot_->xAxis->range().upper) plot_->xAxis->setRange(r);
}

}  // namespace fastformer::ui
