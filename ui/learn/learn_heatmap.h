// One small tensor of the Learn walk-through as a heat map: a matrix of rows × columns
// (tokens, heads or dimensions), signed values on a blue–white–red scale with white at 0,
// weights on the white → orange-red scale of the rest of the Studio, with a colour bar.
#pragma once

#include <QStringList>
#include <QWidget>

#include <vector>

class QCPColorMap;
class QCPColorScale;
class QCustomPlot;

namespace fastformer::ui {

// A row-major matrix and what its axes index.
struct HeatGrid {
  int rows = 0, columns = 0;
  std::vector<float> values;           // rows · columns, row-major
  QString rowTitle, columnTitle;       // "token", "head", "dimension"
  QString columnNote;                   // added to the column axis's label, e.g. "(2 heads × 8)"
  QStringList rowLabels, columnLabels;  // tick labels (e.g. token pieces); empty: numbers
  bool weights = false;                 // non-negative weights (sequential scale from 0)
  int columnGroup = 0;                  // > 0: a line between every columnGroup columns (heads)
};

class LearnHeatmap : public QWidget {
  Q_OBJECT
 public:
  explicit LearnHeatmap(const QString& exportName, QWidget* parent = nullptr);
  void setGrid(const HeatGrid& grid, const QString& title);
  QCustomPlot* plot() const { return plot_; }
  // Cell (column, row) holds values[row · columns + column].
  QCPColorMap* map() const { return map_; }
  // "token 'word' · dimension 3 · 0.5123" for the cell under `pixel`; empty outside the map.
  QString cellText(const QPointF& pixel) const;

 private:
  HeatGrid grid_;
  QCustomPlot* plot_;
  QCPColorMap* map_;
  QCPColorScale* scale_;
};

}  // namespace fastformer::ui
