// `fastformer import`: a Fastformer trained in PyTorch (a state_dict or safetensors file,
// its vocabulary) as an ordinary checkpoint; `--print-map` shows a built-in name map.
#include "commands.h"

#include "fastformer/import.h"
#include "fastformer/error.h"

#include <iostream>
#include <memory>

namespace fastformer::cli {
namespace {

struct ImportCommand {
  ImportOptions options;
  std::string print_map;
};

void run_import(ImportCommand& o) {
  if (!o.print_map.empty()) {
    std::cout << builtin_map_json(o.print_map) << "\n";
    return;
  }
  if (o.options.from.empty()) throw Error("no model file given", "--from", "the file torch.save(model.state_dict(), …) wrote");
  prepare_runtime();
  const ImportReport report = import_model(o.options);
  const ModelConfig& c = report.config;
  for (const auto& note : report.notes) std::cout << "  " << note << "\n";
  std::cout << "imported " << report.tensors << " tensors (" << c.layers << " layers, hidden " << c.hidden << ", "
            << c.heads << " heads, FFN " << c.ffn << ", " << c.classes << " classes, " << report.vocab_words
            << " words) into " << o.options.out.string() << "\n";
}

}  // namespace

void add_import_command(CLI::App& app) {
  auto o = std::make_shared<ImportCommand>();
  auto* cmd = app.add_subcommand("import", "Import a Fastformer trained in PyTorch as a checkpoint");
  cmd->add_option("--from", o->options.from, "torch.save(model.state_dict()) file, or .safetensors");
  cmd->add_option("--map", o->options.map, "official (the authors' notebook) or a JSON name map")->capture_default_str();
  cmd->add_option("--vocab", o->options.vocab, "word_dict as JSON (word → id), or vocab.txt (one word per line)");
  cmd->add_option("--config", o->options.config, "The source's JSON config (the notebook's fastformer.json)");
  cmd->add_option("--set", o->options.overrides, "Model config key=value, applied last (repeatable)");
  cmd->add_option("--labels", o->options.labels, "Class names in class order (default 0…C−1)")->delimiter(',');
  cmd->add_option("--out", o->options.out, "Checkpoint directory to write");
  cmd->add_option("--print-map", o->print_map, "Print a built-in map (official) as JSON and exit");
  cmd->callback([o] { run_import(*o); });
}

}  // namespace fastformer::cli
