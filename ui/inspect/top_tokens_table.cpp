// TopTokensTable: a partial sort of the weights, then one row per token.
#include "inspect/top_tokens_table.h"

#include <QHeaderView>

#include <algorithm>
#include <numeric>

namespace fastformer::ui {

TopTokensTable::TopTokensTable(QWidget* parent) : QTableWidget(0, 5, parent) {
  setHorizontalHeaderLabels({"#", "Token", "Position", "Weight", "Share"});
  verticalHeader()->setVisible(false);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  horizontalHeader()->setStretchLastSection(true);
  connect(this, &QTableWidget::cellDoubleClicked, this, [this](int row) { Q_EMIT tokenChosen(tokenAtRow(row)); });
}

void TopTokensTable::setWeights(const std::vector<float>& weights, const QStringList& pieces, int k) {
  std::vector<int> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  const int shown = std::min<int>(k, static_cast<int>(order.size()));
  std::partial_sort(order.begin(), order.begin() + shown, order.end(),
                    [&](int a, int b) { return weights[static_cast<std::size_t>(a)] > weights[static_cast<std::size_t>(b)]; });
  double total = 0;
  for (float w : weights) total += w;
  setRowCount(shown);
  for (int r = 0; r < shown; ++r) {
    const int i = order[static_cast<std::size_t>(r)];
    const double w = weights[static_cast<std::size_t>(i)];
    const QStringList cells{QString::number(r + 1), pieces.value(i), QString::number(i), QString::number(w, 'g', 4),
                            total > 0 ? QString::number(100.0 * w / total, 'f', 2) + "%" : QString("—")};
    for (int c = 0; c < cells.size(); ++c) setItem(r, c, new QTableWidgetItem(cells[c]));
    item(r, 2)->setData(Qt::UserRole, i);
  }
}

int TopTokensTable::tokenAtRow(int row) const {
  const QTableWidgetItem* cell = item(row, 2);
  return cell != nullptr ? cell->data(Qt::UserRole).toInt() : -1;
}

}  // namespace fastformer::ui
