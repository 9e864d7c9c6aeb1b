// ImportDialog: a form over fastformer::import_model, run with QtConcurrent.
#include "inspect/import_dialog.h"

#include "common/background_job.h"
#include "common/describe_exception.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace fastformer::ui {

ImportDialog::ImportDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle("Import PyTorch model");
  auto* layout = new QVBoxLayout(this);
  auto* intro = new QLabel(
      "A Fastformer trained in PyTorch: the file <tt>torch.save(model.state_dict(), …)</tt> wrote (or a "
      ".safetensors file) and its vocabulary. The authors' notebook (Fastformer.ipynb) is read as it is; "
      "other implementations need a JSON name map (docs/import.md).");
  intro->setWordWrap(true);
  layout->addWidget(intro);
  auto* form = new QFormLayout;
  model_ = addPathRow(form, "Model file", "PyTorch state_dict (*.pt *.pth *.bin *.safetensors);;All files (*)", false);
  vocab_ = addPathRow(form, "Vocabulary", "word_dict JSON or vocab.txt (*.json *.txt);;All files (*)", false);
  config_ = addPathRow(form, "Config (optional)", "JSON config (*.json);;All files (*)", false);
  config_->setPlaceholderText("fastformer.json: sizes are otherwise read off the tensors");
  map_ = new QComboBox;
  map_->addItem("Authors' notebook (official)", "official");
  map_->addItem("JSON name map…", "file");
  form->addRow("Name map", map_);
  QWidget* mapRow = nullptr;
  mapFile_ = addPathRow(form, "Map file", "Name map (*.json);;All files (*)", false, &mapRow);
  mapRow->setEnabled(false);  // the edit and its Browse… button, for a JSON map only
  connect(map_, &QComboBox::currentIndexChanged, this, [this, mapRow] { mapRow->setEnabled(map_->currentData() == "file"); });
  labels_ = new QLineEdit;
  labels_->setPlaceholderText("class names in class order, comma-separated (default 0, 1, …)");
  form->addRow("Class names", labels_);
  out_ = addPathRow(form, "Save checkpoint to", {}, true);
  out_->setPlaceholderText("a new folder (default: beside the model file)");
  layout->addLayout(form);
  message_ = new QLabel;
  message_->setWordWrap(true);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(message_);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons_->button(QDialogButtonBox::Ok)->setText("Import");
  connect(buttons_, &QDialogButtonBox::accepted, this, &ImportDialog::startImport);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons_);
  connect(&watcher_, &QFutureWatcher<QString>::finished, this, &ImportDialog::finished);
  setMinimumWidth(640);
}

QLineEdit* ImportDialog::addPathRow(QFormLayout* form, const QString& label, const QString& filter, bool folder,
                                    QWidget** row) {
  auto* widget = new QWidget;
  auto* layout = new QHBoxLayout(widget);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* edit = new QLineEdit;
  auto* browse = new QPushButton("Browse…");
  layout->addWidget(edit, 1);
  layout->addWidget(browse);
  form->addRow(label, widget);
  if (row != nullptr) *row = widget;
  connect(browse, &QPushButton::clicked, this, [this, edit, label, filter, folder] {
    const QString path = folder ? QFileDialog::getExistingDirectory(this, label, edit->text())
                                : QFileDialog::getOpenFileName(this, label, edit->text(), filter);
    if (!path.isEmpty()) edit->setText(path);
  });
  return edit;
}

ImportOptions ImportDialog::options() const {
  ImportOptions o;
  o.from = model_->text().trimmed().toStdString();
  o.vocab = vocab_->text().trimmed().toStdString();
  o.config = config_->text().trimmed().toStdString();
  o.map = map_->currentData() == "file" ? mapFile_->text().trimmed().toStdString() : "official";
  for (const QString& label : labels_->text().split(',', Qt::SkipEmptyParts)) o.labels.push_back(label.trimmed().toStdString());
  QString out = out_->text().trimmed();
  if (out.isEmpty() && !model_->text().trimmed().isEmpty()) {
    const QFileInfo model(model_->text().trimmed());
    out = model.dir().filePath(model.completeBaseName() + "-checkpoint");
  }
  o.out = out.toStdString();
  return o;
}

void ImportDialog::setOptions(const ImportOptions& o) {
  model_->setText(QString::fromStdString(o.from.string()));
  vocab_->setText(QString::fromStdString(o.vocab.string()));
  config_->setText(QString::fromStdString(o.config.string()));
  const bool builtin = o.map == "official";
  map_->setCurrentIndex(builtin ? 0 : 1);
  mapFile_->setText(builtin ? QString() : QString::fromStdString(o.map));
  QStringList labels;
  for (const auto& label : o.labels) labels << QString::fromStdString(label);
  labels_->setText(labels.join(", "));
  out_->setText(QString::fromStdString(o.out.string()));
}

void ImportDialog::startImport() {
  const ImportOptions o = options();
  if (o.from.empty() || o.vocab.empty()) {
    showMessage(*message_, "Choose the model file and its vocabulary.", true);
    return;
  }
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(false);
  showMessage(*message_, "Importing…", false);
  watcher_.setFuture(QtConcurrent::run([o]() -> QString {
    try {
      import_model(o);
      return {};
    } catch (...) {
      return describeException();
    }
  }));
}

void ImportDialog::finished() {
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(true);
  const QString error = watcher_.result();
  if (!error.isEmpty()) {
    showMessage(*message_, error, true);  // the dialog stays open: fix a field, try again
    return;
  }
  imported_ = QString::fromStdString(options().out.string());
  accept();
}

}  // namespace fastformer::ui
