// InspectWorkspace's actions: choosing a checkpoint or document, pasting text, exporting
// the shaded document as HTML or PNG, and setting the controls from a text spec.
#include "fastformer/inspect.h"

#include "inspect/inspect_workspace.h"

#include "inspect/document_view.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QVBoxLayout>

namespace fastformer::ui {

void InspectWorkspace::browseCheckpoint() {
  const QString dir = QFileDialog::getExistingDirectory(this, "Open a run or checkpoint directory");
  if (!dir.isEmpty()) openCheckpoint(dir);
}

void InspectWorkspace::browseDocument() {
  const QString path = QFileDialog::getOpenFileName(this, "Open a document", QString(),
                                                    "Documents (*.txt *.md *.html *.htm *.eml *.json *.jsonl);;All files (*)");
  if (!path.isEmpty()) openDocument(path);
}

void InspectWorkspace::pasteText() {
  QDialog dialog(this);
  dialog.setWindowTitle("Paste text");
  auto* edit = new QPlainTextEdit(&dialog);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  auto* layout = new QVBoxLayout(&dialog);
  layout->addWidget(edit);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  dialog.resize(640, 420);
  if (dialog.exec() == QDialog::Accepted && !edit->toPlainText().isEmpty()) setText(edit->toPlainText());
}

void InspectWorkspace::exportHtml() {
  if (!inspection_) return;
  const QString path = QFileDialog::getSaveFileName(this, "Export the shaded document", "document.html", "HTML (*.html)");
  if (path.isEmpty()) return;
  QFile file(path);
  const int head = head_->currentIndex() >= 2 ? head_->currentIndex() - 2 : -1;
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(QByteArray::fromStdString(inspection_html(*inspection_, text_.toStdString(), layer_->currentIndex(), head))) < 0) {
    setMessage("Could not write " + path, true);
  }
}

void InspectWorkspace::exportPng() {
  if (!inspection_) return;
  const QString path = QFileDialog::getSaveFileName(this, "Export the shaded document", "document.png", "PNG (*.png)");
  if (!path.isEmpty() && !view_->renderDocument(900).save(path)) setMessage("Could not write " + path, true);
}

QString InspectWorkspace::applyView(const QString& spec) {
  QStringList problems;
  const auto choose = [&](QComboBox* box, int index, const QString& item) {
    if (index >= 0 && index < box->count()) box->setCurrentIndex(index);
    else problems << item;
  };
  for (const QString& item : spec.split(',', Qt::SkipEmptyParts)) {
    const QString key = item.section('=', 0, 0).trimmed();
    const QString value = item.section('=', 1).trimmed();
    bool number = false;
    const int n = value.toInt(&number);
    if (key == "layer" && number) {
      choose(layer_, n, item);
    } else if (key == "heads") {
      choose(head_, value == "mean" ? 0 : value == "max" ? 1 : number ? n + 2 : -1, item);
    } else if (key == "shade") {
      choose(weight_, QStringList{"alpha", "beta", "gamma"}.indexOf(value), item);
    } else if (key == "scale") {
      choose(scale_, QStringList{"relative", "stretched", "raw"}.indexOf(value), item);
    } else if (key == "tab") {
      const int tab = QStringList{"prediction", "shares", "vectors", "top", "softmax"}.indexOf(value);
      if (tab >= 0) tabs_->setCurrentIndex(tab);
      else problems << item;
    } else if (key == "select" && value.contains('-')) {
      const int first = value.section('-', 0, 0).toInt(), last = value.section('-', 1).toInt();
      view_->setSelection(first, last);
      if (view_->selection().first < 0) problems << item;
      else view_->scrollToTokenAtTop(first);
    } else {
      problems << item;
    }
  }
  return problems.join(", ");
}

}  // namespace fastformer::ui
