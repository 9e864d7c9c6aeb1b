// Background jobs' shared parts.
#include "fastformer/error.h"
#include "fastformer/training_data.h"

#include "common/background_job.h"

#include <QLabel>
#include <QtConcurrent/QtConcurrentRun>

namespace fastformer::ui {

QString describeError(const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e)) {
    QString text = QString::fromStdString(error->problem());
    if (!error->where().empty()) text += " (" + QString::fromStdString(error->where()) + ")";
    if (!error->hint().empty()) text += ": " + QString::fromStdString(error->hint());
    return text;
  }
  return QString::fromStdString(e.what());
}

QFuture<Outcome<TrainedModel>> loadTrainedModelAsync(const QString& path) {
  return QtConcurrent::run([path]() -> Outcome<TrainedModel> {
    try {
      return {std::make_shared<const TrainedModel>(load_trained_model(path.toStdString())), {}};
    } catch (const std::exception& e) {
      return {nullptr, describeError(e)};
    }
  });
}

void showMessage(QLabel& label, const QString& text, bool error) {
  label.setText(text);
  label.setStyleSheet(error ? "color: #b00020;" : "");
}

}  // namespace fastformer::ui
