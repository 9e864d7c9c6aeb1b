// BarChart: named bars (label balance) or an equal-width histogram (lengths) under a title.
#include "common/bar_chart.h"

#include "common/metric_chart.h"

#include "common/themed_plot.h"

#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {
namespace {

QCPBars* newBars(QCustomPlot* plot) {
  plot->clearPlottables();
  auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
  const QColor color = runColor(0);
  bars->setPen(QPen(color.darker(130), 1));
  bars->setBrush(color.lighter(115));
  return bars;
}

// Counts start at zero; a little room above the highest bar.
void fitValues(QCustomPlot* plot, double highest) { plot->yAxis->setRange(0, highest > 0 ? highest * 1.1 : 1); }

}  // namespace

BarChart::BarChart(const QString& title, const QString& emptyText, QWidget* parent)
    : QWidget(parent), plot_(new ThemedPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  setMinimumSize(240, 180);

  plot_->plotLayout()->insertRow(0);
  QFont titleFont = font();
  titleFont.setBold(true);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, title, titleFont));
  plot_->xAxis->grid()->setVisible(false);
  plot_->yAxis->grid()->setPen(QPen(QColor(225, 225, 225), 0, Qt::DotLine));
  auto* themed = static_cast<ThemedPlot*>(plot_);
  themed->setEmptyText(emptyText);
  themed->setHidesAxesWhenEmpty(true);
}

void BarChart::setCategories(const QStringList& names, const std::vector<double>& values, const QString& valueAxis) {
  QCPBars* bars = newBars(plot_);
  QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
  QVector<double> keys, heights;
  int longest = 0;
  for (int i = 0; i < names.size(); ++i) {
    ticks->addTick(i + 1, names[i]);
    keys.push_back(i + 1);
    heights.push_back(i < static_cast<int>(values.size()) ? values[static_cast<std::size_t>(i)] : 0);
    longest = std::max(longest, static_cast<int>(names[i].size()));
  }
  bars->setWidth(0.65);
  bars->setData(keys, heights, true);
  plot_->xAxis->setTicker(ticks);
  plot_->xAxis->setSubTicks(false);
  plot_->xAxis->setTickLabelRotation(names.size() * std::max(longest, 3) > 48 ? -35 : 0);
  plot_->xAxis->setLabel(QString());
  plot_->xAxis->setRange(0.4, names.size() + 0.6);
  plot_->yAxis->setLabel(valueAxis);
  fitValues(plot_, heights.isEmpty() ? 0 : *std::max_element(heights.begin(), heights.end()));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void BarChart::setHistogram(const std::vector<double>& values, int bins, const QString& axis) {
  QCPBars* bars = newBars(plot_);
  bins = std::max(1, bins);
  plot_->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  plot_->xAxis->setSubTicks(true);
  plot_->xAxis->setTickLabelRotation(0);
  plot_->xAxis->setLabel(axis);
  plot_->yAxis->setLabel(QStringLiteral("count"));
  if (values.empty()) {
    plot_->xAxis->setRange(0, 1);
    fitValues(plot_, 0);
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  const double low = *lo;
  // All values equal: one unit-wide bin starting at them instead of a zero width.
  const double width = *hi > low ? (*hi - low) / bins : 1.0;
  if (!(*hi > low)) bins = 1;
  QVector<double> counts(bins, 0.0);
  for (double v : values) {
    const int b = std::clamp(static_cast<int>(std::floor((v - low) / width)), 0, bins - 1);  // max in the last bin
    counts[b] += 1;
  }
  QVector<double> centres(bins);
  for (int b = 0; b < bins; ++b) centres[b] = low + (b + 0.5) * width;
  bars->setWidth(width);  // bars touch: each is exactly one bin wide
  bars->setData(centres, counts, true);
  plot_->xAxis->setRange(low - 0.02 * width * bins, low + width * bins * 1.02);
  fitValues(plot_, *std::max_element(counts.begin(), counts.end()));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace fastformer::ui
