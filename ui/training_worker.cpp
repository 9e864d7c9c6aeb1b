// TrainingWorker: the engine's prepare_training_data + Trainer on a QThread, reporting
// through value-type signals that are posted to (and emitted on) the worker's own thread.
// Torch first: Qt's `slots` macro breaks its headers.
#include "fastformer/dataset.h"
#include "fastformer/error.h"
#include "fastformer/model_config.h"
#include "fastformer/runtime.h"
#include "fastformer/train_config.h"
#include "fastformer/training_data.h"

#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "training_worker.h"

#include <QJsonDocument>
#include <QThread>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <new>

namespace fastformer::ui {
namespace {

nlohmann::json toNlohmann(const QJsonObject& object) {
  return nlohmann::json::parse(QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString());
}

QJsonObject toQt(const nlohmann::json& json) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(json.dump())).object();
}

// The first line only: c10 errors carry a multi-line context, the GUI shows one line.
QString oneLine(const std::string& text) {
  const QString line = QString::fromStdString(text).section(QLatin1Char('\n'), 0, 0).trimmed();
  return line.isEmpty() ? QStringLiteral("unknown error") : line;
}

}  // namespace

struct TrainingWorker::Impl {
  TrainingWorker* owner = nullptr;
  QThread* thread = nullptr;  // a child of owner; deleted once joined
  QString runId;  // of the run in progress; GUI thread only
  bool running = false;

  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::condition_variable wake;
  bool paused = false;  // guarded by mutex
  std::atomic<bool> pausedFlag{false};

  // Written by the training thread before it ends, read after QThread::wait().
  RunStatus endStatus = RunStatus::failed;
  QString endMessage;

  // Called on the training thread: runs `emitIt` on the owner's thread, in posting order.
  template <typename F>
  void post(F emitIt) {
    QMetaObject::invokeMethod(owner, std::move(emitIt), Qt::QueuedConnection);
  }

  void waitWhilePaused() {
    std::unique_lock<std::mutex> lock(mutex);
    wake.wait(lock, [this] { return !paused || stop.load(); });
  }

  class Observer;
  void train(const TrainRequest& request, const QString& id);
  void runTrainer(const TrainRequest& request, const QString& id);
  void onThreadFinished();
};

// Turns the trainer's callbacks into posted signals; blocks between steps while paused.
class TrainingWorker::Impl::Observer : public TrainObserver {
 public:
  Observer(Impl& impl, QString id) : impl_(impl), id_(std::move(id)) {}

  void on_step(const StepReport& report) override {
    StepPoint point;
    point.step = report.step;
    point.wall_s = report.elapsed_s;
    point.tokens_seen = report.tokens_per_s * report.elapsed_s;
    point.loss = report.loss;
    point.lr = report.lr;
    point.tokens_per_s = report.tokens_per_s;
    last_ = point;
    TrainingWorker* owner = impl_.owner;
    impl_.post([owner, id = id_, point] { emit owner->stepReported(id, point); });
    impl_.waitWhilePaused();
  }

  void on_eval(const EvalReport& report) override {
    EvalPoint point;
    point.step = report.step;
    point.tokens_seen = last_.tokens_seen;
    point.wall_s = last_.wall_s;
    point.split = QString::fromStdString(report.split);
    point.loss = report.metrics.loss;
    point.accuracy = report.metrics.accuracy;
    point.macro_f1 = report.metrics.macro_f1;
    point.confusion = report.metrics.confusion;
    TrainingWorker* owner = impl_.owner;
    impl_.post([owner, id = id_, point] { emit owner->evalReported(id, point); });
  }

  void on_message(const std::string& text) override {
    TrainingWorker* owner = impl_.owner;
    impl_.post([owner, id = id_, line = QString::fromStdString(text)] { emit owner->message(id, line); });
  }

 private:
  Impl& impl_;
  QString id_;
  StepPoint last_;
};

// The whole run, on the training thread. Every exception ends as a failed status.
void TrainingWorker::Impl::train(const TrainRequest& request, const QString& id) {
  try {
    runTrainer(request, id);
  } catch (const Error& e) {
    endStatus = RunStatus::failed;
    endMessage = oneLine(e.what());
  } catch (const c10::Error& e) {
    endStatus = RunStatus::failed;
    endMessage = oneLine(e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    endStatus = RunStatus::failed;
    endMessage = QStringLiteral("out of memory (try a smaller batch_size, max_len or model)");
  } catch (const std::exception& e) {
    endStatus = RunStatus::failed;
    endMessage = oneLine(e.what());
  } catch (...) {
    endStatus = RunStatus::failed;
    endMessage = QStringLiteral("unknown error");
  }
}

void TrainingWorker::Impl::runTrainer(const TrainRequest& request, const QString& id) {
  const torch::Device device = parse_device(request.device.toStdString());
  const ModelConfig modelConfig = model_config_from_json(toNlohmann(request.model));
  TrainConfig trainConfig = train_config_from_json(toNlohmann(request.train));
  trainConfig.validate();
  const std::string spec = request.data.toStdString();
  const std::filesystem::path dir = request.directory.toStdString();

  Observer observer(*this, id);
  TrainingData data = prepare_training_data(spec, ReadOptions{}, trainConfig, observer);
  QStringList labels;
  for (const auto& label : data.labels) labels << QString::fromStdString(label);
  Trainer trainer(modelConfig, trainConfig, std::move(data), dir, device);

  RunRecord record;
  record.id = id;
  record.name = request.name.isEmpty() ? id : request.name;
  record.directory = request.directory;
  record.data = request.data;
  record.model = toQt(to_json(trainer.model()->config()));  // vocab, classes and max_len as built
  record.train = toQt(to_json(trainer.config()));
  record.labels = labels;
  for (const auto& p : trainer.model()->parameters()) record.parameters += p.numel();
  record.total_steps = trainer.total_steps();
  record.status = RunStatus::running;
  post([o = owner, record] { emit o->started(record); });

  const TrainResult result = trainer.run(observer, stop);
  endMessage = QString::fromStdString(result.reason);
  if (result.diverged) {
    endStatus = RunStatus::failed;
  } else if (stop.load()) {
    endStatus = RunStatus::stopped;
  } else {
    endStatus = RunStatus::finished;  // all steps, early stop or time budget
  }
}

// On the owner's thread, after the training thread has returned from its work.
void TrainingWorker::Impl::onThreadFinished() {
  if (!thread) return;
  thread->wait();  // only the thread's own teardown is left
  thread->deleteLater();
  thread = nullptr;
  running = false;
  {
    std::lock_guard<std::mutex> lock(mutex);
    paused = false;
  }
  pausedFlag = false;
  const QString id = runId;
  runId.clear();
  emit owner->finished(id, endStatus, endMessage);
}

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent), impl_(std::make_unique<Impl>()) {
  impl_->owner = this;
  qRegisterMetaType<fastformer::ui::StepPoint>();
  qRegisterMetaType<fastformer::ui::EvalPoint>();
  qRegisterMetaType<fastformer::ui::RunStatus>();
  qRegisterMetaType<fastformer::ui::RunRecord>();
}

TrainingWorker::~TrainingWorker() {
  stop();
  if (impl_->thread) impl_->thread->wait();  // the trainer saves last/ after its current step
}

bool TrainingWorker::start(const TrainRequest& request, const QString& runId) {
  if (impl_->running) {
    const QString reason = QStringLiteral("another training run (%1) is in progress").arg(impl_->runId);
    QMetaObject::invokeMethod(
        this, [this, runId, reason] { emit finished(runId, RunStatus::failed, reason); }, Qt::QueuedConnection);
    return false;
  }
  Impl& impl = *impl_;
  impl.stop = false;
  {
    std::lock_guard<std::mutex> lock(impl.mutex);
    impl.paused = false;
  }
  impl.pausedFlag = false;
  impl.endStatus = RunStatus::failed;
  impl.endMessage.clear();
  impl.runId = runId;
  impl.running = true;
  impl.thread = QThread::create([&impl, request, runId] { impl.train(request, runId); });
  impl.thread->setParent(this);
  // Queued behind every report the thread posted, so finished() always comes last.
  connect(impl.thread, &QThread::finished, this, [this] { impl_->onThreadFinished(); }, Qt::QueuedConnection);
  impl.thread->start();
  return true;
}

void TrainingWorker::pause() {
  if (!impl_->running) return;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->paused = true;
  impl_->pausedFlag = true;
}

void TrainingWorker::resume() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->paused = false;
    impl_->pausedFlag = false;
  }
  impl_->wake.notify_all();
}

void TrainingWorker::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stop = true;
  }
  impl_->wake.notify_all();
}

bool TrainingWorker::isRunning() const { return impl_->running; }
bool TrainingWorker::isPaused() const { return impl_->pausedFlag.load(); }
QString TrainingWorker::currentRunId() const { return impl_->runId; }

}  // namespace fastformer::ui
