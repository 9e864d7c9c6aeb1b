// ScaleWorkspace: the sweep form, Start/Stop around the sweep worker, the list of sweeps
// (this session's and opened files) and the charts they feed.
#include "fastformer/error.h"
#include "fastformer/runtime.h"

#include "scale/scale_workspace.h"

#include "common/background_job.h"
#include "scale/scale_charts.h"
#include "scale/sweep_form.h"
#include "scale/sweep_list.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QRegularExpression>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

namespace fastformer::ui {
namespace {

// One line per point, as `fastformer bench sweep` prints it, shorter.
QString pointLine(const BenchPoint& p) {
  QString line =
      QStringLiteral("%1 %2 N=%3 B=%4: ")
          .arg(kindName(p.kind), QString::fromStdString(p.pass), formatLength(static_cast<double>(p.n)))
          .arg(p.batch);
  if (p.status != "ok") return line + QString::fromStdString(p.status);
  line += QStringLiteral("%1 ms, %2 tokens/s").arg(p.median_ms, 0, 'g', 4).arg(formatLength(p.tokens_per_s, true));
  if (p.memory_method != kMemoryNone) line += QStringLiteral(", %1").arg(memoryText(static_cast<double>(p.peak_bytes)));
  if (!p.stable) line += QStringLiteral(" (not steady after %1 runs)").arg(p.runs);
  return line;
}

QString quoted(const QString& arg) {
  return arg.contains(QRegularExpression(QStringLiteral("[^A-Za-z0-9_.,:/=+-]"))) ? "'" + arg + "'" : arg;
}

QString duration(qint64 ms) {
  const qint64 s = (ms + 500) / 1000;
  return s < 60 ? QStringLiteral("%1 s").arg(s) : QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
}

}  // namespace

ScaleWorkspace::ScaleWorkspace(QWidget* parent) : QWidget(parent) {
  cliExecutable_ = QCoreApplication::applicationDirPath() + QStringLiteral("/fastformer");
  form_ = new SweepForm;
  charts_ = new ScaleCharts;
  list_ = new SweepList;
  worker_ = new SweepWorker(this);
  start_ = new QPushButton(QStringLiteral("Start"));
  stop_ = new QPushButton(QStringLiteral("Stop"));
  start_->setToolTip(QStringLiteral("Run the sweep: a fastformer bench point child process per point"));
  stop_->setToolTip(QStringLiteral("End the sweep now: the running point is killed, the points so far stay"));
  progress_ = new QProgressBar;
  progress_->setTextVisible(true);
  progress_->setFormat(QStringLiteral("%v / %m points"));
  status_ = new QLabel(QStringLiteral("Set the lengths and press Start."));
  status_->setWordWrap(true);
  message_ = new QLabel;
  message_->setWordWrap(true);
  message_->setStyleSheet(QStringLiteral("color: #b00020;"));
  message_->setVisible(false);
  command_ = new QLineEdit;
  command_->setReadOnly(true);
  command_->setToolTip(QStringLiteral("The same sweep from the command line"));

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(start_);
  buttons->addWidget(stop_);
  auto* runBox = new QGroupBox(QStringLiteral("Run"));
  auto* run = new QVBoxLayout(runBox);
  run->addLayout(buttons);
  run->addWidget(progress_);
  run->addWidget(status_);
  run->addWidget(new QLabel(QStringLiteral("Command line:")));
  run->addWidget(command_);
  auto* sweepsBox = new QGroupBox(QStringLiteral("Sweeps on the charts"));
  auto* sweeps = new QVBoxLayout(sweepsBox);
  sweeps->addWidget(list_);

  auto* side = new QWidget;
  auto* sideLayout = new QVBoxLayout(side);
  sideLayout->addWidget(form_);
  sideLayout->addWidget(runBox);
  sideLayout->addWidget(sweepsBox, 1);
  sideLayout->addWidget(message_);
  auto* scroll = new QScrollArea;
  scroll->setWidget(side);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(side->sizeHint().width() + 20);
  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->addWidget(scroll);
  splitter->addWidget(charts_);
  splitter->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(splitter);

  connect(start_, &QPushButton::clicked, this, &ScaleWorkspace::startSweep);
  connect(stop_, &QPushButton::clicked, this, &ScaleWorkspace::stopSweep);
  connect(form_, &SweepForm::changed, this, &ScaleWorkspace::updateControls);
  connect(worker_, &SweepWorker::pointStarted, this, &ScaleWorkspace::onPointStarted);
  connect(worker_, &SweepWorker::pointMeasured, this, &ScaleWorkspace::onPointMeasured);
  connect(worker_, &SweepWorker::message, this,
          [this](const QString& text) { Q_EMIT log(QStringLiteral("scale: ") + text); });
  connect(worker_, &SweepWorker::finished, this, &ScaleWorkspace::onFinished);
  connect(list_, &SweepList::visibilityChanged, this, [this](int row, bool visible) {
    if (row < 0 || row >= static_cast<int>(sweeps_.size())) return;
    sweeps_[static_cast<std::size_t>(row)].visible = visible;
    charts_->setSweeps(sweeps_);
  });
  connect(list_, &SweepList::openRequested, this, &ScaleWorkspace::openSweepWithDialog);
  connect(list_, &SweepList::saveRequested, this, &ScaleWorkspace::saveSweepWithDialog);
  connect(list_, &SweepList::removeRequested, this, &ScaleWorkspace::removeSweep);
  updateControls();
}

ScaleWorkspace::~ScaleWorkspace() { worker_->stop(); }  // the worker's destructor waits

bool ScaleWorkspace::isRunning() const { return worker_->isRunning(); }

std::vector<BenchPoint> ScaleWorkspace::lastSweep() const {
  return live_ >= 0 ? sweeps_[static_cast<std::size_t>(live_)].points : std::vector<BenchPoint>{};
}

void ScaleWorkspace::setRunner(SweepRunnerFactory factory) { runner_ = std::move(factory); }

void ScaleWorkspace::setCliExecutable(const QString& path) { cliExecutable_ = path; }

void ScaleWorkspace::startSweep() {
  if (isRunning()) return;
  const QString problem = form_->error();
  if (!problem.isEmpty()) {
    showMessage(QStringLiteral("Cannot start: ") + problem);
    return;
  }
  showMessage({});
  const BenchConfig config = form_->config();
  SweepRecord sweep;
  sweep.config = config;
  sweep.live = true;
  sweep.colorSlot = nextSlot_++;
  sweep.label =
      QStringLiteral("this machine, %1, %2")
          .arg(QString::fromStdString(config.device), QDateTime::currentDateTime().toString("yyyy-MM-dd HH:mm"));
  const RuntimeInfo info = runtime_info();
  sweep.machine =
      QStringLiteral("LibTorch %1, %2 threads").arg(QString::fromStdString(info.torch_version)).arg(info.threads);
  sweeps_.push_back(sweep);
  live_ = static_cast<int>(sweeps_.size()) - 1;
  planned_ = static_cast<int>(config.kinds.size() * config.lengths.size());
  progress_->setRange(0, planned_);
  progress_->setValue(0);
  startedMs_ = QDateTime::currentMSecsSinceEpoch();
  worker_->start(config, runner_ ? runner_ : childRunnerFactory(cliExecutable_));
  status_->setText(QStringLiteral("Starting the sweep…"));
  Q_EMIT log(QStringLiteral("scale: fastformer ") + form_->cliArguments().join(' '));
  refresh();
  list_->select(live_);
  Q_EMIT runningChanged(true);
}

void ScaleWorkspace::stopSweep() {
  if (!isRunning()) return;
  worker_->stop();
  status_->setText(QStringLiteral("Stopping…"));
}

void ScaleWorkspace::onPointStarted(const QString& kind, qint64 n) {
  const int done = live_ >= 0 ? static_cast<int>(sweeps_[static_cast<std::size_t>(live_)].points.size()) : 0;
  status_->setText(QStringLiteral("Measuring %1 at N = %2 (point %3 of %4)…")
                       .arg(kind, formatLength(static_cast<double>(n)))
                       .arg(done + 1)
                       .arg(planned_));
}

void ScaleWorkspace::onPointMeasured(const BenchPoint& point) {
  if (live_ < 0) return;
  sweeps_[static_cast<std::size_t>(live_)].points.push_back(point);
  progress_->setValue(std::min(planned_, progress_->value() + 1));
  charts_->setSweeps(sweeps_);
  list_->setSweeps(sweeps_);
  Q_EMIT log(QStringLiteral("scale: ") + pointLine(point));
  Q_EMIT pointMeasured(point);
}

void ScaleWorkspace::onFinished(bool stopped, const QString& error) {
  const SweepRecord* sweep = live_ >= 0 ? &sweeps_[static_cast<std::size_t>(live_)] : nullptr;
  const std::size_t count = sweep ? sweep->points.size() : 0;
  if (sweep && count == 0) {  // nothing measured: nothing to show or keep
    sweeps_.erase(sweeps_.begin() + live_);
    live_ = -1;
    for (int i = static_cast<int>(sweeps_.size()) - 1; i >= 0 && live_ < 0; --i)
      if (sweeps_[static_cast<std::size_t>(i)].live) live_ = i;
  }
  charts_->redrawNow();
  QString text = !error.isEmpty() ? QStringLiteral("The sweep failed: ") + error
                 : stopped        ? QStringLiteral("Stopped after %1 points (%2).")
                                 .arg(count)
                                 .arg(duration(QDateTime::currentMSecsSinceEpoch() - startedMs_))
                           : QStringLiteral("Finished: %1 points in %2.")
                                 .arg(count)
                                 .arg(duration(QDateTime::currentMSecsSinceEpoch() - startedMs_));
  const TimeChartFacts& facts = charts_->timeFacts();
  if (!facts.slopes.isEmpty()) text += ' ' + facts.slopes.join(QStringLiteral(", ")) + '.';
  if (facts.crossover) text += QStringLiteral(" Additive is faster from N = %1.").arg(formatLength(*facts.crossover));
  status_->setText(text);
  if (!error.isEmpty()) showMessage(text);
  Q_EMIT log(QStringLiteral("scale: ") + text);
  refresh();
  Q_EMIT runningChanged(false);
  Q_EMIT sweepFinished();
}

bool ScaleWorkspace::openSweep(const QString& path, QString* error) {
  try {
    SweepRecord sweep = loadSweep(path);
    sweep.colorSlot = nextSlot_++;
    sweeps_.push_back(std::move(sweep));
  } catch (const Error& e) {
    const QString text = QStringLiteral("Cannot open %1: %2").arg(QFileInfo(path).fileName(), describeException(e));
    showMessage(text);
    if (error) *error = text;
    return false;
  }
  showMessage({});
  Q_EMIT log(QStringLiteral("scale: opened ") + path);
  refresh();
  list_->select(static_cast<int>(sweeps_.size()) - 1);
  return true;
}

bool ScaleWorkspace::saveSweep(const QString& path, QString* error, int index) {
  if (index < 0) index = list_->selected() >= 0 ? list_->selected() : live_;
  QString text;
  if (index < 0 || index >= static_cast<int>(sweeps_.size())) {
    text = QStringLiteral("There is no sweep to save yet.");
  } else {
    try {
      ::fastformer::ui::saveSweep(sweeps_[static_cast<std::size_t>(index)], path);
    } catch (const Error& e) {
      text = QStringLiteral("Cannot save: ") + describeException(e);
    }
  }
  if (error) *error = text;
  showMessage(text);
  if (text.isEmpty()) Q_EMIT log(QStringLiteral("scale: saved ") + path);
  return text.isEmpty();
}

void ScaleWorkspace::removeSweep(int index) {
  if (index < 0 || index >= static_cast<int>(sweeps_.size())) return;
  if (index == live_ && isRunning()) {
    showMessage(QStringLiteral("Stop the running sweep before removing it."));
    return;
  }
  sweeps_.erase(sweeps_.begin() + index);
  if (live_ == index)
    live_ = -1;
  else if (live_ > index)
    --live_;
  refresh();
}

void ScaleWorkspace::openSweepWithDialog() {
  const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Open a sweep"), QString(),
                                                    QStringLiteral("Benchmark sweeps (*.json *.csv);;All files (*)"));
  if (!path.isEmpty()) openSweep(path);
}

void ScaleWorkspace::saveSweepWithDialog(int index) {
  QString filter = QStringLiteral("JSON: settings, machine and points (*.json)");
  const QString csv = QStringLiteral("CSV: points (*.csv)");
  QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Save the sweep"), QStringLiteral("sweep.json"),
                                              filter + ";;" + csv, &filter);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += filter == csv ? ".csv" : ".json";
  saveSweep(path, nullptr, index);
}

void ScaleWorkspace::showMessage(const QString& text) {
  message_->setText(text);
  message_->setVisible(!text.isEmpty());
}

void ScaleWorkspace::refresh() {
  charts_->setSweeps(sweeps_);
  list_->setSweeps(sweeps_);
  updateControls();
}

void ScaleWorkspace::updateControls() {
  const bool running = isRunning();
  start_->setEnabled(!running && form_->error().isEmpty());
  stop_->setEnabled(running);
  form_->setEnabled(!running);
  QStringList args;
  for (const QString& a : form_->cliArguments()) args << quoted(a);
  command_->setText(QStringLiteral("fastformer ") + args.join(' '));
  command_->setCursorPosition(0);
  command_->setToolTip(QStringLiteral("The same sweep from the command line:\n") + command_->text());
}

}  // namespace fastformer::ui
