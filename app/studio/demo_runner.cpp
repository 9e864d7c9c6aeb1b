// DemoRunner: sets the form through its widgets and presses Start, as a user would.
#include "demo_runner.h"

#include "train/config_form.h"
#include "train/dataset_panel.h"
#include "main_window.h"
#include "train/train_workspace.h"
#include "train/training_worker.h"

#include <QComboBox>
#include <QPushButton>
#include <QSpinBox>

namespace fastformer::ui {

DemoRunner::DemoRunner(MainWindow& window, QString data, int steps, int processes, QObject* parent)
    : QObject(parent), window_(window), data_(std::move(data)), steps_(steps), processes_(processes) {
  connect(&window_.worker(), &TrainingWorker::finished, this, [this] {
    if (next_ < 2) {
      startRun(next_);
    } else {
      Q_EMIT done();
    }
  });
}

void DemoRunner::start() {
  window_.setConfirmClose(false);
  window_.showWorkspace("train");
  window_.train()->dataset()->setSpec(data_);
  startRun(0);
}

void DemoRunner::startRun(int model) {
  ConfigForm* form = window_.train()->form();
  // Small enough to train in well under a minute per model on two cores.
  TrainConfig train = form->trainConfig();
  train.batch_size = 16;
  train.max_len = 256;
  train.max_steps = steps_;
  train.eval_every = std::max(5, steps_ / 6);
  train.lr = 0.002;
  ModelConfig config = form->modelConfig();
  config.hidden = 64;
  config.heads = 4;
  config.ffn = 128;
  config.dropout = 0.1;
  form->setConfig(config, train);
  form->modelBox()->setCurrentIndex(model);
  form->processesBox()->setValue(processes_);
  next_ = model + 1;
  window_.train()->startButton()->click();
}

}  // namespace fastformer::ui
