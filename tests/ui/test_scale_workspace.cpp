// The Scale workspace: the form builds the BenchConfig the CLI builds from the same options
// (through JSON and through `fastformer bench sweep --json`), a tiny real sweep draws both
// kinds with the least-squares slope in the legend, oom and timeout points are marked and
// the sweep goes on, Stop ends a sweep at once keeping its points, saved sweeps reopen with
// the same points, and a garbage file is a message.
#include "fastformer/bench.h"
#include "fastformer/error.h"
#include "scale/scale_charts.h"
#include "scale/scale_plot.h"
#include "scale/scale_workspace.h"
#include "scale/sweep_form.h"
#include "scale/sweep_list.h"
#include "scale_test_helpers.h"
#include "ui_test_registry.h"

#include <nlohmann/json.hpp>
#include "common/custom_plot.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <cmath>
#include <map>

using namespace fastformer;
using namespace fastformer::ui;
using fastformer::ui::testing::cliBinary;
using fastformer::ui::testing::setLengths;

namespace {

QCPGraph* graphNamed(QCustomPlot* plot, const QString& name) {
  for (int g = 0; g < plot->graphCount(); ++g)
    if (plot->graph(g)->name() == name) return plot->graph(g);
  return nullptr;
}

QCPGraph* graphStarting(QCustomPlot* plot, const QString& prefix) {
  for (int g = 0; g < plot->graphCount(); ++g)
    if (plot->graph(g)->name().startsWith(prefix)) return plot->graph(g);
  return nullptr;
}

std::map<double, double> dataOf(const QCPGraph* graph) {
  std::map<double, double> out;
  for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) out[it->key] = it->value;
  return out;
}

bool hasText(QCustomPlot* plot, const QString& part) {
  for (int i = 0; i < plot->itemCount(); ++i)
    if (auto* text = qobject_cast<QCPItemText*>(plot->item(i)); text && text->text().contains(part)) return true;
  return false;
}

// The least-squares slope of log(ms per sequence) on log(N) over n >= from, written out.
double ownSlope(const std::vector<BenchPoint>& points, const std::string& kind, double from) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0, k = 0;
  for (const auto& p : points) {
    if (to_string(p.kind) != kind || p.status != "ok" || static_cast<double>(p.n) < from) continue;
    const double x = std::log(static_cast<double>(p.n)), y = std::log(p.median_ms / static_cast<double>(p.batch));
    sx += x, sy += y, sxx += x * x, sxy += x * y, k += 1;
  }
  return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

// A runner that measures nothing: additive takes 0.02·N^1.02 ms and 2 KiB per token, linear
// 0.03·N^1.01 ms and 3 KiB per token, softmax 0.0005·N^1.97 ms and 4 KiB per token (tiled),
// softmax-materialized 0.0006·N^1.98 ms and 16·N² bytes; `status` overrides chosen points.
SweepRunnerFactory fakeRunner(std::map<std::pair<std::string, std::int64_t>, std::string> status = {}) {
  return [status](const SweepRunContext&) -> BenchRunner {
    return [status](const BenchConfig& b, BenchKind kind, std::int64_t n) {
      BenchPoint p = bench_point_header(b, kind, n);
      const auto found = status.find({to_string(p.kind), n});
      p.status = found == status.end() ? "ok" : found->second;
      if (p.status != "ok") return p;
      const double N = static_cast<double>(n);
      const double ms[] = {0.02 * std::pow(N, 1.02), 0.03 * std::pow(N, 1.01), 5e-4 * std::pow(N, 1.97),
                           6e-4 * std::pow(N, 1.98)};
      const double bytes[] = {2048 * N, 3072 * N, 4096 * N, 16 * N * N};
      p.runs = 1;
      p.median_ms = p.min_ms = p.p10_ms = p.p90_ms = ms[static_cast<int>(kind)] * static_cast<double>(p.batch);
      p.tokens_per_s = N * static_cast<double>(p.batch) / (p.median_ms / 1e3);
      p.peak_bytes = static_cast<std::int64_t>(bytes[static_cast<int>(kind)]);
      p.memory_method = kMemoryChildRss;
      return p;
    };
  };
}

}  // namespace

class ScaleWorkspaceTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  // Starts a sweep and waits for its end.
  static bool runSweep(ScaleWorkspace& ws, int timeoutMs = 60000) {
    QSignalSpy finished(&ws, &ScaleWorkspace::sweepFinished);
    ws.startButton()->click();
    return ws.isRunning() && finished.wait(timeoutMs);
  }

 private Q_SLOTS:
  void tinyRealSweepDrawsBothKindsWithTheirSlopes() {
    if (!QFileInfo(cliBinary()).isExecutable()) QSKIP("the fastformer program is not built");
    ScaleWorkspace ws;
    ws.setCliExecutable(cliBinary());
    SweepForm* form = ws.form();
    form->scope()->setCurrentIndex(form->scope()->findData("layer"));
    form->hidden()->setValue(32);
    form->heads()->setValue(2);
    setLengths(form, 16, 64);
    form->warmup()->setValue(1);
    form->repeats()->setValue(1);
    QSignalSpy measured(&ws, &ScaleWorkspace::pointMeasured);
    QVERIFY(runSweep(ws));
    QCOMPARE(measured.count(), 12);
    const std::vector<BenchPoint> points = ws.lastSweep();
    QCOMPARE(points.size(), std::size_t{12});  // four kinds × three lengths
    for (const auto& p : points) {
      QCOMPARE(QString::fromStdString(p.status), QString("ok"));
      QCOMPARE(QString::fromStdString(p.memory_method), QString(kMemoryChildRss));  // a child per point
    }
    ws.charts()->redrawNow();
    QCustomPlot* time = ws.charts()->timePlot();
    for (const std::string kind : {"additive", "linear", "softmax", "softmax-materialized"}) {
      // The CLI's fit range: the upper half of the lengths 16, 32, 64, i.e. N >= 32.
      const double slope = ownSlope(points, kind, 32);
      const QString label = QString("%1: N^%2").arg(QString::fromStdString(kind)).arg(slope, 0, 'f', 2);
      QCPGraph* graph = graphNamed(time, label);
      QVERIFY2(graph != nullptr, qPrintable("no graph named " + label));
      const auto data = dataOf(graph);
      QCOMPARE(data.size(), std::size_t{3});
      for (const auto& p : points)
        if (to_string(p.kind) == kind) QCOMPARE(data.at(static_cast<double>(p.n)), p.median_ms / static_cast<double>(p.batch));
    }
    QVERIFY(graphNamed(time, "∝ N (reference)") && graphNamed(time, "∝ N² (reference)"));
    QVERIFY(graphStarting(ws.charts()->throughputPlot(), "softmax") != nullptr);
    QVERIFY(!ws.isRunning());
    ws.resize(1500, 950);
    ws.show();
    QTest::qWait(50);
    QVERIFY(ws.grab().save(QDir::temp().filePath("scale-workspace-real.png")));
    QVERIFY(ws.startButton()->isEnabled());
  }

  void slopeAndCrossoverFollowTheMeasuredPoints() {
    ScaleWorkspace ws;
    ws.setRunner(fakeRunner());
    setLengths(ws.form(), 16, 256);
    QVERIFY(runSweep(ws));
    ws.charts()->redrawNow();
    const auto points = ws.lastSweep();
    QCOMPARE(points.size(), std::size_t{20});
    // Five lengths: the fit runs over 64, 128 and 256, as `fastformer bench sweep` fits.
    const double slope = ownSlope(points, "softmax", 64);
    QVERIFY(std::abs(slope - 1.97) < 1e-9);
    QVERIFY(graphNamed(ws.charts()->timePlot(), QString("softmax: N^%1").arg(slope, 0, 'f', 2)) != nullptr);
    QVERIFY(plotNote(*ws.charts()->timePlot()).contains("over N = 64…256"));
    // additive 0.02·N^1.02 against softmax 0.0005·N^1.97: cheaper from N = 64 on.
    QVERIFY(ws.charts()->timeFacts().crossover.has_value());
    QCOMPARE(*ws.charts()->timeFacts().crossover, 64.0);
    QVERIFY(hasText(ws.charts()->timePlot(), "additive faster from N = 64"));
    // Counted work: the same chart on FLOPs, their own slopes.
    ws.charts()->setValue(ScaleValue::flops);
    ws.charts()->redrawNow();
    QCPGraph* flops = graphStarting(ws.charts()->timePlot(), "softmax: N^");
    QVERIFY(flops != nullptr);
    QCOMPARE(dataOf(flops).at(256.0), points.back().flops / static_cast<double>(points.back().batch));
    // Memory 16·N²: the forecast reaches 1 GiB where 16·N² = 2^30, N = 8192.
    ws.charts()->setAvailableMemory(double(1 << 30));
    ws.charts()->redrawNow();
    const auto& forecast = ws.charts()->memoryForecast();
    QVERIFY(forecast.has_value());
    QVERIFY(std::abs(forecast->limitN - 8192) < 1);
    // The forecast is the materialised softmax's: the tiled one's memory grows as N.
    QCOMPARE(forecast->kind, BenchKind::softmax_materialized);
    QVERIFY(graphNamed(ws.charts()->memoryPlot(), "softmax: N^1.00") != nullptr);
    QVERIFY2(plotNote(*ws.charts()->memoryPlot())
                 .startsWith("softmax-materialized would need 1 GiB, all that is available, at N ≈ 8,192"),
             qPrintable(plotNote(*ws.charts()->memoryPlot())));
  }

  void oomAndTimeoutPointsAreMarkedAndTheSweepGoesOn() {
    ScaleWorkspace ws;
    ws.setRunner(fakeRunner({{{"softmax", 64}, "oom"}, {{"additive", 32}, "timeout"}}));
    setLengths(ws.form(), 16, 128);
    QVERIFY(runSweep(ws));
    ws.charts()->redrawNow();
    const auto points = ws.lastSweep();
    QCOMPARE(points.size(), std::size_t{16});  // nothing stopped at the failures
    QCOMPARE(QString::fromStdString(points.back().status), QString("ok"));
    for (QCustomPlot* plot : {ws.charts()->timePlot(), ws.charts()->memoryPlot(), ws.charts()->throughputPlot()}) {
      QCPGraph* oom = graphNamed(plot, "OOM");
      QCPGraph* timeout = graphNamed(plot, "timeout");
      QVERIFY(oom && timeout);
      QCOMPARE(dataOf(oom).size(), std::size_t{1});
      QVERIFY(dataOf(oom).count(64.0) == 1);
      QVERIFY(dataOf(timeout).count(32.0) == 1);
      // The markers sit inside the log axis, above every measured point; nothing is <= 0.
      const QCPRange y = plot->yAxis->range();
      QVERIFY(dataOf(oom).at(64.0) < y.upper && dataOf(oom).at(64.0) > y.lower);
      for (int g = 0; g < plot->graphCount(); ++g)
        for (const auto& [n, v] : dataOf(plot->graph(g))) QVERIFY(n > 0 && v > 0);
    }
    // The failed points have no measured series entry.
    const auto additive = dataOf(graphStarting(ws.charts()->timePlot(), "additive"));
    QVERIFY(additive.count(32.0) == 0 && additive.count(64.0) == 1);
  }

  void stopEndsTheSweepAtOnceAndKeepsItsPoints() {
    ScaleWorkspace ws;
    // The first two points are quick; the third waits for Stop as a child being killed would.
    std::atomic<int> calls{0};
    ws.setRunner([&calls](const SweepRunContext& context) -> BenchRunner {
      return [&calls, cancel = context.cancel](const BenchConfig& b, BenchKind kind, std::int64_t n) {
        BenchPoint p = bench_point_header(b, kind, n);
        p.status = "ok";
        p.median_ms = 1.0 + static_cast<double>(n) / 100;
        if (++calls > 2) {
          QElapsedTimer waited;
          waited.start();
          while (!cancel->load() && waited.elapsed() < 20000) QThread::msleep(5);
          p.status = cancel->load() ? "cancelled" : "ok";
        }
        return p;
      };
    });
    setLengths(ws.form(), 16, 1024);
    QSignalSpy finished(&ws, &ScaleWorkspace::sweepFinished);
    ws.startButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(ws.lastSweep().size(), std::size_t{2}, 10000);
    QTRY_VERIFY(calls.load() == 3);
    QVERIFY(ws.stopButton()->isEnabled());
    QElapsedTimer clock;
    clock.start();
    ws.stopButton()->click();
    QVERIFY(finished.wait(5000));
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QString("Stop took %1 ms").arg(clock.elapsed())));
    QCOMPARE(ws.lastSweep().size(), std::size_t{2});
    QCOMPARE(calls.load(), 3);  // nothing started after Stop
    QVERIFY(!ws.isRunning());
    QVERIFY(ws.startButton()->isEnabled());
    QVERIFY(ws.statusLabel()->text().startsWith("Stopped after 2 points"));
  }

  void stopKillsTheRunningChildProcess() {
    // A stand-in for `fastformer` that never answers: only the kill ends its point.
    const QString slow = dir_.filePath("slow-fastformer");
    QFile script(slow);
    QVERIFY(script.open(QIODevice::WriteOnly));
    script.write("#!/bin/sh\nexec sleep 60\n");
    script.close();
    script.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    ScaleWorkspace ws;
    ws.setCliExecutable(slow);
    setLengths(ws.form(), 16, 32);
    QSignalSpy finished(&ws, &ScaleWorkspace::sweepFinished);
    ws.startButton()->click();
    QTest::qWait(300);
    QElapsedTimer clock;
    clock.start();
    ws.stopSweep();
    QVERIFY(finished.wait(5000));
    QVERIFY(clock.elapsed() < 1000);
    QVERIFY(ws.lastSweep().empty());
    QCOMPARE(ws.sweepList()->list()->count(), 0);  // a sweep without points is not kept
  }

  void savedSweepsReopenAndOverlay() {
    ScaleWorkspace ws;
    ws.setRunner(fakeRunner({{{"softmax", 128}, "oom"}}));
    setLengths(ws.form(), 16, 128);
    QVERIFY(runSweep(ws));
    const auto points = ws.lastSweep();
    const QString json = dir_.filePath("saved.json"), csv = dir_.filePath("saved.csv");
    QString error;
    QVERIFY2(ws.saveSweep(json, &error), qPrintable(error));
    QVERIFY2(ws.saveSweep(csv, &error), qPrintable(error));
    for (const QString& path : {json, csv}) QVERIFY2(ws.openSweep(path, &error), qPrintable(error));
    QCOMPARE(ws.sweeps().size(), std::size_t{3});
    for (std::size_t i = 1; i < 3; ++i) {
      const SweepRecord& back = ws.sweeps()[i];
      QVERIFY(!back.live);
      QCOMPARE(back.points.size(), points.size());
      // JSON keeps every digit; CSV writes 9 significant digits.
      const double tolerance = i == 1 ? 0.0 : 1e-8;
      for (std::size_t k = 0; k < points.size(); ++k) {
        QVERIFY(back.points[k].kind == points[k].kind);
        QCOMPARE(back.points[k].n, points[k].n);
        QCOMPARE(back.points[k].status, points[k].status);
        QVERIFY(std::abs(back.points[k].median_ms - points[k].median_ms) <= tolerance * points[k].median_ms);
        QCOMPARE(back.points[k].peak_bytes, points[k].peak_bytes);
      }
    }
    QVERIFY(ws.sweeps()[1].config.has_value());  // JSON keeps the settings, CSV cannot
    QCOMPARE(to_json(*ws.sweeps()[1].config), to_json(ws.form()->config()));
    QVERIFY(!ws.sweeps()[2].config.has_value());
    QCOMPARE(ws.lastSweep().size(), points.size());  // opening files leaves the last sweep alone

    // Three sweeps overlaid: each kind of each has its own graph, named with its sweep.
    ws.charts()->redrawNow();
    QCustomPlot* time = ws.charts()->timePlot();
    QVERIFY(graphStarting(time, "additive (saved.json") && graphStarting(time, "softmax (saved.csv"));
    QCOMPARE(ws.sweepList()->list()->count(), 3);
    ws.sweepList()->list()->item(0)->setCheckState(Qt::Unchecked);  // hide this session's sweep
    ws.charts()->redrawNow();
    QVERIFY(!graphStarting(time, "additive (this machine"));
    ws.removeSweep(2);
    ws.charts()->redrawNow();
    QCOMPARE(ws.sweepList()->list()->count(), 2);
    QVERIFY(graphStarting(time, "additive: N^"));  // one sweep shown: plain names again
  }

  void aGarbageFileIsAMessage() {
    ScaleWorkspace ws;
    const QString garbage = dir_.filePath("garbage.csv");
    QFile file(garbage);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("\x01\x02 this is not, a sweep\n{{{\n");
    file.close();
    const QString noPoints = dir_.filePath("empty.json");
    QFile empty(noPoints);
    QVERIFY(empty.open(QIODevice::WriteOnly));
    empty.write("{\"config\": {}, \"points\": []}");
    empty.close();
    for (const QString& path : {garbage, noPoints, dir_.filePath("missing.json")}) {
      QString error;
      QVERIFY(!ws.openSweep(path, &error));
      QVERIFY2(error.contains(QFileInfo(path).fileName()), qPrintable(error));
      QVERIFY(!ws.messageLabel()->isHidden());
      QCOMPARE(ws.messageLabel()->text(), error);
    }
    QVERIFY(ws.sweeps().empty());
  }

  // Renders the workspace after a sweep with failures and overlays, for a look by eye.
  void rendersTheWorkspace() {
    ScaleWorkspace ws;
    ws.setRunner(fakeRunner({{{"softmax", 16384}, "oom"}}));
    setLengths(ws.form(), 128, 16384);
    QVERIFY(runSweep(ws));
    ws.charts()->setAvailableMemory(16.0 * (1 << 30));
    ws.resize(1500, 950);
    ws.show();
    ws.charts()->redrawNow();
    QTest::qWait(100);
    const QImage image = ws.grab().toImage();
    QVERIFY(!image.isNull());
    QVERIFY(image.save(QDir::temp().filePath("scale-workspace.png")));
  }
};

FF_UI_TEST(ScaleWorkspaceTest);

#include "test_scale_workspace.moc"
