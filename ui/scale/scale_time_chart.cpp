// The first Scale chart: time per sequence (or counted FLOPs or bytes) against N on log–log
// axes, the fitted slope per kind in the legend, dashed N¹ and N² references through the
// first measured points, the crossover length, and failed points marked at the top.
#include "scale/scale_drawing.h"

#include "common/custom_plot.h"

#include <cmath>

namespace fastformer::ui {
namespace {

const QColor kReference(120, 120, 120);

QString valueTitle(ScaleValue v) {
  switch (v) {
    case ScaleValue::time:
      return QStringLiteral("Time against sequence length");
    case ScaleValue::flops:
      return QStringLiteral("Counted FLOPs against sequence length");
    case ScaleValue::bytes:
      return QStringLiteral("Counted bytes moved against sequence length");
  }
  return {};
}

QString valueAxis(ScaleValue v) {
  switch (v) {
    case ScaleValue::time:
      return QStringLiteral("time per sequence (ms)");
    case ScaleValue::flops:
      return QStringLiteral("FLOPs per sequence");
    case ScaleValue::bytes:
      return QStringLiteral("bytes per sequence");
  }
  return {};
}

// A line ∝ N^power through `anchor`, across the x axis.
void addReference(QCustomPlot& plot, const ScalingPoint& anchor, double power, const QString& name,
                  Qt::PenStyle style) {
  const QCPRange x = plot.xAxis->range();
  std::vector<double> keys, values;
  for (const double n : {x.lower, x.upper}) {
    keys.push_back(n);
    values.push_back(anchor.value * std::pow(n / anchor.n, power));
  }
  addLine(plot, name, kReference, keys, values, style);
}

void addCrossover(QCustomPlot& plot, double n, const QString& text) {
  auto* line = new QCPItemStraightLine(&plot);
  line->point1->setCoords(n, 1);
  line->point2->setCoords(n, 10);
  line->setPen(QPen(QColor(60, 60, 60), 1.2, Qt::DashDotLine));
  auto* label = new QCPItemText(&plot);
  label->position->setTypeX(QCPItemPosition::ptPlotCoords);
  label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
  label->position->setCoords(n, 0.7);
  label->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
  label->setPadding(QMargins(4, 1, 4, 1));
  label->setBrush(QColor(255, 255, 255, 210));
  label->setText(text);
  label->setColor(QColor(40, 40, 40));
}

}  // namespace

QString seriesName(BenchKind kind, const SweepRecord& sweep, bool several) {
  return several ? QStringLiteral("%1 (%2)").arg(kindName(kind), sweep.label) : kindName(kind);
}

std::vector<FailedPoint> failedPoints(const std::vector<const SweepRecord*>& sweeps) {
  std::vector<FailedPoint> out;
  for (const SweepRecord* s : sweeps) {
    for (const auto& p : s->points) {
      if (p.status == "oom" || p.status == "timeout" || p.status == "error")
        out.push_back({static_cast<double>(p.n), QString::fromStdString(p.status)});
    }
  }
  return out;
}

TimeChartFacts drawTimeChart(QCustomPlot& plot, const std::vector<const SweepRecord*>& sweeps, ScaleValue value) {
  plot.clearGraphs();
  plot.clearItems();
  setPlotTitle(plot, valueTitle(value));
  setLogAxis(plot.xAxis, TickStyle::length, QStringLiteral("N (tokens per sequence)"));
  setLogAxis(plot.yAxis, value == ScaleValue::time ? TickStyle::plain : TickStyle::si, valueAxis(value));

  TimeChartFacts facts;
  const bool several = sweeps.size() > 1;
  Extent extent;
  std::optional<ScalingPoint> firstAdditive, firstSoftmax;  // reference anchors
  QStringList ranges;
  for (std::size_t i = 0; i < sweeps.size(); ++i) {
    const SweepRecord& s = *sweeps[i];
    const double from = fitFrom(s.config ? s.config->lengths : std::vector<std::int64_t>{}, s.points);
    if (i == 0) facts.fitFrom = from;
    for (const BenchKind kind : kKinds) {
      const auto series = kindSeries(s.points, kind, value);
      for (const auto& p : s.points)
        if (p.kind == kind) extent.addX(static_cast<double>(p.n));
      if (series.empty()) continue;
      const auto fit = fitSlope(series, from);
      const QString name = slopeLabel(seriesName(kind, s, several), fit);
      addSeries(plot, name, sweepKindColor(s.colorSlot, kind), s.colorSlot, series);
      if (fit) {
        facts.slopes << name;
        ranges << QStringLiteral("%1…%2 (%3)").arg(formatLength(fit->min_n), formatLength(fit->max_n), kindName(kind));
      }
      for (const auto& p : series) extent.add(p.n, p.value);
      // The ∝ N² reference starts at the tiled softmax, or the materialised one without it.
      const bool quadratic = kind == BenchKind::softmax || (kind == BenchKind::softmax_materialized && !firstSoftmax);
      auto* anchor = kind == BenchKind::additive ? &firstAdditive : quadratic ? &firstSoftmax : nullptr;
      if (i == 0 && anchor != nullptr)
        *anchor = *std::min_element(series.begin(), series.end(), [](auto& a, auto& b) { return a.n < b.n; });
    }
    const auto crossover = additiveCrossover(s.points, value);
    if (i == 0) facts.crossover = crossover;
    if (crossover) {
      const QString what = value == ScaleValue::time ? QStringLiteral("faster") : QStringLiteral("cheaper");
      addCrossover(plot, *crossover,
                   QStringLiteral("additive %1 from N = %2%3")
                       .arg(what, formatLength(*crossover), several ? " (" + s.label + ")" : QString()));
    }
  }
  const std::vector<FailedPoint> failed = failedPoints(sweeps);
  for (const auto& f : failed) extent.addX(f.n);
  const double markerY = applyExtent(plot, extent, !failed.empty());
  if (firstAdditive) addReference(plot, *firstAdditive, 1, QStringLiteral("∝ N (reference)"), Qt::DashLine);
  if (firstSoftmax) addReference(plot, *firstSoftmax, 2, QStringLiteral("∝ N² (reference)"), Qt::DotLine);
  addFailureMarkers(plot, failed, markerY);
  if (!ranges.isEmpty()) {
    ranges.removeDuplicates();
    // One range for all: say it once.
    QStringList spans = ranges;
    for (QString& r : spans) r = r.section(' ', 0, 0);
    spans.removeDuplicates();
    const QString over = spans.size() == 1 ? spans.front() : ranges.join(QStringLiteral(", "));
    setPlotNote(plot, QStringLiteral("slopes: log–log least squares over N = %1").arg(over));
  } else {
    setPlotNote(plot, sweeps.empty() ? QString() : QStringLiteral("slopes need two measured lengths of a kind"));
  }
  if (sweeps.empty()) addEmptyNote(plot, QStringLiteral("no sweep yet: choose the lengths and press Start"));
  return facts;
}

}  // namespace fastformer::ui
