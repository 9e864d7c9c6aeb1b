// DocumentLayout: paragraph layouts built once per width; painting and hit tests use
// binary searches over lines (by y) and spans (by position), so cost follows what is visible.
#include "inspect/document_layout.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QTextOption>

#include <algorithm>
#include <numeric>

namespace fastformer::ui {

void DocumentLayout::setDocument(const QString& text, const std::vector<TokenSpan>& spans) {
  text_ = text;
  spans_ = spans;
  for (TokenSpan& s : spans_) {  // clamp so a bad span cannot index outside the text
    s.begin = std::clamp(s.begin, 0, static_cast<int>(text_.size()));
    s.end = std::clamp(s.end, s.begin, static_cast<int>(text_.size()));
  }
  order_.resize(spans_.size());
  std::iota(order_.begin(), order_.end(), 0);
  std::stable_sort(order_.begin(), order_.end(), [this](int a, int b) { return spans_[a].begin < spans_[b].begin; });
  runningEnd_.resize(order_.size());
  int maxEnd = 0;
  for (std::size_t k = 0; k < order_.size(); ++k) runningEnd_[k] = maxEnd = std::max(maxEnd, spans_[order_[k]].end);
  paras_.clear();
  lines_.clear();
  laidOut_ = false;
}

void DocumentLayout::layout(const QFont& font, qreal width) {
  paras_.clear();
  paraStart_.clear();
  paraTop_.clear();
  lines_.clear();
  width_ = std::max<qreal>(width, 20);
  // A gap between lines keeps shaded rows apart, which reads better than a solid block.
  const qreal leading = std::max<qreal>(2.0, std::round(QFontMetricsF(font).height() * 0.3));
  QTextOption option;
  option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
  qreal y = 0;
  int start = 0;
  const int n = static_cast<int>(text_.size());
  while (start <= n) {
    int stop = static_cast<int>(text_.indexOf(QLatin1Char('\n'), start));
    if (stop < 0) stop = n;
    auto para = std::make_unique<QTextLayout>(text_.mid(start, stop - start), font);
    para->setTextOption(option);
    para->setCacheEnabled(true);  // keep shaped glyphs: every repaint reuses them
    para->beginLayout();
    qreal localY = 0;
    for (QTextLine line = para->createLine(); line.isValid(); line = para->createLine()) {
      line.setLineWidth(width_);
      line.setPosition(QPointF(0, localY));
      lines_.push_back({static_cast<int>(paras_.size()), line.lineNumber(), y + localY, line.height(),
                        start + line.textStart(), start + line.textStart() + line.textLength()});
      localY += line.height() + leading;
    }
    para->endLayout();
    paraStart_.push_back(start);
    paraTop_.push_back(y);
    paras_.push_back(std::move(para));
    y += localY + leading;  // paragraphs stand apart by an extra gap
    start = stop + 1;
  }
  height_ = y;
  laidOut_ = true;
}

std::size_t DocumentLayout::firstSpanAfter(int pos) const {
  return static_cast<std::size_t>(std::upper_bound(runningEnd_.begin(), runningEnd_.end(), pos) - runningEnd_.begin());
}

template <typename F>
void DocumentLayout::forEachSpanOnLine(const Line& line, F&& f) const {
  const QTextLine tl = paras_[line.para]->lineAt(line.index);
  const int base = paraStart_[line.para];
  for (std::size_t k = firstSpanAfter(line.start); k < order_.size(); ++k) {
    const TokenSpan& s = spans_[order_[k]];
    if (s.begin >= line.end) break;
    const int b = std::max(s.begin, line.start);
    const int e = std::min(s.end, line.end);
    if (e <= b) continue;
    qreal x1 = tl.cursorToX(b - base);
    qreal x2 = tl.cursorToX(e - base);
    if (x2 < x1) std::swap(x1, x2);  // right-to-left runs
    f(order_[k], x1, x2);
  }
}

int DocumentLayout::lineAtY(qreal y) const {
  if (lines_.empty() || y < 0 || y >= height_) return -1;
  const auto it = std::upper_bound(lines_.begin(), lines_.end(), y, [](qreal v, const Line& l) { return v < l.y; });
  return static_cast<int>(it - lines_.begin()) - 1;
}

int DocumentLayout::lineOfPosition(int pos) const {
  const auto it =
      std::upper_bound(lines_.begin(), lines_.end(), pos, [](int v, const Line& l) { return v < l.start; });
  return std::max(0, static_cast<int>(it - lines_.begin()) - 1);
}

int DocumentLayout::positionAtY(qreal y) const {
  const int line = lineAtY(std::clamp<qreal>(y, 0, std::max<qreal>(0, height_ - 1)));
  return line < 0 ? 0 : lines_[line].start;
}

int DocumentLayout::paint(QPainter& painter, const QPointF& origin, qreal top, qreal bottom,
                          const std::vector<QRgb>& colors, const Marks& marks) const {
  if (lines_.empty()) return 0;
  int first = lineAtY(std::max<qreal>(top, 0));
  if (first < 0) first = top < 0 ? 0 : static_cast<int>(lines_.size());
  const QPen outline(QColor(31, 78, 154), 2);
  const QPen underline(QColor(60, 60, 60), 1);
  const QColor selection(31, 78, 154);
  const bool anySelected = marks.selectedFirst >= 0 && marks.selectedLast >= marks.selectedFirst;
  int painted = 0;
  for (int i = first; i < static_cast<int>(lines_.size()) && lines_[i].y < bottom; ++i) {
    const Line& line = lines_[i];
    const qreal y = origin.y() + line.y - top;
    // Shading first, then the glyphs on top, then outlines so they are not covered.
    forEachSpanOnLine(line, [&](int span, qreal x1, qreal x2) {
      const QRgb c = span < static_cast<int>(colors.size()) ? colors[span] : qRgb(255, 255, 255);
      if (c != qRgb(255, 255, 255))
        painter.fillRect(QRectF(origin.x() + x1, y, x2 - x1, line.height).toAlignedRect(), QColor::fromRgb(c));
    });
    painter.setPen(QColor(20, 20, 20));
    paras_[line.para]->lineAt(line.index).draw(&painter, QPointF(origin.x(), origin.y() + paraTop_[line.para] - top));
    if (marks.pinned >= 0 || marks.hovered >= 0 || anySelected) {
      forEachSpanOnLine(line, [&](int span, qreal x1, qreal x2) {
        const QRectF r(origin.x() + x1, y, x2 - x1, line.height);
        if (anySelected && span >= marks.selectedFirst && span <= marks.selectedLast)
          painter.fillRect(QRectF(r.left(), r.bottom() - 2, r.width(), 3), selection);
        if (span == marks.pinned) {
          painter.setPen(outline);
          painter.setBrush(Qt::NoBrush);
          painter.drawRect(r.adjusted(-1, -1, 1, 1));
        } else if (span == marks.hovered) {
          painter.setPen(underline);
          painter.drawLine(r.bottomLeft(), r.bottomRight());
        }
      });
    }
    ++painted;
  }
  return painted;
}

int DocumentLayout::tokenAt(const QPointF& docPos) const {
  const int li = lineAtY(docPos.y());
  if (li < 0) return -1;
  const Line& line = lines_[li];
  const QTextLine tl = paras_[line.para]->lineAt(line.index);
  if (docPos.x() < 0 || docPos.x() >= tl.naturalTextWidth()) return -1;
  int found = -1;
  forEachSpanOnLine(line, [&](int span, qreal x1, qreal x2) {
    if (found < 0 && docPos.x() >= x1 && docPos.x() < x2) found = span;
  });
  return found;
}

std::vector<QRectF> DocumentLayout::tokenRects(int index) const {
  std::vector<QRectF> rects;
  if (index < 0 || index >= static_cast<int>(spans_.size())) return rects;
  const TokenSpan& s = spans_[index];
  for (int i = lineOfPosition(s.begin); i < static_cast<int>(lines_.size()) && lines_[i].start < std::max(s.end, s.begin + 1); ++i) {
    forEachSpanOnLine(lines_[i], [&](int span, qreal x1, qreal x2) {
      if (span == index) rects.emplace_back(x1, lines_[i].y, x2 - x1, lines_[i].height);
    });
  }
  return rects;
}

QPair<int, int> DocumentLayout::tokenRange(qreal top, qreal bottom) const {
  if (lines_.empty() || order_.empty()) return {-1, -1};
  const int firstLine = std::max(0, lineAtY(std::max<qreal>(top, 0)));
  int lastLine = lineAtY(std::min(bottom, height_) - 0.5);
  if (lastLine < 0) lastLine = static_cast<int>(lines_.size()) - 1;
  const int from = lines_[firstLine].start;
  const int to = lines_[lastLine].end;
  const std::size_t k = firstSpanAfter(from);
  if (k >= order_.size() || spans_[order_[k]].begin >= to) return {-1, -1};
  // Last span that begins before `to`.
  const auto it = std::lower_bound(order_.begin(), order_.end(), to,
                                   [this](int span, int pos) { return spans_[span].begin < pos; });
  return {order_[k], *(it - 1)};
}

}  // namespace fastformer::ui
