// ConfusionHeatmap: a confusion matrix as a white→blue QCPColorMap, labels on both axes and
// each cell's count written in it (dark on light cells, white on dark ones).
#include "train/confusion_heatmap.h"

#include "common/themed_plot.h"

#include <QFontMetrics>
#include <QVBoxLayout>

#include <algorithm>

namespace fastformer::ui {
namespace {

constexpr double kDarkCell = 0.55;  // from this share of the largest count on, the text is white

}  // namespace

ConfusionHeatmap::ConfusionHeatmap(QWidget* parent)
    : QWidget(parent), plot_(new ThemedPlot(this)), map_(new QCPColorMap(plot_->xAxis, plot_->yAxis)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  setMinimumSize(240, 200);

  QCPColorGradient gradient;
  gradient.setColorStopAt(0.0, QColor(247, 251, 255));
  gradient.setColorStopAt(0.5, QColor(107, 174, 214));
  gradient.setColorStopAt(1.0, QColor(8, 48, 107));
  map_->setGradient(gradient);
  map_->setInterpolate(false);

  plot_->xAxis->setLabel(QStringLiteral("predicted"));
  plot_->yAxis->setLabel(QStringLiteral("true"));
  plot_->yAxis->setRangeReversed(true);  // the first true label on top, as the matrix is read
  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
    axis->grid()->setVisible(false);
    axis->setSubTicks(false);
    axis->setTickLength(0, 3);
  }
  // The axis rect's width is known once laid out: check the labels before every replot.
  connect(plot_, &QCustomPlot::beforeReplot, this, &ConfusionHeatmap::fitLabels);
  setMatrix({}, {});
}

void ConfusionHeatmap::fitLabels() {
  const double cell = cells_ > 0 ? plot_->axisRect()->width() / static_cast<double>(cells_) : 0;
  plot_->xAxis->setTickLabelRotation(cells_ > 0 && widestLabelPx_ + 6 > cell ? -35 : 0);
}

void ConfusionHeatmap::setMatrix(const QStringList& labels, const std::vector<std::vector<std::int64_t>>& confusion) {
  plot_->clearItems();
  const int n = static_cast<int>(confusion.size());
  QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
  QSharedPointer<QCPAxisTickerText> ticksY(new QCPAxisTickerText);
  const QFontMetrics metrics(plot_->xAxis->tickLabelFont());
  widestLabelPx_ = 0;
  for (int i = 0; i < n; ++i) {
    const QString label = labels.value(i, QString::number(i));
    ticks->addTick(i, label);
    ticksY->addTick(i, label);
    widestLabelPx_ = std::max(widestLabelPx_, metrics.horizontalAdvance(label));
  }
  cells_ = n;
  plot_->xAxis->setTicker(ticks);
  plot_->yAxis->setTicker(ticksY);

  if (n == 0) {
    map_->data()->setSize(0, 0);
    map_->setVisible(false);
    plot_->xAxis->setRange(0, 1);
    plot_->yAxis->setRange(0, 1);
    auto* empty = new QCPItemText(plot_);
    empty->position->setType(QCPItemPosition::ptAxisRectRatio);
    empty->position->setCoords(0.5, 0.5);
    empty->setPositionAlignment(Qt::AlignCenter);
    empty->setText(QStringLiteral("no evaluation yet"));
    empty->setColor(QColor(130, 130, 130));
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }

  std::int64_t most = 1;
  for (const auto& row : confusion)
    for (std::int64_t c : row) most = std::max(most, c);
  map_->setVisible(true);
  map_->data()->setSize(n, n);
  map_->data()->setRange(QCPRange(0, n - 1), QCPRange(0, n - 1));
  map_->setDataRange(QCPRange(0, static_cast<double>(most)));
  QFont cellFont = font();
  cellFont.setPointSizeF(n > 8 ? std::max(6.0, cellFont.pointSizeF() - 2) : cellFont.pointSizeF());
  for (int t = 0; t < n; ++t) {
    for (int p = 0; p < n; ++p) {
      const std::int64_t count = p < static_cast<int>(confusion[t].size()) ? confusion[t][p] : 0;
      map_->data()->setCell(p, t, static_cast<double>(count));  // (key = predicted, value = true)
      const double fraction = static_cast<double>(count) / static_cast<double>(most);
      auto* text = new QCPItemText(plot_);
      text->position->setCoords(p, t);
      text->setPositionAlignment(Qt::AlignCenter);
      text->setText(QString::number(count));
      text->setFont(cellFont);
      text->setColor(fraction >= kDarkCell ? Qt::white : QColor(20, 20, 20));
      text->setClipToAxisRect(true);
    }
  }
  // Cells are one unit wide; keep the map square-ish by showing exactly the cells.
  plot_->xAxis->setRange(-0.5, n - 0.5);
  plot_->yAxis->setRange(-0.5, n - 0.5);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace fastformer::ui
