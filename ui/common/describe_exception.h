// The one place the Studio turns an exception into the line it shows the user: engine errors,
// LibTorch errors without their C++ backtrace, out-of-memory and anything else.
#pragma once

#include <QString>

#include <exception>

namespace fastformer::ui {

// fastformer::Error: its one-line form, "where: problem (hint)";
// c10::Error: the first line of its message, without the C++ backtrace;
// std::bad_alloc: "out of memory";
// any other std::exception: the first line of what(); "unknown error" where that is empty.
QString describeException(const std::exception& e);
// The same for an exception held as a pointer: with no argument, inside any catch block
// (catch (...) included), the one being handled. Not a std::exception: "unknown error".
QString describeException(std::exception_ptr error = std::current_exception());

}  // namespace fastformer::ui
