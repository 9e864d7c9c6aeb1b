// `fastformer predict`: the label and class probabilities of each document (a file, or
// standard input with `-`; with --lines every line is a document).
#include "commands.h"

#include "fastformer/error.h"
#include "fastformer/evaluate.h"
#include "fastformer/runtime.h"
#include "fastformer/training_data.h"
#include "fastformer/utf8.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace fastformer::cli {
namespace {

struct PredictOptions {
  std::string checkpoint;
  std::vector<std::string> inputs{"-"};
  bool lines = false;
  bool json = false;
  std::string device = "cpu";
};

std::string read_all(std::istream& in) {
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void run_predict(const PredictOptions& o) {
  prepare_runtime();
  const torch::Device device = parse_device(o.device);
  TrainedModel trained = load_trained_model(o.checkpoint);
  std::vector<std::string> names, texts;
  for (const auto& input : o.inputs) {
    std::string text;
    if (input == "-") {
      text = read_all(std::cin);
    } else {
      std::ifstream file(input, std::ios::binary);
      if (!file) throw Error("cannot open file", input, "check the path");
      text = read_all(file);
    }
    text = repair_utf8(text);
    if (!o.lines) {
      names.push_back(input == "-" ? "stdin" : input);
      texts.push_back(std::move(text));
      continue;
    }
    std::istringstream stream(text);
    std::size_t number = 0;
    for (std::string line; std::getline(stream, line);) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      names.push_back((input == "-" ? "stdin" : input) + ":" + std::to_string(number));
      texts.push_back(line);
    }
  }
  if (texts.empty()) throw Error("no documents to classify", "fastformer predict");
  const std::int64_t max_len = std::min(trained.train.max_len, trained.checkpoint.contents.config.sequence_capacity());
  std::vector<Sequence> ids;
  for (const auto& text : texts) {
    Sequence s = trained.tokenizer->encode(text).ids;
    if (static_cast<std::int64_t>(s.size()) > max_len) s.resize(static_cast<std::size_t>(max_len));
    ids.push_back(std::move(s));
  }
  Model model = trained.checkpoint.model;
  model->to(device);
  const torch::Tensor probabilities = predict_probabilities(model, ids, trained.train.batch_size, device);  // (N,C)
  const auto& labels = trained.checkpoint.contents.labels;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const torch::Tensor row = probabilities[static_cast<std::int64_t>(i)];
    const auto best = row.argmax().item<std::int64_t>();
    if (o.json) {
      nlohmann::json p;
      for (std::size_t c = 0; c < labels.size(); ++c) p[labels[c]] = row[static_cast<std::int64_t>(c)].item<double>();
      std::cout << nlohmann::json{{"document", names[i]}, {"label", labels[best]}, {"probabilities", p}}.dump() << "\n";
      continue;
    }
    std::cout << names[i] << "\t" << labels[best];
    for (std::size_t c = 0; c < labels.size(); ++c) {
      std::cout << "\t" << labels[c] << "=" << std::fixed << std::setprecision(4)
                << row[static_cast<std::int64_t>(c)].item<double>();
    }
    std::cout << "\n";
  }
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto o = std::make_shared<PredictOptions>();
  auto* cmd = app.add_subcommand("predict", "Classify documents with a trained checkpoint");
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint or run directory (uses its best/)")->required();
  cmd->add_option("inputs", o->inputs, "Files to classify, or - for standard input (default)");
  cmd->add_flag("--lines", o->lines, "Every non-blank line is one document");
  cmd->add_flag("--json", o->json, "One JSON object per document");
  cmd->add_option("--device", o->device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd->callback([o] { run_predict(*o); });
}

}  // namespace fastformer::cli
