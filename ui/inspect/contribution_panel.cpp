// ContributionPanel: the selected text's share, a sortable sentence table and the
// occlusion buttons.
#include "inspect/contribution_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace fastformer::ui {
namespace {

// Numbers that sort as numbers.
class NumberItem : public QTableWidgetItem {
 public:
  NumberItem(double value, const QString& text) : QTableWidgetItem(text) { setData(Qt::UserRole, value); }
  bool operator<(const QTableWidgetItem& other) const override {
    return data(Qt::UserRole).toDouble() < other.data(Qt::UserRole).toDouble();
  }
};

}  // namespace

ContributionPanel::ContributionPanel(QWidget* parent) : QWidget(parent) {
  title_ = new QLabel("Sentence shares");
  title_->setWordWrap(true);
  table_ = new QTableWidget(0, 3);
  table_->setHorizontalHeaderLabels({"Share", "Sentence", "Occluded"});
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  table_->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
  table_->setWordWrap(false);
  table_->setTextElideMode(Qt::ElideRight);
  occlude_ = new QPushButton("Occlude the selected sentence");
  occlude_->setToolTip("Mask its tokens and run the model again: how much does the prediction depend on it?");
  selectionLabel_ = new QLabel;
  selectionLabel_->setWordWrap(true);
  selectionLabel_->setTextFormat(Qt::PlainText);
  occludeSelection_ = new QPushButton("Occlude the selected text");
  occludeSelection_->setToolTip(occlude_->toolTip());
  setSelection(selection_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(selectionLabel_);
  layout->addWidget(occludeSelection_);
  layout->addWidget(title_);
  layout->addWidget(table_, 1);
  layout->addWidget(occlude_);
  connect(occlude_, &QPushButton::clicked, this, [this] {
    const auto selected = table_->selectionModel()->selectedRows();
    if (selected.isEmpty()) return;
    const int row = table_->item(selected.front().row(), 1)->data(Qt::UserRole).toInt();
    Q_EMIT occludeRequested(row, rows_[static_cast<std::size_t>(row)].first, rows_[static_cast<std::size_t>(row)].last);
  });
  connect(occludeSelection_, &QPushButton::clicked, this, [this] {
    if (selection_.first < selection_.last) Q_EMIT occludeRequested(kSelectionRow, selection_.first, selection_.last);
  });
}

void ContributionPanel::setSelection(const SentenceShare& selection) {
  const bool changed = selection.first != selection_.first || selection.last != selection_.last;
  selection_ = selection;
  if (changed) selectionOcclusion_.clear();
  const bool any = selection.first < selection.last;
  occludeSelection_->setEnabled(any);
  if (!any) {
    selectionLabel_->setText("Select text in the document (drag, or shift-click from the pinned token) to see its share.");
    return;
  }
  QString text = QString("Selected tokens %1–%2: %3% · “%4”")
                     .arg(selection.first)
                     .arg(selection.last - 1)
                     .arg(100.0 * selection.share, 0, 'f', 1)
                     .arg(selection.text);
  if (!selectionOcclusion_.isEmpty()) text += "\nOccluded: " + selectionOcclusion_;
  selectionLabel_->setText(text);
}

void ContributionPanel::setSentences(const std::vector<SentenceShare>& rows, const QString& what) {
  rows_ = rows;
  title_->setText("Each sentence's exact share of " + what);
  table_->setSortingEnabled(false);
  table_->setRowCount(static_cast<int>(rows.size()));
  for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
    const SentenceShare& s = rows[static_cast<std::size_t>(r)];
    table_->setItem(r, 0, new NumberItem(s.share, QString::number(100.0 * s.share, 'f', 1) + "%"));
    auto* sentence = new QTableWidgetItem(s.text);
    sentence->setData(Qt::UserRole, r);  // the row in rows_, whatever the sorting
    table_->setItem(r, 1, sentence);
    table_->setItem(r, 2, new QTableWidgetItem);
  }
  table_->setSortingEnabled(true);
  table_->sortByColumn(0, Qt::DescendingOrder);
}

void ContributionPanel::setOcclusion(int row, double original, double occluded, const QString& label) {
  const QString change =
      QString("p(%1) %2% → %3%").arg(label).arg(100.0 * original, 0, 'f', 1).arg(100.0 * occluded, 0, 'f', 1);
  if (row == kSelectionRow) {
    selectionOcclusion_ = change;
    const SentenceShare keep = selection_;
    setSelection(keep);
    return;
  }
  for (int r = 0; r < table_->rowCount(); ++r) {
    if (table_->item(r, 1)->data(Qt::UserRole).toInt() == row) table_->item(r, 2)->setText(change);
  }
}

}  // namespace fastformer::ui
