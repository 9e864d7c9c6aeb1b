// The Studio's main window: the four workspaces (Train, Inspect, Scale, Learn), the run
// list and log docks, menus with standard shortcuts, a status bar with device, threads
// and activity, and settings that persist between sessions.
#pragma once

#include <QMainWindow>

class QLabel;
class QMenu;
class QPlainTextEdit;
class QTabWidget;
class QToolBar;

namespace fastformer::ui {

class InspectWorkspace;
class LearnWorkspace;
class RunStore;
class ScaleWorkspace;
class TrainWorkspace;
class TrainingWorker;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  RunStore& store() const { return *store_; }
  TrainingWorker& worker() const { return *worker_; }
  TrainWorkspace* train() const { return train_; }
  InspectWorkspace* inspect() const { return inspect_; }
  ScaleWorkspace* scale() const { return scale_; }
  LearnWorkspace* learn() const { return learn_; }
  QTabWidget* workspaces() const { return tabs_; }
  QPlainTextEdit* logView() const { return log_; }
  // "train" | "inspect" | "scale" | "learn"; false for an unknown name.
  bool showWorkspace(const QString& name);
  // The shipped demo model (resources/models/demo) on a sample mail, shown in Inspect: what a
  // plain start shows before any training. False (and nothing opened) where either is missing.
  bool openFirstDocument();
  // Opens what each path is (open_path.h): a checkpoint and a document in Inspect (a document
  // alone with the demo model), a sweep in Scale, a dataset in Train's form; a path that is
  // not there goes to the log. Returns the workspace the last one opened in, or empty.
  QString openPaths(const QStringList& paths);
  // What openPaths opened, most recent first (at most kRecentPaths, kept in the settings),
  // and the File → Open Recent menu that lists them.
  static constexpr int kRecentPaths = 10;
  QStringList recentPaths() const;
  QMenu* recentMenu() const { return recent_; }
  QToolBar* toolbar() const { return toolbar_; }
  // Without confirmation, closing during training stops it and closes once it has saved.
  void setConfirmClose(bool on) { confirmClose_ = on; }

 public Q_SLOTS:
  void appendLog(const QString& line);
  void openRun();           // a run directory from disk, overlaid on the charts
  QString loadRun(const QString& dir);  // onto the charts; the error (also logged), or empty
  void importModel();       // a PyTorch Fastformer as a checkpoint, opened in Inspect
  void exportChart();       // the chart chosen in a dialog, as PNG/SVG/PDF/CSV
  void exportRunMetrics();  // the selected run's metrics.jsonl
  void about();
  void openWithDialog();  // File → Open…: any file openPaths takes

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();  // and the toolbar, in main_window_menus.cpp
  void restoreSettings();
  void saveSettings() const;
  void rememberPath(const QString& path);
  void refreshRecentMenu();

  RunStore* store_;
  TrainingWorker* worker_;
  QTabWidget* tabs_;
  TrainWorkspace* train_;
  InspectWorkspace* inspect_;
  ScaleWorkspace* scale_;
  LearnWorkspace* learn_;
  QPlainTextEdit* log_;
  QLabel* activity_;
  QMenu* recent_ = nullptr;
  QToolBar* toolbar_ = nullptr;

  bool confirmClose_ = true;
  bool closeAfterStop_ = false;
};

}  // namespace fastformer::ui
