// What the workspaces run off the GUI thread: a value or the one-line reason it failed,
// and loading a trained checkpoint in the background.
#pragma once

#include "common/describe_exception.h"

#include <QFuture>
#include <QString>

#include <exception>
#include <memory>

class QLabel;

namespace fastformer {
struct TrainedModel;
}  // namespace fastformer

namespace fastformer::ui {

// What a background job hands back: a value, or the one-line reason it failed.
template <typename T>
struct Outcome {
  std::shared_ptr<const T> value;
  QString error;
};

// load_trained_model(path) on a worker thread; errors come back as Outcome::error.
QFuture<Outcome<TrainedModel>> loadTrainedModelAsync(const QString& path);

// Shows `text` in a workspace's message line, red when it is an error.
void showMessage(QLabel& label, const QString& text, bool error);

}  // namespace fastformer::ui
