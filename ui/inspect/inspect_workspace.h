// The Inspect workspace: open a trained checkpoint and a document (a file or pasted text)
// and see where Fastformer looks: the text shaded by α, β (one head, the mean or the max
// over heads) or the pooling weights γ of the chosen layer (raw, or relative to the uniform
// share so that windows of different lengths compare), a minimap of the whole document, the
// weights of every head over token position, the prediction and each head's entropy, each
// sentence's and the selected text's share of the global vectors. The model runs off the GUI
// thread; load errors are shown, never thrown.
#pragma once

#include "common/background_job.h"

#include <QFutureWatcher>
#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

class QComboBox;
class QTabWidget;
class QLabel;
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
class ContributionPanel;
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
  // heads=mean|max|N, shade=alpha|beta|gamma, scale=relative|stretched|raw,
  // select=FIRST-LAST (tokens), tab=prediction|shares|vectors|top|softmax. Returns what
  // could not be applied (empty: all of it).
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

 Q_SIGNALS:
  void inspected();                    // a new inspection is shown
  void occluded(int row);              // an occlusion result is shown
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
};

}  // namespace fastformer::ui
