// RunSummaryTable: fixed columns, then the configuration keys whose values differ.
#include "train/run_summary_table.h"

#include <nlohmann/json.hpp>

#include <QHeaderView>
#include <QSet>

#include <map>

namespace fastformer::ui {
namespace {

// "model.hidden" → value text, for every scalar in the model and training configs.
std::map<QString, QString> flatConfig(const RunRecord& run) {
  std::map<QString, QString> out;
  // The engine's JSON names the keys, as config.json and the CLI's --config spell them.
  const auto add = [&](const QString& prefix, const nlohmann::json& object, const auto& self) -> void {
    for (const auto& [key, value] : object.items()) {
      const QString name = prefix + QString::fromStdString(key);
      if (value.is_object()) {
        self(name + ".", value, self);
      } else {
        out[name] = QString::fromStdString(value.is_string() ? value.template get<std::string>() : value.dump());
      }
    }
  };
  add("model.", to_json(run.model), add);
  add("train.", to_json(run.train), add);
  out["data"] = run.data;
  return out;
}

QString percent(double value) { return QString::number(100.0 * value, 'f', 2) + "%"; }

constexpr int kStepsColumn = 2, kTimeColumn = 6;  // in the headers of setRuns

QString stepsText(const RunRecord& run) { return QString::number(run.steps.empty() ? 0 : run.steps.back().step); }
QString timeText(const RunRecord& run) {
  return QString::number(run.steps.empty() ? 0.0 : run.steps.back().wall_s, 'f', 0) + " s";
}

}  // namespace

RunSummaryTable::RunSummaryTable(QWidget* parent) : QTableWidget(parent) {
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setSelectionMode(QAbstractItemView::SingleSelection);
  verticalHeader()->setVisible(false);
  horizontalHeader()->setStretchLastSection(true);
  setAlternatingRowColors(true);
  connect(this, &QTableWidget::itemSelectionChanged, this, [this] {
    const QString id = selectedRunId();
    if (!id.isEmpty()) Q_EMIT runSelected(id);
  });
}

QString RunSummaryTable::selectedRunId() const {
  const auto rows = selectionModel() != nullptr ? selectionModel()->selectedRows() : QModelIndexList{};
  if (rows.isEmpty() || rows.front().row() >= ids_.size()) return {};
  return ids_.at(rows.front().row());
}

void RunSummaryTable::setRuns(const std::vector<RunRecord>& runs) {
  const QString selected = selectedRunId();
  // Keys whose value is not the same in every run.
  std::vector<std::map<QString, QString>> configs;
  QSet<QString> keys;
  for (const auto& run : runs) {
    configs.push_back(flatConfig(run));
    for (const auto& [key, value] : configs.back()) keys.insert(key);
  }
  differing_.clear();
  for (const QString& key : keys) {
    for (const auto& config : configs) {
      const auto it = config.find(key);
      const QString value = it == config.end() ? QString() : it->second;
      const auto first = configs.front().find(key);
      if (value != (first == configs.front().end() ? QString() : first->second)) {
        differing_ << key;
        break;
      }
    }
  }
  differing_.sort();

  QStringList headers{"Run", "Status", "Steps", "Best valid acc.", "Best macro-F1", "Test acc.", "Time", "Parameters"};
  const int fixed = static_cast<int>(headers.size());
  headers << differing_;
  const QSignalBlocker block(this);
  clear();
  setColumnCount(static_cast<int>(headers.size()));
  setHorizontalHeaderLabels(headers);
  setRowCount(static_cast<int>(runs.size()));
  ids_.clear();
  const QColor highlight(255, 243, 205);
  for (int r = 0; r < static_cast<int>(runs.size()); ++r) {
    const RunRecord& run = runs[r];
    ids_ << run.id;
    const EvalPoint* best = bestValid(run);
    const EvalPoint* test = nullptr;
    for (const auto& e : run.evals) {
      if (e.split == "test") test = &e;
    }
    const QStringList cells{run.name,
                            toString(run.status),
                            stepsText(run),
                            best != nullptr ? percent(best->accuracy) : "—",
                            best != nullptr ? QString::number(best->macro_f1, 'f', 3) : "—",
                            test != nullptr ? percent(test->accuracy) : "—",
                            timeText(run),
                            QLocale().toString(static_cast<qlonglong>(run.parameters))};
    for (int c = 0; c < fixed; ++c) setItem(r, c, new QTableWidgetItem(cells[c]));
    for (int k = 0; k < differing_.size(); ++k) {
      const auto it = configs[r].find(differing_[k]);
      auto* item = new QTableWidgetItem(it == configs[r].end() ? QString("—") : it->second);
      item->setBackground(highlight);
      item->setForeground(QColor(20, 20, 20));  // the tint is light on any palette
      setItem(r, fixed + k, item);
    }
    if (run.id == selected) selectRow(r);
  }
  resizeColumnsToContents();
}

void RunSummaryTable::updateProgress(const RunRecord& run) {
  const int row = static_cast<int>(ids_.indexOf(run.id));
  if (row < 0 || item(row, kStepsColumn) == nullptr || item(row, kTimeColumn) == nullptr) return;
  item(row, kStepsColumn)->setText(stepsText(run));
  item(row, kTimeColumn)->setText(timeText(run));
}

}  // namespace fastformer::ui
