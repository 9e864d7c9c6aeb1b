// Saving and restoring the optimiser, counters and random state for exact resumes.
#include "train/train_state.h"

#include "fastformer/error.h"

#include <torch/torch.h>

#include <fstream>

namespace fastformer {
namespace fs = std::filesystem;

nlohmann::json to_json(const TrainCounters& c) {
  return {{"step", c.step},
          {"epoch", c.epoch},
          {"batch_in_epoch", c.batch_in_epoch},
          {"best_accuracy", c.best_accuracy},
          {"best_loss", c.best_loss},
          {"evals_since_best", c.evals_since_best},
          {"elapsed_s", c.elapsed_s},
          {"tokens_seen", c.tokens_seen}};
}

TrainCounters train_counters_from_json(const nlohmann::json& j) {
  TrainCounters c;
  c.step = j.at("step").get<std::int64_t>();
  c.epoch = j.at("epoch").get<std::int64_t>();
  c.batch_in_epoch = j.at("batch_in_epoch").get<std::int64_t>();
  c.best_accuracy = j.at("best_accuracy").get<double>();
  c.best_loss = j.at("best_loss").get<double>();
  c.evals_since_best = j.at("evals_since_best").get<std::int64_t>();
  c.elapsed_s = j.at("elapsed_s").get<double>();
  c.tokens_seen = j.value("tokens_seen", std::int64_t{0});  // absent in states saved before it was kept
  return c;
}

void save_train_state(const fs::path& dir, const TrainCounters& counters, torch::optim::Optimizer& optimizer) {
  std::ofstream(dir / "train_state.json") << to_json(counters).dump(2) << "\n";
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  archive.write("cpu_rng_state", at::detail::getDefaultCPUGenerator().get_state());
  archive.save_to((dir / "train_state.pt").string());
}

TrainCounters load_train_state(const fs::path& dir, torch::optim::Optimizer& optimizer) {
  const fs::path json_path = dir / "train_state.json";
  std::ifstream in(json_path);
  if (!in) throw Error("no training state to resume from", json_path.string(), "was this run saved by fastformer train?");
  TrainCounters counters;
  try {
    counters = train_counters_from_json(nlohmann::json::parse(in));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("unreadable training state: ") + e.what(), json_path.string());
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from((dir / "train_state.pt").string());
    optimizer.load(archive);
    torch::Tensor rng;
    archive.read("cpu_rng_state", rng);
    at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle to the global one
    generator.set_state(rng);
  } catch (const c10::Error& e) {
    const std::string what = e.what();
    throw Error("unreadable optimizer state: " + what.substr(0, what.find('\n')), (dir / "train_state.pt").string());
  }
  return counters;
}

}  // namespace fastformer
