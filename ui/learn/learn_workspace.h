// The Learn workspace: a walk through Fastformer's Eq. 3–6 on a sentence the user types,
// one step at a time (Previous / Next / Play), each step's actual tensor as a heat map with
// its shape, cost and an explanation; beside it the same tokens through softmax attention;
// below, what both cost as the length N and width d grow, with the last sweep's timings.
// The layer is a trained checkpoint's first one (its tokenizer and embeddings give the
// input) or a small seeded random one (seeded word vectors as input).
#pragma once

#include "fastformer/bench.h"
#include "common/background_job.h"

#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

#include <memory>
#include <vector>

class QComboBox;
class QCPColorMap;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace fastformer {
struct LearnTrace;
struct TrainedModel;
}  // namespace fastformer

namespace fastformer::ui {

class LearnCostChart;
class LearnMixersView;
class LearnSoftmaxView;
class LearnStepView;

class LearnWorkspace : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kAutoplayMs = 1500;
  static constexpr int kMaxTokens = 32;  // longer sentences are cut: the maps stay readable
  static constexpr int kRandomHidden = 16, kRandomHeads = 2;
  static inline const QString kDefaultSentence = "Fastformer reads each word once, not every pair.";

  explicit LearnWorkspace(QWidget* parent = nullptr);
  ~LearnWorkspace() override;

  // A run or checkpoint directory: loads in the background, then walks its first layer.
  void openCheckpoint(const QString& path);
  void setSentence(const QString& sentence);
  // Leaves a checkpoint (if any) for a random layer drawn from `seed`.
  void useRandomLayer(int seed);
  void setMeasuredPoints(const std::vector<BenchPoint>& points);

  int stepIndex() const { return step_; }
  int stepCount() const;
  const LearnTrace* trace() const { return trace_.get(); }
  bool playing() const { return timer_.isActive(); }
  QString status() const;

  LearnStepView* stepView() const { return stepView_; }
  QCustomPlot* stepPlot() const;
  QCPColorMap* stepMap() const;
  QLabel* stepCountLabel() const;
  LearnSoftmaxView* softmaxView() const { return softmax_; }
  LearnMixersView* mixersView() const { return mixers_; }
  QTabWidget* sideTabs() const { return sideTabs_; }
  LearnCostChart* costChart() const { return cost_; }
  QPushButton* previousButton() const { return previous_; }
  QPushButton* nextButton() const { return next_; }
  QPushButton* playButton() const { return play_; }
  QLineEdit* sentenceEdit() const { return sentence_; }
  QSpinBox* seedBox() const { return seed_; }

 public Q_SLOTS:
  void next();
  void previous();
  void setStep(int index);
  void setPlaying(bool on);
  void browseCheckpoint();

 Q_SIGNALS:
  void traced();  // a new trace is shown
  void stepChanged(int index);
  void failed(const QString& message);
  void log(const QString& line);

 private:
  void retrace();  // the sentence through the current layer
  void showStep();
  void setMessage(const QString& text, bool error);

  struct Layer;  // the layer walked through, and the checkpoint's tokenizer and model
  std::unique_ptr<Layer> layer_;
  std::shared_ptr<const LearnTrace> trace_;
  int step_ = 0;
  QString checkpoint_;
  QFutureWatcher<Outcome<TrainedModel>> loading_;
  QTimer timer_;

  QLineEdit* sentence_;
  QSpinBox* seed_;
  QLabel *source_, *message_;
  QComboBox* stepBox_;
  QPushButton *previous_, *next_, *play_;
  LearnStepView* stepView_;
  LearnSoftmaxView* softmax_;
  LearnMixersView* mixers_;
  QTabWidget* sideTabs_;
  LearnCostChart* cost_;
};

}  // namespace fastformer::ui
