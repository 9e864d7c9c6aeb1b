// Runs every registered Qt Test class (tests/ui/test_*.cpp) in one QApplication; the
// process fails if any class fails. Use QT_QPA_PLATFORM=offscreen without a display;
// FF_UI_TESTS=ClassA,ClassB runs only those classes (Qt Test's own arguments still apply).
#include "fastformer/runtime.h"

#include "ui_test_registry.h"

#include <QApplication>
#include <QTest>

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
  const QStringList only = qEnvironmentVariable("FF_UI_TESTS").split(',', Qt::SkipEmptyParts);
  int failed = 0;
  for (const auto& make : fastformer::ui::testing::registry()) {
    const std::unique_ptr<QObject> test = make();
    const QString name = QString::fromLatin1(test->metaObject()->className()).section("::", -1);
    if (!only.isEmpty() && !only.contains(name)) continue;
    failed += QTest::qExec(test.get(), argc, argv) != 0 ? 1 : 0;
  }
  return failed;
}
