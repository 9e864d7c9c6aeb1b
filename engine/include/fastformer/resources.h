// Files the application ships (resources/: the demo model, sample documents): found
// beside an installed binary (PREFIX/share/fastformer-studio), in the source tree of a
// build, or under $FF_RESOURCES.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace fastformer {

// `relative` (e.g. "models/demo") under the first resource folder that has it.
std::optional<std::filesystem::path> find_resource(const std::string& relative);

// What a --checkpoint argument names: `path` itself when it exists, else a shipped
// model of that name (resources/models/NAME, e.g. "demo"), else `path` unchanged (so
// the caller's error names what the user typed).
std::filesystem::path resolve_model_path(const std::filesystem::path& path);

}  // namespace fastformer
