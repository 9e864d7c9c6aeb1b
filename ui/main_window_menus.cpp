// MainWindow's menus and toolbar: every action once, in a menu with its shortcut; the
// frequent ones also on the toolbar with the desktop theme's icons (shipped SVGs where the
// theme has none); Help → Keyboard shortcuts lists them all.
#include "main_window.h"

#include "shortcuts_dialog.h"

#include "fastformer/resources.h"
#include "inspect/inspect_workspace.h"
#include "scale/scale_workspace.h"
#include "train/dataset_panel.h"
#include "train/train_workspace.h"

#include <QAction>
#include <QDockWidget>
#include <QIcon>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QTabWidget>
#include <QToolBar>

namespace fastformer::ui {
namespace {

// The theme's icon by its freedesktop name, else resources/icons/actions/FILE.svg.
QIcon actionIcon(const char* themeName, const char* file) {
  QIcon fallback;
  if (const auto path = find_resource(std::string("icons/actions/") + file + ".svg"))
    fallback = QIcon(QString::fromStdString(path->string()));
  return QIcon::fromTheme(QString::fromLatin1(themeName), fallback);
}

}  // namespace

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("&Open…", QKeySequence::Open, this, &MainWindow::openWithDialog);
  recent_ = file->addMenu("Open &Recent");
  refreshRecentMenu();
  file->addSeparator();
  QAction* openDataset = file->addAction("Open &dataset…", QKeySequence("Ctrl+Shift+D"), this, [this] {
    showWorkspace("train");  // where the dataset's preview and the form are
    train_->dataset()->browseFile();
  });
  QAction* openDocument = file->addAction("Open d&ocument…", QKeySequence("Ctrl+Shift+O"), this, [this] {
    showWorkspace("inspect");
    inspect_->browseDocument();
  });
  file->addAction("Open &run or checkpoint…", QKeySequence("Ctrl+Shift+R"), this, &MainWindow::openRun);
  file->addAction("&Import PyTorch model…", QKeySequence("Ctrl+Shift+I"), this, &MainWindow::importModel);
  file->addAction("Open s&weep…", this, [this] {
    showWorkspace("scale");
    scale_->openSweepWithDialog();
  });
  file->addAction("Save sweep…", this, [this] {
    showWorkspace("scale");
    scale_->saveSweepWithDialog();
  });
  file->addSeparator();
  QAction* exportChart = file->addAction("&Export chart…", QKeySequence("Ctrl+E"), this, &MainWindow::exportChart);
  file->addAction("Export run &metrics…", this, &MainWindow::exportRunMetrics);
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  QMenu* run = menuBar()->addMenu("&Run");
  QAction* start = run->addAction("&Start", QKeySequence("Ctrl+Return"), train_, &TrainWorkspace::start);
  QAction* pause = run->addAction("&Pause / Resume", QKeySequence("Ctrl+Shift+P"), train_, &TrainWorkspace::pauseOrResume);
  QAction* stop = run->addAction("S&top", QKeySequence("Ctrl+."), train_, &TrainWorkspace::stop);
  // The actions follow the Train workspace's buttons (Start needs a valid form, Stop a run).
  const auto follow = [=, this] {
    start->setEnabled(train_->startButton()->isEnabled());
    pause->setEnabled(train_->pauseButton()->isEnabled());
    stop->setEnabled(train_->stopButton()->isEnabled());
  };
  connect(train_, &TrainWorkspace::controlsChanged, this, follow);
  follow();

  QMenu* view = menuBar()->addMenu("&View");
  for (int i = 0; i < tabs_->count(); ++i) {
    view->addAction(tabs_->tabText(i), QKeySequence(QString("Ctrl+%1").arg(i + 1)), this,
                    [this, i] { tabs_->setCurrentIndex(i); });
  }
  view->addSeparator();
  for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

  openDataset->setIcon(actionIcon("x-office-spreadsheet", "open-dataset"));
  openDocument->setIcon(actionIcon("document-open", "open-document"));
  start->setIcon(actionIcon("media-playback-start", "start"));
  pause->setIcon(actionIcon("media-playback-pause", "pause"));
  stop->setIcon(actionIcon("media-playback-stop", "stop"));
  exportChart->setIcon(actionIcon("document-save-as", "export"));
  toolbar_ = addToolBar("Toolbar");
  toolbar_->setObjectName("toolbar");  // its place is kept in the settings
  toolbar_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  toolbar_->setIconSize(QSize(20, 20));
  for (QAction* action : {openDataset, openDocument}) toolbar_->addAction(action);
  toolbar_->addSeparator();
  for (QAction* action : {start, pause, stop}) toolbar_->addAction(action);
  toolbar_->addSeparator();
  toolbar_->addAction(exportChart);
  // Short labels on the buttons; the tooltips carry the shortcut.
  const std::pair<QAction*, const char*> labels[] = {{openDataset, "Dataset"}, {openDocument, "Document"},
                                                     {start, "Start"},         {pause, "Pause"},
                                                     {stop, "Stop"},           {exportChart, "Export"}};
  for (const auto& [action, label] : labels) {
    action->setIconText(QString::fromLatin1(label));
    action->setToolTip(action->text().remove('&') + " (" + action->shortcut().toString(QKeySequence::NativeText) + ")");
  }
  view->addAction(toolbar_->toggleViewAction());

  QMenu* help = menuBar()->addMenu("&Help");
  help->addAction("&Keyboard shortcuts", QKeySequence("F1"), this, [this] { ShortcutsDialog(this, this).exec(); });
  help->addAction("&About Fastformer Studio", this, &MainWindow::about);
}

}  // namespace fastformer::ui
