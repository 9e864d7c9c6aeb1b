// ExplainJob: explain() on a worker thread; progress shared through a mutex and polled.
#include "inspect/explain_job.h"

#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace fastformer::ui {

ExplainJob::ExplainJob(QObject* parent) : QObject(parent) {
  timer_.setInterval(100);
  connect(&timer_, &QTimer::timeout, this, &ExplainJob::poll);
  connect(&watcher_, &QFutureWatcher<Outcome<Explanation>>::finished, this, [this] {
    if (!state_) return;  // cancelled: its result is not shown
    state_.reset();
    timer_.stop();
    const Outcome<Explanation> outcome = watcher_.result();
    if (outcome.value) {
      Q_EMIT finished(outcome.value);
    } else {
      Q_EMIT failed(outcome.error);
    }
  });
}

ExplainJob::~ExplainJob() {
  if (state_) state_->cancel = true;
  waitForWorkers();
}

void ExplainJob::waitForWorkers() {
  watcher_.waitForFinished();
  for (auto& f : dropped_) f.waitForFinished();
  dropped_.clear();
}

void ExplainJob::start(std::shared_ptr<const TrainedModel> model, std::string text, std::vector<AttributionMethod> methods,
                       ExplainOptions options) {
  if (state_) {  // replaced: dropped without a cancelled() signal
    state_->cancel = true;
    state_.reset();
  }
  dropped_.erase(std::remove_if(dropped_.begin(), dropped_.end(), [](const auto& f) { return f.isFinished(); }),
                 dropped_.end());
  auto state = std::make_shared<State>();
  options.progress = [state](const ExplainProgress& p) {
    if (state->cancel) throw ExplainCancelled();
    const std::lock_guard<std::mutex> lock(state->mutex);
    state->progress = p;
  };
  state_ = state;
  // The previous worker (if any) keeps running until its next forward; keep its future.
  if (!watcher_.future().isFinished()) dropped_.push_back(watcher_.future());
  watcher_.setFuture(QtConcurrent::run(
      [model = std::move(model), text = std::move(text), methods = std::move(methods), options]() -> Outcome<Explanation> {
        try {
          return {std::make_shared<const Explanation>(explain(*model, text, methods, options)), {}};
        } catch (...) {
          return {nullptr, describeException()};
        }
      }));
  timer_.start();
  Q_EMIT progressed(0.0, QString());
}

void ExplainJob::cancel() {
  if (!state_) return;
  state_->cancel = true;
  state_.reset();
  timer_.stop();
  Q_EMIT cancelled();
}

void ExplainJob::poll() {
  if (!state_) return;
  ExplainProgress p;
  {
    const std::lock_guard<std::mutex> lock(state_->mutex);
    p = state_->progress;
  }
  Q_EMIT progressed(p.fraction(), QString::fromStdString(p.stage));
}

QString methodTitle(AttributionMethod method) {
  switch (method) {
    case AttributionMethod::alpha: return QStringLiteral("α");
    case AttributionMethod::beta: return QStringLiteral("β");
    case AttributionMethod::gamma: return QStringLiteral("γ");
    case AttributionMethod::gradient: return QStringLiteral("gradient");
    case AttributionMethod::gradient_x_input: return QStringLiteral("gradient × input");
    case AttributionMethod::integrated_gradients: return QStringLiteral("Integrated Gradients");
    case AttributionMethod::occlusion: return QStringLiteral("occlusion");
  }
  return QString::fromStdString(to_string(method));
}

}  // namespace fastformer::ui
