// End-to-end timing of the Inspect workspace on a long document, as a user meets it:
// from handing over the text to the first painted window (tokenize, forward with trace
// over all windows, views filled, one synchronous paint), then the repaint after each
// layer, head or α/β switch. Registered with ctest under label `bench` (inspect_ui_bench.sh):
//   inspect_ui_bench --checkpoint RUN [--document FILE] [--tokens 20000] [--switches 24]
//                    [--max-first-paint-ms 2000] [--max-switch-ms 50]
// The document (read as the Inspect workspace reads it: .json's "text", HTML without tags) is
// repeated until it holds at least --tokens tokens. Prints one line per figure; a missed
// target prints "target missed" and exits 1.
#include "fastformer/document.h"
#include "fastformer/error.h"
#include "fastformer/inspect.h"
#include "fastformer/runtime.h"

#include "inspect/inspect_workspace.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {

// Runs the event loop until `signal` fires (true) or `ms` pass (false).
template <typename Signal>
bool waitFor(fastformer::ui::InspectWorkspace& workspace, Signal signal, int ms) {
  QEventLoop loop;
  bool fired = false;
  const auto connection = QObject::connect(&workspace, signal, &loop, [&] {
    fired = true;
    loop.quit();
  });
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  loop.exec();
  QObject::disconnect(connection);
  return fired;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  fastformer::apply_process_policies(argv);
  fastformer::configure_threads();
  QApplication app(argc, argv);
  QCommandLineParser parser;
  const QCommandLineOption checkpoint("checkpoint", "Run or checkpoint directory.", "DIR");
  const QCommandLineOption document("document", "Text repeated into the long document (default: generated).", "FILE");
  const QCommandLineOption tokens("tokens", "Repeat the document to at least this many tokens.", "N", "20000");
  const QCommandLineOption switches("switches", "Layer/head/weight switches to time.", "N", "24");
  const QCommandLineOption maxFirstPaint("max-first-paint-ms", "Fail when the first paint takes longer (0: no check).",
                                         "MS", "0");
  const QCommandLineOption maxSwitch("max-switch-ms", "Fail when the median switch + repaint takes longer (0: no check).",
                                     "MS", "0");
  parser.addOptions({checkpoint, document, tokens, switches, maxFirstPaint, maxSwitch});
  parser.addHelpOption();
  parser.process(app);
  if (!parser.isSet(checkpoint)) {
    std::fprintf(stderr, "inspect_ui_bench: --checkpoint RUN is required\n");
    return 2;
  }

  QString unit = "Fastformer replaces the attention matrix with additive pooling: a global query, then a global key. ";
  if (parser.isSet(document)) {
    try {
      unit = QString::fromStdString(fastformer::read_document(parser.value(document).toStdString()).text) + "\n";
    } catch (const fastformer::Error& e) {
      std::fprintf(stderr, "inspect_ui_bench: %s\n", e.what());
      return 2;
    }
  }

  fastformer::ui::InspectWorkspace workspace;
  workspace.resize(1600, 1000);
  workspace.show();
  workspace.openCheckpoint(parser.value(checkpoint));
  if (!waitFor(workspace, &fastformer::ui::InspectWorkspace::log, 120000)) {
    std::fprintf(stderr, "inspect_ui_bench: %s\n", qPrintable(workspace.status()));
    return 1;
  }

  // Grow the text until the model's tokenizer makes enough tokens of it.
  const fastformer::TrainedModel model = fastformer::load_trained_model(parser.value(checkpoint).toStdString());
  const auto unitTokens = static_cast<std::int64_t>(model.tokenizer->encode(unit.toStdString()).ids.size() - 1);
  const std::int64_t want = parser.value(tokens).toLongLong();
  QString text;
  for (std::int64_t have = 0; have < want; have += std::max<std::int64_t>(1, unitTokens)) text += unit;

  QElapsedTimer timer;
  timer.start();
  workspace.setText(text, "benchmark document");
  if (!waitFor(workspace, &fastformer::ui::InspectWorkspace::inspected, 600000)) {
    std::fprintf(stderr, "inspect_ui_bench: %s\n", qPrintable(workspace.status()));
    return 1;
  }
  const double inspectMs = timer.nsecsElapsed() / 1e6;
  workspace.repaint();
  const double firstPaintMs = timer.nsecsElapsed() / 1e6;
  const fastformer::Inspection& in = *workspace.inspection();

  // A user changes one control at a time: cycle head, layer, then α/β, each switch
  // followed by a synchronous repaint of the whole window.
  std::vector<double> updateMs, totalMs;
  const int count = parser.value(switches).toInt();
  for (int s = 0; s < count; ++s) {
    timer.restart();
    if (s % 3 == 0) workspace.headBox()->setCurrentIndex((workspace.headBox()->currentIndex() + 5) % workspace.headBox()->count());
    if (s % 3 == 1) workspace.layerBox()->setCurrentIndex((workspace.layerBox()->currentIndex() + 1) % workspace.layerBox()->count());
    if (s % 3 == 2) workspace.weightBox()->setCurrentIndex(1 - workspace.weightBox()->currentIndex());
    updateMs.push_back(timer.nsecsElapsed() / 1e6);
    workspace.repaint();
    totalMs.push_back(timer.nsecsElapsed() / 1e6);
  }
  const double perToken = static_cast<double>(fastformer::inspection_bytes(in)) / static_cast<double>(in.size());
  std::printf("tokens            %lld (+[CLS]), %zu windows, %lld layers x %lld heads\n",
              static_cast<long long>(in.size() - 1), in.windows.size(), static_cast<long long>(in.layers),
              static_cast<long long>(in.heads));
  std::printf("inspect           %.0f ms (text handed over -> views filled)\n", inspectMs);
  std::printf("first paint       %.0f ms (text handed over -> window painted)\n", firstPaintMs);
  const auto worst = [](const std::vector<double>& v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); };
  std::printf("switch: views     median %.1f ms, max %.1f ms over %zu switches\n", median(updateMs), worst(updateMs),
              updateMs.size());
  std::printf("switch + repaint  median %.1f ms, max %.1f ms\n", median(totalMs), worst(totalMs));
  std::printf("trace memory      %.0f bytes/token\n", perToken);

  // The targets of docs/performance.md: first paint of a 20,000-token document within 2 s,
  // the median switch + repaint within 50 ms.
  int missed = 0;
  const auto check = [&](const char* what, double ms, const QCommandLineOption& option) {
    const double limit = parser.value(option).toDouble();
    if (limit <= 0) return;
    const bool met = ms <= limit;
    std::printf("target %-6s     %s: %.1f ms %s %.0f ms\n", met ? "met" : "missed", what, ms, met ? "<=" : ">", limit);
    missed += met ? 0 : 1;
  };
  check("first paint", firstPaintMs, maxFirstPaint);
  check("median switch + repaint", median(totalMs), maxSwitch);
  return missed == 0 ? 0 : 1;
}
