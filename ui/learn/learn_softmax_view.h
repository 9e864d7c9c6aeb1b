// The Learn walk-through's other side: the same tokens' Q, K, V through softmax attention,
// one head's N×N score matrix QKᵀ/√Dh and its row-wise softmax as heat maps, with what
// they cost next to Fastformer's whole layer.
#pragma once

#include "fastformer/attention_cost.h"

#include <QStringList>
#include <QWidget>

#include <vector>

class QLabel;
class QSpinBox;

namespace fastformer::ui {

class LearnHeatmap;

struct LearnSoftmaxData {
  int heads = 0, tokens = 0;
  std::vector<float> scores;   // [H][N][N] S = QKᵀ/√Dh, row = query token
  std::vector<float> weights;  // [H][N][N] softmax over each row
  QStringList pieces;          // N token pieces
  OpCount scoresCount, weightsCount, outputCount;  // S, softmax(S), O = W V
  OpCount softmaxTotal, additiveTotal;             // both whole layers at this N
};

class LearnSoftmaxView : public QWidget {
  Q_OBJECT
 public:
  explicit LearnSoftmaxView(QWidget* parent = nullptr);
  void setData(const LearnSoftmaxData& data);
  void setHead(int head);
  int head() const;

  LearnHeatmap* scoresMap() const { return scores_; }
  LearnHeatmap* weightsMap() const { return weights_; }
  QLabel* countLabel() const { return count_; }
  QSpinBox* headBox() const { return head_; }

 private:
  void refresh();

  LearnSoftmaxData data_;
  QSpinBox* head_;
  LearnHeatmap *scores_, *weights_;
  QLabel *count_, *text_;
};

}  // namespace fastformer::ui
