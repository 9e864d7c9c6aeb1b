// A document's text as HTML with each token's bytes in a coloured <span>, shared by the
// inspection report (inspect --html) and the explanation report (explain --html).
#pragma once

#include "fastformer/inspect.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fastformer {

std::string escape_html(std::string_view text);
std::string hex_colour(std::uint32_t rgb);  // "#rrggbb"
std::string format_number(double value);    // 4 significant digits

// The text, each token t (bytes [begin,end)) in <span class="t" data-token="i"
// style="background:colour(i)" title="title(i)">; tokens that overlap the previous one or
// lie outside the text are left unshaded. `cut`: the text after the last token was not read
// by the model (truncated) and is replaced by a note.
std::string shaded_text_html(const std::string& text, const std::vector<InspectToken>& tokens,
                             const std::function<std::uint32_t(std::int64_t)>& colour,
                             const std::function<std::string(std::int64_t)>& title, bool cut = false);

}  // namespace fastformer
