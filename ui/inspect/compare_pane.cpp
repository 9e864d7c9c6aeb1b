// ComparePane: its own checkpoint and method, one explanation per method cached.
#include "inspect/compare_pane.h"

#include "fastformer/training_data.h"

#include "common/job_progress.h"
#include "inspect/attribution_view.h"
#include "inspect/document_view.h"
#include "inspect/explain_job.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace fastformer::ui {

ComparePane::ComparePane(QWidget* parent) : QWidget(parent) {
  model_ = new QLabel;
  message_ = new QLabel;
  message_->setWordWrap(true);
  method_ = new QComboBox;
  for (const AttributionMethod m : all_attribution_methods()) method_->addItem(methodTitle(m), static_cast<int>(m));
  method_->setCurrentIndex(method_->findData(static_cast<int>(AttributionMethod::integrated_gradients)));
  other_ = new QPushButton("Other checkpoint…");
  same_ = new QPushButton("Inspect's");
  same_->setToolTip("Explain with the Inspect workspace's checkpoint again");
  job_ = new ExplainJob(this);
  progress_ = new JobProgress;
  view_ = new DocumentView;

  auto* top = new QHBoxLayout;
  top->addWidget(model_, 1);
  top->addWidget(other_);
  top->addWidget(same_);
  auto* second = new QHBoxLayout;
  second->addWidget(new QLabel("Shade by"));
  second->addWidget(method_);
  second->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(top);
  layout->addLayout(second);
  layout->addWidget(progress_);
  layout->addWidget(message_);
  layout->addWidget(view_, 1);

  connect(method_, &QComboBox::currentIndexChanged, this, &ComparePane::run);
  connect(other_, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, "Open a run or checkpoint directory to compare");
    if (!dir.isEmpty()) openCheckpoint(dir);
  });
  connect(same_, &QPushButton::clicked, this, &ComparePane::useInspectCheckpoint);
  connect(progress_, &JobProgress::cancelRequested, job_, &ExplainJob::cancel);
  connect(job_, &ExplainJob::progressed, progress_, &JobProgress::setProgress);
  connect(job_, &ExplainJob::cancelled, this, [this] {
    progress_->end();
    setMessage("Cancelled.", false);
    Q_EMIT idle();
  });
  connect(job_, &ExplainJob::failed, this, [this](const QString& message) {
    progress_->end();
    setMessage("Could not explain the document: " + message, true);
    Q_EMIT idle();
  });
  connect(job_, &ExplainJob::finished, this, [this](std::shared_ptr<const Explanation> e) {
    progress_->end();
    const AttributionMethod m = e->attributions.front().method;
    cache_[m] = std::move(e);
    showMethod(m);
    Q_EMIT idle();
  });
  connect(&loading_, &QFutureWatcher<Outcome<TrainedModel>>::finished, this, [this] {
    const Outcome<TrainedModel> outcome = loading_.result();
    if (!outcome.value) {
      setMessage("Could not load the checkpoint: " + outcome.error, true);
      Q_EMIT idle();
      return;
    }
    own_ = outcome.value;
    ownName_ = QFileInfo(loadingPath_).fileName();
    cache_.clear();
    run();
  });
  useInspectCheckpoint();
}

ComparePane::~ComparePane() { loading_.waitForFinished(); }

QString ComparePane::modelName() const {
  const auto m = model();
  if (!m) return "No checkpoint";
  return QString("%1 · %2").arg(QString::fromStdString(model_name(m->checkpoint.contents.config.attention)),
                                own_ ? ownName_ : inspectName_);
}

bool ComparePane::isBusy() const { return job_->isRunning() || loading_.isRunning(); }

AttributionMethod ComparePane::method() const {
  return static_cast<AttributionMethod>(method_->currentData().toInt());
}

void ComparePane::setMethod(AttributionMethod method) { method_->setCurrentIndex(method_->findData(static_cast<int>(method))); }

void ComparePane::setMessage(const QString& text, bool error) {
  showMessage(*message_, text, error);
  message_->setVisible(!text.isEmpty());
  if (error) Q_EMIT failed(text);
}

void ComparePane::setSource(std::shared_ptr<const TrainedModel> model, const QString& modelName, const QString& text,
                            const InspectOptions& windows) {
  const bool changed = model != inspectModel_ || text != text_;
  inspectModel_ = std::move(model);
  inspectName_ = modelName;
  text_ = text;
  windows_ = windows;
  if (changed) cache_.clear();
  run();
}

void ComparePane::openCheckpoint(const QString& path) {
  loadingPath_ = path;
  setMessage("Loading " + path + " …", false);
  loading_.setFuture(loadTrainedModelAsync(path));
  job_->cancel();  // after the load started: the pane stays busy throughout
}

void ComparePane::useInspectCheckpoint() {
  if (own_) cache_.clear();
  own_.reset();
  run();
}

void ComparePane::run() {
  model_->setText(modelName());
  const auto m = model();
  if (!m || text_.isEmpty() || !isVisible()) return;  // the workspace sets the source again when it shows the pane
  const AttributionMethod method = this->method();
  if (cache_.count(method)) {
    job_->cancel();  // a job for another method is no longer wanted
    setMessage({}, false);
    showMethod(method);
    return;
  }
  ExplainOptions options;
  options.windows = windows_;
  setMessage({}, false);
  progress_->begin("Explaining with " + methodTitle(method));
  job_->start(m, text_.toStdString(), {method}, options);
}

void ComparePane::showMethod(AttributionMethod method) {
  const std::shared_ptr<const Explanation> e = cache_.at(method);
  // A new text or other tokens (another checkpoint's tokenizer) need a new layout.
  const auto same = [&](const std::vector<InspectToken>& a, const std::vector<InspectToken>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].begin != b[i].begin || a[i].end != b[i].end) return false;
    return true;
  };
  if (!shown_ || shownText_ != text_ || !same(shown_->tokens, e->tokens)) setExplanationDocument(*view_, text_, *e);
  shown_ = e;
  shownText_ = text_;
  const Attribution& a = e->attributions.front();
  showAttribution(*view_, *e, a);
  view_->setLabelProvider([e](int i) { return attributionLabel(*e, e->attributions.front(), i); });
  Q_EMIT shown();
}

}  // namespace fastformer::ui
