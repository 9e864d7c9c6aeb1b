// ContributionPanel: a sortable sentence table and the occlusion button.
#include "contribution_panel.h"

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
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(title_);
  layout->addWidget(table_, 1);
  layout->addWidget(occlude_);
  connect(occlude_, &QPushButton::clicked, this, [this] {
    const auto selected = table_->selectionModel()->selectedRows();
    if (selected.isEmpty()) return;
    const int row = table_->item(selected.front().row(), 1)->data(Qt::UserRole).toInt();
    emit occludeRequested(row, rows_[static_cast<std::size_t>(row)].first, rows_[static_cast<std::size_t>(row)].last);
  });
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
  for (int r = 0; r < table_->rowCount(); ++r) {
    if (table_->item(r, 1)->data(Qt::UserRole).toInt() != row) continue;
    table_->item(r, 2)->setText(QString("p(%1) %2% → %3%")
                                    .arg(label)
                                    .arg(100.0 * original, 0, 'f', 1)
                                    .arg(100.0 * occluded, 0, 'f', 1));
  }
}

}  // namespace fastformer::ui
