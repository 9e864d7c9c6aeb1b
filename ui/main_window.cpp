// MainWindow: workspaces, docks, menus, status bar, settings, and closing safely while a
// run is training.
#include "main_window.h"

#include "open_path.h"

#include "train/config_form.h"
#include "train/dataset_panel.h"
#include "fastformer/resources.h"
#include "inspect/import_dialog.h"
#include "inspect/inspect_workspace.h"
#include "learn/learn_workspace.h"
#include "common/describe_exception.h"
#include "common/metric_chart.h"
#include "train/run_store.h"
#include "train/run_summary_table.h"
#include "scale/scale_workspace.h"
#include "train/train_workspace.h"
#include "train/training_worker.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QIcon>
#include <QInputDialog>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

#include <exception>

#include "fastformer/runtime.h"

#include <nlohmann/json.hpp>

namespace fastformer::ui {
namespace {

const QStringList kWorkspaces{"train", "inspect", "scale", "learn"};

// A widget with a chosen size hint: the docks start at these sizes, not at Qt's defaults.
template <typename W>
class Hinted : public W {
 public:
  explicit Hinted(QSize hint) : hint_(hint) {}
  QSize sizeHint() const override { return hint_; }

 private:
  QSize hint_;
};

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("Fastformer Studio");
  // The desktop entry's icon (installed in share/icons too), for the window and the task bar.
  if (const auto icon = find_resource("icons/fastformer-studio.svg")) {
    setWindowIcon(QIcon(QString::fromStdString(icon->string())));
  }
  store_ = new RunStore(this);
  worker_ = new TrainingWorker(this);
  tabs_ = new QTabWidget;
  tabs_->setDocumentMode(true);
  train_ = new TrainWorkspace(*store_, *worker_);
  tabs_->addTab(train_, "Train");
  inspect_ = new InspectWorkspace;
  tabs_->addTab(inspect_, "Inspect");
  scale_ = new ScaleWorkspace;
  tabs_->addTab(scale_, "Scale");
  learn_ = new LearnWorkspace;
  tabs_->addTab(learn_, "Learn");
  setCentralWidget(tabs_);

  auto* runs = new QDockWidget("Runs", this);
  runs->setObjectName("runs");
  auto* list = new Hinted<QListView>(QSize(230, 300));
  list->setModel(store_);
  runs->setWidget(list);
  addDockWidget(Qt::LeftDockWidgetArea, runs);
  connect(list, &QListView::activated, this, [this](const QModelIndex& index) {
    train_->showRun(store_->runs().at(index.row()).id);
  });
  auto* logDock = new QDockWidget("Log", this);
  logDock->setObjectName("log");
  log_ = new Hinted<QPlainTextEdit>(QSize(600, 100));
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(5000);
  logDock->setWidget(log_);
  addDockWidget(Qt::BottomDockWidgetArea, logDock);

  const RuntimeInfo info = runtime_info();
  statusBar()->addPermanentWidget(new QLabel(QString("device: cpu · %1 threads · %2")
                                                 .arg(info.threads)
                                                 .arg(QString::fromStdString(info.blas))));
  activity_ = new QLabel("idle");
  statusBar()->addWidget(activity_, 1);

  connect(train_, &TrainWorkspace::log, this, &MainWindow::appendLog);
  connect(train_, &TrainWorkspace::activity, this, [this](const QString& what) {
    activity_->setText(what.isEmpty() ? "idle" : what);
  });
  connect(worker_, &TrainingWorker::finished, this, [this](const QString& id, RunStatus status) {
    if (closeAfterStop_) close();
    // The first finished run becomes the Inspect workspace's model until one is opened.
    const RunRecord* run = store_->find(id);
    if (run != nullptr && status != RunStatus::failed && inspect_->inspection() == nullptr) {
      inspect_->openCheckpoint(run->directory);
    }
  });
  connect(inspect_, &InspectWorkspace::log, this, &MainWindow::appendLog);
  connect(scale_, &ScaleWorkspace::log, this, &MainWindow::appendLog);
  connect(learn_, &LearnWorkspace::log, this, &MainWindow::appendLog);
  // Learn's cost chart shows the measured times of the latest sweep beside the counts.
  connect(scale_, &ScaleWorkspace::pointMeasured, this, [this] { learn_->setMeasuredPoints(scale_->lastSweep()); });
  connect(scale_, &ScaleWorkspace::runningChanged, this, [this](bool running) {
    activity_->setText(running ? "measuring a sweep" : "idle");
  });
  buildMenus();
  restoreSettings();
}

MainWindow::~MainWindow() = default;

bool MainWindow::showWorkspace(const QString& name) {
  const int index = static_cast<int>(kWorkspaces.indexOf(name.toLower()));
  if (index < 0) return false;
  tabs_->setCurrentIndex(index);
  return true;
}

void MainWindow::appendLog(const QString& line) {
  log_->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss  ") + line);
}

void MainWindow::openRun() {
  const QString dir = QFileDialog::getExistingDirectory(this, "Open a run directory (with metrics.jsonl)");
  if (dir.isEmpty()) return;
  if (const QString error = loadRun(dir); !error.isEmpty())
    QMessageBox::warning(this, "Open run", QString("Could not open %1:\n%2").arg(dir, error));
}

QString MainWindow::loadRun(const QString& dir) {
  try {
    RunRecord run = RunStore::loadRun(dir);
    run.id = "loaded-" + QString::number(store_->rowCount() + 1);
    store_->add(run);
    appendLog("Loaded " + run.name + " from " + dir);
    return {};
  } catch (const std::exception& e) {
    appendLog("Could not open the run " + dir + ": " + describeException(e));
    return describeException(e);
  }
}

bool MainWindow::openFirstDocument() {
  const auto model = find_resource("models/demo");
  const auto mail = find_resource("samples/spam-mail.txt");
  if (!model || !mail) return false;
  showWorkspace("inspect");
  inspect_->openDocument(QString::fromStdString(mail->string()));
  inspect_->openCheckpoint(QString::fromStdString(model->string()));
  appendLog("Opened the demo model (resources/models/demo) on a sample mail");
  return true;
}

QString MainWindow::openPaths(const QStringList& paths) {
  QString shown;
  bool checkpoint = false, document = false;
  for (const QString& path : paths) {
    switch (classifyOpenPath(path)) {
      case OpenKind::run:  // its curves on the Train charts, its model ready in Inspect
        if (!loadRun(path).isEmpty()) continue;  // logged
        if (QDir(path).exists("best/config.json") || QDir(path).exists("last/config.json")) inspect_->openCheckpoint(path);
        shown = "train";
        break;
      case OpenKind::checkpoint:
        inspect_->openCheckpoint(path);
        checkpoint = true;
        shown = "inspect";
        break;
      case OpenKind::document:
        inspect_->openDocument(path);
        document = true;
        shown = "inspect";
        break;
      case OpenKind::sweep: {
        QString error;
        if (!scale_->openSweep(path, &error)) appendLog("Could not open the sweep " + path + ": " + error);
        shown = "scale";
        break;
      }
      case OpenKind::dataset:
        train_->dataset()->setSpec(path);
        shown = "train";
        break;
      case OpenKind::missing:
        appendLog("Cannot open " + path + ": there is no such file or folder");
        continue;
    }
    rememberPath(path);
  }
  if (document && !checkpoint) {
    if (const auto model = find_resource("models/demo")) {
      inspect_->openCheckpoint(QString::fromStdString(model->string()));
      appendLog("Opened the demo model on " + paths.join(", "));
    }
  }
  if (!shown.isEmpty()) showWorkspace(shown);
  return shown;
}

void MainWindow::openWithDialog() {
  const QString path = QFileDialog::getOpenFileName(
      this, "Open", QString(),
      "Documents, sweeps and datasets (*.txt *.eml *.md *.html *.json *.csv *.tsv *.jsonl);;All files (*)");
  if (!path.isEmpty()) openPaths({path});
}

QStringList MainWindow::recentPaths() const { return QSettings().value("recent/paths").toStringList(); }

void MainWindow::rememberPath(const QString& path) {
  QStringList paths = recentPaths();
  const QString absolute = QFileInfo(path).absoluteFilePath();
  paths.removeAll(absolute);
  paths.prepend(absolute);
  while (paths.size() > kRecentPaths) paths.removeLast();
  QSettings().setValue("recent/paths", paths);
  refreshRecentMenu();
}

void MainWindow::refreshRecentMenu() {
  if (recent_ == nullptr) return;
  recent_->clear();
  const QStringList paths = recentPaths();
  for (int i = 0; i < paths.size(); ++i) {
    const QString& path = paths[i];
    QAction* action = recent_->addAction(QString("&%1 %2").arg((i + 1) % 10).arg(path), this, [this, path] { openPaths({path}); });
    action->setData(path);
  }
  recent_->setEnabled(!paths.isEmpty());
}

void MainWindow::importModel() {
  ImportDialog dialog(this);
  if (dialog.exec() != QDialog::Accepted) return;
  appendLog("Imported " + dialog.importedCheckpoint());
  inspect_->openCheckpoint(dialog.importedCheckpoint());
  showWorkspace("inspect");
}

void MainWindow::exportChart() {
  QStringList names;
  for (MetricChart* chart : train_->dashboard()->charts()) names << title(chart->metric());
  bool ok = false;
  const QString chosen = QInputDialog::getItem(this, "Export chart", "Chart", names, 0, false, &ok);
  if (!ok) return;
  const QString path = QFileDialog::getSaveFileName(this, "Export chart", chosen + ".png",
                                                    "PNG (*.png);;SVG (*.svg);;PDF (*.pdf);;CSV data (*.csv)");
  if (path.isEmpty()) return;
  try {
    train_->dashboard()->charts().at(names.indexOf(chosen))->exportTo(path);
    appendLog("Exported " + chosen + " to " + path);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, "Export chart", describeException(e));
  }
}

void MainWindow::exportRunMetrics() {
  const RunRecord* run = store_->find(train_->summary()->selectedRunId());
  if (run == nullptr && !store_->runs().empty()) run = &store_->runs().back();
  if (run == nullptr) {
    QMessageBox::information(this, "Export run metrics", "There is no run yet.");
    return;
  }
  const QString path = QFileDialog::getSaveFileName(this, "Export run metrics", "metrics.jsonl", "JSON lines (*.jsonl)");
  if (path.isEmpty()) return;
  QFile::remove(path);
  if (!QFile::copy(run->directory + "/metrics.jsonl", path)) {
    QMessageBox::warning(this, "Export run metrics", "Could not write " + path);
  }
}

void MainWindow::about() {
  const RuntimeInfo info = runtime_info();
  QMessageBox::about(this, "About Fastformer Studio",
                     QString("<h3>Fastformer Studio %1</h3>"
                             "<p>Train, inspect and compare Fastformer (Wu et al. 2021, additive attention) "
                             "and softmax Transformers.</p>"
                             "<p>Qt %2 · LibTorch %3 · device cpu · %4 threads · BLAS %5</p>")
                         .arg(QString::fromStdString(info.version), qVersion(),
                              QString::fromStdString(info.torch_version))
                         .arg(info.threads)
                         .arg(QString::fromStdString(info.blas)));
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!worker_->isRunning()) {
    saveSettings();
    event->accept();
    return;
  }
  if (confirmClose_ && !closeAfterStop_) {
    const auto answer = QMessageBox::question(this, "Training is running",
                                              "Stop the run (its last checkpoint is saved) and quit?",
                                              QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes) {
      event->ignore();
      return;
    }
  }
  // Stop, and close when the worker reports that it has saved and returned.
  closeAfterStop_ = true;
  train_->stop();
  event->ignore();
}

void MainWindow::restoreSettings() {
  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());
  restoreState(settings.value("window/state").toByteArray());
  const QString spec = settings.value("train/dataset").toString();
  const QByteArray model = settings.value("train/model").toByteArray();
  if (!model.isEmpty()) {
    try {  // the engine's JSON, as saveSettings() wrote it
      train_->form()->setConfig(
          model_config_from_json(nlohmann::json::parse(model.toStdString()), preset("paper")),
          train_config_from_json(nlohmann::json::parse(settings.value("train/train").toByteArray().toStdString())),
          settings.value("train/device", "cpu").toString());
    } catch (const std::exception&) {
      // Settings from an older or foreign version: keep the form's defaults.
    }
  }
  // The first start opens the built-in e-mail corpus.
  train_->dataset()->setSpec(spec.isEmpty() ? DatasetPanel::builtIns().front().second : spec);
  tabs_->setCurrentIndex(settings.value("window/workspace", 0).toInt());
}

void MainWindow::saveSettings() const {
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  settings.setValue("window/workspace", tabs_->currentIndex());
  settings.setValue("train/dataset", train_->dataset()->spec());
  settings.setValue("train/model", QByteArray::fromStdString(to_json(train_->form()->modelConfig()).dump()));
  settings.setValue("train/train", QByteArray::fromStdString(to_json(train_->form()->trainConfig()).dump()));
  settings.setValue("train/device", train_->form()->device());
}

}  // namespace fastformer::ui
