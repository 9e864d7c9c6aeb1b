// A small bar chart (QCustomPlot QCPBars): the dataset preview's label balance and length
// histogram.
#pragma once

#include <QStringList>
#include <QWidget>

#include <vector>

class QCustomPlot;

namespace fastformer::ui {

class BarChart : public QWidget {
  Q_OBJECT
 public:
  // `emptyText` is what the chart says until it has bars (what will appear, and when).
  BarChart(const QString& title, const QString& emptyText, QWidget* parent = nullptr);
  // Bars with category names under them (e.g. labels and their example counts).
  void setCategories(const QStringList& names, const std::vector<double>& values, const QString& valueAxis);
  // A histogram of `values` in `bins` equal-width bins over [min, max], x-axis titled `axis`.
  void setHistogram(const std::vector<double>& values, int bins, const QString& axis);
  QCustomPlot* plot() const { return plot_; }

 private:
  QCustomPlot* plot_;
};

}  // namespace fastformer::ui
