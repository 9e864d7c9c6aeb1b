// The Learn workspace: every step's heat map holds the engine's learn trace for the same
// seed and sentence, Previous/Next/Play move through the steps and stop at the ends, the
// counters are the closed-form counts written out again here, the three token mixers show
// the trace's tensors and their costs at the sliders, the last sweep's points
// reach the chart, and a checkpoint's first layer is walked while a bad path is a message.
#include "fastformer/checkpoint.h"
#include "fastformer/learn_trace.h"
#include "fastformer/tokenizer.h"

#include "learn/learn_cost_chart.h"
#include "learn/learn_format.h"
#include "learn/learn_heatmap.h"
#include "learn/learn_mixers_view.h"
#include "learn/learn_softmax_view.h"
#include "learn/learn_step_view.h"
#include "learn/learn_workspace.h"
#include "ui_test_registry.h"

#include "common/custom_plot.h"

#include <QComboBox>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace fastformer::ui;

namespace {

const QString kSentence = "The quick brown fox jumps over the lazy dog.";

QString exact(double v) { return QLocale(QLocale::English).toString(static_cast<qlonglong>(std::llround(v))); }

// Every cell (column c, row r) of `map` is element (r, c) of the 2-D `tensor`.
bool holds(QCPColorMap* map, const at::Tensor& tensor) {
  const auto rows = static_cast<int>(tensor.size(0)), columns = static_cast<int>(tensor.size(1));
  if (map->data()->keySize() != columns || map->data()->valueSize() != rows) return false;
  const at::Tensor t = tensor.contiguous();
  const float* v = t.data_ptr<float>();
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < columns; ++c) {
      if (map->data()->cell(c, r) != static_cast<double>(v[r * columns + c])) return false;
    }
  }
  return true;
}

}  // namespace

class LearnWorkspaceTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void heatMapsHoldTheTraceAtEveryStep() {
    LearnWorkspace workspace;
    workspace.useRandomLayer(5);
    workspace.setSentence(kSentence);
    const fastformer::LearnLayer layer = fastformer::random_learn_layer(5, LearnWorkspace::kRandomHidden,
                                                                        LearnWorkspace::kRandomHeads);
    const fastformer::LearnTrace want = fastformer::learn_trace(
        *layer, fastformer::random_learn_input(kSentence.toStdString(), LearnWorkspace::kRandomHidden, 5,
                                               LearnWorkspace::kMaxTokens));
    QCOMPARE(workspace.stepCount(), 11);
    QCOMPARE(workspace.trace()->tokens, want.tokens);
    for (int i = 0; i < workspace.stepCount(); ++i) {
      workspace.setStep(i);
      const fastformer::LearnStep& step = want.additive[static_cast<std::size_t>(i)];
      QVERIFY2(holds(workspace.stepMap(), step.tensor), step.name.c_str());
      QVERIFY(workspace.stepView()->titleLabel()->text().contains(QString::fromStdString(step.equation)));
      QVERIFY(workspace.stepCountLabel()->text().contains(QString::fromStdString(step.shape)));
      QVERIFY(!workspace.stepView()->textLabel()->text().isEmpty());
    }
    // Hovering a cell names it: α of head 1 at token 2 ("quick").
    workspace.setStep(3);
    workspace.stepPlot()->replot();
    double x = 0, y = 0;
    workspace.stepMap()->coordsToPixels(2, 1, x, y);
    const QString hover = workspace.stepView()->heatmap()->cellText(QPointF(x, y));
    QVERIFY2(hover.startsWith("head 1 · token 'quick' · " + QString::number(want.step("alpha").tensor[1][2].item<float>(), 'g', 4)),
             qPrintable(hover));
    // The softmax side: the chosen head's N×N scores and weights.
    LearnSoftmaxView* softmax = workspace.softmaxView();
    for (int h = 0; h < 2; ++h) {
      softmax->setHead(h);
      QVERIFY(holds(softmax->scoresMap()->map(), want.step("scores").tensor[h]));
      QVERIFY(holds(softmax->weightsMap()->map(), want.step("weights").tensor[h]));
    }
  }

  // The three mixers side by side: one head's softmax weights, linear summary S and the
  // additive q and k, each the engine's learn trace; the table follows the chart's sliders.
  void threeMixersShowTheTraceAndFollowTheSliders() {
    LearnWorkspace workspace;
    workspace.useRandomLayer(5);
    workspace.setSentence(kSentence);
    const fastformer::LearnTrace& want = *workspace.trace();
    QCOMPARE(workspace.sideTabs()->tabText(0), QString("Three ways to mix tokens"));
    LearnMixersView* mixers = workspace.mixersView();
    for (int h = 0; h < 2; ++h) {
      mixers->setHead(h);
      QVERIFY(holds(mixers->softmaxMap()->map(), want.step("weights").tensor[h]));
      QVERIFY(holds(mixers->linearMap()->map(), want.linear.front().tensor[h]));  // (Dh,Dh)
      QVERIFY(holds(mixers->additiveMap()->map(),
                    at::stack({want.step("q").tensor[h], want.step("k").tensor[h]})));  // (2,Dh)
    }
    LearnCostChart* chart = workspace.costChart();
    chart->lengthSlider()->setValue(52);  // N = 8192
    chart->hiddenSlider()->setValue(8);   // d = 256
    const MixerCosts& c = mixers->costs();
    QCOMPARE(c.n, std::int64_t{8192});
    QCOMPARE(c.d, std::int64_t{256});
    const double N = 8192, D = 256, H = 2, Dh = D / H;
    QCOMPARE(c.linear.multiply_adds, 4 * N * D * D + 2 * N * D * Dh + 2 * N * D);
    QCOMPARE(c.softmaxTiled.multiply_adds, c.softmax.multiply_adds);  // the same arithmetic
    QCOMPARE(c.softmax.bytes, 4 * (5 * N * D + 2 * H * N * N));
    QCOMPARE(c.softmaxTiled.bytes, 4 * (5 * N * D + 32 * 512 + H * N));
    QCOMPARE(c.additive.multiply_adds, chart->additive().multiply_adds);
    const QString table = mixers->table()->text();
    QVERIFY2(table.contains("N = 8,192, d = 256"), qPrintable(table));
    for (const double v : {c.softmax.multiply_adds, c.linear.multiply_adds, c.additive.multiply_adds})
      QVERIFY2(table.contains(countText(v)), qPrintable(table));
  }

  // Each step's count line is the step's formula at this N (D = 16, H = 2, V = Q).
  void stepCountsAreTheFormulas() {
    LearnWorkspace workspace;
    workspace.setSentence(kSentence);
    const double N = static_cast<double>(workspace.trace()->tokens), D = 16, H = 2;
    QCOMPARE(N, 11.0);  // [CLS], nine words and the full stop
    const std::vector<std::pair<double, double>> macsAndBytes{
        {N * D * D, 4 * N * D},  {N * D * D, 4 * N * D},        {0, 0},          // Q, K, V = Q
        {N * D + 2 * N * H, 4 * N * H}, {N * D, 4 * D}, {N * D, 4 * N * D},      // α, q, P
        {N * D + 2 * N * H, 4 * N * H}, {N * D, 4 * D}, {N * D, 4 * N * D},      // β, k, U
        {N * D * D, 4 * N * D},  {0, 4 * N * D}};                                // R, A
    for (int i = 0; i < workspace.stepCount(); ++i) {
      workspace.setStep(i);
      const QString text = workspace.stepCountLabel()->text();
      QVERIFY2(text.contains(exact(macsAndBytes[static_cast<std::size_t>(i)].first) + " multiply-adds"), qPrintable(text));
    }
    for (int i = 0; i < workspace.stepCount(); ++i) {
      QCOMPARE(workspace.trace()->additive[static_cast<std::size_t>(i)].count.bytes, macsAndBytes[static_cast<std::size_t>(i)].second);
    }
  }

  void nextAndPreviousStopAtTheEnds() {
    LearnWorkspace workspace;
    QSignalSpy moved(&workspace, &LearnWorkspace::stepChanged);
    const int count = workspace.stepCount();
    QCOMPARE(workspace.stepIndex(), 0);
    QVERIFY(!workspace.previousButton()->isEnabled());
    workspace.previous();
    QCOMPARE(workspace.stepIndex(), 0);
    for (int i = 1; i < count; ++i) {
      workspace.nextButton()->click();
      QCOMPARE(workspace.stepIndex(), i);
    }
    QVERIFY(!workspace.nextButton()->isEnabled());
    workspace.next();
    QCOMPARE(workspace.stepIndex(), count - 1);
    for (int i = count - 2; i >= 0; --i) {
      workspace.previousButton()->click();
      QCOMPARE(workspace.stepIndex(), i);
    }
    QCOMPARE(moved.count(), 2 * (count - 1));
    // Play advances one step per interval and stops by itself at the last step.
    workspace.playButton()->click();
    QVERIFY(workspace.playing());
    QTRY_COMPARE_WITH_TIMEOUT(workspace.stepIndex(), 1, LearnWorkspace::kAutoplayMs + 1000);
    workspace.setStep(count - 1);
    QTRY_VERIFY_WITH_TIMEOUT(!workspace.playing(), LearnWorkspace::kAutoplayMs + 1000);
    QCOMPARE(workspace.stepIndex(), count - 1);
    QCOMPARE(workspace.playButton()->text(), QString("Play"));
  }

  // Whole layers at N = round(2^(v/4)), d = 2^v, H = 2, V = Q (the random layer).
  void countersAreTheClosedFormCounts() {
    LearnWorkspace workspace;
    LearnCostChart* chart = workspace.costChart();
    QCOMPARE(chart->heads(), 2);
    for (const auto [lengthPosition, hiddenPosition] : {std::pair{12, 4}, std::pair{40, 8}, std::pair{57, 10}}) {
      chart->lengthSlider()->setValue(lengthPosition);
      chart->hiddenSlider()->setValue(hiddenPosition);
      const double N = std::round(std::pow(2.0, lengthPosition / 4.0)), D = std::pow(2.0, hiddenPosition), H = 2;
      QCOMPARE(static_cast<double>(chart->length()), N);
      QCOMPARE(static_cast<double>(chart->hidden()), D);
      QCOMPARE(chart->additive().multiply_adds, 3 * N * D * D + 6 * N * D + 4 * N * H);
      QCOMPARE(chart->additive().bytes, 4 * (6 * N * D + 2 * N * H + 2 * D));
      QCOMPARE(chart->softmax().multiply_adds, 4 * N * D * D + 2 * N * N * D + 2 * H * N * N);
      QCOMPARE(chart->softmax().bytes, 4 * (5 * N * D + 2 * H * N * N));
    }
    // N = 8, d = 16: small enough to be written out exactly.
    chart->lengthSlider()->setValue(12);
    chart->hiddenSlider()->setValue(4);
    const QString text = chart->counterLabel()->text();
    QVERIFY2(text.contains(exact(3 * 8 * 256 + 6 * 8 * 16 + 4 * 8 * 2) + " multiply-adds"), qPrintable(text));
    QVERIFY2(text.contains(exact(4 * 8 * 256 + 2 * 64 * 16 + 2 * 2 * 64) + " multiply-adds"), qPrintable(text));
  }

  void measuredPointsReachTheChart() {
    LearnWorkspace workspace;
    std::vector<fastformer::BenchPoint> points;
    for (const std::int64_t n : {128, 256, 512}) {
      for (const auto kind : {fastformer::BenchKind::additive, fastformer::BenchKind::linear,
                              fastformer::BenchKind::softmax_materialized}) {
        fastformer::BenchPoint p;
        p.kind = kind;
        p.n = n;
        p.status = n == 512 && kind == fastformer::BenchKind::softmax_materialized ? "oom" : "ok";
        p.median_ms = static_cast<double>(n) / 100;
        points.push_back(p);
      }
    }
    workspace.setMeasuredPoints(points);
    QCPGraph* additive = workspace.costChart()->measuredGraph(fastformer::BenchKind::additive);
    QCPGraph* softmax = workspace.costChart()->measuredGraph(fastformer::BenchKind::softmax_materialized);
    QCOMPARE(additive->data()->size(), 3);
    QCOMPARE(workspace.costChart()->measuredGraph(fastformer::BenchKind::linear)->data()->size(), 3);
    QCOMPARE(softmax->data()->size(), 2);  // the oom point has no time
    QVERIFY(!workspace.costChart()->measuredGraph(fastformer::BenchKind::softmax)->visible());  // none measured
    QCOMPARE(additive->valueAxis(), workspace.costChart()->plot()->yAxis2);
    QVERIFY(additive->data()->at(2)->value == 5.12);
    workspace.setMeasuredPoints({});
    QCOMPARE(additive->data()->size(), 0);
  }

  void checkpointLayerIsWalkedAndABadPathIsAMessage() {
    LearnWorkspace workspace;
    QSignalSpy failed(&workspace, &LearnWorkspace::failed);
    workspace.openCheckpoint("/nonexistent/run");
    QVERIFY(failed.wait(10000));
    QVERIFY(workspace.status().startsWith("Could not load the checkpoint"));
    QVERIFY(workspace.trace() != nullptr);  // still the random layer's walk

    // A small untrained checkpoint with a word tokenizer.
    QTemporaryDir dir;
    fastformer::ModelConfig c = fastformer::preset("paper");
    c.vocab_size = 40, c.hidden = 64, c.heads = 4, c.ffn = 16, c.max_len = 40, c.init_std = 0.5;
    const auto tokenizer = fastformer::train_tokenizer({"word", 40, 1, true}, {kSentence.toStdString()});
    fastformer::Model model(c);
    const std::string path = dir.filePath("ck").toStdString();
    fastformer::save_checkpoint(path, model, fastformer::default_labels(c.classes), nlohmann::json::object(),
                                [&](const std::filesystem::path& tmp) {
                                  return nlohmann::json{{"tokenizer", tokenizer->save(tmp)}};
                                });
    QSignalSpy traced(&workspace, &LearnWorkspace::traced);
    workspace.setSentence(kSentence);
    traced.clear();
    workspace.openCheckpoint(QString::fromStdString(path));
    QVERIFY(traced.wait(10000));
    fastformer::LoadedCheckpoint loaded = fastformer::load_checkpoint(path);
    const fastformer::LearnTrace want = fastformer::learn_trace(
        *fastformer::first_additive_layer(*loaded.model),
        fastformer::model_learn_input(*loaded.model, *tokenizer, kSentence.toStdString(), LearnWorkspace::kMaxTokens));
    QCOMPARE(workspace.trace()->heads, std::int64_t{4});
    QCOMPARE(workspace.costChart()->heads(), 4);
    workspace.setStep(3);
    QVERIFY(holds(workspace.stepMap(), want.step("alpha").tensor));
    // A sentence longer than the walk's limit is cut to kMaxTokens tokens.
    workspace.setSentence(QString("word ").repeated(2 * LearnWorkspace::kMaxTokens));
    QCOMPARE(workspace.trace()->tokens, std::int64_t{LearnWorkspace::kMaxTokens});
    const QString shots = qEnvironmentVariable("FF_LEARN_SHOTS");
    if (!shots.isEmpty()) {
      workspace.resize(1400, 900);
      workspace.setStep(0);
      QTest::qWait(50);
      QVERIFY(workspace.grab().save(shots + "/learn_checkpoint_long.png"));
    }
  }

  // The whole workspace drawn at a few steps, with a sweep's points; FF_LEARN_SHOTS=DIR keeps the PNGs.
  void rendersAtSeveralSteps() {
    LearnWorkspace workspace;
    workspace.resize(1400, 900);
    workspace.show();
    QVERIFY(QTest::qWaitForWindowExposed(&workspace));
    std::vector<fastformer::BenchPoint> points;
    for (const std::int64_t n : {256, 512, 1024, 2048, 4096}) {
      for (const auto kind : {fastformer::BenchKind::additive, fastformer::BenchKind::softmax}) {
        fastformer::BenchPoint p;
        p.kind = kind;
        p.n = n;
        p.status = "ok";
        p.median_ms = kind == fastformer::BenchKind::softmax ? 1e-5 * static_cast<double>(n * n) : 4e-3 * static_cast<double>(n);
        points.push_back(p);
      }
    }
    workspace.setMeasuredPoints(points);
    const QString dir = qEnvironmentVariable("FF_LEARN_SHOTS");
    for (const int step : {0, 3, 5, 7, 10}) {
      workspace.setStep(step);
      if (step == 10) {  // the last picture charts memory instead of multiply-adds
        workspace.costChart()->curveBox()->setCurrentIndex(1);
        QCOMPARE(workspace.costChart()->plot()->yAxis->label(), QString("activation bytes (float32)"));
      }
      QTest::qWait(50);  // the queued replots
      const QImage image = workspace.grab().toImage();
      QCOMPARE(image.size(), workspace.size() * image.devicePixelRatio());
      if (!dir.isEmpty()) QVERIFY(image.save(QString("%1/learn_step%2.png").arg(dir).arg(step)));
    }
  }
};

FF_UI_TEST(LearnWorkspaceTest);
#include "test_learn_workspace.moc"
