// The Scale workspace's sweep settings: attention kinds, sequence lengths (MIN…MAX in
// doubling steps, as the CLI's --range), batch policy, model size presets, scope, pass,
// dtype, device, repeats and budgets. It edits exactly the BenchConfig that `fastformer
// bench sweep` builds from the command line it shows.
#pragma once

#include "fastformer/bench.h"

#include <QStringList>
#include <QWidget>

#include <array>
#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace fastformer::ui {

class SweepForm : public QWidget {
  Q_OBJECT
 public:
  explicit SweepForm(QWidget* parent = nullptr);

  fastformer::BenchConfig config() const;
  // Shows `config`; lengths that are not a doubling series stay as given until MIN or MAX
  // is edited. The preset follows the model settings.
  void setConfig(const fastformer::BenchConfig& config);
  // Why config() cannot run (the engine's validation), or empty.
  QString error() const;
  // The arguments of `fastformer` that build config(): "bench", "sweep", then only the
  // options that differ from the CLI's defaults (after --preset when one is chosen).
  QStringList cliArguments() const;

  QComboBox* preset() const { return preset_; }
  // The check box of one kind.
  QCheckBox* kindBox(fastformer::BenchKind kind) const { return kinds_[static_cast<std::size_t>(kind)]; }
  QComboBox* scope() const { return scope_; }
  QSpinBox* layers() const { return layers_; }
  QSpinBox* heads() const { return heads_; }
  QSpinBox* hidden() const { return hidden_; }
  QSpinBox* minLength() const { return minLength_; }
  QSpinBox* maxLength() const { return maxLength_; }
  QComboBox* batchPolicy() const { return batchPolicy_; }
  QSpinBox* batch() const { return batch_; }
  QSpinBox* tokensPerBatch() const { return tokens_; }
  QComboBox* pass() const { return pass_; }
  QComboBox* dtype() const { return dtype_; }
  QComboBox* device() const { return device_; }
  QSpinBox* warmup() const { return warmup_; }
  QSpinBox* repeats() const { return repeats_; }
  QDoubleSpinBox* pointBudget() const { return pointBudget_; }
  QDoubleSpinBox* totalBudget() const { return totalBudget_; }

 Q_SIGNALS:
  void changed();

 private:
  void applyPreset(int index);
  void matchPreset();
  void refresh();
  std::vector<std::int64_t> lengths() const;

  QComboBox* preset_;
  std::array<QCheckBox*, 4> kinds_;  // by BenchKind
  QComboBox* scope_;
  QSpinBox* layers_;
  QSpinBox* heads_;
  QSpinBox* hidden_;
  QSpinBox* minLength_;
  QSpinBox* maxLength_;
  QLabel* lengthsLabel_;
  QComboBox* batchPolicy_;
  QSpinBox* batch_;
  QSpinBox* tokens_;
  QComboBox* pass_;
  QComboBox* dtype_;
  QComboBox* device_;
  QSpinBox* warmup_;
  QSpinBox* repeats_;
  QDoubleSpinBox* pointBudget_;
  QDoubleSpinBox* totalBudget_;
  QLabel* errorLabel_;
  std::vector<std::int64_t> customLengths_;  // from setConfig when not MIN…MAX doubling
  bool applying_ = false;                    // a preset or setConfig is writing the widgets
};

// The lengths `fastformer bench sweep --range MIN:MAX` runs: MIN, 2·MIN, … up to MAX.
std::vector<std::int64_t> doublingLengths(std::int64_t min, std::int64_t max);

// "128, 256, …, 8192 (7 lengths)"
QString describeLengths(const std::vector<std::int64_t>& lengths);

}  // namespace fastformer::ui
