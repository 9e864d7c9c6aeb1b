// Locating the shipped resources: $FF_RESOURCES, the install prefix, the source tree.
#include "fastformer/resources.h"

#include <cstdlib>
#include <vector>

namespace fastformer {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> resource_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("FF_RESOURCES"); env != nullptr && *env != '\0') dirs.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share" / "fastformer-studio");  // PREFIX/bin/…
#ifdef FF_SOURCE_RESOURCES
  dirs.emplace_back(FF_SOURCE_RESOURCES);  // a build tree: the checkout's resources/
#endif
  return dirs;
}

}  // namespace

std::optional<fs::path> find_resource(const std::string& relative) {
  for (const fs::path& dir : resource_dirs()) {
    std::error_code ec;
    if (fs::exists(dir / relative, ec)) return dir / relative;
  }
  return std::nullopt;
}

fs::path resolve_model_path(const fs::path& path) {
  std::error_code ec;
  if (path.empty() || fs::exists(path, ec) || path.has_parent_path()) return path;
  if (const auto shipped = find_resource("models/" + path.string())) return *shipped;
  return path;
}

}  // namespace fastformer
