// The main window as a user meets it: four workspaces, a form that refuses invalid
// settings, a training run started and stopped with the buttons, a broken dataset shown
// as an error, the demo model on a sample mail, and the --screenshot mode of the
// application.
#include "fastformer/inspect.h"
#include "train/config_form.h"
#include "train/dataset_panel.h"
#include "main_window.h"
#include "inspect/inspect_workspace.h"
#include "common/metric_chart.h"
#include "train/run_store.h"
#include "train/run_summary_table.h"
#include "train/train_workspace.h"
#include "train/training_worker.h"
#include "ui_test_registry.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace fastformer::ui;

class MainWindowTest : public QObject {
  Q_OBJECT

 private:
  // A tiny model on a short synthetic task: a few seconds of training.
  static void makeSmall(TrainWorkspace& train, int steps) {
    fastformer::ModelConfig model = train.form()->modelConfig();
    model.hidden = 16;
    model.heads = 2;
    model.ffn = 16;
    model.layers = 1;
    fastformer::TrainConfig config = train.form()->trainConfig();
    config.max_len = 32;
    config.batch_size = 16;
    config.max_steps = steps;
    config.epochs = 1000;  // max_steps decides
    config.eval_every = 5;
    train.form()->setConfig(model, config);
  }

 private Q_SLOTS:
  void init() { QSettings().clear(); }

  // A plain start's first sight: the shipped demo model on the sample mail, shaded in
  // Inspect, with the model calling it spam.
  void firstDocumentIsTheDemoModelOnASampleMail() {
    MainWindow window;
    QSignalSpy inspected(window.inspect(), &InspectWorkspace::inspected);
    QVERIFY(window.openFirstDocument());
    QCOMPARE(window.workspaces()->currentIndex(), 1);
    QVERIFY(inspected.wait(30000));
    const fastformer::Inspection* inspection = window.inspect()->inspection();
    QVERIFY(inspection != nullptr);
    QVERIFY2(inspection->size() > 200, qPrintable(QString::number(inspection->size())));
    QCOMPARE(QString::fromStdString(inspection->labels.at(static_cast<std::size_t>(inspection->predicted))),
             QString("spam"));
  }

  void opensWithFourWorkspaces() {
    MainWindow window;
    QCOMPARE(window.workspaces()->count(), 4);
    const QStringList names{"Train", "Inspect", "Scale", "Learn"};
    for (int i = 0; i < 4; ++i) QCOMPARE(window.workspaces()->tabText(i), names[i]);
    QVERIFY(window.showWorkspace("scale"));
    QCOMPARE(window.workspaces()->currentIndex(), 2);
    QVERIFY(!window.showWorkspace("nowhere"));
  }

  void formRejectsInvalidConfig() {
    MainWindow window;
    ConfigForm* form = window.train()->form();
    QVERIFY(form->isValid());
    QSignalSpy validity(form, &ConfigForm::validityChanged);
    form->hiddenBox()->setValue(250);  // not divisible by 16 heads
    QVERIFY(!form->isValid());
    QVERIFY(form->errorText().contains("divisible"));
    QVERIFY(!window.train()->startButton()->isEnabled());
    form->hiddenBox()->setValue(256);
    QVERIFY(form->isValid());
    QVERIFY(window.train()->startButton()->isEnabled());
    QCOMPARE(validity.count(), 2);
  }

  void trainsFromTheStartButtonAndStops() {
    QTemporaryDir runs;
    MainWindow window;
    window.setConfirmClose(false);
    TrainWorkspace& train = *window.train();
    train.setRunsRoot(runs.path());
    // 1,000 steps an epoch and no evaluation before: only the steps themselves move the table.
    train.dataset()->setSpec("synthetic:majority?length=16&examples=20000&seed=2");
    makeSmall(train, 100000);  // runs until stopped
    fastformer::TrainConfig config = train.form()->trainConfig();
    config.eval_every = 0;
    train.form()->setConfig(train.form()->modelConfig(), config);
    QSignalSpy steps(&window.worker(), &TrainingWorker::stepReported);
    QSignalSpy finished(&window.worker(), &TrainingWorker::finished);
    // The GUI thread keeps serving its event loop while training: a 10 ms timer keeps firing.
    int ticks = 0;
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, [&ticks] { ++ticks; });
    ticker.start(10);
    QTest::mouseClick(train.startButton(), Qt::LeftButton);
    QVERIFY(steps.wait(60000));
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 12, 60000);
    // The run table's Steps column follows the live run, not only its evaluations.
    const RunRecord& live = window.store().runs().front();
    QVERIFY(live.steps.back().step >= 12);
    QVERIFY(live.evals.empty() || live.evals.back().step < live.steps.back().step);  // no refresh by an evaluation
    QCOMPARE(train.summary()->item(0, 2)->text(), QString::number(live.steps.back().step));
    const int before = ticks;
    QTest::qWait(500);
    QVERIFY2(ticks - before >= 10, qPrintable(QString("only %1 timer ticks in 500 ms").arg(ticks - before)));
    QVERIFY(train.stopButton()->isEnabled());
    QTest::mouseClick(train.stopButton(), Qt::LeftButton);
    QVERIFY(finished.wait(60000));
    QCOMPARE(toString(finished.last().at(1).value<RunStatus>()), toString(RunStatus::stopped));
    // Points reached the charts, and the run is on disk with its last checkpoint.
    const RunRecord& run = window.store().runs().front();
    QVERIFY(window.train()->dashboard()->chart(Metric::train_loss)->pointCount(run.id) >= 12);
    QVERIFY(QFile::exists(run.directory + "/last/config.json"));
    QVERIFY(QFile::exists(run.directory + "/metrics.jsonl"));
    QVERIFY(train.startButton()->isEnabled());
  }

  void closingDuringTrainingStopsAndSaves() {
    QTemporaryDir runs;
    auto* window = new MainWindow;
    window->setConfirmClose(false);  // the question is answered "stop and quit"
    window->train()->setRunsRoot(runs.path());
    window->train()->dataset()->setSpec("synthetic:majority?length=16&examples=400&seed=3");
    makeSmall(*window->train(), 100000);
    window->show();
    QSignalSpy steps(&window->worker(), &TrainingWorker::stepReported);
    QSignalSpy finished(&window->worker(), &TrainingWorker::finished);
    window->train()->startButton()->click();
    QVERIFY(steps.wait(60000));
    QVERIFY(!window->close());  // refused for now: the run is stopping and saving
    QVERIFY(finished.wait(60000));
    QTRY_VERIFY_WITH_TIMEOUT(!window->isVisible(), 10000);  // then it closes by itself
    QVERIFY(QFile::exists(window->store().runs().front().directory + "/last/config.json"));
    delete window;
  }

  void brokenDatasetIsAnErrorNotACrash() {
    QTemporaryDir dir;
    const QString path = dir.filePath("broken.tsv");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("\x00\x01\x02 binary \xff\xfe", 14));
    file.close();
    MainWindow window;
    window.setConfirmClose(false);
    TrainWorkspace& train = *window.train();
    train.setRunsRoot(dir.path());
    QSignalSpy ready(train.dataset(), &DatasetPanel::previewReady);
    train.dataset()->setSpec(path);
    QVERIFY(ready.wait(30000));
    QVERIFY(!train.dataset()->preview().error.isEmpty());
    QVERIFY(train.dataset()->preview().error.contains("broken.tsv"));
    // Starting anyway ends the run as failed with the reason in the log.
    makeSmall(train, 10);
    QSignalSpy finished(&window.worker(), &TrainingWorker::finished);
    train.startButton()->click();
    QVERIFY(finished.wait(30000));
    QCOMPARE(toString(finished.last().at(1).value<RunStatus>()), toString(RunStatus::failed));
    QVERIFY(window.logView()->toPlainText().contains("broken.tsv"));
  }

  void screenshotModeWritesTheWindow() {
    QTemporaryDir dir;
    const QString out = dir.filePath("shot.png");
    QProcess studio;
    studio.setProcessChannelMode(QProcess::ForwardedChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("XDG_CONFIG_HOME", dir.path());  // leave the user's settings alone
    studio.setProcessEnvironment(env);
    studio.start(FF_STUDIO_BINARY, {"--screenshot", out, "--workspace", "train", "--size", "1600x1000"});
    QVERIFY(studio.waitForFinished(60000));
    QCOMPARE(studio.exitCode(), 0);
    const QImage image(out);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), QSize(1600, 1000));
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7) {
      for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() > 20, "the screenshot is (nearly) uniform");
  }
};

FF_UI_TEST(MainWindowTest);

#include "test_main_window.moc"
