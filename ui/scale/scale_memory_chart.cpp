// The peak memory chart, with where softmax would run out of this machine's memory, and the
// throughput chart.
#include "scale/scale_drawing.h"

#include "common/custom_plot.h"

#include <cmath>

namespace fastformer::ui {
namespace {

constexpr double kMaxForecastReach = 256;   // the axis stretches to a forecast this far beyond the data
constexpr double kMaxForecastClaim = 1024;  // further out, a fit over a few short lengths says little
const QColor kLimit(0xd6, 0x27, 0x28);

// The extrapolated softmax line from its last measured length to the limit, the available
// memory as a horizontal line and the limit's N marked and explained.
void drawForecast(QCustomPlot& plot, const MemoryForecast& f, const QColor& color) {
  std::vector<double> keys, values;
  for (const double n : {f.fit.max_n, f.limitN}) {
    keys.push_back(n);
    values.push_back(std::exp(f.fit.intercept + f.fit.slope * std::log(n)));
  }
  addLine(plot, kindName(f.kind) + QStringLiteral(" extrapolated"), color, keys, values, Qt::DashLine);
  auto* limit = new QCPItemStraightLine(&plot);
  limit->point1->setCoords(1, f.limitBytes);
  limit->point2->setCoords(10, f.limitBytes);
  limit->setPen(QPen(kLimit, 1, Qt::DotLine));
  auto* limitLabel = new QCPItemText(&plot);
  // Just left of the marked limit and under its line: the limit often tops the axis, and a
  // label above it would be cut off.
  limitLabel->position->setCoords(f.limitN, f.limitBytes);
  limitLabel->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
  limitLabel->setPadding(QMargins(0, 2, 10, 0));
  limitLabel->setText(QStringLiteral("available on this machine: %1").arg(memoryText(f.limitBytes)));
  limitLabel->setColor(kLimit);
  auto* mark = new QCPItemTracer(&plot);
  mark->position->setCoords(f.limitN, f.limitBytes);
  mark->setStyle(QCPItemTracer::tsCircle);
  mark->setSize(9);
  mark->setPen(QPen(kLimit, 2));
}

QString forecastText(const MemoryForecast& f) {
  return QStringLiteral("%6 would need %1, all that is available, at N ≈ %2\nand %4 at N = %5 (memory ∝ N^%3)")
      .arg(memoryText(f.limitBytes), formatLength(f.limitN))
      .arg(f.fit.slope, 0, 'f', 2)
      .arg(memoryText(f.bytesAtNextN), formatLength(f.nextN))
      .arg(kindName(f.kind));
}

}  // namespace

std::optional<MemoryForecast> drawMemoryChart(QCustomPlot& plot, const std::vector<const SweepRecord*>& sweeps,
                                              double availableBytes) {
  plot.clearGraphs();
  plot.clearItems();
  setLogAxis(plot.xAxis, TickStyle::length, QStringLiteral("N (tokens per sequence)"));
  setLogAxis(plot.yAxis, TickStyle::bytes, QStringLiteral("peak memory of a run"));
  const bool several = sweeps.size() > 1;
  Extent extent;
  bool anyPoint = false, anyMemory = false;
  std::optional<MemoryForecast> forecast;
  bool forecastLive = false;
  QColor forecastColor;
  for (const SweepRecord* s : sweeps) {
    const double from = fitFrom(s->config ? s->config->lengths : std::vector<std::int64_t>{}, s->points);
    for (const BenchKind kind : kKinds) {
      const auto series = memorySeries(s->points, kind);
      for (const auto& p : s->points) {
        if (p.kind != kind) continue;
        extent.addX(static_cast<double>(p.n));
        anyPoint = true;
      }
      if (series.empty()) continue;
      anyMemory = true;
      const QColor color = sweepKindColor(s->colorSlot, kind);
      addSeries(plot, slopeLabel(seriesName(kind, *s, several), fitSlope(series, from)), color,
                s->colorSlot, series);
      for (const auto& p : series) extent.add(p.n, p.value);
    }
    // The memory available is this machine's RAM: the first CPU sweep measured here gets
    // the forecast, or else the first CPU sweep shown.
    if (devicesOf(s->points) == QLatin1String("cpu") && (!forecast || (s->live && !forecastLive))) {
      if (auto f = softmaxMemoryForecast(s->points, from, availableBytes)) {
        forecast = f;
        forecastLive = s->live;
        forecastColor = sweepKindColor(s->colorSlot, f->kind);
      }
    }
  }
  const bool reachable = forecast && forecast->limitN <= kMaxForecastReach * forecast->fit.max_n;
  if (reachable) extent.add(forecast->limitN, forecast->limitBytes);
  const std::vector<FailedPoint> failed = failedPoints(sweeps);
  for (const auto& f : failed) extent.addX(f.n);
  const double markerY = applyExtent(plot, extent, !failed.empty());
  if (reachable) drawForecast(plot, *forecast, forecastColor);
  addFailureMarkers(plot, failed, markerY);
  if (forecast && forecast->limitN <= kMaxForecastClaim * forecast->fit.max_n) {
    setPlotNote(plot, forecastText(*forecast));
  } else if (forecast) {
    setPlotNote(plot, QStringLiteral("%3 memory grows as N^%1 here: no forecast %2× beyond the longest length")
                          .arg(forecast->fit.slope, 0, 'f', 2)
                          .arg(kMaxForecastClaim)
                          .arg(kindName(forecast->kind)));
  } else {
    setPlotNote(plot, QString());
  }
  if (anyPoint && !anyMemory) addEmptyNote(plot, QStringLiteral("memory not measured (points ran inside the Studio)"));
  if (!anyPoint) addEmptyNote(plot, QStringLiteral("no sweep yet"));
  return forecast;
}

void drawThroughputChart(QCustomPlot& plot, const std::vector<const SweepRecord*>& sweeps) {
  plot.clearGraphs();
  plot.clearItems();
  setLogAxis(plot.xAxis, TickStyle::length, QStringLiteral("N (tokens per sequence)"));
  setLogAxis(plot.yAxis, TickStyle::si, QStringLiteral("tokens / s"));
  const bool several = sweeps.size() > 1;
  Extent extent;
  for (const SweepRecord* s : sweeps) {
    for (const BenchKind kind : kKinds) {
      std::vector<ScalingPoint> series;
      for (const auto& p : s->points) {
        if (p.kind != kind) continue;
        extent.addX(static_cast<double>(p.n));
        if (p.status == "ok" && p.tokens_per_s > 0) series.push_back({static_cast<double>(p.n), p.tokens_per_s});
      }
      if (series.empty()) continue;
      addSeries(plot, seriesName(kind, *s, several), sweepKindColor(s->colorSlot, kind),
                s->colorSlot, series);
      for (const auto& p : series) extent.add(p.n, p.value);
    }
  }
  const std::vector<FailedPoint> failed = failedPoints(sweeps);
  for (const auto& f : failed) extent.addX(f.n);
  addFailureMarkers(plot, failed, applyExtent(plot, extent, !failed.empty()));
  if (sweeps.empty()) addEmptyNote(plot, QStringLiteral("no sweep yet"));
}

}  // namespace fastformer::ui
