// Tests of what a desktop user expects of the charts and the window: an empty chart shows its
// note and no dummy axes, a legend never covers a data point, the charts take the palette's
// colours (a dark one too), the toolbar carries the frequent actions with icons and follows
// the Train buttons, and Help → Keyboard shortcuts lists every menu shortcut.
#include "ui_test_registry.h"

#include "common/bar_chart.h"
#include "common/chart_legend.h"
#include "common/dark_palette.h"
#include "common/metric_chart.h"
#include "common/themed_plot.h"
#include "main_window.h"
#include "shortcuts_dialog.h"
#include "train/config_form.h"
#include "train/length_coverage.h"
#include "train/run_store.h"
#include "train/train_workspace.h"

#include <QAction>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTest>
#include <QToolBar>

#include <cmath>
#include <functional>

using namespace fastformer::ui;

namespace {

// One run whose loss at step s is f(s), s = 1…n.
RunRecord runOf(const QString& id, int n, const std::function<double(int)>& f) {
  RunRecord run;
  run.id = id;
  run.name = id;
  for (int s = 1; s <= n; ++s) {
    StepPoint p;
    p.step = s;
    p.tokens_seen = s * 100.0;
    p.wall_s = s;
    p.loss = f(s);
    p.lr = 1e-3;
    p.tokens_per_s = 1000;
    run.steps.push_back(p);
  }
  return run;
}

// How many of the graphs' points (and the midpoints of their segments) fall inside the
// legend's rectangle, computed from the data and the axes, not from placeLegend.
int pointsUnderLegend(QCustomPlot& plot) {
  const QRectF box = plot.legend->outerRect();
  int hidden = 0;
  for (int g = 0; g < plot.graphCount(); ++g) {
    QCPGraph* graph = plot.graph(g);
    QPointF last(qQNaN(), qQNaN());
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
      const QPointF p(plot.xAxis->coordToPixel(it->key), plot.yAxis->coordToPixel(it->value));
      hidden += box.contains(p) ? 1 : 0;
      if (!qIsNaN(last.x())) hidden += box.contains((p + last) / 2) ? 1 : 0;
      last = p;
    }
  }
  return hidden;
}

void settle(QWidget& w) {
  w.show();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QTest::qWait(120);  // the throttled replot, then one more so the layout has its final size
  for (auto* plot : w.findChildren<QCustomPlot*>()) plot->replot(QCustomPlot::rpImmediateRefresh);
  for (auto* plot : w.findChildren<QCustomPlot*>()) plot->replot(QCustomPlot::rpImmediateRefresh);
}

bool layerShown(QCustomPlot* plot, const char* name) { return plot->layer(QString::fromLatin1(name))->visible(); }

}  // namespace

class DesktopPolishTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // No data: the note says what will come, and no axes, grid or legend box are drawn.
  void emptyChartsShowTheirNoteOnly() {
    RunStore store;
    MetricChart chart(Metric::train_loss);
    chart.resize(420, 300);
    chart.setStore(&store);
    settle(chart);
    auto* plot = static_cast<ThemedPlot*>(chart.plot());
    QVERIFY(plot->emptyTextShown());
    QVERIFY(plot->emptyText().contains("training loss"));
    QVERIFY(!layerShown(plot, "axes") && !layerShown(plot, "grid") && !layerShown(plot, "legend"));

    store.add(runOf("a", 40, [](int s) { return 1.0 / s; }));
    settle(chart);
    QVERIFY(!plot->emptyTextShown());
    QVERIFY(layerShown(plot, "axes") && layerShown(plot, "grid") && layerShown(plot, "legend"));

    BarChart bars("Label balance", "labels appear here");
    bars.resize(300, 200);
    settle(bars);
    QVERIFY(static_cast<ThemedPlot*>(bars.plot())->emptyTextShown());
    QVERIFY(!layerShown(bars.plot(), "axes"));
    bars.setCategories({"ham", "spam"}, {3, 1}, "examples");
    settle(bars);
    QVERIFY(!static_cast<ThemedPlot*>(bars.plot())->emptyTextShown());
    QVERIFY(layerShown(bars.plot(), "axes"));
  }

  // A curve leaving a free corner gets the legend there; curves through all four corners
  // push it under the axes. Either way no point is under it.
  void legendsNeverCoverData() {
    RunStore store;
    MetricChart chart(Metric::train_loss);
    chart.resize(460, 320);
    chart.setStore(&store);
    store.add(runOf("falling", 200, [](int s) { return 1.0 / (1 + 0.05 * s); }));  // leaves the top right free
    settle(chart);
    QCustomPlot* plot = chart.plot();
    QCOMPARE(placeLegend(*plot), LegendPlace::inside);
    plot->replot(QCustomPlot::rpImmediateRefresh);
    QCOMPARE(pointsUnderLegend(*plot), 0);

    // A square wave between the extremes passes through every corner.
    store.add(runOf("zigzag", 200, [](int s) { return (s / 5) % 2 == 0 ? 1.0 : 0.0; }));
    settle(chart);
    QCOMPARE(placeLegend(*plot), LegendPlace::below);
    plot->replot(QCustomPlot::rpImmediateRefresh);
    QVERIFY(plot->legend->outerRect().top() >= plot->axisRect()->outerRect().bottom() - 1);
    QCOMPARE(pointsUnderLegend(*plot), 0);
    QCOMPARE(plot->legend->itemCount(), 2);  // each run once
  }

  // A flat curve (a steady 100% accuracy) gets an axis around its value, not QCustomPlot's
  // old span.
  void flatCurvesGetATightAxis() {
    RunStore store;
    store.add(runOf("flat", 30, [](int) { return 1.0; }));
    MetricChart chart(Metric::train_loss);
    chart.resize(400, 280);
    chart.setStore(&store);
    settle(chart);
    const QCPRange y = chart.plot()->yAxis->range();
    QVERIFY2(y.lower < 1.0 && y.upper > 1.0 && y.size() <= 0.2, qPrintable(QString("%1…%2").arg(y.lower).arg(y.upper)));
  }

  // The charts take their neutral colours from the palette: light by default, dark with the
  // dark palette, and the axis text stays readable (contrast with the background).
  void chartsFollowThePalette() {
    RunStore store;
    store.add(runOf("a", 50, [](int s) { return 1.0 / s; }));
    MetricChart chart(Metric::train_loss);
    chart.resize(400, 280);
    chart.setStore(&store);
    chart.setPalette(darkPalette());
    settle(chart);
    const QImage image = chart.plot()->toPixmap(400, 280).toImage();
    const QColor corner = image.pixelColor(3, 3);
    QVERIFY2(corner.lightness() < 60, qPrintable(corner.name()));
    const QColor axis = chart.plot()->xAxis->basePen().color();
    QVERIFY2(axis.lightness() > 180, qPrintable(axis.name()));
    QCOMPARE(chart.plot()->xAxis->tickLabelColor(), darkPalette().color(QPalette::Text));

    chart.setPalette(QPalette(Qt::white));
    settle(chart);
    const QColor light = chart.plot()->toPixmap(400, 280).toImage().pixelColor(3, 3);
    QVERIFY2(light.lightness() > 200, qPrintable(light.name()));
    QVERIFY(chart.plot()->xAxis->basePen().color().lightness() < 100);
  }

  // Open dataset, Open document, Start, Pause, Stop and Export on the toolbar, with icons;
  // the Run actions are enabled exactly when the Train buttons are.
  void toolbarCarriesTheFrequentActions() {
    MainWindow window;
    window.setConfirmClose(false);
    QToolBar* bar = window.toolbar();
    QVERIFY(bar != nullptr);
    QStringList labels;
    for (QAction* action : bar->actions()) {
      if (action->isSeparator()) continue;
      labels << action->iconText();
      QVERIFY2(!action->icon().isNull(), qPrintable(action->text()));
      QVERIFY2(!action->icon().pixmap(20, 20).isNull(), qPrintable(action->text()));
    }
    QCOMPARE(labels, (QStringList{"Dataset", "Document", "Start", "Pause", "Stop", "Export"}));
    const auto find = [&](const QString& label) {
      for (QAction* action : bar->actions())
        if (action->iconText() == label) return action;
      return static_cast<QAction*>(nullptr);
    };
    QCOMPARE(find("Start")->isEnabled(), window.train()->startButton()->isEnabled());
    QVERIFY(!find("Stop")->isEnabled());  // nothing runs
    // An invalid form (16 heads do not divide hidden 250) disables Start, button and action.
    QSpinBox* hidden = window.train()->form()->hiddenBox();
    const int was = hidden->value();
    hidden->setValue(250);
    QVERIFY(!window.train()->startButton()->isEnabled());
    QVERIFY(!find("Start")->isEnabled());
    hidden->setValue(was);
    QVERIFY(window.train()->startButton()->isEnabled());
    QVERIFY(find("Start")->isEnabled());
    QCOMPARE(find("Pause")->isEnabled(), window.train()->pauseButton()->isEnabled());
    QVERIFY(find("Start")->toolTip().contains(QKeySequence("Ctrl+Return").toString(QKeySequence::NativeText)));
  }

  // Tab walks the Train column top to bottom: the dataset controls, every field of the form,
  // then Start, each reached once.
  void tabOrderFollowsTheTrainColumn() {
    MainWindow window;
    window.setConfirmClose(false);
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    TrainWorkspace* train = window.train();
    QWidget* column = train->startButton()->parentWidget();
    QList<QWidget*> chain;
    QWidget* first = nullptr;
    for (QWidget* w : column->findChildren<QWidget*>())
      if ((w->focusPolicy() & Qt::TabFocus) && w->isVisible() && w->isEnabled()) {
        first = w;
        break;
      }
    QVERIFY(first != nullptr);
    // From the first field of the column to Start, as Tab goes.
    QWidget* w = first;
    for (int i = 0; i < 400 && w != train->startButton(); ++i) {
      if ((w->focusPolicy() & Qt::TabFocus) && w->isVisible() && w->isEnabled() && column->isAncestorOf(w)) {
        QVERIFY2(!chain.contains(w), qPrintable(w->objectName()));
        chain << w;
      }
      w = w->nextInFocusChain();
    }
    QCOMPARE(w, static_cast<QWidget*>(train->startButton()));
    QVERIFY2(chain.size() >= 15, qPrintable(QString::number(chain.size())));
    // Top to bottom in the column (rows may hold two fields: left before right).
    for (int i = 1; i < chain.size(); ++i) {
      const QPoint a = chain[i - 1]->mapTo(column, QPoint(0, 0)), b = chain[i]->mapTo(column, QPoint(0, 0));
      const bool sameRow = std::abs(a.y() - b.y()) < chain[i]->height() / 2 + 2;
      QVERIFY2(sameRow ? b.x() > a.x() : b.y() > a.y(),
               qPrintable(QString("%1 (%2,%3) then %4 (%5,%6)")
                              .arg(chain[i - 1]->metaObject()->className()).arg(a.x()).arg(a.y())
                              .arg(chain[i]->metaObject()->className()).arg(b.x()).arg(b.y())));
    }
  }

  // Before Start, the form says what its max length keeps of the dataset: documents read
  // whole, words cut and the length for 99% whole, counted here by hand.
  void maxLengthSaysWhatItKeeps() {
    // 100 documents: 90 of 10 words, 9 of 100, one of 1,000 → 2,800 words.
    std::vector<double> words(90, 10.0);
    words.insert(words.end(), 9, 100.0);
    words.push_back(1000.0);
    const LengthCoverage at50 = lengthCoverage(words, 50);
    QCOMPARE(at50.documents, std::int64_t{100});
    QCOMPARE(at50.whole, std::int64_t{90});
    QVERIFY(std::abs(at50.tokensCut - (9 * 50.0 + 950.0) / 2800.0) < 1e-12);
    QCOMPARE(at50.lengthFor99, std::int64_t{100});  // the 99th of 100 sorted lengths
    QCOMPARE(lengthCoverage(words, 1000).whole, std::int64_t{100});
    QCOMPARE(lengthCoverage(words, 1000).tokensCut, 0.0);

    MainWindow window;
    window.setConfirmClose(false);
    ConfigForm* form = window.train()->form();
    QVERIFY(form->lengthNote().isEmpty());
    form->setDocumentLengths(words);
    const auto box = form->findChildren<QSpinBox*>();
    QSpinBox* maxLen = nullptr;
    for (QSpinBox* b : box)
      if (b->value() == 512 && b->maximum() == 65536) maxLen = b;
    QVERIFY(maxLen != nullptr);
    maxLen->setValue(64);  // cuts 9 × 36 + 936 = 1,260 of 2,800 tokens
    QCOMPARE(form->lengthNote(), QString("Max length 64 reads 90 of 100 documents whole (90%), cuts 45% of the tokens; "
                                         "99% whole needs 100"));
    maxLen->setValue(1024);
    QCOMPARE(form->lengthNote(), QString("Max length 1,024 reads 100 of 100 documents whole (100%)"));
    form->setDocumentLengths({});
    QVERIFY(form->lengthNote().isEmpty());
  }

  // Help → Keyboard shortcuts lists each menu action that has a shortcut, once.
  void shortcutsAreListed() {
    MainWindow window;
    window.setConfirmClose(false);
    int withShortcut = 0;
    std::function<void(QMenu*)> count = [&](QMenu* menu) {
      for (QAction* a : menu->actions()) {
        if (a->menu() != nullptr) count(a->menu());
        else if (!a->shortcut().isEmpty()) ++withShortcut;
      }
    };
    for (QAction* top : window.menuBar()->actions())
      if (top->menu() != nullptr) count(top->menu());
    const std::vector<ShortcutRow> rows = menuShortcuts(window);
    QCOMPARE(static_cast<int>(rows.size()), withShortcut);
    QVERIFY(withShortcut >= 12);
    const auto has = [&](const QString& menu, const QString& action, const QString& keys) {
      for (const ShortcutRow& r : rows)
        if (r.menu == menu && r.action == action && r.keys == QKeySequence(keys).toString(QKeySequence::NativeText))
          return true;
      return false;
    };
    QVERIFY(has("Run", "Start", "Ctrl+Return"));
    QVERIFY(has("Run", "Stop", "Ctrl+."));
    QVERIFY(has("File", "Open dataset…", "Ctrl+Shift+D"));
    QVERIFY(has("View", "Inspect", "Ctrl+2"));
    QVERIFY(has("Help", "Keyboard shortcuts", "F1"));
    ShortcutsDialog dialog(&window);
    auto* table = dialog.findChild<QTableWidget*>();
    QVERIFY(table != nullptr);
    QCOMPARE(table->rowCount(), withShortcut);
  }
};

FF_UI_TEST(DesktopPolishTest);

#include "test_desktop_polish.moc"
