// FaithfulnessChart: two axis rects (deletion | insertion) sharing one legend.
#include "inspect/faithfulness_chart.h"

#include "fastformer/explain.h"

#include "common/chart_export.h"
#include "common/themed_plot.h"
#include "inspect/explain_job.h"

#include <QVBoxLayout>

#include <algorithm>

namespace fastformer::ui {
namespace {

QVector<double> percent(const std::vector<double>& fractions) {
  QVector<double> x;
  for (const double f : fractions) x << 100.0 * f;
  return x;
}

QVector<double> values(const std::vector<double>& v) { return QVector<double>(v.begin(), v.end()); }

void styleRect(QCPAxisRect* rect, const QString& x, const QString& y) {
  rect->axis(QCPAxis::atBottom)->setLabel(x);
  rect->axis(QCPAxis::atLeft)->setLabel(y);
  rect->axis(QCPAxis::atLeft)->setRange(0, 1);
  rect->axis(QCPAxis::atBottom)->setRange(0, 50);
}

QString curveName(const std::string& name) {
  if (name == "random") return QStringLiteral("random: mean");
  try {
    return methodTitle(attribution_method_from_string(name));
  } catch (const std::exception&) {
    return QString::fromStdString(name);
  }
}

}  // namespace

QColor curveColor(int index) {
  static const QColor palette[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
                                   QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                                   QColor(0xe3, 0x77, 0xc2), QColor(0x17, 0xbe, 0xcf)};
  constexpr int n = sizeof(palette) / sizeof(palette[0]);
  return palette[((index % n) + n) % n];
}

FaithfulnessChart::FaithfulnessChart(QWidget* parent) : QWidget(parent), plot_(new ThemedPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  setMinimumHeight(260);
  plot_->setAutoAddPlottableToLegend(false);
  // Layout: a grid of the two titles over the two axis rects, and the legend below it,
  // wrapping, so that neither chart loses width to it.
  QCPAxisRect* deletion = plot_->axisRect(0);
  auto* insertion = new QCPAxisRect(plot_);
  plot_->plotLayout()->take(deletion);
  plot_->plotLayout()->simplify();
  auto* charts = new QCPLayoutGrid;
  plot_->plotLayout()->addElement(0, 0, charts);
  QFont titleFont = font();
  titleFont.setBold(true);
  charts->addElement(0, 0, new QCPTextElement(plot_, "Deletion", titleFont));
  charts->addElement(0, 1, new QCPTextElement(plot_, "Insertion", titleFont));
  charts->addElement(1, 0, deletion);
  charts->addElement(1, 1, insertion);
  charts->setRowStretchFactor(0, 0.001);
  styleRect(deletion, "% of top tokens masked out", "p(target)");
  styleRect(insertion, "% of top tokens shown alone", "p(target)");
  QFont small = font();
  small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1.5));
  deletion->insetLayout()->take(plot_->legend);
  plot_->plotLayout()->addElement(1, 0, plot_->legend);
  plot_->plotLayout()->setRowStretchFactor(1, 0.001);
  plot_->legend->setVisible(true);
  plot_->legend->setFont(small);
  plot_->legend->setBorderPen(Qt::NoPen);
  plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  plot_->legend->setWrap(5);
  plot_->legend->setIconSize(18, 8);
  plot_->legend->setLayer("legend");
  addExportMenu(*plot_, "faithfulness");
  setExplanation(nullptr);
}

void FaithfulnessChart::setExplanation(const Explanation* e) {
  plot_->clearGraphs();
  plot_->legend->clearItems();
  QCPAxisRect* rects[] = {plot_->axisRects().value(0), plot_->axisRects().value(1)};
  if (!e || e->faithfulness.curves.empty()) {
    plot_->replot();
    return;
  }
  const Faithfulness& f = e->faithfulness;
  const QVector<double> x = percent(f.fractions);
  const double right = x.isEmpty() ? 50.0 : std::max(1.0, x.back());
  for (int side = 0; side < 2; ++side) {
    QCPAxisRect* rect = rects[side];
    rect->axis(QCPAxis::atBottom)->setRange(0, right);
    const QString prefix = side == 0 ? "deletion " : "insertion ";
    const auto& orders = side == 0 ? f.random_deletion : f.random_insertion;
    // The random orders' range as a band: the upper graph filled down to the lower one.
    if (!orders.empty()) {
      QVector<double> low(x.size(), 1.0), high(x.size(), 0.0);
      for (const auto& curve : orders) {
        for (int k = 0; k < x.size() && k < static_cast<int>(curve.size()); ++k) {
          low[k] = std::min(low[k], curve[static_cast<std::size_t>(k)]);
          high[k] = std::max(high[k], curve[static_cast<std::size_t>(k)]);
        }
      }
      QCPGraph* lower = plot_->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
      lower->setName("random: lowest");
      lower->setProperty("csvSeries", prefix + "random lowest");
      lower->setData(x, low);
      lower->setPen(QPen(QColor(150, 150, 150, 120)));
      QCPGraph* upper = plot_->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
      upper->setName(QString("random (%1 orders)").arg(orders.size()));
      upper->setProperty("csvSeries", prefix + "random highest");
      upper->setData(x, high);
      upper->setPen(QPen(QColor(150, 150, 150, 120)));
      upper->setBrush(QColor(150, 150, 150, 60));
      upper->setChannelFillGraph(lower);
      if (side == 0) upper->addToLegend(plot_->legend);
    }
    for (std::size_t c = 0; c < f.curves.size(); ++c) {
      const FaithfulnessCurve& curve = f.curves[c];
      const bool random = curve.name == "random";
      QCPGraph* g = plot_->addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
      g->setName(curveName(curve.name));
      g->setProperty("csvSeries", prefix + QString::fromStdString(curve.name));
      g->setData(x, values(side == 0 ? curve.deletion : curve.insertion));
      QPen pen(random ? QColor(90, 90, 90) : curveColor(static_cast<int>(c)), 2);
      if (random) pen.setStyle(Qt::DashLine);
      g->setPen(pen);
      g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
      if (side == 0) g->addToLegend(plot_->legend);  // one entry per method
    }
  }
  plot_->replot();
}

}  // namespace fastformer::ui
