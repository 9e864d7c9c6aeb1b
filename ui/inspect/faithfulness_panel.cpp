// FaithfulnessPanel: one explain() with curves (and ablations), then chart and tables.
#include "inspect/faithfulness_panel.h"

#include "fastformer/explain.h"
#include "fastformer/training_data.h"

#include "common/job_progress.h"
#include "inspect/explain_job.h"
#include "inspect/faithfulness_chart.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace fastformer::ui {
namespace {

QTableWidgetItem* cell(const QString& text, Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter) {
  auto* item = new QTableWidgetItem(text);
  item->setTextAlignment(align);
  item->setFlags(item->flags() & ~Qt::ItemIsEditable);
  return item;
}

QTableWidgetItem* number(double v) { return cell(QString::number(v, 'f', 4), Qt::AlignRight | Qt::AlignVCenter); }

QString csvField(QString s) {
  if (s.contains(',') || s.contains('"') || s.contains('\n')) s = '"' + s.replace('"', "\"\"") + '"';
  return s;
}

// Ablation cells: the change in p(target), blue when it falls, orange when it rises.
QTableWidgetItem* change(double v) {
  // A saturated prediction moves by 1e-6: three significant digits, not four decimals.
  QTableWidgetItem* item = cell(v == 0.0 ? QString("0") : QString::number(v, 'g', 3), Qt::AlignRight | Qt::AlignVCenter);
  const double t = std::min(1.0, std::abs(v) / 0.2);
  const QColor tint = v < 0 ? QColor(84, 144, 204) : QColor(239, 101, 72);
  item->setBackground(QColor::fromRgbF(1 - t * (1 - tint.redF()), 1 - t * (1 - tint.greenF()), 1 - t * (1 - tint.blueF())));
  item->setForeground(QColor(20, 20, 20));  // the tint is light on any palette
  return item;
}

}  // namespace

FaithfulnessPanel::FaithfulnessPanel(QWidget* parent) : QWidget(parent) {
  job_ = new ExplainJob(this);
  progress_ = new JobProgress;
  measure_ = new QPushButton("Measure faithfulness");
  measure_->setToolTip("Runs every method on this document, then masks out (deletion) or shows only (insertion) "
                       "its top-ranked tokens: a method whose ranking moves p(target) more than random orders do "
                       "points at what the prediction rests on");
  exportTable_ = new QPushButton("Export table…");
  summary_ = new QLabel("Open a checkpoint and a document, then measure.");
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  chart_ = new FaithfulnessChart;
  table_ = new QTableWidget(0, 4);
  table_->setHorizontalHeaderLabels({"method", "AOPC deletion", "AOPC insertion", "verdict"});
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->hide();
  ablation_ = new QTableWidget;
  ablation_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  ablationNote_ = new QLabel;
  ablationNote_->setWordWrap(true);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(measure_);
  buttons->addStretch();
  buttons->addWidget(exportTable_);
  auto* tables = new QWidget;
  auto* tablesLayout = new QVBoxLayout(tables);
  tablesLayout->setContentsMargins(0, 0, 0, 0);
  tablesLayout->addWidget(table_, 2);
  tablesLayout->addWidget(ablationNote_);
  tablesLayout->addWidget(ablation_, 1);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(chart_);
  split->addWidget(tables);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(buttons);
  layout->addWidget(progress_);
  layout->addWidget(summary_);
  layout->addWidget(split, 1);

  connect(measure_, &QPushButton::clicked, this, &FaithfulnessPanel::measure);
  connect(exportTable_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export the AOPC table", "faithfulness.csv", "CSV (*.csv)");
    if (!path.isEmpty()) exportTableTo(path);
  });
  connect(progress_, &JobProgress::cancelRequested, this, &FaithfulnessPanel::cancel);
  connect(job_, &ExplainJob::progressed, progress_, &JobProgress::setProgress);
  connect(job_, &ExplainJob::finished, this, [this](std::shared_ptr<const Explanation> e) {
    progress_->end();
    measure_->setEnabled(true);
    showExplanation(e);
    Q_EMIT measured(e);
    Q_EMIT idle();
  });
  connect(job_, &ExplainJob::failed, this, [this](const QString& message) {
    progress_->end();
    measure_->setEnabled(true);
    summary_->setText("Could not measure: " + message);
    Q_EMIT failed(message);
    Q_EMIT idle();
  });
  connect(job_, &ExplainJob::cancelled, this, [this] {
    progress_->end();
    measure_->setEnabled(model_ != nullptr);
    summary_->setText("Cancelled.");
    Q_EMIT idle();
  });
  setSource(nullptr, {}, {});
}

FaithfulnessPanel::~FaithfulnessPanel() = default;

void FaithfulnessPanel::setSource(std::shared_ptr<const TrainedModel> model, const QString& text, const InspectOptions& windows) {
  cancel();
  model_ = std::move(model);
  text_ = text.toStdString();
  windows_ = windows;
  explanation_.reset();
  chart_->setExplanation(nullptr);
  table_->setRowCount(0);
  ablation_->clear();
  ablation_->setRowCount(0);
  ablation_->setColumnCount(0);
  ablationNote_->clear();
  measure_->setEnabled(model_ && !text_.empty());
  exportTable_->setEnabled(false);
  summary_->setText(model_ && !text_.empty() ? "Measure to see whether each method's ranking moves the prediction."
                                             : "Open a checkpoint and a document, then measure.");
}

bool FaithfulnessPanel::isRunning() const { return job_->isRunning(); }

void FaithfulnessPanel::cancel() {
  if (job_->isRunning()) job_->cancel();
}

void FaithfulnessPanel::measure() {
  if (!model_ || text_.empty()) return;
  const ModelConfig& config = model_->checkpoint.contents.config;
  ExplainOptions options;
  options.windows = windows_;
  options.faithfulness = true;
  options.ablation = config.attention == AttentionKind::additive;
  measure_->setEnabled(false);
  progress_->begin("Measuring faithfulness");
  job_->start(model_, text_, available_attribution_methods(config), options);
}

void FaithfulnessPanel::showExplanation(std::shared_ptr<const Explanation> explanation) {
  explanation_ = std::move(explanation);
  const Explanation& e = *explanation_;
  const Faithfulness& f = e.faithfulness;
  chart_->setExplanation(&e);
  table_->setRowCount(static_cast<int>(f.curves.size()));
  QStringList lines;
  for (std::size_t c = 0; c < f.curves.size(); ++c) {
    const FaithfulnessCurve& curve = f.curves[c];
    const int row = static_cast<int>(c);
    const bool random = curve.name == "random";
    QTableWidgetItem* name = cell(QString::fromStdString(curve.name));
    name->setForeground(random ? QColor(90, 90, 90) : curveColor(row));
    table_->setItem(row, 0, name);
    table_->setItem(row, 1, number(curve.aopc_deletion));
    table_->setItem(row, 2, number(curve.aopc_insertion));
    if (random) {
      table_->setItem(row, 3, cell(QString("mean of %1 random orders").arg(f.random_aopc_deletion.size())));
    } else {
      // The short verdict in the cell, coloured; the numbers behind it in its tooltip.
      static const char* words[] = {"better than random", "no better than random", "worse than random"};
      static const QColor colours[] = {QColor(0x1a, 0x7f, 0x37), QColor(110, 110, 110), QColor(0xb0, 0x00, 0x20)};
      const auto v = static_cast<int>(faithfulness_verdict(f, curve));
      QTableWidgetItem* verdict = cell(words[v]);
      verdict->setForeground(colours[v]);
      verdict->setToolTip(QString::fromStdString(verdict_text(f, curve)));
      table_->setItem(row, 3, verdict);
      lines << QString::fromStdString(verdict_text(f, curve));
    }
  }
  table_->resizeColumnsToContents();
  const auto target = static_cast<std::size_t>(e.target);
  double seconds = f.seconds + e.ablation.seconds;
  for (const Attribution& a : e.attributions) seconds += a.seconds;
  summary_->setText(QString("Explaining '%1' (p = %2) over %3 tokens in %4 s: p(target) as each method's top tokens "
                            "are masked out or shown alone, against random orders.")
                        .arg(QString::fromStdString(target < e.labels.size() ? e.labels[target] : std::to_string(e.target)))
                        .arg(e.probabilities[target], 0, 'f', 3)
                        .arg(e.tokens.size() - 1)
                        .arg(seconds, 0, 'f', 1));
  summary_->setToolTip(lines.join('\n'));
  verdicts_ = lines;
  exportTable_->setEnabled(true);
  showAblation(e);
}

void FaithfulnessPanel::showAblation(const Explanation& e) {
  const PoolingAblations& a = e.ablation;
  ablation_->clear();
  if (a.empty()) {
    ablation_->setRowCount(0);
    ablation_->setColumnCount(0);
    ablationNote_->setText("Pooling ablation needs a Fastformer: a Transformer has no α or β.");
    return;
  }
  const auto L = static_cast<int>(a.layers), H = static_cast<int>(a.heads);
  ablation_->setRowCount(2 * L);
  ablation_->setColumnCount(H + 1);
  QStringList columns;
  for (int h = 0; h < H; ++h) columns << QString("head %1").arg(h);
  columns << "all heads";
  ablation_->setHorizontalHeaderLabels(columns);
  QStringList rows;
  for (int k = 0; k < 2; ++k) {
    const std::vector<double>& heads = k == 0 ? a.alpha_head : a.beta_head;
    const std::vector<double>& layers = k == 0 ? a.alpha_layer : a.beta_layer;
    for (int l = 0; l < L; ++l) {
      const int row = k * L + l;
      rows << QString("%1 uniform, layer %2").arg(k == 0 ? "α" : "β").arg(l);
      for (int h = 0; h < H; ++h) ablation_->setItem(row, h, change(heads[static_cast<std::size_t>(l * H + h)]));
      ablation_->setItem(row, H, change(layers[static_cast<std::size_t>(l)]));
    }
  }
  ablation_->setVerticalHeaderLabels(rows);
  ablation_->resizeColumnsToContents();
  ablationNote_->setText(QString("Pooling ablation: the change in p(target) when α or β becomes uniform (%1 s). "
                                 "Every α: %2, every β: %3, both: %4.")
                             .arg(a.seconds, 0, 'f', 1)
                             .arg(a.alpha_all, 0, 'g', 3)
                             .arg(a.beta_all, 0, 'g', 3)
                             .arg(a.both_all, 0, 'g', 3));
}

QString FaithfulnessPanel::verdicts() const { return verdicts_.join('\n'); }

QString FaithfulnessPanel::tableCsv() const {
  QString csv = "method,aopc_deletion,aopc_insertion,verdict\n";
  for (int r = 0; r < table_->rowCount(); ++r) {
    QStringList fields;
    for (int c = 0; c < 4; ++c) fields << csvField(table_->item(r, c) ? table_->item(r, c)->text() : QString());
    csv += fields.join(',') + '\n';
  }
  return csv;
}

bool FaithfulnessPanel::exportTableTo(const QString& path) {
  QSaveFile file(path);
  if (file.open(QIODevice::WriteOnly) && file.write(tableCsv().toUtf8()) >= 0 && file.commit()) return true;
  summary_->setText("Could not write " + path + ": " + file.errorString());
  Q_EMIT failed("Could not write " + path);
  return false;
}

}  // namespace fastformer::ui
