// Background jobs' shared parts.
#include "fastformer/training_data.h"

#include "common/background_job.h"

#include <QLabel>
#include <QtConcurrent/QtConcurrentRun>

namespace fastformer::ui {

QFuture<Outcome<TrainedModel>> loadTrainedModelAsync(const QString& path) {
  return QtConcurrent::run([path]() -> Outcome<TrainedModel> {
    try {
      return {std::make_shared<const TrainedModel>(load_trained_model(path.toStdString())), {}};
    } catch (...) {
      return {nullptr, describeException()};
    }
  });
}

void showMessage(QLabel& label, const QString& text, bool error) {
  label.setText(text);
  label.setStyleSheet(error ? "color: #b00020;" : "");
}

}  // namespace fastformer::ui
