// What the fuzz targets share: a scratch folder for the files one input becomes, the checks
// a target makes on what a parser returned, and splitting one input into parts.
#pragma once

#include "fastformer/error.h"
#include "fastformer/utf8.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace fastformer::fuzz {

namespace fs = std::filesystem;

// A check on a parser's result failed: not a fastformer::Error, so it reaches the fuzzer
// (an uncaught exception is a crash there) and fails the regression test.
struct Finding : std::logic_error {
  using std::logic_error::logic_error;
};

inline void expect(bool ok, const std::string& what) {
  if (!ok) throw Finding("fuzz check failed: " + what);
}

inline bool valid_utf8(std::string_view text) { return repair_utf8(text) == text; }

// The parsers read files, as the command line and the Studio do. The folder lives in
// FF_FUZZ_SCRATCH, else /dev/shm (memory, fast), else the temporary directory; one per
// process, removed when the process ends normally.
class Scratch {
 public:
  static const fs::path& root() {
    static Scratch scratch;
    return scratch.root_;
  }
  // An empty folder for the next input.
  static fs::path fresh() {
    const fs::path dir = root() / "in";
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
  }

 private:
  Scratch() {
    std::error_code ec;
    fs::path base = fs::temp_directory_path(ec);
    if (const char* env = std::getenv("FF_FUZZ_SCRATCH"); env != nullptr && *env != '\0') {
      base = env;
    } else if (fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) {
      base = "/dev/shm";
    }
    root_ = base / ("ff-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(root_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  fs::path root_;
};

inline void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Reads and removes the first byte: option bits for the target (0 when the input is empty).
inline std::uint8_t take_flags(std::string_view& data) {
  if (data.empty()) return 0;
  const auto flags = static_cast<std::uint8_t>(data.front());
  data.remove_prefix(1);
  return flags;
}

// Two parts: a 2-byte little-endian length, that many bytes (fewer when the input is
// shorter), then the rest. A length field lets mutations of one part leave the other whole.
inline std::pair<std::string_view, std::string_view> split_two(std::string_view data) {
  std::size_t length = 0;
  if (data.size() >= 2) {
    length = static_cast<unsigned char>(data[0]) | (static_cast<std::size_t>(static_cast<unsigned char>(data[1])) << 8);
    data.remove_prefix(2);
  } else {
    data = {};
  }
  length = std::min(length, data.size());
  return {data.substr(0, length), data.substr(length)};
}

}  // namespace fastformer::fuzz
