// "Three ways to mix tokens": for one head of the typed sentence, what each token mixer
// builds from the same Q, K, V — softmax attention's N×N weights, linear attention's Dh×Dh
// summary φ(K)ᵀV and additive attention's two global vectors q and k — and a table of what
// each costs at the cost chart's N and d (multiply-adds and activation bytes), with the tiled
// softmax's working set beside the materialised one's.
#pragma once

#include "fastformer/attention_cost.h"

#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <vector>

class QLabel;
class QSpinBox;

namespace fastformer::ui {

class LearnHeatmap;

struct LearnMixersData {
  int heads = 0, tokens = 0, headDim = 0;
  QStringList pieces;            // N token pieces
  std::vector<float> weights;    // [H][N][N] softmax weights, row = query token
  std::vector<float> summary;    // [H][Dh][Dh] Σ_j φ(K_j) V_jᵀ
  std::vector<float> globalQuery, globalKey;  // [H][Dh] q (Eq. 4) and k (Eq. 6)
};

// Each mixer's whole layer at one N and d.
struct MixerCosts {
  std::int64_t n = 0, d = 0, heads = 0;
  OpCount softmax, softmaxTiled, linear, additive;
};
MixerCosts mixerCosts(std::int64_t n, std::int64_t d, std::int64_t heads, bool sharedValues, ScoreKind score);

class LearnMixersView : public QWidget {
  Q_OBJECT
 public:
  explicit LearnMixersView(QWidget* parent = nullptr);
  void setData(const LearnMixersData& data);
  // The table's N and d: the cost chart's sliders.
  void setScale(std::int64_t n, std::int64_t d, std::int64_t heads, bool sharedValues, ScoreKind score);
  void setHead(int head);

  LearnHeatmap* softmaxMap() const { return softmax_; }
  LearnHeatmap* linearMap() const { return linear_; }
  LearnHeatmap* additiveMap() const { return additive_; }
  QLabel* table() const { return table_; }
  const MixerCosts& costs() const { return costs_; }

 private:
  void refresh();
  void refreshTable();

  LearnMixersData data_;
  MixerCosts costs_;
  QSpinBox* head_;
  LearnHeatmap *softmax_, *linear_, *additive_;
  QLabel* table_;
};

}  // namespace fastformer::ui
