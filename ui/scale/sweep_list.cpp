// SweepList: checkable rows with the sweep's two kind colours as the icon.
#include "scale/sweep_list.h"

#include "scale/scale_analysis.h"
#include "scale/scale_plot.h"

#include <QHBoxLayout>
#include <QListWidget>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QVBoxLayout>

namespace fastformer::ui {
namespace {

// Four squares: the sweep's colour for each kind.
QIcon sweepIcon(int slot) {
  QPixmap pixmap(32, 12);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  int x = 0;
  for (const BenchKind kind : kKinds) {
    painter.fillRect(QRect(x, 2, 7, 8), sweepKindColor(slot, kind));
    x += 8;
  }
  return QIcon(pixmap);
}

QString tooltip(const SweepRecord& s) {
  QStringList lines{s.source.isEmpty() ? QStringLiteral("measured here in this session") : s.source};
  if (!s.machine.isEmpty()) lines << s.machine;
  lines << QStringLiteral("%1 points").arg(s.points.size());
  if (!s.config) lines << QStringLiteral("settings unknown (CSV file)");
  return lines.join('\n');
}

}  // namespace

SweepList::SweepList(QWidget* parent) : QWidget(parent) {
  list_ = new QListWidget;
  list_->setIconSize(QSize(24, 12));
  list_->setMinimumHeight(70);
  list_->setToolTip(QStringLiteral("Sweeps on the charts: tick to show, untick to hide"));
  open_ = new QPushButton(QStringLiteral("Open…"));
  save_ = new QPushButton(QStringLiteral("Save…"));
  remove_ = new QPushButton(QStringLiteral("Remove"));
  open_->setToolTip(QStringLiteral("Overlay a sweep saved by the Studio or by fastformer bench sweep --json/--csv"));
  save_->setToolTip(QStringLiteral("Save the selected sweep as JSON (settings, machine, points) or CSV (points)"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(open_);
  buttons->addWidget(save_);
  buttons->addWidget(remove_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(list_, 1);
  layout->addLayout(buttons);

  connect(list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
    if (!filling_) Q_EMIT visibilityChanged(list_->row(item), item->checkState() == Qt::Checked);
  });
  connect(list_, &QListWidget::currentRowChanged, this, &SweepList::updateButtons);
  connect(open_, &QPushButton::clicked, this, &SweepList::openRequested);
  connect(save_, &QPushButton::clicked, this, [this] { Q_EMIT saveRequested(selected()); });
  connect(remove_, &QPushButton::clicked, this, [this] { Q_EMIT removeRequested(selected()); });
  updateButtons();
}

void SweepList::setSweeps(const std::vector<SweepRecord>& sweeps) {
  filling_ = true;
  const int keep = list_->currentRow();
  list_->clear();
  for (const auto& s : sweeps) {
    auto* item = new QListWidgetItem(sweepIcon(s.colorSlot), s.label, list_);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
    item->setCheckState(s.visible ? Qt::Checked : Qt::Unchecked);
    item->setToolTip(tooltip(s));
  }
  list_->setCurrentRow(std::min(keep, list_->count() - 1));
  filling_ = false;
  updateButtons();
}

int SweepList::selected() const { return list_->currentRow(); }

void SweepList::select(int row) { list_->setCurrentRow(row); }

void SweepList::updateButtons() {
  const bool any = list_->currentRow() >= 0;
  save_->setEnabled(any);
  remove_->setEnabled(any);
}

}  // namespace fastformer::ui
