// A Train workspace run on two processes: the Studio trains rank 0 and starts the
// `fastformer` program for rank 1. Its reported losses (the global batch's, combined over
// the ranks) equal those of the same run in one process, it finishes with checkpoints and
// rank 1's log, and the form offers the setting.
#include "train/config_form.h"
#include "train/run_store.h"
#include "scale_test_helpers.h"
#include "train/training_worker.h"
#include "train_test_helpers.h"
#include "ui_test_registry.h"

#include <QComboBox>
#include <QFileInfo>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

namespace fastformer::ui::testing {
namespace {

constexpr int kTimeoutMs = 180000;  // two processes on a loaded 2-core machine

TrainRequest twoClassRequest(const QString& directory, int processes) {
  TrainRequest r = tinyTrainRequest(QStringLiteral("synthetic:majority?length=16&examples=200&seed=1"), directory, 1, 10, 5);
  r.train.lr = 0.01;
  r.processes = processes;
  r.workerExecutable = cliBinary();
  return r;
}

// Runs one request to its end; returns the step losses and the final status and message.
struct Outcome {
  QVector<double> losses;
  QString status, message;
};

Outcome runToEnd(const TrainRequest& request) {
  TrainingWorker worker;
  Outcome out;
  QObject::connect(&worker, &TrainingWorker::stepReported, [&](const QString&, const StepPoint& p) { out.losses << p.loss; });
  QSignalSpy finished(&worker, &TrainingWorker::finished);
  if (!worker.start(request, QStringLiteral("run"))) return out;
  if (!finished.wait(kTimeoutMs) && finished.isEmpty()) return out;
  out.status = toString(finished[0][1].value<RunStatus>());
  out.message = finished[0][2].toString();
  return out;
}

}  // namespace

class DistributedTrainingTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void twoProcessesReportTheSameLossesAsOne() {
    if (!QFileInfo(cliBinary()).isExecutable()) QSKIP("the fastformer program is not built");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const Outcome one = runToEnd(twoClassRequest(tmp.filePath("one"), 1));
    QCOMPARE(one.status, QString("finished"));
    const Outcome two = runToEnd(twoClassRequest(tmp.filePath("two"), 2));
    QVERIFY2(two.status == "finished", qPrintable(two.status + ": " + two.message));
    QCOMPARE(two.losses.size(), 10);
    QCOMPARE(one.losses.size(), 10);
    for (int i = 0; i < 10; ++i) {
      QVERIFY2(std::abs(one.losses[i] - two.losses[i]) < 1e-4,
               qPrintable(QString("step %1: %2 vs %3").arg(i + 1).arg(one.losses[i]).arg(two.losses[i])));
    }
    QVERIFY(two.losses.back() < two.losses.front());
    QVERIFY(QFileInfo(tmp.filePath("two/best/model.safetensors")).isFile());
    QVERIFY(QFileInfo(tmp.filePath("two/rank1.log")).isFile());
    QVERIFY(!QFileInfo(tmp.filePath("one/rank1.log")).exists());
  }

  void aWorkerThatCannotStartFailsTheRunWithItsReason() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    TrainRequest request = twoClassRequest(tmp.filePath("run"), 2);
    request.workerExecutable = tmp.filePath("no-such-program");
    const Outcome out = runToEnd(request);
    QCOMPARE(out.status, QString("failed"));
    QVERIFY2(out.message.contains("cannot start") && out.message.contains("no-such-program"), qPrintable(out.message));
  }

  void theFormOffersProcessesAndPrecision() {
    ConfigForm form;
    QVERIFY(form.processesBox() != nullptr);
    QCOMPARE(form.processes(), 1);
    form.processesBox()->setValue(2);
    QCOMPARE(form.processes(), form.processesBox()->maximum() >= 2 ? 2 : 1);

    QVERIFY(form.trainConfig().precision == PrecisionKind::fp32);
    form.precisionBox()->setCurrentText("bf16");
    QVERIFY(form.trainConfig().precision == PrecisionKind::bf16);
    QVERIFY(form.isValid());
    form.precisionBox()->setCurrentText("fp16");  // on the CPU: refused, Start stays off
    QVERIFY(!form.isValid());
    QVERIFY2(form.errorText().contains("fp16 needs a CUDA device"), qPrintable(form.errorText()));
    const TrainConfig train = form.trainConfig();
    form.setConfig(form.modelConfig(), train, "cuda");
    QVERIFY2(form.isValid(), qPrintable(form.errorText()));
    QVERIFY(form.trainConfig().precision == PrecisionKind::fp16);
  }
};

FF_UI_TEST(DistributedTrainingTest);

}  // namespace fastformer::ui::testing

#include "test_distributed_training.moc"
