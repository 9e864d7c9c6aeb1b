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
  QCustomPlot* plot_;
  QCPColorMap* map_;
};

}  // namespace fastformer::ui
