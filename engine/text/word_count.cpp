#include "fastformer/word_count.h"

#include "text/word_tokenizer.h"

namespace fastformer {

std::int64_t word_token_count(std::string_view text) {
  return static_cast<std::int64_t>(split_words(text, /*lowercase=*/false).size());
}

}  // namespace fastformer
