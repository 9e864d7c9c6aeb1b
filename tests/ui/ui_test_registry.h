// All Qt Test classes of the UI suite run from one binary (each TU including torch costs
// ~10 s to compile): a test file registers its class with FF_UI_TEST(Class).
#pragma once

#include <QObject>

#include <functional>
#include <memory>
#include <vector>

namespace fastformer::ui::testing {

using TestFactory = std::function<std::unique_ptr<QObject>()>;
std::vector<TestFactory>& registry();

struct Registration {
  explicit Registration(TestFactory factory) { registry().push_back(std::move(factory)); }
};

}  // namespace fastformer::ui::testing

#define FF_UI_TEST(Class)                                          \
  static const ::fastformer::ui::testing::Registration Class##_registration( \
      [] { return std::unique_ptr<QObject>(new Class); })
