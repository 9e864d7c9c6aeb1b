// TrainingWorker: tiny synthetic trainings on the worker thread — signal order and
// content, checkpoints on disk, stop, pause/resume, failures as signals, destruction
// mid-run — and RunStore::loadRun reproducing what the signals reported.
#include "train/run_store.h"
#include "train/training_worker.h"
#include "train_test_helpers.h"
#include "ui_test_registry.h"

#include "fastformer/error.h"

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace fastformer::ui::testing {
namespace {

constexpr int kTimeoutMs = 120000;  // generous: a loaded 2-core machine

const QString kSynthetic = QStringLiteral("synthetic:majority?length=16&examples=200&seed=1");
const QString kLongSynthetic = QStringLiteral("synthetic:majority?length=16&examples=400&seed=2");

// A run that would take minutes: only stop() ends it.
TrainRequest longRequest(const QString& directory) {
  return tinyTrainRequest(kLongSynthetic, directory, 1000, 100000, 0);
}

bool hasCheckpoint(const QString& dir) {
  return QFileInfo(dir + "/config.json").isFile() && QFileInfo(dir + "/model.safetensors").isFile();
}

}  // namespace

class TrainingWorkerTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void shortRunReportsAndWritesCheckpoints() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dir = tmp.filePath("run");
    TrainingWorker worker;
    RunStore store;  // wired as the main window does
    QStringList order;
    connect(&worker, &TrainingWorker::started, &store, [&](const RunRecord& r) { store.add(r); order << "started"; });
    connect(&worker, &TrainingWorker::stepReported, &store, [&](const QString& id, const StepPoint& p) {
      store.appendStep(id, p);
      if (order.isEmpty() || order.back() != "step") order << "step";
    });
    connect(&worker, &TrainingWorker::evalReported, &store, &RunStore::appendEval);
    connect(&worker, &TrainingWorker::finished, &store, [&](const QString& id, RunStatus s, const QString& m) {
      store.setStatus(id, s, m);
      order << "finished";
    });
    QSignalSpy started(&worker, &TrainingWorker::started);
    QSignalSpy steps(&worker, &TrainingWorker::stepReported);
    QSignalSpy evals(&worker, &TrainingWorker::evalReported);
    QSignalSpy messages(&worker, &TrainingWorker::message);
    QSignalSpy finished(&worker, &TrainingWorker::finished);

    // 160 training examples / 16 = 10 steps an epoch; 2 epochs; valid every 5 steps.
    QVERIFY(worker.start(tinyTrainRequest(kSynthetic, dir, 2, 0, 5), "run-1"));
    QVERIFY(worker.isRunning());
    QCOMPARE(worker.currentRunId(), QString("run-1"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    QVERIFY(!worker.isRunning());
    QCOMPARE(finished[0][0].toString(), QString("run-1"));
    QCOMPARE(toString(finished[0][1].value<RunStatus>()), QString("finished"));
    QVERIFY2(finished[0][2].toString().contains("finished 20 steps"), qPrintable(finished[0][2].toString()));
    QCOMPARE(order, QStringList({"started", "step", "finished"}));  // eval signals not logged here

    QCOMPARE(started.count(), 1);
    const auto record = started[0][0].value<RunRecord>();
    QCOMPARE(record.id, QString("run-1"));
    QCOMPARE(record.name, QString("tiny"));
    QCOMPARE(record.directory, dir);
    QCOMPARE(record.data, kSynthetic);
    QCOMPARE(toString(record.status), QString("running"));
    QCOMPARE(record.labels.size(), 2);
    QCOMPARE(record.total_steps, std::int64_t{20});
    QVERIFY(record.parameters > 0);
    QCOMPARE(record.model.hidden, std::int64_t{16});
    QCOMPARE(record.model.classes, std::int64_t{2});
    QCOMPARE(record.train.eval_every, std::int64_t{5});

    QCOMPARE(steps.count(), 20);
    double lastTokens = 0, lastWall = 0;
    for (int i = 0; i < steps.count(); ++i) {
      QCOMPARE(steps[i][0].toString(), QString("run-1"));
      const auto p = steps[i][1].value<StepPoint>();
      QCOMPARE(p.step, std::int64_t{i + 1});
      QVERIFY(p.tokens_seen > lastTokens);  // 16 examples × 17 tokens each step
      QVERIFY(p.wall_s >= lastWall);
      QVERIFY(p.loss > 0 && p.lr > 0 && p.tokens_per_s > 0);
      lastTokens = p.tokens_seen;
      lastWall = p.wall_s;
    }

    // Valid at 5, 10, 15, 20 (the epoch ends coincide), then test on the best checkpoint.
    QStringList splits;
    for (const auto& args : evals) {
      const auto e = args[1].value<EvalPoint>();
      splits << e.split;
      QCOMPARE(e.confusion.size(), std::size_t{2});
      std::int64_t total = 0;
      for (const auto& row : e.confusion) {
        QCOMPARE(row.size(), std::size_t{2});
        for (auto v : row) total += v;
      }
      QCOMPARE(total, std::int64_t{20});  // 10% of 200 in each of valid and test
      QVERIFY(e.accuracy >= 0 && e.accuracy <= 1);
      QVERIFY(e.wall_s > 0 && e.tokens_seen > 0);
    }
    QCOMPARE(splits, QStringList({"valid", "valid", "valid", "valid", "test"}));
    QCOMPARE(evals[0][1].value<EvalPoint>().step, std::int64_t{5});
    QVERIFY(!messages.isEmpty());

    QVERIFY(hasCheckpoint(dir + "/best"));
    QVERIFY(hasCheckpoint(dir + "/last"));
    QVERIFY(QFileInfo(dir + "/metrics.jsonl").isFile());

    // The live store saw what the signals carried.
    const RunRecord* live = store.find("run-1");
    QVERIFY(live != nullptr);
    QCOMPARE(live->steps.size(), std::size_t(steps.count()));
    QCOMPARE(live->evals.size(), std::size_t(evals.count()));
    QCOMPARE(toString(live->status), QString("finished"));
    QCOMPARE(store.data(store.index(0), Qt::DisplayRole).toString(), QString("tiny — finished"));

    // And the directory reproduces it.
    const RunRecord loaded = RunStore::loadRun(dir);
    QCOMPARE(toString(loaded.status), QString("loaded"));
    QCOMPARE(loaded.labels, record.labels);
    QCOMPARE(QString::fromStdString(to_json(loaded.model).dump()), QString::fromStdString(to_json(record.model).dump()));
    QCOMPARE(QString::fromStdString(to_json(loaded.train).dump()), QString::fromStdString(to_json(record.train).dump()));
    QCOMPARE(loaded.data, kSynthetic);
    QCOMPARE(loaded.parameters, record.parameters);
    QCOMPARE(loaded.steps.size(), std::size_t(steps.count()));
    QCOMPARE(loaded.evals.size(), std::size_t(evals.count()));
    for (std::size_t i = 0; i < loaded.steps.size(); ++i) {
      const auto p = steps[int(i)][1].value<StepPoint>();
      QCOMPARE(loaded.steps[i].step, p.step);
      QCOMPARE(loaded.steps[i].loss, p.loss);
      QCOMPARE(loaded.steps[i].wall_s, p.wall_s);
      QCOMPARE(loaded.steps[i].tokens_seen, p.tokens_seen);
    }
    for (std::size_t i = 0; i < loaded.evals.size(); ++i) {
      const auto e = evals[int(i)][1].value<EvalPoint>();
      QCOMPARE(loaded.evals[i].split, e.split);
      QCOMPARE(loaded.evals[i].step, e.step);
      QCOMPARE(loaded.evals[i].accuracy, e.accuracy);
      QCOMPARE(loaded.evals[i].confusion, e.confusion);
    }
    QCOMPARE(bestValid(loaded)->step, bestValid(*live)->step);
  }

  void stopEndsSoonAndTheWorkerStartsAgain() {
    QTemporaryDir tmp;
    TrainingWorker worker;
    QSignalSpy steps(&worker, &TrainingWorker::stepReported);
    QSignalSpy finished(&worker, &TrainingWorker::finished);
    QVERIFY(worker.start(longRequest(tmp.filePath("long")), "long"));
    QVERIFY(steps.wait(kTimeoutMs));

    // One run at a time: a second start is refused with a failed finish of its own.
    QVERIFY(!worker.start(tinyTrainRequest(kSynthetic, tmp.filePath("other"), 1, 2, 0), "other"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    QCOMPARE(finished[0][0].toString(), QString("other"));
    QCOMPARE(toString(finished[0][1].value<RunStatus>()), QString("failed"));
    QVERIFY(worker.isRunning());

    QElapsedTimer timer;
    timer.start();
    worker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kTimeoutMs);
    QVERIFY2(timer.elapsed() < 30000, "stop took too long");
    QCOMPARE(finished[1][0].toString(), QString("long"));
    QCOMPARE(toString(finished[1][1].value<RunStatus>()), QString("stopped"));
    QVERIFY(finished[1][2].toString().contains("stopped"));
    QVERIFY(steps.last()[1].value<StepPoint>().step < 100000);
    QVERIFY(hasCheckpoint(tmp.filePath("long/last")));
    QVERIFY(QFileInfo(tmp.filePath("long/last/train_state.json")).isFile());
    QVERIFY(!worker.isRunning());

    QVERIFY(worker.start(tinyTrainRequest(kSynthetic, tmp.filePath("again"), 1, 3, 0), "again"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, kTimeoutMs);
    QCOMPARE(finished[2][0].toString(), QString("again"));
    QCOMPARE(toString(finished[2][1].value<RunStatus>()), QString("finished"));
    QCOMPARE(steps.last()[1].value<StepPoint>().step, std::int64_t{3});
  }

  void pauseHoldsStepsUntilResume() {
    QTemporaryDir tmp;
    TrainingWorker worker;
    QSignalSpy steps(&worker, &TrainingWorker::stepReported);
    QSignalSpy finished(&worker, &TrainingWorker::finished);
    QVERIFY(worker.start(longRequest(tmp.filePath("run")), "paused"));
    QVERIFY(steps.wait(kTimeoutMs));
    worker.pause();
    QVERIFY(worker.isPaused());
    // Reports already posted and the step in flight when pause() came still arrive
    // (the thread blocks right after reporting a step); then nothing.
    int drained = 0;
    while (steps.wait(1000)) QVERIFY(++drained <= 2);
    const int held = steps.count();
    QVERIFY(!steps.wait(300));
    QCOMPARE(steps.count(), held);
    QVERIFY(worker.isRunning());

    worker.resume();
    QVERIFY(!worker.isPaused());
    QVERIFY(steps.wait(kTimeoutMs));
    QVERIFY(steps.count() > held);
    worker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    QCOMPARE(toString(finished[0][1].value<RunStatus>()), QString("stopped"));
  }

  void stopWakesAPausedRun() {
    QTemporaryDir tmp;
    TrainingWorker worker;
    QSignalSpy steps(&worker, &TrainingWorker::stepReported);
    QSignalSpy finished(&worker, &TrainingWorker::finished);
    QVERIFY(worker.start(longRequest(tmp.filePath("run")), "paused-stop"));
    QVERIFY(steps.wait(kTimeoutMs));
    worker.pause();
    worker.stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    QCOMPARE(toString(finished[0][1].value<RunStatus>()), QString("stopped"));
    QVERIFY(!worker.isPaused());
  }

  void failuresEndAsFailedSignals_data() {
    QTest::addColumn<QString>("data");
    QTest::addColumn<int>("heads");
    QTest::addColumn<int>("batch");
    QTest::addColumn<QString>("device");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing file") << "/nonexistent/reviews-missing.tsv" << 2 << 16 << "cpu" << "reviews-missing.tsv";
    QTest::newRow("unknown synthetic task") << "synthetic:haystack" << 2 << 16 << "cpu" << "haystack";
    QTest::newRow("heads do not divide hidden") << kSynthetic << 3 << 16 << "cpu" << "heads";
    QTest::newRow("empty batch") << kSynthetic << 2 << 0 << "cpu" << "batch_size";
    QTest::newRow("unknown device") << kSynthetic << 2 << 16 << "tpu" << "tpu";
  }

  void failuresEndAsFailedSignals() {
    QFETCH(QString, data);
    QFETCH(int, heads);
    QFETCH(int, batch);
    QFETCH(QString, device);
    QFETCH(QString, expected);
    QTemporaryDir tmp;
    TrainingWorker worker;
    QSignalSpy started(&worker, &TrainingWorker::started);
    QSignalSpy finished(&worker, &TrainingWorker::finished);
    TrainRequest r = tinyTrainRequest(data, tmp.filePath("run"), 1, 2, 0);
    r.model.heads = heads;
    r.train.batch_size = batch;
    r.device = device;
    QVERIFY(worker.start(r, "bad"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    QCOMPARE(toString(finished[0][1].value<RunStatus>()), QString("failed"));
    const QString text = finished[0][2].toString();
    QVERIFY2(text.contains(expected), qPrintable(text));
    QVERIFY2(!text.contains('\n'), qPrintable(text));
    QCOMPARE(started.count(), 0);
    QVERIFY(!worker.isRunning());
  }

  void malformedTsvRowIsSkippedWithAMessage() {
    QTemporaryDir tmp;
    const QString path = tmp.filePath("reviews.tsv");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    for (int i = 1; i <= 80; ++i) {
      if (i == 7) {
        file.write("this row has no tab\n");
      } else {
        file.write(i % 2 ? "pos\tgood fine great film\n" : "neg\tbad dull poor film\n");
      }
    }
    file.close();
    TrainingWorker worker;
    QSignalSpy messages(&worker, &TrainingWorker::message);
    QSignalSpy finished(&worker, &TrainingWorker::finished);
    QVERIFY(worker.start(tinyTrainRequest(path, tmp.filePath("run"), 1, 2, 0), "tsv"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    QCOMPARE(toString(finished[0][1].value<RunStatus>()), QString("finished"));
    QStringList texts;
    for (const auto& args : messages) texts << args[1].toString();
    QVERIFY2(!texts.filter("reviews.tsv:7").isEmpty(), qPrintable(texts.join(" | ")));
    QVERIFY2(!texts.filter("1 bad rows skipped").isEmpty(), qPrintable(texts.join(" | ")));
  }

  void destroyingMidRunStopsAndJoins() {
    QTemporaryDir tmp;
    auto worker = std::make_unique<TrainingWorker>();
    QSignalSpy steps(worker.get(), &TrainingWorker::stepReported);
    QVERIFY(worker->start(longRequest(tmp.filePath("run")), "doomed"));
    QVERIFY(steps.wait(kTimeoutMs));
    worker->pause();  // the destructor must also wake a paused run
    QElapsedTimer timer;
    timer.start();
    worker.reset();
    QVERIFY2(timer.elapsed() < 30000, "the destructor took too long");
    QVERIFY(hasCheckpoint(tmp.filePath("run/last")));
  }
};

FF_UI_TEST(TrainingWorkerTest);

}  // namespace fastformer::ui::testing

#include "test_training_worker.moc"
