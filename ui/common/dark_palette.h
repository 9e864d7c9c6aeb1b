// A dark palette for the Fusion style: what `fastformer-studio --palette dark` uses where the
// desktop gives none (Qt takes the desktop's own palette otherwise).
#pragma once

#include <QPalette>

namespace fastformer::ui {

QPalette darkPalette();

}  // namespace fastformer::ui
