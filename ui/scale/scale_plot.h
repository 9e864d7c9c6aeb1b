// The parts the Scale charts share: a titled QCustomPlot with log–log axes and readable tick
// labels (8k, 64k; 16 MiB; 120k tokens/s), one colour and marker shape per (sweep, kind),
// failed points drawn as marked crosses at the top of the axis, and axis fitting that never
// puts a zero on a log axis.
#pragma once

#include "fastformer/bench.h"
#include "fastformer/scaling_fit.h"

#include <QColor>
#include <QString>

#include <limits>
#include <string>
#include <vector>

class QCPAxis;
class QCPGraph;
class QCustomPlot;

namespace fastformer::ui {

enum class TickStyle { length, bytes, si, plain };

// Title row, a note row under it, legend in the top-left corner, drag and wheel zoom.
void setupScalePlot(QCustomPlot& plot, const QString& title);
void setPlotTitle(QCustomPlot& plot, const QString& title);
// The small grey line under the title (fit range, forecast): never over the data.
void setPlotNote(QCustomPlot& plot, const QString& text);
QString plotNote(const QCustomPlot& plot);
// A logarithmic axis whose labels follow `style`.
void setLogAxis(QCPAxis* axis, TickStyle style, const QString& label);

// Colour of a kind in the sweep with colour slot `slot`: each sweep its own pair.
QColor sweepKindColor(int slot, fastformer::BenchKind kind);

// Measured points joined by a line, with the slot's marker shape; named for the legend.
QCPGraph* addSeries(QCustomPlot& plot, const QString& name, const QColor& color, int slot,
                    const std::vector<fastformer::ScalingPoint>& points);
// A dashed line through the given points (reference slopes, extrapolations).
QCPGraph* addLine(QCustomPlot& plot, const QString& name, const QColor& color, const std::vector<double>& keys,
                  const std::vector<double>& values, Qt::PenStyle style = Qt::DashLine);

// The data range the axes must show; only positive, finite values count.
struct Extent {
  double xmin = std::numeric_limits<double>::infinity(), xmax = 0;
  double ymin = std::numeric_limits<double>::infinity(), ymax = 0;
  void add(double x, double y);
  void addX(double x);
  bool hasX() const { return xmax > 0; }
  bool hasY() const { return ymax > 0; }
};
// Sets both log axes to the extent with room around it, a default range where there is no
// data; with `markerRow` the data keeps to the lower 80% and the height of a row of failure
// markers above it is returned.
double applyExtent(QCustomPlot& plot, const Extent& extent, bool markerRow = false);

struct FailedPoint {
  double n = 0;
  QString status;  // oom | timeout | error
};
// One graph per status ("OOM", "timeout", "error"), red/orange/grey crosses at height y,
// each labelled above; duplicates (same N and status) are drawn once.
void addFailureMarkers(QCustomPlot& plot, const std::vector<FailedPoint>& failed, double y);
// The marker graph's name for a status: "OOM", "timeout" or "error".
QString failureGraphName(const QString& status);

// A text in the middle of an empty chart.
void addEmptyNote(QCustomPlot& plot, const QString& text);

}  // namespace fastformer::ui
