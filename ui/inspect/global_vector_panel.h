// The global query q = Σ α_i Q_i or global key k = Σ β_i P_i of one layer (paper Eq. 3–6)
// as a heads × Dh heat map, one head's vector as bars, every head's norm, and the
// vocabulary tokens nearest to the chosen head's global query.
#pragma once

#include <QStringList>
#include <QWidget>

#include <vector>

class QCPColorMap;
class QCustomPlot;
class QLabel;

namespace fastformer::ui {

class BarChart;

class GlobalVectorPanel : public QWidget {
  Q_OBJECT
 public:
  explicit GlobalVectorPanel(QWidget* parent = nullptr);
  // values [H][Dh] row-major; `selected` < 0: no head chosen (mean/max views).
  void setVectors(const std::vector<float>& values, int heads, int headDim, const QString& title, int selected);
  void setNearest(const QStringList& tokens);  // "piece (cosine)", empty: hidden
  QCPColorMap* heatmap() const { return map_; }

 private:
  QCustomPlot* plot_;
  QCPColorMap* map_;
  BarChart* bars_;
  QLabel* norms_;
  QLabel* nearest_;
};

}  // namespace fastformer::ui
