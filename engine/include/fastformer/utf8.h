// UTF-8 helpers: repair invalid input, iterate code points, Unicode lower-casing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fastformer {

// Returns `text` with every invalid UTF-8 sequence replaced by U+FFFD; adds the number of
// replacements to `*replaced` when given.
std::string repair_utf8(std::string_view text, std::int64_t* replaced = nullptr);

// Decodes the code point starting at `pos` of valid UTF-8 and advances `pos` past it.
char32_t next_code_point(std::string_view text, std::size_t& pos);

// Appends the UTF-8 encoding of `cp`.
void append_utf8(std::string& out, char32_t cp);

// True when the buffer looks binary (NUL bytes in its first 8 KiB).
bool looks_binary(std::string_view head);

}  // namespace fastformer
