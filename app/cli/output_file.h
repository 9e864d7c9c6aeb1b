// Writing a report (JSON, CSV, HTML): whole or not at all, so a failed or interrupted run
// never leaves a half-written file where an earlier good one stood.
#pragma once

#include <string>

namespace fastformer::cli {

// Writes `content` to a temporary file beside `path`, then renames it over `path`. Throws
// fastformer::Error naming the path when either step fails.
void write_output_file(const std::string& path, const std::string& content);

}  // namespace fastformer::cli
