// LearnWorkspace: the controls, the layer (checkpoint or random) and the trace of the
// sentence, turned into the step view's and the softmax view's plain data.
#include "fastformer/learn_trace.h"
#include "fastformer/training_data.h"

#include "learn/learn_workspace.h"

#include "common/describe_exception.h"
#include "learn/learn_cost_chart.h"
#include "learn/learn_mixers_view.h"
#include "learn/learn_softmax_view.h"
#include "learn/learn_step_view.h"
#include "learn/learn_text.h"

#include "common/custom_plot.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

namespace fastformer::ui {

struct LearnWorkspace::Layer {
  LearnLayer attention;  // null until the first layer is chosen
  std::shared_ptr<const TrainedModel> model;  // null: a random layer and seeded word vectors
  int seed = 0;
};

namespace {

std::vector<float> values(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kFloat).contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

// Tick labels for what an axis indexes: the token pieces, the heads, or none (numbers).
QStringList axisLabels(const std::string& what, const QStringList& pieces, std::int64_t count) {
  if (what == "token") return pieces;
  QStringList labels;
  if (what == "head") {
    for (std::int64_t h = 0; h < count; ++h) labels << QString("head %1").arg(h);
  }
  return labels;
}

LearnStepData stepData(const LearnStep& s, const LearnTrace& t, const QStringList& pieces) {
  LearnStepData d;
  d.name = QString::fromStdString(s.name);
  d.symbol = QString::fromStdString(s.symbol);
  d.equation = QString::fromStdString(s.equation);
  d.formula = QString::fromStdString(s.formula);
  d.shape = QString::fromStdString(s.shape);
  d.count = s.count;
  d.text = learnText(d.name, t.share_qv);
  HeatGrid& g = d.grid;
  g.rows = static_cast<int>(s.tensor.size(0));
  g.columns = static_cast<int>(s.tensor.size(1));
  g.values = values(s.tensor);
  g.rowTitle = QString::fromStdString(s.rows);
  g.columnTitle = QString::fromStdString(s.columns);
  if (s.columns == "dimension" && s.rows == "token") {
    g.columnNote = QString("(%1 heads × %2)").arg(t.heads).arg(t.head_dim);
    g.columnGroup = static_cast<int>(t.head_dim);
  }
  g.rowLabels = axisLabels(s.rows, pieces, g.rows);
  g.columnLabels = axisLabels(s.columns, pieces, g.columns);
  g.weights = s.name == "alpha" || s.name == "beta";
  return d;
}

}  // namespace

LearnWorkspace::LearnWorkspace(QWidget* parent) : QWidget(parent), layer_(std::make_unique<Layer>()) {
  sentence_ = new QLineEdit(kDefaultSentence);
  sentence_->setPlaceholderText("Type a short sentence");
  sentence_->setToolTip(QString("At most %1 tokens are walked through ([CLS] included)").arg(kMaxTokens));
  auto* openModel = new QPushButton("Use checkpoint…");
  auto* random = new QPushButton("Random layer");
  random->setToolTip(QString("A paper-style layer (D = %1, H = %2, V = Q) drawn from the seed, on seeded word vectors")
                         .arg(kRandomHidden)
                         .arg(kRandomHeads));
  seed_ = new QSpinBox;
  seed_->setRange(0, 999999);
  seed_->setValue(1);
  seed_->setPrefix("seed ");
  source_ = new QLabel;
  message_ = new QLabel;
  message_->setWordWrap(true);
  previous_ = new QPushButton("◀ Previous");
  next_ = new QPushButton("Next ▶");
  play_ = new QPushButton("Play");
  play_->setCheckable(true);
  play_->setToolTip(QString("Show the next step every %1 s").arg(kAutoplayMs / 1000.0));
  stepBox_ = new QComboBox;
  stepBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  timer_.setInterval(kAutoplayMs);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel("Sentence"));
  top->addWidget(sentence_, 2);
  top->addWidget(openModel);
  top->addWidget(random);
  top->addWidget(seed_);
  top->addWidget(source_, 1);
  auto* steps = new QHBoxLayout;
  steps->addWidget(previous_);
  steps->addWidget(next_);
  steps->addWidget(play_);
  steps->addWidget(stepBox_);
  steps->addWidget(message_, 1);

  stepView_ = new LearnStepView;
  softmax_ = new LearnSoftmaxView;
  mixers_ = new LearnMixersView;
  cost_ = new LearnCostChart;
  // The other token mixers on the same Q, K, V: the three side by side, and softmax step by step.
  sideTabs_ = new QTabWidget;
  sideTabs_->addTab(mixers_, "Three ways to mix tokens");
  sideTabs_->addTab(softmax_, "Softmax, step by step");
  auto* sides = new QSplitter(Qt::Horizontal);
  sides->addWidget(stepView_);
  sides->addWidget(sideTabs_);
  sides->setStretchFactor(0, 1);
  sides->setStretchFactor(1, 1);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(sides);
  split->addWidget(cost_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  split->setSizes({560, 320});
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(top);
  layout->addLayout(steps);
  layout->addWidget(split, 1);

  connect(sentence_, &QLineEdit::textChanged, this, &LearnWorkspace::retrace);
  connect(cost_, &LearnCostChart::scaleChanged, this, [this] {
    mixers_->setScale(cost_->length(), cost_->hidden(), cost_->heads(), cost_->sharedValues(), cost_->score());
  });
  connect(openModel, &QPushButton::clicked, this, &LearnWorkspace::browseCheckpoint);
  connect(random, &QPushButton::clicked, this, [this] { useRandomLayer(seed_->value()); });
  connect(seed_, &QSpinBox::valueChanged, this, [this](int seed) {
    if (!layer_->model) useRandomLayer(seed);
  });
  connect(previous_, &QPushButton::clicked, this, &LearnWorkspace::previous);
  connect(next_, &QPushButton::clicked, this, &LearnWorkspace::next);
  connect(play_, &QPushButton::toggled, this, &LearnWorkspace::setPlaying);
  connect(stepBox_, &QComboBox::currentIndexChanged, this, &LearnWorkspace::setStep);
  connect(&timer_, &QTimer::timeout, this, [this] {
    if (step_ + 1 >= stepCount()) {
      setPlaying(false);
    } else {
      next();
    }
  });
  connect(&loading_, &QFutureWatcher<Outcome<TrainedModel>>::finished, this, [this] {
    const Outcome<TrainedModel> outcome = loading_.result();
    if (!outcome.value) {
      setMessage("Could not load the checkpoint: " + outcome.error, true);
      return;
    }
    try {
      Model model = outcome.value->checkpoint.model;
      layer_->attention = first_additive_layer(*model);
      layer_->model = outcome.value;
    } catch (const std::exception& e) {
      setMessage("Could not use the checkpoint: " + describeException(e), true);
      return;
    }
    const auto& c = outcome.value->checkpoint.contents.config;
    source_->setText(QString("%1 · layer 0 · D = %2, H = %3").arg(QFileInfo(checkpoint_).fileName()).arg(c.hidden).arg(c.heads));
    Q_EMIT log("Learn: walking through layer 0 of " + checkpoint_);
    setMessage({}, false);
    retrace();
  });
  useRandomLayer(seed_->value());
}

LearnWorkspace::~LearnWorkspace() { loading_.waitForFinished(); }

int LearnWorkspace::stepCount() const { return trace_ ? static_cast<int>(trace_->additive.size()) : 0; }

QCustomPlot* LearnWorkspace::stepPlot() const { return stepView_->heatmap()->plot(); }

QCPColorMap* LearnWorkspace::stepMap() const { return stepView_->heatmap()->map(); }

QLabel* LearnWorkspace::stepCountLabel() const { return stepView_->countLabel(); }

QString LearnWorkspace::status() const { return message_->text(); }

void LearnWorkspace::setMessage(const QString& text, bool error) {
  showMessage(*message_, text, error);
  if (error) Q_EMIT failed(text);
}

void LearnWorkspace::openCheckpoint(const QString& path) {
  checkpoint_ = path;
  setMessage("Loading " + path + " …", false);
  loading_.setFuture(loadTrainedModelAsync(path));
}

void LearnWorkspace::browseCheckpoint() {
  const QString dir = QFileDialog::getExistingDirectory(this, "Run or checkpoint directory", checkpoint_);
  if (!dir.isEmpty()) openCheckpoint(dir);
}

void LearnWorkspace::setSentence(const QString& sentence) {
  if (sentence == sentence_->text()) return;
  sentence_->setText(sentence);  // retraces
}

void LearnWorkspace::useRandomLayer(int seed) {
  layer_->model.reset();
  layer_->seed = seed;
  layer_->attention = random_learn_layer(static_cast<std::uint64_t>(seed), kRandomHidden, kRandomHeads);
  if (seed_->value() != seed) {
    const QSignalBlocker block(seed_);
    seed_->setValue(seed);
  }
  source_->setText(QString("Random layer · seed %1 · D = %2, H = %3").arg(seed).arg(kRandomHidden).arg(kRandomHeads));
  retrace();
}

void LearnWorkspace::setMeasuredPoints(const std::vector<BenchPoint>& points) { cost_->setMeasuredPoints(points); }

// One layer on at most kMaxTokens tokens: well under a millisecond even at D = 256, so the
// trace is made here rather than on a worker thread.
void LearnWorkspace::retrace() {
  if (!layer_->attention) return;
  const std::string sentence = sentence_->text().toStdString();
  try {
    LearnInput input;
    if (layer_->model) {
      Model model = layer_->model->checkpoint.model;
      input = model_learn_input(*model, *layer_->model->tokenizer, sentence, kMaxTokens);
    } else {
      input = random_learn_input(sentence, kRandomHidden, static_cast<std::uint64_t>(layer_->seed), kMaxTokens);
    }
    trace_ = std::make_shared<const LearnTrace>(learn_trace(*layer_->attention, input));
  } catch (const std::exception& e) {
    setMessage("Could not trace the sentence: " + describeException(e), true);
    return;
  }
  const LearnTrace& t = *trace_;
  QStringList pieces;
  for (const std::string& p : t.pieces) pieces << QString::fromStdString(p);
  LearnSoftmaxData s;
  s.heads = static_cast<int>(t.heads);
  s.tokens = static_cast<int>(t.tokens);
  s.scores = values(t.step("scores").tensor);
  s.weights = values(t.step("weights").tensor);
  s.pieces = pieces;
  s.scoresCount = t.step("scores").count;
  s.weightsCount = t.step("weights").count;
  s.outputCount = t.step("O").count;
  s.softmaxTotal = t.softmax_costs.total;
  s.additiveTotal = t.additive_costs.total;
  softmax_->setData(s);
  LearnMixersData m;
  m.heads = static_cast<int>(t.heads);
  m.tokens = static_cast<int>(t.tokens);
  m.headDim = static_cast<int>(t.head_dim);
  m.pieces = pieces;
  m.weights = s.weights;
  m.summary = values(t.linear.front().tensor);  // S (H,Dh,Dh)
  m.globalQuery = values(t.step("q").tensor);   // (H,Dh)
  m.globalKey = values(t.step("k").tensor);     // (H,Dh)
  mixers_->setData(m);
  cost_->setLayerShape(static_cast<int>(t.heads), t.share_qv, t.score);
  {
    const QSignalBlocker block(stepBox_);
    stepBox_->clear();
    for (std::size_t i = 0; i < t.additive.size(); ++i) {
      const LearnStep& step = t.additive[i];
      stepBox_->addItem(QString("%1. %2 (%3)").arg(i + 1).arg(QString::fromStdString(step.symbol),
                                                              QString::fromStdString(step.equation)));
    }
  }
  if (!message_->styleSheet().isEmpty()) setMessage({}, false);  // an earlier error no longer holds
  step_ = std::clamp(step_, 0, stepCount() - 1);
  showStep();
  Q_EMIT traced();
}

void LearnWorkspace::showStep() {
  if (!trace_) return;
  const LearnTrace& t = *trace_;
  QStringList pieces;
  for (const std::string& p : t.pieces) pieces << QString::fromStdString(p);
  stepView_->setStep(stepData(t.additive[static_cast<std::size_t>(step_)], t, pieces), step_, stepCount());
  previous_->setEnabled(step_ > 0);
  next_->setEnabled(step_ + 1 < stepCount());
  const QSignalBlocker block(stepBox_);
  stepBox_->setCurrentIndex(step_);
}

void LearnWorkspace::setStep(int index) {
  if (!trace_ || index < 0 || index >= stepCount()) return;
  const bool moved = index != step_;
  step_ = index;
  showStep();
  if (moved) Q_EMIT stepChanged(step_);
}

void LearnWorkspace::next() { setStep(step_ + 1); }

void LearnWorkspace::previous() { setStep(step_ - 1); }

void LearnWorkspace::setPlaying(bool on) {
  if (on && step_ + 1 >= stepCount()) setStep(0);  // from the end, play again from the start
  if (on) {
    timer_.start();
  } else {
    timer_.stop();
  }
  const QSignalBlocker block(play_);
  play_->setChecked(on);
  play_->setText(on ? "Pause" : "Play");
}

}  // namespace fastformer::ui
