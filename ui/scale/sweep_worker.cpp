// SweepWorker: run_bench on a QThread with the child-process runner, reports posted to the
// worker's thread as value types, and a cancel flag that Stop sets.
#include "fastformer/bench_child.h"
#include "fastformer/bench_measure.h"
#include "fastformer/runtime.h"

#include "scale/sweep_worker.h"

#include "common/describe_exception.h"

#include <QFileInfo>
#include <QThread>

namespace fastformer::ui {

SweepRunnerFactory childRunnerFactory(const QString& executable) {
  // Read here, on the GUI thread: OpenMP keeps the thread count per thread.
  const int threads = runtime_info().threads;
  return [executable, threads](const SweepRunContext& context) -> BenchRunner {
    if (!QFileInfo(executable).isExecutable()) {
      if (context.warn) {
        context.warn("no `fastformer` program at " + executable.toStdString() +
                     ": points run inside the Studio, memory is not measured and Stop waits for the point");
      }
      return {};
    }
    ChildRunnerOptions options;
    options.executable = executable.toStdString();
    options.threads = threads;
    options.cancel = context.cancel;
    options.warn = context.warn;
    return child_process_runner(options);
  };
}

SweepWorker::SweepWorker(QObject* parent) : QObject(parent) { qRegisterMetaType<fastformer::BenchPoint>(); }

SweepWorker::~SweepWorker() {
  cancel_ = true;
  if (thread_) thread_->wait();
}

bool SweepWorker::start(const BenchConfig& config, const SweepRunnerFactory& factory) {
  if (running_) return false;
  cancel_ = false;
  error_.clear();
  running_ = true;
  // Posts run `emitIt` on this object's thread, in posting order.
  const auto post = [this](auto emitIt) { QMetaObject::invokeMethod(this, std::move(emitIt), Qt::QueuedConnection); };
  thread_ = QThread::create([this, config, factory, post] {
    try {
      SweepRunContext context;
      context.cancel = &cancel_;
      context.warn = [this, post](const std::string& text) {
        post([this, line = QString::fromStdString(text)] { Q_EMIT message(line); });
      };
      const BenchRunner inner = factory ? factory(context) : BenchRunner{};
      const BenchRunner runner = [this, post, inner](const BenchConfig& b, BenchKind kind, std::int64_t n) {
        post([this, kind = QString::fromStdString(to_string(kind)), n] { Q_EMIT pointStarted(kind, n); });
        return inner ? inner(b, kind, n) : measure_bench_point(b, kind, n);
      };
      run_bench(
          config, [this, post](const BenchPoint& p) { post([this, p] { Q_EMIT pointMeasured(p); }); }, runner, nullptr,
          &cancel_);
    } catch (...) {
      error_ = describeException();
    }
  });
  thread_->setParent(this);
  // Queued behind every report the thread posted, so finished() always comes last.
  connect(thread_, &QThread::finished, this, &SweepWorker::onThreadFinished, Qt::QueuedConnection);
  thread_->start();
  return true;
}

void SweepWorker::stop() { cancel_ = true; }

void SweepWorker::onThreadFinished() {
  if (!thread_) return;
  thread_->wait();
  thread_->deleteLater();
  thread_ = nullptr;
  running_ = false;
  Q_EMIT finished(cancel_.load(), error_);
}

}  // namespace fastformer::ui
