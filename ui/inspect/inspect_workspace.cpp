// InspectWorkspace: controls, background loading and inspection, and the views' data.
#include "fastformer/error.h"
#include "fastformer/inspect.h"
#include "fastformer/shading.h"

#include "inspect/inspect_workspace.h"

#include "inspect/attention_map.h"
#include "inspect/compare_pane.h"
#include "inspect/faithfulness_panel.h"
#include "inspect/contribution_panel.h"
#include "inspect/document_minimap.h"
#include "inspect/document_view.h"
#include "inspect/global_vector_panel.h"
#include "inspect/prediction_panel.h"
#include "inspect/top_tokens_table.h"
#include "inspect/weight_strip_chart.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {
namespace {

QPushButton* button(const QString& text, QWidget* parent) { return new QPushButton(text, parent); }

// A token's tooltip: the token, its id and position, and its α and β at the last layer for
// every head.
QString tokenLabel(const Inspection& in, int i) {
  const InspectToken& token = in.tokens[static_cast<std::size_t>(i)];
  QString label = QString("'%1' · id %2 · position %3").arg(QString::fromStdString(token.piece)).arg(token.id).arg(i);
  if (in.attention != AttentionKind::additive || in.alpha.empty()) return label;
  const std::int64_t l = in.layers - 1, N = in.size();
  QStringList heads;
  for (std::int64_t h = 0; h < in.heads; ++h) {
    const std::size_t at = static_cast<std::size_t>((l * in.heads + h) * N) + static_cast<std::size_t>(i);
    heads << QString("h%1 α %2 β %3").arg(h).arg(in.alpha[at], 0, 'f', 4).arg(in.beta[at], 0, 'f', 4);
  }
  return label + QString("\nlayer %1: ").arg(l) + heads.join(", ");
}

}  // namespace

InspectWorkspace::InspectWorkspace(QWidget* parent) : QWidget(parent) {
  modelLabel_ = new QLabel("No checkpoint: open a run directory or a checkpoint.");
  documentLabel_ = new QLabel("No document.");
  message_ = new QLabel;
  message_->setWordWrap(true);
  layer_ = new QComboBox;
  head_ = new QComboBox;
  weight_ = new QComboBox;
  weight_->addItems({"α (query pooling)", "β (key pooling)", "γ (document pooling)", "n (linear attention's normaliser)",
                     "gradient", "gradient × input", "Integrated Gradients", "occlusion"});
  weight_->setToolTip(
      "α, β, γ: the weights the model computes (what attention viewers paint); n: for linear attention, each "
      "query's normaliser φ(Q_i)·Σφ(K_j) as a share of its window's. The rest test the model: "
      "the gradient of the predicted class's score, gradient × input and Integrated Gradients (signed: "
      "orange for, blue against), occlusion (the change in p when a token is masked)");
  scale_ = new QComboBox;
  scale_->addItems({"relative to uniform", "relative, stretched", "raw weights"});
  scale_->setToolTip(
      "Relative: each weight × the number of tokens in its window, so 1 is the uniform share and windows of "
      "different lengths compare; stretched: the lightest shade is the smallest weight, not 0; raw: the softmax "
      "weights themselves");
  for (QComboBox* box : {layer_, head_, weight_, scale_}) box->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  longMode_ = new QComboBox;
  longMode_->addItems({"windows", "truncate"});
  longMode_->setToolTip("Documents longer than the model's max_len: overlapping windows, or the first max_len tokens");
  overlap_ = new QSpinBox;
  overlap_->setRange(0, 4096);
  overlap_->setValue(64);
  overlap_->setPrefix("overlap ");
  auto* openModel = button("Checkpoint…", this);
  auto* openDoc = button("Document…", this);
  auto* paste = button("Paste text…", this);
  sideBySide_ = button("Side by side", this);
  sideBySide_->setCheckable(true);
  sideBySide_->setToolTip("A second view of the document with its own checkpoint and method, scrolled together");
  auto* html = button("Export HTML…", this);
  auto* png = button("Export PNG…", this);

  auto* top = new QHBoxLayout;
  top->addWidget(openModel);
  top->addWidget(modelLabel_, 1);
  top->addWidget(openDoc);
  top->addWidget(paste);
  top->addWidget(documentLabel_, 1);
  auto* controls = new QHBoxLayout;
  for (auto [label, widget] : {std::pair<const char*, QWidget*>{"Layer", layer_}, {"Heads", head_},
                               {"Shade by", weight_}, {"Scale", scale_},
                               {"Long documents", longMode_}}) {
    controls->addWidget(new QLabel(label));
    controls->addWidget(widget);
  }
  controls->addWidget(overlap_);
  controls->addStretch();
  controls->addWidget(sideBySide_);
  controls->addWidget(html);
  controls->addWidget(png);

  view_ = new DocumentView;
  minimap_ = new DocumentMinimap;
  minimap_->setToolTip("The whole document's weights: click or drag to go there");
  auto* text = new QWidget;
  auto* textRow = new QHBoxLayout(text);
  textRow->setContentsMargins(0, 0, 0, 0);
  textRow->setSpacing(2);
  QWidget* progressRow = buildExplainParts();
  textRow->addWidget(view_, 1);
  textRow->addWidget(compare_, 1);
  textRow->addWidget(minimap_);
  strip_ = new WeightStripChart;
  prediction_ = new PredictionPanel;
  prediction_->setMinimumWidth(280);
  auto* left = new QSplitter(Qt::Vertical);
  left->addWidget(text);
  left->addWidget(strip_);
  left->setStretchFactor(0, 3);
  left->setStretchFactor(1, 1);
  contributions_ = new ContributionPanel;
  vectors_ = new GlobalVectorPanel;
  auto* right = tabs_ = new QTabWidget;
  right->addTab(prediction_, "Prediction");
  right->addTab(contributions_, "Sentence shares");
  right->addTab(vectors_, "Global vectors");
  top_ = new TopTokensTable;
  right->addTab(top_, "Top tokens");
  attention_ = new AttentionMap;
  right->addTab(attention_, "Softmax map");
  right->addTab(faithfulness_, "Faithfulness");
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(left);
  split->addWidget(right);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  // The curves and tables need room: when their tab is shown, a narrower right side grows
  // to 45% of the width (the splitter can be dragged back while the tab stays open).
  connect(tabs_, &QTabWidget::currentChanged, this, [this, split] {
    const QList<int> sizes = split->sizes();
    const int total = sizes.value(0) + sizes.value(1);
    if (tabs_->currentWidget() != faithfulness_ || total <= 0 || sizes.value(1) >= total * 45 / 100) return;
    split->setSizes({total * 55 / 100, total - total * 55 / 100});
  });
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(top);
  layout->addLayout(controls);
  layout->addWidget(message_);
  layout->addWidget(progressRow);
  layout->addWidget(split, 1);

  connect(openModel, &QPushButton::clicked, this, &InspectWorkspace::browseCheckpoint);
  connect(openDoc, &QPushButton::clicked, this, &InspectWorkspace::browseDocument);
  connect(paste, &QPushButton::clicked, this, &InspectWorkspace::pasteText);
  connect(html, &QPushButton::clicked, this, &InspectWorkspace::exportHtml);
  connect(png, &QPushButton::clicked, this, &InspectWorkspace::exportPng);
  for (QComboBox* box : {layer_, head_, weight_, scale_}) {
    connect(box, &QComboBox::currentIndexChanged, this, &InspectWorkspace::refreshWeights);
  }
  connect(longMode_, &QComboBox::currentIndexChanged, this, &InspectWorkspace::run);
  connect(overlap_, &QSpinBox::editingFinished, this, &InspectWorkspace::run);
  connect(view_, &DocumentView::visibleRangeChanged, strip_, &WeightStripChart::setVisibleRange);
  connect(view_, &DocumentView::visibleRangeChanged, minimap_, &DocumentMinimap::setVisibleRange);
  connect(strip_, &WeightStripChart::positionClicked, view_, &DocumentView::scrollToToken);
  connect(strip_, &WeightStripChart::rangeSelected, view_, [this](int first) { view_->scrollToTokenAtTop(first); });
  connect(minimap_, &DocumentMinimap::tokenRequested, view_, [this](int token) { view_->scrollToToken(token); });
  connect(view_, &DocumentView::selectionChanged, this, [this](int first, int last) {
    selection_ = first >= 0 ? std::pair<std::int64_t, std::int64_t>(first, last + 1) : std::pair<std::int64_t, std::int64_t>(0, 0);
    refreshShares();
  });
  connect(top_, &TopTokensTable::tokenChosen, view_, [this](int token) {
    view_->scrollToToken(token);
    view_->setPinnedToken(token);
  });
  connect(&loading_, &QFutureWatcher<Outcome<TrainedModel>>::finished, this, [this] {
    const Outcome<TrainedModel> outcome = loading_.result();
    if (!outcome.value) {
      setMessage("Could not load the checkpoint: " + outcome.error, true);
      return;
    }
    model_ = outcome.value;
    const auto& c = model_->checkpoint.contents.config;
    modelLabel_->setText(QString("%1 · %2 layers · %3 heads · max %4 tokens · %5")
                             .arg(QString::fromStdString(model_name(c.attention)))
                             .arg(c.layers)
                             .arg(c.heads)
                             .arg(model_->train.max_len)
                             .arg(QFileInfo(checkpoint_).fileName()));
    Q_EMIT log("Loaded checkpoint " + checkpoint_);
    run();
  });
  connect(contributions_, &ContributionPanel::occludeRequested, this, &InspectWorkspace::occlude);
  connect(&occluding_, &QFutureWatcher<Outcome<std::vector<float>>>::finished, this, [this] {
    const Outcome<std::vector<float>> outcome = occluding_.result();
    if (!outcome.value || !inspection_) {
      setMessage("Occlusion failed: " + outcome.error, true);
      return;
    }
    const auto c = static_cast<std::size_t>(inspection_->predicted);
    contributions_->setOcclusion(occludedRow_, inspection_->probabilities[c], (*outcome.value)[c],
                                 QString::fromStdString(inspection_->labels[c]));
    setMessage({}, false);
    Q_EMIT occluded(occludedRow_);
  });
  connect(&running_, &QFutureWatcher<Outcome<Inspection>>::finished, this, [this] {
    const Outcome<Inspection> outcome = running_.result();
    if (rerun_) {
      rerun_ = false;
      run();
      return;
    }
    if (!outcome.value) {
      setMessage("Could not inspect the document: " + outcome.error, true);
      return;
    }
    inspection_ = outcome.value;
    showInspection();
  });
}

InspectWorkspace::~InspectWorkspace() {
  // The jobs hold their inputs by value; waiting keeps their results from outliving us.
  loading_.waitForFinished();
  running_.waitForFinished();
  occluding_.waitForFinished();
}

QString InspectWorkspace::status() const { return message_->text(); }

void InspectWorkspace::setMessage(const QString& text, bool error) {
  showMessage(*message_, text, error);
  if (error) Q_EMIT failed(text);
}

void InspectWorkspace::openCheckpoint(const QString& path) {
  checkpoint_ = path;
  setMessage("Loading " + path + " …", false);
  loading_.setFuture(loadTrainedModelAsync(path));
}

void InspectWorkspace::openDocument(const QString& path) {
  try {
    const Document document = read_document(path.toStdString());
    setText(QString::fromStdString(document.text), QFileInfo(path).fileName());
  } catch (const std::exception& e) {
    setMessage("Could not read the document: " + describeException(e), true);
  }
}

void InspectWorkspace::setText(const QString& text, const QString& source) {
  text_ = text;
  source_ = source;
  documentLabel_->setText(QString("%1 · %2 characters").arg(source).arg(text.size()));
  run();
}

InspectOptions InspectWorkspace::inspectOptions() const {
  InspectOptions options;
  options.long_mode = longMode_->currentIndex() == 0 ? InspectOptions::Long::windows : InspectOptions::Long::truncate;
  options.overlap = overlap_->value();
  return options;
}

void InspectWorkspace::run() {
  if (!model_ || text_.isEmpty()) {
    if (!model_) setMessage("Open a checkpoint to inspect the document.", false);
    return;
  }
  if (running_.isRunning()) {
    rerun_ = true;
    return;
  }
  InspectOptions options = inspectOptions();
  // Softmax checkpoints keep the T×T map of the chosen layer and head.
  options.softmax_layer = std::max(0, layer_->currentIndex());
  options.softmax_head = std::max(0, head_->currentIndex() - 2);
  setMessage("Inspecting " + source_ + " …", false);
  const std::shared_ptr<const TrainedModel> model = model_;
  const std::string text = text_.toStdString();
  running_.setFuture(QtConcurrent::run([model, text, options]() -> Outcome<Inspection> {
    try {
      return {std::make_shared<const Inspection>(inspect(*model, text, options)), {}};
    } catch (const std::exception& e) {
      return {nullptr, describeException(e)};
    }
  }));
}

void InspectWorkspace::showInspection() {
  const Inspection& in = *inspection_;
  // Character spans of the tokens in the QString text (the engine counts UTF-8 bytes).
  std::vector<std::pair<qint64, qint64>> bytes;
  for (const auto& t : in.tokens) bytes.emplace_back(t.begin, t.end);
  const QByteArray utf8 = text_.toUtf8();
  const auto spans16 = utf8ToUtf16Spans(utf8, bytes);
  std::vector<TokenSpan> spans;
  spans.reserve(spans16.size());
  for (const auto& [begin, end] : spans16) spans.push_back({begin, end, {}});
  view_->setDocument(text_, spans);
  view_->setLabelProvider([inspection = inspection_](int i) { return tokenLabel(*inspection, i); });
  const QSignalBlocker a(layer_), b(head_);
  const int layer = std::max(0, layer_->currentIndex()), head = head_->currentIndex();
  layer_->clear();
  for (std::int64_t l = 0; l < in.layers; ++l) layer_->addItem(QString::number(l));
  head_->clear();
  head_->addItems({"mean over heads", "max over heads"});
  for (std::int64_t h = 0; h < in.heads; ++h) head_->addItem(QString("head %1").arg(h));
  layer_->setCurrentIndex(std::min<int>(layer, layer_->count() - 1));
  head_->setCurrentIndex(head >= 0 && head < head_->count() ? head : 0);
  // The weights this checkpoint has (α and β, n or γ) replace a choice it lacks, in the box too.
  if (const int weights = weight_->currentIndex(); weights >= 0 && weights <= 3) {
    const QSignalBlocker c(weight_);
    weight_->setCurrentIndex(static_cast<int>(shadingSpec().weights));
  }

  QStringList labels;
  std::vector<double> probabilities;
  for (std::size_t c = 0; c < in.labels.size(); ++c) {
    labels << QString::fromStdString(in.labels[c]);
    probabilities.push_back(in.probabilities[c]);
  }
  const QString note = QString("%1 tokens · %2 window%3%4")
                           .arg(in.size() - 1)
                           .arg(in.windows.size())
                           .arg(in.windows.size() == 1 ? "" : "s")
                           .arg(in.truncated ? " · truncated to the model's max_len" : "");
  prediction_->setPrediction(labels, probabilities, note);
  std::vector<HeadEntropy> rows;
  for (const HeadSummaries& s : head_summaries(in)) {
    rows.push_back({static_cast<int>(s.layer), static_cast<int>(s.head), s.alpha.entropy, s.beta.entropy,
                    QString::fromStdString(s.flag())});
  }
  prediction_->setEntropies(rows, std::log(std::max<double>(2, static_cast<double>(in.size()))));
  sentences_ = sentence_ranges(text_.toStdString(), in.tokens);
  selection_ = {0, 0};
  pieces_.clear();
  for (const auto& t : in.tokens) pieces_ << QString::fromStdString(t.piece);
  setMessage(in.attention == AttentionKind::additive
                 ? QString()
                 : QString("A %1 checkpoint has no α or β: shading by %2.")
                       .arg(QString::fromStdString(model_name(in.attention)),
                            in.normalizer.empty() ? "γ" : "n, each query's share of the attention mass"),
             false);
  updateExplainSources();
  refreshWeights();
  Q_EMIT inspected();
}

void InspectWorkspace::occlude(int row, qint64 first, qint64 last) {
  if (!model_ || occluding_.isRunning()) return;
  occludedRow_ = row;
  const InspectOptions options = inspectOptions();
  setMessage("Occluding …", false);
  const std::shared_ptr<const TrainedModel> model = model_;
  const std::string text = text_.toStdString();
  occluding_.setFuture(QtConcurrent::run([model, text, first, last, options]() -> Outcome<std::vector<float>> {
    try {
      return {std::make_shared<const std::vector<float>>(fastformer::occlude(*model, text, first, last, options)), {}};
    } catch (const std::exception& e) {
      return {nullptr, describeException(e)};
    }
  }));
}

}  // namespace fastformer::ui
