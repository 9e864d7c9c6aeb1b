// The confusion matrix of one evaluation as a heat map (QCPColorMap): true label down,
// predicted label across, each cell's count written in it.
#pragma once

#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <vector>

class QCPColorMap;
class QCustomPlot;

namespace fastformer::ui {

class ConfusionHeatmap : public QWidget {
  Q_OBJECT
 public:
  explicit ConfusionHeatmap(QWidget* parent = nullptr);
  // confusion[true][predicted]; an empty matrix shows "no evaluation yet".
  void setMatrix(const QStringList& labels, const std::vector<std::vector<std::int64_t>>& confusion);
  QCustomPlot* plot() const { return plot_; }

 private:
  void fitLabels();  // slants the predicted labels when they are wider than their cells

  QCustomPlot* plot_;
  QCPColorMap* map_;
  int cells_ = 0;          // classes shown
  int widestLabelPx_ = 0;  // of the predicted labels, in the tick label font
};

}  // namespace fastformer::ui
