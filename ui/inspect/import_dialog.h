// File → Import PyTorch model…: the files of a Fastformer trained in PyTorch (its
// state_dict, vocabulary, optional config and name map) imported off the GUI thread into
// a checkpoint; a bad file keeps the dialog open with the engine's lines, one per problem.
#pragma once

#include "fastformer/import.h"

#include <QDialog>
#include <QFutureWatcher>

class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;

namespace fastformer::ui {

class ImportDialog : public QDialog {
  Q_OBJECT
 public:
  explicit ImportDialog(QWidget* parent = nullptr);

  // The form as engine options; the output folder defaults beside the model file.
  ImportOptions options() const;
  void setOptions(const ImportOptions& options);
  // The checkpoint written by the last successful import.
  QString importedCheckpoint() const { return imported_; }
  QLabel* message() const { return message_; }

 public Q_SLOTS:
  void startImport();

 private:
  // A line edit with a Browse… button, added to `form`; `row` gets the two as one widget.
  QLineEdit* addPathRow(QFormLayout* form, const QString& label, const QString& filter, bool folder,
                        QWidget** row = nullptr);
  void finished();

  QLineEdit* model_;
  QLineEdit* vocab_;
  QLineEdit* config_;
  QComboBox* map_;
  QLineEdit* mapFile_;
  QLineEdit* labels_;
  QLineEdit* out_;
  QLabel* message_;
  QDialogButtonBox* buttons_;
  QFutureWatcher<QString> watcher_;  // the error, empty on success
  QString imported_;
};

}  // namespace fastformer::ui
