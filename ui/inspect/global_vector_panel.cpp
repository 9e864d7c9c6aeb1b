// GlobalVectorPanel: a diverging colour map (negative blue, positive red) and its companions.
#include "inspect/global_vector_panel.h"

#include "common/bar_chart.h"
#include "common/chart_export.h"

#include "common/themed_plot.h"

#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {

GlobalVectorPanel::GlobalVectorPanel(QWidget* parent) : QWidget(parent), plot_(new ThemedPlot(this)) {
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  // Diverging: blue for negative values, white at zero, red for positive ones.
  QCPColorGradient gradient;
  gradient.setColorStopAt(0.0, QColor(33, 102, 172));
  gradient.setColorStopAt(0.5, Qt::white);
  gradient.setColorStopAt(1.0, QColor(178, 24, 43));
  map_->setGradient(gradient);
  map_->setInterpolate(false);
  plot_->xAxis->setLabel("dimension");
  plot_->yAxis->setLabel("head");
  plot_->yAxis->setRangeReversed(true);
  // Whole dimensions and heads only.
  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    axis->setTicker(ticker);
  }
  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, "", QFont(font().family(), 10, QFont::Bold)));
  plot_->setMinimumHeight(180);
  addExportMenu(*plot_, "global_vectors");
  bars_ = new BarChart("The chosen head's vector", "the selected head's vector\nappears when a document is read");
  bars_->setMinimumHeight(150);
  norms_ = new QLabel;
  norms_->setWordWrap(true);
  nearest_ = new QLabel;
  nearest_->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_, 2);
  layout->addWidget(norms_);
  layout->addWidget(bars_, 1);
  layout->addWidget(nearest_);
}

void GlobalVectorPanel::setVectors(const std::vector<float>& values, int heads, int headDim, const QString& title,
                                   int selected) {
  map_->data()->setSize(headDim, heads);
  map_->data()->setRange(QCPRange(0, headDim - 1), QCPRange(0, heads - 1));
  double extent = 1e-12;
  QStringList norms;
  for (int h = 0; h < heads; ++h) {
    double squares = 0;
    for (int d = 0; d < headDim; ++d) {
      const double v = values[static_cast<std::size_t>(h * headDim + d)];
      map_->data()->setCell(d, h, v);
      extent = std::max(extent, std::abs(v));
      squares += v * v;
    }
    norms << QString("h%1 %2").arg(h).arg(std::sqrt(squares), 0, 'f', 2);
  }
  map_->setDataRange(QCPRange(-extent, extent));  // symmetric: white is zero
  plot_->xAxis->setRange(-0.5, headDim - 0.5);
  plot_->yAxis->setRange(-0.5, heads - 0.5);
  if (auto* heading = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) heading->setText(title);
  plot_->replot(QCustomPlot::rpQueuedReplot);
  norms_->setText("Norm per head: " + norms.join(", "));
  bars_->setVisible(selected >= 0);
  if (selected >= 0) {
    QStringList names;
    std::vector<double> head;
    for (int d = 0; d < headDim; ++d) {
      names << QString::number(d);
      head.push_back(values[static_cast<std::size_t>(selected * headDim + d)]);
    }
    bars_->setCategories(names, head, QString("head %1").arg(selected));
  }
}

void GlobalVectorPanel::setNearest(const QStringList& tokens) {
  nearest_->setVisible(!tokens.isEmpty());
  nearest_->setText("Vocabulary nearest to this head's global query (cosine in its slice of the embeddings): " +
                    tokens.join(", "));
}

}  // namespace fastformer::ui
