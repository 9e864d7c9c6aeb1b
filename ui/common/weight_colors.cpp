// Weight colours (the engine's shading_rgb, so the Studio and the HTML report agree) and
// the legend painter shared by the widget and the PNG export.
#include "common/weight_colors.h"

#include "fastformer/shading.h"

#include <QFontMetricsF>
#include <QLinearGradient>
#include <QPainter>

#include <cmath>

namespace fastformer::ui {
namespace {

QString formatValue(double v) {
  if (v == 0.0) return QStringLiteral("0");
  return std::abs(v) >= 0.01 && std::abs(v) < 1000 ? QString::number(v, 'g', 3) : QString::number(v, 'e', 1);
}

}  // namespace

QRgb weightRgb(double t) { return 0xff000000u | shading_rgb(t); }

QRgb divergingRgb(double t) { return 0xff000000u | diverging_rgb(t); }

int weightLegendHeight(const QFont& font) { return static_cast<int>(std::ceil(QFontMetricsF(font).height())) + 10; }

void paintWeightLegend(QPainter& painter, const QRectF& rect, const QString& title, double maxValue,
                       double minValue, bool diverging) {
  if (diverging) minValue = -maxValue;
  painter.save();
  painter.fillRect(rect, QColor(248, 248, 248));
  painter.setPen(QColor(210, 210, 210));
  painter.drawLine(rect.topLeft(), rect.topRight());
  const QFontMetricsF fm(painter.font());
  const qreal pad = 8;
  const qreal barWidth = std::min<qreal>(200, rect.width() / 3);
  const QString minText = formatValue(minValue);
  const QString maxText = formatValue(maxValue);
  // Right-aligned: "min [bar] max"; the title takes what is left on the left.
  qreal x = rect.right() - pad - fm.horizontalAdvance(maxText);
  const QRectF maxRect(x, rect.top(), fm.horizontalAdvance(maxText), rect.height());
  x -= 6 + barWidth;
  const QRectF bar(x, rect.center().y() - 6, barWidth, 12);
  x -= 6 + fm.horizontalAdvance(minText);
  const QRectF minRect(x, rect.top(), fm.horizontalAdvance(minText), rect.height());
  const QRectF titleRect(rect.left() + pad, rect.top(), std::max<qreal>(0, x - 12 - rect.left() - pad), rect.height());

  QLinearGradient gradient(bar.topLeft(), bar.topRight());
  for (int i = 0; i <= 8; ++i) {
    gradient.setColorAt(i / 8.0, diverging ? QColor::fromRgb(divergingRgb(i / 4.0 - 1.0)) : weightColor(i / 8.0));
  }
  painter.fillRect(bar, gradient);
  painter.setPen(QColor(120, 120, 120));
  painter.drawRect(bar);
  painter.setPen(QColor(40, 40, 40));
  painter.drawText(minRect, Qt::AlignVCenter | Qt::AlignLeft, minText);
  painter.drawText(maxRect, Qt::AlignVCenter | Qt::AlignLeft, maxText);
  painter.drawText(titleRect, Qt::AlignVCenter | Qt::AlignLeft,
                   fm.elidedText(title, Qt::ElideRight, titleRect.width()));
  painter.restore();
}

WeightLegend::WeightLegend(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

void WeightLegend::setScale(const QString& title, double maxValue, double minValue, bool diverging) {
  title_ = title;
  max_ = maxValue;
  min_ = diverging ? -maxValue : minValue;
  diverging_ = diverging;
  update();
}

QSize WeightLegend::sizeHint() const { return {360, weightLegendHeight(font())}; }

void WeightLegend::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  paintWeightLegend(painter, rect(), title_, max_, min_, diverging_);
}

}  // namespace fastformer::ui
