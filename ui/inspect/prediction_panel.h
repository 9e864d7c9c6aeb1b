// The Inspect workspace's prediction panel: the label probabilities as bars, and the
// entropy of α and β for every head of every layer with heads that collapse to one token
// or stay uniform flagged.
#pragma once

#include <QStringList>
#include <QWidget>

#include <vector>

class QLabel;
class QTableWidget;

namespace fastformer::ui {

class BarChart;

struct HeadEntropy {
  int layer = 0, head = 0;
  double alpha = 0, beta = 0;  // nats
  QString flag;                // "", "collapsed" or "uniform"
};

class PredictionPanel : public QWidget {
  Q_OBJECT
 public:
  explicit PredictionPanel(QWidget* parent = nullptr);
  void setPrediction(const QStringList& labels, const std::vector<double>& probabilities, const QString& note);
  void setEntropies(const std::vector<HeadEntropy>& heads, double uniformEntropy);
  QTableWidget* entropyTable() const { return table_; }

 private:
  QLabel* verdict_;
  BarChart* bars_;
  QTableWidget* table_;
};

}  // namespace fastformer::ui
