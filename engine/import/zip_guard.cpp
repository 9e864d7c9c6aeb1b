// The zip central directory (PKWARE APPNOTE 4.3.12, 4.3.14–16), read only for its sizes.
#include "import/zip_guard.h"

#include "fastformer/error.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>

namespace fastformer {
namespace {

std::uint64_t le(const std::string& b, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

std::string read_at(std::ifstream& in, std::uint64_t offset, std::uint64_t size) {
  std::string out(static_cast<std::size_t>(size), '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(out.data(), static_cast<std::streamsize>(size));
  out.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return out;
}

constexpr std::uint64_t kMaxDirectory = 64ull << 20;  // a state_dict's directory is KBs

}  // namespace

void check_zip_sizes(const std::filesystem::path& path) {
  const std::string where = path.string();
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) return;  // the reader reports what it cannot open
  // The end-of-directory record: its signature in the last 22 + 65,535 bytes.
  const std::uint64_t tail_size = std::min<std::uint64_t>(file_size, 22 + 65535);
  const std::string tail = read_at(in, file_size - tail_size, tail_size);
  std::size_t end = std::string::npos;
  for (std::size_t i = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; i-- > 0;) {
    if (le(tail, i, 4) == 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end == std::string::npos) return;
  std::uint64_t directory_size = le(tail, end + 12, 4), directory_offset = le(tail, end + 16, 4);
  if ((directory_size == 0xFFFFFFFF || directory_offset == 0xFFFFFFFF) && end >= 20 && le(tail, end - 20, 4) == 0x07064b50) {
    const std::string zip64 = read_at(in, le(tail, end - 20 + 8, 8), 56);  // the zip64 end record
    if (zip64.size() < 56 || le(zip64, 0, 4) != 0x06064b50) return;
    directory_size = le(zip64, 40, 8);
    directory_offset = le(zip64, 48, 8);
  }
  if (directory_size > kMaxDirectory || directory_offset > file_size || directory_size > file_size - directory_offset) {
    throw Error("the archive's directory lies outside the file", where, "the file is truncated or damaged");
  }
  const std::string dir = read_at(in, directory_offset, directory_size);
  for (std::size_t at = 0; at + 46 <= dir.size() && le(dir, at, 4) == 0x02014b50;) {
    const std::uint64_t method = le(dir, at + 10, 2), name = le(dir, at + 28, 2), extra = le(dir, at + 30, 2);
    std::uint64_t compressed = le(dir, at + 20, 4), size = le(dir, at + 24, 4);
    // Zip64: the sizes marked 0xFFFFFFFF follow in the extra field 0x0001, size first.
    for (std::size_t e = at + 46 + name; e + 4 <= std::min<std::size_t>(dir.size(), at + 46 + name + extra);) {
      const std::uint64_t id = le(dir, e, 2), length = le(dir, e + 2, 2);
      if (id == 0x0001) {
        std::size_t field = e + 4;
        if (size == 0xFFFFFFFF && field + 8 <= dir.size()) size = le(dir, field, 8), field += 8;
        if (compressed == 0xFFFFFFFF && field + 8 <= dir.size()) compressed = le(dir, field, 8);
      }
      e += 4 + length;
    }
    const bool fits = compressed <= file_size && (method == 0 ? size <= file_size : size / 1032 <= compressed + 1);
    if (!fits) {
      throw Error("a record declares " + std::to_string(size) + " bytes in a file of " + std::to_string(file_size), where,
                  "the file is truncated or damaged");
    }
    at += 46 + name + extra + le(dir, at + 32, 2);
  }
}

}  // namespace fastformer
