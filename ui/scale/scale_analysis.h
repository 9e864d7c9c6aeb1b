// What the Scale charts read off a sweep, with the engine's scaling fits (scaling_fit.h):
// the value per point (measured time or counted work, per sequence as the CLI fits it),
// the log–log slope per kind over the CLI's fit range, the crossover length, and where
// softmax would run out of this machine's memory.
#pragma once

#include "fastformer/bench.h"
#include "fastformer/scaling_fit.h"

#include <QString>

#include <optional>
#include <vector>

namespace fastformer::ui {

// What the first chart shows.
enum class ScaleValue { time, flops, bytes };

// The shown value of an `ok` point: ms, FLOPs or bytes of one sequence (a run over its batch).
double pointValue(const fastformer::BenchPoint& point, ScaleValue value);

// The kinds in the order the charts draw them.
inline constexpr fastformer::BenchKind kKinds[] = {fastformer::BenchKind::additive, fastformer::BenchKind::linear,
                                                   fastformer::BenchKind::softmax,
                                                   fastformer::BenchKind::softmax_materialized};
// "additive" | "linear" | "softmax" | "softmax-materialized": a kind as legends and status
// lines name it.
QString kindName(fastformer::BenchKind kind);

// The ok points of one kind with a positive value, in measured order.
std::vector<fastformer::ScalingPoint> kindSeries(const std::vector<fastformer::BenchPoint>& points,
                                                 fastformer::BenchKind kind, ScaleValue value);
// Peak memory (bytes) of the ok points of one kind whose memory was measured.
std::vector<fastformer::ScalingPoint> memorySeries(const std::vector<fastformer::BenchPoint>& points,
                                                   fastformer::BenchKind kind);

// Where `fastformer bench sweep` starts its fits: the middle of the lengths, upper half
// (lengths[size / 2]); `lengths` empty: the distinct lengths of the points.
double fitFrom(const std::vector<std::int64_t>& lengths, const std::vector<fastformer::BenchPoint>& points);

// The slope over N >= from; over every point when fewer than two lengths lie there.
std::optional<fastformer::SlopeFit> fitSlope(const std::vector<fastformer::ScalingPoint>& series, double from);

// "additive: N^1.02", or "additive" while there is no fit.
QString slopeLabel(const QString& kind, const std::optional<fastformer::SlopeFit>& fit);

// The length from which additive stays below softmax in `value`: the tiled softmax, or the
// materialised one when the sweep has no tiled points.
std::optional<double> additiveCrossover(const std::vector<fastformer::BenchPoint>& points, ScaleValue value);

struct MemoryForecast {
  fastformer::BenchKind kind = fastformer::BenchKind::softmax_materialized;  // whose memory
  fastformer::SlopeFit fit;  // memory ∝ N^slope
  double limitBytes = 0;     // what it runs into
  double limitN = 0;         // N where the fit reaches limitBytes
  double nextN = 0;          // the first power of two above limitN
  double bytesAtNextN = 0;   // the fit there
};

// Softmax peak memory fitted over N >= from and extrapolated to `limitBytes` (the memory
// available): the materialised kind's, or the tiled one's when the sweep has no
// materialised points; nullopt without two measured lengths or when memory does not grow.
std::optional<MemoryForecast> softmaxMemoryForecast(const std::vector<fastformer::BenchPoint>& points, double from,
                                                    double limitBytes);

// "3.2 GiB", "512 MiB", "4 GiB"
QString memoryText(double bytes);
// "65,536" or "46k" (compact: three significant digits)
QString formatLength(double n, bool compact = false);

}  // namespace fastformer::ui
