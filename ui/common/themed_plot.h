// The Studio's QCustomPlot: its neutral colours (background, axes, grid, legend box, notes)
// come from the widget's palette, so a dark desktop theme keeps every chart readable, and a
// chart that opts in shows only its title and its own note while it has no data (no dummy
// 0…5 axes, no empty legend box) and keeps its legend off the data (chart_legend.h).
// Data colours stay the chart's own.
#pragma once

#include "common/custom_plot.h"

#include <QPointer>

namespace fastformer::ui {

class ThemedPlot : public QCustomPlot {
 public:
  explicit ThemedPlot(QWidget* parent = nullptr);

  // While no plottable holds a point, hide the axes, grid and legend (the chart's note, an
  // item, stays). Off by default: heat maps and strips show their axes before data.
  void setHidesAxesWhenEmpty(bool on) { hidesAxesWhenEmpty_ = on; }
  // Before each replot, put the legend where it hides no data (placeLegend).
  void setPlacesLegend(bool on) { placesLegend_ = on; }
  bool hasData() const;  // some plottable has at least one point
  // A grey note in the middle of the axes, shown while the chart has no data: what will
  // appear there and when.
  void setEmptyText(const QString& text);
  QString emptyText() const { return emptyText_; }
  bool emptyTextShown() const { return note_ != nullptr && note_->visible(); }

  // Applies the palette's colours now (also done before every replot).
  void applyPalette();

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void beforeEachReplot();

  QString emptyText_;
  QPointer<QCPItemText> note_;  // a chart's clearItems() may delete it: made again when needed
  bool hidesAxesWhenEmpty_ = false;
  bool placesLegend_ = false;
};

// The neutral colours of a chart drawn on `palette`.
struct ChartColors {
  QColor background, text, muted, grid, legendFill, legendBorder;
};
ChartColors chartColors(const QPalette& palette);

}  // namespace fastformer::ui
