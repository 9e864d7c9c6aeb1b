// The Train workspace's dataset picker: the built-in SpamAssassin corpus and synthetic
// tasks, or any file or folder the CLI reads, with a preview (examples per split, label
// balance, length histogram) loaded off the GUI thread. Load errors are shown with their
// file:line, never thrown at the user.
#pragma once

#include <QFutureWatcher>
#include <QStringList>
#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;

namespace fastformer::ui {

class BarChart;

// What the preview shows, computed from the engine's load_splits.
struct DatasetPreview {
  QString spec;
  QString error;  // non-empty when loading failed: "problem (where)"
  QString description;
  int train = 0, valid = 0, test = 0, badRows = 0;
  QString firstProblem;  // "file:line: what" of the first skipped row
  QStringList labels;
  std::vector<double> labelCounts;  // over all splits, in label order
  std::vector<double> lengths;      // the word tokenizer's tokens per document, all splits
};

// Loads a spec and summarises it (any thread).
DatasetPreview previewDataset(const QString& spec);

class DatasetPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetPanel(QWidget* parent = nullptr);

  QString spec() const;
  void setSpec(const QString& spec);  // shows it and loads its preview
  bool isLoading() const;
  const DatasetPreview& preview() const { return preview_; }
  // The built-in choices: display name → spec.
  static std::vector<std::pair<QString, QString>> builtIns();
  // The built-in choice `spec` names — the same spec, or the same file or folder however
  // the path is written (relative, with "..", through a link) — or -1.
  static int builtInIndex(const QString& spec);
  QString choiceText() const;  // what the choice box shows
  void browseFile();
  void browseFolder();

 Q_SIGNALS:
  void previewReady(const fastformer::ui::DatasetPreview& preview);  // also on errors

 private:
  void load();
  void show(const DatasetPreview& preview);

  QComboBox* choices_;
  QLineEdit* specEdit_;
  QLabel* summary_;
  QLabel* error_;
  BarChart* balance_;
  BarChart* lengths_;
  QFutureWatcher<DatasetPreview> watcher_;
  DatasetPreview preview_;
};

}  // namespace fastformer::ui
