// Reading token-id files with file:line errors, and padding them into a batch.
#include "fastformer/ids_file.h"

#include "fastformer/error.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fastformer {

std::vector<Sequence> read_ids_file(const std::string& path, std::int64_t vocab_size) {
  std::ifstream in(path);
  if (!in) throw Error("cannot open file", path, "check the path");
  std::vector<Sequence> out;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    const std::string where = path + ":" + std::to_string(number);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream words(line);
    Sequence sequence;
    for (std::string word; words >> word;) {
      errno = 0;
      char* end = nullptr;
      const long long id = std::strtoll(word.c_str(), &end, 10);
      if (*end != '\0' || errno == ERANGE) throw Error("'" + word + "' is not a token id", where);
      if (id < 0 || id >= vocab_size) {
        throw Error("token id " + word + " is outside the vocabulary [0, " + std::to_string(vocab_size) + ")", where);
      }
      sequence.push_back(id);
    }
    if (sequence.empty()) throw Error("empty line: every line must hold one sequence of token ids", where);
    out.push_back(std::move(sequence));
  }
  if (out.empty()) throw Error("no sequences in the file", path);
  return out;
}

PaddedBatch pad_batch(const std::vector<Sequence>& sequences) {
  std::size_t longest = 0;
  for (const auto& s : sequences) longest = std::max(longest, s.size());
  const auto B = static_cast<std::int64_t>(sequences.size()), T = static_cast<std::int64_t>(longest);
  PaddedBatch batch{at::zeros({B, T}, at::kLong), at::zeros({B, T}, at::kBool)};
  auto ids = batch.ids.accessor<std::int64_t, 2>();
  auto mask = batch.mask.accessor<bool, 2>();
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::size_t t = 0; t < sequences[b].size(); ++t) {
      ids[b][t] = sequences[b][t];
      mask[b][t] = true;
    }
  }
  return batch;
}

}  // namespace fastformer
