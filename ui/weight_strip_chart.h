// α or β of every head over token position for one layer (QCustomPlot): each head a thin
// line, the selected head drawn thick, the part of the document the text view shows
// shaded; a click asks the text view to scroll to that position.
#pragma once

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPItemRect;

namespace fastformer::ui {

class WeightStripChart : public QWidget {
  Q_OBJECT
 public:
  explicit WeightStripChart(QWidget* parent = nullptr);

  // weights[h][i]: head h's weight of token i; `selected` < 0 highlights none (mean/max view).
  void setWeights(const std::vector<std::vector<float>>& weights, int selected, const QString& title);
  // The token range [first, last] visible in the text view.
  void setVisibleRange(int first, int last);
  QCustomPlot* plot() const { return plot_; }

 signals:
  void positionClicked(int token);

 private:
  QCustomPlot* plot_;
  QCPItemRect* visible_;
};

}  // namespace fastformer::ui
