// Where the SentencePiece plugin (the subword tokenizers' backend) was loaded from, or why it
// could not be: for `fastformer info` and an installed application's checks.
#pragma once

#include <string>

namespace fastformer {

struct SubwordPlugin {
  bool loaded = false;
  std::string location;  // the plugin's path when loaded, else why not
};

// Loads the plugin once per process (as the first subword tokenizer would) and reports it.
SubwordPlugin subword_plugin();

}  // namespace fastformer
