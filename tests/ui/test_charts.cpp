// Tests of the Studio's charts: metric curves over several runs, the x-axis and log-y
// switches, replot throttling, export to PNG/SVG/PDF/CSV, the confusion heat map and bars.
#include "ui_test_registry.h"

#include "common/bar_chart.h"
#include "train/confusion_heatmap.h"
#include "fastformer/error.h"
#include "common/metric_chart.h"
#include "train/run_store.h"

#include "common/custom_plot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>

using namespace fastformer::ui;

namespace {

// A run with `steps` noisy, decreasing losses (every 10 steps) and a validation evaluation
// every 100 steps, plus one "test" evaluation that the validation charts must leave out.
RunRecord fakeRun(const QString& id, const QString& name, int steps, double floor) {
  RunRecord run;
  run.id = id;
  run.name = name;
  run.labels = {QStringLiteral("ham"), QStringLiteral("spam")};
  for (int i = 0; i < steps; ++i) {
    StepPoint p;
    p.step = (i + 1) * 10;
    p.tokens_seen = (i + 1) * 2560.0;
    p.wall_s = (i + 1) * 1.5;
    p.loss = floor + 0.6 * std::exp(-i / 12.0) + 0.05 * std::sin(i * 1.7);
    p.lr = i < 5 ? 1e-3 * i / 5 : 1e-3 * (1 - 0.8 * i / steps);
    p.tokens_per_s = 1700 + 40 * std::sin(i * 0.9);
    run.steps.push_back(p);
    if ((i + 1) % 10 == 0) {
      EvalPoint e;
      e.step = p.step;
      e.tokens_seen = p.tokens_seen;
      e.wall_s = p.wall_s + 0.5;
      e.split = QStringLiteral("valid");
      e.loss = floor + 0.4 * std::exp(-i / 15.0);
      e.accuracy = 0.95 - 0.3 * std::exp(-i / 15.0) - floor / 10;
      e.macro_f1 = e.accuracy - 0.03;
      run.evals.push_back(e);
    }
  }
  if (!run.evals.empty()) {
    EvalPoint test = run.evals.back();
    test.split = QStringLiteral("test");
    run.evals.push_back(test);
  }
  return run;
}

// A store holding these runs, in this order (the charts' colours follow it).
std::unique_ptr<RunStore> storeOf(const std::vector<RunRecord>& runs) {
  auto store = std::make_unique<RunStore>();
  for (const RunRecord& run : runs) store->add(run);
  return store;
}

QCPGraph* graphNamed(MetricChart* chart, const QString& name) {
  for (int g = 0; g < chart->plot()->graphCount(); ++g)
    if (chart->plot()->graph(g)->name() == name) return chart->plot()->graph(g);
  return nullptr;
}

bool isLog(MetricChart* chart) {
  return chart->plot()->yAxis->scaleType() == QCPAxis::stLogarithmic &&
         !chart->plot()->yAxis->ticker().dynamicCast<QCPAxisTickerLog>().isNull();
}

}  // namespace

class ChartsTest : public QObject {
  Q_OBJECT

 private:
  RunRecord a_ = fakeRun(QStringLiteral("run-1"), QStringLiteral("Fastformer · spam"), 50, 0.2);
  RunRecord b_ = fakeRun(QStringLiteral("run-2"), QStringLiteral("Softmax, baseline"), 40, 0.3);

 private Q_SLOTS:
  void dashboardShowsEveryMetricOfBothRuns() {
    const auto store = storeOf({a_, b_});
    MetricsDashboard dashboard;
    dashboard.setStore(store.get());
    QCOMPARE(dashboard.charts().size(), std::size_t(6));
    for (MetricChart* chart : dashboard.charts()) {
      const bool steps = chart->metric() == Metric::train_loss || chart->metric() == Metric::learning_rate ||
                         chart->metric() == Metric::tokens_per_s;
      QCOMPARE(chart->pointCount(a_.id), steps ? 50 : 5);  // the "test" evaluation is left out
      QCOMPARE(chart->pointCount(b_.id), steps ? 40 : 4);
      QCOMPARE(chart->plot()->legend->itemCount(), 2);  // each run named once
      const QColor ca = graphNamed(chart, a_.name)->pen().color(), cb = graphNamed(chart, b_.name)->pen().color();
      QCOMPARE(ca.rgb(), runColor(0).rgb());
      QCOMPARE(cb.rgb(), runColor(1).rgb());
    }
    QCOMPARE(dashboard.chart(Metric::train_loss)->plot()->graphCount(), 4);  // raw + smoothed per run
    QCOMPARE(dashboard.chart(Metric::valid_accuracy)->plot()->graphCount(), 2);
    QCOMPARE(graphNamed(dashboard.chart(Metric::valid_macro_f1), b_.name)->data()->at(3)->value,
             b_.evals[3].macro_f1);
  }

  void paletteColoursAreDistinct() {
    for (int i = 0; i < 10; ++i)
      for (int j = i + 1; j < 10; ++j) {
        const QColor x = runColor(i), y = runColor(j);
        const int distance = std::abs(x.red() - y.red()) + std::abs(x.green() - y.green()) + std::abs(x.blue() - y.blue());
        QVERIFY2(distance > 80, qPrintable(QStringLiteral("colours %1 and %2 too alike").arg(i).arg(j)));
      }
    QCOMPARE(runColor(10).rgb(), runColor(0).rgb());
  }

  void trainLossIsSmoothedWithBiasCorrection() {
    MetricChart chart(Metric::train_loss);
    const auto store = storeOf({a_});
    chart.setStore(store.get());
    const QCPGraph* raw = graphNamed(&chart, a_.name + QStringLiteral(" (raw)"));
    const QCPGraph* smooth = graphNamed(&chart, a_.name);
    QVERIFY(raw && smooth);
    QCOMPARE(smooth->dataCount(), 50);
    QCOMPARE(smooth->data()->at(0)->value, a_.steps[0].loss);  // corrected: no pull towards zero
    double ema = 0, decay = 1;
    for (const StepPoint& p : a_.steps) ema = 0.9 * ema + 0.1 * p.loss, decay *= 0.9;
    QVERIFY(std::abs(smooth->data()->at(49)->value - ema / (1 - decay)) < 1e-12);
    QVERIFY(raw->pen().color().alpha() < 255 && raw->pen().widthF() < smooth->pen().widthF());
  }

  void xAxisSwitchChangesTheKeys() {
    const auto store = storeOf({a_, b_});
    MetricsDashboard dashboard;
    dashboard.setStore(store.get());
    MetricChart* train = dashboard.chart(Metric::train_loss);
    MetricChart* valid = dashboard.chart(Metric::valid_loss);
    QCOMPARE(graphNamed(train, a_.name)->data()->at(49)->key, 500.0);
    auto* box = dashboard.findChild<QComboBox*>();
    QVERIFY(box);
    box->setCurrentIndex(static_cast<int>(XAxis::tokens));  // as the user picks it
    QCOMPARE(train->xAxis(), XAxis::tokens);
    QCOMPARE(graphNamed(train, a_.name)->data()->at(49)->key, a_.steps.back().tokens_seen);
    QCOMPARE(graphNamed(valid, b_.name)->data()->at(3)->key, b_.evals[3].tokens_seen);
    QCOMPARE(train->plot()->xAxis->label(), title(XAxis::tokens));
    dashboard.setXAxis(XAxis::wall);
    QCOMPARE(box->currentIndex(), static_cast<int>(XAxis::wall));
    QCOMPARE(graphNamed(train, b_.name)->data()->at(39)->key, b_.steps.back().wall_s);
    QCOMPARE(graphNamed(valid, a_.name)->data()->at(4)->key, a_.evals[4].wall_s);
    QCOMPARE(train->pointCount(a_.id), 50);  // refilled, not appended twice
  }

  void logYAppliesToLossChartsAndSkipsNonPositive() {
    const auto store = storeOf({a_, b_});
    MetricsDashboard dashboard;
    dashboard.setStore(store.get());
    auto* box = dashboard.findChild<QCheckBox*>();
    QVERIFY(box);
    box->setChecked(true);
    QVERIFY(isLog(dashboard.chart(Metric::train_loss)));
    QVERIFY(isLog(dashboard.chart(Metric::valid_loss)));
    QVERIFY(!isLog(dashboard.chart(Metric::valid_accuracy)));
    box->setChecked(false);
    QVERIFY(!isLog(dashboard.chart(Metric::train_loss)));

    // The learning rate starts at 0 (warm-up): on a log axis that point is a gap.
    const auto lrStore = storeOf({a_});
    MetricChart lr(Metric::learning_rate);
    lr.setStore(lrStore.get());
    lr.setLogY(true);
    QVERIFY(lr.logY());
    lr.resetZoom();
    QVERIFY(std::isnan(lr.plot()->graph(0)->data()->at(0)->value));
    QVERIFY(lr.plot()->yAxis->range().lower > 0);
  }

  void manyRapidUpdatesReplotFewTimes() {
    MetricChart chart(Metric::train_loss);
    RunRecord run = fakeRun(QStringLiteral("run-9"), QStringLiteral("live"), 0, 0.1);
    run.evals.clear();
    RunStore store;
    store.add(run);
    chart.setStore(&store);
    QTest::qWait(60);
    const int before = chart.replotCount();
    QVERIFY(before >= 1);
    const RunRecord full = fakeRun(run.id, run.name, 1000, 0.1);
    for (const StepPoint& p : full.steps) store.appendStep(run.id, p);
    QTest::qWait(200);  // the throttled replot needs the event loop
    const int replots = chart.replotCount() - before;
    QVERIFY2(replots >= 1 && replots <= 10, qPrintable(QString::number(replots)));
    QCOMPARE(chart.pointCount(run.id), 1000);
    QCOMPARE(graphNamed(&chart, run.name)->dataCount(), 1000);
    QCOMPARE(graphNamed(&chart, run.name)->data()->at(999)->key, 10000.0);
    QVERIFY(chart.plot()->xAxis->range().upper >= 10000.0);  // fitted to the new data

    // Points arriving one by one while the event loop runs (a live run): ≤ ~30 replots a second.
    const RunRecord live = fakeRun(QStringLiteral("run-10"), QStringLiteral("stream"), 0, 0.1);
    RunStore liveStore;
    liveStore.add(live);
    chart.setStore(&liveStore);
    QCOMPARE(chart.pointCount(run.id), 0);  // the other store's runs are gone
    QTest::qWait(60);
    const int start = chart.replotCount();
    QElapsedTimer clock;
    clock.start();
    for (const StepPoint& p : full.steps) {
      liveStore.appendStep(live.id, p);
      QCoreApplication::processEvents();
    }
    QTest::qWait(60);
    const int streamed = chart.replotCount() - start;
    QVERIFY2(streamed >= 1 && streamed <= clock.elapsed() / 33 + 3,
             qPrintable(QStringLiteral("%1 replots in %2 ms").arg(streamed).arg(clock.elapsed())));
    QCOMPARE(chart.pointCount(live.id), 1000);
  }

  void chartsFollowTheStore() {
    MetricChart train(Metric::train_loss), accuracy(Metric::valid_accuracy);
    RunStore store;
    train.setStore(&store);
    accuracy.setStore(&store);
    QCOMPARE(train.plot()->graphCount(), 0);

    // Runs added later get their curves, in the store's order of colours.
    store.add(a_);
    store.add(b_);
    QCOMPARE(train.pointCount(b_.id), 40);
    QCOMPARE(accuracy.pointCount(b_.id), 4);
    QCOMPARE(graphNamed(&accuracy, b_.name)->pen().color().rgb(), runColor(1).rgb());

    // Appended points are appended (an evaluation to the accuracy chart only).
    StepPoint p = a_.steps.back();
    p.step += 10;
    p.loss = 0.123;
    store.appendStep(a_.id, p);
    QCOMPARE(train.pointCount(a_.id), 51);
    QCOMPARE(graphNamed(&train, a_.name + QStringLiteral(" (raw)"))->data()->at(50)->value, 0.123);
    QCOMPARE(accuracy.pointCount(a_.id), 5);
    EvalPoint e = a_.evals.front();
    e.step = p.step;
    e.accuracy = 0.99;
    store.appendEval(a_.id, e);
    QCOMPARE(accuracy.pointCount(a_.id), 6);
    QCOMPARE(graphNamed(&accuracy, a_.name)->data()->at(5)->value, 0.99);
    QCOMPARE(train.pointCount(a_.id), 51);

    // A run replaced by add() is redrawn from its own points, even when it has more than
    // were shown, and renamed in the legend.
    RunRecord replaced = fakeRun(a_.id, QStringLiteral("Fastformer · reloaded"), 60, 0.5);
    for (StepPoint& s : replaced.steps) s.step += 1000;
    store.add(replaced);
    QCOMPARE(train.pointCount(a_.id), 60);
    QCOMPARE(graphNamed(&train, replaced.name)->data()->at(0)->key, 1010.0);
    QVERIFY(graphNamed(&train, a_.name) == nullptr);
    QCOMPARE(accuracy.pointCount(a_.id), 6);
    RunRecord shorter = replaced;
    shorter.steps.resize(30);
    shorter.steps[29].step = 12345;
    store.add(shorter);
    QCOMPARE(train.pointCount(a_.id), 30);
    QCOMPARE(graphNamed(&train, shorter.name)->data()->at(29)->key, 12345.0);

    // A store that goes away leaves empty charts, not dangling ones.
    auto temporary = storeOf({a_});
    train.setStore(temporary.get());
    QCOMPARE(train.pointCount(a_.id), 50);
    temporary.reset();
    QCOMPARE(train.plot()->graphCount(), 0);
    QCOMPARE(train.pointCount(a_.id), 0);
  }

  void exportWritesEachFormat_data() {
    QTest::addColumn<QString>("ext");
    QTest::addColumn<QByteArray>("magic");
    QTest::newRow("png") << "png" << QByteArray("\x89PNG\r\n\x1a\n", 8);
    QTest::newRow("svg") << "svg" << QByteArray("<svg");
    QTest::newRow("pdf") << "pdf" << QByteArray("%PDF");
    QTest::newRow("csv") << "csv" << QByteArray("series,x,y\n");
  }

  void exportWritesEachFormat() {
    QFETCH(QString, ext);
    QFETCH(QByteArray, magic);
    QTemporaryDir dir;
    MetricChart chart(Metric::valid_loss);
    chart.resize(640, 400);
    const auto store = storeOf({a_, b_});
    chart.setStore(store.get());
    const QString path = dir.filePath(QStringLiteral("chart.") + ext);
    chart.exportTo(path);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.size() > 100);
    if (ext == QLatin1String("svg"))
      QVERIFY(bytes.startsWith("<?xml") && bytes.left(400).contains(magic));
    else
      QVERIFY(bytes.startsWith(magic));
    if (ext == QLatin1String("csv")) {
      const QList<QByteArray> lines = bytes.trimmed().split('\n');
      QCOMPARE(lines.size(), 1 + 5 + 4);  // header + every validation point
      QVERIFY(lines[1].startsWith("Fastformer · spam,100,"));
      QVERIFY(lines[6].startsWith("\"Softmax, baseline\",100,"));  // a comma in a name is quoted
    }
    // The same format where it cannot be written names the path.
    const QString bad = dir.filePath(QStringLiteral("missing/chart.") + ext);
    try {
      chart.exportTo(bad);
      QFAIL("no error for a missing folder");
    } catch (const fastformer::Error& e) {
      QCOMPARE(QString::fromStdString(e.where()), bad);
    }
  }

  void exportRejectsUnknownFormat() {
    QTemporaryDir dir;
    MetricChart chart(Metric::train_loss);
    const auto store = storeOf({a_});
    chart.setStore(store.get());
    QVERIFY_THROWS_EXCEPTION(fastformer::Error, chart.exportTo(dir.filePath(QStringLiteral("chart.bmp"))));
    QVERIFY_THROWS_EXCEPTION(fastformer::Error, chart.exportTo(dir.filePath(QStringLiteral("chart"))));
    QVERIFY(QDir(dir.path()).isEmpty());
  }

  void heatmapShowsCountsPerCell() {
    ConfusionHeatmap map;
    map.setMatrix({QStringLiteral("ham"), QStringLiteral("spam")}, {{40, 3}, {5, 52}});
    auto* colors = qobject_cast<QCPColorMap*>(map.plot()->plottable(0));
    QVERIFY(colors && colors->visible());
    QCOMPARE(colors->data()->keySize(), 2);
    QCOMPARE(colors->data()->valueSize(), 2);
    QCOMPARE(colors->data()->cell(0, 0), 40.0);  // (predicted, true)
    QCOMPARE(colors->data()->cell(1, 0), 3.0);
    QCOMPARE(colors->data()->cell(0, 1), 5.0);
    QCOMPARE(colors->data()->cell(1, 1), 52.0);
    QCOMPARE(map.plot()->itemCount(), 4);
    QMap<QString, QColor> textColor;
    for (int i = 0; i < map.plot()->itemCount(); ++i) {
      auto* text = qobject_cast<QCPItemText*>(map.plot()->item(i));
      QVERIFY(text);
      textColor[text->text()] = text->color();
    }
    QCOMPARE(textColor.keys(), (QList<QString>{"3", "40", "5", "52"}));
    QCOMPARE(textColor["52"], QColor(Qt::white));  // the darkest cell
    QVERIFY(textColor["3"].lightness() < 100);    // a light cell
    QCOMPARE(map.plot()->xAxis->label(), QStringLiteral("predicted"));
    QCOMPARE(map.plot()->yAxis->label(), QStringLiteral("true"));
    const auto ticks = map.plot()->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
    QVERIFY(ticks);
    QCOMPARE(ticks->ticks().value(1.0), QStringLiteral("spam"));

    map.setMatrix({}, {});
    QCOMPARE(map.plot()->itemCount(), 1);
    QCOMPARE(qobject_cast<QCPItemText*>(map.plot()->item(0))->text(), QStringLiteral("no evaluation yet"));
    QVERIFY(!colors->visible());
  }

  void heatmapSlantsLabelsThatDoNotFitTheirCells() {
    const QStringList labels{"alpha", "beta", "gamma", "delta"};
    const std::vector<std::vector<std::int64_t>> counts(4, std::vector<std::int64_t>(4, 1));
    ConfusionHeatmap map;
    map.setMatrix(labels, counts);
    map.resize(900, 400);  // cells ~200 px wide: the words fit upright
    map.show();
    QVERIFY(QTest::qWaitForWindowExposed(&map));
    map.plot()->replot();
    map.plot()->replot();  // the second replot sees the laid-out axis rect
    QCOMPARE(map.plot()->xAxis->tickLabelRotation(), 0.0);
    map.resize(240, 200);  // cells ~40 px wide, as in the Train workspace's corner
    QTest::qWait(20);
    map.plot()->replot();
    map.plot()->replot();
    QVERIFY(map.plot()->axisRect()->width() / 4 < QFontMetrics(map.plot()->xAxis->tickLabelFont()).horizontalAdvance("gamma") + 6);
    QVERIFY(map.plot()->xAxis->tickLabelRotation() != 0.0);
  }

  void histogramCountsEqualWidthBins() {
    BarChart chart(QStringLiteral("Lengths"), QStringLiteral("no lengths yet"));
    chart.setHistogram({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, QStringLiteral("tokens"));
    auto* bars = qobject_cast<QCPBars*>(chart.plot()->plottable(0));
    QVERIFY(bars);
    QCOMPARE(chart.plot()->plottableCount(), 1);
    QCOMPARE(bars->width(), 2.0);  // touching: one bin wide
    const QVector<double> keys{1, 3, 5, 7, 9}, counts{2, 2, 2, 2, 3};  // the maximum falls in the last bin
    QCOMPARE(bars->data()->size(), 5);
    for (int b = 0; b < 5; ++b) {
      QCOMPARE(bars->data()->at(b)->key, keys[b]);
      QCOMPARE(bars->data()->at(b)->value, counts[b]);
    }
    QCOMPARE(chart.plot()->xAxis->label(), QStringLiteral("tokens"));

    chart.setCategories({QStringLiteral("ham"), QStringLiteral("spam")}, {120, 30}, QStringLiteral("examples"));
    QCOMPARE(chart.plot()->plottableCount(), 1);
    bars = qobject_cast<QCPBars*>(chart.plot()->plottable(0));
    QCOMPARE(bars->data()->size(), 2);
    QCOMPARE(bars->data()->at(1)->value, 30.0);
    QCOMPARE(chart.plot()->xAxis->ticker().dynamicCast<QCPAxisTickerText>()->ticks().value(1.0), QStringLiteral("ham"));
  }

  // Renders the widgets at a realistic size (kept in the temp folder for a look by eye).
  void rendersAtWindowSize() {
    MetricsDashboard dashboard;
    dashboard.resize(1200, 700);
    const auto store = storeOf({a_, b_});
    dashboard.setStore(store.get());
    dashboard.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dashboard));
    QTest::qWait(100);  // throttled replots
    const QImage image = dashboard.grab().toImage();
    QCOMPARE(image.size(), QSize(1200, 700));
    QVERIFY(image.save(QDir::temp().filePath(QStringLiteral("dashboard.png"))));
    for (MetricChart* chart : dashboard.charts()) {
      QVERIFY(chart->width() >= chart->minimumWidth());
      const QCPRange x = chart->plot()->xAxis->range();
      QVERIFY(x.lower <= 100 && x.upper >= 500);  // fitted to both runs (evaluations start at 100)
    }
    dashboard.setXAxis(XAxis::tokens);
    dashboard.findChild<QCheckBox*>()->setChecked(true);
    QTest::qWait(100);
    QVERIFY(dashboard.grab().toImage().save(QDir::temp().filePath(QStringLiteral("dashboard_tokens_log.png"))));
    QVERIFY(dashboard.chart(Metric::train_loss)->plot()->xAxis->range().upper >= a_.steps.back().tokens_seen);

    QWidget side;
    side.resize(420, 760);
    auto* map = new ConfusionHeatmap(&side);
    map->setGeometry(0, 0, 420, 380);
    map->setMatrix({QStringLiteral("ham"), QStringLiteral("spam"), QStringLiteral("phishing")},
                   {{410, 12, 3}, {20, 380, 14}, {2, 30, 129}});
    auto* bars = new BarChart(QStringLiteral("Label balance"), QStringLiteral("no dataset yet"), &side);
    bars->setGeometry(0, 380, 420, 380);
    bars->setCategories({QStringLiteral("ham"), QStringLiteral("spam"), QStringLiteral("phishing")}, {2400, 1200, 310},
                        QStringLiteral("examples"));
    side.show();
    QVERIFY(QTest::qWaitForWindowExposed(&side));
    QTest::qWait(50);
    QVERIFY(side.grab().toImage().save(QDir::temp().filePath(QStringLiteral("charts_side.png"))));
  }
};

FF_UI_TEST(ChartsTest);

#include "test_charts.moc"
