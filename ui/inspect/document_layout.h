// A document's text laid out once into word-wrapped lines (one QTextLayout per paragraph),
// with token spans located on those lines: painting visible lines only, hit tests, ranges.
#pragma once

#include <QPair>
#include <QRgb>
#include <QString>
#include <QTextLayout>

#include <memory>
#include <vector>

class QPainter;

namespace fastformer::ui {

// A token's span in the document text: [begin, end) in QString (UTF-16) indices.
struct TokenSpan {
  int begin = 0;
  int end = 0;
  QString label;  // tooltip text
};

class DocumentLayout {
 public:
  void setDocument(const QString& text, const std::vector<TokenSpan>& spans);
  void layout(const QFont& font, qreal width);  // the only expensive call
  bool isLaidOut() const { return laidOut_; }
  void invalidate() { laidOut_ = false; }
  qreal width() const { return width_; }
  qreal height() const { return height_; }
  int lineCount() const { return static_cast<int>(lines_.size()); }
  const QString& text() const { return text_; }
  const std::vector<TokenSpan>& spans() const { return spans_; }

  // Tokens drawn with a mark: an outline (pinned), an underline (hovered), a bar under
  // each token of the selected range [selectedFirst, selectedLast]. −1: none.
  struct Marks {
    int pinned = -1;
    int hovered = -1;
    int selectedFirst = -1;
    int selectedLast = -1;
  };
  // Paints the lines that intersect document rows [top, bottom) with their top-left at
  // `origin` + (0, line y − top). `colors` holds one colour per span (white: no shading).
  // Returns the number of lines painted.
  int paint(QPainter& painter, const QPointF& origin, qreal top, qreal bottom, const std::vector<QRgb>& colors,
            const Marks& marks) const;

  int tokenAt(const QPointF& docPos) const;  // -1 when no token is there
  std::vector<QRectF> tokenRects(int index) const;  // one per line the token touches
  int lineAtY(qreal y) const;  // the line containing (or just above) y; -1 when none
  qreal lineTop(int line) const { return lines_[line].y; }
  qreal lineHeight(int line) const { return lines_[line].height; }
  int lineOfPosition(int pos) const;
  int positionAtY(qreal y) const;  // first character of the line at y
  QPair<int, int> tokenRange(qreal top, qreal bottom) const;  // (-1, -1) when none

 private:
  struct Line {
    int para;
    int index;  // line number inside the paragraph's QTextLayout
    qreal y;
    qreal height;
    int start;  // document positions [start, end)
    int end;
  };
  // First entry of order_ whose span may end after `pos` (spans sorted by begin).
  std::size_t firstSpanAfter(int pos) const;
  template <typename F>
  void forEachSpanOnLine(const Line& line, F&& f) const;  // f(spanIndex, x1, x2) in line x

  QString text_;
  std::vector<TokenSpan> spans_;
  std::vector<int> order_;         // span indices sorted by begin
  std::vector<int> runningEnd_;    // max end over order_[0..k], non-decreasing
  std::vector<std::unique_ptr<QTextLayout>> paras_;
  std::vector<int> paraStart_;
  std::vector<qreal> paraTop_;
  std::vector<Line> lines_;
  qreal width_ = 0;
  qreal height_ = 0;
  bool laidOut_ = false;
};

}  // namespace fastformer::ui
