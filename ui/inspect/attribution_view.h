// Showing one method's token scores in a DocumentView: the explanation's token spans over
// the text, the scores as weights, a sequential or diverging scale, the legend saying what
// the colour means.
#pragma once

#include <QString>

namespace fastformer {
struct Attribution;
struct Explanation;
}  // namespace fastformer

namespace fastformer::ui {

class DocumentView;

// The text with the explanation's tokens (byte offsets → QString offsets); the view's
// weights are cleared.
void setExplanationDocument(DocumentView& view, const QString& text, const Explanation& explanation);
// The attribution's scores as the view's weights, on the engine's attribution_scale.
void showAttribution(DocumentView& view, const Explanation& explanation, const Attribution& attribution);
// A token's tooltip: its text, position and score.
QString attributionLabel(const Explanation& explanation, const Attribution& attribution, int token);

}  // namespace fastformer::ui
