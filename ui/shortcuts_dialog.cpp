#include "shortcuts_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QVBoxLayout>

namespace fastformer::ui {
namespace {

void collect(const QMenu* menu, const QString& path, std::vector<ShortcutRow>& rows) {
  for (QAction* action : menu->actions()) {
    if (action->menu() != nullptr) {
      collect(action->menu(), path + " › " + action->text().remove('&'), rows);
    } else if (!action->isSeparator() && !action->shortcut().isEmpty()) {
      rows.push_back({path, action->text().remove('&'), action->shortcut().toString(QKeySequence::NativeText)});
    }
  }
}

}  // namespace

std::vector<ShortcutRow> menuShortcuts(const QMainWindow& window) {
  std::vector<ShortcutRow> rows;
  for (QAction* top : window.menuBar()->actions())
    if (top->menu() != nullptr) collect(top->menu(), top->text().remove('&'), rows);
  return rows;
}

ShortcutsDialog::ShortcutsDialog(const QMainWindow* window, QWidget* parent) : QDialog(parent) {
  setWindowTitle("Keyboard shortcuts");
  const std::vector<ShortcutRow> rows = menuShortcuts(*window);
  auto* table = new QTableWidget(static_cast<int>(rows.size()), 3, this);
  table->setHorizontalHeaderLabels({"Menu", "Action", "Keys"});
  for (int r = 0; r < table->rowCount(); ++r) {
    const ShortcutRow& row = rows[static_cast<std::size_t>(r)];
    const QString cells[] = {row.menu, row.action, row.keys};
    for (int c = 0; c < 3; ++c) table->setItem(r, c, new QTableWidgetItem(cells[c]));
  }
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->verticalHeader()->hide();
  table->horizontalHeader()->setStretchLastSection(true);
  table->resizeColumnsToContents();
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(table);
  layout->addWidget(buttons);
  resize(520, 480);
}

}  // namespace fastformer::ui
