// Tests of the document minimap (per-row maxima, both directions of the row ↔ token mapping,
// press and drag, the visible frame, empty and NaN input) and of the strip chart's range
// selection, zoom and panning that follow the text view.
#include "ui_test_registry.h"

#include "inspect/document_minimap.h"
#include "common/weight_colors.h"
#include "inspect/weight_strip_chart.h"

#include "common/custom_plot.h"

#include <QDir>
#include <QElapsedTimer>
#include <QMenu>
#include <QPainter>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>

#include <cmath>
#include <limits>
#include <map>

using namespace fastformer::ui;

namespace {

// Small deterministic noise with one spike of 1.0 at `spike`.
std::vector<float> spiky(int n, int spike) {
  std::vector<float> w(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) w[static_cast<std::size_t>(i)] = 0.01f + 0.02f * static_cast<float>((i * 37) % 11) / 10.0f;
  if (spike >= 0 && spike < n) w[static_cast<std::size_t>(spike)] = 1.0f;
  return w;
}

std::vector<std::vector<float>> heads(int count, int n) {
  std::vector<std::vector<float>> w(static_cast<std::size_t>(count));
  for (int h = 0; h < count; ++h)
    for (int i = 0; i < n; ++i)
      w[static_cast<std::size_t>(h)].push_back(static_cast<float>(0.5 + 0.4 * std::sin(i / (20.0 + 7 * h)) + 0.05 * h));
  return w;
}

void press(QWidget* widget, Qt::MouseButton button, const QPoint& at, QEvent::Type type = QEvent::MouseButtonPress) {
  QMouseEvent event(type, at, widget->mapToGlobal(at), button, type == QEvent::MouseButtonRelease ? Qt::NoButton : button,
                    Qt::NoModifier);
  QApplication::sendEvent(widget, &event);
}

void drag(QWidget* widget, const QPoint& to) {
  QMouseEvent event(QEvent::MouseMove, to, widget->mapToGlobal(to), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(widget, &event);
}

// A hidden widget's layout runs on its first render: the plot then has its real size.
void layOut(WeightStripChart& chart, QSize size) {
  chart.resize(size);
  chart.grab();
  chart.plot()->replot(QCustomPlot::rpImmediateRefresh);
}

QString shotPath(const QString& name) {
  const QString dir = qEnvironmentVariable("FF_UI_SHOTS");
  return dir.isEmpty() ? QString() : QDir(dir).filePath(name);
}

}  // namespace

class MinimapTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void rowColoursAreRowMaxima() {
    DocumentMinimap map;
    const std::vector<float> w = spiky(1000, 700);
    map.setWeights(w);
    map.resize(28, 200);
    QCOMPARE(map.scaleMax(), 1.0);
    // 1000 tokens on 200 rows: row y holds tokens 5y .. 5y + 4.
    int darkest = -1, darkestLightness = 256;
    for (int y = 0; y < 200; ++y) {
      float top = 0.0f;
      for (int i = 5 * y; i < 5 * y + 5; ++i) top = std::max(top, w[static_cast<std::size_t>(i)]);
      QCOMPARE(map.rowColor(y), weightRgb(top / 1.0));
      const int lightness = QColor(map.rowColor(y)).lightness();
      if (lightness < darkestLightness) darkestLightness = lightness, darkest = y;
    }
    QCOMPARE(darkest, 140);
    QCOMPARE(map.rowColor(140), weightRgb(1.0));
    QCOMPARE(map.rowColor(-1), QRgb(0));
    QCOMPARE(map.rowColor(200), QRgb(0));
    QCOMPARE(map.tokenAtY(0), 0);
    QCOMPARE(map.tokenAtY(100), 500);
    QCOMPARE(map.tokenAtY(199), 995);
    QCOMPARE(map.tokenAtY(-5), 0);
    QCOMPARE(map.tokenAtY(900), 995);
    QCOMPARE(map.rowsForTokens(700, 700), qMakePair(140, 140));
    QCOMPARE(map.rowsForTokens(12, 37), qMakePair(2, 7));
    QCOMPARE(map.rowsForTokens(-10, 5000), qMakePair(0, 199));
    QCOMPARE(map.rowsForTokens(1000, 1200), qMakePair(-1, -1));
    // A fixed scale maximum: shades are weight / max.
    map.setWeights(w, 2.0);
    QCOMPARE(map.rowColor(140), weightRgb(0.5));
  }

  void rowMappingBothWays_data() {
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("h");
    QTest::newRow("fewer tokens than rows") << 7 << 200;
    QTest::newRow("one token more than rows") << 201 << 200;
    QTest::newRow("five per row") << 1000 << 200;
    QTest::newRow("long document") << 20000 << 37;
    QTest::newRow("one token") << 1 << 50;
    QTest::newRow("one row") << 50 << 1;
  }

  void rowMappingBothWays() {
    QFETCH(int, n);
    QFETCH(int, h);
    DocumentMinimap map;
    std::vector<float> w(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) w[static_cast<std::size_t>(i)] = static_cast<float>((i * 7919) % 101) / 100.0f;
    map.setWeights(w);
    map.resize(28, h);
    // The documented rule in floating point: row y holds [⌊yN/H⌋, max(⌊yN/H⌋ + 1, ⌊(y+1)N/H⌋)).
    std::map<int, QPair<int, int>> rowsOf;
    std::vector<int> seen(static_cast<std::size_t>(n), 0);
    for (int y = 0; y < h; ++y) {
      const int begin = static_cast<int>(std::floor(double(y) * n / h));
      const int end = std::max(begin + 1, static_cast<int>(std::floor(double(y + 1) * n / h)));
      QCOMPARE(map.tokenAtY(y), begin);
      float top = 0.0f;
      for (int t = begin; t < end; ++t) {
        top = std::max(top, w[static_cast<std::size_t>(t)]);
        ++seen[static_cast<std::size_t>(t)];
        auto it = rowsOf.find(t);
        if (it == rowsOf.end()) rowsOf[t] = {y, y};
        else it->second.second = y;
      }
      QCOMPARE(map.rowColor(y), weightRgb(top / map.scaleMax()));
    }
    for (int t = 0; t < n; ++t) {
      QVERIFY2(seen[static_cast<std::size_t>(t)] >= 1, qPrintable(QString("token %1 has no row").arg(t)));
      if (n >= h) QCOMPARE(seen[static_cast<std::size_t>(t)], 1);
      else QVERIFY(seen[static_cast<std::size_t>(t)] == h / n || seen[static_cast<std::size_t>(t)] == h / n + 1);
      QCOMPARE(map.rowsForTokens(t, t), rowsOf[t]);
    }
    QCOMPARE(map.rowsForTokens(0, n - 1), qMakePair(0, h - 1));
  }

  void pressAndDragRequestTokens() {
    DocumentMinimap map;
    map.setWeights(spiky(1000, 700));
    map.setFixedSize(28, 200);
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    QSignalSpy spy(&map, &DocumentMinimap::tokenRequested);
    QTest::mousePress(&map, Qt::LeftButton, Qt::NoModifier, QPoint(14, 140));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.takeFirst().at(0).toInt(), 700);
    drag(&map, QPoint(14, 40));
    drag(&map, QPoint(14, 40));  // the same row asks once
    drag(&map, QPoint(14, 250));  // below the strip: its last row
    QTest::mouseRelease(&map, Qt::LeftButton, Qt::NoModifier, QPoint(14, 250));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(0).at(0).toInt(), 200);
    QCOMPARE(spy.at(1).at(0).toInt(), 995);
    // Pressing the same row again asks again: the text may have scrolled away meanwhile.
    QTest::mousePress(&map, Qt::LeftButton, Qt::NoModifier, QPoint(14, 199));
    QCOMPARE(spy.count(), 3);
    // Moving without a button only hovers.
    QTest::mouseRelease(&map, Qt::LeftButton, Qt::NoModifier, QPoint(14, 199));
    QMouseEvent hover(QEvent::MouseMove, QPointF(14, 10), map.mapToGlobal(QPointF(14, 10)), Qt::NoButton, Qt::NoButton,
                      Qt::NoModifier);
    QApplication::sendEvent(&map, &hover);
    QCOMPARE(spy.count(), 3);
    // Hovering tells which tokens a row stands for.
    QHelpEvent help(QEvent::ToolTip, QPoint(14, 140), map.mapToGlobal(QPoint(14, 140)));
    QApplication::sendEvent(&map, &help);
    QCOMPARE(QToolTip::text(), QString("tokens 700–704, max weight 1"));
    QToolTip::hideText();
  }

  void visibleRangeIsFramed() {
    DocumentMinimap map;
    const std::vector<float> w = spiky(1000, 700);
    map.setWeights(w);
    map.resize(28, 200);
    map.setVisibleRange(500, 599);
    QCOMPARE(map.rowsForTokens(500, 599), qMakePair(100, 119));
    const QImage image = map.grab().toImage();
    QCOMPARE(image.height(), 200);
    // Inside the frame the row's own shade; outside it dimmed; on it the frame's dark line.
    QCOMPARE(image.pixel(14, 110), map.rowColor(110));
    QVERIFY(QColor(image.pixel(14, 50)).lightness() < QColor(map.rowColor(50)).lightness());
    QVERIFY(QColor(image.pixel(14, 150)).lightness() < QColor(map.rowColor(150)).lightness());
    QVERIFY(QColor(image.pixel(14, 100)).lightness() < 100);
    QVERIFY(QColor(image.pixel(14, 119)).lightness() < 100);
    map.setVisibleRange(-1, -1);
    QCOMPARE(map.grab().toImage().pixel(14, 50), map.rowColor(50));
  }

  void emptyAndNanInput() {
    DocumentMinimap map;
    map.resize(28, 200);
    QVERIFY(!map.grab().isNull());
    QCOMPARE(map.tokenAtY(10), -1);
    QCOMPARE(map.rowsForTokens(0, 10), qMakePair(-1, -1));
    QCOMPARE(map.rowColor(10), QRgb(0));
    map.setVisibleRange(0, 10);
    QVERIFY(!map.grab().isNull());
    QSignalSpy spy(&map, &DocumentMinimap::tokenRequested);
    press(&map, Qt::LeftButton, QPoint(14, 20));
    QCOMPARE(spy.count(), 0);

    const float nan = std::numeric_limits<float>::quiet_NaN();
    map.setWeights({nan, 1.0f, nan, 0.5f});
    QCOMPARE(map.scaleMax(), 1.0);
    QCOMPARE(map.rowColor(0), weightRgb(0.0));    // token 0 (NaN) on rows 0..49
    QCOMPARE(map.rowColor(60), weightRgb(1.0));   // token 1
    QCOMPARE(map.rowColor(120), weightRgb(0.0));  // token 2 (NaN)
    QCOMPARE(map.rowColor(199), weightRgb(0.5));  // token 3
    map.setWeights({nan, nan});
    QCOMPARE(map.scaleMax(), 0.0);
    QCOMPARE(map.rowColor(150), weightRgb(0.0));
    QVERIFY(!map.grab().isNull());

    map.setWeights(spiky(100, 3));
    map.resize(28, 0);
    QCOMPARE(map.tokenAtY(0), -1);
    QCOMPARE(map.rowColor(0), QRgb(0));
    QCOMPARE(map.rowsForTokens(0, 99), qMakePair(-1, -1));
    map.grab();
  }

  void longDocumentPaintsCheaply() {
    DocumentMinimap map;
    map.setWeights(spiky(50000, 31234));
    map.resize(28, 800);
    map.grab();  // builds the rows once
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 100; ++i) {
      map.setVisibleRange(i * 400, i * 400 + 300);
      map.grab();
    }
    // Scrolling only moves the frame: generous bound, the point is no per-paint rebuild.
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString("%1 ms").arg(timer.elapsed())));
    QCOMPARE(map.rowColor(map.rowsForTokens(31234, 31234).first), weightRgb(1.0));
  }

  void stripSelectRangeRoundsAndZooms() {
    WeightStripChart chart;
    chart.setWeights(heads(3, 500), 1, "α over token position");
    QCOMPARE(chart.tokenCount(), 500);
    QSignalSpy spy(&chart, &WeightStripChart::rangeSelected);
    // Token i owns [i − 0.5, i + 0.5): 100.4 lies in token 100's, 250.6 in token 251's.
    chart.selectRange(100.4, 250.6);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), 100);
    QCOMPARE(spy.at(0).at(1).toInt(), 251);
    QCOMPARE(chart.plot()->xAxis->range().lower, 99.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 251.5);
    chart.selectRange(250.6, 100.4);  // either order
    QCOMPARE(spy.at(1), spy.at(0));
    chart.selectRange(-20.0, 3.2);  // clamped to the document
    QCOMPARE(spy.at(2).at(0).toInt(), 0);
    QCOMPARE(spy.at(2).at(1).toInt(), 3);
    chart.selectRange(480.0, 9999.0);
    QCOMPARE(spy.at(3).at(0).toInt(), 480);
    QCOMPARE(spy.at(3).at(1).toInt(), 499);
    QCOMPARE(chart.plot()->xAxis->range().lower, 479.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 499.5);
    chart.selectRange(7.2, 7.3);  // a single token
    QCOMPARE(spy.at(4).at(0).toInt(), 7);
    QCOMPARE(spy.at(4).at(1).toInt(), 7);
    QCOMPARE(chart.plot()->xAxis->range().size(), 1.0);

    WeightStripChart empty;
    QSignalSpy none(&empty, &WeightStripChart::rangeSelected);
    empty.selectRange(1.0, 5.0);
    empty.setWeights({}, -1, "");
    empty.selectRange(1.0, 5.0);
    QCOMPARE(none.count(), 0);
  }

  void stripDragSelectsAndDoubleClickGoes() {
    WeightStripChart chart;
    chart.setWeights(heads(3, 500), -1, "β");
    layOut(chart, QSize(800, 300));
    QCPAxis* x = chart.plot()->xAxis;
    const int y = chart.plot()->axisRect()->rect().center().y();
    const int from = static_cast<int>(x->coordToPixel(100)), to = static_cast<int>(x->coordToPixel(250));
    QSignalSpy spy(&chart, &WeightStripChart::rangeSelected);
    press(chart.plot(), Qt::LeftButton, QPoint(from, y));
    drag(chart.plot(), QPoint((from + to) / 2, y));
    drag(chart.plot(), QPoint(to, y));
    press(chart.plot(), Qt::LeftButton, QPoint(to, y), QEvent::MouseButtonRelease);
    QCOMPARE(spy.count(), 1);
    const int first = spy.at(0).at(0).toInt(), last = spy.at(0).at(1).toInt();
    QVERIFY2(std::abs(first - 100) <= 1 && std::abs(last - 250) <= 1, qPrintable(QString("%1..%2").arg(first).arg(last)));
    QCOMPARE(x->range().lower, first - 0.5);
    QCOMPARE(x->range().upper, last + 0.5);
    // A click without moving selects nothing.
    chart.plot()->replot(QCustomPlot::rpImmediateRefresh);
    press(chart.plot(), Qt::LeftButton, QPoint(from + 10, y));
    press(chart.plot(), Qt::LeftButton, QPoint(from + 10, y), QEvent::MouseButtonRelease);
    QCOMPARE(spy.count(), 1);
    // Double-click still asks the text to go to that position.
    QSignalSpy clicked(&chart, &WeightStripChart::positionClicked);
    const QPoint at(static_cast<int>(x->coordToPixel(180)), y);
    press(chart.plot(), Qt::LeftButton, at, QEvent::MouseButtonDblClick);
    QCOMPARE(clicked.count(), 1);
    QVERIFY(std::abs(clicked.at(0).at(0).toInt() - 180) <= 1);
  }

  void stripPansToFollowText() {
    WeightStripChart chart;
    chart.setWeights(heads(3, 500), 0, "α");
    chart.selectRange(100.0, 199.0);  // x axis [99.5, 199.5], 100 tokens wide
    chart.setVisibleRange(50, 60);    // outside, to the left: its start becomes the axis start
    QCOMPARE(chart.plot()->xAxis->range().lower, 49.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 149.5);
    chart.setVisibleRange(300, 320);  // to the right: its end becomes the axis end
    QCOMPARE(chart.plot()->xAxis->range().lower, 220.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 320.5);
    chart.setVisibleRange(250, 280);  // already shown: no pan
    QCOMPARE(chart.plot()->xAxis->range().lower, 220.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 320.5);
    chart.setVisibleRange(200, 450);  // wider than the axis and covering it: no pan
    QCOMPARE(chart.plot()->xAxis->range().lower, 220.5);
    chart.setVisibleRange(350, 480);  // wider, to the right: the axis moves onto its start
    QCOMPARE(chart.plot()->xAxis->range().lower, 349.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 449.5);
    chart.setVisibleRange(340, 480);  // and stays while it lies inside the visible part
    QCOMPARE(chart.plot()->xAxis->range().lower, 349.5);
    // The shading follows the text whatever the zoom.
    QCPItemRect* shade = nullptr;
    for (int i = 0; i < chart.plot()->itemCount(); ++i)
      if (auto* r = qobject_cast<QCPItemRect*>(chart.plot()->item(i))) shade = r;
    QVERIFY(shade);
    QCOMPARE(shade->topLeft->coords().x(), 339.5);
    QCOMPARE(shade->bottomRight->coords().x(), 480.5);
    // The whole document shown: scrolling never moves the axis.
    chart.resetZoom();
    chart.setVisibleRange(400, 420);
    QCOMPARE(chart.plot()->xAxis->range().lower, -0.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 499.5);
  }

  void stripResetZoomAndMenu() {
    WeightStripChart chart;
    chart.setWeights(heads(3, 500), 2, "α");
    QCOMPARE(chart.plot()->xAxis->range().lower, -0.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 499.5);
    chart.selectRange(10.0, 20.0);
    chart.resetZoom();
    QCOMPARE(chart.plot()->xAxis->range().lower, -0.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 499.5);
    // The context menu's "Show whole document" does the same; export stays beside it.
    chart.selectRange(10.0, 20.0);
    QMenu menu;
    chart.fillContextMenu(menu);
    QStringList texts;
    QAction* whole = nullptr;
    for (QAction* action : menu.actions()) {
      texts << action->text();
      if (action->text() == "Show whole document") whole = action;
    }
    QVERIFY2(whole && texts.contains(QString("Export chart…")), qPrintable(texts.join(" | ")));
    whole->trigger();
    QCOMPARE(chart.plot()->xAxis->range().upper, 499.5);
    // New weights show their whole document, zoom or not.
    chart.selectRange(10.0, 20.0);
    chart.setWeights(heads(2, 80), -1, "mean");
    QCOMPARE(chart.plot()->xAxis->range().lower, -0.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 79.5);
    // Wheel or code can't take the axis past the document's ends.
    chart.plot()->xAxis->setRange(-40.0, 20.0);
    QCOMPARE(chart.plot()->xAxis->range().lower, -0.5);
    QCOMPARE(chart.plot()->xAxis->range().upper, 59.5);
    chart.plot()->xAxis->setRange(-100.0, 300.0);
    QCOMPARE(chart.plot()->xAxis->range().upper, 79.5);
  }

  void stripWheelZoomsOnlyX() {
    WeightStripChart chart;
    chart.setWeights(heads(3, 500), 0, "α");
    layOut(chart, QSize(800, 300));
    const QCPRange yBefore = chart.plot()->yAxis->range();
    const QPointF at = chart.plot()->axisRect()->rect().center();
    QWheelEvent wheel(at, chart.plot()->mapToGlobal(at), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(chart.plot(), &wheel);
    QVERIFY2(chart.plot()->xAxis->range().size() < 400.0, qPrintable(QString::number(chart.plot()->xAxis->range().size())));
    QVERIFY(chart.plot()->xAxis->range().lower >= -0.5 && chart.plot()->xAxis->range().upper <= 499.5);
    QCOMPARE(chart.plot()->yAxis->range().lower, yBefore.lower);
    QCOMPARE(chart.plot()->yAxis->range().upper, yBefore.upper);
  }

  // Both widgets as the Inspect page shows them; FF_UI_SHOTS=<dir> keeps the pictures.
  void screenshots() {
    DocumentMinimap map;
    map.setWeights(spiky(1000, 700));
    map.resize(28, 300);
    map.setVisibleRange(420, 560);
    WeightStripChart chart;
    auto w = heads(3, 500);
    w[1][300] = 1.6f;
    chart.setWeights(w, 1, "α of layer 0 over token position");
    chart.setVisibleRange(260, 330);
    chart.selectRange(200.0, 380.0);
    layOut(chart, QSize(900, 300));
    const QImage strip = map.grab().toImage(), plot = chart.grab().toImage();
    QCOMPARE(strip.size(), QSize(28, 300));
    QVERIFY(!plot.isNull());
    QImage both(strip.width() + 12 + plot.width(), std::max(strip.height(), plot.height()), QImage::Format_RGB32);
    both.fill(Qt::white);
    {
      QPainter painter(&both);
      painter.drawImage(0, 0, strip);
      painter.drawImage(strip.width() + 12, 0, plot);
    }
    if (const QString path = shotPath("minimap_and_strip.png"); !path.isEmpty()) QVERIFY(both.save(path));
    // The strip is narrow: a 4× copy shows its rows and frame pixel by pixel.
    if (const QString path = shotPath("minimap_4x.png"); !path.isEmpty())
      QVERIFY(strip.scaled(strip.size() * 4, Qt::IgnoreAspectRatio, Qt::FastTransformation).save(path));
  }
};

FF_UI_TEST(MinimapTest);

#include "test_minimap.moc"
