// Folder-per-class reader: root/<label>/*.txt (or files without extension), one example
// per file, labelled by its subdirectory, in path order so every run sees the same order.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "fastformer/error.h"
#include "fastformer/utf8.h"
#include "data/readers.h"

namespace fs = std::filesystem;

namespace fastformer::detail {
namespace {

bool hidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name.front() == '.';
}

bool is_text_name(const fs::path& path) {
  const std::string ext = lower_ascii(path.extension().string());
  return ext.empty() || ext == ".txt";
}

}  // namespace

void read_folder(const std::string& root, RowSink& sink) {
  std::vector<fs::path> classes;
  for (const fs::directory_entry& entry : fs::directory_iterator(root)) {
    if (entry.is_directory() && !hidden(entry.path())) classes.push_back(entry.path());
  }
  if (classes.empty()) {
    throw Error("has no class subdirectories", root, "expected root/<label>/*.txt, one subdirectory per label");
  }

  std::vector<std::pair<fs::path, std::string>> files;  // (file, label)
  for (const fs::path& dir : classes) {
    const std::string label = dir.filename().string();
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file() && !hidden(entry.path()) && is_text_name(entry.path())) {
        files.emplace_back(entry.path(), label);
      }
    }
  }
  std::sort(files.begin(), files.end());

  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  for (auto& [file, label] : files) {
    const std::string where = file.string();
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      sink.reject(where, "cannot open", "check the file's permissions");
      continue;
    }
    // One file is one document, so it is read whole.
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) {
      sink.reject(where, "read error");
      continue;
    }
    if (looks_binary(text)) {
      sink.reject(where, "looks binary, not text", "class folders should hold UTF-8 .txt files only");
      continue;
    }
    if (text.compare(0, kBom.size(), kBom) == 0) text.erase(0, kBom.size());
    sink.add(std::move(label), std::move(text), where);
  }
}

}  // namespace fastformer::detail
