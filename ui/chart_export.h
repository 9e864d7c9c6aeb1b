// Saving a QCustomPlot chart as PNG, SVG (Qt SVG) or PDF, and its graphs' data as CSV.
#pragma once

#include <QString>

class QCustomPlot;

namespace fastformer::ui {

// By the extension of `path` (.png, .svg, .pdf, .csv). Throws fastformer::Error naming
// the path when the format is unknown or the file cannot be written.
void exportChart(QCustomPlot& plot, const QString& path);

// CSV of every graph: a header "series,x,y" and one row per point (series = graph name).
QString chartCsv(const QCustomPlot& plot);

}  // namespace fastformer::ui
