// Explanations in the Inspect workspace, against the engine's explain() of the same text: the
// text shaded by each method (diverging colours for signed ones), the Faithfulness chart's
// points and AOPC table, the side-by-side view scrolling, pinning and hovering with the main
// one, Cancel stopping the worker within 200 ms without blocking the GUI, and the exports.
#include "fastformer/explain.h"
#include "fastformer/training_data.h"

#include "common/chart_export.h"
#include "common/custom_plot.h"
#include "common/job_progress.h"
#include "common/weight_colors.h"
#include "inspect/compare_pane.h"
#include "inspect/document_view.h"
#include "inspect/explain_job.h"
#include "inspect/faithfulness_chart.h"
#include "inspect/faithfulness_panel.h"
#include "inspect/inspect_workspace.h"
#include "train/training_worker.h"
#include "ui_test_registry.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cmath>

using namespace fastformer::ui;
using fastformer::AttributionMethod;

namespace {

// A needle-task document of `words` words with sentences, so that it wraps over many lines.
QString document(int words) {
  const QStringList vocabulary = {"alpha", "beta", "gamma", "delta", "filler", "words", "here", "and", "more"};
  QString text;
  for (int i = 0; i < words; ++i) {
    text += vocabulary[(i * 7 + i / 3) % vocabulary.size()];
    text += (i % 12 == 11) ? ". " : " ";
  }
  return text;
}

// The colour the test expects for a score: its own max and the engine's colour tables.
QRgb expectedColour(const std::vector<float>& scores, bool is_signed, std::size_t i) {
  double high = 0;
  for (const float s : scores) high = std::max(high, static_cast<double>(is_signed ? std::abs(s) : s));
  if (high <= 0) return qRgb(255, 255, 255);
  return is_signed ? divergingRgb(scores[i] / high) : weightRgb(scores[i] / high);
}

}  // namespace

class ExplainViewsTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString fastformer_, transformer_;

  QString train(const char* attention, const char* name) {
    TrainingWorker worker;
    TrainRequest request;
    request.data = "synthetic:needle?length=40&examples=300&seed=4";
    request.model = fastformer::model_config_from_json({{"attention", attention}, {"hidden", 16}, {"heads", 2}, {"layers", 2},
                                                        {"ffn", 16}, {"max_len", 64}, {"share_layers", false}, {"dropout", 0.0}});
    request.train = fastformer::train_config_from_json(
        {{"max_len", 48}, {"batch_size", 16}, {"max_steps", 10}, {"epochs", 100}, {"eval_every", 0}});
    request.directory = dir_.filePath(name);
    request.name = name;
    QSignalSpy finished(&worker, &TrainingWorker::finished);
    if (!worker.start(request, name) || !finished.wait(120000)) return {};
    return request.directory;
  }

  // A shown workspace with `text` inspected by the Fastformer.
  void open(InspectWorkspace& workspace, const QString& text) {
    workspace.resize(1400, 900);
    workspace.show();
    QSignalSpy inspected(&workspace, &InspectWorkspace::inspected);
    workspace.setText(text);
    workspace.openCheckpoint(fastformer_);
    QVERIFY(inspected.wait(60000));
  }

 private Q_SLOTS:
  void initTestCase() {
    fastformer_ = train("additive", "fastformer");
    transformer_ = train("softmax", "transformer");
    QVERIFY(!fastformer_.isEmpty() && !transformer_.isEmpty());
  }

  // Each method's shading is the engine's scores for the same text, on the method's scale.
  void shadesByEveryMethod() {
    InspectWorkspace workspace;
    const QString text = document(150);  // several windows of the 48-token model
    open(workspace, text);
    const fastformer::TrainedModel model = fastformer::load_trained_model(fastformer_.toStdString());
    fastformer::ExplainOptions options;  // the workspace's windows: overlap 64 (clamped), windows
    for (const AttributionMethod method : {AttributionMethod::gradient, AttributionMethod::gradient_x_input,
                                           AttributionMethod::integrated_gradients, AttributionMethod::occlusion}) {
      QSignalSpy explained(&workspace, &InspectWorkspace::explained);
      QVERIFY(workspace.applyView("shade=" + QString::fromStdString(fastformer::to_string(method))).isEmpty());
      QVERIFY(explained.count() > 0 || explained.wait(60000));
      QVERIFY(workspace.shadedMethod() == method);
      const fastformer::Explanation direct = fastformer::explain(model, text.toStdString(), {method}, options);
      const fastformer::Attribution& a = direct.attributions.front();
      DocumentView* view = workspace.documentView();
      QCOMPARE(view->tokenCount(), static_cast<int>(a.scores.size()));
      QCOMPARE(view->diverging(), a.is_signed);
      QCOMPARE(view->legend()->diverging(), a.is_signed);
      int negative = 0;
      for (std::size_t i = 0; i < a.scores.size(); ++i) {
        const QRgb want = expectedColour(a.scores, a.is_signed, i);
        const QRgb got = view->tokenColor(static_cast<int>(i)).rgb();
        // Scores of two runs differ in the last float bits: one colour step either way.
        QVERIFY2(std::abs(qRed(got) - qRed(want)) <= 2 && std::abs(qGreen(got) - qGreen(want)) <= 2 &&
                     std::abs(qBlue(got) - qBlue(want)) <= 2,
                 qPrintable(QString("%1 token %2: %3 vs %4").arg(QString::fromStdString(fastformer::to_string(method))).arg(i)
                                .arg(got, 0, 16).arg(want, 0, 16)));
        if (a.scores[i] < 0 && qBlue(got) > qRed(got)) ++negative;
      }
      // Signed methods paint tokens that speak against the class blue.
      if (method == AttributionMethod::gradient_x_input) QVERIFY(negative > 0);
      QVERIFY(view->legend()->title().contains(a.is_signed ? "orange" : "‖"));
    }
    // Back to α: the sequential scale again.
    workspace.weightBox()->setCurrentIndex(0);
    QVERIFY(!workspace.documentView()->diverging());
  }

  // The chart's points and the table are the engine's curves for the same document.
  void faithfulnessChartIsTheEngines() {
    InspectWorkspace workspace;
    const QString text = document(60);
    open(workspace, text);
    QSignalSpy idle(&workspace, &InspectWorkspace::idle);
    QVERIFY(workspace.applyView("tab=faithfulness,measure=yes").isEmpty());
    QVERIFY(workspace.busy());
    QVERIFY(idle.wait(120000));
    FaithfulnessPanel* panel = workspace.faithfulness();
    QVERIFY(panel->explanation() != nullptr);

    const fastformer::TrainedModel model = fastformer::load_trained_model(fastformer_.toStdString());
    fastformer::ExplainOptions options;
    options.faithfulness = true;
    options.ablation = true;
    const fastformer::Explanation direct = fastformer::explain(
        model, text.toStdString(), fastformer::available_attribution_methods(model.checkpoint.contents.config), options);
    const fastformer::Faithfulness& f = direct.faithfulness;
    QCustomPlot* plot = panel->chart()->plot();
    int matched = 0;
    for (int g = 0; g < plot->graphCount(); ++g) {
      const QString series = plot->graph(g)->property("csvSeries").toString();
      for (const fastformer::FaithfulnessCurve& c : f.curves) {
        for (const bool deletion : {true, false}) {
          if (series != (deletion ? "deletion " : "insertion ") + QString::fromStdString(c.name)) continue;
          const std::vector<double>& want = deletion ? c.deletion : c.insertion;
          QCOMPARE(plot->graph(g)->data()->size(), static_cast<int>(want.size()));
          for (int k = 0; k < static_cast<int>(want.size()); ++k) {
            QVERIFY(std::abs(plot->graph(g)->data()->at(k)->key - 100.0 * f.fractions[static_cast<std::size_t>(k)]) < 1e-9);
            QVERIFY2(std::abs(plot->graph(g)->data()->at(k)->value - want[static_cast<std::size_t>(k)]) < 1e-5,
                     qPrintable(series));
          }
          ++matched;
        }
      }
    }
    QCOMPARE(matched, 2 * static_cast<int>(f.curves.size()));
    // The table: AOPCs to four places, the verdict of each method.
    QTableWidget* table = panel->table();
    QCOMPARE(table->rowCount(), static_cast<int>(f.curves.size()));
    for (int r = 0; r < table->rowCount(); ++r) {
      const fastformer::FaithfulnessCurve& c = f.curves[static_cast<std::size_t>(r)];
      QCOMPARE(table->item(r, 0)->text(), QString::fromStdString(c.name));
      QVERIFY(std::abs(table->item(r, 1)->text().toDouble() - c.aopc_deletion) <= 1e-4);
      QVERIFY(std::abs(table->item(r, 2)->text().toDouble() - c.aopc_insertion) <= 1e-4);
      if (c.name != "random") {
        QVERIFY(panel->verdicts().contains(QString::fromStdString(fastformer::verdict_text(f, c)).section(" (", 0, 0)));
      }
    }
    // The ablation table: α then β rows per layer, a column per head and one for the layer.
    QTableWidget* ablation = panel->ablationTable();
    QCOMPARE(ablation->rowCount(), 2 * 2);
    QCOMPARE(ablation->columnCount(), 2 + 1);
    const double want = direct.ablation.beta_head[1 * 2 + 0];  // shown to 3 significant digits
    QVERIFY(std::abs(ablation->item(2 + 1, 0)->text().toDouble() - want) <= 5e-3 * std::abs(want) + 1e-9);
    // Exports: the chart's CSV has every point; the table's CSV every row.
    const QString csv = dir_.filePath("curves.csv");
    exportChart(*plot, csv);
    QFile curves(csv);
    QVERIFY(curves.open(QIODevice::ReadOnly));
    const QString all = QString::fromUtf8(curves.readAll());
    QVERIFY(all.contains(QString("deletion %1,").arg(QString::fromStdString(f.curves.front().name))));
    const QString tablePath = dir_.filePath("aopc.csv");
    QVERIFY(panel->exportTableTo(tablePath));
    QFile aopc(tablePath);
    QVERIFY(aopc.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(aopc.readAll()).count('\n'), 1 + static_cast<int>(f.curves.size()));
    // The curves computed every method: shading by one of them needs no new run.
    QSignalSpy explained(&workspace, &InspectWorkspace::explained);
    QVERIFY(workspace.applyView("shade=occlusion").isEmpty());
    QCOMPARE(explained.count(), 1);
    QVERIFY(!workspace.methodJob()->isRunning());
    // The HTML export shows that method's shading.
    const QString html = dir_.filePath("occlusion.html");
    QVERIFY(workspace.exportHtmlTo(html));
    QFile page(html);
    QVERIFY(page.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(page.readAll()).contains("id=\"occlusion\""));
  }

  // Two views of one mail by two checkpoints: one scroll, one pinned token, one hover.
  void sideBySideViewsMoveTogether() {
    InspectWorkspace workspace;
    const QString text = document(900);
    open(workspace, text);
    ComparePane* pane = workspace.comparePane();
    QSignalSpy shown(pane, &ComparePane::shown);
    QVERIFY(workspace.applyView("side=gradient_x_input").isEmpty());
    QVERIFY(pane->isVisible());
    QVERIFY(shown.wait(60000));
    DocumentView* main = workspace.documentView();
    DocumentView* side = pane->view();
    QVERIFY(main->verticalScrollBar()->maximum() > 0);
    // Two views of different widths wrap differently: the same top line within one line.
    const auto sameTop = [&] {
      const int a = main->topCharacter(), b = side->topCharacter();
      return std::abs(a - b) < 160;
    };
    // Scroll the main view to its middle: the side view shows the same line at its top.
    main->verticalScrollBar()->setValue(main->verticalScrollBar()->maximum() / 2);
    QVERIFY(main->topCharacter() > 1000);
    QVERIFY2(sameTop(), qPrintable(QString("%1 vs %2").arg(main->topCharacter()).arg(side->topCharacter())));
    // Another checkpoint's explanation is a new document there: it opens at the same line.
    QSignalSpy reshown(pane, &ComparePane::shown);
    pane->openCheckpoint(transformer_);
    QVERIFY(reshown.wait(60000));
    QVERIFY(pane->modelName().startsWith("Transformer"));
    QVERIFY(side->tokenCount() > 100);
    QVERIFY2(sameTop(), qPrintable(QString("%1 vs %2").arg(main->topCharacter()).arg(side->topCharacter())));
    // And back: scrolling the side view moves the main one.
    const int middle = main->topCharacter();
    side->verticalScrollBar()->setValue(side->verticalScrollBar()->maximum() / 4);
    QVERIFY2(sameTop(), qPrintable(QString("%1 vs %2").arg(main->topCharacter()).arg(side->topCharacter())));
    QVERIFY2(main->topCharacter() < middle - 500, qPrintable(QString("%1 -> %2").arg(middle).arg(main->topCharacter())));  // moved up with it
    // Pinning a token pins the one at the same character in the other view.
    const int token = main->visibleTokenRange().first + 3;
    main->setPinnedToken(token);
    QCOMPARE(side->tokenCharacter(side->pinnedToken()), main->tokenCharacter(token));
    // Hovering a token in one underlines it in the other.
    const QRect rect = main->tokenRect(token + 1);
    QTest::mouseMove(main->viewport(), rect.center());
    QTRY_COMPARE(main->hoveredToken(), token + 1);
    QCOMPARE(side->tokenCharacter(side->hoveredToken()), main->tokenCharacter(token + 1));
  }

  // Cancel answers at once and the worker stops within 200 ms; the GUI runs meanwhile.
  void cancelStopsTheWorkerQuickly() {
    InspectWorkspace workspace;
    open(workspace, document(4000));  // ~90 windows: Integrated Gradients takes seconds
    int ticks = 0;
    QTimer timer;
    connect(&timer, &QTimer::timeout, [&] { ++ticks; });
    timer.start(20);
    QVERIFY(workspace.applyView("shade=integrated_gradients").isEmpty());
    QVERIFY(workspace.methodJob()->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(workspace.methodProgress()->fraction() > 0.6, 60000);
    // The GUI thread kept turning while the explanation ran (a 20 ms timer, ≥ 5 ticks).
    QVERIFY2(ticks >= 5, qPrintable(QString::number(ticks)));
    QVERIFY(workspace.methodProgress()->isVisible());
    QElapsedTimer clock;
    clock.start();
    workspace.methodProgress()->cancelButton()->click();
    QVERIFY(!workspace.methodJob()->isRunning());
    QVERIFY(!workspace.methodProgress()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(workspace.methodJob()->workerStopped(), 2000);
    QVERIFY2(clock.elapsed() <= 200, qPrintable(QString("%1 ms").arg(clock.elapsed())));
    QVERIFY(workspace.methodExplanation() == nullptr);
    QVERIFY(workspace.status().contains("Cancelled"));
    // Choosing another method while one runs replaces the job: its progress stays shown and
    // the text ends up shaded by the method chosen last.
    QVERIFY(workspace.applyView("shade=integrated_gradients").isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(workspace.methodProgress()->fraction() > 0.6, 60000);
    QSignalSpy explained(&workspace, &InspectWorkspace::explained);
    QVERIFY(workspace.applyView("shade=gradient").isEmpty());
    QVERIFY(workspace.methodJob()->isRunning());
    QVERIFY(workspace.methodProgress()->isVisible());
    QVERIFY(explained.wait(60000));
    QVERIFY(workspace.shadedMethod() == AttributionMethod::gradient);
    QVERIFY(workspace.methodExplanation() != nullptr && workspace.methodExplanation()->find(AttributionMethod::gradient));
    QVERIFY(workspace.methodExplanation()->find(AttributionMethod::integrated_gradients) == nullptr);
  }
};

FF_UI_TEST(ExplainViewsTest);
#include "test_explain_views.moc"
