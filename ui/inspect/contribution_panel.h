// The exact contribution view: since q = Σ α_i Q_i and k = Σ β_i P_i are sums, each
// sentence's share of a head's global vector is the sum of its tokens' weights. One row per
// sentence with that share, the same for the text selected in the document view, and
// occlusion: mask a sentence or the selection, run the model once more (O(N)) and show how
// the predicted label's probability moves.
#pragma once

#include <QWidget>

#include <vector>

class QLabel;
class QPushButton;
class QTableWidget;

namespace fastformer::ui {

struct SentenceShare {
  QString text;    // the sentence, shortened for display
  double share;    // Σ of its tokens' weights / Σ of all weights, for the shown head(s)
  qint64 first;    // token range [first, last)
  qint64 last;
};

class ContributionPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ContributionPanel(QWidget* parent = nullptr);
  static constexpr int kSelectionRow = -1;  // the row number of the selected text

  void setSentences(const std::vector<SentenceShare>& rows, const QString& what);
  // The text selected in the document and its share; a range with first ≥ last clears it.
  void setSelection(const SentenceShare& selection);
  // The predicted label's probability after masking row `row` (the original for comparison).
  void setOcclusion(int row, double original, double occluded, const QString& label);
  QTableWidget* table() const { return table_; }
  QPushButton* occludeButton() const { return occlude_; }
  QPushButton* occludeSelectionButton() const { return occludeSelection_; }
  QLabel* selectionLabel() const { return selectionLabel_; }
  const SentenceShare& selection() const { return selection_; }

 Q_SIGNALS:
  void occludeRequested(int row, qint64 first, qint64 last);

 private:
  QLabel* title_;
  QTableWidget* table_;
  QPushButton* occlude_;
  QLabel* selectionLabel_;
  QPushButton* occludeSelection_;
  std::vector<SentenceShare> rows_;
  SentenceShare selection_{{}, 0.0, 0, 0};
  QString selectionOcclusion_;
};

}  // namespace fastformer::ui
