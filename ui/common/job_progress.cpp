// JobProgress: label, bar and Cancel in one row.
#include "common/job_progress.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {

JobProgress::JobProgress(QWidget* parent) : QWidget(parent) {
  label_ = new QLabel;
  bar_ = new QProgressBar;
  bar_->setRange(0, 1000);
  bar_->setTextVisible(false);
  bar_->setMaximumHeight(14);
  cancel_ = new QPushButton("Cancel");
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(label_);
  row->addWidget(bar_, 1);
  row->addWidget(cancel_);
  connect(cancel_, &QPushButton::clicked, this, &JobProgress::cancelRequested);
  hide();
}

void JobProgress::begin(const QString& what) {
  what_ = what;
  setProgress(0.0, {});
  show();
}

void JobProgress::setProgress(double fraction, const QString& stage) {
  const double f = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  bar_->setValue(static_cast<int>(std::lround(1000 * f)));
  label_->setText(stage.isEmpty() ? what_ : QString("%1: %2 · %3%").arg(what_, stage).arg(std::lround(100 * f)));
}

void JobProgress::end() { hide(); }

double JobProgress::fraction() const { return bar_->value() / 1000.0; }

}  // namespace fastformer::ui
