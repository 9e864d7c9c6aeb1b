// SweepForm: widgets ↔ BenchConfig, the CLI's presets (an option given wins over them) and
// the equivalent command line.
#include "fastformer/error.h"
#include "fastformer/runtime.h"

#include "scale/sweep_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <initializer_list>

namespace fastformer::ui {
namespace {

constexpr int kMaxLength = 262144;  // 2^18: beyond the paper's 65,536 where memory allows

// The CLI's presets (bench_options.cpp): what they set, in the combo's order.
struct Preset {
  const char* label;
  const char* cli;  // --preset value; empty for Custom
  BenchScope scope;
  int layers, heads, hidden;
};
const Preset kPresets[] = {
    {"Paper Fig. 2 (2 layers, 16 heads, hidden 256)", "paper-fig2", BenchScope::stack, 2, 16, 256},
    {"PyTorch reference layer (1 layer, 16 heads, hidden 256)", "layer", BenchScope::layer, 1, 16, 256},
    {"Custom", "", BenchScope::stack, 0, 0, 0},
};
constexpr int kCustom = 2;

QLabel* label(const char* text) { return new QLabel(QString::fromUtf8(text)); }

// Widgets side by side in one form row; the editors share the width.
QWidget* row(std::initializer_list<QWidget*> widgets) {
  auto* box = new QWidget;
  auto* layout = new QHBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  for (QWidget* w : widgets) layout->addWidget(w, qobject_cast<QLabel*>(w) ? 0 : 1);
  return box;
}

QSpinBox* spin(int low, int high, int value) {
  auto* box = new QSpinBox;
  box->setRange(low, high);
  box->setValue(value);
  box->setGroupSeparatorShown(true);
  return box;
}

QDoubleSpinBox* seconds(double low, double high, double value) {
  auto* box = new QDoubleSpinBox;
  box->setRange(low, high);
  box->setDecimals(1);
  box->setValue(value);
  box->setSuffix(" s");
  return box;
}

// A combo whose items carry the engine's names as data.
QComboBox* choice(const std::vector<std::pair<QString, QString>>& items) {
  auto* box = new QComboBox;
  for (const auto& [label, name] : items) box->addItem(label, name);
  return box;
}

void select(QComboBox* box, const QString& name) {
  int at = box->findData(name);
  if (at < 0) {  // e.g. a CUDA device this machine lacks: shown, and refused by error()
    box->addItem(name, name);
    at = box->count() - 1;
  }
  box->setCurrentIndex(at);
}

QString nameOf(const QComboBox* box) { return box->currentData().toString(); }

QString joined(const std::vector<std::int64_t>& values) {
  QStringList parts;
  for (const std::int64_t v : values) parts << QString::number(v);
  return parts.join(',');
}

}  // namespace

std::vector<std::int64_t> doublingLengths(std::int64_t min, std::int64_t max) {
  std::vector<std::int64_t> out;
  for (std::int64_t n = std::max<std::int64_t>(1, min); n <= max; n *= 2) out.push_back(n);
  return out;
}

QString describeLengths(const std::vector<std::int64_t>& lengths) {
  const QLocale c(QLocale::English, QLocale::UnitedStates);  // 65,536
  if (lengths.empty()) return QStringLiteral("no lengths");
  if (lengths.size() <= 3) {
    QStringList parts;
    for (const std::int64_t n : lengths) parts << c.toString(static_cast<qlonglong>(n));
    return parts.join(QStringLiteral(", ")) +
           QStringLiteral(" (%1 length%2)").arg(lengths.size()).arg(lengths.size() == 1 ? "" : "s");
  }
  return QStringLiteral("%1, %2, …, %3 (%4 lengths)")
      .arg(c.toString(static_cast<qlonglong>(lengths[0])), c.toString(static_cast<qlonglong>(lengths[1])),
           c.toString(static_cast<qlonglong>(lengths.back())))
      .arg(lengths.size());
}

SweepForm::SweepForm(QWidget* parent) : QWidget(parent) {
  preset_ = new QComboBox;
  for (const Preset& p : kPresets) preset_->addItem(p.label, p.cli);
  const std::array<QString, 4> kindLabels{QStringLiteral("additive (Fastformer)"), QStringLiteral("linear"),
                                          QStringLiteral("softmax, tiled"), QStringLiteral("softmax, materialised")};
  for (std::size_t k = 0; k < kinds_.size(); ++k) {
    kinds_[k] = new QCheckBox(kindLabels[k]);
    kinds_[k]->setChecked(true);
  }
  kinds_[static_cast<std::size_t>(BenchKind::linear)]->setToolTip(
      QStringLiteral("Kernelised linear attention (Katharopoulos et al. 2020): a d×d summary per head"));
  kinds_[static_cast<std::size_t>(BenchKind::softmax)]->setToolTip(
      QStringLiteral("Exact softmax attention computed over key blocks (online softmax): O(N) memory"));
  kinds_[static_cast<std::size_t>(BenchKind::softmax_materialized)]->setToolTip(
      QStringLiteral("Exact softmax attention with its two (B,H,N,N) tensors: O(N²) memory"));
  scope_ =
      choice({{"stack of encoder layers", "stack"}, {"one attention layer", "layer"}, {"additive core only", "core"}});
  layers_ = spin(1, 48, 2);
  heads_ = spin(1, 64, 16);
  hidden_ = spin(8, 4096, 256);
  hidden_->setSingleStep(8);
  minLength_ = spin(1, kMaxLength, 128);
  maxLength_ = spin(1, kMaxLength, 8192);
  lengthsLabel_ = new QLabel;
  lengthsLabel_->setWordWrap(true);
  batchPolicy_ = choice({{"fixed batch", "fixed"}, {"constant tokens per batch", "tokens"}});
  batch_ = spin(1, 4096, 1);
  batch_->setSuffix(QStringLiteral(" sequence"));
  tokens_ = spin(1, 1 << 24, 65536);  // the paper's 65,536 tokens per batch
  tokens_->setSuffix(QStringLiteral(" tokens"));
  tokens_->setToolTip(QStringLiteral("Sequences per batch = max(1, tokens / N), as in the paper's Fig. 2"));
  pass_ = choice({{"inference (forward)", "forward"}, {"training step", "train-step"}});
  dtype_ = choice({{"float32", "float32"}, {"float64", "float64"}, {"bfloat16", "bfloat16"}});
  device_ = choice({{"CPU", "cpu"}});
  const int gpus = runtime_info().cuda_devices;
  for (int i = 0; i < gpus; ++i) {
    const QString name = i == 0 ? QStringLiteral("cuda") : QStringLiteral("cuda:%1").arg(i);
    device_->addItem(i == 0 ? QStringLiteral("CUDA") : QStringLiteral("CUDA %1").arg(i), name);
  }
  warmup_ = spin(0, 100, 1);
  repeats_ = spin(1, 1000, 3);
  repeats_->setToolTip(QStringLiteral(
      "Timed runs per point, at least: a point keeps timing (up to 4 × this, within its budget) until the medians "
      "of the earlier and later halves of its runs agree within 3%; the log says when one did not settle."));
  pointBudget_ = seconds(0.1, 3600, 30);
  totalBudget_ = seconds(0, 86400, 0);
  totalBudget_->setSpecialValueText(QStringLiteral("none"));
  for (QWidget* w : {static_cast<QWidget*>(minLength_), static_cast<QWidget*>(maxLength_)})
    w->setToolTip(QStringLiteral("Lengths run from MIN, doubling, up to MAX (fastformer bench sweep --range MIN:MAX)"));
  pointBudget_->setToolTip(QStringLiteral("Repeats stop after this; a single run longer than it is a timeout point"));
  totalBudget_->setToolTip(QStringLiteral("Points after this are recorded as skipped"));

  auto* model = new QGroupBox(QStringLiteral("What runs"));
  auto* m = new QFormLayout(model);
  m->addRow(QStringLiteral("Preset"), preset_);
  m->addRow(QStringLiteral("Attention"), row({kinds_[0], kinds_[1]}));
  m->addRow(QString(), row({kinds_[2], kinds_[3]}));
  m->addRow(QStringLiteral("Scope"), scope_);
  m->addRow(QStringLiteral("Layers"), row({layers_, label("heads"), heads_, label("hidden"), hidden_}));

  auto* lengths = new QGroupBox(QStringLiteral("Sequence lengths and batch"));
  auto* l = new QFormLayout(lengths);
  l->addRow(QStringLiteral("N from"), row({minLength_, label("to"), maxLength_}));
  l->addRow(QString(), lengthsLabel_);
  // One number beside the policy: sequences per batch, or tokens per batch.
  l->addRow(QStringLiteral("Batch"), row({batchPolicy_, batch_, tokens_}));

  auto* run = new QGroupBox(QStringLiteral("How it runs"));
  auto* r = new QFormLayout(run);
  r->addRow(QStringLiteral("Pass"), pass_);
  r->addRow(QStringLiteral("Device"), row({device_, label("data type"), dtype_}));
  r->addRow(QStringLiteral("Runs"), row({label("warm-up"), warmup_, label("timed"), repeats_}));
  r->addRow(QStringLiteral("Budget"), row({label("per point"), pointBudget_, label("in all"), totalBudget_}));

  errorLabel_ = new QLabel;
  errorLabel_->setWordWrap(true);
  errorLabel_->setStyleSheet(QStringLiteral("color: #b00020;"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(model);
  layout->addWidget(lengths);
  layout->addWidget(run);
  layout->addWidget(errorLabel_);

  connect(preset_, qOverload<int>(&QComboBox::currentIndexChanged), this, &SweepForm::applyPreset);
  for (QSpinBox* box : {layers_, heads_, hidden_})
    connect(box, qOverload<int>(&QSpinBox::valueChanged), this, &SweepForm::matchPreset);
  connect(scope_, qOverload<int>(&QComboBox::currentIndexChanged), this, &SweepForm::matchPreset);
  for (QSpinBox* box : {minLength_, maxLength_}) {
    connect(box, qOverload<int>(&QSpinBox::valueChanged), this, [this] {
      if (!applying_) customLengths_.clear();  // the user chose a range again
      refresh();
    });
  }
  connect(batch_, qOverload<int>(&QSpinBox::valueChanged), this,
          [this](int n) { batch_->setSuffix(n == 1 ? QStringLiteral(" sequence") : QStringLiteral(" sequences")); });
  for (QSpinBox* box : {batch_, tokens_, warmup_, repeats_})
    connect(box, qOverload<int>(&QSpinBox::valueChanged), this, &SweepForm::refresh);
  for (QDoubleSpinBox* box : {pointBudget_, totalBudget_})
    connect(box, qOverload<double>(&QDoubleSpinBox::valueChanged), this, &SweepForm::refresh);
  for (QComboBox* box : {batchPolicy_, pass_, dtype_, device_})
    connect(box, qOverload<int>(&QComboBox::currentIndexChanged), this, &SweepForm::refresh);
  for (QCheckBox* box : kinds_) connect(box, &QCheckBox::toggled, this, &SweepForm::refresh);
  applyPreset(0);
}

void SweepForm::applyPreset(int index) {
  if (index < 0 || index >= kCustom || applying_) {
    refresh();
    return;
  }
  const Preset& p = kPresets[index];
  applying_ = true;
  select(scope_, QString::fromStdString(to_string(p.scope)));
  layers_->setValue(p.layers);
  heads_->setValue(p.heads);
  hidden_->setValue(p.hidden);
  applying_ = false;
  refresh();
}

// The preset whose settings the model widgets hold, else Custom.
void SweepForm::matchPreset() {
  if (applying_) return;
  int found = kCustom;
  for (int i = 0; i < kCustom; ++i) {
    const Preset& p = kPresets[i];
    if (nameOf(scope_) == QString::fromStdString(to_string(p.scope)) && layers_->value() == p.layers &&
        heads_->value() == p.heads && hidden_->value() == p.hidden)
      found = i;
  }
  applying_ = true;
  preset_->setCurrentIndex(found);
  applying_ = false;
  refresh();
}

std::vector<std::int64_t> SweepForm::lengths() const {
  if (!customLengths_.empty()) return customLengths_;
  return doublingLengths(minLength_->value(), maxLength_->value());
}

BenchConfig SweepForm::config() const {
  BenchConfig c;
  c.kinds.clear();
  for (const auto& [name, kind] : bench_kind_names()) {
    if (kindBox(kind)->isChecked()) c.kinds.push_back(kind);
  }
  c.lengths = lengths();
  c.batch = batch_->value();
  c.tokens_per_batch = nameOf(batchPolicy_) == QLatin1String("tokens") ? tokens_->value() : 0;
  c.hidden = hidden_->value();
  c.heads = heads_->value();
  c.layers = layers_->value();
  c.scope = parse_bench_scope(nameOf(scope_).toStdString());
  c.dtype = nameOf(dtype_).toStdString();
  c.device = nameOf(device_).toStdString();
  c.pass = parse_bench_pass(nameOf(pass_).toStdString());
  c.warmup = warmup_->value();
  c.repeats = repeats_->value();
  c.point_budget_s = pointBudget_->value();
  c.total_budget_s = totalBudget_->value();
  return c;
}

void SweepForm::setConfig(const BenchConfig& c) {
  applying_ = true;
  for (const auto& [name, kind] : bench_kind_names()) {
    kindBox(kind)->setChecked(std::find(c.kinds.begin(), c.kinds.end(), kind) != c.kinds.end());
  }
  if (!c.lengths.empty()) {
    minLength_->setValue(static_cast<int>(c.lengths.front()));
    maxLength_->setValue(static_cast<int>(c.lengths.back()));
  }
  customLengths_.clear();
  if (c.lengths != doublingLengths(minLength_->value(), maxLength_->value())) customLengths_ = c.lengths;
  batch_->setValue(static_cast<int>(c.batch));
  select(batchPolicy_, c.tokens_per_batch > 0 ? QStringLiteral("tokens") : QStringLiteral("fixed"));
  if (c.tokens_per_batch > 0) tokens_->setValue(static_cast<int>(c.tokens_per_batch));
  select(scope_, QString::fromStdString(to_string(c.scope)));
  layers_->setValue(static_cast<int>(c.layers));
  heads_->setValue(static_cast<int>(c.heads));
  hidden_->setValue(static_cast<int>(c.hidden));
  select(pass_, QString::fromStdString(to_string(c.pass)));
  select(dtype_, QString::fromStdString(c.dtype));
  select(device_, QString::fromStdString(c.device));
  warmup_->setValue(c.warmup);
  repeats_->setValue(c.repeats);
  pointBudget_->setValue(c.point_budget_s);
  totalBudget_->setValue(c.total_budget_s);
  applying_ = false;
  matchPreset();
}

QString SweepForm::error() const {
  try {
    validate(config());
  } catch (const Error& e) {
    return QString::fromStdString(e.problem());
  }
  return {};
}

QStringList SweepForm::cliArguments() const {
  const BenchConfig c = config();
  QStringList args{QStringLiteral("bench"), QStringLiteral("sweep")};
  BenchConfig base;  // what the CLI starts from: its defaults, then the preset's settings
  const QString preset = preset_->currentData().toString();
  if (!preset.isEmpty()) {
    args << QStringLiteral("--preset") << preset;
    const Preset& p = kPresets[preset_->currentIndex()];
    base.scope = p.scope;
    base.layers = p.layers;
    base.heads = p.heads;
    base.hidden = p.hidden;
  }
  const auto option = [&](bool differs, const char* name, const QString& value) {
    if (differs) args << QString::fromLatin1(name) << value;
  };
  if (c.kinds != base.kinds) {
    QStringList kinds;
    for (const BenchKind k : c.kinds) kinds << QString::fromStdString(to_string(k));
    args << QStringLiteral("--kinds") << kinds.join(',');
  }
  if (!customLengths_.empty())
    args << QStringLiteral("--lengths") << joined(customLengths_);
  else
    args << QStringLiteral("--range") << QStringLiteral("%1:%2").arg(minLength_->value()).arg(maxLength_->value());
  option(c.scope != base.scope, "--scope", QString::fromStdString(to_string(c.scope)));
  option(c.layers != base.layers, "--layers", QString::number(c.layers));
  option(c.heads != base.heads, "--heads", QString::number(c.heads));
  option(c.hidden != base.hidden, "--hidden", QString::number(c.hidden));
  option(c.batch != base.batch, "--batch", QString::number(c.batch));
  option(c.tokens_per_batch != base.tokens_per_batch, "--tokens-per-batch", QString::number(c.tokens_per_batch));
  option(c.pass != base.pass, "--pass", QString::fromStdString(to_string(c.pass)));
  option(c.dtype != base.dtype, "--dtype", QString::fromStdString(c.dtype));
  option(c.device != base.device, "--device", QString::fromStdString(c.device));
  option(c.warmup != base.warmup, "--warmup", QString::number(c.warmup));
  option(c.repeats != base.repeats, "--repeats", QString::number(c.repeats));
  option(c.point_budget_s != base.point_budget_s, "--point-budget", QString::number(c.point_budget_s));
  option(c.total_budget_s != base.total_budget_s, "--total-budget", QString::number(c.total_budget_s));
  return args;
}

void SweepForm::refresh() {
  const bool tokens = nameOf(batchPolicy_) == QLatin1String("tokens");
  batch_->setVisible(!tokens);
  tokens_->setVisible(tokens);
  layers_->setEnabled(nameOf(scope_) == QLatin1String("stack"));
  maxLength_->setMinimum(minLength_->value());
  const std::vector<std::int64_t> ns = lengths();
  lengthsLabel_->setText((customLengths_.empty() ? QString() : QStringLiteral("as loaded: ")) + describeLengths(ns));
  const QString problem = error();
  errorLabel_->setText(problem);
  errorLabel_->setVisible(!problem.isEmpty());
  Q_EMIT changed();
}

}  // namespace fastformer::ui
