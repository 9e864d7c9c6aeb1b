// The Inspect workspace: open a trained checkpoint and a document (a file or pasted text)
// and see where Fastformer looks: the text shaded by α, β (one head, the mean or the max
// over heads) or the pooling weights γ of the chosen layer (raw, or relative to the uniform
// share so that windows of different lengths compare), a minimap of the whole document, the
// weights of every head over token position, the prediction and each head's entropy, each
// sentence's and the selected text's share of the global vectors. And whether those weights
// explain the prediction: shading by gradient, gradient × input, Integrated Gradients or
// occlusion, a Faithfulness tab (deletion/insertion curves, AOPC, pooling ablation) and a
// second, synchronised view with its own checkpoint and method. The model runs off the GUI
// thread (explanations with progress and Cancel); load errors are shown, never thrown.
#pragma once

#include "common/background_job.h"

#include "fastformer/explain.h"

#include <QFutureWatcher>
#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QComboBox;
class QTabWidget;
class QLabel;
class QPushButton;
class QSpinBox;

namespace fastformer {
struct Inspection;
struct InspectOptions;
struct Shading;
struct ShadingSpec;
struct TrainedModel;
}  // namespace fastformer

namespace fastformer::ui {

class AttentionMap;
class ComparePane;
class ContributionPanel;
class ExplainJob;
class FaithfulnessPanel;
class JobProgress;
class ViewSync;
class DocumentMinimap;
class GlobalVectorPanel;
class DocumentView;
class PredictionPanel;
class TopTokensTable;
class WeightStripChart;

class InspectWorkspace : public QWidget {
  Q_OBJECT
 public:
  explicit InspectWorkspace(QWidget* parent = nullptr);
  ~InspectWorkspace() override;

  // A run or checkpoint directory; loads in the background, then re-inspects.
  void openCheckpoint(const QString& path);
  // A document file (.txt .md .html .eml .json); read, then inspected.
  void openDocument(const QString& path);
  void setText(const QString& text, const QString& source = "pasted text");
  // Sets the controls from "key=value,…" once a document is shown: layer=N,
  // heads=mean|max|N, shade=alpha|beta|gamma|gradient|gradient_x_input|integrated_gradients|
  // occlusion, scale=relative|stretched|raw, select=FIRST-LAST (tokens),
  // tab=prediction|shares|vectors|top|softmax|faithfulness, measure=yes (the faithfulness
  // curves), side=METHOD (side by side, the second view shaded by METHOD), side=off,
  // compare=RUN (side by side with that checkpoint). Returns what could not be applied
  // (empty: all of it).
  QString applyView(const QString& spec);

  DocumentView* documentView() const { return view_; }
  WeightStripChart* strip() const { return strip_; }
  PredictionPanel* prediction() const { return prediction_; }
  ContributionPanel* contributions() const { return contributions_; }
  GlobalVectorPanel* globalVectors() const { return vectors_; }
  TopTokensTable* topTokens() const { return top_; }
  AttentionMap* attentionMap() const { return attention_; }
  QComboBox* layerBox() const { return layer_; }
  QComboBox* headBox() const { return head_; }
  QComboBox* weightBox() const { return weight_; }
  QComboBox* scaleBox() const { return scale_; }
  FaithfulnessPanel* faithfulness() const { return faithfulness_; }
  ComparePane* comparePane() const { return compare_; }
  QPushButton* sideBySideButton() const { return sideBySide_; }
  ExplainJob* methodJob() const { return methodJob_; }
  JobProgress* methodProgress() const { return progress_; }
  // The method "Shade by" names when it is one of the tests (not α, β or γ), and the
  // explanation the text shows for it (null while it runs).
  std::optional<AttributionMethod> shadedMethod() const;
  const Explanation* methodExplanation() const;
  bool busy() const;  // an explanation or the side view's checkpoint is still running
  DocumentMinimap* minimap() const { return minimap_; }
  const Inspection* inspection() const { return inspection_.get(); }
  // What the controls choose (γ for a checkpoint without α and β): the text, minimap, strip
  // chart, shares and the HTML export all follow it.
  ShadingSpec shadingSpec() const;
  const Shading* shading() const { return shading_.get(); }  // the shown one, or null
  QString status() const;
  // Writes the shaded document as the engine's HTML report of shadingSpec(); false (and a
  // message) when it cannot.
  bool exportHtmlTo(const QString& path);

 public Q_SLOTS:
  void browseCheckpoint();
  void browseDocument();
  void pasteText();
  void exportHtml();
  void exportPng();
  void setSideBySide(bool on);

 Q_SIGNALS:
  void inspected();                    // a new inspection is shown
  void occluded(int row);              // an occlusion result is shown
  void explained();                    // the text shows a method's scores
  void idle();                         // the last running explanation ended
  void failed(const QString& message);  // a checkpoint, document or run failed
  void log(const QString& line);

 private:
  InspectOptions inspectOptions() const;  // from the long-document controls
  void run();          // inspects text_ with model_ in the background
  void showInspection();
  void refreshWeights();
  void setMessage(const QString& text, bool error);
  void refreshShares();  // the sentences' and the selection's shares of shading_'s weights
  void occlude(int row, qint64 first, qint64 last);
  void refreshVectors(int layer, bool key, int head);
  void refreshAttentionMap(int layer, int head);
  // Explanations (inspect_explain.cpp).
  QWidget* buildExplainParts();  // the side pane, the Faithfulness tab, the job; returns the progress row
  void shadeByMethod(AttributionMethod method);  // from the cache, else a background job
  void updateExplainSources();   // a new inspection: caches dropped, panels told
  void emitIdleIfDone();
  std::shared_ptr<const TrainedModel> model_;
  std::shared_ptr<const Inspection> inspection_;
  QString checkpoint_, text_, source_;
  QFutureWatcher<Outcome<TrainedModel>> loading_;
  QFutureWatcher<Outcome<Inspection>> running_;
  bool rerun_ = false;  // settings changed while a run was going
  QFutureWatcher<Outcome<std::vector<float>>> occluding_;
  int occludedRow_ = -1;
  std::vector<std::pair<std::int64_t, std::int64_t>> sentences_;  // token ranges tiling the document
  std::pair<std::int64_t, std::int64_t> selection_{0, 0};          // selected tokens [first, last)

  QLabel *modelLabel_, *documentLabel_, *message_;
  QComboBox *layer_, *head_, *weight_, *scale_, *longMode_;
  QSpinBox* overlap_;
  DocumentView* view_;
  DocumentMinimap* minimap_;
  WeightStripChart* strip_;
  PredictionPanel* prediction_;
  ContributionPanel* contributions_;
  GlobalVectorPanel* vectors_;
  TopTokensTable* top_;
  AttentionMap* attention_;
  QTabWidget* tabs_;
  QStringList pieces_;  // each token's text, for tables
  std::shared_ptr<const Shading> shading_;  // what the views show now
  // Explanations of text_ by model_, one per method (several may share one explanation).
  std::map<AttributionMethod, std::shared_ptr<const Explanation>> explained_;
  ExplainJob* methodJob_ = nullptr;
  JobProgress* progress_ = nullptr;
  FaithfulnessPanel* faithfulness_ = nullptr;
  ComparePane* compare_ = nullptr;
  QPushButton* sideBySide_ = nullptr;
  ViewSync* sync_ = nullptr;
  // What explained_ and the panels were last given (a rerun of the same leaves them).
  std::shared_ptr<const TrainedModel> explainedModel_;
  QString explainedText_;
  std::int64_t explainedOverlap_ = -1;
  int explainedLong_ = -1;
};

}  // namespace fastformer::ui
