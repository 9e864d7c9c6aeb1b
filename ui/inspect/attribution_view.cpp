// Attribution scores in a DocumentView.
#include "inspect/attribution_view.h"

#include "fastformer/explain.h"

#include "inspect/document_view.h"
#include "inspect/explain_job.h"

namespace fastformer::ui {

void setExplanationDocument(DocumentView& view, const QString& text, const Explanation& e) {
  std::vector<std::pair<qint64, qint64>> bytes;
  bytes.reserve(e.tokens.size());
  for (const InspectToken& t : e.tokens) bytes.emplace_back(t.begin, t.end);
  std::vector<TokenSpan> spans;
  for (const auto& [begin, end] : utf8ToUtf16Spans(text.toUtf8(), bytes)) spans.push_back({begin, end, {}});
  view.setDocument(text, spans);
}

void showAttribution(DocumentView& view, const Explanation& e, const Attribution& a) {
  const AttributionScale scale = attribution_scale(e, a);
  view.setDiverging(scale.diverging);
  view.setScale(0.0, scale.high);
  view.setWeights(a.scores, QString::fromStdString(scale.legend));
}

QString attributionLabel(const Explanation& e, const Attribution& a, int token) {
  const auto i = static_cast<std::size_t>(token);
  if (i >= e.tokens.size() || i >= a.scores.size()) return {};
  return QString("'%1' · position %2 · %3 %4")
      .arg(QString::fromStdString(e.tokens[i].piece))
      .arg(token)
      .arg(methodTitle(a.method))
      .arg(a.scores[i], 0, 'g', 4);
}

}  // namespace fastformer::ui
