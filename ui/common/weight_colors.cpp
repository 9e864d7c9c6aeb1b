// Weight colour scale (OrRd-like, stopping short of dark red so black text stays legible)
// and the legend painter shared by the widget and the PNG export.
#include "common/weight_colors.h"

#include <QFontMetricsF>
#include <QLinearGradient>
#include <QPainter>

#include <array>
#include <cmath>

namespace fastformer::ui {
namespace {

struct Stop {
  double t;
  int r, g, b;
};
// White, then cream, peach, orange, orange-red: the last stop keeps ≥ 4.5:1 contrast with
// black text.
constexpr std::array<Stop, 5> kStops = {{{0.0, 255, 255, 255},
                                         {0.25, 254, 232, 200},
                                         {0.5, 253, 187, 132},
                                         {0.75, 252, 141, 89},
                                         {1.0, 239, 101, 72}}};

std::array<QRgb, 256> buildTable() {
  std::array<QRgb, 256> table{};
  for (int i = 0; i < 256; ++i) {
    const double t = i / 255.0;
    std::size_t s = 1;
    while (s + 1 < kStops.size() && t > kStops[s].t) ++s;
    const Stop& a = kStops[s - 1];
    const Stop& b = kStops[s];
    const double u = (t - a.t) / (b.t - a.t);
    const auto mix = [u](int x, int y) { return static_cast<int>(std::lround(x + (y - x) * u)); };
    table[i] = qRgb(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b));
  }
  return table;
}

QString formatValue(double v) {
  if (v == 0.0) return QStringLiteral("0");
  return std::abs(v) >= 0.01 && std::abs(v) < 1000 ? QString::number(v, 'g', 3) : QString::number(v, 'e', 1);
}

}  // namespace

QRgb weightRgb(double t) {
  static const std::array<QRgb, 256> table = buildTable();
  if (!(t > 0.0)) return table[0];  // also NaN
  if (t >= 1.0) return table[255];
  return table[static_cast<std::size_t>(std::lround(t * 255.0))];
}

int weightLegendHeight(const QFont& font) { return static_cast<int>(std::ceil(QFontMetricsF(font).height())) + 10; }

void paintWeightLegend(QPainter& painter, const QRectF& rect, const QString& title, double maxValue,
                       double minValue) {
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
  for (int i = 0; i <= 8; ++i) gradient.setColorAt(i / 8.0, weightColor(i / 8.0));
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

void WeightLegend::setScale(const QString& title, double maxValue, double minValue) {
  title_ = title;
  max_ = maxValue;
  min_ = minValue;
  update();
}

QSize WeightLegend::sizeHint() const { return {360, weightLegendHeight(font())}; }

void WeightLegend::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  paintWeightLegend(painter, rect(), title_, max_, min_);
}

}  // namespace fastformer::ui
