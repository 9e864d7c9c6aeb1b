// The second document view of Inspect's side-by-side mode: the same text explained by its
// own checkpoint (the Inspect one unless another is opened here) and its own method, e.g. a
// Fastformer next to a Transformer on one mail, or α next to Integrated Gradients. The
// workspace keeps both views' scroll, pinned token and hover together.
#pragma once

#include "common/background_job.h"

#include "fastformer/explain.h"

#include <QFutureWatcher>
#include <QWidget>

#include <map>
#include <memory>

class QComboBox;
class QLabel;
class QPushButton;

namespace fastformer::ui {

class DocumentView;
class ExplainJob;
class JobProgress;

class ComparePane : public QWidget {
  Q_OBJECT
 public:
  explicit ComparePane(QWidget* parent = nullptr);
  ~ComparePane() override;

  // The Inspect workspace's checkpoint and document; re-explains unless this pane has a
  // checkpoint of its own (then only the text and windows are taken).
  void setSource(std::shared_ptr<const TrainedModel> model, const QString& modelName, const QString& text,
                 const InspectOptions& windows);
  void openCheckpoint(const QString& path);  // this pane's own (loads in the background)
  void useInspectCheckpoint();               // back to the Inspect workspace's
  void setMethod(AttributionMethod method);
  AttributionMethod method() const;

  DocumentView* view() const { return view_; }
  ExplainJob* job() const { return job_; }
  JobProgress* progress() const { return progress_; }
  QComboBox* methodBox() const { return method_; }
  const Explanation* explanation() const { return shown_.get(); }  // what the view shows
  QString modelName() const;
  bool isBusy() const;  // loading or explaining

 Q_SIGNALS:
  void shown();  // the view shows a new explanation
  void failed(const QString& message);
  void idle();   // nothing is loading or running any more

 private:
  void run();  // explains the text with the current model and method (cached per method)
  void showMethod(AttributionMethod method);
  void setMessage(const QString& text, bool error);
  std::shared_ptr<const TrainedModel> model() const { return own_ ? own_ : inspectModel_; }

  std::shared_ptr<const TrainedModel> inspectModel_, own_;
  QString inspectName_, ownName_, text_, shownText_;
  InspectOptions windows_;
  std::map<AttributionMethod, std::shared_ptr<const Explanation>> cache_;  // of model() and text_
  std::shared_ptr<const Explanation> shown_;
  QFutureWatcher<Outcome<TrainedModel>> loading_;
  QString loadingPath_;
  ExplainJob* job_;
  JobProgress* progress_;
  QLabel *model_, *message_;
  QComboBox* method_;
  QPushButton *other_, *same_;
  DocumentView* view_;
};

}  // namespace fastformer::ui
