// DatasetPanel: the spec, its background preview, and the two preview charts.
#include "train/dataset_panel.h"

#include "fastformer/word_count.h"

#include "common/bar_chart.h"
#include "common/describe_exception.h"
#include "fastformer/data_splits.h"
#include "fastformer/error.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <map>

namespace fastformer::ui {
namespace {

// data/spamassassin next to the build (build/app/… → repository root), else the working
// directory's.
QString spamAssassinPath() {
  QDir dir(QCoreApplication::applicationDirPath());
  for (int up = 0; up < 4; ++up) {
    if (QFileInfo::exists(dir.filePath("data/spamassassin"))) return dir.filePath("data/spamassassin");
    if (!dir.cdUp()) break;
  }
  return QDir::current().filePath("data/spamassassin");
}

}  // namespace

DatasetPreview previewDataset(const QString& spec) {
  DatasetPreview p;
  p.spec = spec;
  try {
    const DataSplits splits = load_splits(spec.toStdString(), ReadOptions{}, SplitOptions{});
    p.description = QString::fromStdString(splits.description);
    p.train = static_cast<int>(splits.train.size());
    p.valid = static_cast<int>(splits.valid.size());
    p.test = static_cast<int>(splits.test.size());
    p.badRows = static_cast<int>(splits.report.bad_rows);
    if (!splits.report.problems.empty()) p.firstProblem = QString::fromStdString(splits.report.problems.front());
    std::map<std::string, double> counts;
    for (const auto* split : {&splits.train, &splits.valid, &splits.test}) {
      for (const Example& e : *split) {
        counts[e.label] += 1;
        p.lengths.push_back(static_cast<double>(word_token_count(e.text)));
      }
    }
    for (const auto& label : splits.labels) {
      p.labels << QString::fromStdString(label);
      p.labelCounts.push_back(counts[label]);
    }
  } catch (...) {
    p.error = describeException();
  }
  return p;
}

std::vector<std::pair<QString, QString>> DatasetPanel::builtIns() {
  return {{"SpamAssassin e-mails (ham/spam)", spamAssassinPath()},
          {"Synthetic: needle in 512 words", "synthetic:needle?length=512&examples=3000"},
          {"Synthetic: majority word, 256 words", "synthetic:majority?length=256&examples=3000"},
          {"Synthetic: needle in 4,096 words", "synthetic:needle?length=4096&examples=1500"},
          {"Synthetic: key–value lookup in 128 words", "synthetic:lookup?length=128&examples=3000"},
          {"Synthetic: first of four markers in 128 words", "synthetic:first?length=128&examples=3000"}};
}

int DatasetPanel::builtInIndex(const QString& spec) {
  const auto all = builtIns();
  const QString path = spec.startsWith("synthetic:") ? QString() : QFileInfo(spec).canonicalFilePath();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const QString& known = all[i].second;
    if (known == spec || (!path.isEmpty() && QFileInfo(known).canonicalFilePath() == path)) return static_cast<int>(i);
  }
  return -1;
}

QString DatasetPanel::choiceText() const { return choices_->currentText(); }

DatasetPanel::DatasetPanel(QWidget* parent) : QWidget(parent) {
  choices_ = new QComboBox;
  for (const auto& [name, spec] : builtIns()) choices_->addItem(name, spec);
  choices_->addItem("Custom (file, folder or spec)", QString());
  specEdit_ = new QLineEdit;
  specEdit_->setPlaceholderText("file.tsv, folder/ or synthetic:needle?length=1024");
  auto* file = new QPushButton("File…");
  auto* folder = new QPushButton("Folder…");
  summary_ = new QLabel;
  summary_->setWordWrap(true);
  error_ = new QLabel;
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #b00020;");
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  balance_ = new BarChart("Label balance", "the examples per label\nappear when a dataset is read");
  lengths_ = new BarChart("Document length", "a histogram of tokens per document\nappears when a dataset is read");
  balance_->setMinimumHeight(130);
  lengths_->setMinimumHeight(130);

  auto* box = new QGroupBox("Dataset");
  auto* layout = new QVBoxLayout(box);
  layout->addWidget(choices_);
  auto* row = new QHBoxLayout;
  row->addWidget(specEdit_, 1);
  row->addWidget(file);
  row->addWidget(folder);
  layout->addLayout(row);
  layout->addWidget(summary_);
  layout->addWidget(error_);
  layout->addWidget(balance_);
  layout->addWidget(lengths_);
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->addWidget(box);

  connect(choices_, &QComboBox::activated, this, [this](int index) {
    const QString spec = choices_->itemData(index).toString();
    if (!spec.isEmpty()) setSpec(spec);
  });
  connect(specEdit_, &QLineEdit::editingFinished, this, [this] {
    if (specEdit_->text() == preview_.spec) return;
    const int known = builtInIndex(spec());
    choices_->setCurrentIndex(known >= 0 ? known : choices_->count() - 1);
    load();
  });
  connect(file, &QPushButton::clicked, this, &DatasetPanel::browseFile);
  connect(folder, &QPushButton::clicked, this, &DatasetPanel::browseFolder);
  connect(&watcher_, &QFutureWatcher<DatasetPreview>::finished, this, [this] { show(watcher_.result()); });
}

QString DatasetPanel::spec() const { return specEdit_->text().trimmed(); }

bool DatasetPanel::isLoading() const { return watcher_.isRunning(); }

void DatasetPanel::setSpec(const QString& spec) {
  specEdit_->setText(spec);
  specEdit_->setCursorPosition(0);
  const int known = builtInIndex(spec);
  choices_->setCurrentIndex(known >= 0 ? known : choices_->count() - 1);
  load();
}

void DatasetPanel::browseFile() {
  const QString path = QFileDialog::getOpenFileName(this, "Open dataset", QString(),
                                                    "Datasets (*.tsv *.csv *.jsonl *.json);;All files (*)");
  if (!path.isEmpty()) setSpec(path);
}

void DatasetPanel::browseFolder() {
  const QString path = QFileDialog::getExistingDirectory(this, "Open dataset folder");
  if (!path.isEmpty()) setSpec(path);
}

void DatasetPanel::load() {
  const QString spec = this->spec();
  if (spec.isEmpty()) return;
  summary_->setText("Loading " + spec + " …");
  error_->clear();
  if (watcher_.isRunning()) watcher_.waitForFinished();  // a preview takes seconds at most
  watcher_.setFuture(QtConcurrent::run(previewDataset, spec));
}

void DatasetPanel::show(const DatasetPreview& p) {
  preview_ = p;
  if (!p.error.isEmpty()) {
    summary_->setText(p.spec);
    error_->setText("Could not load the dataset: " + p.error);
    balance_->setCategories({}, {}, "examples");
    lengths_->setHistogram({}, 20, "tokens");
  } else {
    error_->clear();
    summary_->setText(QString("%1 train · %2 valid · %3 test examples, %4 labels%5")
                          .arg(p.train)
                          .arg(p.valid)
                          .arg(p.test)
                          .arg(p.labels.size())
                          .arg(p.badRows > 0 ? QString(" · %1 bad rows skipped, first: %2").arg(p.badRows).arg(p.firstProblem)
                                             : QString()));
    balance_->setCategories(p.labels, p.labelCounts, "examples");
    // A few very long documents would squeeze every other bar into one: values above the
    // 99th percentile go into the last bar.
    std::vector<double> clipped = p.lengths;
    if (!clipped.empty()) {
      std::vector<double> sorted = clipped;
      const auto rank = static_cast<std::ptrdiff_t>(0.99 * static_cast<double>(sorted.size() - 1));
      std::nth_element(sorted.begin(), sorted.begin() + rank, sorted.end());
      const double cap = sorted[static_cast<std::size_t>(rank)];
      for (double& v : clipped) v = std::min(v, cap);
    }
    lengths_->setHistogram(clipped, 20, "tokens per document (word tokenizer)");
    lengths_->setToolTip("The longest 1% of the documents are counted in the last bar.");
  }
  Q_EMIT previewReady(p);
}

}  // namespace fastformer::ui
