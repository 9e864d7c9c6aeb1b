// MetricsDashboard (declared in metric_chart.h): the six training charts in a 3×2 grid under
// one toolbar (x axis, log scale for the losses, export of a chart to PNG/SVG/PDF/CSV).
#include "common/metric_chart.h"

#include "common/chart_export.h"

#include "fastformer/error.h"

#include "common/custom_plot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace fastformer::ui {

MetricsDashboard::MetricsDashboard(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("X axis:"), this));
  xAxisBox_ = new QComboBox(this);
  for (XAxis axis : {XAxis::step, XAxis::tokens, XAxis::wall}) xAxisBox_->addItem(title(axis));
  bar->addWidget(xAxisBox_);
  logYBox_ = new QCheckBox(tr("Log scale for losses"), this);
  bar->addSpacing(12);
  bar->addWidget(logYBox_);
  bar->addStretch(1);
  auto* exportButton = new QToolButton(this);
  exportButton->setText(tr("Export…"));
  exportButton->setToolTip(tr("Save one chart as PNG, SVG, PDF or CSV"));
  exportButton->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(exportButton);
  exportButton->setMenu(menu);
  bar->addWidget(exportButton);
  layout->addLayout(bar);

  auto* grid = new QGridLayout;
  grid->setSpacing(4);
  const Metric metrics[] = {Metric::train_loss,     Metric::valid_loss,    Metric::valid_accuracy,
                            Metric::valid_macro_f1, Metric::learning_rate, Metric::tokens_per_s};
  for (int i = 0; i < 6; ++i) {
    auto* chart = new MetricChart(metrics[i], this);
    charts_.push_back(chart);
    grid->addWidget(chart, i / 3, i % 3);
    menu->addAction(title(metrics[i]), this, [this, chart] { exportWithDialog(chart); });
    // Right-click on a chart exports that one.
    chart->plot()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(chart->plot(), &QWidget::customContextMenuRequested, chart, [this, chart](const QPoint& pos) {
      QMenu context;
      context.addAction(tr("Export this chart…"), this, [this, chart] { exportWithDialog(chart); });
      context.addAction(tr("Reset zoom"), chart, &MetricChart::resetZoom);
      context.exec(chart->plot()->mapToGlobal(pos));
    });
  }
  for (int c = 0; c < 3; ++c) grid->setColumnStretch(c, 1);
  layout->addLayout(grid, 1);

  connect(xAxisBox_, qOverload<int>(&QComboBox::currentIndexChanged), this, &MetricsDashboard::applyXAxis);
  connect(logYBox_, &QCheckBox::toggled, this, &MetricsDashboard::applyLogY);
}

void MetricsDashboard::setStore(const RunStore* store) {
  for (MetricChart* chart : charts_) chart->setStore(store);
}

MetricChart* MetricsDashboard::chart(Metric metric) const {
  for (MetricChart* chart : charts_)
    if (chart->metric() == metric) return chart;
  return nullptr;
}

void MetricsDashboard::setXAxis(XAxis axis) {
  if (xAxisBox_->currentIndex() == static_cast<int>(axis)) return applyXAxis(static_cast<int>(axis));
  xAxisBox_->setCurrentIndex(static_cast<int>(axis));  // applies it through the signal
}

void MetricsDashboard::applyXAxis(int index) {
  for (MetricChart* chart : charts_) chart->setXAxis(static_cast<XAxis>(index));
}

void MetricsDashboard::applyLogY(bool on) {
  chart(Metric::train_loss)->setLogY(on);
  chart(Metric::valid_loss)->setLogY(on);
}

void MetricsDashboard::exportWithDialog(MetricChart* chart) {
  exportChartWithDialog(this, *chart->plot(), title(chart->metric()).toLower().replace(' ', '_'));
}

}  // namespace fastformer::ui
