// Help → Keyboard shortcuts: every action of the window's menus that has a shortcut, by
// menu, read from the actions themselves so that the list cannot fall behind them.
#pragma once

#include <QDialog>
#include <QString>
#include <vector>

class QMainWindow;

namespace fastformer::ui {

struct ShortcutRow {
  QString menu, action, keys;  // "Run", "Start", "Ctrl+Return" (the platform's text)
};

// The rows of `window`'s menu bar, submenus included, in menu order.
std::vector<ShortcutRow> menuShortcuts(const QMainWindow& window);

class ShortcutsDialog : public QDialog {
 public:
  ShortcutsDialog(const QMainWindow* window, QWidget* parent = nullptr);
};

}  // namespace fastformer::ui
