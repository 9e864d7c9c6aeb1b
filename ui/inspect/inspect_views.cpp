// InspectWorkspace's views of one inspection for the chosen layer, heads, weights and
// scale: the shading, minimap and strip chart, the sentence and selection shares, the
// global vectors. The data is
// already computed; these only select and reduce it.
#include "fastformer/inspect.h"

#include "inspect/inspect_workspace.h"

#include "inspect/attention_map.h"
#include "inspect/contribution_panel.h"
#include "inspect/document_minimap.h"
#include "inspect/document_view.h"
#include "inspect/global_vector_panel.h"
#include "inspect/top_tokens_table.h"
#include "inspect/weight_strip_chart.h"

#include <QComboBox>

#include <algorithm>

namespace fastformer::ui {

void InspectWorkspace::refreshWeights() {
  if (!inspection_) return;
  const Inspection& in = *inspection_;
  const auto N = static_cast<std::size_t>(in.size());
  const int layer = std::max(0, layer_->currentIndex());
  const int mode = std::max(0, head_->currentIndex());  // 0 mean, 1 max, 2+ head
  const bool additive = in.attention == AttentionKind::additive && !in.alpha.empty();
  const int kind = additive ? weight_->currentIndex() : 2;
  const int scale = scale_->currentIndex();  // 0 relative, 1 relative stretched, 2 raw
  std::vector<float> shown(N, 0.0f);
  rawPerHead_.clear();
  if (kind == 2) {
    shown = in.pooling;
    rawPerHead_ = {in.pooling};
  } else {
    const Pooling which = kind == 0 ? Pooling::alpha : Pooling::beta;
    for (std::int64_t h = 0; h < in.heads; ++h) rawPerHead_.push_back(head_weights(in, layer, h, which));
    for (std::size_t i = 0; i < N; ++i) {
      float sum = 0, top = 0;
      for (const auto& w : rawPerHead_) {
        sum += w[i];
        top = std::max(top, w[i]);
      }
      shown[i] = mode == 0 ? sum / static_cast<float>(rawPerHead_.size()) : mode == 1 ? top : rawPerHead_[mode - 2][i];
    }
  }
  const QString symbol = kind == 0 ? "α" : kind == 1 ? "β" : "γ";
  QString title = kind == 2 ? "γ (document pooling)" : QString("%1, layer %2, %3").arg(symbol).arg(layer).arg(head_->currentText());
  shareHead_ = kind == 2 || mode < 2 ? -1 : mode - 2;
  shareWhat_ = title;
  refreshShares();
  refreshVectors(layer, kind == 1, mode >= 2 ? mode - 2 : -1);
  refreshAttentionMap(layer, mode >= 2 ? mode - 2 : 0);
  top_->setWeights(shown, pieces_);
  // Each window's weights are a softmax over that window alone: × its token count puts
  // every window on one scale (a product per token, so it commutes with mean and max).
  std::vector<std::vector<float>> perHead = rawPerHead_;
  if (scale != 2) {
    shown = relative_weights(in, shown);
    for (auto& w : perHead) w = relative_weights(in, w);
    title += " × tokens in its window (1 = uniform)";
  }
  view_->setStretched(scale == 1);
  view_->setWeights(shown, title);
  // The minimap uses the text's scale: shifted by the stretched minimum when there is one.
  const double low = view_->scaleMin();
  if (low > 0)
    for (float& w : shown) w = std::max(0.0f, w - static_cast<float>(low));
  minimap_->setWeights(shown, view_->scaleMax() - low);
  strip_->setWeights(perHead, shareHead_, title + " over token position (drag: select a region, double-click: go there)");
}

void InspectWorkspace::refreshShares() {
  if (!inspection_ || rawPerHead_.empty()) return;
  // Share of a range = Σ of its weights / Σ of all weights, per head; the mean and max
  // views average the heads' shares (each head's shares sum to 1, so the average does too).
  const std::string utf8 = text_.toStdString();
  const auto& tokens = inspection_->tokens;
  std::vector<std::size_t> heads;
  if (shareHead_ >= 0) {
    heads.push_back(static_cast<std::size_t>(shareHead_));
  } else {
    for (std::size_t h = 0; h < rawPerHead_.size(); ++h) heads.push_back(h);
  }
  std::vector<double> totals(rawPerHead_.size(), 0.0);
  for (std::size_t h : heads) {
    for (float w : rawPerHead_[h]) totals[h] += w;
  }
  const auto share = [&](std::int64_t first, std::int64_t last) {
    double mean = 0;
    for (std::size_t h : heads) {
      double sum = 0;
      for (std::int64_t i = first; i < last; ++i) sum += rawPerHead_[h][static_cast<std::size_t>(i)];
      mean += totals[h] > 0 ? sum / totals[h] : 0.0;
    }
    return mean / static_cast<double>(std::max<std::size_t>(1, heads.size()));
  };
  // A range's text: from its first real token's start to its last token's end.
  const auto snippet = [&](std::int64_t first, std::int64_t last) {
    const std::int64_t from = tokens[static_cast<std::size_t>(std::max<std::int64_t>(first, 1))].begin;
    const std::int64_t to = tokens[static_cast<std::size_t>(last - 1)].end;
    QString text = to > from ? QString::fromUtf8(utf8.data() + from, static_cast<int>(to - from)).simplified() : "[CLS]";
    return text.size() > 100 ? text.left(97) + "…" : text;
  };
  std::vector<SentenceShare> rows;
  for (const auto& [first, last] : sentences_) rows.push_back({snippet(first, last), share(first, last), first, last});
  contributions_->setSentences(rows, shareWhat_);
  const auto [first, last] = selection_;
  contributions_->setSelection(first < last ? SentenceShare{snippet(first, last), share(first, last), first, last}
                                            : SentenceShare{{}, 0.0, 0, 0});
}

void InspectWorkspace::refreshVectors(int layer, bool key, int head) {
  const Inspection& in = *inspection_;
  if (in.global_query.empty()) return;
  // Window 0's vectors (a one-window document has only those): [W][L][H][Dh].
  const std::size_t size = static_cast<std::size_t>(in.heads * in.head_dim);
  const std::vector<float>& all = key ? in.global_key : in.global_query;
  const auto first = all.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(layer) * size);
  const std::vector<float> values(first, first + static_cast<std::ptrdiff_t>(size));
  const QString title = QString("%1, layer %2%3")
                            .arg(key ? "global key k" : "global query q")
                            .arg(layer)
                            .arg(in.windows.size() > 1 ? QString(" (window 1/%1)").arg(in.windows.size()) : QString());
  vectors_->setVectors(values, static_cast<int>(in.heads), static_cast<int>(in.head_dim), title, head);
  QStringList nearest;
  if (!key && head >= 0 && model_) {
    for (const NearToken& t : nearest_tokens(*model_, in, layer, head, 8)) {
      nearest << QString("%1 (%2)").arg(QString::fromStdString(t.piece)).arg(t.cosine, 0, 'f', 2);
    }
  }
  vectors_->setNearest(nearest);
}

void InspectWorkspace::refreshAttentionMap(int layer, int head) {
  const Inspection& in = *inspection_;
  const int n = static_cast<int>(in.size());
  if (in.attention != AttentionKind::softmax) {
    attention_->setWeights({}, n, static_cast<int>(in.layers), static_cast<int>(in.heads), {},
                           "A Fastformer has no T×T attention map: its attention is α and β");
    return;
  }
  // The map belongs to one layer and head: another choice needs the model run again.
  if (layer != in.softmax_layer || head != in.softmax_head) {
    run();
    return;
  }
  attention_->setWeights(in.softmax_weights, n, static_cast<int>(in.layers), static_cast<int>(in.heads),
                         QString("softmax attention, layer %1, head %2").arg(layer).arg(head),
                         QString("No map: the document needs more than one window or %1 tokens").arg(1024));
}

}  // namespace fastformer::ui
