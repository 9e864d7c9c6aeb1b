// WeightStripChart: one QCPGraph per head over token positions.
#include "weight_strip_chart.h"

#include "chart_export.h"
#include "metric_chart.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

#include <algorithm>

namespace fastformer::ui {

WeightStripChart::WeightStripChart(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->axisRect()->setRangeDrag(Qt::Horizontal);
  plot_->axisRect()->setRangeZoom(Qt::Horizontal);
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
  addExportMenu(*plot_, "token_weights");
  connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || event->modifiers() != Qt::ControlModifier) return;
    emit positionClicked(static_cast<int>(plot_->xAxis->pixelToCoord(event->pos().x()) + 0.5));
  });
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* event) {
    emit positionClicked(static_cast<int>(plot_->xAxis->pixelToCoord(event->pos().x()) + 0.5));
  });
}

void WeightStripChart::setWeights(const std::vector<std::vector<float>>& weights, int selected, const QString& title) {
  plot_->clearGraphs();
  double top = 0;
  for (std::size_t h = 0; h < weights.size(); ++h) {
    QVector<double> x(static_cast<int>(weights[h].size())), y(x.size());
    for (int i = 0; i < x.size(); ++i) {
      x[i] = i;
      y[i] = weights[h][static_cast<std::size_t>(i)];
      top = std::max(top, y[i]);
    }
    QCPGraph* graph = plot_->addGraph();
    graph->setData(x, y, true);
    const bool chosen = static_cast<int>(h) == selected;
    QColor colour = runColor(static_cast<int>(h));
    if (selected >= 0 && !chosen) colour.setAlpha(70);
    graph->setPen(QPen(colour, chosen ? 2.2 : 1.0));
    graph->setName(QString("head %1").arg(h));
  }
  if (auto* heading = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) heading->setText(title);
  const double n = weights.empty() ? 1.0 : static_cast<double>(std::max<std::size_t>(1, weights.front().size()));
  plot_->xAxis->setRange(-0.5, n - 0.5);
  plot_->yAxis->setRange(0, top > 0 ? top * 1.08 : 1.0);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void WeightStripChart::setVisibleRange(int first, int last) {
  visible_->topLeft->setCoords(first - 0.5, 0.0);
  visible_->bottomRight->setCoords(last + 0.5, 1.0);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace fastformer::ui
