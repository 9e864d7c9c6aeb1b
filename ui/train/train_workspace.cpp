// TrainWorkspace: layout and the wiring between the form, the worker, the store and the
// charts. Every engine call happens on the worker's thread.
#include "train/train_workspace.h"

#include "train/config_form.h"
#include "train/confusion_heatmap.h"
#include "train/dataset_panel.h"
#include "common/metric_chart.h"
#include "train/run_store.h"
#include "train/run_summary_table.h"
#include "train/training_worker.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

namespace fastformer::ui {
namespace {

QString shortData(const QString& spec) {
  if (spec.startsWith("synthetic:")) return spec.section('?', 0, 0).mid(10);
  return QFileInfo(spec).fileName().isEmpty() ? spec : QFileInfo(spec).fileName();
}

QString duration(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  return s >= 3600 ? QString("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60)
         : s >= 60 ? QString("%1 min %2 s").arg(s / 60).arg(s % 60)
                   : QString("%1 s").arg(s);
}

}  // namespace

TrainWorkspace::TrainWorkspace(RunStore& store, TrainingWorker& worker, QWidget* parent)
    : QWidget(parent), store_(store), worker_(worker) {
  dataset_ = new DatasetPanel;
  form_ = new ConfigForm;
  start_ = new QPushButton("Start");
  pause_ = new QPushButton("Pause");
  stop_ = new QPushButton("Stop");
  start_->setDefault(true);
  progress_ = new QProgressBar;
  progress_->setFormat("step %v of %m");
  progress_->setRange(0, 1);
  progress_->setValue(0);
  progress_->setTextVisible(false);  // until a run starts
  eta_ = new QLabel("idle");
  dashboard_ = new MetricsDashboard;
  dashboard_->setStore(&store_);  // the charts follow the store's runs from here on
  summary_ = new RunSummaryTable;
  confusion_ = new ConfusionHeatmap;
  summary_->setMinimumHeight(90);
  confusion_->setMinimumSize(240, 160);

  // Left: what to train, in a scroll area so small windows clip nothing.
  auto* controls = new QWidget;
  auto* left = new QVBoxLayout(controls);
  left->addWidget(dataset_);
  left->addWidget(form_);
  left->addStretch();
  auto* scroll = new QScrollArea;
  scroll->setWidget(controls);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(controls->sizeHint().width() + 24);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(start_);
  buttons->addWidget(pause_);
  buttons->addWidget(stop_);
  auto* leftPanel = new QWidget;
  auto* leftLayout = new QVBoxLayout(leftPanel);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(scroll, 1);
  leftLayout->addLayout(buttons);
  leftLayout->addWidget(progress_);
  leftLayout->addWidget(eta_);

  // Right: the charts above, the run table and the confusion matrix below.
  auto* bottom = new QSplitter(Qt::Horizontal);
  bottom->addWidget(summary_);
  bottom->addWidget(confusion_);
  bottom->setStretchFactor(0, 3);
  bottom->setStretchFactor(1, 1);
  auto* right = new QSplitter(Qt::Vertical);
  right->addWidget(dashboard_);
  right->addWidget(bottom);
  right->setStretchFactor(0, 3);
  right->setStretchFactor(1, 1);
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(leftPanel);
  split->addWidget(right);
  split->setStretchFactor(0, 0);
  split->setStretchFactor(1, 1);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(split);

  connect(start_, &QPushButton::clicked, this, &TrainWorkspace::start);
  connect(pause_, &QPushButton::clicked, this, &TrainWorkspace::pauseOrResume);
  connect(stop_, &QPushButton::clicked, this, &TrainWorkspace::stop);
  connect(form_, &ConfigForm::validityChanged, this, &TrainWorkspace::refreshButtons);
  // The form says what its max length keeps of the dataset just read.
  connect(dataset_, &DatasetPanel::previewReady, form_,
          [this](const DatasetPreview& p) { form_->setDocumentLengths(p.error.isEmpty() ? p.lengths : std::vector<double>{}); });
  connect(summary_, &RunSummaryTable::runSelected, this, &TrainWorkspace::showRun);
  connect(&worker_, &TrainingWorker::started, this, [this](const RunRecord& run) {
    store_.add(run);
    activeId_ = run.id;
    progress_->setRange(0, static_cast<int>(std::max<std::int64_t>(1, run.total_steps)));
    progress_->setTextVisible(true);
    Q_EMIT log(QString("%1: %2 parameters, %3 steps planned, writing %4")
                 .arg(run.name)
                 .arg(QLocale().toString(static_cast<qlonglong>(run.parameters)))
                 .arg(run.total_steps)
                 .arg(run.directory));
    refreshRuns();
  });
  connect(&worker_, &TrainingWorker::stepReported, this, &TrainWorkspace::onStep);
  connect(&worker_, &TrainingWorker::evalReported, this, &TrainWorkspace::onEval);
  connect(&worker_, &TrainingWorker::message, this, [this](const QString&, const QString& text) { Q_EMIT log(text); });
  connect(&worker_, &TrainingWorker::finished, this, &TrainWorkspace::onFinished);
  connect(&store_, &RunStore::rowsInserted, this, &TrainWorkspace::refreshRuns);
  refreshButtons();
}

void TrainWorkspace::start() {
  if (worker_.isRunning() || !form_->isValid()) return;
  if (dataset_->spec().isEmpty()) {
    Q_EMIT log("Choose a dataset first.");
    return;
  }
  ++started_;
  QString name = QString("%1 · %2 #%3").arg(form_->modelName(), shortData(dataset_->spec())).arg(started_);
  if (form_->processes() > 1) name += QString(" · %1 processes").arg(form_->processes());
  const QString stamp = QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
  TrainRequest request;
  request.data = dataset_->spec();
  request.model = form_->modelConfig();
  request.train = form_->trainConfig();
  request.device = form_->device();
  request.processes = form_->processes();
  request.workerExecutable = QCoreApplication::applicationDirPath() + QStringLiteral("/fastformer");
  distributedRun_ = request.processes > 1;
  request.name = name;
  request.directory = QDir(runsRoot_).filePath(QString("%1-%2-%3").arg(stamp, form_->modelName().toLower()).arg(started_));
  const QString id = QString("run-%1").arg(started_);
  Q_EMIT log("Starting " + name + " on " + request.data +
           (request.processes > 1 ? QString(" with %1 processes").arg(request.processes) : QString()));
  if (worker_.start(request, id)) Q_EMIT activity("training " + name);
  refreshButtons();
}

void TrainWorkspace::pauseOrResume() {
  if (!worker_.isRunning()) return;
  if (worker_.isPaused()) {
    worker_.resume();
    Q_EMIT log("Resumed.");
  } else {
    worker_.pause();
    Q_EMIT log("Paused.");
  }
  if (!activeId_.isEmpty()) store_.setStatus(activeId_, worker_.isPaused() ? RunStatus::paused : RunStatus::running);
  refreshButtons();
}

void TrainWorkspace::stop() {
  if (!worker_.isRunning()) return;
  Q_EMIT log("Stopping: the last checkpoint is being saved…");
  worker_.stop();
  stop_->setEnabled(false);
}

void TrainWorkspace::refreshButtons() {
  const bool running = worker_.isRunning();
  start_->setEnabled(!running && form_->isValid());
  start_->setToolTip(form_->isValid() ? QString() : form_->errorText());
  pause_->setEnabled(running && !distributedRun_);
  pause_->setToolTip(distributedRun_ ? "A run on several processes cannot pause (its peers would time out); Stop saves it"
                                     : QString());
  pause_->setText(running && worker_.isPaused() ? "Resume" : "Pause");
  stop_->setEnabled(running);
  Q_EMIT controlsChanged();
}

void TrainWorkspace::onStep(const QString& id, const StepPoint& point) {
  store_.appendStep(id, point);
  if (const RunRecord* run = store_.find(id)) {
    summary_->updateProgress(*run);
    progress_->setValue(static_cast<int>(std::min<std::int64_t>(point.step, progress_->maximum())));
    const double left = point.step > 0 ? point.wall_s / point.step * static_cast<double>(run->total_steps - point.step) : 0;
    eta_->setText(QString("%1 elapsed · about %2 left · %3 tokens/s · loss %4")
                      .arg(duration(point.wall_s), duration(std::max(0.0, left)))
                      .arg(point.tokens_per_s, 0, 'f', 0)
                      .arg(point.loss, 0, 'f', 4));
  }
}

void TrainWorkspace::onEval(const QString& id, const EvalPoint& point) {
  store_.appendEval(id, point);
  if (const RunRecord* run = store_.find(id)) {
    Q_EMIT log(QString("%1 step %2, %3: accuracy %4%, macro-F1 %5, loss %6")
                 .arg(run->name)
                 .arg(point.step)
                 .arg(point.split)
                 .arg(100 * point.accuracy, 0, 'f', 2)
                 .arg(point.macro_f1, 0, 'f', 3)
                 .arg(point.loss, 0, 'f', 4));
    if (shownId_.isEmpty() || shownId_ == id) showRun(id);
  }
  summary_->setRuns(store_.runs());
}

void TrainWorkspace::onFinished(const QString& id, RunStatus status, const QString& message) {
  store_.setStatus(id, status, message);
  // The reason itself has just been logged as the run's last message.
  if (const RunRecord* run = store_.find(id)) Q_EMIT log(run->name + ": " + toString(status) + ".");
  activeId_.clear();
  Q_EMIT activity({});
  eta_->setText(toString(status) + (message.isEmpty() ? QString() : ": " + message));
  summary_->setRuns(store_.runs());
  refreshButtons();
}

void TrainWorkspace::refreshRuns() {
  summary_->setRuns(store_.runs());
}

void TrainWorkspace::showRun(const QString& id) {
  const RunRecord* run = store_.find(id);
  if (run == nullptr) return;
  shownId_ = id;
  const EvalPoint* shown = nullptr;
  for (const auto& e : run->evals) shown = &e;  // the latest evaluation
  confusion_->setMatrix(run->labels, shown != nullptr ? shown->confusion : std::vector<std::vector<std::int64_t>>{});
}

}  // namespace fastformer::ui
