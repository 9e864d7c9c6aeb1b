#include "train/length_coverage.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

namespace fastformer::ui {

LengthCoverage lengthCoverage(const std::vector<double>& tokensPerDocument, std::int64_t maxLen) {
  LengthCoverage c;
  c.documents = static_cast<std::int64_t>(tokensPerDocument.size());
  if (c.documents == 0) return c;
  double total = 0, cut = 0;
  for (const double n : tokensPerDocument) {
    total += n;
    if (n <= static_cast<double>(maxLen)) ++c.whole;
    else cut += n - static_cast<double>(maxLen);
  }
  c.tokensCut = total > 0 ? cut / total : 0.0;
  std::vector<double> sorted = tokensPerDocument;
  const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(sorted.size()))) - 1;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank), sorted.end());
  c.lengthFor99 = static_cast<std::int64_t>(sorted[rank]);
  return c;
}

QString describe(const LengthCoverage& c, std::int64_t maxLen) {
  if (c.documents == 0) return {};
  const QLocale locale;
  QString text = QString("reads %1 of %2 documents whole (%3%)")
                     .arg(locale.toString(static_cast<qlonglong>(c.whole)), locale.toString(static_cast<qlonglong>(c.documents)))
                     .arg(std::floor(100.0 * static_cast<double>(c.whole) / static_cast<double>(c.documents)));
  if (c.whole < c.documents) text += QString(", cuts %1% of the tokens").arg(std::round(100.0 * c.tokensCut));
  if (c.lengthFor99 > maxLen) text += QString("; 99% whole needs %1").arg(locale.toString(static_cast<qlonglong>(c.lengthFor99)));
  return text;
}

}  // namespace fastformer::ui
