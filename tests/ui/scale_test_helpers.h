// Helpers shared by the Scale workspace's tests: where the `fastformer` program is, and
// setting the sweep form's lengths.
#pragma once

#include "scale/sweep_form.h"

#include <QFileInfo>
#include <QSpinBox>
#include <QString>

namespace fastformer::ui::testing {

// The `fastformer` program beside the Studio's (empty when the build has no Studio).
inline QString cliBinary() {
#ifdef FF_STUDIO_BINARY
  return QFileInfo(QStringLiteral(FF_STUDIO_BINARY)).absolutePath() + QStringLiteral("/fastformer");
#else
  return {};
#endif
}

inline void setLengths(SweepForm* form, int min, int max) {
  form->minLength()->setValue(min);
  form->maxLength()->setValue(max);
}

}  // namespace fastformer::ui::testing
