// fastformer-studio: the desktop application. With --screenshot it renders the window
// offscreen-capable, saves a PNG and exits (after --demo has trained two short runs).
#include "demo_runner.h"
#include "common/dark_palette.h"
#include "train/dataset_panel.h"
#include "inspect/inspect_workspace.h"
#include "learn/learn_workspace.h"
#include "main_window.h"
#include "open_path.h"
#include "scale/scale_workspace.h"
#include "train/train_workspace.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QStyle>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>

#include <cstdio>

#include "fastformer/runtime.h"

int main(int argc, char** argv) {
  fastformer::apply_process_policies(argv);
  fastformer::configure_threads();
  QApplication app(argc, argv);
  QApplication::setOrganizationName("Fastformer Studio");
  QApplication::setApplicationName("Fastformer Studio");
  QApplication::setApplicationVersion(FF_VERSION);

  QCommandLineParser parser;
  parser.setApplicationDescription("Train, inspect and compare Fastformer and Transformer models.");
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption screenshot("screenshot", "Render the window to FILE (PNG) and exit.", "FILE");
  const QCommandLineOption workspace("workspace",
                                     "Workspace to show: train, inspect, scale or learn (default: train; a plain "
                                     "start shows the demo model on a sample mail in inspect).",
                                     "NAME");
  const QCommandLineOption demo("demo", "Before the screenshot, train a Fastformer and a Transformer briefly.");
  const QCommandLineOption demoData("demo-data", "Dataset of the demo runs.", "SPEC",
                                    "synthetic:needle?length=128&examples=1200");
  const QCommandLineOption demoSteps("demo-steps", "Training steps of each demo run.", "N", "60");
  const QCommandLineOption demoProcesses("demo-processes", "Data-parallel processes of each demo run.", "N", "1");
  const QCommandLineOption size("size", "Window size for the screenshot, WIDTHxHEIGHT.", "SIZE", "1600x1000");
  const QCommandLineOption data("data", "Dataset to open (a spec the CLI accepts).", "SPEC");
  const QCommandLineOption inspectModel("inspect-checkpoint", "Open this run or checkpoint in Inspect.", "DIR");
  const QCommandLineOption inspectDocument("inspect-document", "Open this document in Inspect.", "FILE");
  const QCommandLineOption inspectView("inspect-view",
                                       "Inspect controls once the document is shown, e.g. "
                                       "layer=1,heads=10,shade=alpha,scale=stretched,select=40-60,tab=shares; explanations: "
                                       "shade=integrated_gradients, tab=faithfulness,measure=yes, side=occlusion "
                                       "(the screenshot waits for them).",
                                       "SPEC");
  const QCommandLineOption openSweep("open-sweep", "Overlay this saved sweep (JSON or CSV) in Scale; repeatable.", "FILE");
  const QCommandLineOption scaleRun("scale-run", "Run the Scale form's sweep (the screenshot waits for its end).");
  const QCommandLineOption learnStep("learn-step", "Show this step (1 = Q) of the Learn walk-through.", "N");
  const QCommandLineOption palette("palette",
                                   "light or dark: the Fusion style with this palette instead of the desktop's.", "NAME");
  parser.addOptions({screenshot, workspace, demo, demoData, demoSteps, demoProcesses, size, data, inspectModel, inspectDocument,
                     inspectView, openSweep, scaleRun, learnStep, palette});
  parser.addPositionalArgument("paths", "Documents, run or checkpoint folders, saved sweeps or datasets to open.",
                               "[PATH...]");
  parser.process(app);
  const QStringList paths = parser.positionalArguments();
  if (parser.isSet(palette)) {
    const QString name = parser.value(palette);
    if (name != "light" && name != "dark") {
      std::fprintf(stderr, "fastformer-studio: unknown palette '%s' (light, dark)\n", qPrintable(name));
      return 2;
    }
    QApplication::setStyle("Fusion");
    QApplication::setPalette(name == "dark" ? fastformer::ui::darkPalette() : QApplication::style()->standardPalette());
  }

  // A screenshot shows the defaults, not this user's window layout and last choices, and
  // leaves those alone: its settings live in a folder of its own, removed at exit.
  QTemporaryDir screenshotSettings;
  if (parser.isSet(screenshot)) {
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, screenshotSettings.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, screenshotSettings.path());
  }
  fastformer::ui::MainWindow window;
  if (parser.isSet(data)) window.train()->dataset()->setSpec(parser.value(data));
  QString workspaceName = parser.value(workspace).isEmpty() ? QString("train") : parser.value(workspace);
  if (!window.showWorkspace(workspaceName)) {
    std::fprintf(stderr, "fastformer-studio: unknown workspace '%s' (train, inspect, scale, learn)\n",
                 qPrintable(workspaceName));
    return 2;
  }
  // A plain start (nothing to inspect, train or show asked for; --data only fills the Train
  // form) shows a shaded document at once: the demo model on a sample mail, in Inspect.
  const bool plain = paths.isEmpty() && !parser.isSet(inspectModel) && !parser.isSet(inspectDocument) &&
                     !parser.isSet(demo) && !parser.isSet(scaleRun) && parser.values(openSweep).isEmpty() &&
                     !parser.isSet(learnStep) && (!parser.isSet(workspace) || workspaceName == "inspect");
  for (const QString& file : parser.values(openSweep)) {
    QString error;
    if (!window.scale()->openSweep(file, &error)) std::fprintf(stderr, "fastformer-studio: %s\n", qPrintable(error));
  }
  if (parser.isSet(learnStep)) window.learn()->setStep(parser.value(learnStep).toInt() - 1);
  if (!parser.isSet(screenshot)) {
    if (parser.isSet(scaleRun)) QTimer::singleShot(0, window.scale(), &fastformer::ui::ScaleWorkspace::startSweep);
    if (parser.isSet(inspectView)) {
      QObject::connect(
          window.inspect(), &fastformer::ui::InspectWorkspace::inspected, &window,
          [&] { window.inspect()->applyView(parser.value(inspectView)); }, Qt::SingleShotConnection);
    }
    if (parser.isSet(inspectModel)) window.inspect()->openCheckpoint(parser.value(inspectModel));
    if (parser.isSet(inspectDocument)) window.inspect()->openDocument(parser.value(inspectDocument));
    if (!paths.isEmpty()) window.openPaths(paths);
    if (plain) window.openFirstDocument();  // shows Inspect
    window.show();
    return app.exec();
  }

  const QStringList wh = parser.value(size).split('x');
  window.resize(wh.value(0).toInt() > 0 ? wh.value(0).toInt() : 1600, wh.value(1).toInt() > 0 ? wh.value(1).toInt() : 1000);
  window.setConfirmClose(false);
  window.show();
  const QString out = parser.value(screenshot);
  int status = 0;
  bool firstDocument = false;
  const auto shoot = [&] {
    window.showWorkspace(firstDocument ? QString("inspect") : workspaceName);
    if (parser.isSet(inspectView) && window.inspect()->inspection() != nullptr) {
      const QString rest = window.inspect()->applyView(parser.value(inspectView));
      if (!rest.isEmpty()) std::fprintf(stderr, "fastformer-studio: --inspect-view: cannot apply %s\n", qPrintable(rest));
    }
    const auto grab = [&] {
      // Let queued replots and layouts settle before grabbing.
      QTimer::singleShot(300, &window, [&] {
        if (!window.grab().save(out)) {
          std::fprintf(stderr, "fastformer-studio: could not write %s\n", qPrintable(out));
          status = 1;
        }
        app.quit();
      });
    };
    // Explanations the view asked for (shade=integrated_gradients, measure=yes, side=…) first.
    if (window.inspect()->busy()) {
      QObject::connect(window.inspect(), &fastformer::ui::InspectWorkspace::idle, &window, grab, Qt::SingleShotConnection);
    } else {
      grab();
    }
  };
  fastformer::ui::DemoRunner runner(window, parser.value(demoData), parser.value(demoSteps).toInt(),
                                    parser.value(demoProcesses).toInt());
  const auto shootWhenInspected = [&] {  // once the document is inspected (or failed to be)
    QObject::connect(window.inspect(), &fastformer::ui::InspectWorkspace::inspected, &window, shoot,
                     Qt::SingleShotConnection);
    QObject::connect(window.inspect(), &fastformer::ui::InspectWorkspace::failed, &window, shoot,
                     Qt::SingleShotConnection);
  };
  // A document is inspected (with the demo model or the checkpoint given): wait for that.
  const bool pathsInspect = std::any_of(paths.begin(), paths.end(), [](const QString& p) {
    return fastformer::ui::classifyOpenPath(p) == fastformer::ui::OpenKind::document;
  });
  if (pathsInspect) {
    firstDocument = true;  // the screenshot shows Inspect, once the paths are inspected
    shootWhenInspected();
    window.openPaths(paths);
  } else if (!paths.isEmpty()) {
    const QString opened = window.openPaths(paths);
    if (!parser.isSet(workspace) && !opened.isEmpty()) workspaceName = opened;
    QTimer::singleShot(500, &window, shoot);  // a dataset's preview, a run's or a sweep's charts
  } else if (parser.isSet(inspectModel) && parser.isSet(inspectDocument)) {
    shootWhenInspected();
    window.inspect()->openDocument(parser.value(inspectDocument));
    window.inspect()->openCheckpoint(parser.value(inspectModel));
  } else if (plain && (firstDocument = window.openFirstDocument())) {
    shootWhenInspected();  // the demo model on a sample mail
  } else if (parser.isSet(scaleRun)) {
    QObject::connect(window.scale(), &fastformer::ui::ScaleWorkspace::sweepFinished, &window, shoot);
    window.scale()->startSweep();
    if (!window.scale()->isRunning()) QTimer::singleShot(0, &window, shoot);  // it could not start
  } else if (parser.isSet(demo)) {
    QObject::connect(&runner, &fastformer::ui::DemoRunner::done, &window, shoot);
    runner.start();
  } else {
    QTimer::singleShot(0, &window, shoot);
  }
  app.exec();
  return status;
}
