// MetricChart: one training metric of a RunStore's runs as live QCustomPlot curves (appends
// only new points, replots at most ~30 times a second). MetricsDashboard is in metrics_dashboard.cpp.
#include "common/metric_chart.h"

#include "common/chart_export.h"
#include "train/run_store.h"

#include "common/themed_plot.h"

#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace fastformer::ui {
namespace {

constexpr qint64 kMinReplotMs = 33;  // ≤ 30 replots a second
constexpr double kEmaBeta = 0.9;     // train-loss smoothing

bool fromSteps(Metric m) { return m == Metric::train_loss || m == Metric::learning_rate || m == Metric::tokens_per_s; }

// What an empty chart says will appear.
QString emptyText(Metric m) {
  switch (m) {
    case Metric::train_loss: return QStringLiteral("no steps yet:\neach run's training loss appears here");
    case Metric::valid_loss: return QStringLiteral("no evaluation yet:\nvalidation loss appears at each evaluation");
    case Metric::valid_accuracy: return QStringLiteral("no evaluation yet:\naccuracy appears at each evaluation");
    case Metric::valid_macro_f1: return QStringLiteral("no evaluation yet:\nmacro-F1 appears at each evaluation");
    case Metric::learning_rate: return QStringLiteral("no steps yet:\neach run's learning rate appears here");
    case Metric::tokens_per_s: return QStringLiteral("no steps yet:\neach run's tokens/s appear here");
  }
  return {};
}

double stepValue(Metric m, const StepPoint& p) {
  if (m == Metric::learning_rate) return p.lr;
  if (m == Metric::tokens_per_s) return p.tokens_per_s;
  return p.loss;
}

double evalValue(Metric m, const EvalPoint& p) {
  if (m == Metric::valid_accuracy) return p.accuracy;
  if (m == Metric::valid_macro_f1) return p.macro_f1;
  return p.loss;
}

template <typename Point>
double keyOf(XAxis axis, const Point& p) {
  if (axis == XAxis::tokens) return p.tokens_seen;
  if (axis == XAxis::wall) return p.wall_s;
  return static_cast<double>(p.step);
}

QString valueLabel(Metric m) {
  switch (m) {
    case Metric::train_loss:
    case Metric::valid_loss: return QStringLiteral("loss");
    case Metric::valid_accuracy: return QStringLiteral("accuracy");
    case Metric::valid_macro_f1: return QStringLiteral("macro-F1");
    case Metric::learning_rate: return QStringLiteral("learning rate");
    case Metric::tokens_per_s: return QStringLiteral("tokens / s");
  }
  return {};
}

// Compact tick labels for large counts: 12k, 1.5M.
class SiTicker : public QCPAxisTicker {
 protected:
  QString getTickLabel(double tick, const QLocale& locale, QChar format, int precision) override {
    const double a = std::abs(tick);
    if (a >= 1e9) return QString::number(tick / 1e9, 'g', 3) + 'G';
    if (a >= 1e6) return QString::number(tick / 1e6, 'g', 3) + 'M';
    if (a >= 1e4) return QString::number(tick / 1e3, 'g', 3) + 'k';
    return QCPAxisTicker::getTickLabel(tick, locale, format, precision);
  }
};

QSharedPointer<QCPAxisTicker> xTicker(XAxis axis) {
  if (axis != XAxis::wall) return QSharedPointer<QCPAxisTicker>(new SiTicker);
  QSharedPointer<QCPAxisTickerTime> time(new QCPAxisTickerTime);
  time->setTimeFormat(QStringLiteral("%m:%s"));  // minutes are not wrapped at 60
  return time;
}

// Fits both axes to the visible data, with a little room around it (markers are not cut).
void fitAxes(QCustomPlot& plot) {
  plot.rescaleAxes(true);
  const QCPRange k = plot.xAxis->range();
  const double kpad = k.size() > 0 ? 0.025 * k.size() : 1;
  plot.xAxis->setRange(k.lower - kpad, k.upper + kpad);
  QCPAxis* y = plot.yAxis;
  // QCustomPlot keeps the old span when every value is equal (a flat 100% accuracy would sit
  // in a −5…7.5 axis): take the data's own span.
  QCPRange r = y->range();
  bool any = false;
  for (int g = 0; g < plot.graphCount(); ++g) {
    bool found = false;
    const QCPRange v = plot.graph(g)->getValueRange(found);
    if (!found) continue;
    r = any ? QCPRange(std::min(r.lower, v.lower), std::max(r.upper, v.upper)) : v;
    any = true;
  }
  if (y->scaleType() == QCPAxis::stLogarithmic) {
    y->setRange(r.lower / 1.15, r.upper * 1.15);
  } else {
    // Flat up to rounding (a moving average of equal values wobbles in its last bits): a
    // span around the value.
    const double magnitude = std::max(std::abs(r.lower), std::abs(r.upper));
    const bool flat = !(r.size() > 1e-9 * magnitude);
    const double pad = flat ? std::max(1e-3, 0.05 * magnitude) : 0.06 * r.size();
    y->setRange(r.lower - pad, r.upper + pad);
  }
}

}  // namespace

QString title(Metric metric) {
  switch (metric) {
    case Metric::train_loss: return QStringLiteral("Training loss");
    case Metric::valid_loss: return QStringLiteral("Validation loss");
    case Metric::valid_accuracy: return QStringLiteral("Validation accuracy");
    case Metric::valid_macro_f1: return QStringLiteral("Validation macro-F1");
    case Metric::learning_rate: return QStringLiteral("Learning rate");
    case Metric::tokens_per_s: return QStringLiteral("Throughput");
  }
  return {};
}

QString title(XAxis axis) {
  switch (axis) {
    case XAxis::step: return QStringLiteral("Step");
    case XAxis::tokens: return QStringLiteral("Tokens seen");
    case XAxis::wall: return QStringLiteral("Wall time");
  }
  return {};
}

QColor runColor(int index) {
  // Tableau 10 (classic): distinct hues, all dark enough for thin lines on white.
  static const QColor palette[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
                                   QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                                   QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f), QColor(0xbc, 0xbd, 0x22),
                                   QColor(0x17, 0xbe, 0xcf)};
  constexpr int n = sizeof(palette) / sizeof(palette[0]);
  return palette[((index % n) + n) % n];
}

MetricChart::MetricChart(Metric metric, QWidget* parent)
    : QWidget(parent), metric_(metric), plot_(new ThemedPlot(this)) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_);
  setMinimumSize(230, 170);  // three across still fit a 1366-pixel-wide screen next to the form

  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setNoAntialiasingOnDrag(true);
  plot_->plotLayout()->insertRow(0);
  QFont titleFont = font();
  titleFont.setPointSizeF(titleFont.pointSizeF() + 0.5);
  titleFont.setBold(true);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, title(metric), titleFont));

  QFont small = font();
  small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1.5));
  plot_->legend->setVisible(true);
  plot_->legend->setFont(small);
  plot_->legend->setRowSpacing(-2);
  plot_->legend->setIconSize(18, 8);

  auto* themed = static_cast<ThemedPlot*>(plot_);  // made so above
  themed->setEmptyText(emptyText(metric));
  themed->setHidesAxesWhenEmpty(true);
  themed->setPlacesLegend(true);
  styleAxes();

  connect(plot_, &QCustomPlot::afterReplot, this, [this] { ++replots_; });
  // Dragging or zooming by hand freezes the view until a double-click resets it.
  connect(plot_, &QCustomPlot::mouseWheel, this, [this] { userZoomed_ = true; });
  connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
    if (e->buttons() != Qt::NoButton) userZoomed_ = true;
  });
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, &MetricChart::resetZoom);
  scheduleReplot();
}

MetricChart::~MetricChart() = default;

void MetricChart::styleAxes() {
  QFont tickFont = font();
  tickFont.setPointSizeF(std::max(7.0, tickFont.pointSizeF() - 1));
  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
    axis->setTickLabelFont(tickFont);
    axis->setLabelFont(font());
    axis->setLabelPadding(3);
    axis->grid()->setPen(QPen(QColor(225, 225, 225), 0, Qt::DotLine));
  }
  plot_->xAxis->setLabel(axis_ == XAxis::wall ? title(axis_) + QStringLiteral(" (min:s)") : title(axis_));
  plot_->xAxis->setTicker(xTicker(axis_));
  plot_->yAxis->setLabel(valueLabel(metric_));
  if (logY_) {
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  } else {
    plot_->yAxis->setScaleType(QCPAxis::stLinear);
    plot_->yAxis->setTicker(metric_ == Metric::tokens_per_s ? QSharedPointer<QCPAxisTicker>(new SiTicker)
                                                            : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  }
}

void MetricChart::setStore(const RunStore* store) {
  if (store_ != nullptr) disconnect(store_, nullptr, this, nullptr);
  store_ = store;
  if (store_ != nullptr) {
    connect(store_, &QAbstractItemModel::rowsInserted, this, [this] {
      addMissingGraphs();
      scheduleReplot();
    });
    connect(store_, &RunStore::runChanged, this, &MetricChart::onRunChanged);
    connect(store_, &QObject::destroyed, this, [this] {
      store_ = nullptr;
      rebuild();
    });
  }
  rebuild();
}

void MetricChart::rebuild() {
  plot_->clearGraphs();
  graphs_.clear();
  addMissingGraphs();
  userZoomed_ = false;
  scheduleReplot();
}

void MetricChart::addMissingGraphs() {
  if (store_ == nullptr) return;
  const auto& runs = store_->runs();
  for (std::size_t i = graphs_.size(); i < runs.size(); ++i) addGraphs(runs[i], static_cast<int>(i));
}

void MetricChart::addGraphs(const RunRecord& run, int index) {
  const QColor color = runColor(index);
  Graphs g;
  g.name = run.name;
  g.raw = plot_->addGraph();
  if (metric_ == Metric::train_loss) {
    // Raw batch losses are noisy: a thin light line under the thick smoothed one.
    QColor light = color;
    light.setAlpha(70);
    g.raw->setPen(QPen(light, 1));
    g.raw->setName(run.name + QStringLiteral(" (raw)"));
    g.raw->removeFromLegend();
    g.smooth = plot_->addGraph();
    g.smooth->setPen(QPen(color, 2.2));
    g.smooth->setName(run.name);
  } else {
    g.raw->setName(run.name);
    g.raw->setPen(QPen(color, 1.8));
    if (!fromSteps(metric_)) g.raw->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, color, 5));
  }
  append(g, run);
  graphs_.push_back(g);
}

void MetricChart::onRunChanged(const QString& id) {
  if (store_ == nullptr) return;
  const int row = store_->indexOf(id);
  if (row < 0) return;
  addMissingGraphs();
  const RunRecord& run = store_->runs()[static_cast<std::size_t>(row)];
  Graphs& g = graphs_[static_cast<std::size_t>(row)];
  // The store appends points; fewer than shown means the run was replaced (RunStore::add).
  const std::size_t held = fromSteps(metric_) ? run.steps.size() : run.evals.size();
  if (held < g.shown || store_->revision(id) != g.revision) {
    redraw(g, run);
  } else {
    append(g, run);
  }
  if (run.name != g.name) {
    g.name = run.name;
    g.raw->setName(g.smooth ? run.name + QStringLiteral(" (raw)") : run.name);
    if (g.smooth) g.smooth->setName(run.name);
  }
  scheduleReplot();
}

void MetricChart::redraw(Graphs& g, const RunRecord& run) {
  g.raw->data()->clear();
  if (g.smooth) g.smooth->data()->clear();
  g.shown = 0;
  g.ema = 0;
  g.decay = 1;
  append(g, run);
}

void MetricChart::append(Graphs& g, const RunRecord& run) {
  g.revision = store_ != nullptr ? store_->revision(run.id) : 0;
  const auto shown = [this](double v) { return logY_ && !(v > 0) ? qQNaN() : v; };  // log: a gap, not a plunge
  QVector<double> keys, values, smooth;
  if (fromSteps(metric_)) {
    for (std::size_t i = g.shown; i < run.steps.size(); ++i) {
      const StepPoint& p = run.steps[i];
      const double v = stepValue(metric_, p);
      keys.push_back(keyOf(axis_, p));
      values.push_back(shown(v));
      if (g.smooth) {
        if (std::isfinite(v)) {
          g.ema = kEmaBeta * g.ema + (1 - kEmaBeta) * v;
          g.decay *= kEmaBeta;
        }
        // Bias-corrected: divides out the weight the zero start still holds.
        smooth.push_back(g.decay < 1 ? shown(g.ema / (1 - g.decay)) : qQNaN());
      }
    }
    g.shown = run.steps.size();
  } else {
    for (std::size_t i = g.shown; i < run.evals.size(); ++i) {
      const EvalPoint& p = run.evals[i];
      if (p.split != QLatin1String("valid")) continue;
      keys.push_back(keyOf(axis_, p));
      values.push_back(shown(evalValue(metric_, p)));
    }
    g.shown = run.evals.size();
  }
  if (keys.isEmpty()) return;
  g.raw->addData(keys, values);
  if (g.smooth) g.smooth->addData(keys, smooth);
}

void MetricChart::refill() {
  if (store_ == nullptr) return;
  for (std::size_t i = 0; i < graphs_.size(); ++i) redraw(graphs_[i], store_->runs()[i]);
}

void MetricChart::setXAxis(XAxis axis) {
  axis_ = axis;
  styleAxes();
  refill();
  userZoomed_ = false;
  scheduleReplot();
}

void MetricChart::setLogY(bool on) {
  if (on == logY_) return;
  logY_ = on;
  styleAxes();
  refill();
  userZoomed_ = false;
  scheduleReplot();
}

bool MetricChart::logY() const { return logY_; }

void MetricChart::resetZoom() {
  userZoomed_ = false;
  replotNow();
}

int MetricChart::pointCount(const QString& runId) const {
  const int row = store_ != nullptr ? store_->indexOf(runId) : -1;
  return row >= 0 && row < static_cast<int>(graphs_.size()) ? graphs_[static_cast<std::size_t>(row)].raw->dataCount() : 0;
}

void MetricChart::scheduleReplot() {
  if (pending_) return;
  pending_ = true;
  const qint64 wait = sinceReplot_.isValid() ? std::max<qint64>(0, kMinReplotMs - sinceReplot_.elapsed()) : 0;
  QTimer::singleShot(static_cast<int>(wait), this, [this] { replotNow(); });
}

void MetricChart::replotNow() {
  pending_ = false;
  bool any = false;
  for (const Graphs& g : graphs_) any = any || g.raw->dataCount() > 0;
  if (!userZoomed_ && any) fitAxes(*plot_);
  plot_->replot(QCustomPlot::rpQueuedReplot);
  sinceReplot_.restart();
}

void MetricChart::exportTo(const QString& path) const {
  // A replot may still be pending: fit the axes so the file shows all the data.
  if (!userZoomed_) fitAxes(*plot_);
  exportChart(*plot_, path);
}

}  // namespace fastformer::ui
