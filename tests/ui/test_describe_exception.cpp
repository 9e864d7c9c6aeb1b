// describeException: the line the Studio shows for each kind of exception, from a reference
// or a catch (...) alike, and never a C++ backtrace.
#include "fastformer/error.h"

#include <c10/util/Exception.h>

#include "common/describe_exception.h"
#include "ui_test_registry.h"

#include <QTest>

#include <functional>
#include <new>
#include <stdexcept>
#include <vector>

using namespace fastformer::ui;

namespace {

// Each case throws one kind of exception; the table's row names index it.
const std::vector<std::pair<const char*, std::function<void()>>>& throwers() {
  static const std::vector<std::pair<const char*, std::function<void()>>> all{
      {"engine error", [] { throw fastformer::Error("hidden size 10 is not divisible by heads 4", "model config key 'hidden'", "change heads"); }},
      {"engine error, no where", [] { throw fastformer::Error("the loss became NaN"); }},
      {"LibTorch error", [] { TORCH_CHECK(false, "shapes (2x3) and (4x5) cannot be multiplied\nmore context"); }},
      {"allocation", [] { throw std::bad_alloc(); }},
      {"other", [] { throw std::runtime_error("disk full\nsecond line"); }},
      {"blank what", [] { throw std::runtime_error("\n"); }},
      {"not an exception", [] { throw 42; }},
  };
  return all;
}

void run(const QString& name) {
  for (const auto& [row, f] : throwers()) {
    if (name == QLatin1String(row)) f();
  }
}

}  // namespace

class DescribeExceptionTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void eachKindHasItsLine_data() {
    QTest::addColumn<QString>("expected");
    QTest::newRow("engine error") << "model config key 'hidden': hidden size 10 is not divisible by heads 4 (change heads)";
    QTest::newRow("engine error, no where") << "the loss became NaN";
    QTest::newRow("LibTorch error") << "shapes (2x3) and (4x5) cannot be multiplied";
    QTest::newRow("allocation") << "out of memory";
    QTest::newRow("other") << "disk full";
    QTest::newRow("blank what") << "unknown error";
    QTest::newRow("not an exception") << "unknown error";
  }

  void eachKindHasItsLine() {
    QFETCH(QString, expected);
    const QString name = QString::fromLatin1(QTest::currentDataTag());
    QString fromPointer, fromReference = QStringLiteral("not a std::exception");
    std::string raw;
    try {
      run(name);
      QFAIL("nothing thrown");
    } catch (const std::exception& e) {
      raw = e.what();
      fromReference = describeException(e);
      fromPointer = describeException();
    } catch (...) {
      fromPointer = describeException();
    }
    QCOMPARE(fromPointer, expected);
    if (name != QLatin1String("not an exception")) QCOMPARE(fromReference, expected);
    QVERIFY(!fromPointer.contains('\n'));
    // LibTorch's own what() carries more than the message (its source location or
    // backtrace): the description keeps the message alone.
    if (name == QLatin1String("LibTorch error")) QVERIFY2(raw.size() > expected.size() + 14, raw.c_str());
  }

  void noExceptionIsUnknown() { QCOMPARE(describeException(std::exception_ptr()), QString("unknown error")); }
};

FF_UI_TEST(DescribeExceptionTest);

#include "test_describe_exception.moc"
