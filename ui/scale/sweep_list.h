// The Scale workspace's list of sweeps on the charts: one checkable row per sweep (its
// colours as the icon, its label, its machine in the tooltip) with Open…, Save… and Remove.
#pragma once

#include "scale/sweep_record.h"

#include <QWidget>

#include <vector>

class QListWidget;
class QPushButton;

namespace fastformer::ui {

class SweepList : public QWidget {
  Q_OBJECT
 public:
  explicit SweepList(QWidget* parent = nullptr);

  // Shows these sweeps (rows in the same order); keeps the selected row where it can.
  void setSweeps(const std::vector<SweepRecord>& sweeps);
  // The selected row, or -1.
  int selected() const;
  void select(int row);

  QListWidget* list() const { return list_; }
  QPushButton* openButton() const { return open_; }
  QPushButton* saveButton() const { return save_; }
  QPushButton* removeButton() const { return remove_; }

 Q_SIGNALS:
  void visibilityChanged(int row, bool visible);
  void openRequested();
  void saveRequested(int row);
  void removeRequested(int row);

 private:
  void updateButtons();

  QListWidget* list_;
  QPushButton* open_;
  QPushButton* save_;
  QPushButton* remove_;
  bool filling_ = false;
};

}  // namespace fastformer::ui
