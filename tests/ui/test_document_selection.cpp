// Tests of DocumentView's selected range (drag across tokens, shift-click from the pinned
// token, drawn as a bar under each selected token) and a colour scale with a low end.
#include "ui_test_registry.h"

#include "inspect/document_view.h"
#include "common/weight_colors.h"

#include <QApplication>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>

using namespace fastformer::ui;

namespace {

// One token per space-separated word of `text` (ASCII only, so bytes = UTF-16 indices).
std::vector<TokenSpan> wordSpans(const QString& text) {
  std::vector<TokenSpan> spans;
  int start = -1;
  for (int i = 0; i <= text.size(); ++i) {
    const bool word = i < text.size() && text[i] != ' ';
    if (word && start < 0) start = i;
    if (!word && start >= 0) {
      spans.push_back({start, i, QString("token %1").arg(spans.size())});
      start = -1;
    }
  }
  return spans;
}

// Pixels in the bottom three rows of `rect` that are clearly blue (the selection bar).
int bluePixelsUnder(const QImage& image, const QRect& rect) {
  int count = 0;
  for (int y = rect.bottom() - 2; y <= rect.bottom(); ++y)
    for (int x = rect.left(); x <= rect.right(); ++x) {
      const QColor c = image.pixelColor(x, y);
      if (c.blue() > c.red() + 60) ++count;
    }
  return count;
}

}  // namespace

class DocumentSelectionTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void dragSelectsTheTokensBetween() {
    const QString text = "one two three four five six seven";
    DocumentView view;
    view.resize(600, 160);
    view.setDocument(text, wordSpans(text));
    view.setWeights({0.1f, 0.2f, 0.3f, 0.1f, 0.1f, 0.1f, 0.1f}, "α");
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy selected(&view, &DocumentView::selectionChanged);
    QSignalSpy pinned(&view, &DocumentView::tokenPinned);
    // Press on "five", drag left to "two", release: tokens 1..4 whatever the direction.
    QTest::mousePress(view.viewport(), Qt::LeftButton, {}, view.tokenRect(4).center());
    QMouseEvent move(QEvent::MouseMove, view.tokenRect(1).center(), view.viewport()->mapToGlobal(view.tokenRect(1).center()),
                     Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view.viewport(), &move);
    QTest::mouseRelease(view.viewport(), Qt::LeftButton, {}, view.tokenRect(1).center());
    QCOMPARE(view.selection(), qMakePair(1, 4));
    QVERIFY(!selected.isEmpty());
    QCOMPARE(selected.last().at(0).toInt(), 1);
    QCOMPARE(selected.last().at(1).toInt(), 4);
    QCOMPARE(pinned.count(), 0);  // a drag does not pin
    // Selected tokens have the bar under them; the ones outside do not.
    const QImage image = view.viewport()->grab().toImage();
    QVERIFY(bluePixelsUnder(image, view.tokenRect(2)) > view.tokenRect(2).width());
    QCOMPARE(bluePixelsUnder(image, view.tokenRect(0)), 0);
    QCOMPARE(bluePixelsUnder(image, view.tokenRect(5)), 0);
    // A plain click pins and clears the selection.
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.tokenRect(6).center());
    QCOMPARE(view.pinnedToken(), 6);
    QCOMPARE(view.selection(), qMakePair(-1, -1));
    QCOMPARE(selected.last().at(0).toInt(), -1);
    // Shift-click selects from the pinned token to the clicked one.
    QTest::mouseClick(view.viewport(), Qt::LeftButton, Qt::ShiftModifier, view.tokenRect(3).center());
    QCOMPARE(view.selection(), qMakePair(3, 6));
    QCOMPARE(view.pinnedToken(), 6);
    // Out-of-range selections clear; a new document clears too.
    view.setSelection(2, 99);
    QCOMPARE(view.selection(), qMakePair(-1, -1));
    view.setSelection(5, 2);
    QCOMPARE(view.selection(), qMakePair(2, 5));
    view.setDocument(text, wordSpans(text));
    QCOMPARE(view.selection(), qMakePair(-1, -1));
  }

  void aScaleWithALowEndStartsItsShadesThere() {
    const QString text = "a b c d";
    DocumentView view;
    view.resize(400, 120);
    view.setDocument(text, wordSpans(text));
    const std::vector<float> weights{0.9f, 1.0f, 1.3f, 1.1f};
    view.setWeights(weights, "α × tokens in its window");
    // Plain scale: 0 is white, the largest weight the darkest shade.
    QCOMPARE(view.scaleMin(), 0.0);
    QCOMPARE(view.tokenColor(0).rgb(), weightRgb(0.9 / 1.3));
    // A stretched shading's ends (fastformer::Shading's low and high).
    view.setScale(0.9f, 1.3f);
    QVERIFY(qAbs(view.scaleMin() - 0.9) < 1e-6);
    QVERIFY(qAbs(view.scaleMax() - 1.3) < 1e-6);
    QCOMPARE(view.legend()->minValue(), view.scaleMin());
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const double t = (static_cast<double>(weights[i]) - static_cast<double>(0.9f)) /
                       (static_cast<double>(1.3f) - static_cast<double>(0.9f));
      QCOMPARE(view.tokenColor(static_cast<int>(i)).rgb(), weightRgb(t));
    }
    QCOMPARE(view.tokenColor(0).rgb(), weightRgb(0.0));
    QCOMPARE(view.tokenColor(2).rgb(), weightRgb(1.0));
    // A low end at or above the top has no range: the scale falls back to 0 … max.
    view.setScale(0.25, 0.25);
    view.setWeights({0.25f, 0.25f, 0.25f, 0.25f}, "uniform");
    QCOMPARE(view.scaleMin(), 0.0);
    QCOMPARE(view.tokenColor(1).rgb(), weightRgb(1.0));
  }
};

FF_UI_TEST(DocumentSelectionTest);

#include "test_document_selection.moc"
