// Reading one document to inspect: plain text and Markdown as they are, HTML with tags
// stripped and entities decoded, e-mail as raw text, JSON/JSONL by its "text" field.
#include "fastformer/document.h"

#include "fastformer/error.h"
#include "fastformer/utf8.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fastformer {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Appends the character an entity names (&amp; &#233; &#xE9; …), or the entity unchanged.
std::size_t decode_entity(std::string_view html, std::size_t pos, std::string& out) {
  const std::size_t semi = html.find(';', pos);
  if (semi == std::string_view::npos || semi - pos > 10) {
    out += '&';
    return pos + 1;
  }
  const std::string name(html.substr(pos + 1, semi - pos - 1));
  static const std::pair<const char*, char32_t> kNamed[] = {
      {"amp", U'&'}, {"lt", U'<'}, {"gt", U'>'}, {"quot", U'"'}, {"apos", U'\''}, {"nbsp", U'\u00A0'}};
  for (const auto& [entity, cp] : kNamed) {
    if (name == entity) {
      append_utf8(out, cp);
      return semi + 1;
    }
  }
  if (name.size() > 1 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string digits = name.substr(hex ? 2 : 1);
    const bool valid = !digits.empty() && std::all_of(digits.begin(), digits.end(), [hex](unsigned char c) {
      return hex ? std::isxdigit(c) != 0 : std::isdigit(c) != 0;
    });
    if (valid) {
      const unsigned long cp = std::stoul(digits, nullptr, hex ? 16 : 10);
      const bool ok = cp > 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
      append_utf8(out, ok ? static_cast<char32_t>(cp) : U'\uFFFD');
      return semi + 1;
    }
  }
  out += '&';
  return pos + 1;
}

// Text of an HTML page: tags removed (block tags become line breaks), <script>/<style>
// content and comments dropped, entities decoded.
std::string strip_html(std::string_view html) {
  std::string out;
  std::size_t pos = 0;
  while (pos < html.size()) {
    const char c = html[pos];
    if (c == '&') {
      pos = decode_entity(html, pos, out);
      continue;
    }
    if (c != '<') {
      out += c;
      ++pos;
      continue;
    }
    if (html.compare(pos, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", pos + 4);
      pos = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    const std::size_t close = html.find('>', pos);
    if (close == std::string_view::npos) {
      out.append(html.substr(pos));
      break;
    }
    std::string tag = lower(std::string(html.substr(pos + 1, close - pos - 1)));
    const std::size_t name_end = tag.find_first_of(" \t\r\n/", tag[0] == '/' ? 1 : 0);
    const std::string name = tag.substr(0, name_end);
    pos = close + 1;
    if (name == "script" || name == "style") {
      const std::string lowered = lower(std::string(html.substr(pos)));
      const std::size_t end = lowered.find("</" + name);
      const std::size_t gt = end == std::string::npos ? std::string_view::npos : html.find('>', pos + end);
      pos = gt == std::string_view::npos ? html.size() : gt + 1;
      continue;
    }
    static const char* kBlocks[] = {"p", "/p", "br", "div", "/div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                                    "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "title", "/title"};
    if (std::find(std::begin(kBlocks), std::end(kBlocks), name) != std::end(kBlocks) && !out.empty() &&
        out.back() != '\n') {
      out += '\n';
    }
  }
  return out;
}

std::string json_text(const std::string& content, const std::string& path) {
  std::string first = content;
  const auto parse = [&](const std::string& s) { return nlohmann::json::parse(s, nullptr, false); };
  nlohmann::json j = parse(content);
  if (j.is_discarded()) {  // JSON Lines: the first non-blank line
    std::istringstream lines(content);
    for (std::string line; std::getline(lines, line);) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      j = parse(line);
      break;
    }
  }
  if (j.is_array() && !j.empty()) j = j.front();
  if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j.at("text").is_string()) {
    throw Error("has no JSON object with a \"text\" string", path,
                "expected {\"text\": \"...\"} (JSON, or JSON Lines with the document on the first line)");
  }
  return j.at("text").get<std::string>();
}

}  // namespace

Document read_document(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(std::filesystem::is_directory(path) ? "is a folder, not a document" : "cannot open", path,
                "check the path");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string raw = buffer.str();
  if (raw.empty()) throw Error("is empty", path, "a document needs some text");
  if (looks_binary(raw)) {
    throw Error("looks binary, not text", path,
                "expected a UTF-8 .txt, .md, .html, .eml or .json document (UTF-16 must be saved as UTF-8)");
  }
  static const std::string kBom = "\xEF\xBB\xBF";
  if (raw.compare(0, kBom.size(), kBom) == 0) raw.erase(0, kBom.size());
  std::string text = repair_utf8(raw);
  const std::string ext = lower(std::filesystem::path(path).extension().string());
  if (ext == ".html" || ext == ".htm") {
    text = repair_utf8(strip_html(text));
  } else if (ext == ".json" || ext == ".jsonl") {
    text = json_text(text, path);
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error("has no text to inspect", path, "a document needs some text besides whitespace and markup");
  }
  return {std::move(text), path};
}

}  // namespace fastformer
