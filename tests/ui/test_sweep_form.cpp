// The Scale workspace's sweep form: it builds the same BenchConfig as `fastformer bench
// sweep` for the same settings, through JSON and through the command line it shows.
#include "fastformer/bench.h"
#include "scale_test_helpers.h"
#include "scale/scale_workspace.h"
#include "scale/sweep_form.h"
#include "ui_test_registry.h"

#include <nlohmann/json.hpp>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QProcess>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace fastformer;
using namespace fastformer::ui;
using fastformer::ui::testing::cliBinary;
using fastformer::ui::testing::setLengths;

class SweepFormTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString cliJson_;  // a sweep written by `fastformer bench sweep --json`

  // Runs `fastformer <args> --in-process --json FILE` and reads back its "config".
  BenchConfig cliConfig(QStringList args, const QString& name) {
    cliJson_ = dir_.filePath(name);
    args << "--in-process"
         << "--json" << cliJson_;
    QProcess cli;
    cli.start(cliBinary(), QStringList{"--threads", "1"} + args);
    if (!cli.waitForFinished(120000) || cli.exitCode() != 0) {
      qWarning() << args << cli.readAllStandardError();
      return {};
    }
    QFile file(cliJson_);
    file.open(QIODevice::ReadOnly);
    return bench_config_from_json(nlohmann::json::parse(file.readAll().toStdString()).at("config"));
  }

 private Q_SLOTS:
  void formRoundTripsThroughJson() {
    SweepForm form;
    form.preset()->setCurrentIndex(1);  // the reference layer
    for (const BenchKind k : {BenchKind::linear, BenchKind::softmax, BenchKind::softmax_materialized})
      form.kindBox(k)->setChecked(false);
    setLengths(&form, 64, 4096);
    form.batchPolicy()->setCurrentIndex(form.batchPolicy()->findData("tokens"));
    form.pass()->setCurrentIndex(form.pass()->findData("train-step"));
    form.dtype()->setCurrentIndex(form.dtype()->findData("bfloat16"));
    form.repeats()->setValue(4);
    form.totalBudget()->setValue(90);
    const BenchConfig c = form.config();
    QCOMPARE(c.scope, BenchScope::layer);
    QCOMPARE(c.layers, std::int64_t{1});
    QCOMPARE(c.tokens_per_batch, std::int64_t{65536});
    QCOMPARE(c.lengths, (std::vector<std::int64_t>{64, 128, 256, 512, 1024, 2048, 4096}));
    QCOMPARE(c.kinds, std::vector<BenchKind>{BenchKind::additive});
    QVERIFY(form.error().isEmpty());

    const nlohmann::json j = to_json(c);
    SweepForm other;
    other.setConfig(bench_config_from_json(nlohmann::json::parse(j.dump())));
    QCOMPARE(QString::fromStdString(to_json(other.config()).dump()), QString::fromStdString(j.dump()));
    QCOMPARE(other.preset()->currentIndex(), 1);  // the settings are the preset's

    // Lengths that are not a doubling series survive too, and a bad setting is named.
    BenchConfig odd = c;
    odd.lengths = {100, 300, 1000};
    odd.hidden = 48;
    odd.heads = 3;
    other.setConfig(odd);
    QCOMPARE(other.config().lengths, odd.lengths);
    QCOMPARE(other.preset()->currentIndex(), 2);  // Custom
    other.heads()->setValue(5);
    QVERIFY(other.error().contains("divisible"));
  }

  void formBuildsWhatTheCliBuilds() {
    if (!QFileInfo(cliBinary()).isExecutable()) QSKIP("the fastformer program is not built");
    // Options written by hand against the same settings made in the form.
    SweepForm form;
    form.preset()->setCurrentIndex(1);
    setLengths(&form, 16, 32);
    form.pass()->setCurrentIndex(form.pass()->findData("train-step"));
    form.repeats()->setValue(1);
    form.batchPolicy()->setCurrentIndex(form.batchPolicy()->findData("tokens"));
    form.tokensPerBatch()->setValue(64);
    form.pointBudget()->setValue(5);
    const BenchConfig byHand =
        cliConfig({"bench", "sweep", "--preset", "layer", "--range", "16:32", "--pass", "train-step", "--repeats", "1",
                   "--tokens-per-batch", "64", "--point-budget", "5"},
                  "hand.json");
    QCOMPARE(QString::fromStdString(to_json(form.config()).dump()), QString::fromStdString(to_json(byHand).dump()));

    // The command line the form shows, for custom settings and lengths, builds its config.
    BenchConfig custom;
    custom.kinds = {BenchKind::softmax};
    custom.lengths = {8, 24, 40};
    custom.hidden = 32;
    custom.heads = 2;
    custom.layers = 1;
    custom.batch = 2;
    custom.dtype = "float64";
    custom.warmup = 0;
    custom.repeats = 1;
    custom.total_budget_s = 60;
    form.setConfig(custom);
    QCOMPARE(form.preset()->currentIndex(), 2);
    const BenchConfig shown = cliConfig(form.cliArguments(), "shown.json");
    QCOMPARE(QString::fromStdString(to_json(shown).dump()), QString::fromStdString(to_json(custom).dump()));

    // The sweep file the CLI wrote opens in the workspace.
    ScaleWorkspace ws;
    QString error;
    QVERIFY2(ws.openSweep(cliJson_, &error), qPrintable(error));
    QCOMPARE(ws.sweeps().size(), std::size_t{1});
    QCOMPARE(ws.sweeps()[0].points.size(), std::size_t{3});
  }

};

FF_UI_TEST(SweepFormTest);

#include "test_sweep_form.moc"
