// Scale chart analysis: per-sequence values, slopes over the CLI's fit range, crossover and
// the softmax memory extrapolation.
#include "scale/scale_analysis.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <set>

namespace fastformer::ui {

double pointValue(const BenchPoint& p, ScaleValue value) {
  const double batch = static_cast<double>(std::max<std::int64_t>(1, p.batch));
  switch (value) {
    case ScaleValue::time:
      return p.median_ms / batch;
    case ScaleValue::flops:
      return p.flops / batch;
    case ScaleValue::bytes:
      return p.bytes / batch;
  }
  return 0;
}

QString kindName(BenchKind kind) { return QString::fromStdString(to_string(kind)); }

std::vector<ScalingPoint> kindSeries(const std::vector<BenchPoint>& points, BenchKind kind, ScaleValue value) {
  std::vector<ScalingPoint> out;
  for (const auto& p : points) {
    const double v = pointValue(p, value);
    if (p.kind == kind && p.status == "ok" && v > 0 && std::isfinite(v)) out.push_back({static_cast<double>(p.n), v});
  }
  return out;
}

std::vector<ScalingPoint> memorySeries(const std::vector<BenchPoint>& points, BenchKind kind) {
  std::vector<ScalingPoint> out;
  for (const auto& p : points) {
    if (p.kind == kind && p.status == "ok" && p.memory_method != kMemoryNone && p.peak_bytes > 0)
      out.push_back({static_cast<double>(p.n), static_cast<double>(p.peak_bytes)});
  }
  return out;
}

double fitFrom(const std::vector<std::int64_t>& lengths, const std::vector<BenchPoint>& points) {
  std::vector<std::int64_t> ns = lengths;
  if (ns.empty()) {
    std::set<std::int64_t> distinct;
    for (const auto& p : points) distinct.insert(p.n);
    ns.assign(distinct.begin(), distinct.end());
  }
  return ns.empty() ? 0.0 : static_cast<double>(ns[ns.size() / 2]);
}

std::optional<SlopeFit> fitSlope(const std::vector<ScalingPoint>& series, double from) {
  if (auto fit = fit_loglog_slope(series, from)) return fit;
  return fit_loglog_slope(series, 0.0);
}

QString slopeLabel(const QString& kind, const std::optional<SlopeFit>& fit) {
  if (!fit) return kind;
  return QStringLiteral("%1: N^%2").arg(kind).arg(fit->slope, 0, 'f', 2);
}

std::optional<double> additiveCrossover(const std::vector<BenchPoint>& points, ScaleValue value) {
  const auto additive = kindSeries(points, BenchKind::additive, value);
  auto softmax = kindSeries(points, BenchKind::softmax, value);
  if (softmax.empty()) softmax = kindSeries(points, BenchKind::softmax_materialized, value);
  if (additive.empty() || softmax.empty()) return std::nullopt;
  return crossover_length(additive, softmax);
}

std::optional<MemoryForecast> softmaxMemoryForecast(const std::vector<BenchPoint>& points, double from,
                                                    double limitBytes) {
  BenchKind kind = BenchKind::softmax_materialized;
  if (memorySeries(points, kind).empty()) kind = BenchKind::softmax;
  const auto fit = fitSlope(memorySeries(points, kind), from);
  if (!fit || fit->slope < 0.2 || !(limitBytes > 0)) return std::nullopt;
  MemoryForecast f;
  f.kind = kind;
  f.fit = *fit;
  f.limitBytes = limitBytes;
  // log(memory) = intercept + slope · log(N)  →  N at the limit.
  f.limitN = std::exp((std::log(limitBytes) - fit->intercept) / fit->slope);
  f.nextN = std::exp2(std::floor(std::log2(f.limitN)) + 1);  // strictly above: a length it cannot run
  f.bytesAtNextN = std::exp(fit->intercept + fit->slope * std::log(f.nextN));
  return f;
}

QString memoryText(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  // Three significant digits at most, no trailing zeros: "4 GiB", "18.2 GiB", "1.25 MiB".
  QString number = QString::number(bytes, 'f', bytes >= 100 ? 0 : bytes >= 10 ? 1 : 2);
  if (number.contains('.')) {
    while (number.endsWith('0')) number.chop(1);
    if (number.endsWith('.')) number.chop(1);
  }
  return number + ' ' + QString::fromLatin1(units[unit]);
}

QString formatLength(double n, bool compact) {
  if (compact && n >= 1e4) {
    if (n >= 1e6) return QString::number(n / 1e6, 'g', 3) + 'M';
    return QString::number(n / 1e3, 'g', 3) + 'k';
  }
  return QLocale(QLocale::English, QLocale::UnitedStates).toString(static_cast<qlonglong>(std::llround(n)));
}

}  // namespace fastformer::ui
