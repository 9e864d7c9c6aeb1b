// Tests of DocumentView: UTF-8 → UTF-16 span conversion, shading of exact substrings,
// painting only visible lines of a 20k-token document, hover/pin/scroll, HTML and PNG export.
#include "ui_test_registry.h"

#include "inspect/document_view.h"
#include "common/weight_colors.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFontMetricsF>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>

#include <cctype>
#include <map>
#include <random>

using namespace fastformer::ui;

namespace {

// Byte spans of the words of `utf8` (runs of letters, digits, '-' and non-ASCII bytes),
// with each ASCII punctuation mark a token of its own, as a word-piece tokenizer would.
std::vector<std::pair<qint64, qint64>> wordByteSpans(const QByteArray& utf8) {
  std::vector<std::pair<qint64, qint64>> spans;
  qint64 start = -1;
  for (qint64 i = 0; i <= utf8.size(); ++i) {
    const auto c = i == utf8.size() ? ' ' : static_cast<unsigned char>(utf8[i]);
    const bool word = c >= 0x80 || std::isalnum(c) || c == '-';
    if (word && start < 0) start = i;
    if (!word && start >= 0) {
      spans.emplace_back(start, i);
      start = -1;
    }
    if (!word && c != ' ' && c != '\n') spans.emplace_back(i, i + 1);
  }
  return spans;
}

std::vector<TokenSpan> tokenSpans(const QByteArray& utf8, const QStringList& labels = {}) {
  std::vector<TokenSpan> spans;
  const auto converted = utf8ToUtf16Spans(utf8, wordByteSpans(utf8));
  for (std::size_t i = 0; i < converted.size(); ++i)
    spans.push_back({converted[i].first, converted[i].second,
                     static_cast<int>(i) < labels.size() ? labels[static_cast<int>(i)] : QStringLiteral("token %1").arg(i)});
  return spans;
}

// The most frequent colour inside `rect`: the background, since glyphs cover a minority.
QRgb modeColor(const QImage& image, const QRect& rect) {
  std::map<QRgb, int> counts;
  for (int y = rect.top(); y <= rect.bottom(); ++y)
    for (int x = rect.left(); x <= rect.right(); ++x) ++counts[image.pixel(x, y) | 0xff000000u];
  return std::max_element(counts.begin(), counts.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
}

QString colorText(QRgb c) { return QColor::fromRgb(c).name(); }

// `count` words of a made-up vocabulary, with a paragraph break every ~120 words.
QString longDocument(int count, std::vector<TokenSpan>& spans) {
  static const QStringList vocabulary = {
      QStringLiteral("the"),      QStringLiteral("model"),    QStringLiteral("attention"), QStringLiteral("global"),
      QStringLiteral("query"),    QStringLiteral("key"),      QStringLiteral("additive"),  QStringLiteral("linear"),
      QStringLiteral("sequence"), QStringLiteral("token"),    QStringLiteral("of"),        QStringLiteral("a"),
      QStringLiteral("document"), QStringLiteral("long"),     QStringLiteral("weights"),   QStringLiteral("café"),
      QStringLiteral("spam"),     QStringLiteral("free"),     QStringLiteral("offer"),     QStringLiteral("and"),
      QStringLiteral("representation"), QStringLiteral("classification"), QStringLiteral("Fastformer,")};
  std::mt19937 rng(7);
  QString text;
  text.reserve(count * 8);
  for (int i = 0; i < count; ++i) {
    if (i > 0) text += (i % 120 == 0) ? QStringLiteral("\n") : QStringLiteral(" ");
    const QString& word = vocabulary[static_cast<int>(rng() % vocabulary.size())];
    spans.push_back({static_cast<int>(text.size()), static_cast<int>(text.size() + word.size()),
                     QStringLiteral("token '%1' · %2").arg(word).arg(i)});
    text += word;
  }
  return text;
}

std::vector<float> randomWeights(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::gamma_distribution<float> gamma(0.6f, 1.0f);  // skewed: a few heavy tokens, like attention
  std::vector<float> w(n);
  float sum = 0;
  for (float& x : w) sum += (x = gamma(rng));
  for (float& x : w) x /= sum;
  return w;
}

}  // namespace

class DocumentViewTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void utf8SpansMatchDecodedBytes() {
    const QByteArray utf8 = QStringLiteral("naïve café 東京 😀 ok").toUtf8();
    const QString text = QString::fromUtf8(utf8);
    const auto bytes = wordByteSpans(utf8);
    QCOMPARE(bytes.size(), std::size_t(5));
    const auto spans = utf8ToUtf16Spans(utf8, bytes);
    QCOMPARE(spans.size(), bytes.size());
    for (std::size_t i = 0; i < spans.size(); ++i)
      QCOMPARE(text.mid(spans[i].first, spans[i].second - spans[i].first),
               QString::fromUtf8(utf8.mid(bytes[i].first, bytes[i].second - bytes[i].first)));
    // Independent expectations: ï, é are 2 bytes, 東 京 3 bytes, 😀 4 bytes (2 UTF-16 units).
    const std::vector<std::pair<int, int>> expected = {{0, 5}, {6, 10}, {11, 13}, {14, 16}, {17, 19}};
    QCOMPARE(spans, expected);
    // Offsets inside a multi-byte character widen to whole characters; out of range clamps.
    const auto inside = utf8ToUtf16Spans(utf8, {{3, 4}, {15, 16}, {-3, 1000}});
    QCOMPARE(inside[0], std::make_pair(2, 3));    // a byte of 'ï' → 'ï'
    QCOMPARE(inside[1], std::make_pair(11, 12));  // a byte of '東' → '東'
    QCOMPARE(inside[2], std::make_pair(0, static_cast<int>(text.size())));
  }

  void colorScaleRunsWhiteToOrangeRed() {
    QCOMPARE(weightColor(0.0), QColor(Qt::white));
    QCOMPARE(weightColor(-1.0), QColor(Qt::white));
    QCOMPARE(weightColor(std::nan("")), QColor(Qt::white));
    const QColor top = weightColor(1.0);
    QVERIFY(top.red() > 200 && top.green() < 140 && top.blue() < 100);
    for (int i = 1; i <= 10; ++i)  // monotonically darker
      QVERIFY(weightColor(i / 10.0).lightness() < weightColor((i - 1) / 10.0).lightness());
  }

  void spansShadeExactSubstrings() {
    const QByteArray utf8 = QStringLiteral("naïve café plain 東京 😀 end").toUtf8();
    const QString text = QString::fromUtf8(utf8);
    std::vector<TokenSpan> spans = tokenSpans(utf8);
    spans.erase(spans.begin() + 2);  // "plain" is not a token: it must stay white
    QCOMPARE(text.mid(spans[2].begin, spans[2].end - spans[2].begin), QStringLiteral("東京"));
    DocumentView view;
    view.resize(600, 160);
    view.setDocument(text, spans);
    const std::vector<float> weights = {0.2f, 0.5f, 0.0f, 0.8f, 0.4f};  // max 0.8
    view.setWeights(weights, QStringLiteral("α · layer 1 · head 3"));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(std::abs(view.scaleMax() - 0.8) < 1e-6);
    const QImage image = view.viewport()->grab().toImage();
    const QFontMetricsF fm(view.font());
    const qreal x0 = view.tokenRect(0).left();
    for (std::size_t i = 0; i < spans.size(); ++i) {
      const QRect r = view.tokenRect(static_cast<int>(i));
      // The rectangle covers exactly the span's characters (measured independently).
      const qreal left = x0 + fm.horizontalAdvance(text.left(spans[i].begin));
      const qreal width = fm.horizontalAdvance(text.mid(spans[i].begin, spans[i].end - spans[i].begin));
      QVERIFY2(std::abs(r.left() - left) <= 2 && std::abs(r.width() - width) <= 2,
               qPrintable(QStringLiteral("token %1: rect %2+%3, expected %4+%5")
                              .arg(i).arg(r.left()).arg(r.width()).arg(left).arg(width)));
      const QRgb expected = weightRgb(weights[i] / 0.8);
      QCOMPARE(colorText(modeColor(image, r.adjusted(1, 1, -1, -1))), colorText(expected));
    }
    QCOMPARE(view.tokenColor(3), weightColor(1.0));
    // "plain" and the spaces between tokens are unshaded.
    const QRect line = view.tokenRect(0);
    const qreal plainLeft = x0 + fm.horizontalAdvance(text.left(text.indexOf(QStringLiteral("plain"))));
    const QRect plain(static_cast<int>(plainLeft) + 1, line.top() + 1,
                      static_cast<int>(fm.horizontalAdvance(QStringLiteral("plain"))) - 2, line.height() - 2);
    QCOMPARE(colorText(modeColor(image, plain)), colorText(qRgb(255, 255, 255)));
    const int gapX = (view.tokenRect(0).right() + view.tokenRect(1).left()) / 2;
    QCOMPARE(colorText(image.pixel(gapX, line.center().y())), colorText(qRgb(255, 255, 255)));
    QCOMPARE(view.tokenAt(QPoint(gapX, line.center().y())), -1);
    // A fixed scale changes the shade without touching the layout.
    const int layouts = view.layoutCount();
    view.setScale(0.0, 1.6);
    QCOMPARE(view.tokenColor(3), weightColor(0.5));
    QCOMPARE(view.layoutCount(), layouts);
  }

  void longDocumentPaintsOnlyVisibleLines() {
    std::vector<TokenSpan> spans;
    const QString text = longDocument(20000, spans);
    QVERIFY(text.size() > 140000);
    DocumentView view;
    view.resize(900, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QElapsedTimer timer;
    timer.start();
    view.setDocument(text, spans);
    qInfo("20k tokens (%d chars): layout %lld ms, %d lines", static_cast<int>(text.size()), timer.elapsed(),
          view.lineCount());
    view.setWeights(randomWeights(spans.size(), 1), QStringLiteral("α · layer 1 · head 0"));
    view.viewport()->repaint();
    const int layouts = view.layoutCount();
    view.scrollToToken(10000);
    timer.restart();
    view.setWeights(randomWeights(spans.size(), 2), QStringLiteral("β · layer 2 · head 5"));
    view.viewport()->repaint();
    const qint64 ms = timer.elapsed();
    qInfo("20k tokens: switching weights and repainting took %lld ms (target 50 ms), %d of %d lines painted", ms,
          view.paintedLineCount(), view.lineCount());
    QVERIFY2(ms < 500, qPrintable(QStringLiteral("repaint took %1 ms").arg(ms)));
    QCOMPARE(view.layoutCount(), layouts);  // new weights never re-wrap the text
    const int lineHeight = view.tokenRect(10000).height();
    QVERIFY(view.paintedLineCount() > 0);
    QVERIFY(view.paintedLineCount() <= view.viewport()->height() / lineHeight + 2);
    QVERIFY(view.lineCount() > 30 * view.paintedLineCount());
    // A height change keeps the layout; a width change re-wraps once.
    view.resize(900, 400);
    QCOMPARE(view.layoutCount(), layouts);
    view.resize(700, 400);
    QCOMPARE(view.layoutCount(), layouts + 1);
  }

  void scrollAndHitTestRoundTrip() {
    std::vector<TokenSpan> spans;
    const QString text = longDocument(3000, spans);
    DocumentView view;
    view.resize(640, 300);
    view.setDocument(text, spans);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy ranges(&view, &DocumentView::visibleRangeChanged);
    for (int index : {1500, 2999, 7, 2210}) {
      view.scrollToToken(index);
      const QRect r = view.tokenRect(index);
      QVERIFY(view.viewport()->rect().contains(r));
      if (index > 200 && index < 2800)  // centred unless clamped at either end
        QVERIFY(std::abs(r.center().y() - view.viewport()->height() / 2) <= r.height());
      QCOMPARE(view.tokenAt(r.center()), index);
      const auto visible = view.visibleTokenRange();
      QVERIFY(visible.first <= index && index <= visible.second);
      QVERIFY(visible.second - visible.first < 400);
    }
    QVERIFY(ranges.count() >= 3);
    QCOMPARE(ranges.last().at(0).toInt(), view.visibleTokenRange().first);
    QCOMPARE(ranges.last().at(1).toInt(), view.visibleTokenRange().second);
    view.verticalScrollBar()->setValue(0);
    QCOMPARE(view.visibleTokenRange().first, 0);
  }

  void hoverShowsLabelAndClickPins() {
    const QByteArray utf8 = QStringLiteral("win a free café prize now").toUtf8();
    const QStringList labels = {QStringLiteral("token 'win' · id 88"), QStringLiteral("token 'a' · id 5"),
                                QStringLiteral("token 'free' · id 312 · α 0.031 (head 3) · β 0.004"),
                                QStringLiteral("token 'café'"), QStringLiteral("token 'prize'"),
                                QStringLiteral("token 'now'")};
    DocumentView view;
    view.resize(500, 150);
    view.setDocument(QString::fromUtf8(utf8), tokenSpans(utf8, labels));
    view.setWeights({0.1f, 0.05f, 0.5f, 0.1f, 0.2f, 0.05f}, QStringLiteral("γ pooling"));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy hovered(&view, &DocumentView::tokenHovered);
    QSignalSpy pinned(&view, &DocumentView::tokenPinned);
    const QRect free = view.tokenRect(2);
    QTest::mouseMove(view.viewport(), free.center());
    QTRY_VERIFY(hovered.count() >= 1);
    QCOMPARE(hovered.last().at(0).toInt(), 2);
    QTRY_COMPARE(QToolTip::text(), labels[2]);
    QTest::mouseMove(view.viewport(), view.tokenRect(4).center());
    QTRY_COMPARE(hovered.last().at(0).toInt(), 4);
    QTest::mouseMove(view.viewport(), QPoint(view.viewport()->width() - 5, view.viewport()->height() - 5));
    QTRY_COMPARE(hovered.last().at(0).toInt(), -1);

    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, free.center());
    QCOMPARE(pinned.count(), 1);
    QCOMPARE(pinned.last().at(0).toInt(), 2);
    QCOMPARE(view.pinnedToken(), 2);
    // The pinned token is outlined: a blue frame just outside its shade.
    const QImage image = view.viewport()->grab().toImage();
    const QColor frame = image.pixelColor(free.left() - 1, free.center().y());
    QVERIFY2(frame.blue() > frame.red() + 60, qPrintable(frame.name()));
    QCOMPARE(image.pixelColor(view.tokenRect(4).left() - 1, free.center().y()), QColor(Qt::white));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, free.center());  // again: unpin
    QCOMPARE(view.pinnedToken(), -1);
    QCOMPARE(pinned.last().at(0).toInt(), -1);
  }

  void htmlEscapesTextAndStylesEveryToken() {
    const QString text = QStringLiteral("if <b>& \"x\" then ok");
    const std::vector<TokenSpan> spans = {{0, 2, QStringLiteral("if")},
                                          {3, 7, QStringLiteral("<b>&")},
                                          {8, 11, QStringLiteral("quote")},
                                          {12, 16, QStringLiteral("then")},
                                          {17, 19, QStringLiteral("ok")}};
    DocumentView view;
    view.setDocument(text, spans);
    view.setWeights({0.0f, 1.0f, 0.5f, 0.25f, 0.1f}, QStringLiteral("α"));
    const QString html = view.toHtml();
    QVERIFY(html.contains(QStringLiteral(">&lt;b&gt;&amp;</span>")));
    QVERIFY(!html.contains(QStringLiteral("<b>")));
    QCOMPARE(html.count(QStringLiteral("<span style=\"background:")), 5);
    QVERIFY(html.contains(QStringLiteral("background:%1").arg(weightColor(1.0).name())));
    QVERIFY(html.contains(QStringLiteral("background:#ffffff\" title=\"if\">if</span>")));
    QVERIFY(html.contains(QStringLiteral(">&quot;x&quot;</span>")));
  }

  void screenshotOfRealisticSample() {
    const QByteArray utf8 = QStringLiteral(
        "Fastformer replaces the pairwise interactions of self-attention with additive attention. "
        "Each head first summarises the whole sequence into a global query vector: every token "
        "gets a score, the scores go through a softmax, and the weighted sum of the query vectors "
        "is the global query. That vector is multiplied element-wise with every key, and a second "
        "additive attention pools the products into a global key. The global key then modulates "
        "each value vector, a linear transformation mixes the result, and the query is added back "
        "as a residual. Nothing in these steps compares two tokens directly, so the cost grows "
        "linearly with the length of the document instead of quadratically.\n"
        "This view shows where those softmaxes look. A dark orange token received a large share "
        "of the weight; a white token almost none. On a spam message the heads of the last layer "
        "often settle on words like free, offer, winner or click, while the pooling weights of the "
        "classifier spread over the sentence that carries the verdict. Naïve readers expect every "
        "head to agree; in practice they split the work, and the mean over heads hides that. "
        "Switch between α and β, between heads and layers, and pin a token to follow it.")
                                  .toUtf8();
    std::vector<TokenSpan> spans = tokenSpans(utf8);
    std::vector<float> weights = randomWeights(spans.size(), 11);
    for (std::size_t i = 0; i < spans.size(); ++i)
      spans[i].label = QStringLiteral("token %1 · α %2").arg(i).arg(weights[i], 0, 'f', 4);
    DocumentView view;
    view.resize(900, 500);
    view.setDocument(QString::fromUtf8(utf8), spans);
    view.setWeights(weights, QStringLiteral("α · layer 2 · head 3 (Fastformer, spam)"));
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setPinnedToken(40);
    QTest::qWait(30);
    QVERIFY(view.grab().toImage().save(QDir::temp().filePath(QStringLiteral("document_view.png"))));
    const QImage exported = view.renderDocument(900);
    QCOMPARE(exported.width(), 900);
    QVERIFY(exported.height() > 100);
    QVERIFY(exported.save(QDir::temp().filePath(QStringLiteral("document_view_export.png"))));
    // The legend names the weights and shows the scale's maximum; its bar ends in the top shade.
    QCOMPARE(view.legend()->title(), QStringLiteral("α · layer 2 · head 3 (Fastformer, spam)"));
    QCOMPARE(view.legend()->maxValue(), view.scaleMax());
    QVERIFY(view.legend()->isVisible() && view.legend()->height() >= view.fontMetrics().height());
    const QImage legend = view.legend()->grab().toImage();
    bool topShade = false;
    const QColor top = weightColor(1.0);
    for (int x = legend.width() / 2; x < legend.width(); ++x) {
      const QColor c = legend.pixelColor(x, legend.height() / 2);
      topShade = topShade || (std::abs(c.red() - top.red()) + std::abs(c.green() - top.green()) +
                                  std::abs(c.blue() - top.blue()) <= 8);
    }
    QVERIFY(topShade);
  }
};

FF_UI_TEST(DocumentViewTest);

#include "test_document_view.moc"
