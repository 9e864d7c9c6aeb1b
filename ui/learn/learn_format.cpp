// Number formatting of the Learn workspace's counters.
#include "learn/learn_format.h"

#include <QLocale>

#include <cmath>

namespace fastformer::ui {

QString countText(double count) {
  if (std::abs(count) < 1e6) return QLocale(QLocale::English).toString(static_cast<qlonglong>(std::llround(count)));
  const char* suffixes[] = {"M", "G", "T", "P"};
  int i = 0;
  double v = count / 1e6;
  while (std::abs(v) >= 1000 && i < 3) v /= 1000, ++i;
  return QString::number(v, 'f', v < 10 ? 2 : v < 100 ? 1 : 0) + " " + suffixes[i];
}

QString bytesText(double bytes) {
  if (bytes < 1024) return QString::number(std::llround(bytes)) + " B";
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  double v = bytes / 1024;
  while (v >= 1024 && i < 3) v /= 1024, ++i;
  return QString::number(v, 'f', 1) + " " + units[i];
}

QString opCountText(const OpCount& count) {
  return QString("%1 multiply-adds · %2 FLOPs · %3")
      .arg(countText(count.multiply_adds), countText(count.flops), bytesText(count.bytes));
}

}  // namespace fastformer::ui
