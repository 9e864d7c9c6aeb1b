// The tokens with the largest weights for the shown head(s): rank, token, position, weight
// and its share of the head's global vector (the weights sum to 1 per head and window).
// Double-clicking a row asks the text view to scroll to that token.
#pragma once

#include <QStringList>
#include <QTableWidget>

#include <vector>

namespace fastformer::ui {

class TopTokensTable : public QTableWidget {
  Q_OBJECT
 public:
  explicit TopTokensTable(QWidget* parent = nullptr);
  // weights[i] of token i (pieces[i] its text); shows the k largest.
  void setWeights(const std::vector<float>& weights, const QStringList& pieces, int k = 20);
  int tokenAtRow(int row) const;

 Q_SIGNALS:
  void tokenChosen(int token);
};

}  // namespace fastformer::ui
