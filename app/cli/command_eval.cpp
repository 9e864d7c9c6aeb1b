// `fastformer eval`: accuracy, macro-F1 and the confusion matrix of a trained checkpoint
// on a split of a dataset (by default the test split of the data it was trained on).
#include "commands.h"
#include "data_options.h"

#include "fastformer/error.h"
#include "fastformer/evaluate.h"
#include "fastformer/runtime.h"
#include "fastformer/training_data.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace fastformer::cli {
namespace {

struct EvalOptions {
  std::string checkpoint;
  std::string data;
  std::string split = "test";
  std::string device = "cpu";
  bool json = false;
  DataOptions data_options;
};

void run_eval(const EvalOptions& o) {
  prepare_runtime();
  const torch::Device device = parse_device(o.device);
  TrainedModel trained = load_trained_model(o.checkpoint);
  const std::string spec = o.data.empty() ? trained.data : o.data;
  if (spec.empty()) throw Error("--data is required: the checkpoint does not name its data", "fastformer eval");
  ReadOptions read = o.data_options.to_read_options();
  read.known_labels = trained.checkpoint.contents.labels;
  // The same split rule as training, so "test" is the part training never saw.
  const DataSplits splits = load_splits(
      spec, read, SplitOptions{trained.train.split_seed, trained.train.valid_fraction, trained.train.test_fraction});
  const std::vector<Example> examples = select_split(splits, o.split);
  if (examples.empty()) throw Error("the " + o.split + " split is empty", spec);
  const auto& labels = trained.checkpoint.contents.labels;
  const std::int64_t max_len = std::min(trained.train.max_len, trained.checkpoint.contents.config.sequence_capacity());
  const EncodedSplit encoded = encode_split(*trained.tokenizer, examples, labels, max_len);
  Model model = trained.checkpoint.model;
  model->to(device);
  const ClassificationMetrics metrics = evaluate(model, encoded, trained.train.batch_size, device);
  if (o.json) {
    nlohmann::json out = to_json(metrics, labels);
    out["checkpoint"] = trained.dir.string();
    out["data"] = spec;
    out["split"] = o.split;
    out["truncated"] = encoded.truncated;
    out["bad_rows"] = splits.report.bad_rows;
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << trained.dir.string() << " on " << spec << " (" << o.split << " split)\n";
  if (splits.report.bad_rows > 0) std::cout << splits.report.bad_rows << " bad rows skipped\n";
  for (const auto& problem : splits.report.problems) std::cout << "  skipped: " << problem << "\n";
  if (encoded.truncated > 0) std::cout << encoded.truncated << " documents truncated to " << max_len << " tokens\n";
  std::cout << format_metrics(metrics, labels);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a trained checkpoint: accuracy, macro-F1, confusion matrix");
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint or run directory (uses its best/)")->required();
  cmd->add_option("--data", o->data, "Dataset spec (default: the data it was trained on)");
  cmd->add_option("--split", o->split, "test | valid | train | all")
      ->check(CLI::IsMember({"test", "valid", "train", "all"}))
      ->capture_default_str();
  cmd->add_option("--device", o->device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print the metrics as JSON");
  add_data_options(*cmd, o->data_options);
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace fastformer::cli
