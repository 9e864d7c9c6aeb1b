#include "common/themed_plot.h"

#include "common/chart_legend.h"

#include <QEvent>
#include <QPalette>

namespace fastformer::ui {
namespace {

QColor mix(const QColor& a, const QColor& b, double t) {
  return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
                          static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                          static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
}

QPen withColor(QPen pen, const QColor& color) {  // the chart's style (dotted, width) stays
  pen.setColor(color);
  return pen;
}

void recolor(QCPAxis* axis, const ChartColors& c) {
  axis->setBasePen(withColor(axis->basePen(), c.text));
  axis->setTickPen(withColor(axis->tickPen(), c.text));
  axis->setSubTickPen(withColor(axis->subTickPen(), c.text));
  axis->setTickLabelColor(c.text);
  axis->setLabelColor(c.text);
  axis->grid()->setPen(withColor(axis->grid()->pen(), c.grid));
  axis->grid()->setSubGridPen(withColor(axis->grid()->subGridPen(), mix(c.background, c.grid, 0.6)));
}

bool isGrey(const QColor& color) { return color.hslSaturation() < 12; }

}  // namespace

ChartColors chartColors(const QPalette& palette) {
  ChartColors c;
  c.background = palette.color(QPalette::Base);
  c.text = palette.color(QPalette::Text);
  c.muted = mix(c.background, c.text, 0.55);
  c.grid = mix(c.background, c.text, 0.14);
  c.legendFill = c.background;
  c.legendFill.setAlpha(225);
  c.legendBorder = mix(c.background, c.text, 0.3);
  return c;
}

ThemedPlot::ThemedPlot(QWidget* parent) : QCustomPlot(parent) {
  connect(this, &QCustomPlot::beforeReplot, this, [this] { beforeEachReplot(); });
  applyPalette();
}

bool ThemedPlot::hasData() const {
  for (int i = 0; i < plottableCount(); ++i) {
    QCPAbstractPlottable* p = const_cast<ThemedPlot*>(this)->plottable(i);  // QCustomPlot has no const getter
    QCPPlottableInterface1D* series = p->interface1D();
    if (series == nullptr || series->dataCount() > 0) return true;  // a map or such: shown as it is
  }
  return false;
}

void ThemedPlot::setEmptyText(const QString& text) {
  emptyText_ = text;
  replot(rpQueuedReplot);
}

void ThemedPlot::applyPalette() {
  const ChartColors c = chartColors(palette());
  setBackground(QBrush(c.background));
  for (QCPAxisRect* rect : axisRects()) {
    rect->setBackground(Qt::NoBrush);
    for (QCPAxis* axis : rect->axes()) recolor(axis, c);
  }
  legend->setBrush(QBrush(c.legendFill));
  legend->setBorderPen(withColor(legend->borderPen(), c.legendBorder));  // NoPen stays NoPen
  legend->setTextColor(c.text);
  for (int i = 0; i < legend->itemCount(); ++i)
    if (auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(i))) item->setTextColor(c.text);
  // Titles (bold) in the text colour, notes in the muted one.
  for (QCPLayoutElement* element : plotLayout()->elements(true))
    if (auto* text = qobject_cast<QCPTextElement*>(element)) text->setTextColor(text->font().bold() ? c.text : c.muted);
  // Grey items are the chart's notes ("no data yet"); coloured ones are data and stay.
  for (int i = 0; i < itemCount(); ++i)
    if (auto* text = qobject_cast<QCPItemText*>(item(i)); text != nullptr && isGrey(text->color())) text->setColor(c.muted);
}

void ThemedPlot::changeEvent(QEvent* event) {
  QCustomPlot::changeEvent(event);
  if (event->type() == QEvent::PaletteChange) {
    applyPalette();
    replot(rpQueuedReplot);
  }
}

void ThemedPlot::beforeEachReplot() {
  const bool shown = hasData();
  if (!emptyText_.isEmpty() && note_ == nullptr) {
    note_ = new QCPItemText(this);
    note_->position->setType(QCPItemPosition::ptAxisRectRatio);
    note_->position->setCoords(0.5, 0.5);
    note_->setPositionAlignment(Qt::AlignCenter);
    note_->setTextAlignment(Qt::AlignCenter);
    note_->setColor(Qt::gray);  // a note: applyPalette gives it the muted colour
  }
  if (note_ != nullptr) {
    note_->setText(emptyText_);
    note_->setVisible(!shown && !emptyText_.isEmpty());
  }
  applyPalette();
  if (hidesAxesWhenEmpty_) {
    for (const char* name : {"grid", "axes", "legend"})
      if (QCPLayer* l = layer(QString::fromLatin1(name))) l->setVisible(shown);
  }
  if (placesLegend_) placeLegend(*this);
}

}  // namespace fastformer::ui
