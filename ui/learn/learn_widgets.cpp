// The Learn views' shared title and head chooser.
#include "learn/learn_widgets.h"

#include <QLabel>
#include <QSpinBox>

namespace fastformer::ui {

QLabel* learnTitle(const QString& text) {
  auto* title = new QLabel(text);
  QFont bold = title->font();
  bold.setBold(true);
  bold.setPointSizeF(bold.pointSizeF() * 1.2);
  title->setFont(bold);
  return title;
}

QSpinBox* headChooser() {
  auto* head = new QSpinBox;
  head->setPrefix("head ");
  head->setRange(0, 0);
  return head;
}

}  // namespace fastformer::ui
