// PlaceholderWorkspace: a title and a paragraph, centred.
#include "placeholder_workspace.h"

#include <QLabel>
#include <QVBoxLayout>

namespace fastformer::ui {

PlaceholderWorkspace::PlaceholderWorkspace(const QString& title, const QString& description, QWidget* parent)
    : QWidget(parent) {
  auto* heading = new QLabel("<h2>" + title + "</h2>");
  auto* text = new QLabel(description);
  text->setWordWrap(true);
  text->setMaximumWidth(640);
  auto* layout = new QVBoxLayout(this);
  layout->addStretch();
  layout->addWidget(heading, 0, Qt::AlignHCenter);
  layout->addWidget(text, 0, Qt::AlignHCenter);
  layout->addStretch();
}

}  // namespace fastformer::ui
