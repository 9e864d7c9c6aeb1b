// Writes a QCustomPlot chart to a file chosen by extension: PNG and PDF through QCustomPlot,
// SVG through Qt SVG's generator, CSV of the graphs' points.
#include "common/chart_export.h"
#include "common/describe_exception.h"

#include "fastformer/error.h"

#include "common/custom_plot.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {
namespace {

[[noreturn]] void fail(const QString& problem, const QString& path, const QString& hint) {
  throw Error(problem.toStdString(), path.toStdString(), hint.toStdString());
}

QString csvField(const QString& text) {
  if (!text.contains(QRegularExpression(QStringLiteral("[\",\\n\\r]")))) return text;
  QString quoted = text;
  quoted.replace('"', QStringLiteral("\"\""));
  return '"' + quoted + '"';
}

void writeSvg(QCustomPlot& plot, const QString& path, int width, int height) {
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(QSize(width, height));
  svg.setViewBox(QRect(0, 0, width, height));
  svg.setTitle(QStringLiteral("Fastformer Studio chart"));
  QCPPainter painter;
  if (!painter.begin(&svg)) fail(QStringLiteral("cannot write the SVG file"), path, QStringLiteral("check the folder exists and is writable"));
  plot.toPainter(&painter, width, height);
  painter.end();
}

void writeCsv(const QCustomPlot& plot, const QString& path) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
    fail(QStringLiteral("cannot write the CSV file: ") + file.errorString(), path,
         QStringLiteral("check the folder exists and is writable"));
  file.write(chartCsv(plot).toUtf8());
  if (!file.commit())
    fail(QStringLiteral("cannot write the CSV file: ") + file.errorString(), path,
         QStringLiteral("check the disk has space and the folder is writable"));
}

}  // namespace

void exportChart(QCustomPlot& plot, const QString& path) {
  const QString ext = QFileInfo(path).suffix().toLower();
  // A chart that was never laid out on screen is drawn at a readable default size.
  const int width = plot.width() >= 200 ? plot.width() : 800;
  const int height = plot.height() >= 150 ? plot.height() : 500;
  const QString hint = QStringLiteral("check the folder exists and is writable");
  if (ext == QLatin1String("png")) {
    if (!plot.savePng(path, width, height, 2.0)) fail(QStringLiteral("cannot write the PNG file"), path, hint);
  } else if (ext == QLatin1String("pdf")) {
    if (!plot.savePdf(path, width, height)) fail(QStringLiteral("cannot write the PDF file"), path, hint);
  } else if (ext == QLatin1String("svg")) {
    writeSvg(plot, path, width, height);
  } else if (ext == QLatin1String("csv")) {
    writeCsv(plot, path);
    return;
  } else {
    fail(QStringLiteral("unknown chart format '.%1'").arg(ext), path,
         QStringLiteral("use a file name ending in .png, .svg, .pdf or .csv"));
  }
  if (QFileInfo(path).size() <= 0) fail(QStringLiteral("the chart file came out empty"), path, hint);
}

QString chartCsv(const QCustomPlot& plot) {
  QString csv = QStringLiteral("series,x,y\n");
  for (int g = 0; g < plot.graphCount(); ++g) {
    const QCPGraph* graph = plot.graph(g);
    // A graph may carry a fuller CSV name than its legend's (e.g. which panel it is in).
    const QVariant full = graph->property("csvSeries");
    const QString series = csvField(full.isValid() ? full.toString() : graph->name());
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
      if (!std::isfinite(it->value)) continue;  // a gap in the curve, not a point
      csv += series + ',' + QString::number(it->key, 'g', 12) + ',' + QString::number(it->value, 'g', 12) + '\n';
    }
  }
  return csv;
}

void exportChartWithDialog(QWidget* parent, QCustomPlot& plot, const QString& suggested) {
  const QString png = QObject::tr("PNG image (*.png)"), svg = QObject::tr("SVG image (*.svg)"),
                pdf = QObject::tr("PDF document (*.pdf)"), csv = QObject::tr("CSV data (*.csv)");
  QString filter = png;
  QString path = QFileDialog::getSaveFileName(parent, QObject::tr("Export %1").arg(suggested), suggested + ".png",
                                              QStringList{png, svg, pdf, csv}.join(QStringLiteral(";;")), &filter);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty())  // take the format from the chosen filter
    path += filter == svg ? ".svg" : filter == pdf ? ".pdf" : filter == csv ? ".csv" : ".png";
  try {
    exportChart(plot, path);
  } catch (const fastformer::Error& e) {
    QMessageBox::warning(parent, QObject::tr("Export failed"), describeException(e));
  }
}

void addExportMenu(QCustomPlot& plot, const QString& suggested) {
  plot.setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(&plot, &QWidget::customContextMenuRequested, &plot, [&plot, suggested](const QPoint& pos) {
    QMenu menu(&plot);
    menu.addAction(QObject::tr("Export chart…"), &plot, [&plot, suggested] { exportChartWithDialog(&plot, plot, suggested); });
    menu.exec(plot.mapToGlobal(pos));
  });
}

}  // namespace fastformer::ui
