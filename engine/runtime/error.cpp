// Formats fastformer::Error as one line: "where: what (hint)".
#include "fastformer/error.h"

namespace fastformer {
namespace {

std::string format(const std::string& what, const std::string& where, const std::string& hint) {
  std::string line = where.empty() ? what : where + ": " + what;
  if (!hint.empty()) line += " (" + hint + ")";
  return line;
}

}  // namespace

Error::Error(std::string what, std::string where, std::string hint)
    : std::runtime_error(format(what, where, hint)),
      problem_(std::move(what)),
      where_(std::move(where)),
      hint_(std::move(hint)) {}

}  // namespace fastformer
