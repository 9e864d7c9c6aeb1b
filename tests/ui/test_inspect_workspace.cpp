// The Inspect workspace on a checkpoint trained in the test: what the views show is the
// engine's inspection of the same text, mean/head switching changes only the weights, the
// HTML export is shaded as the screen is, a linear checkpoint is shaded by its normaliser
// shares, and unreadable inputs are messages, not crashes.
#include "fastformer/inspect.h"
#include "fastformer/shading.h"

#include "inspect/attention_map.h"
#include "common/chart_export.h"
#include "inspect/contribution_panel.h"
#include "inspect/document_view.h"
#include "inspect/global_vector_panel.h"
#include "inspect/inspect_workspace.h"
#include "inspect/top_tokens_table.h"
#include "train/training_worker.h"
#include "ui_test_registry.h"
#include "common/weight_colors.h"
#include "inspect/weight_strip_chart.h"

#include "common/custom_plot.h"

#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <nlohmann/json.hpp>

#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <map>

using namespace fastformer::ui;

class InspectWorkspaceTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString run_;

 private Q_SLOTS:
  // One tiny Fastformer trained for a few steps, shared by the tests below.
  void initTestCase() {
    TrainingWorker worker;
    TrainRequest request;
    request.data = "synthetic:needle?length=40&examples=300&seed=4";
    request.model = fastformer::model_config_from_json({{"attention", "additive"}, {"hidden", 16}, {"heads", 2}, {"layers", 2},
                                {"ffn", 16}, {"max_len", 64}, {"share_layers", false}, {"dropout", 0.0}});
    request.train = fastformer::train_config_from_json({{"max_len", 48}, {"batch_size", 16}, {"max_steps", 10}, {"epochs", 100}, {"eval_every", 0}});
    request.directory = dir_.filePath("run");
    request.name = "tiny";
    QSignalSpy finished(&worker, &TrainingWorker::finished);
    QVERIFY(worker.start(request, "tiny"));
    QVERIFY(finished.wait(120000));
    QCOMPARE(toString(finished.last().at(1).value<RunStatus>()), QString("finished"));
    run_ = request.directory;
  }

  void showsTheEnginesInspection() {
    InspectWorkspace workspace;
    workspace.resize(1200, 800);
    workspace.show();
    QSignalSpy inspected(&workspace, &InspectWorkspace::inspected);
    const QString text = "alpha beta filler naïve café 東京 words. Another sentence here!\nAnd a third line.";
    workspace.setText(text);
    workspace.openCheckpoint(run_);
    QVERIFY(inspected.wait(60000));
    const fastformer::Inspection* shown = workspace.inspection();
    QVERIFY(shown != nullptr);
    // The same text through the engine directly gives the same weights.
    const fastformer::TrainedModel model = fastformer::load_trained_model(run_.toStdString());
    const fastformer::Inspection direct = fastformer::inspect(model, text.toStdString());
    QCOMPARE(shown->size(), direct.size());
    QCOMPARE(workspace.documentView()->tokenCount(), static_cast<int>(direct.size()));
    // Layer 1, head 1, raw weights: the strip chart's highlighted graph holds exactly that head's α.
    workspace.scaleBox()->setCurrentIndex(2);
    workspace.layerBox()->setCurrentIndex(1);
    workspace.headBox()->setCurrentIndex(2 + 1);
    const std::vector<float> alpha = fastformer::head_weights(direct, 1, 1, fastformer::Pooling::alpha);
    QCPGraph* graph = workspace.strip()->plot()->graph(1);
    QCOMPARE(graph->data()->size(), static_cast<int>(alpha.size()));
    for (int i = 0; i < graph->data()->size(); ++i) {
      QVERIFY(qAbs(graph->data()->at(i)->value - alpha[static_cast<std::size_t>(i)]) < 1e-6);
    }
    // The text view shades each token by that weight relative to the largest.
    const float top = *std::max_element(alpha.begin(), alpha.end());
    const auto heaviest = static_cast<int>(std::max_element(alpha.begin(), alpha.end()) - alpha.begin());
    QVERIFY(top > 0);
    QCOMPARE(workspace.documentView()->tokenColor(heaviest).rgb(), weightRgb(1.0));
    // Its tooltip names the token and gives every head's α and β at the last layer (1).
    const QString label = workspace.documentView()->tokenLabel(heaviest);
    QVERIFY2(label.contains(QString("h1 α %1").arg(alpha[static_cast<std::size_t>(heaviest)], 0, 'f', 4)), qPrintable(label));
    QVERIFY(label.contains(QString::fromStdString(direct.tokens[static_cast<std::size_t>(heaviest)].piece)));
    // The top-tokens table starts with that token.
    QCOMPARE(workspace.topTokens()->tokenAtRow(0), heaviest);
    QCOMPARE(workspace.topTokens()->item(0, 1)->text(), QString::fromStdString(direct.tokens[static_cast<std::size_t>(heaviest)].piece));
    QVERIFY(workspace.documentView()->scaleMax() > 0.99 * top && workspace.documentView()->scaleMax() < 1.01 * top);
    // The strip chart exports its data: a header and one row per head and token.
    const QString csv = dir_.filePath("strip.csv");
    exportChart(*workspace.strip()->plot(), csv);
    QFile exported(csv);
    QVERIFY(exported.open(QIODevice::ReadOnly));
    QCOMPARE(exported.readAll().count('\n'), static_cast<qsizetype>(1 + direct.heads * direct.size()));
    // The global query heat map holds layer 1's q of window 0 (Eq. 3), cell by cell.
    QCPColorMap* map = workspace.globalVectors()->heatmap();
    const auto H = direct.heads, Dh = direct.head_dim;
    QCOMPARE(map->data()->keySize(), static_cast<int>(Dh));
    QCOMPARE(map->data()->valueSize(), static_cast<int>(H));
    for (std::int64_t h = 0; h < H; ++h) {
      for (std::int64_t d = 0; d < Dh; ++d) {
        const float want = direct.global_query[static_cast<std::size_t>((1 * H + h) * Dh + d)];
        QVERIFY(qAbs(map->data()->cell(static_cast<int>(d), static_cast<int>(h)) - want) < 1e-6);
      }
    }
    // Sentence shares of that head sum to 1, as the engine's span_shares says.
    QTableWidget* shares = workspace.contributions()->table();
    const auto ranges = fastformer::sentence_ranges(text.toStdString(), direct.tokens);
    QCOMPARE(shares->rowCount(), static_cast<int>(ranges.size()));
    const auto engine = fastformer::span_shares(direct, 1, 1, fastformer::Pooling::alpha, ranges);
    double total = 0, engineMax = 0, shownMax = 0;
    for (int r = 0; r < shares->rowCount(); ++r) {
      total += shares->item(r, 0)->data(Qt::UserRole).toDouble();
      shownMax = std::max(shownMax, shares->item(r, 0)->data(Qt::UserRole).toDouble());
    }
    for (double e : engine) engineMax = std::max(engineMax, e);
    QVERIFY(qAbs(total - 1.0) < 1e-6);
    QVERIFY(qAbs(shownMax - engineMax) < 1e-6);
    // Occluding the top sentence runs the model again and reports the new probability.
    QSignalSpy occluded(&workspace, &InspectWorkspace::occluded);
    shares->selectRow(0);
    workspace.contributions()->occludeButton()->click();
    QVERIFY(occluded.wait(60000));
    QVERIFY(shares->item(0, 2)->text().contains("→"));
    // β of the same head is a different shading.
    workspace.weightBox()->setCurrentIndex(1);
    const std::vector<float> beta = fastformer::head_weights(direct, 1, 1, fastformer::Pooling::beta);
    QVERIFY(qAbs(workspace.documentView()->scaleMax() - *std::max_element(beta.begin(), beta.end())) < 1e-6);
  }

  // A document longer than max_len: windows of different lengths on one scale, and the
  // share and occlusion of a selected range of tokens.
  void windowsShareOneScaleAndSelectionsHaveShares() {
    InspectWorkspace workspace;
    workspace.resize(1200, 800);
    workspace.show();
    QSignalSpy inspected(&workspace, &InspectWorkspace::inspected);
    QString text;
    for (int i = 0; i < 70; ++i) text += QString("word%1 filler%2. ").arg(i % 9).arg(i % 4);
    workspace.setText(text);
    workspace.openCheckpoint(run_);
    QVERIFY(inspected.wait(60000));
    const fastformer::TrainedModel model = fastformer::load_trained_model(run_.toStdString());
    const fastformer::Inspection direct = fastformer::inspect(model, text.toStdString());
    QVERIFY(direct.windows.size() >= 3);
    const auto& last = direct.windows.back();
    QVERIFY(last.last - last.first < direct.windows.front().last - direct.windows.front().first);
    // Default scale: each token's α times the token count of the window it comes from.
    workspace.layerBox()->setCurrentIndex(0);
    workspace.headBox()->setCurrentIndex(2 + 0);
    QCOMPARE(workspace.scaleBox()->currentIndex(), 0);
    const std::vector<float> alpha = fastformer::head_weights(direct, 0, 0, fastformer::Pooling::alpha);
    QCPGraph* graph = workspace.strip()->plot()->graph(0);
    QCOMPARE(graph->data()->size(), static_cast<int>(alpha.size()));
    for (int i = 0; i < graph->data()->size(); ++i) {
      const auto& window = direct.windows[static_cast<std::size_t>(direct.owner[static_cast<std::size_t>(i)])];
      const double want = static_cast<double>(alpha[static_cast<std::size_t>(i)]) * static_cast<double>(window.last - window.first + 1);
      QVERIFY2(qAbs(graph->data()->at(i)->value - want) < 1e-5 * std::max(1.0, want), qPrintable(QString::number(i)));
    }
    // Select tokens 5..20: their share of head 0's global query is the engine's span share.
    workspace.documentView()->setSelection(5, 20);
    const auto engine = fastformer::span_shares(direct, 0, 0, fastformer::Pooling::alpha, {{5, 21}});
    ContributionPanel* panel = workspace.contributions();
    QCOMPARE(panel->selection().first, qint64{5});
    QCOMPARE(panel->selection().last, qint64{21});
    QVERIFY(qAbs(panel->selection().share - engine[0]) < 1e-6);
    QVERIFY(panel->selectionLabel()->text().contains(QString::number(100.0 * engine[0], 'f', 1) + "%"));
    QVERIFY(panel->occludeSelectionButton()->isEnabled());
    // Occluding the selection runs the model again; the label reports the moved probability.
    QSignalSpy occluded(&workspace, &InspectWorkspace::occluded);
    panel->occludeSelectionButton()->click();
    QVERIFY(occluded.wait(60000));
    QCOMPARE(occluded.last().at(0).toInt(), ContributionPanel::kSelectionRow);
    QVERIFY(panel->selectionLabel()->text().contains("→"));
    // Clearing the selection disables its button.
    workspace.documentView()->setSelection(-1, -1);
    QVERIFY(!panel->occludeSelectionButton()->isEnabled());
    // The controls can be set from a spec (the Studio's --inspect-view); what does not
    // apply is named, the rest is applied.
    QCOMPARE(workspace.applyView("layer=1,heads=1,shade=beta,scale=raw,select=3-7,heads=99,colour=red"),
             QString("heads=99, colour=red"));
    QCOMPARE(workspace.layerBox()->currentIndex(), 1);
    QCOMPARE(workspace.headBox()->currentIndex(), 2 + 1);
    QCOMPARE(workspace.weightBox()->currentIndex(), 1);
    QCOMPARE(workspace.scaleBox()->currentIndex(), 2);
    QCOMPARE(workspace.documentView()->selection(), qMakePair(3, 7));
    QCOMPARE(panel->selection().last, qint64{8});
  }

  // "Export HTML" writes the engine's report of the spec the controls choose: the same
  // legend and, token by token, the colours the text view paints.
  void exportedHtmlShowsWhatTheScreenShows() {
    InspectWorkspace workspace;
    workspace.resize(1200, 800);
    workspace.show();
    QSignalSpy inspected(&workspace, &InspectWorkspace::inspected);
    QString text;
    for (int i = 0; i < 30; ++i) text += QString("word%1 <filler%2> & more. ").arg(i % 7).arg(i % 3);
    workspace.setText(text);
    workspace.openCheckpoint(run_);
    QVERIFY(inspected.wait(60000));
    // The token colours of an exported file, by token index.
    const auto exported = [&](const QString& name) {
      const QString path = dir_.filePath(name);
      std::map<int, QRgb> colours;
      if (!workspace.exportHtmlTo(path)) return std::make_pair(QString(), colours);
      QFile file(path);
      if (!file.open(QIODevice::ReadOnly)) return std::make_pair(QString(), colours);
      const QString html = QString::fromUtf8(file.readAll());
      const QRegularExpression span(QStringLiteral("<span class=\"t\" data-token=\"(\\d+)\" style=\"background:#([0-9a-f]{6})\""));
      for (auto it = span.globalMatch(html); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        colours[m.captured(1).toInt()] = qRgb(0, 0, 0) | m.captured(2).toUInt(nullptr, 16);
      }
      return std::make_pair(html, colours);
    };
    // β, layer 1, the mean of the heads, stretched.
    workspace.weightBox()->setCurrentIndex(1);
    workspace.layerBox()->setCurrentIndex(1);
    workspace.headBox()->setCurrentIndex(0);
    workspace.scaleBox()->setCurrentIndex(1);
    const fastformer::ShadingSpec spec = workspace.shadingSpec();
    QCOMPARE(QString::fromStdString(fastformer::format_shading_spec(spec)),
             QString("shade=beta,layer=1,heads=mean,scale=stretched"));
    const fastformer::Shading want = fastformer::compute_shading(*workspace.inspection(), spec);
    const auto [html, colours] = exported("beta.html");
    QVERIFY(html.contains("<code>shade=beta,layer=1,heads=mean,scale=stretched</code>"));
    QVERIFY2(html.contains(QString::fromStdString(want.legend).toHtmlEscaped()), qPrintable(html.left(1500)));
    QCOMPARE(workspace.documentView()->legend()->title(), QString::fromStdString(want.legend));
    QVERIFY(qAbs(workspace.documentView()->scaleMin() - want.low) < 1e-9 && want.low > 0);
    QCOMPARE(static_cast<std::int64_t>(colours.size()), workspace.inspection()->size() - 1);  // all but [CLS]
    int shades = 0;
    for (const auto& [i, rgb] : colours) {
      QCOMPARE(rgb, workspace.documentView()->tokenColor(i).rgb());
      QCOMPARE(rgb, weightRgb(fastformer::shading_position(want, want.values[static_cast<std::size_t>(i)])));
      shades += rgb != qRgb(255, 255, 255);
    }
    QVERIFY(shades > 10);
    // Back to the default α, layer 0, mean, relative: another file, still the screen's.
    QCOMPARE(workspace.applyView("shade=alpha,layer=0,heads=mean,scale=relative"), QString());
    const auto [alphaHtml, alphaColours] = exported("alpha.html");
    QVERIFY(alphaHtml.contains("α, layer 0, mean over heads × tokens in its window"));
    QVERIFY(alphaColours != colours);
    for (const auto& [i, rgb] : alphaColours) QCOMPARE(rgb, workspace.documentView()->tokenColor(i).rgb());
  }

  void softmaxCheckpointShowsItsMap() {
    TrainingWorker worker;
    TrainRequest request;
    request.data = "synthetic:needle?length=20&examples=200&seed=5";
    request.model = fastformer::model_config_from_json({{"attention", "softmax"}, {"hidden", 16}, {"heads", 2}, {"layers", 1},
                                {"ffn", 16}, {"max_len", 64}, {"dropout", 0.0}});
    request.train = fastformer::train_config_from_json({{"max_len", 48}, {"batch_size", 16}, {"max_steps", 5}, {"epochs", 100}, {"eval_every", 0}});
    request.directory = dir_.filePath("softmax");
    QSignalSpy finished(&worker, &TrainingWorker::finished);
    QVERIFY(worker.start(request, "softmax"));
    QVERIFY(finished.wait(120000));
    InspectWorkspace workspace;
    QSignalSpy inspected(&workspace, &InspectWorkspace::inspected);
    workspace.setText("alpha beta gamma delta filler words here.");
    workspace.openCheckpoint(request.directory);
    QVERIFY(inspected.wait(60000));
    workspace.headBox()->setCurrentIndex(2 + 1);  // head 1: the map is made again for it
    QVERIFY(inspected.wait(60000));
    QCOMPARE(workspace.inspection()->softmax_head, std::int64_t{1});
    // Every query row of the shown map is a softmax over the keys: it sums to 1.
    QCPColorMap* map = workspace.attentionMap()->map();
    const int n = static_cast<int>(workspace.inspection()->size());
    QCOMPARE(map->data()->keySize(), n);
    for (int q = 0; q < n; ++q) {
      double row = 0;
      for (int k = 0; k < n; ++k) row += map->data()->cell(k, q);
      QVERIFY2(qAbs(row - 1.0) < 1e-4, qPrintable(QString("row %1 sums to %2").arg(q).arg(row)));
    }
    QVERIFY(workspace.attentionMap()->memoryText().contains("α and β"));
  }

  // A Linear Transformer: "Shade by" moves to n, the strip chart's chosen head is the
  // engine's n, and the map holds its implicit weights (each row sums to 1).
  void linearCheckpointIsShadedByItsNormaliser() {
    TrainingWorker worker;
    TrainRequest request;
    request.data = "synthetic:needle?length=20&examples=200&seed=6";
    request.model = fastformer::model_config_from_json({{"attention", "linear"}, {"hidden", 16}, {"heads", 2}, {"layers", 1},
                                {"ffn", 16}, {"max_len", 64}, {"dropout", 0.0}});
    request.train = fastformer::train_config_from_json({{"max_len", 48}, {"batch_size", 16}, {"max_steps", 5}, {"epochs", 100}, {"eval_every", 0}});
    request.directory = dir_.filePath("linear");
    QSignalSpy finished(&worker, &TrainingWorker::finished);
    QVERIFY(worker.start(request, "linear"));
    QVERIFY(finished.wait(120000));
    InspectWorkspace workspace;
    QSignalSpy inspected(&workspace, &InspectWorkspace::inspected);
    const QString text = "alpha beta gamma delta filler words here.";
    workspace.setText(text);
    workspace.openCheckpoint(request.directory);
    QVERIFY(inspected.wait(60000));
    QCOMPARE(workspace.weightBox()->currentIndex(), 3);  // n
    QVERIFY(workspace.status().contains("shading by n"));
    workspace.scaleBox()->setCurrentIndex(2);      // raw
    workspace.headBox()->setCurrentIndex(2 + 1);   // head 1: the map is made again for it
    QVERIFY(inspected.wait(60000));
    const fastformer::Inspection direct =
        fastformer::inspect(fastformer::load_trained_model(request.directory.toStdString()), text.toStdString());
    const std::vector<float> n = fastformer::head_weights(direct, 0, 1, fastformer::Pooling::normalizer);
    QCPGraph* graph = workspace.strip()->plot()->graph(1);
    QCOMPARE(graph->data()->size(), static_cast<int>(n.size()));
    for (int i = 0; i < graph->data()->size(); ++i) QVERIFY(qAbs(graph->data()->at(i)->value - n[static_cast<std::size_t>(i)]) < 1e-6);
    QCPColorMap* map = workspace.attentionMap()->map();
    const int size = static_cast<int>(direct.size());
    QCOMPARE(map->data()->keySize(), size);
    for (int q = 0; q < size; ++q) {
      double row = 0;
      for (int k = 0; k < size; ++k) row += map->data()->cell(k, q);
      QVERIFY2(qAbs(row - 1.0) < 1e-4, qPrintable(QString("row %1 sums to %2").arg(q).arg(row)));
    }
  }

  void unreadableInputsAreMessages() {
    InspectWorkspace workspace;
    QSignalSpy failed(&workspace, &InspectWorkspace::failed);
    const QString binary = dir_.filePath("binary.txt");
    QFile file(binary);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("\x00\x01\x02\x03", 4));
    file.close();
    workspace.openDocument(binary);
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.last().at(0).toString().contains("binary.txt"));
    workspace.openCheckpoint(dir_.filePath("no-such-run"));
    QVERIFY(failed.wait(30000));
    QVERIFY(failed.last().at(0).toString().contains("checkpoint"));
    QVERIFY(workspace.inspection() == nullptr);
  }
};

FF_UI_TEST(InspectWorkspaceTest);

#include "test_inspect_workspace.moc"
