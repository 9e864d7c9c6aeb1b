// The tiny training request the Studio's training tests share: a one-layer Fastformer of
// width 16 on 32-token sequences, a few seconds of training on two cores.
#pragma once

#include "train/training_worker.h"

namespace fastformer::ui::testing {

inline TrainRequest tinyTrainRequest(const QString& data, const QString& directory, std::int64_t epochs,
                                     std::int64_t maxSteps, std::int64_t evalEvery) {
  TrainRequest r;
  r.data = data;
  r.directory = directory;
  r.name = QStringLiteral("tiny");
  r.model.hidden = 16;
  r.model.heads = 2;
  r.model.layers = 1;
  r.model.ffn = 16;
  r.model.max_len = 32;
  r.model.dropout = 0.0;
  r.train.epochs = epochs;
  r.train.max_steps = maxSteps;
  r.train.eval_every = evalEvery;
  r.train.batch_size = 16;
  r.train.max_len = 32;
  r.train.seed = 3;
  return r;
}

}  // namespace fastformer::ui::testing
