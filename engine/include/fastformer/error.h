// The one exception type the engine throws: what went wrong, where, and a hint to fix it.
#pragma once

#include <stdexcept>
#include <string>

namespace fastformer {

class Error : public std::runtime_error {
 public:
  // what: the problem; where: file:line, config key or tensor name; hint: how to fix it.
  Error(std::string what, std::string where = {}, std::string hint = {});

  const std::string& problem() const { return problem_; }
  const std::string& where() const { return where_; }
  const std::string& hint() const { return hint_; }

 private:
  std::string problem_;
  std::string where_;
  std::string hint_;
};

}  // namespace fastformer
