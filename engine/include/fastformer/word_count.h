// How many tokens the word tokenizer makes of a text (before its vocabulary: every
// alphanumeric run and every other symbol is one), without building a tokenizer: what a
// document's length is in the units of `max_len` for the default tokenizer.
#pragma once

#include <cstdint>
#include <string_view>

namespace fastformer {

std::int64_t word_token_count(std::string_view text);

}  // namespace fastformer
