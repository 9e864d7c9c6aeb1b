// `fastformer inspect`: one document through a trained checkpoint with its attention
// trace: the prediction, per-layer/head entropies of α and β, a JSON or safetensors trace
// and an HTML report.
#include "commands.h"

#include "fastformer/error.h"
#include "fastformer/inspect.h"
#include "fastformer/runtime.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>

namespace fastformer::cli {
namespace {

struct InspectCliOptions {
  std::string checkpoint;
  std::string document;
  std::string out;
  std::string html;
  bool truncate = false;
  std::int64_t overlap = 64;
  std::int64_t layer = 0;
  std::int64_t head = -1;  // -1: mean over heads in the HTML report
  std::string device = "cpu";
};

void write_file(const std::string& path, const std::string& content) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << content;
  file.close();
  if (!file) throw Error("cannot write", path, "check that the folder exists and is writable");
}

enum class TraceFormat { none, json, safetensors };

// Chosen by --out's extension, before anything runs, so a typo costs no model run.
TraceFormat trace_format(const std::string& out) {
  if (out.empty()) return TraceFormat::none;
  std::string extension = std::filesystem::path(out).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".json") return TraceFormat::json;
  if (extension == ".safetensors") return TraceFormat::safetensors;
  throw Error("--out must end in .json or .safetensors", out, "the extension chooses the trace format");
}

void run_inspect(const InspectCliOptions& o) {
  const TraceFormat format = trace_format(o.out);
  prepare_runtime();
  const torch::Device device = parse_device(o.device);
  const Document document = read_document(o.document);
  TrainedModel trained = load_trained_model(o.checkpoint);
  trained.checkpoint.model->to(device);  // inspect() runs where the weights are
  InspectOptions options;
  options.long_mode = o.truncate ? InspectOptions::Long::truncate : InspectOptions::Long::windows;
  options.overlap = o.overlap;
  options.softmax_layer = o.layer;
  options.softmax_head = std::max<std::int64_t>(0, o.head);
  const Inspection in = inspect(trained, document.text, options);
  if (o.layer < 0 || o.layer >= in.layers || o.head >= in.heads) {
    throw Error("layer " + std::to_string(o.layer) + " head " + std::to_string(o.head) + " does not exist",
                "--layer/--head", "the model has " + std::to_string(in.layers) + " layers and " +
                                      std::to_string(in.heads) + " heads");
  }

  std::cout << document.source << ": " << in.labels[static_cast<std::size_t>(in.predicted)];
  for (std::size_t c = 0; c < in.labels.size(); ++c) {
    std::cout << "  " << in.labels[c] << "=" << std::fixed << std::setprecision(4) << in.probabilities[c];
  }
  std::cout << "\n" << in.size() - 1 << " tokens (+[CLS]), " << to_string(in.attention) << " attention, " << in.windows.size()
            << (in.windows.size() == 1 ? " window" : " windows") << (in.truncated ? ", truncated" : "") << "\n";
  const auto summaries = head_summaries(in);
  if (!summaries.empty()) {
    std::cout << "layer head  H(alpha)  max(alpha)  H(beta)  max(beta)   (nats; uniform = "
              << std::setprecision(3) << std::log(static_cast<double>(in.size())) << ")\n";
    const auto flag = [](const char* name, const HeadSummary& s) {
      return s.collapsed ? std::string(" ") + name + ":collapsed" : s.uniform ? std::string(" ") + name + ":uniform" : "";
    };
    for (std::size_t i = 0; i + 1 < summaries.size(); i += 2) {
      const HeadSummary& a = summaries[i];
      const HeadSummary& b = summaries[i + 1];
      std::cout << std::setw(5) << a.layer << std::setw(5) << a.head << std::setw(10) << a.entropy << std::setw(12)
                << a.max_weight << std::setw(9) << b.entropy << std::setw(11) << b.max_weight << flag("alpha", a)
                << flag("beta", b) << "\n";
    }
  }
  if (format == TraceFormat::json) write_file(o.out, inspection_json(in).dump() + "\n");
  if (format == TraceFormat::safetensors) save_inspection_safetensors(o.out, in);
  if (format != TraceFormat::none) std::cout << "trace: " << o.out << "\n";
  if (!o.html.empty()) {
    write_file(o.html, inspection_html(in, document.text, o.layer, o.head));
    std::cout << "report: " << o.html << "\n";
  }
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto o = std::make_shared<InspectCliOptions>();
  auto* cmd = app.add_subcommand("inspect", "Show where each head's attention looks in one document");
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint or run directory (uses its best/)")->required();
  cmd->add_option("document", o->document, "A .txt, .md, .html, .eml or .json document")->required();
  cmd->add_option("--out", o->out,
                  "Write the full trace: FILE.json (nested arrays) or FILE.safetensors (typed tensors, "
                  "docs/checkpoint-format.md)");
  cmd->add_option("--html", o->html, "Write a standalone HTML report shading the text by α");
  cmd->add_flag("--truncate", o->truncate, "Inspect only the first max_len tokens instead of overlapping windows");
  cmd->add_option("--overlap", o->overlap, "Tokens shared by neighbouring windows")->capture_default_str();
  cmd->add_option("--layer", o->layer, "Layer for the HTML report (and softmax weights)")->capture_default_str();
  cmd->add_option("--head", o->head, "Head for the HTML report; -1 = mean over heads")->capture_default_str();
  cmd->add_option("--device", o->device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd->callback([o] { run_inspect(*o); });
}

}  // namespace fastformer::cli
