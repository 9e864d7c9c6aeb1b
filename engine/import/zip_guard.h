// A check of a zip archive's central directory before LibTorch's reader opens it: that
// reader allocates each record's declared size before it reads a byte, so a damaged or
// hostile file of a few bytes that declares a 4 GB record would allocate 4 GB.
#pragma once

#include <filesystem>

namespace fastformer {

// Throws fastformer::Error (where = the path) when an entry declares more bytes than the
// file can hold: stored entries no more than the file, deflated ones no more than deflate's
// 1032:1 limit of their compressed size. An archive whose directory cannot be found is
// left to LibTorch's reader, which reports it.
void check_zip_sizes(const std::filesystem::path& path);

}  // namespace fastformer
