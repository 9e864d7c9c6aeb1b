// Reports written through a temporary file and a rename.
#include "output_file.h"

#include "fastformer/error.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fastformer::cli {

void write_output_file(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".partial";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file << content;
    file.close();
    if (!file) {
      std::remove(temporary.c_str());
      throw Error("cannot write", path, "check that the folder exists and is writable");
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::remove(temporary.c_str());
    throw Error("cannot write (" + error.message() + ")", path);
  }
}

}  // namespace fastformer::cli
