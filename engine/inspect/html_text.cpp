// Token spans as coloured HTML.
#include "inspect/html_text.h"

#include <cstdio>
#include <sstream>

namespace fastformer {

std::string escape_html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string hex_colour(std::uint32_t rgb) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "#%06x", static_cast<unsigned>(rgb & 0xffffffu));
  return hex;
}

std::string format_number(double value) {
  char out[32];
  std::snprintf(out, sizeof out, "%.4g", value);
  return out;
}

std::string shaded_text_html(const std::string& text, const std::vector<InspectToken>& tokens,
                             const std::function<std::uint32_t(std::int64_t)>& colour,
                             const std::function<std::string(std::int64_t)>& title, bool cut) {
  std::ostringstream html;
  const std::string_view all(text);
  std::int64_t pos = 0;
  const auto size = static_cast<std::int64_t>(text.size());
  for (std::size_t k = 0; k < tokens.size(); ++k) {
    const InspectToken& t = tokens[k];
    if (t.end <= t.begin || t.begin < pos || t.end > size) continue;
    const auto i = static_cast<std::int64_t>(k);
    html << escape_html(all.substr(pos, t.begin - pos)) << "<span class=\"t\" data-token=\"" << i
         << "\" style=\"background:" << hex_colour(colour(i)) << "\" title=\"" << escape_html(title(i)) << "\">"
         << escape_html(all.substr(t.begin, t.end - t.begin)) << "</span>";
    pos = t.end;
  }
  if (pos < size) {
    html << escape_html(all.substr(pos, cut ? 0 : size - pos));
    if (cut) html << "<i> [… not inspected]</i>";
  }
  return html.str();
}

}  // namespace fastformer
