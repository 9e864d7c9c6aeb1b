// A workspace still to be built: says what it will show, so the four workspaces are all
// there from the start.
#pragma once

#include <QWidget>

namespace fastformer::ui {

class PlaceholderWorkspace : public QWidget {
  Q_OBJECT
 public:
  PlaceholderWorkspace(const QString& title, const QString& description, QWidget* parent = nullptr);
};

}  // namespace fastformer::ui
