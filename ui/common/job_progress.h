// A background job's progress line: what it is doing, a bar, and Cancel. Hidden while no
// job runs.
#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace fastformer::ui {

class JobProgress : public QWidget {
  Q_OBJECT
 public:
  explicit JobProgress(QWidget* parent = nullptr);

  void begin(const QString& what);                    // shows the line at 0%
  void setProgress(double fraction, const QString& stage);
  void end();                                         // hides it
  QPushButton* cancelButton() const { return cancel_; }
  double fraction() const;

 Q_SIGNALS:
  void cancelRequested();

 private:
  QString what_;
  QLabel* label_;
  QProgressBar* bar_;
  QPushButton* cancel_;
};

}  // namespace fastformer::ui
