// ScaleCharts: the three plots, the measured/counted toggle and coalesced redraws.
#include "scale/scale_charts.h"

#include "common/chart_export.h"
#include "fastformer/memory_estimate.h"
#include "scale/scale_plot.h"

#include "common/themed_plot.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace fastformer::ui {
namespace {

constexpr int kRedrawMs = 33;  // ≤ 30 redraws a second

QCustomPlot* makePlot(const QString& title, const QString& exportName, QWidget* parent) {
  auto* plot = new ThemedPlot(parent);
  plot->setHidesAxesWhenEmpty(true);
  plot->setPlacesLegend(true);
  plot->setMinimumSize(260, 190);
  setupScalePlot(*plot, title);
  addExportMenu(*plot, exportName);
  return plot;
}

}  // namespace

ScaleCharts::ScaleCharts(QWidget* parent) : QWidget(parent) {
  time_ = makePlot(QStringLiteral("Time against sequence length"), QStringLiteral("scale-time"), this);
  memory_ = makePlot(QStringLiteral("Peak memory against sequence length"), QStringLiteral("scale-memory"), this);
  throughput_ =
      makePlot(QStringLiteral("Throughput against sequence length"), QStringLiteral("scale-throughput"), this);
  time_->setToolTip(QStringLiteral(
      "Median time of one run over its batch, per sequence. Slopes: least-squares fit of log time on log N over "
      "the upper half of the lengths, as fastformer bench sweep prints them. Right click: export."));
  memory_->setToolTip(QStringLiteral(
      "Peak memory growth of one run over the built model and inputs (a child process's peak RSS on the CPU, the "
      "CUDA allocator's peak on a GPU). Right click: export."));

  valueBox_ = new QComboBox;
  valueBox_->addItem(QStringLiteral("measured time"), static_cast<int>(ScaleValue::time));
  valueBox_->addItem(QStringLiteral("counted FLOPs"), static_cast<int>(ScaleValue::flops));
  valueBox_->addItem(QStringLiteral("counted bytes moved"), static_cast<int>(ScaleValue::bytes));
  valueBox_->setToolTip(QStringLiteral("Counted work is computed from the shapes (bench_work), not measured"));
  connect(valueBox_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { scheduleRedraw(); });

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(QStringLiteral("First chart shows")));
  bar->addWidget(valueBox_);
  bar->addStretch(1);
  auto* lower = new QSplitter(Qt::Horizontal);
  lower->addWidget(memory_);
  lower->addWidget(throughput_);
  auto* charts = new QSplitter(Qt::Vertical);
  charts->addWidget(time_);
  charts->addWidget(lower);
  charts->setStretchFactor(0, 3);
  charts->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(charts, 1);
  redrawNow();
}

void ScaleCharts::setSweeps(const std::vector<SweepRecord>& sweeps) {
  sweeps_ = sweeps;
  scheduleRedraw();
}

void ScaleCharts::setValue(ScaleValue value) {
  valueBox_->setCurrentIndex(valueBox_->findData(static_cast<int>(value)));
}

ScaleValue ScaleCharts::value() const { return static_cast<ScaleValue>(valueBox_->currentData().toInt()); }

void ScaleCharts::setAvailableMemory(double bytes) {
  available_ = bytes;
  fixedAvailable_ = true;
  scheduleRedraw();
}

void ScaleCharts::scheduleRedraw() {
  if (pending_) return;
  pending_ = true;
  QTimer::singleShot(kRedrawMs, this, [this] {
    if (pending_) redrawNow();
  });
}

void ScaleCharts::redrawNow() {
  pending_ = false;
  if (!fixedAvailable_) available_ = static_cast<double>(available_memory_bytes());
  std::vector<const SweepRecord*> shown;
  for (const auto& s : sweeps_)
    if (s.visible) shown.push_back(&s);
  facts_ = drawTimeChart(*time_, shown, value());
  forecast_ = drawMemoryChart(*memory_, shown, available_);
  drawThroughputChart(*throughput_, shown);
  for (QCustomPlot* plot : {time_, memory_, throughput_}) plot->replot(QCustomPlot::rpQueuedReplot);
  Q_EMIT redrawn();
}

}  // namespace fastformer::ui
