// PredictionPanel: a verdict line, the probability bars and the entropy table.
#include "inspect/prediction_panel.h"

#include "common/bar_chart.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace fastformer::ui {

PredictionPanel::PredictionPanel(QWidget* parent) : QWidget(parent) {
  verdict_ = new QLabel("no document yet");
  verdict_->setWordWrap(true);
  bars_ = new BarChart("Label probabilities", "the model's probability per label\nappears when a document is read");
  bars_->setMinimumHeight(150);
  table_ = new QTableWidget(0, 5);
  table_->setHorizontalHeaderLabels({"Layer", "Head", "H(α)", "H(β)", "Flag"});
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setStretchLastSection(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(verdict_);
  layout->addWidget(bars_);
  layout->addWidget(new QLabel("Entropy of the pooling weights per head (nats)"));
  layout->addWidget(table_, 1);
}

void PredictionPanel::setPrediction(const QStringList& labels, const std::vector<double>& probabilities,
                                    const QString& note) {
  bars_->setCategories(labels, probabilities, "probability");
  const auto best = std::max_element(probabilities.begin(), probabilities.end());
  if (best == probabilities.end()) {
    verdict_->setText(note);
    return;
  }
  const auto index = static_cast<int>(best - probabilities.begin());
  verdict_->setText(QString("<b>%1</b> (%2%)%3")
                        .arg(labels.value(index))
                        .arg(100.0 * *best, 0, 'f', 1)
                        .arg(note.isEmpty() ? QString() : "<br>" + note));
}

void PredictionPanel::setEntropies(const std::vector<HeadEntropy>& heads, double uniformEntropy) {
  table_->setRowCount(static_cast<int>(heads.size()));
  for (int r = 0; r < static_cast<int>(heads.size()); ++r) {
    const HeadEntropy& h = heads[static_cast<std::size_t>(r)];
    const QStringList cells{QString::number(h.layer), QString::number(h.head), QString::number(h.alpha, 'f', 2),
                            QString::number(h.beta, 'f', 2), h.flag};
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (!h.flag.isEmpty()) {  // a light tint: dark text on it whatever the palette
        item->setBackground(h.flag == "collapsed" ? QColor(253, 231, 234) : QColor(255, 243, 205));
        item->setForeground(QColor(20, 20, 20));
      }
      table_->setItem(r, c, item);
    }
  }
  table_->setToolTip(QString("A uniform head over this document would have entropy %1 nats.").arg(uniformEntropy, 0, 'f', 2));
}

}  // namespace fastformer::ui
