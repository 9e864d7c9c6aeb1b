// What a path given to the Studio (on its command line, or by the desktop) is: a run or
// checkpoint folder, a saved sweep, a dataset, or a document to inspect.
#pragma once

#include <QString>

namespace fastformer::ui {

enum class OpenKind { run, checkpoint, sweep, dataset, document, missing };

// Folders: a training run (metrics.jsonl) → run; a checkpoint (config.json, or best/ or
// last/ holding one) → checkpoint;
// any other folder (class folders) → dataset. Files: a sweep JSON ("config" and "points")
// or sweep CSV (a "kind,pass,n" header) → sweep; .tsv, .csv, .jsonl → dataset; any other
// file → document. A path that does not exist → missing.
OpenKind classifyOpenPath(const QString& path);

}  // namespace fastformer::ui
