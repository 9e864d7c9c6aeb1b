// TrainingWorker: the engine's prepare_training_data + Trainer on a QThread, reporting
// through value-type signals that are posted to (and emitted on) the worker's own thread.
#include "fastformer/dataset.h"
#include "fastformer/distributed.h"
#include "fastformer/error.h"
#include "fastformer/model_config.h"
#include "fastformer/runtime.h"
#include "fastformer/train_config.h"
#include "fastformer/training_data.h"
#include "fastformer/worker_group.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "train/training_worker.h"

#include "common/describe_exception.h"

#include <QThread>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <new>
#include <thread>

namespace fastformer::ui {
namespace {

// The last non-empty line of a rank's log: usually its error.
QString lastLine(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return QString::fromStdString(last);
}

// Ranks 1…N-1 of a data-parallel run as `fastformer train --distributed` processes, with the
// same data spec and settings (every key, written to DIRECTORY/distributed-settings.json).
class HelperRanks {
 public:
  HelperRanks(const TrainRequest& request, const ModelConfig& model, const TrainConfig& train,
              const std::filesystem::path& dir, int port, int threads)
      : dir_(dir) {
    std::filesystem::create_directories(dir);
    const auto settings = dir / "distributed-settings.json";
    std::ofstream(settings) << nlohmann::json{{"model", to_json(model)}, {"train", to_json(train)}}.dump(1);
    const std::vector<std::string> argv{request.workerExecutable.toStdString(), "--threads", std::to_string(threads),
                                        "train", "--data", request.data.toStdString(), "--config", settings.string(),
                                        "--out", dir.string(), "--device", request.device.toStdString(),
                                        "--distributed", "--dist-timeout", "60"};
    for (int rank = 1; rank < request.processes; ++rank) {
      group_.start(rank, argv, rank_environment(request.processes, rank, "127.0.0.1", port),
                   (dir / ("rank" + std::to_string(rank) + ".log")).string());
    }
  }

  // Waits up to `seconds` for the ranks to end and kills the rest (no verdict on those);
  // says how each that failed on its own ended, with the last line of its log.
  QString finish(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::vector<WorkerExit> ended;
    for (;;) {
      for (const auto& e : group_.reap()) ended.push_back(e);
      if (group_.running() == 0 || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    group_.kill_all();
    QStringList failures;
    for (const auto& e : ended) {
      if (e.ok() || e.stopped()) continue;
      const QString log = lastLine(dir_ / ("rank" + std::to_string(e.rank) + ".log"));
      failures << QString::fromStdString(e.describe()) + (log.isEmpty() ? QString() : ": " + log);
    }
    return failures.join("; ");
  }

 private:
  std::filesystem::path dir_;
  WorkerGroup group_;
};

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
  std::atomic<bool> distributed{false};  // the run in progress has other ranks
  int threadsBefore = 0;                 // the CPU threads to restore after a distributed run

  // Written by the training thread before it ends, read after QThread::wait().
  RunStatus endStatus = RunStatus::failed;
  QString endMessage;

  // Called on the training thread: runs `emitIt` on the owner's thread, in posting order.
  template <typename F>
  void post(F emitIt) {
    QMetaObject::invokeMethod(owner, std::move(emitIt), Qt::QueuedConnection);
  }

  void waitWhilePaused() {
    if (distributed) return;  // the other ranks would wait in their all-reduce and time out
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
    TrainingWorker* owner = impl_.owner;
    impl_.post([owner, id = id_, point = toStepPoint(report)] { Q_EMIT owner->stepReported(id, point); });
    impl_.waitWhilePaused();
  }

  void on_eval(const EvalReport& report) override {
    TrainingWorker* owner = impl_.owner;
    impl_.post([owner, id = id_, point = toEvalPoint(report)] { Q_EMIT owner->evalReported(id, point); });
  }

  void on_message(const std::string& text) override {
    TrainingWorker* owner = impl_.owner;
    impl_.post([owner, id = id_, line = QString::fromStdString(text)] { Q_EMIT owner->message(id, line); });
  }

 private:
  Impl& impl_;
  QString id_;
};

// The whole run, on the training thread. Every exception ends as a failed status.
void TrainingWorker::Impl::train(const TrainRequest& request, const QString& id) {
  threadsBefore = 0;
  struct RestoreThreads {
    int& before;
    ~RestoreThreads() {
      if (before > 0) at::set_num_threads(before);
    }
  } restore{threadsBefore};
  try {
    runTrainer(request, id);
  } catch (const std::bad_alloc&) {
    endStatus = RunStatus::failed;
    endMessage = describeException() + QStringLiteral(" (try a smaller batch_size, max_len or model)");
  } catch (...) {
    endStatus = RunStatus::failed;
    endMessage = describeException();
  }
}

void TrainingWorker::Impl::runTrainer(const TrainRequest& request, const QString& id) {
  const torch::Device device = parse_device(request.device.toStdString());
  const ModelConfig& modelConfig = request.model;
  const TrainConfig& trainConfig = request.train;
  trainConfig.validate();
  const std::string spec = request.data.toStdString();
  const std::filesystem::path dir = request.directory.toStdString();

  Observer observer(*this, id);
  distributed = request.processes > 1;
  std::unique_ptr<HelperRanks> helpers;
  std::shared_ptr<Communicator> communicator;
  if (distributed) {
    DistributedConfig dist;
    dist.world_size = request.processes;
    dist.master_port = free_local_port();
    dist.timeout_s = 60;
    const int threads = std::max(1, QThread::idealThreadCount() / request.processes);
    threadsBefore = at::get_num_threads();
    at::set_num_threads(threads);  // the cores are shared out among the ranks (restored in train())
    helpers = std::make_unique<HelperRanks>(request, modelConfig, trainConfig, dir, dist.master_port, threads);
    observer.on_message("started " + std::to_string(request.processes - 1) + " more processes (logs in " +
                        dir.string() + "/rank*.log)");
    try {
      communicator = Communicator::connect(dist);
    } catch (const Error& e) {
      const QString why = helpers->finish(0);
      throw Error(e.problem() + (why.isEmpty() ? std::string() : "; " + why.toStdString()));
    }
  }
  TrainingData data = prepare_training_data(spec, ReadOptions{}, trainConfig, observer);
  QStringList labels;
  for (const auto& label : data.labels) labels << QString::fromStdString(label);
  Trainer trainer(modelConfig, trainConfig, std::move(data), dir, device, false, communicator);

  RunRecord record;
  record.id = id;
  record.name = request.name.isEmpty() ? id : request.name;
  record.directory = request.directory;
  record.data = request.data;
  record.model = trainer.model()->config();  // vocab, classes and max_len as built
  record.train = trainer.config();
  record.labels = labels;
  for (const auto& p : trainer.model()->parameters()) record.parameters += p.numel();
  record.total_steps = trainer.total_steps();
  record.status = RunStatus::running;
  post([o = owner, record] { Q_EMIT o->started(record); });

  const TrainResult result = trainer.run(observer, stop);
  endMessage = QString::fromStdString(result.reason);
  if (helpers) {
    const QString why = helpers->finish(result.lost_peer ? 5 : 60);
    if (!why.isEmpty()) endMessage += " — " + why;
  }
  if (result.diverged || result.lost_peer) {
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
  Q_EMIT owner->finished(id, endStatus, endMessage);
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
        this, [this, runId, reason] { Q_EMIT finished(runId, RunStatus::failed, reason); }, Qt::QueuedConnection);
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
