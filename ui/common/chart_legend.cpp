#include "common/chart_legend.h"

#include "common/custom_plot.h"

#include <algorithm>
#include <cmath>

namespace fastformer::ui {
namespace {

constexpr int kLegendSamples = 600;  // points per graph tested

// The data's pixel positions, and three points on each segment between sparse points.
QVector<QPointF> dataPixels(const QCustomPlot& plot) {
  QVector<QPointF> points;
  for (int g = 0; g < plot.graphCount(); ++g) {
    const QCPGraph* graph = plot.graph(g);
    const auto data = graph->data();
    const int n = data->size();
    const int stride = std::max(1, n / kLegendSamples);
    QPointF last(qQNaN(), qQNaN());
    for (int i = 0; i < n; i += stride) {
      const auto it = data->at(i);
      if (!std::isfinite(it->value) || !std::isfinite(it->key)) continue;
      const QPointF p(graph->keyAxis()->coordToPixel(it->key), graph->valueAxis()->coordToPixel(it->value));
      if (stride == 1 && !qIsNaN(last.x()))
        for (double t : {0.25, 0.5, 0.75}) points.push_back(last + t * (p - last));
      points.push_back(p);
      last = p;
    }
  }
  return points;
}

bool isBelow(const QCustomPlot& plot) { return plot.legend->layout() == plot.plotLayout(); }

void moveInside(QCustomPlot& plot, Qt::Alignment corner) {
  QCPLegend* legend = plot.legend;
  if (isBelow(plot)) {
    plot.plotLayout()->take(legend);
    plot.plotLayout()->simplify();  // drops the emptied row
    legend->setFillOrder(QCPLayoutGrid::foRowsFirst);
    legend->setWrap(0);
    plot.axisRect()->insetLayout()->addElement(legend, corner);
  }
  QCPLayoutInset* inset = plot.axisRect()->insetLayout();
  for (int i = 0; i < inset->elementCount(); ++i)
    if (inset->elementAt(i) == legend) inset->setInsetAlignment(i, corner);
}

void moveBelow(QCustomPlot& plot) {
  if (isBelow(plot)) return;
  QCPLegend* legend = plot.legend;
  plot.axisRect()->insetLayout()->take(legend);
  legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  legend->setWrap(std::max(1, plot.width() / 150));
  const int row = plot.plotLayout()->rowCount();
  plot.plotLayout()->insertRow(row);
  plot.plotLayout()->addElement(row, 0, legend);
  plot.plotLayout()->setRowStretchFactor(row, 0.001);  // as tall as its entries, no more
}

}  // namespace

LegendPlace placeLegend(QCustomPlot& plot) {
  QCPLegend* legend = plot.legend;
  QCPAxisRect* rect = plot.axisRect();
  const bool below = isBelow(plot);
  if (!legend->visible() || legend->itemCount() == 0 || rect->width() < 20)
    return below ? LegendPlace::below : LegendPlace::inside;
  const QSize size = legend->minimumOuterSizeHint() + QSize(12, 12);  // the inset's margins
  const QRect area = rect->rect();
  const QVector<QPointF> points = dataPixels(plot);
  for (Qt::Alignment corner : {Qt::AlignTop | Qt::AlignRight, Qt::AlignTop | Qt::AlignLeft,
                               Qt::AlignBottom | Qt::AlignRight, Qt::AlignBottom | Qt::AlignLeft}) {
    const int x = corner.testFlag(Qt::AlignRight) ? area.right() - size.width() : area.left();
    const int y = corner.testFlag(Qt::AlignBottom) ? area.bottom() - size.height() : area.top();
    const QRectF box(x, y, size.width(), size.height());
    if (std::none_of(points.begin(), points.end(), [&](const QPointF& p) { return box.contains(p); })) {
      moveInside(plot, corner);
      return LegendPlace::inside;
    }
  }
  moveBelow(plot);
  return LegendPlace::below;
}

}  // namespace fastformer::ui
