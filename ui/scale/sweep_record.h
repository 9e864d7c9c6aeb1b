// One benchmark sweep as the Scale workspace holds it: measured here now, or loaded from a
// file that `fastformer bench sweep --json/--csv` (or the Studio) wrote; its label, colour
// slot and whether it is shown. Reading and writing those files.
#pragma once

#include "fastformer/bench.h"

#include <QString>

#include <optional>
#include <string>
#include <vector>

namespace fastformer::ui {

struct SweepRecord {
  QString label;                                  // "this machine, cpu, 2026-11-29 14:02" or the file's name
  QString source;                                 // the file it came from; empty for a sweep measured here
  std::optional<fastformer::BenchConfig> config;  // unknown for CSV files
  QString machine;                                // "LibTorch 1.13.1, 2 threads" when the file says
  std::string machineJson;                        // the file's "machine" object, written back as it was
  std::vector<fastformer::BenchPoint> points;
  int colorSlot = 0;  // stays with the sweep when others are removed
  bool visible = true;
  bool live = false;  // measured in this session
};

// Reads a sweep: JSON ({"config", "machine", "points"}; only "points" is required) when the
// text starts with '{', else CSV. Throws fastformer::Error naming the file and the
// problem; a file without any point is an error too.
SweepRecord loadSweep(const QString& path);

// Writes the sweep by extension: .json keeps the settings and the machine's facts (this
// machine's for a sweep measured here: bench_json), .csv the points (bench_csv). Throws fastformer::Error when it
// cannot.
void saveSweep(const SweepRecord& sweep, const QString& path);

// "cpu" or "cpu + cuda" from the points' devices.
QString devicesOf(const std::vector<fastformer::BenchPoint>& points);

}  // namespace fastformer::ui
