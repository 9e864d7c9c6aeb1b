// How the Learn workspace writes operation counts and memory: exact below a million, then
// with a k/M/G/T suffix; bytes in B, KiB, MiB, GiB.
#pragma once

#include "fastformer/attention_cost.h"

#include <QString>

namespace fastformer::ui {

QString countText(double count);  // "12,544", "3.41 M", "1.07 G"
QString bytesText(double bytes);  // "640 B", "3.1 KiB", "12.0 MiB"
// "12,544 multiply-adds · 25,088 FLOPs · 3.1 KiB"
QString opCountText(const OpCount& count);

}  // namespace fastformer::ui
