// Where a chart's legend goes so that it never hides data: the corner of the axis rect that
// covers no point (nor the line between two sparse points), else a row under the axes.
#pragma once

class QCustomPlot;

namespace fastformer::ui {

enum class LegendPlace { inside, below };

// Moves plot.legend (of the first axis rect) to the first free corner, top right first, or
// below the axes when every corner would cover data; returns where it went.
LegendPlace placeLegend(QCustomPlot& plot);

}  // namespace fastformer::ui
