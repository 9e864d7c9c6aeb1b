// `fastformer train`: train Fastformer or the Transformer on a dataset, with a progress
// bar, metrics.jsonl, best/last checkpoints, Ctrl-C to stop and save, and --resume.
#include "commands.h"
#include "data_options.h"
#include "distributed_options.h"
#include "model_options.h"
#include "progress.h"

#include "fastformer/error.h"
#include "fastformer/runtime.h"
#include "fastformer/training_data.h"

#include <nlohmann/json.hpp>

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

namespace fastformer::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_interrupt(int) {
  g_stop.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

// A rank started by `fastformer launch` or the Studio stops (saving, like Ctrl-C) when
// that parent dies, instead of training on alone.
void stop_with_parent() {
  const char* parent = std::getenv("FASTFORMER_PARENT_PID");
  if (parent == nullptr) return;
  ::prctl(PR_SET_PDEATHSIG, SIGINT);
  if (std::to_string(::getppid()) != parent) g_stop.store(true);  // it died before the prctl
}

struct TrainOptions {
  std::string data;
  ModelOptions model;
  std::vector<std::string> overrides;
  std::string config_file;
  std::string out;
  std::string device = "cpu";
  bool resume = false;
  std::string init_from;
  DataOptions data_options;
  DistributedOptions distributed;
};

// What the ranks other than 0 report: nothing (rank 0 prints the run's global figures).
class QuietObserver : public TrainObserver {};

// Model keys go to the model config, everything else to the train config; max_len is
// both the truncation length and the size of the position table.
void apply_overrides(const std::vector<std::string>& overrides, ModelConfig& model, TrainConfig& train) {
  const nlohmann::json model_keys = to_json(ModelConfig{});
  for (const auto& assignment : overrides) {
    const std::string key = assignment.substr(0, assignment.find('='));
    if (key == "max_len") {
      apply_override(model, assignment);
      apply_override(train, assignment);
    } else if (model_keys.contains(key)) {
      apply_override(model, assignment);
    } else {
      apply_override(train, assignment);
    }
  }
}

// A JSON file with "model" and/or "train" objects (the keys of --set, nested as in a
// checkpoint's config.json) replaces the preset's values.
void read_config_file(const std::string& path, ModelConfig& model, TrainConfig& train) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read the settings file", path);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not valid JSON: ") + e.what(), path);
  }
  if (!j.is_object()) throw Error("expected a JSON object with \"model\" and/or \"train\"", path);
  if (j.contains("model")) model = model_config_from_json(j.at("model"), model);
  if (j.contains("train")) train = train_config_from_json(j.at("train"), train);
}

int run_train(const TrainOptions& o) {
  prepare_runtime();
  const torch::Device device = parse_device(o.device);
  namespace fs = std::filesystem;
  ModelConfig model_config;
  TrainConfig train_config;
  std::string data_spec = o.data;
  std::unique_ptr<Tokenizer> tokenizer;
  std::optional<std::vector<std::string>> labels;
  fs::path init_dir;
  if (o.resume && !o.config_file.empty()) {
    throw Error("--config cannot be combined with --resume (the run's settings are in its checkpoint)", "fastformer train",
                "use --set to change a setting on resume");
  }
  if (o.resume) {
    TrainedModel last = load_trained_model(fs::path(o.out) / "last");
    model_config = last.checkpoint.contents.config;
    train_config = last.train;
    if (data_spec.empty()) data_spec = last.data;
    tokenizer = std::move(last.tokenizer);
    labels = last.checkpoint.contents.labels;
    apply_overrides(o.overrides, model_config, train_config);  // e.g. more epochs
  } else if (!o.init_from.empty()) {
    TrainedModel start = load_trained_model(o.init_from);
    init_dir = start.dir;
    model_config = start.checkpoint.contents.config;
    train_config = start.train;
    tokenizer = std::move(start.tokenizer);
    labels = start.checkpoint.contents.labels;
    apply_overrides(o.overrides, model_config, train_config);
  } else {
    if (data_spec.empty()) throw Error("--data is required (or --resume an earlier run)", "fastformer train");
    model_config = o.model.config();
    if (!o.config_file.empty()) read_config_file(o.config_file, model_config, train_config);
    apply_overrides(o.overrides, model_config, train_config);
  }
  train_config.validate();

  std::shared_ptr<Communicator> communicator;
  if (o.distributed.enabled) {
    const DistributedConfig dist = o.distributed.config();
    dist.validate();
    communicator = Communicator::connect(dist);
  }
  const bool primary = !communicator || communicator->rank() == 0;

  ConsoleProgress progress({});
  QuietObserver quiet;
  TrainObserver& observer = primary ? static_cast<TrainObserver&>(progress) : quiet;
  TrainingData data = prepare_training_data(data_spec, o.data_options.to_read_options(), train_config, observer,
                                            std::move(tokenizer), labels);
  progress.set_labels(data.labels);
  const std::vector<std::string> label_names = data.labels;
  Trainer trainer(model_config, train_config, std::move(data), o.out, device, o.resume, communicator);
  if (!init_dir.empty()) trainer.load_weights(init_dir);
  std::int64_t parameters = 0;
  for (const auto& p : trainer.model()->parameters()) parameters += p.numel();
  if (primary) std::cerr << (o.resume ? "resuming " : "training ") << model_name(trainer.model()->config().attention) << " (" << to_string(trainer.model()->config().attention)
            << " attention, " << parameters << " parameters) for " << trainer.total_steps() << " steps on "
            << o.device << " with " << at::get_num_threads() << " threads"
            << (communicator ? ", " + std::to_string(communicator->world_size()) + " ranks (global batch " +
                                   std::to_string(train_config.batch_size) + ")"
                             : std::string())
            << "\n";

  std::signal(SIGINT, on_interrupt);
  stop_with_parent();
  const TrainResult result = trainer.run(observer, g_stop);
  std::signal(SIGINT, SIG_DFL);

  if (result.diverged || result.lost_peer) throw Error(result.reason, "fastformer train");
  if (!primary) return result.stop_requested ? 130 : 0;
  if (result.test) std::cout << "test split (best checkpoint):\n" << format_metrics(*result.test, label_names);
  std::cout << "best checkpoint: " << (fs::path(o.out) / "best").string() << "\n";
  if (g_stop.load()) {
    std::cout << "stopped; continue with: fastformer train --resume --out " << o.out << "\n";
    return 130;
  }
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  auto* cmd = app.add_subcommand("train", "Train a model on a dataset (file, directory or synthetic:<task>)");
  cmd->add_option("--data", o->data, "TSV/CSV/JSONL file, split directory, class folders or synthetic:needle?length=4096");
  add_model_options(*cmd, o->model);
  cmd->add_option("--set", o->overrides,
                  "key=value for the model (hidden, heads, layers, …) or training (lr, epochs, batch_size, max_len, "
                  "time_budget_s, eval_every, patience, tokenizer.kind, …); repeatable");
  cmd->add_option("--config", o->config_file,
                  "JSON file with \"model\" and/or \"train\" settings over the preset (--set applies after)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out, "Run directory (best/, last/, metrics.jsonl)")->required();
  cmd->add_flag("--resume", o->resume, "Continue the run saved in --out");
  cmd->add_option("--init-from", o->init_from,
                  "Start from this checkpoint's weights, tokenizer and labels (fine-tuning, length curriculum)")
      ->excludes("--resume");
  cmd->add_option("--device", o->device, "cpu | cuda | cuda:N")->capture_default_str();
  add_data_options(*cmd, o->data_options);
  add_distributed_options(*cmd, o->distributed);
  cmd->callback([o] { global_options().exit_status = run_train(*o); });
}

}  // namespace fastformer::cli
