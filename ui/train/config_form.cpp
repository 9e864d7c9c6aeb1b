// ConfigForm: widgets ↔ ModelConfig/TrainConfig, validated by the engine.
#include "fastformer/distributed.h"
#include "fastformer/mixed_precision.h"

#include "train/config_form.h"

#include "train/length_coverage.h"

#include "common/describe_exception.h"

#include "fastformer/error.h"
#include "fastformer/model_config.h"
#include "fastformer/train_config.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLocale>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace fastformer::ui {
namespace {

QSpinBox* spin(int low, int high, int value, int step = 1) {
  auto* box = new QSpinBox;
  box->setRange(low, high);
  box->setSingleStep(step);
  box->setValue(value);
  return box;
}

QDoubleSpinBox* real(double low, double high, double value, int decimals, double step) {
  auto* box = new QDoubleSpinBox;
  box->setRange(low, high);
  box->setDecimals(decimals);
  box->setSingleStep(step);
  box->setValue(value);
  return box;
}

QComboBox* choice(const QStringList& items) {
  auto* box = new QComboBox;
  box->addItems(items);
  return box;
}

}  // namespace

ConfigForm::ConfigForm(QWidget* parent) : QWidget(parent) {
  model_ = choice({"Fastformer", "Transformer", "Linear Transformer"});
  preset_ = choice({"paper", "official"});
  score_ = choice({"per_head", "head_mixing"});
  layers_ = spin(1, 48, 2);
  hidden_ = spin(8, 4096, 256, 8);
  heads_ = spin(1, 64, 16);
  ffn_ = spin(8, 16384, 256, 8);
  maxLen_ = spin(8, 65536, 512, 64);
  dropout_ = real(0.0, 0.9, 0.2, 2, 0.05);
  shareQv_ = new QCheckBox("share Q and V");
  shareLayers_ = new QCheckBox("share layer weights");
  positions_ = new QCheckBox("learned positions");
  tokenizer_ = choice({"word", "unigram", "bpe"});
  vocab_ = spin(100, 1000000, 30000, 1000);
  batch_ = spin(1, 4096, 32);
  lr_ = real(1e-6, 1.0, 1e-3, 6, 1e-4);
  schedule_ = choice({"linear", "cosine", "constant"});
  epochs_ = spin(1, 1000, 3);
  maxSteps_ = spin(0, 10000000, 0, 100);
  maxSteps_->setSpecialValueText("by epochs");
  evalEvery_ = spin(0, 1000000, 50, 10);
  evalEvery_->setSpecialValueText("each epoch");
  budget_ = real(0, 1e6, 0, 0, 60);
  budget_->setSpecialValueText("none");
  budget_->setSuffix(" s");
  seed_ = spin(0, 1 << 30, 1);
  device_ = choice({"cpu", "cuda"});
  precision_ = choice({"fp32", "bf16", "fp16"});
  precision_->setToolTip("bf16/fp16: matrix products in half precision, weights in float32 (fp16: CUDA only)");
  // Ranks of a data-parallel run: the Studio trains rank 0 and starts `fastformer` for the
  // others; each takes its share of every global batch (c10d, Gloo over loopback).
  processes_ = spin(1, std::max(1, QThread::idealThreadCount()), 1);
  processes_->setEnabled(distributed_available() && QThread::idealThreadCount() > 1);
  processes_->setToolTip(distributed_available()
                             ? "Processes on this machine that share each batch (data-parallel; Pause is off when > 1)"
                             : "This build has no distributed training (c10d/Gloo)");

  auto* modelBox = new QGroupBox("Model");
  auto* m = new QFormLayout(modelBox);
  m->addRow("Architecture", model_);
  m->addRow("Preset", preset_);
  m->addRow("Layers", layers_);
  m->addRow("Hidden size", hidden_);
  m->addRow("Heads", heads_);
  m->addRow("FFN width", ffn_);
  m->addRow("Max length", maxLen_);
  lengthNote_ = new QLabel;
  lengthNote_->setWordWrap(true);
  lengthNote_->setToolTip("Counted in the word tokenizer's tokens of the dataset's documents (a subword tokenizer makes "
                          "more). A Transformer's memory grows as the square of this length.");
  QFont small = lengthNote_->font();
  small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1));
  lengthNote_->setFont(small);
  lengthNote_->hide();  // until a dataset is read
  m->addRow(QString(), lengthNote_);
  m->addRow("Dropout", dropout_);
  m->addRow("Additive scores", score_);
  m->addRow(shareQv_);
  m->addRow(shareLayers_);
  m->addRow(positions_);
  m->addRow("Tokenizer", tokenizer_);
  m->addRow("Vocabulary", vocab_);

  auto* trainBox = new QGroupBox("Training");
  auto* t = new QFormLayout(trainBox);
  t->addRow("Batch size", batch_);
  t->addRow("Learning rate", lr_);
  t->addRow("Schedule", schedule_);
  t->addRow("Epochs", epochs_);
  t->addRow("Max steps", maxSteps_);
  t->addRow("Evaluate every", evalEvery_);
  t->addRow("Time budget", budget_);
  t->addRow("Seed", seed_);
  t->addRow("Device", device_);
  t->addRow("Precision", precision_);
  t->addRow("Processes", processes_);

  errorLabel_ = new QLabel;
  errorLabel_->setWordWrap(true);
  errorLabel_->setStyleSheet("color: #b00020;");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(modelBox);
  layout->addWidget(trainBox);
  layout->addWidget(errorLabel_);

  applyPreset("paper");
  connect(preset_, &QComboBox::currentTextChanged, this, &ConfigForm::applyPreset);
  const auto edited = [this] {
    revalidate();
    Q_EMIT changed();
  };
  for (QComboBox* box : {model_, score_, tokenizer_, schedule_, device_, precision_}) {
    connect(box, &QComboBox::currentIndexChanged, this, edited);
  }
  for (QSpinBox* box : {layers_, hidden_, heads_, ffn_, maxLen_, vocab_, batch_, epochs_, maxSteps_, evalEvery_, seed_}) {
    connect(box, &QSpinBox::valueChanged, this, edited);
  }
  connect(maxLen_, &QSpinBox::valueChanged, this, &ConfigForm::refreshLengthNote);
  for (QDoubleSpinBox* box : {dropout_, lr_, budget_}) connect(box, &QDoubleSpinBox::valueChanged, this, edited);
  for (QCheckBox* box : {shareQv_, shareLayers_, positions_}) connect(box, &QCheckBox::toggled, this, edited);
  revalidate();
}

void ConfigForm::setDocumentLengths(std::vector<double> tokensPerDocument) {
  documentTokens_ = std::move(tokensPerDocument);
  refreshLengthNote();
}

void ConfigForm::refreshLengthNote() {
  const std::int64_t maxLen = maxLen_->value();
  const QString text = describe(lengthCoverage(documentTokens_, maxLen), maxLen);
  lengthNote_->setText(text.isEmpty() ? QString() : "Max length " + QLocale().toString(maxLen) + " " + text);
  lengthNote_->setVisible(!text.isEmpty());
}

QString ConfigForm::lengthNote() const { return lengthNote_->isHidden() ? QString() : lengthNote_->text(); }

void ConfigForm::applyPreset(const QString& name) {
  const ModelConfig c = preset(name.toStdString());
  const QSignalBlocker blocks[] = {QSignalBlocker(layers_), QSignalBlocker(hidden_), QSignalBlocker(heads_),
                                   QSignalBlocker(ffn_), QSignalBlocker(dropout_), QSignalBlocker(score_),
                                   QSignalBlocker(shareQv_), QSignalBlocker(shareLayers_), QSignalBlocker(positions_)};
  layers_->setValue(static_cast<int>(c.layers));
  hidden_->setValue(static_cast<int>(c.hidden));
  heads_->setValue(static_cast<int>(c.heads));
  ffn_->setValue(static_cast<int>(c.ffn));
  dropout_->setValue(c.dropout);
  score_->setCurrentText(QString::fromStdString(to_string(c.score)));
  shareQv_->setChecked(c.share_qv);
  shareLayers_->setChecked(c.share_layers);
  positions_->setChecked(c.position_embedding);
  revalidate();
  Q_EMIT changed();
}

ModelConfig ConfigForm::modelConfig() const {
  ModelConfig c = preset(preset_->currentText().toStdString());
  // The combo lists the kinds in declaration order: additive, softmax, linear.
  c.attention = attention_kind_names()[static_cast<std::size_t>(std::max(0, model_->currentIndex()))].second;
  c.layers = layers_->value();
  c.hidden = hidden_->value();
  c.heads = heads_->value();
  c.ffn = ffn_->value();
  c.max_len = maxLen_->value() + 1;  // room for the [CLS] token the tokenizer adds
  c.dropout = dropout_->value();
  c.score = score_->currentIndex() == 0 ? ScoreKind::per_head : ScoreKind::head_mixing;
  c.share_qv = shareQv_->isChecked();
  c.share_layers = shareLayers_->isChecked();
  c.position_embedding = positions_->isChecked();
  return c;
}

TrainConfig ConfigForm::trainConfig() const {
  TrainConfig t;
  t.precision = precision_->currentIndex() == 0   ? PrecisionKind::fp32
                : precision_->currentIndex() == 1 ? PrecisionKind::bf16
                                                  : PrecisionKind::fp16;
  t.batch_size = batch_->value();
  t.lr = lr_->value();
  t.schedule = schedule_->currentIndex() == 0   ? ScheduleKind::linear
               : schedule_->currentIndex() == 1 ? ScheduleKind::cosine
                                                : ScheduleKind::constant;
  t.epochs = epochs_->value();
  t.max_steps = maxSteps_->value();
  t.eval_every = evalEvery_->value();
  t.time_budget_s = budget_->value();
  t.seed = static_cast<std::uint64_t>(seed_->value());
  t.max_len = maxLen_->value();
  t.tokenizer.kind = tokenizer_->currentText().toStdString();
  t.tokenizer.vocab_size = vocab_->value();
  return t;
}

QString ConfigForm::device() const { return device_->currentText(); }
int ConfigForm::processes() const { return processes_->value(); }
QString ConfigForm::modelName() const { return model_->currentText(); }

void ConfigForm::setConfig(const ModelConfig& c, const TrainConfig& t, const QString& device) {
  model_->setCurrentIndex(static_cast<int>(c.attention));
  layers_->setValue(static_cast<int>(c.layers));
  hidden_->setValue(static_cast<int>(c.hidden));
  heads_->setValue(static_cast<int>(c.heads));
  ffn_->setValue(static_cast<int>(c.ffn));
  dropout_->setValue(c.dropout);
  score_->setCurrentIndex(c.score == ScoreKind::per_head ? 0 : 1);
  shareQv_->setChecked(c.share_qv);
  shareLayers_->setChecked(c.share_layers);
  positions_->setChecked(c.position_embedding);
  maxLen_->setValue(static_cast<int>(t.max_len));
  batch_->setValue(static_cast<int>(t.batch_size));
  lr_->setValue(t.lr);
  schedule_->setCurrentText(QString::fromStdString(to_string(t.schedule)));
  precision_->setCurrentText(QString::fromStdString(to_string(t.precision)));
  epochs_->setValue(static_cast<int>(t.epochs));
  maxSteps_->setValue(static_cast<int>(t.max_steps));
  evalEvery_->setValue(static_cast<int>(t.eval_every));
  budget_->setValue(t.time_budget_s);
  seed_->setValue(static_cast<int>(t.seed));
  tokenizer_->setCurrentText(QString::fromStdString(t.tokenizer.kind));
  vocab_->setValue(static_cast<int>(t.tokenizer.vocab_size));
  device_->setCurrentText(device);
  revalidate();
}

void ConfigForm::revalidate() {
  QString error, key;
  try {
    modelConfig().validate();
    const TrainConfig train = trainConfig();
    train.validate();
    check_precision(torch::Device(device().toStdString()), train.precision);  // fp16 needs CUDA
  } catch (const Error& e) {
    error = describeException(e);
    key = QString::fromStdString(e.where());
  } catch (const std::exception& e) {
    error = describeException(e);
  }
  // Marks the field the engine names (hidden and heads together for divisibility).
  const std::map<QString, QWidget*> fields{{"heads", heads_},     {"hidden", hidden_},   {"layers", layers_},
                                           {"ffn", ffn_},         {"dropout", dropout_}, {"max_len", maxLen_},
                                           {"batch_size", batch_}, {"lr", lr_},          {"epochs", epochs_},
                                           {"precision", precision_}};
  for (const auto& [name, widget] : fields) {
    const bool bad = !error.isEmpty() && (key == name || (key == "hidden" && name == "heads" && error.contains("divisible")));
    widget->setStyleSheet(bad ? "background: #fde7ea;" : "");
    widget->setToolTip(bad ? error : QString());
  }
  const bool was = error_.isEmpty();
  error_ = error;
  errorLabel_->setText(error.isEmpty() ? QString() : "⚠ " + error);
  errorLabel_->setVisible(!error.isEmpty());
  if (was != error_.isEmpty()) Q_EMIT validityChanged(error_.isEmpty());
}

}  // namespace fastformer::ui
