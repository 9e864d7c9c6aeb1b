// Paths given to the Studio (its command line, the desktop entry): each kind is told apart by
// name and content, and MainWindow::openPaths opens it where it belongs — a mail in Inspect
// with the demo model, a run folder in Inspect, a saved sweep in Scale, a dataset in Train —
// and lists it in File → Open Recent.
#include "fastformer/bench.h"

#include "main_window.h"
#include "open_path.h"
#include "inspect/inspect_workspace.h"
#include "scale/scale_workspace.h"
#include "train/dataset_panel.h"
#include "train/run_store.h"
#include "train/train_workspace.h"
#include "ui_test_registry.h"

#include "fastformer/resources.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QMenu>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

using namespace fastformer::ui;

namespace {

void write(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(bytes);
}

}  // namespace

class OpenPathTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void pathsAreToldApart() {
    QTemporaryDir dir;
    QDir(dir.path()).mkpath("run/best");
    write(dir.filePath("run/best/config.json"), "{}");
    QDir(dir.path()).mkpath("folders/spam");
    fastformer::BenchConfig config;
    fastformer::BenchPoint point;
    point.n = 64;
    point.status = "ok";
    write(dir.filePath("sweep.json"), QByteArray::fromStdString(fastformer::bench_json(config, {point}).dump()));
    write(dir.filePath("sweep.csv"), QByteArray::fromStdString(fastformer::bench_csv({point})));
    write(dir.filePath("data.csv"), "text,label\nhello,a\n");
    write(dir.filePath("data.tsv"), "hello\ta\n");
    write(dir.filePath("doc.json"), R"({"text": "a mail"})");
    write(dir.filePath("mail.eml"), "Subject: hi\n\nbody\n");
    QCOMPARE(classifyOpenPath(dir.filePath("run")), OpenKind::checkpoint);
    QDir(dir.path()).mkpath("trained/best");
    const auto demo = fastformer::find_resource("models/demo/config.json");
    QVERIFY(demo.has_value());
    QVERIFY(QFile::copy(QString::fromStdString(demo->string()), dir.filePath("trained/best/config.json")));
    write(dir.filePath("trained/metrics.jsonl"),
          R"({"type":"step","step":1,"epoch":0,"loss":0.7,"lr":0.001,"tokens_seen":64,"elapsed_s":0.5,"tokens_per_s":128})"
          "\n");
    QCOMPARE(classifyOpenPath(dir.filePath("trained")), OpenKind::run);
    QCOMPARE(classifyOpenPath(dir.filePath("run/best")), OpenKind::checkpoint);
    QCOMPARE(classifyOpenPath(dir.filePath("folders")), OpenKind::dataset);
    QCOMPARE(classifyOpenPath(dir.filePath("sweep.json")), OpenKind::sweep);
    QCOMPARE(classifyOpenPath(dir.filePath("sweep.csv")), OpenKind::sweep);
    QCOMPARE(classifyOpenPath(dir.filePath("data.csv")), OpenKind::dataset);
    QCOMPARE(classifyOpenPath(dir.filePath("data.tsv")), OpenKind::dataset);
    QCOMPARE(classifyOpenPath(dir.filePath("doc.json")), OpenKind::document);
    QCOMPARE(classifyOpenPath(dir.filePath("mail.eml")), OpenKind::document);
    QCOMPARE(classifyOpenPath(dir.filePath("nothing.txt")), OpenKind::missing);

    MainWindow window;
    window.setConfirmClose(false);
    // The window carries the project's icon (an SVG that renders).
    QVERIFY(!window.windowIcon().isNull());
    QVERIFY(!window.windowIcon().pixmap(64, 64).isNull());
    QCOMPARE(window.openPaths({dir.filePath("sweep.json")}), QString("scale"));
    QCOMPARE(window.scale()->sweeps().size(), std::size_t{1});
    QCOMPARE(window.openPaths({dir.filePath("data.tsv")}), QString("train"));
    QCOMPARE(window.train()->dataset()->spec(), dir.filePath("data.tsv"));
    QCOMPARE(window.openPaths({dir.filePath("nothing.txt")}), QString());
    // A run folder: its curves go on the Train charts.
    QCOMPARE(window.store().rowCount(), 0);
    QCOMPARE(window.openPaths({dir.filePath("trained")}), QString("train"));  // (the log says why not)
    QCOMPARE(window.store().rowCount(), 1);
    QCOMPARE(window.store().runs().front().steps.size(), std::size_t{1});
  }

  // What was opened is listed in File → Open Recent, most recent first, once each, kept
  // across windows; a path that is not there is not listed; an entry opens its path again.
  void openedPathsAreRecent() {
    QSettings().remove("recent/paths");
    QTemporaryDir dir;
    write(dir.filePath("a.tsv"), "hello\ta\n");
    write(dir.filePath("b.tsv"), "bye\tb\n");
    {
      MainWindow window;
      window.setConfirmClose(false);
      window.openPaths({dir.filePath("a.tsv"), dir.filePath("b.tsv"), dir.filePath("missing.tsv")});
      window.openPaths({dir.filePath("a.tsv")});
      QCOMPARE(window.recentPaths(), (QStringList{dir.filePath("a.tsv"), dir.filePath("b.tsv")}));
    }
    MainWindow window;
    window.setConfirmClose(false);
    const QList<QAction*> actions = window.recentMenu()->actions();
    QCOMPARE(actions.size(), 2);
    QCOMPARE(actions[1]->data().toString(), dir.filePath("b.tsv"));
    actions[1]->trigger();
    QCOMPARE(window.train()->dataset()->spec(), dir.filePath("b.tsv"));
    QCOMPARE(window.recentPaths().front(), dir.filePath("b.tsv"));
    for (int i = 0; i < MainWindow::kRecentPaths + 3; ++i) {
      const QString path = dir.filePath(QString("d%1.tsv").arg(i));
      write(path, "x\ty\n");
      window.openPaths({path});
    }
    QCOMPARE(window.recentPaths().size(), MainWindow::kRecentPaths);
    QSettings().remove("recent/paths");
  }

  // A mail alone opens in Inspect with the shipped demo model, which classifies it.
  void aDocumentOpensWithTheDemoModel() {
    QTemporaryDir dir;
    write(dir.filePath("mail.txt"), "Subject: cheap meds\n\nBuy now, limited offer, click here to win money!\n");
    MainWindow window;
    window.setConfirmClose(false);
    QSignalSpy inspected(window.inspect(), &InspectWorkspace::inspected);
    QCOMPARE(window.openPaths({dir.filePath("mail.txt")}), QString("inspect"));
    QCOMPARE(window.workspaces()->currentWidget(), static_cast<QWidget*>(window.inspect()));
    QVERIFY(inspected.wait(60000));
    const fastformer::Inspection* in = window.inspect()->inspection();
    QVERIFY(in != nullptr);
    QVERIFY(in->size() > 10);
    QCOMPARE(in->labels.size(), std::size_t{2});
  }
};

FF_UI_TEST(OpenPathTest);

#include "test_open_path.moc"
