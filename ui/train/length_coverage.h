// What a max length keeps of a dataset before Start: how many documents it reads whole, the
// share of the tokens it cuts, and the length that would read 99% of them whole. Counted in
// the word tokenizer's tokens (word_count.h); a subword tokenizer makes more.
#pragma once

#include <QString>

#include <cstdint>
#include <vector>

namespace fastformer::ui {

struct LengthCoverage {
  std::int64_t documents = 0, whole = 0;  // documents of at most max_len tokens
  double tokensCut = 0;                   // share of all tokens beyond max_len
  std::int64_t lengthFor99 = 0;           // the 99th percentile of the lengths (nearest rank)
};

LengthCoverage lengthCoverage(const std::vector<double>& tokensPerDocument, std::int64_t maxLen);
// "reads 647 of 6,046 documents whole (11%), cuts 70% of the tokens; 99% whole needs 14,210"
QString describe(const LengthCoverage& c, std::int64_t maxLen);

}  // namespace fastformer::ui
