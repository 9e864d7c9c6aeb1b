// DocumentMinimap: per-row maxima precomputed into an image once per weights/size change, so
// a 20k-token document repaints by one blit plus the frame.
#include "inspect/document_minimap.h"

#include "common/weight_colors.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {
namespace {

// Frame and dimming of the rows outside the text view's part.
const QColor kOutside(0, 0, 0, 40);
const QColor kFrame(50, 50, 50);

}  // namespace

DocumentMinimap::DocumentMinimap(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
  setAttribute(Qt::WA_OpaquePaintEvent);
  setCursor(Qt::PointingHandCursor);
}

void DocumentMinimap::setWeights(const std::vector<float>& weights, double maxValue) {
  weights_.resize(weights.size());
  double top = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    weights_[i] = std::isnan(weights[i]) ? 0.0f : weights[i];
    // An infinite weight shades as the maximum (clamped) rather than making every other one 0.
    if (std::isfinite(weights_[i])) top = std::max(top, static_cast<double>(weights_[i]));
  }
  max_ = maxValue > 0.0 ? maxValue : top;
  dirty_ = true;
  update();
}

void DocumentMinimap::setVisibleRange(int first, int last) {
  if (visible_ == qMakePair(first, last)) return;
  visible_ = {first, last};
  update();
}

QPair<int, int> DocumentMinimap::rowTokens(int y, int rows) const {
  const qint64 n = static_cast<qint64>(weights_.size());
  const int begin = static_cast<int>(y * n / rows);
  const int end = static_cast<int>(std::max<qint64>(begin + 1, (y + 1) * n / rows));
  return {begin, end};
}

int DocumentMinimap::tokenAtY(int y) const {
  const int rows = height();
  if (weights_.empty() || rows <= 0) return -1;
  return rowTokens(std::clamp(y, 0, rows - 1), rows).first;
}

QPair<int, int> DocumentMinimap::rowsForTokens(int first, int last) const {
  const qint64 n = static_cast<qint64>(weights_.size());
  const qint64 rows = height();
  if (n == 0 || rows <= 0 || last < 0 || first >= n || first > last) return {-1, -1};
  const qint64 a = std::max(first, 0), b = std::min<qint64>(last, n - 1);
  const auto ceilDiv = [](qint64 p, qint64 q) { return (p + q - 1) / q; };
  // The inverse of rowTokens: rows showing token t are those whose first token is ≤ t and
  // whose end is > t.
  const qint64 top = n < rows ? ceilDiv(a * rows, n) : ceilDiv((a + 1) * rows, n) - 1;
  const qint64 bottom = ceilDiv((b + 1) * rows, n) - 1;
  return {static_cast<int>(std::min(top, rows - 1)), static_cast<int>(std::min(bottom, rows - 1))};
}

QRgb DocumentMinimap::rowColor(int y) const {
  ensureImage();
  return y >= 0 && y < static_cast<int>(rows_.size()) ? rows_[static_cast<std::size_t>(y)] : 0;
}

void DocumentMinimap::ensureImage() const {
  if (!dirty_ && builtFor_ == size()) return;
  dirty_ = false;
  builtFor_ = size();
  rows_.clear();
  image_ = QImage();
  const int rows = height();
  if (weights_.empty() || rows <= 0 || width() <= 0) return;
  rows_.resize(static_cast<std::size_t>(rows));
  image_ = QImage(width(), rows, QImage::Format_RGB32);
  for (int y = 0; y < rows; ++y) {
    const auto [begin, end] = rowTokens(y, rows);
    float top = 0.0f;
    for (int i = begin; i < end; ++i) top = std::max(top, weights_[static_cast<std::size_t>(i)]);
    const QRgb colour = weightRgb(max_ > 0.0 ? top / max_ : 0.0);
    rows_[static_cast<std::size_t>(y)] = colour;
    auto* line = reinterpret_cast<QRgb*>(image_.scanLine(y));
    std::fill(line, line + image_.width(), colour);
  }
}

void DocumentMinimap::paintEvent(QPaintEvent*) {
  ensureImage();
  QPainter painter(this);
  if (image_.isNull()) painter.fillRect(rect(), palette().color(QPalette::Window).darker(106));
  else painter.drawImage(0, 0, image_);
  const QPair<int, int> frame = rowsForTokens(visible_.first, visible_.second);
  if (frame.first >= 0) {
    // Dim what the text does not show.
    painter.fillRect(QRect(0, 0, width(), frame.first), kOutside);
    painter.fillRect(QRect(0, frame.second + 1, width(), height() - frame.second - 1), kOutside);
  }
  // A hairline on the text's side keeps a white (all-zero) strip apart from the page.
  painter.setPen(palette().color(QPalette::Mid));
  painter.drawLine(0, 0, 0, height() - 1);
  if (frame.first >= 0) {  // then outline what it shows
    painter.setPen(QPen(kFrame, 1));
    painter.drawRect(QRect(0, frame.first, width() - 1, std::max(1, frame.second - frame.first)));
  }
}

void DocumentMinimap::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  dirty_ = true;
}

void DocumentMinimap::request(int y) {
  const int token = tokenAtY(y);
  if (token < 0 || token == lastRequested_) return;
  lastRequested_ = token;
  Q_EMIT tokenRequested(token);
}

void DocumentMinimap::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  lastRequested_ = -1;  // a press always asks, even for the token asked last
  request(event->position().toPoint().y());
}

void DocumentMinimap::mouseMoveEvent(QMouseEvent* event) {
  if (event->buttons() & Qt::LeftButton) request(event->position().toPoint().y());
}

bool DocumentMinimap::event(QEvent* event) {
  if (event->type() != QEvent::ToolTip) return QWidget::event(event);
  auto* help = static_cast<QHelpEvent*>(event);
  const int rows = height();
  if (weights_.empty() || rows <= 0) {
    QToolTip::hideText();
    event->ignore();
    return true;
  }
  const int y = std::clamp(help->pos().y(), 0, rows - 1);
  const auto [begin, end] = rowTokens(y, rows);
  float top = 0.0f;
  for (int i = begin; i < end; ++i) top = std::max(top, weights_[static_cast<std::size_t>(i)]);
  const QString value = QString::number(top, 'g', 3);
  const QString text = end - begin == 1 ? tr("token %1, weight %2").arg(begin).arg(value)
                                        : tr("tokens %1–%2, max weight %3").arg(begin).arg(end - 1).arg(value);
  QToolTip::showText(help->globalPos(), text, this, QRect(0, y, width(), 1));
  return true;
}

}  // namespace fastformer::ui
