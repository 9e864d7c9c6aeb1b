// DocumentView: scrolling, colouring, hover/pin interaction and export around a
// DocumentLayout; the legend sits in a viewport margin so it never covers text.
#include "inspect/document_view.h"

#include "common/weight_colors.h"

#include <QEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {
namespace {

constexpr int kMargin = 10;  // around the text, in pixels

}  // namespace

std::vector<std::pair<int, int>> utf8ToUtf16Spans(const QByteArray& utf8,
                                                  const std::vector<std::pair<qint64, qint64>>& byteSpans) {
  // startAt[i]: the UTF-16 index where the character holding byte i starts; endAt[i]: the
  // same for a lead byte, the index after that character for a continuation byte.
  const qint64 n = utf8.size();
  std::vector<int> startAt(static_cast<std::size_t>(n) + 1);
  std::vector<int> endAt(static_cast<std::size_t>(n) + 1);
  int u16 = 0;
  int charStart = 0;
  for (qint64 i = 0; i < n; ++i) {
    const auto byte = static_cast<unsigned char>(utf8[i]);
    const bool continuation = (byte & 0xC0) == 0x80;
    if (!continuation) {
      charStart = u16;
      u16 += byte >= 0xF0 ? 2 : 1;  // 4-byte sequences are surrogate pairs in UTF-16
    }
    startAt[static_cast<std::size_t>(i)] = charStart;
    endAt[static_cast<std::size_t>(i)] = continuation ? u16 : charStart;
  }
  startAt[static_cast<std::size_t>(n)] = endAt[static_cast<std::size_t>(n)] = u16;
  std::vector<std::pair<int, int>> out;
  out.reserve(byteSpans.size());
  for (const auto& [b, e] : byteSpans) {
    const auto cb = static_cast<std::size_t>(std::clamp<qint64>(b, 0, n));
    const auto ce = static_cast<std::size_t>(std::clamp<qint64>(e, static_cast<qint64>(cb), n));
    out.emplace_back(startAt[cb], std::max(startAt[cb], endAt[ce]));
  }
  return out;
}

DocumentView::DocumentView(QWidget* parent) : QAbstractScrollArea(parent), legend_(new WeightLegend(this)) {
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  // Always on: a scroll bar that appears only for long text would change the width and
  // force a second re-wrap (or oscillate at the boundary).
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
  viewport()->setMouseTracking(true);
  viewport()->setAutoFillBackground(false);
  viewport()->setAttribute(Qt::WA_OpaquePaintEvent);  // every pixel is painted by paintEvent
  setViewportMargins(0, 0, 0, weightLegendHeight(font()));
}

DocumentView::~DocumentView() = default;

qreal DocumentView::textWidthFor(int viewportWidth) const { return std::max(20, viewportWidth - 2 * kMargin); }

void DocumentView::ensureLayout() const {
  const qreal width = textWidthFor(viewport()->width());
  if (layout_.isLaidOut() && layout_.width() == width) return;
  layout_.layout(font(), width);
  ++layouts_;
}

int DocumentView::lineCount() const {
  ensureLayout();
  return layout_.lineCount();
}

void DocumentView::setDocument(const QString& text, const std::vector<TokenSpan>& spans) {
  layout_.setDocument(text, spans);
  labelFor_ = nullptr;
  weights_.clear();
  pinned_ = hovered_ = pressed_ = -1;
  selection_ = {-1, -1};
  recolor();
  verticalScrollBar()->setValue(0);
  if (isVisible()) {
    ensureLayout();
    updateScrollBars();
    updateVisibleRange();
  }
  viewport()->update();
}

QString DocumentView::tokenLabel(int index) const {
  if (index < 0 || index >= tokenCount()) return {};
  return labelFor_ ? labelFor_(index) : layout_.spans()[static_cast<std::size_t>(index)].label;
}

void DocumentView::setWeights(const std::vector<float>& weights, const QString& legendTitle) {
  weights_ = weights;
  legendTitle_ = legendTitle;
  recolor();
  viewport()->update();
}

void DocumentView::setScale(double low, double high) {
  fixedMin_ = low;
  fixedMax_ = high;
  recolor();
  viewport()->update();
}

void DocumentView::setDiverging(bool diverging) {
  diverging_ = diverging;
  recolor();
  viewport()->update();
}

void DocumentView::recolor() {
  const std::size_t n = layout_.spans().size();
  const std::size_t shaded = std::min(n, weights_.size());
  double maxWeight = 0.0;  // diverging: the largest |weight|
  for (std::size_t i = 0; i < shaded; ++i) {
    const double w = diverging_ ? std::abs(weights_[i]) : weights_[i];
    if (std::isfinite(w)) maxWeight = std::max(maxWeight, w);
  }
  shownMax_ = fixedMax_ > 0 ? fixedMax_ : maxWeight;
  shownMin_ = diverging_ ? -shownMax_ : fixedMin_ > 0 && fixedMin_ < shownMax_ ? fixedMin_ : 0.0;
  colors_.assign(n, qRgb(255, 255, 255));
  if (diverging_ && shownMax_ > 0) {
    for (std::size_t i = 0; i < shaded; ++i) colors_[i] = divergingRgb(weights_[i] / shownMax_);
  } else if (!diverging_ && shownMax_ - shownMin_ > 0) {
    for (std::size_t i = 0; i < shaded; ++i) colors_[i] = weightRgb((weights_[i] - shownMin_) / (shownMax_ - shownMin_));
  }
  legend_->setScale(legendTitle_, shownMax_, shownMin_, diverging_);
}

void DocumentView::showHover(int index) {
  if (index < -1 || index >= tokenCount()) index = -1;
  if (index == hovered_) return;
  hovered_ = index;
  viewport()->update();
}

int DocumentView::tokenCharacter(int index) const {
  if (index < 0 || index >= tokenCount()) return -1;
  return layout_.spans()[static_cast<std::size_t>(index)].begin;
}

int DocumentView::tokenAtCharacter(int position) const {
  // Spans are in token order, which is text order: the first span that ends after `position`.
  const std::vector<TokenSpan>& spans = layout_.spans();
  const auto it = std::partition_point(spans.begin(), spans.end(), [&](const TokenSpan& s) { return s.end <= position; });
  return it == spans.end() ? -1 : static_cast<int>(it - spans.begin());
}

int DocumentView::topCharacter() const {
  ensureLayout();
  const qreal y = std::max(0, verticalScrollBar()->value() - kMargin);
  const int line = layout_.lineAtY(y);
  if (line < 0) return 0;
  // A line cut at the top edge is not the one the reader sees first: take the next.
  const bool cut = layout_.lineTop(line) < y - 0.5 && line + 1 < layout_.lineCount();
  return layout_.positionAtY(layout_.lineTop(cut ? line + 1 : line));
}

void DocumentView::scrollToCharacter(int position) {
  ensureLayout();
  if (layout_.lineCount() == 0) return;
  const int line = layout_.lineOfPosition(position);
  verticalScrollBar()->setValue(static_cast<int>(std::lround(layout_.lineTop(line))) + kMargin);
}

QColor DocumentView::tokenColor(int index) const {
  if (index < 0 || index >= static_cast<int>(colors_.size())) return {};
  return QColor::fromRgb(colors_[index]);
}

void DocumentView::updateScrollBars() {
  const int viewHeight = viewport()->height();
  const int docHeight = static_cast<int>(std::ceil(layout_.height())) + 2 * kMargin;
  const int lineStep = layout_.lineCount() > 0 ? static_cast<int>(layout_.lineHeight(0)) : 16;
  verticalScrollBar()->setSingleStep(std::max(1, lineStep));
  verticalScrollBar()->setPageStep(viewHeight);
  verticalScrollBar()->setRange(0, std::max(0, docHeight - viewHeight));
}

void DocumentView::updateVisibleRange() {
  const QPair<int, int> range = visibleTokenRange();
  if (range == visible_) return;
  visible_ = range;
  Q_EMIT visibleRangeChanged(range.first, range.second);
}

QPair<int, int> DocumentView::visibleTokenRange() const {
  ensureLayout();
  const qreal top = verticalScrollBar()->value() - kMargin;
  return layout_.tokenRange(top, top + viewport()->height());
}

void DocumentView::resizeEvent(QResizeEvent* event) {
  QAbstractScrollArea::resizeEvent(event);
  const QRect vp = viewport()->geometry();
  // Under the text column: the scroll bar's container reaches into the margin beside it.
  legend_->setGeometry(vp.left(), vp.bottom() + 1, vp.width(), weightLegendHeight(font()));
  if (!layout_.isLaidOut() || layout_.width() != textWidthFor(viewport()->width())) {
    // Keep the first visible character at the top across the re-wrap.
    const int anchor = layout_.isLaidOut() ? layout_.positionAtY(verticalScrollBar()->value() - kMargin) : 0;
    ensureLayout();
    updateScrollBars();
    if (anchor > 0 && layout_.lineCount() > 0)
      verticalScrollBar()->setValue(static_cast<int>(layout_.lineTop(layout_.lineOfPosition(anchor))) + kMargin);
  } else {
    updateScrollBars();
  }
  updateVisibleRange();
}

void DocumentView::scrollContentsBy(int, int) {
  viewport()->update();
  updateVisibleRange();
}

void DocumentView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::FontChange) {
    layout_.invalidate();
    setViewportMargins(0, 0, 0, weightLegendHeight(font()));
    ensureLayout();
    updateScrollBars();
    viewport()->update();
  }
  QAbstractScrollArea::changeEvent(event);
}

void DocumentView::paintEvent(QPaintEvent* event) {
  ensureLayout();
  QPainter painter(viewport());
  painter.fillRect(event->rect(), Qt::white);
  const qreal top = verticalScrollBar()->value() - kMargin;
  // Only the lines crossing the exposed rectangle are painted.
  painted_ = layout_.paint(painter, QPointF(kMargin, event->rect().top()), top + event->rect().top(),
                           top + event->rect().bottom() + 1, colors_,
                           {pinned_, hovered_, selection_.first, selection_.second});
}

int DocumentView::tokenAt(const QPoint& viewportPos) const {
  ensureLayout();
  const QPointF doc(viewportPos.x() - kMargin, viewportPos.y() + verticalScrollBar()->value() - kMargin);
  return layout_.tokenAt(doc);
}

QRect DocumentView::tokenRect(int index) const {
  ensureLayout();
  const std::vector<QRectF> rects = layout_.tokenRects(index);
  if (rects.empty()) return {};
  return rects.front().translated(kMargin, kMargin - verticalScrollBar()->value()).toAlignedRect();
}

void DocumentView::scrollToToken(int index) {
  ensureLayout();
  const std::vector<QRectF> rects = layout_.tokenRects(index);
  if (rects.empty()) return;
  const qreal centre = rects.front().center().y() + kMargin;
  verticalScrollBar()->setValue(static_cast<int>(std::lround(centre - viewport()->height() / 2.0)));
}

void DocumentView::scrollToTokenAtTop(int index) {
  ensureLayout();
  const std::vector<QRectF> rects = layout_.tokenRects(index);
  // A few pixels of margin above, so the line before it is not cut in half at the edge.
  if (!rects.empty()) verticalScrollBar()->setValue(static_cast<int>(std::lround(rects.front().top())) + kMargin - 4);
}

void DocumentView::setPinnedToken(int index) {
  if (index < -1 || index >= tokenCount()) index = -1;
  if (index == pinned_) return;
  pinned_ = index;
  viewport()->update();
  Q_EMIT tokenPinned(index);
}

void DocumentView::setSelection(int first, int last) {
  if (first > last) std::swap(first, last);
  if (first < 0 || last >= tokenCount()) first = last = -1;
  if (QPair<int, int>(first, last) == selection_) return;
  selection_ = {first, last};
  viewport()->update();
  Q_EMIT selectionChanged(first, last);
}

void DocumentView::setHovered(int index, const QPoint& globalPos) {
  if (index == hovered_) return;
  hovered_ = index;
  viewport()->update();
  if (index >= 0) {
    const QString label = tokenLabel(index);
    if (!label.isEmpty()) QToolTip::showText(globalPos, label, viewport(), tokenRect(index));
    else QToolTip::hideText();
  } else {
    QToolTip::hideText();
  }
  Q_EMIT tokenHovered(index);
}

void DocumentView::mouseMoveEvent(QMouseEvent* event) {
  const int index = tokenAt(event->position().toPoint());
  setHovered(index, event->globalPosition().toPoint());
  // Dragging from one token to another selects the tokens between them.
  if ((event->buttons() & Qt::LeftButton) && pressed_ >= 0 && index >= 0 && index != pressed_) {
    dragged_ = true;
    setSelection(pressed_, index);
  }
  QAbstractScrollArea::mouseMoveEvent(event);
}

void DocumentView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QAbstractScrollArea::mousePressEvent(event);
  pressed_ = tokenAt(event->position().toPoint());
  dragged_ = false;
  event->accept();  // the release pins or ends the selection
}

void DocumentView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QAbstractScrollArea::mouseReleaseEvent(event);
  const int index = tokenAt(event->position().toPoint());
  if (!dragged_ && index >= 0) {
    if (event->modifiers() & Qt::ShiftModifier && pinned_ >= 0) {
      setSelection(pinned_, index);  // shift-click: from the pinned token to this one
    } else {
      // Clicking the pinned token again unpins it; clicking elsewhere keeps the pin.
      setSelection(-1, -1);
      setPinnedToken(index == pinned_ ? -1 : index);
    }
  }
  pressed_ = -1;
  dragged_ = false;
  event->accept();
}

void DocumentView::leaveEvent(QEvent* event) {
  setHovered(-1, {});
  QAbstractScrollArea::leaveEvent(event);
}

QImage DocumentView::renderDocument(int width, int maxHeight) const {
  DocumentLayout layout;
  layout.setDocument(layout_.text(), layout_.spans());
  layout.layout(font(), textWidthFor(width));
  const int legendHeight = weightLegendHeight(font());
  const int textHeight = std::min(static_cast<int>(std::ceil(layout.height())) + 2 * kMargin,
                                  std::max(kMargin, maxHeight - legendHeight));
  QImage image(width, textHeight + legendHeight, QImage::Format_RGB32);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setFont(font());
  painter.setClipRect(0, 0, width, textHeight);
  layout.paint(painter, QPointF(kMargin, kMargin), 0, textHeight - kMargin, colors_, {pinned_, -1, -1, -1});
  painter.setClipping(false);
  paintWeightLegend(painter, QRectF(0, textHeight, width, legendHeight), legendTitle_, shownMax_, shownMin_, diverging_);
  return image;
}

QString DocumentView::toHtml() const {
  const QString& text = layout_.text();
  const std::vector<TokenSpan>& spans = layout_.spans();
  std::vector<int> order(spans.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return spans[a].begin < spans[b].begin; });
  QString html = QStringLiteral("<div style=\"white-space:pre-wrap;font-family:sans-serif;line-height:1.5\">");
  int pos = 0;
  for (int i : order) {
    const TokenSpan& s = spans[i];
    if (s.begin < pos) continue;  // overlapping spans cannot nest in flat HTML
    html += text.mid(pos, s.begin - pos).toHtmlEscaped();
    const QColor c = QColor::fromRgb(colors_.empty() ? qRgb(255, 255, 255) : colors_[i]);
    html += QStringLiteral("<span style=\"background:%1\" title=\"%2\">%3</span>")
                .arg(c.name(), tokenLabel(i).toHtmlEscaped(), text.mid(s.begin, s.end - s.begin).toHtmlEscaped());
    pos = s.end;
  }
  html += text.mid(pos).toHtmlEscaped();
  html += QStringLiteral("</div>");
  return html;
}

}  // namespace fastformer::ui
