// α or β of every head over token position for one layer (QCustomPlot): each head a thin
// line, the selected head drawn thick, the part of the document the text view shows
// shaded. Dragging a rectangle zooms the x axis to those tokens and asks the text view to go
// there; the wheel zooms the x axis only; a double-click (or Ctrl+click) asks the text view
// to scroll to that position. When zoomed in, the x axis pans to follow the text's scrolling.
// Right click: "Show whole document" and "Export chart…".
#pragma once

#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPItemRect;
class QMenu;

namespace fastformer::ui {

class WeightStripChart : public QWidget {
  Q_OBJECT
 public:
  explicit WeightStripChart(QWidget* parent = nullptr);

  // weights[h][i]: head h's weight of token i; `selected` < 0 highlights none (mean/max view).
  // Shows the whole document.
  void setWeights(const std::vector<std::vector<float>>& weights, int selected, const QString& title);
  void setValueLabel(const QString& label);  // the y axis: "weight" (α, β, γ) or "score" (methods)
  // The token range [first, last] visible in the text view: shaded, and when zoomed in the
  // x axis pans (keeping its width) to show it.
  void setVisibleRange(int first, int last);
  // What the selection rectangle does for x coordinates lo..hi (either order): token i spans
  // [i − 0.5, i + 0.5), so first = ⌊lo + 0.5⌋ and last = ⌊hi + 0.5⌋, clamped to [0, N − 1].
  // The x axis becomes [first − 0.5, last + 0.5]; emits rangeSelected(first, last).
  void selectRange(double lo, double hi);
  // The x axis over the whole document: [−0.5, N − 0.5].
  void resetZoom();
  int tokenCount() const { return tokens_; }
  // The right-click menu's entries; public so the menu can be checked without opening it.
  void fillContextMenu(QMenu& menu);
  QCustomPlot* plot() const { return plot_; }

 Q_SIGNALS:
  void positionClicked(int token);
  void rangeSelected(int first, int last);

 private:
  void keepInDocument();

  QCustomPlot* plot_;
  QCPItemRect* visible_;
  int tokens_ = 0;
};

}  // namespace fastformer::ui
