// Drawing the three Scale charts from the sweeps shown (each chart rebuilt whole: a sweep
// has a few dozen points). Time or counted work (scale_time_chart.cpp); peak memory with the
// softmax out-of-memory forecast, and throughput (scale_memory_chart.cpp).
#pragma once

#include "scale/scale_analysis.h"
#include "scale/scale_plot.h"
#include "scale/sweep_record.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

class QCustomPlot;

namespace fastformer::ui {

// What the time chart found, for the workspace's summary line.
struct TimeChartFacts {
  QStringList slopes;               // legend texts of the fitted series
  double fitFrom = 0;               // of the first sweep
  std::optional<double> crossover;  // of the first sweep
};

TimeChartFacts drawTimeChart(QCustomPlot& plot, const std::vector<const SweepRecord*>& sweeps, ScaleValue value);

// `availableBytes` is this machine's available memory (<= 0: unknown, no forecast).
std::optional<MemoryForecast> drawMemoryChart(QCustomPlot& plot, const std::vector<const SweepRecord*>& sweeps,
                                              double availableBytes);

void drawThroughputChart(QCustomPlot& plot, const std::vector<const SweepRecord*>& sweeps);

// The legend name of a kind's series: "additive", or "additive (label)" when several sweeps
// are shown.
QString seriesName(fastformer::BenchKind kind, const SweepRecord& sweep, bool several);

// Every oom, timeout and error point of the shown sweeps.
std::vector<FailedPoint> failedPoints(const std::vector<const SweepRecord*>& sweeps);

}  // namespace fastformer::ui
