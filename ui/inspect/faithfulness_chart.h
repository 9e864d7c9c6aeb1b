// The deletion and insertion curves of one explanation on one QCustomPlot: deletion on the
// left (p(target) with the top-ranked tokens masked out: a faithful ranking drops fast),
// insertion on the right (with only them shown: a faithful ranking climbs fast), a line per
// method and the random orders as a band (their range) around their mean. Right click
// exports PNG/SVG/PDF/CSV.
#pragma once

#include <QWidget>

class QCustomPlot;

namespace fastformer {
struct Explanation;
}  // namespace fastformer

namespace fastformer::ui {

class FaithfulnessChart : public QWidget {
  Q_OBJECT
 public:
  explicit FaithfulnessChart(QWidget* parent = nullptr);

  // The explanation's curves (none: an empty chart with a hint).
  void setExplanation(const Explanation* explanation);
  QCustomPlot* plot() const { return plot_; }

 private:
  QCustomPlot* plot_;
};

// The colour of curve `index` (methods in order, then random), shared with the table.
QColor curveColor(int index);

}  // namespace fastformer::ui
