// Saving a QCustomPlot chart as PNG, SVG (Qt SVG) or PDF, and its graphs' data as CSV.
#pragma once

#include <QString>

class QCustomPlot;
class QWidget;

namespace fastformer::ui {

// By the extension of `path` (.png, .svg, .pdf, .csv). Throws fastformer::Error naming
// the path when the format is unknown or the file cannot be written.
void exportChart(QCustomPlot& plot, const QString& path);

// Asks for a file (PNG, SVG, PDF or CSV; `suggested` is the proposed name without its
// extension) and exports the chart there; a failure is shown in a message box.
void exportChartWithDialog(QWidget* parent, QCustomPlot& plot, const QString& suggested);

// Adds "Export chart…" to the chart's context menu (right click).
void addExportMenu(QCustomPlot& plot, const QString& suggested);

// CSV of every graph: a header "series,x,y" and one row per point (series = the graph's
// "csvSeries" property when set, else its name).
QString chartCsv(const QCustomPlot& plot);

}  // namespace fastformer::ui
