// RunStore as a list model (rows, display text, signals), bestValid and toString, and
// loadRun on hand-written run directories: values, resumed runs, and every kind of bad input.
#include "train/run_store.h"
#include "ui_test_registry.h"

#include "fastformer/error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace fastformer::ui::testing {
namespace {

void writeFile(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  file.write(bytes);
}

// A checkpoint directory as save_checkpoint writes it; the weights file holds only a
// safetensors header (shapes (3,4) and (5): 17 parameters).
void writeCheckpoint(const QString& dir, const QString& attention, const QString& data) {
  const QJsonObject config{{"format", "fastformer-studio-checkpoint"},
                           {"format_version", 1},
                           {"labels", QJsonArray{"ham", "spam"}},
                           {"model", QJsonObject{{"attention", attention}, {"hidden", 16}, {"heads", 2}, {"classes", 2}}},
                           {"train", QJsonObject{{"batch_size", 8}, {"lr", 0.001}}},
                           {"data", data}};
  writeFile(dir + "/config.json", QJsonDocument(config).toJson());
  QByteArray header = R"({"a.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]},)"
                      R"("a.bias":{"dtype":"F32","shape":[5],"data_offsets":[48,68]},)"
                      R"("__metadata__":{"format":"fastformer-studio-checkpoint"}})";
  QByteArray bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((quint64(header.size()) >> (8 * i)) & 0xff);
  writeFile(dir + "/model.safetensors", bytes + header + QByteArray(68, '\0'));
}

const QByteArray kMetrics =
    R"({"type":"step","step":1,"epoch":0,"loss":0.7,"lr":0.001,"tokens_per_s":100.0,"elapsed_s":0.5})" "\n"
    R"({"type":"step","step":2,"epoch":0,"loss":0.6,"lr":0.002,"tokens_per_s":200.0,"elapsed_s":1.0})" "\n"
    R"({"type":"eval","split":"valid","step":2,"epoch":0,"improved":true,"metrics":{"examples":4,"loss":0.5,)"
    R"("accuracy":0.75,"macro_f1":0.7,"labels":["ham","spam"],"confusion":[[2,1],[0,1]]}})" "\n"
    "\n"
    R"({"type":"step","step":3,"epoch":1,"loss":0.4,"lr":0.001,"tokens_per_s":300.0,"elapsed_s":2.0})" "\n"
    R"({"type":"eval","split":"test","step":3,"checkpoint":"best","metrics":{"examples":4,"loss":0.3,)"
    R"("accuracy":1.0,"macro_f1":1.0,"labels":["ham","spam"],"confusion":[[2,0],[0,2]]}})" "\n";

RunRecord record(const QString& id, const QString& name) {
  RunRecord r;
  r.id = id;
  r.name = name;
  r.directory = "/runs/" + id;
  return r;
}

EvalPoint eval(const QString& split, std::int64_t step, double accuracy, double loss) {
  EvalPoint e;
  e.split = split;
  e.step = step;
  e.accuracy = accuracy;
  e.loss = loss;
  return e;
}

}  // namespace

class RunStoreTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void statusNames() {
    QCOMPARE(toString(RunStatus::running), QString("running"));
    QCOMPARE(toString(RunStatus::paused), QString("paused"));
    QCOMPARE(toString(RunStatus::finished), QString("finished"));
    QCOMPARE(toString(RunStatus::stopped), QString("stopped"));
    QCOMPARE(toString(RunStatus::failed), QString("failed"));
    QCOMPARE(toString(RunStatus::loaded), QString("loaded"));
  }

  void bestValidIsHighestAccuracyThenLowestLoss() {
    RunRecord run;
    QVERIFY(bestValid(run) == nullptr);
    run.evals.push_back(eval("test", 9, 1.0, 0.1));  // test never counts
    QVERIFY(bestValid(run) == nullptr);
    run.evals.push_back(eval("valid", 1, 0.6, 0.5));
    run.evals.push_back(eval("valid", 2, 0.8, 0.4));
    run.evals.push_back(eval("valid", 3, 0.8, 0.3));  // tie on accuracy, lower loss
    run.evals.push_back(eval("valid", 4, 0.7, 0.1));
    QCOMPARE(bestValid(run)->step, std::int64_t{3});
  }

  void addAppendAndStatusUpdateRowsAndSignal() {
    RunStore store;
    QSignalSpy inserted(&store, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&store, &QAbstractItemModel::dataChanged);
    QSignalSpy runChanged(&store, &RunStore::runChanged);

    store.add(record("run-1", "Fastformer · a"));
    store.add(record("run-2", "Transformer · a"));
    QCOMPARE(store.rowCount(), 2);
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(runChanged.count(), 2);
    QCOMPARE(store.indexOf("run-2"), 1);
    QCOMPARE(store.indexOf("nope"), -1);
    QVERIFY(store.find("nope") == nullptr);
    QCOMPARE(store.data(store.index(1), Qt::DisplayRole).toString(), QString("Transformer · a — running"));
    QCOMPARE(store.data(store.index(1), RunStore::IdRole).toString(), QString("run-2"));
    QVERIFY(!store.data(store.index(5), Qt::DisplayRole).isValid());

    const std::uint64_t first = store.revision("run-1");
    QVERIFY(first != 0 && first != store.revision("run-2"));
    QCOMPARE(store.revision("nope"), std::uint64_t{0});
    StepPoint p;
    p.step = 7;
    p.loss = 0.25;
    store.appendStep("run-1", p);
    store.appendEval("run-1", eval("valid", 7, 0.5, 0.6));
    QCOMPARE(runChanged.count(), 4);
    QCOMPARE(runChanged.last()[0].toString(), QString("run-1"));
    QCOMPARE(store.find("run-1")->steps.size(), std::size_t{1});
    QCOMPARE(store.find("run-1")->steps[0].loss, 0.25);
    QCOMPARE(store.find("run-1")->evals.size(), std::size_t{1});
    QVERIFY(store.find("run-2")->steps.empty());
    QCOMPARE(store.revision("run-1"), first);  // appending keeps the revision

    store.setStatus("run-2", RunStatus::failed, "out of memory");
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed[0][0].toModelIndex().row(), 1);
    QCOMPARE(runChanged.count(), 5);
    QCOMPARE(store.data(store.index(1), Qt::DisplayRole).toString(), QString("Transformer · a — failed"));
    QCOMPARE(store.find("run-2")->message, QString("out of memory"));
    QVERIFY(store.data(store.index(1), Qt::ToolTipRole).toString().contains("out of memory"));

    // Unknown ids change nothing.
    store.appendStep("ghost", p);
    store.setStatus("ghost", RunStatus::stopped);
    QCOMPARE(runChanged.count(), 5);
    QCOMPARE(changed.count(), 1);

    // The same id again replaces the record in place.
    store.add(record("run-1", "renamed"));
    QVERIFY(store.revision("run-1") != first);  // a replaced run is a new revision
    QCOMPARE(store.rowCount(), 2);
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(changed.count(), 2);
    QCOMPARE(store.find("run-1")->name, QString("renamed"));
    QVERIFY(store.find("run-1")->steps.empty());
  }

  void loadRunReadsMetricsAndConfig() {
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("spam-run");
    writeFile(dir + "/metrics.jsonl", kMetrics);
    writeCheckpoint(dir + "/best", "softmax", "data/spam");
    writeCheckpoint(dir + "/last", "additive", "elsewhere");  // best/ wins

    const RunRecord run = RunStore::loadRun(dir);
    QCOMPARE(toString(run.status), QString("loaded"));
    QCOMPARE(run.name, QString("Transformer · spam-run"));
    QCOMPARE(run.id, QDir(dir).canonicalPath());
    QCOMPARE(run.data, QString("data/spam"));
    QCOMPARE(run.labels, QStringList({"ham", "spam"}));
    QCOMPARE(run.model.hidden, std::int64_t{16});
    QVERIFY(run.model.attention == AttentionKind::softmax);
    QCOMPARE(run.train.batch_size, std::int64_t{8});
    QCOMPARE(run.train.lr, 0.001);
    QCOMPARE(run.parameters, std::int64_t{17});
    QCOMPARE(run.total_steps, std::int64_t{3});

    QCOMPARE(run.steps.size(), std::size_t{3});
    QCOMPARE(run.steps[1].step, std::int64_t{2});
    QCOMPARE(run.steps[1].loss, 0.6);
    QCOMPARE(run.steps[1].lr, 0.002);
    QCOMPARE(run.steps[1].tokens_per_s, 200.0);
    QCOMPARE(run.steps[1].wall_s, 1.0);
    QCOMPARE(run.steps[1].tokens_seen, 200.0);  // a log without tokens_seen: rate × time
    QCOMPARE(run.steps[2].tokens_seen, 600.0);

    QCOMPARE(run.evals.size(), std::size_t{2});
    const EvalPoint& valid = run.evals[0];
    QCOMPARE(valid.split, QString("valid"));
    QCOMPARE(valid.step, std::int64_t{2});
    QCOMPARE(valid.accuracy, 0.75);
    QCOMPARE(valid.macro_f1, 0.7);
    QCOMPARE(valid.loss, 0.5);
    QCOMPARE(valid.wall_s, 1.0);  // from the step it followed
    QCOMPARE(valid.tokens_seen, 200.0);
    QCOMPARE(valid.confusion, (std::vector<std::vector<std::int64_t>>{{2, 1}, {0, 1}}));
    QCOMPARE(run.evals[1].split, QString("test"));
    QCOMPARE(run.evals[1].step, std::int64_t{3});
    QCOMPARE(bestValid(run), &run.evals[0]);
  }

  void loadRunUsesLastWithoutBestAndKeepsTheLatestOfRepeatedSteps() {
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("resumed");
    writeCheckpoint(dir + "/last", "additive", "synthetic:needle");
    // Crashed after step 3 with its checkpoint at step 2, then resumed from step 2.
    const QByteArray step = R"({"type":"step","step":%1,"epoch":0,"loss":%2,"lr":0.1,"tokens_per_s":1,"elapsed_s":1})";
    QByteArray lines;
    for (const auto& [s, loss] : std::vector<std::pair<int, double>>{{1, 0.9}, {2, 0.8}, {3, 0.7}, {3, 0.5}, {4, 0.4}}) {
      lines += QString::fromLatin1(step).arg(s).arg(loss).toLatin1() + "\n";
    }
    lines += R"({"type":"diverged","step":4,"reason":"the loss became NaN at step 4"})" "\n";
    writeFile(dir + "/metrics.jsonl", lines);

    const RunRecord run = RunStore::loadRun(dir);
    QCOMPARE(run.name, QString("Fastformer · resumed"));
    QCOMPARE(run.data, QString("synthetic:needle"));
    QCOMPARE(run.steps.size(), std::size_t{4});
    QCOMPARE(run.steps[2].step, std::int64_t{3});
    QCOMPARE(run.steps[2].loss, 0.5);
    QCOMPARE(run.message, QString("the loss became NaN at step 4"));
  }

  void loadRunNamesTheBadLine_data() {
    QTest::addColumn<QByteArray>("line");
    QTest::newRow("truncated") << QByteArray("{\"type\":\"step\",\"step\":3,\"lo");
    QTest::newRow("not an object") << QByteArray("[1, 2]");
    QTest::newRow("step without loss")
        << QByteArray(R"({"type":"step","step":3,"lr":0.1,"tokens_per_s":1,"elapsed_s":1})");
    QTest::newRow("eval without metrics") << QByteArray(R"({"type":"eval","split":"valid","step":3})");
    QTest::newRow("no type") << QByteArray(R"({"step":3})");
  }

  void loadRunNamesTheBadLine() {
    QFETCH(QByteArray, line);
    QTemporaryDir tmp;
    writeCheckpoint(tmp.filePath("last"), "additive", "x");
    const QList<QByteArray> good = kMetrics.split('\n');
    writeFile(tmp.filePath("metrics.jsonl"), good[0] + "\n" + good[1] + "\n" + line + "\n" + good[2] + "\n");
    try {
      RunStore::loadRun(tmp.path());
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(QString(e.what()).contains("metrics.jsonl:3"), e.what());
    }
  }

  void loadRunRefusesWhatIsNotARun() {
    QTemporaryDir tmp;
    const auto failsWith = [](const QString& dir, const QString& expected) {
      try {
        RunStore::loadRun(dir);
      } catch (const Error& e) {
        return QString(e.what()).contains(expected);
      }
      return false;
    };
    QVERIFY(failsWith(tmp.filePath("absent"), "no such run directory"));
    QVERIFY(failsWith(tmp.path(), "metrics.jsonl"));
    writeFile(tmp.filePath("metrics.jsonl"), kMetrics);
    QVERIFY(failsWith(tmp.path(), "last/config.json"));
    writeFile(tmp.filePath("best/config.json"), "{\"model\": ");
    QVERIFY(failsWith(tmp.path(), "best/config.json"));
  }
};

FF_UI_TEST(RunStoreTest);

}  // namespace fastformer::ui::testing

#include "test_run_store.moc"
