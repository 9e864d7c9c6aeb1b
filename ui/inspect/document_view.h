// DocumentView: a document's original text with every token's span shaded by a weight
// (additive-attention α or β, their mean/max over heads, or pooling γ), a colour legend,
// hover tooltips, a pinned token and a selected token range (drag, or shift-click from the
// pinned token). Lays out once per width; repaints only visible lines.
#pragma once

#include "inspect/document_layout.h"

#include <QAbstractScrollArea>
#include <QByteArray>
#include <QImage>

#include <functional>
#include <utility>
#include <vector>

namespace fastformer::ui {

class WeightLegend;

// Converts [begin, end) byte offsets into UTF-8 text to QString (UTF-16) offsets. An offset
// inside a multi-byte sequence moves to that character's start (begin) or end (end).
std::vector<std::pair<int, int>> utf8ToUtf16Spans(const QByteArray& utf8,
                                                  const std::vector<std::pair<qint64, qint64>>& byteSpans);

class DocumentView : public QAbstractScrollArea {
  Q_OBJECT
 public:
  explicit DocumentView(QWidget* parent = nullptr);
  ~DocumentView() override;

  void setDocument(const QString& text, const std::vector<TokenSpan>& spans);
  // Tooltips made on demand (hover, HTML export) instead of the spans' labels: building
  // 20,000 labels up front would cost more than the model's forward.
  void setLabelProvider(std::function<QString(int)> provider) { labelFor_ = std::move(provider); }
  QString tokenLabel(int index) const;
  // One weight per span; shades are normalised to [0, max] of these weights unless a fixed
  // scale is set. Only repaints: the text layout is kept.
  void setWeights(const std::vector<float>& weights, const QString& legendTitle);
  // The colour scale's ends (e.g. a fastformer::Shading's low and high): `low` is white,
  // `high` the darkest shade. high ≤ 0: the current weights' maximum; low is used only
  // when it is below the maximum, else 0.
  void setScale(double low, double high);
  // Signed scores: shaded blue below 0 and orange-red above, symmetric up to the largest
  // |weight| (or the fixed high end); the legend's bar diverges too.
  void setDiverging(bool diverging);
  bool diverging() const { return diverging_; }
  double scaleMax() const { return shownMax_; }
  double scaleMin() const { return shownMin_; }
  QColor tokenColor(int index) const;  // the shade token `index` is painted with

  int tokenCount() const { return static_cast<int>(layout_.spans().size()); }
  int tokenAt(const QPoint& viewportPos) const;  // -1 when none
  QRect tokenRect(int index) const;              // first line's part, viewport coordinates
  void scrollToToken(int index);                 // centres it vertically
  void scrollToTokenAtTop(int index);            // its line becomes the first one shown
  QPair<int, int> visibleTokenRange() const;     // (-1, -1) when no token is visible
  int pinnedToken() const { return pinned_; }
  void setPinnedToken(int index);
  // Another view's hover shown here: the token is underlined, no tooltip, no signal.
  void showHover(int index);
  int hoveredToken() const { return hovered_; }
  // For views of one text with different tokenizers: a token's first character (UTF-16
  // index; -1 for none) and the token that covers a character (or the first one after it).
  int tokenCharacter(int index) const;
  int tokenAtCharacter(int position) const;
  // The first character of the top line shown, and a scroll that puts its line at the top:
  // two views of one text scroll together by it whatever their tokens.
  int topCharacter() const;
  void scrollToCharacter(int position);
  // Tokens [first, last] (inclusive, in token order); (-1, -1) clears.
  void setSelection(int first, int last);
  QPair<int, int> selection() const { return selection_; }

  int lineCount() const;                               // wrapped lines in the current layout
  int paintedLineCount() const { return painted_; }    // lines painted by the last paint
  int layoutCount() const { return layouts_; }         // how many times the text was laid out
  WeightLegend* legend() const { return legend_; }

  // The whole shaded document at `width` pixels, with the legend below; taller documents
  // are cut at `maxHeight`.
  QImage renderDocument(int width, int maxHeight = 8000) const;
  // The shaded text as HTML: one <span style="background:#rrggbb"> per token.
  QString toHtml() const;

 Q_SIGNALS:
  void tokenHovered(int index);  // -1 when the pointer leaves the tokens
  void tokenPinned(int index);   // -1 when unpinned
  void selectionChanged(int first, int last);  // (-1, -1) when cleared
  void visibleRangeChanged(int first, int last);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void scrollContentsBy(int dx, int dy) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  void ensureLayout() const;
  void updateScrollBars();
  void updateVisibleRange();
  void recolor();
  void setHovered(int index, const QPoint& globalPos);
  qreal textWidthFor(int viewportWidth) const;

  mutable DocumentLayout layout_;
  mutable int layouts_ = 0;
  std::vector<float> weights_;
  std::vector<QRgb> colors_;
  QString legendTitle_;
  double fixedMin_ = 0.0;
  double fixedMax_ = 0.0;
  double shownMax_ = 0.0;
  double shownMin_ = 0.0;
  bool diverging_ = false;
  QPair<int, int> selection_{-1, -1};
  int pressed_ = -1;   // the token under the left button's press, while it is held
  bool dragged_ = false;
  int pinned_ = -1;
  int hovered_ = -1;
  int painted_ = 0;
  QPair<int, int> visible_{-1, -1};
  WeightLegend* legend_ = nullptr;
  std::function<QString(int)> labelFor_;
};

}  // namespace fastformer::ui
