// A Transformer's softmax attention of one head as a T×T heat map (row: query token,
// column: key token), with the memory it takes next to what Fastformer's α and β take for
// the same document: the quadratic map the additive poolings replace.
#pragma once

#include <QWidget>

#include <vector>

class QCPColorMap;
class QCustomPlot;
class QLabel;

namespace fastformer::ui {

class AttentionMap : public QWidget {
  Q_OBJECT
 public:
  explicit AttentionMap(QWidget* parent = nullptr);
  // weights [N][N] row-major; empty: `reason` says why there is no map.
  void setWeights(const std::vector<float>& weights, int tokens, int layers, int heads, const QString& title,
                  const QString& reason = {});
  QCPColorMap* map() const { return map_; }
  QString memoryText() const;

 private:
  QCustomPlot* plot_;
  QCPColorMap* map_;
  QLabel* memory_;
};

}  // namespace fastformer::ui
