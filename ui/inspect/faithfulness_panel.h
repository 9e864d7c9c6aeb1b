// The Faithfulness tab: does a method's ranking of the tokens move the prediction? For the
// shown document, every method the checkpoint has is run (off the GUI thread, with progress
// and Cancel), then its deletion and insertion curves are drawn against random orders, the
// AOPCs tabled with a one-line verdict per method, and for a Fastformer the pooling
// ablation: p(target) when a head's α or β becomes uniform, as a layers × heads table.
#pragma once

#include "fastformer/inspect.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <memory>

class QLabel;
class QPushButton;
class QTableWidget;

namespace fastformer {
struct Explanation;
struct TrainedModel;
}  // namespace fastformer

namespace fastformer::ui {

class ExplainJob;
class FaithfulnessChart;
class JobProgress;

class FaithfulnessPanel : public QWidget {
  Q_OBJECT
 public:
  explicit FaithfulnessPanel(QWidget* parent = nullptr);
  ~FaithfulnessPanel() override;

  // The model and document to measure (with the windows the Inspect view uses); clears the
  // shown results and cancels a running measurement.
  void setSource(std::shared_ptr<const TrainedModel> model, const QString& text, const InspectOptions& windows);
  void measure();  // every available method, both curves, and for a Fastformer the ablation
  void cancel();
  bool isRunning() const;

  const Explanation* explanation() const { return explanation_.get(); }
  FaithfulnessChart* chart() const { return chart_; }
  QTableWidget* table() const { return table_; }
  QTableWidget* ablationTable() const { return ablation_; }
  ExplainJob* job() const { return job_; }
  JobProgress* progress() const { return progress_; }
  QString verdicts() const;  // one line per method: the verdict with its numbers
  QString tableCsv() const;  // method, AOPC deletion, AOPC insertion, verdict
  bool exportTableTo(const QString& path);

 Q_SIGNALS:
  void measured(std::shared_ptr<const fastformer::Explanation> explanation);
  void failed(const QString& message);
  void idle();  // a measurement ended (done, failed or cancelled)

 private:
  void showExplanation(std::shared_ptr<const Explanation> explanation);
  void showAblation(const Explanation& explanation);

  std::shared_ptr<const TrainedModel> model_;
  std::string text_;
  InspectOptions windows_;
  std::shared_ptr<const Explanation> explanation_;
  QStringList verdicts_;
  ExplainJob* job_;
  JobProgress* progress_;
  QPushButton *measure_, *exportTable_;
  QLabel *summary_, *ablationNote_;
  FaithfulnessChart* chart_;
  QTableWidget *table_, *ablation_;
};

}  // namespace fastformer::ui
