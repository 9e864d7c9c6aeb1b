// Scale chart helpers: log tickers with unit labels, sweep/kind styling, failure markers and
// axis fitting.
#include "scale/scale_plot.h"

#include "scale/scale_analysis.h"

#include "common/custom_plot.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace fastformer::ui {
namespace {

// Log ticks labelled in the chart's unit: lengths in binary thousands (1k = 1,024, as
// sequence lengths are quoted), bytes in KiB/MiB/GiB, other counts with k/M/G.
class UnitLogTicker : public QCPAxisTickerLog {
 public:
  explicit UnitLogTicker(TickStyle style) : style_(style) {
    setLogBase(style == TickStyle::length ? 2 : style == TickStyle::bytes ? 4 : 10);
    setSubTickCount(style == TickStyle::si || style == TickStyle::plain ? 8 : 0);
  }

 protected:
  QString getTickLabel(double tick, const QLocale& locale, QChar format, int precision) override {
    if (tick <= 0) return {};
    switch (style_) {
      case TickStyle::length:
        if (tick >= 1024 && std::fmod(tick, 1024) == 0) return QString::number(tick / 1024) + 'k';
        return QString::number(tick, 'g', 6);
      case TickStyle::bytes:
        return memoryText(tick);
      case TickStyle::si:
        if (tick >= 1e12) return QString::number(tick / 1e12, 'g', 3) + 'T';
        if (tick >= 1e9) return QString::number(tick / 1e9, 'g', 3) + 'G';
        if (tick >= 1e6) return QString::number(tick / 1e6, 'g', 3) + 'M';
        if (tick >= 1e3) return QString::number(tick / 1e3, 'g', 3) + 'k';
        return QCPAxisTickerLog::getTickLabel(tick, locale, format, precision);
      case TickStyle::plain:
        return QString::number(tick, 'g', 6);
    }
    return {};
  }

 private:
  TickStyle style_;
};

const QCPScatterStyle::ScatterShape kShapes[] = {QCPScatterStyle::ssCircle, QCPScatterStyle::ssSquare,
                                                 QCPScatterStyle::ssTriangle, QCPScatterStyle::ssDiamond,
                                                 QCPScatterStyle::ssTriangleInverted};

QFont smaller(const QFont& font, double by) {
  QFont f = font;
  f.setPointSizeF(std::max(7.0, f.pointSizeF() - by));
  return f;
}

}  // namespace

void setupScalePlot(QCustomPlot& plot, const QString& title) {
  plot.setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot.setNoAntialiasingOnDrag(true);
  plot.plotLayout()->insertRow(0);
  QFont titleFont = plot.font();
  titleFont.setPointSizeF(titleFont.pointSizeF() + 0.5);
  titleFont.setBold(true);
  plot.plotLayout()->addElement(0, 0, new QCPTextElement(&plot, title, titleFont));
  plot.plotLayout()->insertRow(1);
  auto* note = new QCPTextElement(&plot, QString(), smaller(plot.font(), 1.5));
  note->setTextColor(QColor(90, 90, 90));
  note->setMargins(QMargins(4, 0, 4, 2));
  plot.plotLayout()->addElement(1, 0, note);
  plot.plotLayout()->setRowSpacing(0);
  plot.legend->setVisible(true);
  plot.legend->setFont(smaller(plot.font(), 1.5));
  plot.legend->setRowSpacing(-2);
  plot.legend->setIconSize(18, 8);
  plot.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
  for (QCPAxis* axis : {plot.xAxis, plot.yAxis}) {
    axis->setTickLabelFont(smaller(plot.font(), 1));
    axis->setLabelPadding(3);
    axis->grid()->setPen(QPen(QColor(225, 225, 225), 0, Qt::DotLine));
  }
}

void setPlotTitle(QCustomPlot& plot, const QString& title) {
  if (auto* text = qobject_cast<QCPTextElement*>(plot.plotLayout()->element(0, 0))) text->setText(title);
}

void setPlotNote(QCustomPlot& plot, const QString& text) {
  if (auto* note = qobject_cast<QCPTextElement*>(plot.plotLayout()->element(1, 0))) note->setText(text);
}

QString plotNote(const QCustomPlot& plot) {
  const auto* note = qobject_cast<QCPTextElement*>(plot.plotLayout()->element(1, 0));
  return note ? note->text() : QString();
}

void setLogAxis(QCPAxis* axis, TickStyle style, const QString& label) {
  axis->setScaleType(QCPAxis::stLogarithmic);
  axis->setTicker(QSharedPointer<QCPAxisTicker>(new UnitLogTicker(style)));
  axis->setLabel(label);
}

QColor sweepKindColor(int slot, BenchKind kind) {
  // Tableau 10 sets, one colour per kind (additive, linear, softmax, softmax-materialized):
  // blue/green/orange/purple, then brown/olive/pink/cyan, then darker shades; red is kept
  // for out-of-memory markers.
  static const QColor sets[][4] = {
      {QColor(0x1f, 0x77, 0xb4), QColor(0x2c, 0xa0, 0x2c), QColor(0xff, 0x7f, 0x0e), QColor(0x94, 0x67, 0xbd)},
      {QColor(0x8c, 0x56, 0x4b), QColor(0xbc, 0xbd, 0x22), QColor(0xe3, 0x77, 0xc2), QColor(0x17, 0xbe, 0xcf)}};
  constexpr int n = sizeof(sets) / sizeof(sets[0]);
  const int s = ((slot % (2 * n)) + 2 * n) % (2 * n);
  const QColor color = sets[s % n][static_cast<int>(kind)];
  return s < n ? color : color.darker(150);
}

QCPGraph* addSeries(QCustomPlot& plot, const QString& name, const QColor& color, int slot,
                    const std::vector<ScalingPoint>& points) {
  QCPGraph* graph = plot.addGraph();
  graph->setName(name);
  graph->setPen(QPen(color, 1.8));
  const auto shape = kShapes[static_cast<std::size_t>(std::abs(slot)) % (sizeof(kShapes) / sizeof(kShapes[0]))];
  graph->setScatterStyle(QCPScatterStyle(shape, color, color, 6));
  std::vector<std::pair<double, double>> sorted;  // by N: a sweep may list lengths in any order
  for (const auto& p : points) sorted.emplace_back(p.n, p.value);
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [n, v] : sorted) graph->addData(n, v);
  return graph;
}

QCPGraph* addLine(QCustomPlot& plot, const QString& name, const QColor& color, const std::vector<double>& keys,
                  const std::vector<double>& values, Qt::PenStyle style) {
  QCPGraph* graph = plot.addGraph();
  graph->setName(name);
  graph->setPen(QPen(color, 1.2, style));
  for (std::size_t i = 0; i < keys.size() && i < values.size(); ++i) graph->addData(keys[i], values[i]);
  return graph;
}

void Extent::add(double x, double y) {
  addX(x);
  if (y > 0 && std::isfinite(y)) {
    ymin = std::min(ymin, y);
    ymax = std::max(ymax, y);
  }
}

void Extent::addX(double x) {
  if (x > 0 && std::isfinite(x)) {
    xmin = std::min(xmin, x);
    xmax = std::max(xmax, x);
  }
}

double applyExtent(QCustomPlot& plot, const Extent& e, bool markerRow) {
  if (e.hasX())
    plot.xAxis->setRange(e.xmin / 1.3, e.xmax * 1.3);
  else
    plot.xAxis->setRange(64, 16384);
  double lo = 1, hi = 10;
  if (e.hasY()) {
    lo = e.ymin / 1.6;
    hi = e.ymax * 1.6;
  }
  // On a log axis a fraction of the height is a fraction of log(hi / lo).
  const auto at = [&](double fraction) { return lo * std::pow(hi / lo, fraction); };
  if (markerRow) hi = at(1 / 0.8);
  plot.yAxis->setRange(lo, hi);
  return at(0.91);
}

QString failureGraphName(const QString& status) {
  return status == QLatin1String("oom") ? QStringLiteral("OOM") : status;
}

void addFailureMarkers(QCustomPlot& plot, const std::vector<FailedPoint>& failed, double y) {
  const std::pair<const char*, QColor> kinds[] = {
      {"oom", QColor(0xd6, 0x27, 0x28)}, {"timeout", QColor(0xe6, 0x80, 0x00)}, {"error", QColor(0x60, 0x60, 0x60)}};
  for (const auto& [status, color] : kinds) {
    std::set<double> ns;
    for (const auto& f : failed)
      if (f.status == QLatin1String(status)) ns.insert(f.n);
    if (ns.empty()) continue;
    const QString name = failureGraphName(QString::fromLatin1(status));
    QCPGraph* graph = plot.addGraph();
    graph->setName(name);
    graph->setLineStyle(QCPGraph::lsNone);
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCross, QPen(color, 2.2), Qt::NoBrush, 11));
    for (const double n : ns) {
      graph->addData(n, y);
      auto* label = new QCPItemText(&plot);
      label->position->setCoords(n, y);
      label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
      label->setPadding(QMargins(0, 0, 0, 7));
      label->setText(name);
      label->setColor(color);
      label->setFont(smaller(plot.font(), 1.5));
      label->setClipToAxisRect(false);
    }
  }
}

void addEmptyNote(QCustomPlot& plot, const QString& text) {
  auto* note = new QCPItemText(&plot);
  note->position->setType(QCPItemPosition::ptAxisRectRatio);
  note->position->setCoords(0.5, 0.5);
  note->setPositionAlignment(Qt::AlignCenter);
  note->setText(text);
  note->setColor(QColor(130, 130, 130));
}

}  // namespace fastformer::ui
