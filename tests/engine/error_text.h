// The message a callable throws as fastformer::Error ("no error" when it throws nothing),
// for tests that check what an error says.
#pragma once

#include "fastformer/error.h"

#include <functional>
#include <string>

namespace fastformer::testing {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace fastformer::testing
