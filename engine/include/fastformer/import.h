// Importing models trained elsewhere: a PyTorch state_dict (torch.save's zip format) or a
// safetensors file, renamed by a name map (the authors' notebook built in, or a JSON map),
// with its vocabulary, written as an ordinary checkpoint (eval, predict, inspect,
// explain, fine-tuning with --init-from). See docs/import.md.
#pragma once

#include "fastformer/model_config.h"

#include <filesystem>
#include <string>
#include <vector>

namespace fastformer {

struct ImportOptions {
  std::filesystem::path from;          // torch.save(model.state_dict()) or .safetensors
  std::string map = "official";        // a built-in map's name or a JSON map file
  std::filesystem::path vocab;         // word_dict JSON (word → id) or vocab.txt
  std::filesystem::path config;        // optional: the source's JSON config (fastformer.json)
  std::vector<std::string> overrides;  // "key=value" model config settings, applied last
  std::vector<std::string> labels;     // class names; "0"…"C−1" when empty
  std::filesystem::path out;           // the checkpoint directory to write
};

struct ImportReport {
  ModelConfig config;             // the imported model's
  std::int64_t tensors = 0;       // source tensors read (all of them used)
  std::int64_t vocab_words = 0;   // entries of the vocabulary, padding included
  std::vector<std::string> notes;  // what was inferred and from where, one line each
};

// Reads, checks and writes. Throws fastformer::Error for a bad file or map; when tensors
// do not fit, its problem lists one line per tensor, named as the source names it
// (missing, unused, or "shape [256, 128], expected [256, 256] for hidden 256").
ImportReport import_model(const ImportOptions& options);

// The JSON text of a built-in name map ("official"), the starting point for writing one.
std::string builtin_map_json(const std::string& name);

}  // namespace fastformer
