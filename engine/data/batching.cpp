// Encoding with counted truncation and length-bucketed batch planning.
#include "fastformer/batching.h"

#include "fastformer/error.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <unordered_map>

namespace fastformer {
namespace {

// Fisher–Yates with our own index draws: the same order on every standard library.
template <typename T>
void seeded_shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

void sort_by_length(std::vector<std::int64_t>& indices, const std::vector<Sequence>& ids) {
  std::stable_sort(indices.begin(), indices.end(),
                   [&](std::int64_t a, std::int64_t b) { return ids[a].size() < ids[b].size(); });
}

void cut(const std::vector<std::int64_t>& indices, std::size_t begin, std::size_t end, std::int64_t batch_size,
         std::vector<std::vector<std::int64_t>>& out) {
  for (std::size_t i = begin; i < end; i += static_cast<std::size_t>(batch_size)) {
    const std::size_t stop = std::min(end, i + static_cast<std::size_t>(batch_size));
    out.emplace_back(indices.begin() + static_cast<std::ptrdiff_t>(i), indices.begin() + static_cast<std::ptrdiff_t>(stop));
  }
}

}  // namespace

EncodedSplit encode_split(const Tokenizer& tokenizer, const std::vector<Example>& examples,
                          const std::vector<std::string>& labels, std::int64_t max_len) {
  std::unordered_map<std::string, std::int64_t> index;
  for (std::size_t i = 0; i < labels.size(); ++i) index.emplace(labels[i], static_cast<std::int64_t>(i));
  EncodedSplit out;
  out.ids.reserve(examples.size());
  out.labels.reserve(examples.size());
  for (const Example& e : examples) {
    const auto found = index.find(e.label);
    if (found == index.end()) throw Error("label '" + e.label + "' is not one of the model's labels", e.where);
    Sequence ids = tokenizer.encode(e.text).ids;
    if (static_cast<std::int64_t>(ids.size()) > max_len) {
      ++out.truncated;
      out.dropped_tokens += static_cast<std::int64_t>(ids.size()) - max_len;
      ids.resize(static_cast<std::size_t>(max_len));
    }
    out.ids.push_back(std::move(ids));
    out.labels.push_back(found->second);
  }
  return out;
}

std::vector<std::vector<std::int64_t>> plan_batches(const std::vector<Sequence>& ids, std::int64_t batch_size,
                                                    bool shuffle, std::uint64_t seed) {
  std::vector<std::int64_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::vector<std::int64_t>> batches;
  if (!shuffle) {
    sort_by_length(order, ids);
    cut(order, 0, order.size(), batch_size, batches);
    return batches;
  }
  std::mt19937_64 rng(seed);
  seeded_shuffle(order, rng);
  const std::size_t bucket = static_cast<std::size_t>(batch_size) * 50;
  for (std::size_t begin = 0; begin < order.size(); begin += bucket) {
    const std::size_t end = std::min(order.size(), begin + bucket);
    std::vector<std::int64_t> chunk(order.begin() + static_cast<std::ptrdiff_t>(begin), order.begin() + static_cast<std::ptrdiff_t>(end));
    sort_by_length(chunk, ids);
    cut(chunk, 0, chunk.size(), batch_size, batches);
  }
  seeded_shuffle(batches, rng);
  return batches;
}

PaddingShare padding_of(const std::vector<Sequence>& ids, const std::vector<std::vector<std::int64_t>>& batches) {
  PaddingShare p;
  for (const auto& batch : batches) {
    std::int64_t longest = 0;
    for (const auto i : batch) {
      const auto n = static_cast<std::int64_t>(ids[static_cast<std::size_t>(i)].size());
      p.real_tokens += n;
      longest = std::max(longest, n);
    }
    p.token_slots += longest * static_cast<std::int64_t>(batch.size());
  }
  return p;
}

Batch make_batch(const EncodedSplit& split, const std::vector<std::int64_t>& indices) {
  std::vector<Sequence> sequences;
  std::vector<std::int64_t> labels;
  Batch batch;
  for (const auto i : indices) {
    sequences.push_back(split.ids[i]);
    labels.push_back(split.labels[i]);
    batch.real_tokens += static_cast<std::int64_t>(split.ids[i].size());
  }
  batch.inputs = pad_batch(sequences);
  batch.labels = at::tensor(labels, at::kLong);
  return batch;
}

}  // namespace fastformer
