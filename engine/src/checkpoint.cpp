// Checkpoint directory save/load with an atomic rename and strict parameter matching.
#include "fastformer/checkpoint.h"

#include "fastformer/error.h"

#include <torch/torch.h>

#include <fstream>
#include <set>
#include <unistd.h>

namespace fastformer {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFormatName = "fastformer-studio-checkpoint";

void write_text_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw Error("could not write file", path.string(), "check free disk space and permissions");
}

fs::path sibling(const fs::path& dir, const std::string& tag) {
  return dir.parent_path() / ("." + dir.filename().string() + "." + tag + "-" + std::to_string(::getpid()));
}

}  // namespace

NamedTensors parameters_for_saving(Model& model) {
  NamedTensors out;
  for (const auto& item : model->named_parameters(/*recurse=*/true)) {
    out.emplace_back(item.key(), item.value().detach().to(torch::kCPU).contiguous());
  }
  return out;
}

void load_parameters(Model& model, const NamedTensors& tensors, const std::string& where) {
  auto params = model->named_parameters(/*recurse=*/true);
  std::set<std::string> seen;
  torch::NoGradGuard no_grad;
  for (const auto& [name, value] : tensors) {
    torch::Tensor* target = params.find(name);
    if (target == nullptr) {
      throw Error("unexpected tensor '" + name + "' that this model config has no parameter for", where,
                  "the weights do not match config.json");
    }
    if (target->sizes() != value.sizes()) {
      throw Error("tensor '" + name + "' has shape " + c10::str(value.sizes()) + ", the model expects " +
                      c10::str(target->sizes()),
                  where);
    }
    target->copy_(value);
    seen.insert(name);
  }
  for (const auto& item : params) {
    if (!seen.count(item.key())) throw Error("missing tensor '" + item.key() + "'", where);
  }
}

void save_checkpoint(const fs::path& dir, Model& model, const std::vector<std::string>& labels,
                     const nlohmann::json& extra, const CheckpointExtras& write_more) {
  if (static_cast<std::int64_t>(labels.size()) != model->config().classes) {
    throw Error(std::to_string(labels.size()) + " label names for " + std::to_string(model->config().classes) +
                    " classes",
                dir.string());
  }
  const fs::path target = fs::absolute(dir).lexically_normal();
  const fs::path tmp = sibling(target, "tmp");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp);
  try {
    nlohmann::json config = extra.is_object() ? extra : nlohmann::json::object();
    if (write_more) {
      const nlohmann::json more = write_more(tmp);
      if (more.is_object()) config.update(more);
    }
    config["format"] = kFormatName;
    config["format_version"] = kCheckpointFormatVersion;
    config["model"] = to_json(model->config());
    config["labels"] = labels;
    write_text_file(tmp / "config.json", config.dump(2) + "\n");
    save_safetensors((tmp / "model.safetensors").string(), parameters_for_saving(model),
                     {{"format", kFormatName}});
    // A directory cannot be renamed over a non-empty one: move the old one aside first,
    // so at every instant `dir` is either the old or the new complete checkpoint.
    const fs::path old = sibling(target, "old");
    fs::remove_all(old, ec);
    if (fs::exists(target)) fs::rename(target, old);
    fs::rename(tmp, target);
    fs::remove_all(old, ec);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp, ec);
    throw Error(e.what(), dir.string(), "check free disk space and permissions");
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

CheckpointContents read_checkpoint_config(const fs::path& dir) {
  const fs::path path = dir / "config.json";
  std::ifstream in(path);
  if (!in) throw Error("cannot open checkpoint config", path.string(), "is this a checkpoint directory?");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error("config.json is not a JSON object", path.string());
  if (j.value("format", "") != kFormatName) throw Error("not a Fastformer Studio checkpoint", path.string());
  const int version = j.value("format_version", -1);
  if (version != kCheckpointFormatVersion) {
    throw Error("checkpoint format version " + std::to_string(version) + " is not supported (this build reads " +
                    std::to_string(kCheckpointFormatVersion) + ")",
                path.string());
  }
  CheckpointContents out;
  if (!j.contains("model")) throw Error("config.json has no \"model\" object", path.string());
  try {
    out.config = model_config_from_json(j.at("model"));
    out.config.validate();
    out.labels = j.value("labels", std::vector<std::string>{});
  } catch (const Error& e) {
    throw Error(e.what(), path.string());
  } catch (const nlohmann::json::exception& e) {
    throw Error(e.what(), path.string());
  }
  if (static_cast<std::int64_t>(out.labels.size()) != out.config.classes) {
    throw Error("has " + std::to_string(out.labels.size()) + " label names for " +
                    std::to_string(out.config.classes) + " classes",
                path.string());
  }
  for (const auto& key : {"format", "format_version", "model", "labels"}) j.erase(key);
  out.extra = std::move(j);
  return out;
}

LoadedCheckpoint load_checkpoint(const fs::path& dir) {
  LoadedCheckpoint out;
  out.contents = read_checkpoint_config(dir);
  out.model = Model(out.contents.config);
  const fs::path weights = dir / "model.safetensors";
  load_parameters(out.model, load_safetensors(weights.string()).tensors, weights.string());
  out.model->eval();
  return out;
}

std::vector<std::string> default_labels(std::int64_t classes) {
  std::vector<std::string> labels;
  for (std::int64_t c = 0; c < classes; ++c) labels.push_back(std::to_string(c));
  return labels;
}

}  // namespace fastformer
