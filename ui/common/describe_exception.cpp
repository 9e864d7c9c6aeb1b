// describeException: one user-facing line from any exception the engine or LibTorch throws.
#include "fastformer/error.h"

#include <c10/util/Exception.h>

#include "common/describe_exception.h"

#include <QStringList>

#include <new>

namespace fastformer::ui {
namespace {

// The first non-empty line, trimmed: LibTorch messages carry context lines after it.
QString firstLine(const char* text) {
  for (const QString& line : QString::fromUtf8(text).split(QLatin1Char('\n'))) {
    if (!line.trimmed().isEmpty()) return line.trimmed();
  }
  return QStringLiteral("unknown error");
}

}  // namespace

QString describeException(const std::exception& e) {
  if (const auto* error = dynamic_cast<const Error*>(&e)) return QString::fromStdString(error->what());
  if (const auto* error = dynamic_cast<const c10::Error*>(&e)) return firstLine(error->what_without_backtrace());
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return QStringLiteral("out of memory");
  return firstLine(e.what());
}

QString describeException(std::exception_ptr error) {
  if (!error) return QStringLiteral("unknown error");
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return describeException(e);
  } catch (...) {
    return QStringLiteral("unknown error");
  }
}

}  // namespace fastformer::ui
