// The colour scales that shade tokens — sequential for weights (white at 0 → orange-red at
// the maximum), diverging for signed scores (blue below 0, white at 0, orange-red above) —
// and their legend: a gradient bar with the scale's title and its end labels.
#pragma once

#include <QColor>
#include <QWidget>

class QPainter;

namespace fastformer::ui {

// Colour for a normalised weight t ∈ [0, 1] (clamped; NaN counts as 0): the engine's
// shading_rgb, quantised to 256 steps so repainting 20k tokens costs a table lookup each.
QRgb weightRgb(double t);
inline QColor weightColor(double t) { return QColor::fromRgb(weightRgb(t)); }
// Colour for a signed t ∈ [−1, 1]: the engine's diverging_rgb.
QRgb divergingRgb(double t);

// Paints the legend into `rect`: title on the left, then `minValue`, the gradient bar and
// `maxValue` (the weights mapped to the bar's two ends). Diverging: the bar runs from blue
// at −maxValue through white to orange-red at maxValue, and minValue is ignored.
void paintWeightLegend(QPainter& painter, const QRectF& rect, const QString& title, double maxValue,
                       double minValue = 0.0, bool diverging = false);
// The height a legend needs for `font` (one text line plus padding).
int weightLegendHeight(const QFont& font);

// The legend as a small widget, e.g. under a DocumentView.
class WeightLegend : public QWidget {
  Q_OBJECT
 public:
  explicit WeightLegend(QWidget* parent = nullptr);
  void setScale(const QString& title, double maxValue, double minValue = 0.0, bool diverging = false);
  QString title() const { return title_; }
  bool diverging() const { return diverging_; }
  double maxValue() const { return max_; }
  double minValue() const { return min_; }
  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QString title_;
  double max_ = 0.0;
  double min_ = 0.0;
  bool diverging_ = false;
};

}  // namespace fastformer::ui
