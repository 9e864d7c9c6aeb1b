// LearnHeatmap: a QCPColorMap with one cell per tensor element, its colour bar and tick
// labels that name tokens when there are few enough to read.
#include "learn/learn_heatmap.h"

#include "common/chart_export.h"
#include "common/weight_colors.h"

#include "common/themed_plot.h"

#include <QMouseEvent>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {
namespace {

constexpr int kMaxNamedTicks = 16;  // labels an axis has room for; beyond, every k-th cell is named

QCPColorGradient divergingGradient() {
  QCPColorGradient g;  // blue for negative values, white at zero, red for positive ones
  g.setColorStopAt(0.0, QColor(33, 102, 172));
  g.setColorStopAt(0.5, Qt::white);
  g.setColorStopAt(1.0, QColor(178, 24, 43));
  return g;
}

QCPColorGradient weightGradient() {
  QCPColorGradient g;  // the text view's scale: white → orange-red
  for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) g.setColorStopAt(t, weightColor(t));
  return g;
}

// Named ticks for `labels` (every cell, or every k-th when there are many), else whole numbers.
QSharedPointer<QCPAxisTicker> ticker(const QStringList& labels, int cells) {
  if (!labels.isEmpty()) {
    const int every = (cells + kMaxNamedTicks - 1) / kMaxNamedTicks;
    QSharedPointer<QCPAxisTickerText> named(new QCPAxisTickerText);
    for (int i = 0; i < cells; i += every) named->addTick(i, labels.value(i, QString::number(i)));
    return named;
  }
  QSharedPointer<QCPAxisTickerFixed> fixed(new QCPAxisTickerFixed);
  fixed->setTickStep(cells <= 20 ? 1.0 : cells <= 80 ? 4.0 : 16.0);
  fixed->setScaleStrategy(QCPAxisTickerFixed::ssNone);
  return fixed;
}

}  // namespace

LearnHeatmap::LearnHeatmap(const QString& exportName, QWidget* parent) : QWidget(parent), plot_(new ThemedPlot(this)) {
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  map_->setInterpolate(false);
  scale_ = new QCPColorScale(plot_);
  scale_->setBarWidth(10);
  plot_->plotLayout()->addElement(0, 1, scale_);
  map_->setColorScale(scale_);
  // The colour bar as tall as the map.
  auto* margins = new QCPMarginGroup(plot_);
  plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  scale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  plot_->yAxis->setRangeReversed(true);  // the first row on top, as a matrix is read
  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
    axis->grid()->setVisible(false);
    axis->setSubTicks(false);
    axis->setTickLength(0, 3);
  }
  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, "", QFont(font().family(), 10, QFont::Bold)));
  plot_->setMinimumHeight(200);
  addExportMenu(*plot_, exportName);
  connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    QToolTip::showText(event->globalPosition().toPoint(), cellText(event->position()), plot_);
  });
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
}

QString LearnHeatmap::cellText(const QPointF& pixel) const {
  double key = 0, value = 0;
  map_->pixelsToCoords(pixel, key, value);
  const int c = static_cast<int>(std::lround(key)), r = static_cast<int>(std::lround(value));
  if (c < 0 || r < 0 || c >= grid_.columns || r >= grid_.rows) return {};
  const auto name = [](const QString& title, const QStringList& labels, int i) {
    if (i >= labels.size()) return QString("%1 %2").arg(title).arg(i);
    return labels[i].startsWith(title) ? labels[i] : QString("%1 '%2'").arg(title, labels[i]);
  };
  return QString("%1 · %2 · %3")
      .arg(name(grid_.rowTitle, grid_.rowLabels, r), name(grid_.columnTitle, grid_.columnLabels, c))
      .arg(grid_.values[static_cast<std::size_t>(r * grid_.columns + c)], 0, 'g', 4);
}

void LearnHeatmap::setGrid(const HeatGrid& grid, const QString& title) {
  grid_ = grid;
  const int rows = std::max(1, grid.rows), columns = std::max(1, grid.columns);
  map_->data()->setSize(columns, rows);
  map_->data()->setRange(QCPRange(0, columns - 1), QCPRange(0, rows - 1));
  double extent = 1e-12;
  for (int r = 0; r < grid.rows; ++r) {
    for (int c = 0; c < grid.columns; ++c) {
      const double v = grid.values[static_cast<std::size_t>(r * grid.columns + c)];
      map_->data()->setCell(c, r, v);
      extent = std::max(extent, std::abs(v));
    }
  }
  // Weights from 0 to the largest; signed values symmetric about 0 so that white is zero.
  map_->setGradient(grid.weights ? weightGradient() : divergingGradient());
  map_->setDataRange(grid.weights ? QCPRange(0, extent) : QCPRange(-extent, extent));
  plot_->xAxis->setTicker(ticker(grid.columnLabels, columns));
  plot_->yAxis->setTicker(ticker(grid.rowLabels, rows));
  int longest = 0;
  for (const QString& label : grid.columnLabels) longest = std::max(longest, static_cast<int>(label.size()));
  plot_->xAxis->setTickLabelRotation(!grid.columnLabels.isEmpty() && columns * std::max(longest, 2) > 30 ? -60 : 0);
  plot_->xAxis->setLabel(grid.columnNote.isEmpty() ? grid.columnTitle : grid.columnTitle + " " + grid.columnNote);
  plot_->yAxis->setLabel(grid.rowTitle);
  plot_->xAxis->setRange(-0.5, columns - 0.5);
  plot_->yAxis->setRange(-0.5, rows - 0.5);
  plot_->clearItems();
  for (int c = grid.columnGroup; grid.columnGroup > 0 && c < columns; c += grid.columnGroup) {
    auto* line = new QCPItemStraightLine(plot_);
    line->point1->setCoords(c - 0.5, 0);
    line->point2->setCoords(c - 0.5, 1);
    line->setPen(QPen(QColor(60, 60, 60), 1.5));
  }
  if (auto* heading = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) heading->setText(title);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace fastformer::ui
