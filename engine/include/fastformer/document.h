// A document to inspect, read from a file: the text a person would read, as valid UTF-8.
// Its readers (plain text, HTML, e-mail, JSON) are in engine/text/document.cpp.
#pragma once

#include <string>

namespace fastformer {

struct Document {
  std::string text;    // valid UTF-8 (invalid bytes replaced by U+FFFD)
  std::string source;  // the path it was read from
};

// .txt/.md as is; .html/.htm with tags stripped (script/style content dropped, entities
// &amp; &lt; &gt; &quot; &apos; &nbsp; &#NN; &#xNN; decoded); .eml the raw mail text;
// .json/.jsonl the "text" field of the (first) object. Throws fastformer::Error naming the
// file for a missing, empty or binary (NUL bytes) file, or JSON without a "text" string.
Document read_document(const std::string& path);

}  // namespace fastformer
