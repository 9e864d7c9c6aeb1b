// AttentionMap: one QCPColorMap cell per (query, key) pair.
#include "inspect/attention_map.h"

#include "common/chart_export.h"
#include "common/weight_colors.h"

#include "common/themed_plot.h"

#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>

namespace fastformer::ui {
namespace {

QString bytes(double b) {
  return b >= 1 << 20 ? QString::number(b / (1 << 20), 'f', 1) + " MiB" : QString::number(b / 1024, 'f', 1) + " KiB";
}

}  // namespace

AttentionMap::AttentionMap(QWidget* parent) : QWidget(parent), plot_(new ThemedPlot(this)) {
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  QCPColorGradient gradient;  // the text view's scale: white → orange-red
  gradient.setColorStopAt(0.0, Qt::white);
  gradient.setColorStopAt(1.0, weightColor(1.0));
  map_->setGradient(gradient);
  map_->setInterpolate(false);
  plot_->xAxis->setLabel("key token");
  plot_->yAxis->setLabel("query token");
  plot_->yAxis->setRangeReversed(true);
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->plotLayout()->insertRow(0);
  plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, "", QFont(font().family(), 10, QFont::Bold)));
  plot_->setMinimumHeight(220);
  addExportMenu(*plot_, "softmax_attention");
  memory_ = new QLabel;
  memory_->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(plot_, 1);
  layout->addWidget(memory_);
}

void AttentionMap::setWeights(const std::vector<float>& weights, int tokens, int layers, int heads,
                              const QString& title, const QString& reason) {
  const bool shown = !weights.empty() && tokens > 0;
  map_->data()->setSize(shown ? tokens : 1, shown ? tokens : 1);
  map_->data()->setRange(QCPRange(0, std::max(0, tokens - 1)), QCPRange(0, std::max(0, tokens - 1)));
  float top = 1e-12f;
  if (shown) {
    for (int q = 0; q < tokens; ++q) {
      for (int k = 0; k < tokens; ++k) {
        const float w = weights[static_cast<std::size_t>(q * tokens + k)];
        map_->data()->setCell(k, q, w);
        top = std::max(top, w);
      }
    }
  }
  map_->setDataRange(QCPRange(0, top));
  plot_->xAxis->setRange(-0.5, std::max(1, tokens) - 0.5);
  plot_->yAxis->setRange(-0.5, std::max(1, tokens) - 0.5);
  if (auto* heading = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) {
    heading->setText(shown ? title : reason);
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
  // float32 weights: the softmax keeps L·H maps of N² during a forward pass; α and β are
  // 2·L·H·N numbers for the same document.
  const double n = tokens;
  memory_->setText(QString("One head's map: %1 weights (%2); all %3 layers × %4 heads: %5. "
                           "Fastformer's α and β for the same %6 tokens: %7.")
                       .arg(QLocale().toString(static_cast<qlonglong>(n * n)))
                       .arg(bytes(4 * n * n))
                       .arg(layers)
                       .arg(heads)
                       .arg(bytes(4 * n * n * layers * heads))
                       .arg(tokens)
                       .arg(bytes(4 * 2 * n * layers * heads)));
}

QString AttentionMap::memoryText() const { return memory_->text(); }

}  // namespace fastformer::ui
