// Runs every registered Qt Test class (tests/ui/test_*.cpp) in one QApplication; the
// process fails if any class fails. Use QT_QPA_PLATFORM=offscreen without a display;
// FF_UI_TESTS=ClassA,ClassB runs only those classes (Qt Test's own arguments still apply); a
// name that is no registered class fails the run, listing the known ones.
#include "fastformer/runtime.h"

#include "ui_test_registry.h"

#include <QApplication>
#include <QTest>

#include <cstdio>

namespace fastformer::ui::testing {

std::vector<TestFactory>& registry() {
  static std::vector<TestFactory> tests;
  return tests;
}

}  // namespace fastformer::ui::testing

int main(int argc, char** argv) {
  fastformer::apply_process_policies(argv);
  fastformer::configure_threads(2);
  QApplication app(argc, argv);
  // Settings the tests write and clear stay apart from the Studio's own.
  QApplication::setOrganizationName("Fastformer Studio Tests");
  QApplication::setApplicationName("ui_tests");
  const auto& registry = fastformer::ui::testing::registry();
  const auto name_of = [](const QObject& test) {
    return QString::fromLatin1(test.metaObject()->className()).section("::", -1);
  };
  QStringList known;
  for (const auto& make : registry) known << name_of(*make());
  // A misspelt filter would otherwise run nothing and pass.
  const QStringList only = qEnvironmentVariable("FF_UI_TESTS").split(',', Qt::SkipEmptyParts);
  QStringList unknown;
  for (const QString& name : only) {
    if (!known.contains(name)) unknown << name;
  }
  if (!unknown.isEmpty() || known.isEmpty()) {
    known.sort();
    std::fprintf(stderr, "ui_tests: FF_UI_TESTS names no registered class: %s\nknown classes: %s\n",
                 qPrintable(unknown.join(", ")), qPrintable(known.join(", ")));
    return 1;
  }
  int failed = 0;
  for (const auto& make : registry) {
    const std::unique_ptr<QObject> test = make();
    if (!only.isEmpty() && !only.contains(name_of(*test))) continue;
    failed += QTest::qExec(test.get(), argc, argv) != 0 ? 1 : 0;
  }
  return failed;
}
