// InspectWorkspace's views of one inspection for the chosen layer, heads, weights and
// scale: one ShadingSpec from the controls, and from the engine's Shading of it the text,
// minimap and strip chart, the sentence and selection shares; the global vectors.
#include "fastformer/inspect.h"
#include "fastformer/shading.h"

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

ShadingSpec InspectWorkspace::shadingSpec() const {
  ShadingSpec spec;
  // α, β, γ, n (the methods after them are not weights: their spec is α's)
  const int weights = weight_->currentIndex();
  spec.weights = static_cast<ShadingSpec::Weights>(weights >= 0 && weights <= 3 ? weights : 0);
  spec.layer = std::max(0, layer_->currentIndex());
  const int mode = std::max(0, head_->currentIndex());  // 0 mean, 1 max, 2+ head
  spec.heads = mode == 0 ? ShadingSpec::Heads::mean : mode == 1 ? ShadingSpec::Heads::max : ShadingSpec::Heads::one;
  spec.head = std::max(0, mode - 2);
  spec.scale = static_cast<ShadingSpec::Scale>(std::max(0, scale_->currentIndex()));  // relative, stretched, raw
  return inspection_ ? available_shading(*inspection_, spec) : spec;
}

void InspectWorkspace::refreshWeights() {
  if (!inspection_) return;
  if (const std::optional<AttributionMethod> method = shadedMethod()) {
    shadeByMethod(*method);
    return;
  }
  const ShadingSpec spec = shadingSpec();
  try {
    shading_ = std::make_shared<const Shading>(compute_shading(*inspection_, spec));
  } catch (const std::exception& e) {
    setMessage("Cannot shade the document: " + describeException(e), true);
    return;
  }
  const Shading& s = *shading_;
  const bool one = spec.heads == ShadingSpec::Heads::one;
  refreshShares();
  refreshVectors(static_cast<int>(spec.layer), spec.weights == ShadingSpec::Weights::beta, one ? static_cast<int>(spec.head) : -1);
  refreshAttentionMap(static_cast<int>(spec.layer), one ? static_cast<int>(spec.head) : 0);
  top_->setWeights(s.raw, pieces_);
  const QString legend = QString::fromStdString(s.legend);
  view_->setDiverging(false);
  view_->setScale(s.low, s.high);
  view_->setWeights(s.values, legend);
  // The minimap uses the text's scale: shifted by its low end.
  std::vector<float> shifted = s.values;
  if (s.low > 0)
    for (float& w : shifted) w = std::max(0.0f, w - static_cast<float>(s.low));
  minimap_->setWeights(shifted, s.high - s.low);
  strip_->setValueLabel("weight");
  strip_->setWeights(s.per_head, static_cast<int>(s.selected),
                     legend + " over token position (drag: select a region, double-click: go there)");
}

void InspectWorkspace::refreshShares() {
  if (!inspection_ || !shading_) return;
  const std::string utf8 = text_.toStdString();
  const auto& tokens = inspection_->tokens;
  // A range's text: from its first real token's start to its last token's end.
  const auto snippet = [&](std::int64_t first, std::int64_t last) {
    const std::int64_t from = tokens[static_cast<std::size_t>(std::max<std::int64_t>(first, 1))].begin;
    const std::int64_t to = tokens[static_cast<std::size_t>(last - 1)].end;
    QString text = to > from ? QString::fromUtf8(utf8.data() + from, static_cast<int>(to - from)).simplified() : "[CLS]";
    return text.size() > 100 ? text.left(97) + "…" : text;
  };
  const std::vector<double> shares = shading_shares(*inspection_, shading_->spec, sentences_);
  std::vector<SentenceShare> rows;
  for (std::size_t r = 0; r < sentences_.size(); ++r) {
    const auto [first, last] = sentences_[r];
    rows.push_back({snippet(first, last), shares[r], first, last});
  }
  contributions_->setSentences(rows, QString::fromStdString(shading_->shares_title));
  const auto [first, last] = selection_;
  contributions_->setSelection(
      first < last ? SentenceShare{snippet(first, last), shading_shares(*inspection_, shading_->spec, {selection_})[0], first, last}
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
  if (in.attention == AttentionKind::additive) {
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
                         QString("%1, layer %2, head %3")
                             .arg(in.attention == AttentionKind::linear ? "implicit weights" : "softmax attention")
                             .arg(layer)
                             .arg(head),
                         QString("No map: the document needs more than one window or %1 tokens").arg(1024));
}

}  // namespace fastformer::ui
