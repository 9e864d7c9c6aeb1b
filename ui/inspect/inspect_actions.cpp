// InspectWorkspace's actions: choosing a checkpoint or document, pasting text, exporting
// the shaded document as HTML or PNG, and setting the controls from a text spec.
#include "fastformer/inspect.h"
#include "fastformer/shading.h"

#include "inspect/inspect_workspace.h"

#include "inspect/compare_pane.h"
#include "inspect/document_view.h"
#include "inspect/faithfulness_panel.h"

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
  if (!path.isEmpty()) exportHtmlTo(path);
}

bool InspectWorkspace::exportHtmlTo(const QString& path) {
  if (!inspection_) return false;
  try {
    // What the views show, so the file shows what the screen does.
    const auto method = shadedMethod();
    const Explanation* explanation = methodExplanation();
    if (method && !explanation) {
      setMessage("The explanation is still running: export when the text is shaded.", true);
      return false;
    }
    const std::string html = method ? explanation_html(*explanation, text_.toStdString(), {*method})
                                    : inspection_html(*inspection_, text_.toStdString(), shadingSpec());
    QFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(QByteArray::fromStdString(html)) >= 0 && file.flush()) return true;
    setMessage("Could not write " + path, true);
  } catch (const std::exception& e) {
    setMessage("Could not export the HTML report: " + describeException(e), true);
  }
  return false;
}

void InspectWorkspace::exportPng() {
  if (!inspection_) return;
  const QString path = QFileDialog::getSaveFileName(this, "Export the shaded document", "document.png", "PNG (*.png)");
  if (!path.isEmpty() && !view_->renderDocument(900).save(path)) setMessage("Could not write " + path, true);
}

QString InspectWorkspace::applyView(const QString& spec) {
  QStringList problems;
  const auto choose = [&](QComboBox* box, std::int64_t index, const QString& item) {
    if (index >= 0 && index < box->count()) box->setCurrentIndex(static_cast<int>(index));
    else problems << item;
  };
  for (const QString& item : spec.split(',', Qt::SkipEmptyParts)) {
    const QString key = item.section('=', 0, 0).trimmed();
    const QString value = item.section('=', 1).trimmed();
    AttributionMethod method = AttributionMethod::alpha;
    const bool isMethod = [&] {
      try {
        method = attribution_method_from_string(value.toStdString());
        return true;
      } catch (const std::exception&) {
        return false;
      }
    }();
    const bool test = isMethod && method != AttributionMethod::alpha && method != AttributionMethod::beta &&
                      method != AttributionMethod::gamma;
    if (key == "shade" && test) {
      // "Shade by" lists α, β, γ, n, then the methods in the engine's order after them.
      choose(weight_, static_cast<int>(method) + 1, item);
    } else if (key == "side") {
      if (value == "off") {
        setSideBySide(false);
      } else if (isMethod) {
        compare_->setMethod(method);
        setSideBySide(true);
      } else {
        problems << item;
      }
    } else if (key == "compare" && !value.isEmpty()) {
      setSideBySide(true);
      compare_->openCheckpoint(value);
    } else if (key == "measure" && value == "yes") {
      faithfulness_->measure();
    } else if (key == "layer" || key == "heads" || key == "shade" || key == "scale") {
      // The engine's spelling of a shading spec; the boxes say what exists.
      ShadingSpec shading;
      try {
        shading = parse_shading_spec(item.toStdString());
      } catch (const std::exception&) {
        problems << item;
        continue;
      }
      using Heads = ShadingSpec::Heads;
      if (key == "layer") choose(layer_, shading.layer, item);
      else if (key == "heads") choose(head_, shading.heads == Heads::mean ? 0 : shading.heads == Heads::max ? 1 : shading.head + 2, item);
      else if (key == "shade") choose(weight_, static_cast<int>(shading.weights), item);
      else choose(scale_, static_cast<int>(shading.scale), item);
    } else if (key == "tab") {
      const int tab = QStringList{"prediction", "shares", "vectors", "top", "softmax", "faithfulness"}.indexOf(value);
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
