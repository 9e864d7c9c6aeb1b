// InspectWorkspace's explanations: shading the text by a method that tests the model (one
// background job at a time, with progress and Cancel), the Faithfulness tab, and the
// side-by-side view kept in step with the main one.
#include "fastformer/explain.h"
#include "fastformer/training_data.h"

#include "inspect/inspect_workspace.h"

#include "common/job_progress.h"
#include "inspect/attribution_view.h"
#include "inspect/compare_pane.h"
#include "inspect/document_minimap.h"
#include "inspect/document_view.h"
#include "inspect/explain_job.h"
#include "inspect/faithfulness_panel.h"
#include "inspect/top_tokens_table.h"
#include "inspect/view_sync.h"
#include "inspect/weight_strip_chart.h"

#include <QComboBox>
#include <QFileInfo>
#include <QPushButton>

#include <cmath>

namespace fastformer::ui {
namespace {

// "Shade by" lists α, β, γ, then these.
constexpr AttributionMethod kShadeMethods[] = {AttributionMethod::gradient, AttributionMethod::gradient_x_input,
                                               AttributionMethod::integrated_gradients, AttributionMethod::occlusion};
constexpr int kFirstMethodItem = 4;

}  // namespace

QWidget* InspectWorkspace::buildExplainParts() {
  methodJob_ = new ExplainJob(this);
  progress_ = new JobProgress;
  faithfulness_ = new FaithfulnessPanel;
  compare_ = new ComparePane;
  compare_->hide();
  sync_ = new ViewSync(view_, compare_->view(), this);
  connect(sideBySide_, &QPushButton::toggled, this, &InspectWorkspace::setSideBySide);
  connect(progress_, &JobProgress::cancelRequested, methodJob_, &ExplainJob::cancel);
  connect(methodJob_, &ExplainJob::progressed, progress_, &JobProgress::setProgress);
  connect(methodJob_, &ExplainJob::finished, this, [this](std::shared_ptr<const Explanation> e) {
    progress_->end();
    for (const Attribution& a : e->attributions) explained_[a.method] = e;
    if (const auto method = shadedMethod()) shadeByMethod(*method);
    emitIdleIfDone();
  });
  connect(methodJob_, &ExplainJob::failed, this, [this](const QString& message) {
    progress_->end();
    setMessage("Could not explain the document: " + message, true);
    emitIdleIfDone();
  });
  connect(methodJob_, &ExplainJob::cancelled, this, [this] {
    progress_->end();
    setMessage("Cancelled: the text keeps its last shading.", false);
    emitIdleIfDone();
  });
  // The curves computed every method: the text can be shaded by any of them at once.
  connect(faithfulness_, &FaithfulnessPanel::measured, this, [this](std::shared_ptr<const Explanation> e) {
    for (const Attribution& a : e->attributions) explained_.emplace(a.method, e);
  });
  connect(faithfulness_, &FaithfulnessPanel::idle, this, &InspectWorkspace::emitIdleIfDone);
  connect(faithfulness_, &FaithfulnessPanel::failed, this, &InspectWorkspace::failed);
  // A new document in the side view starts at its top: bring it to the main view's line.
  connect(compare_, &ComparePane::shown, this, [this] { compare_->view()->scrollToCharacter(view_->topCharacter()); });
  connect(compare_, &ComparePane::idle, this, &InspectWorkspace::emitIdleIfDone);
  connect(compare_, &ComparePane::failed, this, &InspectWorkspace::failed);
  return progress_;
}

std::optional<AttributionMethod> InspectWorkspace::shadedMethod() const {
  const int item = weight_->currentIndex() - kFirstMethodItem;
  if (item < 0 || item >= static_cast<int>(std::size(kShadeMethods))) return std::nullopt;
  return kShadeMethods[item];
}

const Explanation* InspectWorkspace::methodExplanation() const {
  const auto method = shadedMethod();
  const auto it = method ? explained_.find(*method) : explained_.end();
  return it == explained_.end() ? nullptr : it->second.get();
}

bool InspectWorkspace::busy() const { return methodJob_->isRunning() || faithfulness_->isRunning() || compare_->isBusy(); }

void InspectWorkspace::emitIdleIfDone() {
  if (!busy()) Q_EMIT idle();
}

void InspectWorkspace::shadeByMethod(AttributionMethod method) {
  const auto it = explained_.find(method);
  if (it == explained_.end()) {
    if (!model_ || text_.isEmpty()) return;
    ExplainOptions options;
    options.windows = inspectOptions();
    progress_->begin("Explaining with " + methodTitle(method));
    methodJob_->start(model_, text_.toStdString(), {method}, options);
    return;
  }
  const Explanation& e = *it->second;
  const Attribution& a = *e.find(method);
  if (static_cast<int>(e.tokens.size()) != view_->tokenCount()) {
    setMessage("The explanation's tokens differ from the text's: inspect again.", true);
    return;
  }
  showAttribution(*view_, e, a);
  const AttributionScale scale = attribution_scale(e, a);
  std::vector<float> magnitude(a.scores.size());
  for (std::size_t i = 0; i < magnitude.size(); ++i) magnitude[i] = std::abs(a.scores[i]);
  minimap_->setWeights(magnitude, scale.high);
  strip_->setValueLabel("score");
  strip_->setWeights({a.scores}, 0, methodTitle(method) + " over token position (drag: select a region, double-click: go there)");
  top_->setWeights(a.scores, pieces_);
  Q_EMIT explained();
}

void InspectWorkspace::updateExplainSources() {
  // A Transformer's inspection is rerun for another softmax map: same model, text and
  // windows, so the explanations stay.
  const InspectOptions options = inspectOptions();
  const bool same = explainedModel_ == model_ && explainedText_ == text_ && explainedOverlap_ == options.overlap &&
                    explainedLong_ == static_cast<int>(options.long_mode);
  if (same) return;
  explainedModel_ = model_;
  explainedText_ = text_;
  explainedOverlap_ = options.overlap;
  explainedLong_ = static_cast<int>(options.long_mode);
  methodJob_->cancel();
  explained_.clear();
  faithfulness_->setSource(model_, text_, options);
  if (compare_->isVisible()) compare_->setSource(model_, QFileInfo(checkpoint_).fileName(), text_, options);
}

void InspectWorkspace::setSideBySide(bool on) {
  if (sideBySide_->isChecked() != on) {
    const QSignalBlocker block(sideBySide_);
    sideBySide_->setChecked(on);
  }
  compare_->setVisible(on);
  if (on) {
    compare_->setSource(model_, QFileInfo(checkpoint_).fileName(), text_, inspectOptions());
    compare_->view()->scrollToCharacter(view_->topCharacter());
  }
}

}  // namespace fastformer::ui
