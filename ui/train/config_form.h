// The Train workspace's model and training form: Fastformer or Transformer, preset and
// every size, sharing and tokenizer option, and the training settings. Values are checked
// by the engine's own validation on every edit; an invalid field is marked inline and
// Start stays disabled until it is fixed.
#pragma once

#include "fastformer/model_config.h"
#include "fastformer/train_config.h"

#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace fastformer::ui {

class ConfigForm : public QWidget {
  Q_OBJECT
 public:
  explicit ConfigForm(QWidget* parent = nullptr);

  bool isValid() const { return error_.isEmpty(); }
  QString errorText() const { return error_; }  // "key: rule", empty when valid
  ModelConfig modelConfig() const;              // vocabulary and classes come from the data
  TrainConfig trainConfig() const;
  QString device() const;
  // Data-parallel processes on this machine (1: train inside the Studio only).
  int processes() const;
  QString modelName() const;  // "Fastformer", "Transformer" or "Linear Transformer"

  // Fills the form (e.g. from QSettings or a loaded run).
  void setConfig(const ModelConfig& model, const TrainConfig& train, const QString& device = "cpu");
  void applyPreset(const QString& name);  // "paper" | "official"
  // The dataset's tokens per document (empty: none loaded): the note under Max length says
  // what the chosen length keeps whole and cuts (length_coverage.h).
  void setDocumentLengths(std::vector<double> tokensPerDocument);
  QString lengthNote() const;

  // The widgets, for tests and for the screenshot demo.
  QSpinBox* hiddenBox() const { return hidden_; }
  QSpinBox* headsBox() const { return heads_; }
  QComboBox* modelBox() const { return model_; }
  QSpinBox* stepsBox() const { return maxSteps_; }
  QSpinBox* processesBox() const { return processes_; }
  QComboBox* precisionBox() const { return precision_; }

 Q_SIGNALS:
  void validityChanged(bool valid);
  void changed();

 private:
  void revalidate();
  void refreshLengthNote();

  QComboBox *model_, *preset_, *score_, *tokenizer_, *schedule_, *device_, *precision_;
  QSpinBox *layers_, *hidden_, *heads_, *ffn_, *maxLen_, *vocab_, *batch_, *epochs_, *maxSteps_, *evalEvery_, *seed_, *processes_;
  QDoubleSpinBox *dropout_, *lr_, *budget_;
  QCheckBox *shareQv_, *shareLayers_, *positions_;
  QLabel* errorLabel_;
  QLabel* lengthNote_;              // under Max length: what it keeps of the dataset
  std::vector<double> documentTokens_;
  QString error_;
};

}  // namespace fastformer::ui
