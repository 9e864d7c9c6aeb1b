// Checkpoint directory save/load with an atomic swap and strict parameter matching.
#include "fastformer/checkpoint.h"

#include "fastformer/error.h"

#include <torch/torch.h>

#include <csignal>
#include <cstdio>
#include <fcntl.h>
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

fs::path sibling(const fs::path& dir, const std::string& tag, pid_t pid = ::getpid()) {
  return dir.parent_path() / ("." + dir.filename().string() + "." + tag + "-" + std::to_string(pid));
}

// The siblings ".NAME.TAG-PID" that a save killed midway left behind, with their pid.
std::vector<std::pair<fs::path, pid_t>> leftovers(const fs::path& dir, const std::string& tag) {
  std::vector<std::pair<fs::path, pid_t>> out;
  const std::string prefix = "." + dir.filename().string() + "." + tag + "-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    try {
      out.emplace_back(entry.path(), static_cast<pid_t>(std::stol(name.substr(prefix.size()))));
    } catch (const std::exception&) {
    }
  }
  return out;
}

bool process_alive(pid_t pid) { return pid == ::getpid() || ::kill(pid, 0) == 0 || errno == EPERM; }

// Swaps two directories in one step (Linux renameat2): `target` is at every instant either
// the old or the new checkpoint. False where the file system cannot.
bool exchange(const fs::path& a, const fs::path& b) {
#ifdef RENAME_EXCHANGE
  return ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
#else
  (void)a;
  (void)b;
  return false;
#endif
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
  // Half-written copies of saves that were killed (their process is gone) are removed.
  for (const auto& [path, pid] : leftovers(target, "tmp")) {
    if (!process_alive(pid)) fs::remove_all(path, ec);
  }
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
    if (fs::exists(target) && exchange(tmp, target)) {
      fs::remove_all(tmp, ec);  // now the previous checkpoint
    } else {
      // A directory cannot be renamed over a non-empty one: without an atomic swap the old
      // one moves aside first; a save killed between the two renames leaves it there, and
      // loading falls back to it (existing_checkpoint).
      const fs::path old = sibling(target, "old");
      fs::remove_all(old, ec);
      if (fs::exists(target)) fs::rename(target, old);
      fs::rename(tmp, target);
      fs::remove_all(old, ec);
    }
    // The new checkpoint is in place: what killed saves moved aside is no longer needed.
    for (const auto& [path, pid] : leftovers(target, "old")) {
      if (!process_alive(pid)) fs::remove_all(path, ec);
    }
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp, ec);
    throw Error(e.what(), dir.string(), "check free disk space and permissions");
  } catch (const Error& e) {
    // Named by the checkpoint the user asked for, not the temporary copy that failed.
    fs::remove_all(tmp, ec);
    throw Error("could not save the checkpoint (" + e.problem() + "; the previous one is kept)", dir.string(),
                e.hint());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

fs::path existing_checkpoint(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "config.json", ec) || fs::exists(dir, ec)) return dir;
  const fs::path target = fs::absolute(dir).lexically_normal();
  for (const auto& [path, pid] : leftovers(target, "old")) {
    if (fs::exists(path / "config.json", ec) && fs::exists(path / "model.safetensors", ec)) return path;
  }
  return dir;
}

CheckpointContents read_checkpoint_config(const fs::path& requested) {
  const fs::path dir = existing_checkpoint(requested);
  const fs::path path = dir / "config.json";
  std::ifstream in(path);
  if (!in) throw Error("cannot open checkpoint config", path.string(), "is this a checkpoint directory?");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error("config.json is not a JSON object", path.string());
  // Looked up by hand: json::value() throws a json type_error for a field of another type.
  const auto format = j.find("format");
  if (format == j.end() || !format->is_string() || format->get<std::string>() != kFormatName) {
    throw Error("not a Fastformer Studio checkpoint", path.string());
  }
  const auto version = j.find("format_version");
  if (version == j.end() || !version->is_number_integer() || version->get<std::int64_t>() != kCheckpointFormatVersion) {
    throw Error("checkpoint format version " + (version == j.end() ? std::string("(none)") : version->dump()) +
                    " is not supported (this build reads " + std::to_string(kCheckpointFormatVersion) + ")",
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

LoadedCheckpoint load_checkpoint(const fs::path& requested) {
  const fs::path dir = existing_checkpoint(requested);
  LoadedCheckpoint out;
  out.contents = read_checkpoint_config(dir);
  const fs::path weights = dir / "model.safetensors";
  const SafetensorsFile file = load_safetensors(weights.string());
  // The weights are read first (their size is bounded by the file's) and counted, so a
  // config.json that claims a far larger model is refused before that model is allocated.
  const ModelConfig& c = out.contents.config;
  const double d = static_cast<double>(c.hidden);
  const double at_least = static_cast<double>(c.vocab_size) * d +
                          (c.position_embedding ? static_cast<double>(c.max_len) * d : 0.0) +
                          static_cast<double>(c.stored_layers()) * (2.0 * d * d + 2.0 * d * static_cast<double>(c.ffn)) +
                          static_cast<double>(c.classes) * d;  // token/position tables, query/output/FFN, classifier
  double held = 0.0;
  for (const auto& named : file.tensors) held += static_cast<double>(named.second.numel());
  if (at_least > held) {
    char count[32];
    std::snprintf(count, sizeof count, "%.0f", at_least);
    throw Error("config.json describes a model of at least " + std::string(count) + " parameters, but the file holds " +
                    std::to_string(static_cast<std::int64_t>(held)) + " values",
                weights.string(), "the weights do not match config.json");
  }
  out.model = Model(c);
  load_parameters(out.model, file.tensors, weights.string());
  out.model->eval();
  return out;
}

std::vector<std::string> default_labels(std::int64_t classes) {
  std::vector<std::string> labels;
  for (std::int64_t c = 0; c < classes; ++c) labels.push_back(std::to_string(c));
  return labels;
}

}  // namespace fastformer
