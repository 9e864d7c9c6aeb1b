// One step of the Learn walk-through: which step of how many and its equation, the
// computation in one line, the actual tensor as a heat map with its shape, what the step
// costs, and the learner text beside it.
#pragma once

#include "fastformer/attention_cost.h"
#include "learn/learn_heatmap.h"

#include <QWidget>

class QLabel;

namespace fastformer::ui {

// A step as the UI shows it (converted from fastformer::LearnStep by the workspace).
struct LearnStepData {
  QString name;      // Q K V alpha q P beta k U R A
  QString symbol;    // "α", "P = q ⊙ K"
  QString equation;  // "Eq. 3", "projection"
  QString formula;   // "q_h = Σ_i α_h,i Q_h,i"
  QString shape;     // "(H,N) = (2,13)"
  OpCount count;
  HeatGrid grid;
  QString text;      // the learner text
};

class LearnStepView : public QWidget {
  Q_OBJECT
 public:
  explicit LearnStepView(QWidget* parent = nullptr);
  void setStep(const LearnStepData& step, int index, int count);

  LearnHeatmap* heatmap() const { return heatmap_; }
  QLabel* titleLabel() const { return title_; }
  QLabel* countLabel() const { return count_; }
  QLabel* textLabel() const { return text_; }

 private:
  QLabel *title_, *formula_, *count_, *text_;
  LearnHeatmap* heatmap_;
};

}  // namespace fastformer::ui
