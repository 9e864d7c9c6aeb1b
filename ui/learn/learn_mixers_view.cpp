// LearnMixersView: one head's softmax weights, linear summary and additive global vectors
// side by side, and the four layers' costs at the cost chart's N and d.
#include "learn/learn_mixers_view.h"

#include "learn/learn_format.h"
#include "learn/learn_heatmap.h"
#include "learn/learn_widgets.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace fastformer::ui {
namespace {

QLabel* wrapped(const QString& text) {
  auto* label = new QLabel(text);
  label->setWordWrap(true);
  label->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  return label;
}

QStringList dimensionLabels(int count) {
  QStringList labels;
  for (int i = 0; i < count; ++i) labels << QString::number(i);
  return labels;
}

// Entries [first, first + count) of `all`, or none when `all` is shorter.
std::vector<float> slice(const std::vector<float>& all, std::size_t first, std::size_t count) {
  if (all.size() < first + count) return {};
  return {all.begin() + static_cast<std::ptrdiff_t>(first), all.begin() + static_cast<std::ptrdiff_t>(first + count)};
}

}  // namespace

MixerCosts mixerCosts(std::int64_t n, std::int64_t d, std::int64_t heads, bool sharedValues, ScoreKind score) {
  MixerCosts c;
  c.n = n, c.d = d, c.heads = heads;
  c.softmax = softmax_costs(n, d, heads).total;
  c.softmaxTiled = softmax_tiled_costs(n, d, heads).total;
  c.linear = linear_costs(n, d, heads).total;
  c.additive = additive_costs(n, d, heads, sharedValues, score).total;
  return c;
}

LearnMixersView::LearnMixersView(QWidget* parent) : QWidget(parent) {
  auto* title = learnTitle("Three ways to mix tokens, on the same Q, K, V");
  head_ = headChooser();
  softmax_ = new LearnHeatmap("mixer_softmax", this);
  linear_ = new LearnHeatmap("mixer_linear", this);
  additive_ = new LearnHeatmap("mixer_additive", this);
  table_ = new QLabel;
  table_->setTextFormat(Qt::RichText);
  table_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* header = new QHBoxLayout;
  header->addWidget(title, 1);
  header->addWidget(head_);
  auto* grid = new QGridLayout;
  grid->addWidget(softmax_, 0, 0);
  grid->addWidget(linear_, 0, 1);
  grid->addWidget(additive_, 0, 2);
  grid->addWidget(wrapped("<b>Softmax</b>: every query scores every key, w<sub>ij</sub> = softmax<sub>j</sub>(Q<sub>i</sub>·K<sub>j</sub>/√Dh). "
                          "N² scores per head: exact, and quadratic in N."),
                  1, 0);
  grid->addWidget(wrapped("<b>Linear</b>: the keys and values are summed once into S = Σ<sub>j</sub> φ(K<sub>j</sub>)V<sub>j</sub>ᵀ (Dh×Dh), "
                          "φ = elu + 1; each query reads φ(Q<sub>i</sub>)ᵀS / φ(Q<sub>i</sub>)·Σφ(K<sub>j</sub>). N·Dh² per head."),
                  1, 1);
  grid->addWidget(wrapped("<b>Additive</b> (Fastformer): two weighted sums give a global query q (Eq. 4) and key k (Eq. 6), "
                          "each token is multiplied by them. N·Dh per head."),
                  1, 2);
  for (int c = 0; c < 3; ++c) grid->setColumnStretch(c, 1);
  grid->setRowStretch(0, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(header);
  layout->addLayout(grid, 1);
  layout->addWidget(table_);
  connect(head_, &QSpinBox::valueChanged, this, &LearnMixersView::refresh);
  setScale(1024, 256, 16, true, ScoreKind::per_head);
}

void LearnMixersView::setData(const LearnMixersData& data) {
  data_ = data;
  const QSignalBlocker block(head_);
  head_->setRange(0, std::max(0, data.heads - 1));
  refresh();
}

void LearnMixersView::setHead(int head) { head_->setValue(head); }

void LearnMixersView::setScale(std::int64_t n, std::int64_t d, std::int64_t heads, bool sharedValues, ScoreKind score) {
  costs_ = mixerCosts(n, d, heads, sharedValues, score);
  refreshTable();
}

void LearnMixersView::refresh() {
  const auto n = static_cast<std::size_t>(data_.tokens), dh = static_cast<std::size_t>(data_.headDim);
  const auto h = static_cast<std::size_t>(head_->value());
  if (n == 0 || dh == 0) return;
  HeatGrid weights;
  weights.rows = weights.columns = data_.tokens;
  weights.values = slice(data_.weights, h * n * n, n * n);
  weights.rowTitle = "query token";
  weights.columnTitle = "key token";
  weights.rowLabels = weights.columnLabels = data_.pieces;
  weights.weights = true;
  HeatGrid summary;
  summary.rows = summary.columns = data_.headDim;
  summary.values = slice(data_.summary, h * dh * dh, dh * dh);
  summary.rowTitle = "key dimension (φ(K))";
  summary.columnTitle = "value dimension";
  summary.rowLabels = summary.columnLabels = dimensionLabels(data_.headDim);
  HeatGrid global;
  global.rows = 2;
  global.columns = data_.headDim;
  global.values = slice(data_.globalQuery, h * dh, dh);
  const std::vector<float> k = slice(data_.globalKey, h * dh, dh);
  global.values.insert(global.values.end(), k.begin(), k.end());
  global.rowTitle = "global vector";
  global.columnTitle = "dimension";
  global.rowLabels = QStringList{"q", "k"};
  global.columnLabels = dimensionLabels(data_.headDim);
  if (weights.values.empty() || summary.values.empty() || global.values.size() != 2 * dh) return;
  softmax_->setGrid(weights, QString("softmax: N×N = %1×%1 weights").arg(data_.tokens));
  linear_->setGrid(summary, QString("linear: Dh×Dh = %1×%1 summary φ(K)ᵀV").arg(data_.headDim));
  additive_->setGrid(global, QString("additive: q and k, 2×Dh = 2×%1").arg(data_.headDim));
}

void LearnMixersView::refreshTable() {
  const MixerCosts& c = costs_;
  const auto row = [&](const QString& name, const OpCount& count, const QString& note) {
    const double ratio = c.additive.multiply_adds > 0 ? count.multiply_adds / c.additive.multiply_adds : 0.0;
    return QString("<tr><td>%1</td><td align='right'>%2</td><td align='right'>%3×</td><td align='right'>%4</td><td>%5</td></tr>")
        .arg(name, countText(count.multiply_adds))
        .arg(ratio, 0, 'f', ratio < 10 ? 2 : 0)
        .arg(bytesText(count.bytes), note);
  };
  table_->setText(
      QString("<b>One layer at N = %1, d = %2, H = %3</b> (the chart's sliders)"
              "<table cellspacing='0' cellpadding='2'>"
              "<tr><th align='left'>mixer</th><th>multiply-adds</th><th>× additive</th><th>activations</th><th></th></tr>")
          .arg(countText(static_cast<double>(c.n)))
          .arg(c.d)
          .arg(c.heads) +
      row("softmax, materialised", c.softmax, "two (H,N,N) tensors") +
      row("softmax, tiled", c.softmaxTiled, "one 32×512 tile and an (H,N) log-sum-exp: same work, O(N) memory") +
      row("linear", c.linear, "an (H,Dh,Dh) summary") + row("additive", c.additive, "two (H,Dh) global vectors") +
      "</table>");
}

}  // namespace fastformer::ui
