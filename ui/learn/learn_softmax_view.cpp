// LearnSoftmaxView: a head chooser, two N×N heat maps, their counts and the learner text.
#include "learn/learn_softmax_view.h"

#include "learn/learn_format.h"
#include "learn/learn_heatmap.h"
#include "learn/learn_widgets.h"
#include "learn/learn_text.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

namespace fastformer::ui {

LearnSoftmaxView::LearnSoftmaxView(QWidget* parent) : QWidget(parent) {
  auto* title = learnTitle("Softmax attention on the same Q, K, V");
  head_ = headChooser();
  scores_ = new LearnHeatmap("softmax_scores", this);
  weights_ = new LearnHeatmap("softmax_weights", this);
  count_ = new QLabel;
  count_->setWordWrap(true);
  count_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  text_ = new QLabel(learnText("scores", false) + " " + learnText("weights", false));
  text_->setWordWrap(true);
  text_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  auto* header = new QHBoxLayout;
  header->addWidget(title, 1);
  header->addWidget(head_);
  auto* maps = new QHBoxLayout;
  maps->addWidget(scores_);
  maps->addWidget(weights_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(header);
  layout->addLayout(maps, 1);
  layout->addWidget(count_);
  layout->addWidget(text_);
  connect(head_, &QSpinBox::valueChanged, this, &LearnSoftmaxView::refresh);
}

void LearnSoftmaxView::setData(const LearnSoftmaxData& data) {
  data_ = data;
  const QSignalBlocker block(head_);
  head_->setRange(0, std::max(0, data.heads - 1));
  refresh();
}

void LearnSoftmaxView::setHead(int head) { head_->setValue(head); }

int LearnSoftmaxView::head() const { return head_->value(); }

void LearnSoftmaxView::refresh() {
  const int n = data_.tokens, h = head_->value();
  const auto slice = [&](const std::vector<float>& all, bool weights) {
    HeatGrid g;
    g.rows = g.columns = n;
    const auto first = all.begin() + static_cast<std::ptrdiff_t>(h) * n * n;
    g.values.assign(first, first + static_cast<std::ptrdiff_t>(n) * n);
    g.rowTitle = "query token";
    g.columnTitle = "key token";
    g.rowLabels = g.columnLabels = data_.pieces;
    g.weights = weights;
    return g;
  };
  if (n == 0 || data_.scores.size() < static_cast<std::size_t>(data_.heads) * n * n) return;
  scores_->setGrid(slice(data_.scores, false), QString("S = QKᵀ/√Dh  (N,N) = (%1,%1), head %2").arg(n).arg(h));
  weights_->setGrid(slice(data_.weights, true), QString("softmax(S), rows sum to 1, head %1").arg(h));
  const double ratio = data_.additiveTotal.multiply_adds > 0
                           ? data_.softmaxTotal.multiply_adds / data_.additiveTotal.multiply_adds
                           : 0.0;
  count_->setText(QString("Scores (H,N,N): %1<br>Softmax (H,N,N): %2<br>O = W V (N,D): %3<br>"
                          "<b>Whole layer at N = %4:</b> softmax %5 multiply-adds, %6 · Fastformer %7, %8: softmax does %9× the work")
                      .arg(opCountText(data_.scoresCount), opCountText(data_.weightsCount),
                           opCountText(data_.outputCount))
                      .arg(n)
                      .arg(countText(data_.softmaxTotal.multiply_adds), bytesText(data_.softmaxTotal.bytes),
                           countText(data_.additiveTotal.multiply_adds), bytesText(data_.additiveTotal.bytes))
                      .arg(ratio, 0, 'f', 2));
}

}  // namespace fastformer::ui
