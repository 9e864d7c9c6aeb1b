// LearnStepView: a title, the formula, the heat map, the shape and cost line, the text.
#include "learn/learn_step_view.h"

#include "learn/learn_format.h"

#include <QLabel>
#include <QVBoxLayout>

namespace fastformer::ui {

LearnStepView::LearnStepView(QWidget* parent) : QWidget(parent) {
  title_ = new QLabel;
  QFont bold = title_->font();
  bold.setBold(true);
  bold.setPointSizeF(bold.pointSizeF() * 1.2);
  title_->setFont(bold);
  formula_ = new QLabel;
  formula_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  heatmap_ = new LearnHeatmap("learn_step", this);
  count_ = new QLabel;
  count_->setWordWrap(true);
  count_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  text_ = new QLabel;
  text_->setWordWrap(true);
  text_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  text_->setMinimumHeight(text_->fontMetrics().lineSpacing() * 4);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(title_);
  layout->addWidget(formula_);
  layout->addWidget(heatmap_, 1);
  layout->addWidget(count_);
  layout->addWidget(text_);
}

void LearnStepView::setStep(const LearnStepData& step, int index, int count) {
  title_->setText(QString("Step %1 of %2 · %3 · %4").arg(index + 1).arg(count).arg(step.symbol, step.equation));
  formula_->setText(step.formula);
  heatmap_->setGrid(step.grid, QString("%1  %2").arg(step.symbol, step.shape));
  count_->setText(QString("Shape %1 · %2").arg(step.shape, opCountText(step.count)));
  text_->setText(step.text);
}

}  // namespace fastformer::ui
