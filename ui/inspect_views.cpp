// InspectWorkspace's views of one inspection for the chosen layer, heads and weights: the
// shading and strip chart, the sentence shares and the global vectors. The data is
// already computed; these only select and reduce it.
#pragma push_macro("slots")
#undef slots
#include "fastformer/inspect.h"
#pragma pop_macro("slots")

#include "inspect_workspace.h"

#include "attention_map.h"
#include "contribution_panel.h"
#include "document_view.h"
#include "global_vector_panel.h"
#include "top_tokens_table.h"
#include "weight_strip_chart.h"

#include <QComboBox>

#include <algorithm>

namespace fastformer::ui {

void InspectWorkspace::refreshWeights() {
  if (!inspection_) return;
  const Inspection& in = *inspection_;
  const auto N = static_cast<std::size_t>(in.size());
  const int layer = std::max(0, layer_->currentIndex());
  const int mode = std::max(0, head_->currentIndex());  // 0 mean, 1 max, 2+ head
  const bool additive = in.attention == "additive" && !in.alpha.empty();
  const int kind = additive ? weight_->currentIndex() : 2;
  std::vector<std::vector<float>> perHead;
  std::vector<float> shown(N, 0.0f);
  if (kind == 2) {
    shown = in.pooling;
    perHead = {in.pooling};
  } else {
    const Pooling which = kind == 0 ? Pooling::alpha : Pooling::beta;
    for (std::int64_t h = 0; h < in.heads; ++h) perHead.push_back(head_weights(in, layer, h, which));
    for (std::size_t i = 0; i < N; ++i) {
      float sum = 0, top = 0;
      for (const auto& w : perHead) {
        sum += w[i];
        top = std::max(top, w[i]);
      }
      shown[i] = mode == 0 ? sum / static_cast<float>(perHead.size()) : mode == 1 ? top : perHead[mode - 2][i];
    }
  }
  const QString symbol = kind == 0 ? "α" : kind == 1 ? "β" : "γ";
  const QString title = kind == 2 ? "γ (document pooling)"
                                  : QString("%1, layer %2, %3").arg(symbol).arg(layer).arg(head_->currentText());
  refreshShares(perHead, kind == 2 ? 0 : mode, title);
  refreshVectors(layer, kind == 1, mode >= 2 ? mode - 2 : -1);
  refreshAttentionMap(layer, mode >= 2 ? mode - 2 : 0);
  view_->setWeights(shown, title);
  top_->setWeights(shown, pieces_);
  strip_->setWeights(perHead, kind == 2 || mode < 2 ? -1 : mode - 2, title + " over token position (double-click: go there)");
}

void InspectWorkspace::refreshShares(const std::vector<std::vector<float>>& perHead, int mode, const QString& what) {
  // Share of a range = Σ of its weights / Σ of all weights, per head; the mean and max
  // views average the heads' shares (each head's shares sum to 1, so the average does too).
  const std::string utf8 = text_.toStdString();
  const auto& tokens = inspection_->tokens;
  std::vector<SentenceShare> rows;
  const std::vector<std::size_t> heads = [&] {
    std::vector<std::size_t> out;
    if (mode >= 2) {
      out.push_back(static_cast<std::size_t>(mode - 2));
    } else {
      for (std::size_t h = 0; h < perHead.size(); ++h) out.push_back(h);
    }
    return out;
  }();
  std::vector<double> totals(perHead.size(), 0.0);
  for (std::size_t h : heads) {
    for (float w : perHead[h]) totals[h] += w;
  }
  for (const auto& [first, last] : sentences_) {
    double share = 0;
    for (std::size_t h : heads) {
      double sum = 0;
      for (std::int64_t i = first; i < last; ++i) sum += perHead[h][static_cast<std::size_t>(i)];
      share += totals[h] > 0 ? sum / totals[h] : 0.0;
    }
    share /= static_cast<double>(std::max<std::size_t>(1, heads.size()));
    // The sentence's text: from its first real token's start to its last token's end.
    const std::int64_t from = tokens[static_cast<std::size_t>(std::max<std::int64_t>(first, 1))].begin;
    const std::int64_t to = tokens[static_cast<std::size_t>(last - 1)].end;
    QString snippet = to > from ? QString::fromUtf8(utf8.data() + from, static_cast<int>(to - from)).simplified() : "[CLS]";
    if (snippet.size() > 100) snippet = snippet.left(97) + "…";
    rows.push_back({snippet, share, first, last});
  }
  contributions_->setSentences(rows, what);
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
  if (in.attention != "softmax") {
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
