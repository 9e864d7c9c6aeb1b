// Small widgets the Learn views share: a side's bold title and the head chooser.
#pragma once

#include <QString>

class QLabel;
class QSpinBox;

namespace fastformer::ui {

QLabel* learnTitle(const QString& text);  // bold, 1.2× the body text
QSpinBox* headChooser();                  // "head 0", its range set when a trace arrives

}  // namespace fastformer::ui
