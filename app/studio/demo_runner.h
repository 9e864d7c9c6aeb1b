// The screenshot demo: fills the Train workspace by training the same small configuration
// as a Fastformer and then as a Transformer on one dataset, so the charts show two runs
// overlaid; reports done() when both have finished.
#pragma once

#include <QObject>
#include <QString>

namespace fastformer::ui {

class MainWindow;

class DemoRunner : public QObject {
  Q_OBJECT
 public:
  // processes > 1: each run is data-parallel on that many local processes.
  DemoRunner(MainWindow& window, QString data, int steps, int processes = 1, QObject* parent = nullptr);
  void start();

 Q_SIGNALS:
  void done();

 private:
  void startRun(int model);  // 0 Fastformer, 1 Transformer

  MainWindow& window_;
  QString data_;
  int steps_;
  int processes_;
  int next_ = 0;
};

}  // namespace fastformer::ui
