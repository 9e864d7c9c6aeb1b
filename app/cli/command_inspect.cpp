// `fastformer inspect`: one document through a trained checkpoint with its attention
// trace: the prediction, per-layer/head entropies of α and β, a JSON or safetensors trace
// and an HTML report shaded as the Studio's Inspect view is (a ShadingSpec).
#include "output_file.h"
#include "commands.h"

#include "fastformer/error.h"
#include "fastformer/inspect.h"
#include "fastformer/runtime.h"
#include "fastformer/shading.h"

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
  // The HTML report's shading, in the keys of the Studio's --inspect-view.
  std::string shade = "alpha";
  std::int64_t layer = 0;
  std::string heads = "mean";
  std::string scale = "relative";
  bool shade_given = false;
  std::string device = "cpu";
};

// Parsed before anything runs, so a typo costs no model run.
ShadingSpec shading_spec(const InspectCliOptions& o) {
  ShadingSpec spec;
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"shade", o.shade}, {"layer", std::to_string(o.layer)},
                                   {"heads", o.heads}, {"scale", o.scale}}) {
    try {
      // One key at a time: a comma inside a value must not set another key.
      if (value.find(',') != std::string::npos) throw Error("'" + value + "' holds a comma", "", "give one value");
      spec = parse_shading_spec(key + "=" + value, spec);
    } catch (const Error& e) {
      throw Error(e.problem(), "--" + key, e.hint());
    }
  }
  return spec;
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
  ShadingSpec spec = shading_spec(o);
  prepare_runtime();
  const torch::Device device = parse_device(o.device);
  const Document document = read_document(o.document);
  TrainedModel trained = load_trained_model(o.checkpoint);
  trained.checkpoint.model->to(device);  // inspect() runs where the weights are
  InspectOptions options;
  options.long_mode = o.truncate ? InspectOptions::Long::truncate : InspectOptions::Long::windows;
  options.overlap = o.overlap;
  options.softmax_layer = spec.layer;
  options.softmax_head = spec.heads == ShadingSpec::Heads::one ? spec.head : 0;
  const Inspection in = inspect(trained, document.text, options);
  // Softmax and linear checkpoints have no α or β: shaded by γ or n unless --shade asked for them.
  if (!o.shade_given) spec = available_shading(in, spec);
  try {
    check_shading(in, spec);
  } catch (const Error& e) {
    throw Error(e.problem(), "--shade/--layer/--heads", e.hint());
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
    for (const HeadSummaries& s : summaries) {
      std::cout << std::setw(5) << s.layer << std::setw(5) << s.head << std::setw(10) << s.alpha.entropy
                << std::setw(12) << s.alpha.max_weight << std::setw(9) << s.beta.entropy << std::setw(11)
                << s.beta.max_weight << flag("alpha", s.alpha) << flag("beta", s.beta) << "\n";
    }
  }
  if (format == TraceFormat::json) write_output_file(o.out, inspection_json(in).dump() + "\n");
  if (format == TraceFormat::safetensors) save_inspection_safetensors(o.out, in);
  if (format != TraceFormat::none) std::cout << "trace: " << o.out << "\n";
  if (!o.html.empty()) {
    write_output_file(o.html, inspection_html(in, document.text, spec));
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
  cmd->add_option("--html", o->html,
                  "Write a standalone HTML report: the text shaded as --shade, --layer, --heads and --scale say");
  cmd->add_flag("--truncate", o->truncate, "Inspect only the first max_len tokens instead of overlapping windows");
  cmd->add_option("--overlap", o->overlap, "Tokens shared by neighbouring windows")->capture_default_str();
  cmd->add_option_function<std::string>(
         "--shade", [o](const std::string& v) { o->shade = v, o->shade_given = true; },
         "Shade the HTML report by alpha | beta | gamma | normalizer (default alpha; normalizer for a linear "
         "checkpoint, gamma for a softmax one)");
  cmd->add_option("--layer", o->layer, "Layer to shade by (and of the softmax weights)")->capture_default_str();
  auto* heads = cmd->add_option("--heads", o->heads, "mean | max over heads, or one head's number")->capture_default_str();
  cmd->add_option_function<std::int64_t>(
         "--head", [o](std::int64_t h) { o->heads = h < 0 ? "mean" : std::to_string(h); },
         "The same as --heads H; -1 = mean over heads")
      ->excludes(heads);
  cmd->add_option("--scale", o->scale,
                  "relative (× tokens in its window: 1 = the uniform share) | stretched (relative, the lightest "
                  "shade at the smallest weight) | raw")
      ->capture_default_str();
  cmd->add_option("--device", o->device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd->callback([o] { run_inspect(*o); });
}

}  // namespace fastformer::cli
