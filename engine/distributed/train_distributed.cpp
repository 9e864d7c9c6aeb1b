// Data-parallel pieces of the training loop (see train_distributed.h).
#include "distributed/train_distributed.h"

#include "fastformer/evaluate.h"

#include <cstdio>

namespace fastformer {
namespace {

constexpr std::uint64_t kFnvOffset = 1469598103934665603ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

void mix(std::uint64_t& h, std::uint64_t value) {
  for (int byte = 0; byte < 8; ++byte) {
    h ^= (value >> (8 * byte)) & 0xff;
    h *= kFnvPrime;
  }
}

std::string hex(std::uint64_t h) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

void mix_split(std::uint64_t& h, const EncodedSplit& split, std::int64_t& tokens) {
  mix(h, split.ids.size());
  for (std::size_t i = 0; i < split.ids.size(); ++i) {
    mix(h, split.ids[i].size());
    for (const auto id : split.ids[i]) mix(h, static_cast<std::uint64_t>(id));
    mix(h, static_cast<std::uint64_t>(split.labels[i]));
    tokens += static_cast<std::int64_t>(split.ids[i].size());
  }
}

}  // namespace

std::string digest(const std::string& text) {
  std::uint64_t h = kFnvOffset;
  for (const unsigned char c : text) {
    h ^= c;
    h *= kFnvPrime;
  }
  return hex(h);
}

std::string data_fingerprint(const TrainingData& data) {
  std::uint64_t h = kFnvOffset;
  std::int64_t tokens = 0;
  mix_split(h, data.train, tokens);
  mix_split(h, data.valid, tokens);
  mix_split(h, data.test, tokens);
  mix(h, static_cast<std::uint64_t>(data.tokenizer->vocab_size()));
  for (const auto& label : data.labels) mix(h, std::hash<std::string>{}(label));
  return std::to_string(data.train.ids.size()) + "/" + std::to_string(data.valid.ids.size()) + "/" +
         std::to_string(data.test.ids.size()) + " examples, " + std::to_string(tokens) + " tokens, vocabulary " +
         std::to_string(data.tokenizer->vocab_size()) + ", digest " + hex(h);
}

EncodedSplit every_nth(const EncodedSplit& split, int rank, int world_size) {
  EncodedSplit part;
  for (std::size_t i = static_cast<std::size_t>(rank); i < split.ids.size(); i += static_cast<std::size_t>(world_size)) {
    part.ids.push_back(split.ids[i]);
    part.labels.push_back(split.labels[i]);
  }
  return part;
}

ClassificationMetrics evaluate_sharded(Model& model, const EncodedSplit& split, std::int64_t batch_size,
                                       torch::Device device, Communicator& communicator) {
  const ClassificationMetrics mine =
      evaluate(model, every_nth(split, communicator.rank(), communicator.world_size()), batch_size, device);
  const std::size_t classes = mine.confusion.size();
  std::vector<double> counts{mine.loss * static_cast<double>(mine.examples)};  // loss sum, then the matrix
  for (const auto& row : mine.confusion) counts.insert(counts.end(), row.begin(), row.end());
  counts = communicator.sum(counts);
  std::vector<std::vector<std::int64_t>> confusion(classes, std::vector<std::int64_t>(classes));
  for (std::size_t t = 0; t < classes; ++t) {
    for (std::size_t p = 0; p < classes; ++p) confusion[t][p] = static_cast<std::int64_t>(counts[1 + t * classes + p]);
  }
  MetricsAccumulator all(static_cast<std::int64_t>(classes));
  all.add_counts(confusion, counts[0]);
  return all.result();
}

}  // namespace fastformer
