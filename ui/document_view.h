// DocumentView: a document's original text with every token's span shaded by a weight
// (additive-attention α or β, their mean/max over heads, or pooling γ), a colour legend,
// hover tooltips and a pinned token. Lays out once per width; repaints only visible lines.
#pragma once

#include "document_layout.h"

#include <QAbstractScrollArea>
#include <QByteArray>
#include <QImage>

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
  // One weight per span; shades are normalised to [0, max] of these weights unless a fixed
  // scale maximum is set. Only repaints: the text layout is kept.
  void setWeights(const std::vector<float>& weights, const QString& legendTitle);
  void setScaleMax(double maxValue);  // ≤ 0: the current weights' maximum
  double scaleMax() const { return shownMax_; }
  QColor tokenColor(int index) const;  // the shade token `index` is painted with

  int tokenCount() const { return static_cast<int>(layout_.spans().size()); }
  int tokenAt(const QPoint& viewportPos) const;  // -1 when none
  QRect tokenRect(int index) const;              // first line's part, viewport coordinates
  void scrollToToken(int index);                 // centres it vertically
  QPair<int, int> visibleTokenRange() const;     // (-1, -1) when no token is visible
  int pinnedToken() const { return pinned_; }
  void setPinnedToken(int index);

  int lineCount() const;                               // wrapped lines in the current layout
  int paintedLineCount() const { return painted_; }    // lines painted by the last paint
  int layoutCount() const { return layouts_; }         // how many times the text was laid out
  WeightLegend* legend() const { return legend_; }

  // The whole shaded document at `width` pixels, with the legend below; taller documents
  // are cut at `maxHeight`.
  QImage renderDocument(int width, int maxHeight = 8000) const;
  // The shaded text as HTML: one <span style="background:#rrggbb"> per token.
  QString toHtml() const;

 signals:
  void tokenHovered(int index);  // -1 when the pointer leaves the tokens
  void tokenPinned(int index);   // -1 when unpinned
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
  double fixedMax_ = 0.0;
  double shownMax_ = 0.0;
  int pinned_ = -1;
  int hovered_ = -1;
  int painted_ = 0;
  QPair<int, int> visible_{-1, -1};
  WeightLegend* legend_ = nullptr;
};

}  // namespace fastformer::ui
