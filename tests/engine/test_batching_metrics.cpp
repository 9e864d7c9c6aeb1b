// Batch planning and padding, encoding with truncation, classification metrics, the
// learning-rate schedule and seeded stratified splits, each checked against values
// computed independently here.
#include "fastformer/batching.h"
#include "fastformer/data_splits.h"
#include "fastformer/error.h"
#include "train/lr_schedule.h"
#include "fastformer/metrics.h"
#include "data/synthetic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace fastformer {
namespace {

using Plan = std::vector<std::vector<std::int64_t>>;

// n sequences with seeded lengths in [2, 200], each [CLS] followed by filler ids.
std::vector<Sequence> random_sequences(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Sequence> out;
  for (std::size_t i = 0; i < n; ++i) {
    Sequence s(2 + rng() % 199, 5);
    s[0] = kClsId;
    out.push_back(std::move(s));
  }
  return out;
}

// Mean over batches of the padded fraction of the (B, longest) rectangle.
double mean_padding_fraction(const Plan& plan, const std::vector<Sequence>& ids) {
  double sum = 0.0;
  for (const auto& batch : plan) {
    std::size_t longest = 0, real = 0;
    for (const auto i : batch) {
      longest = std::max(longest, ids[i].size());
      real += ids[i].size();
    }
    sum += 1.0 - static_cast<double>(real) / static_cast<double>(longest * batch.size());
  }
  return sum / static_cast<double>(plan.size());
}

void expect_partition(const Plan& plan, std::size_t n, std::int64_t batch_size) {
  std::vector<int> seen(n, 0);
  for (const auto& batch : plan) {
    EXPECT_FALSE(batch.empty());
    EXPECT_LE(static_cast<std::int64_t>(batch.size()), batch_size);
    for (const auto i : batch) {
      ASSERT_GE(i, 0);
      ASSERT_LT(i, static_cast<std::int64_t>(n));
      ++seen[i];
    }
  }
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i], 1) << "index " << i;
  EXPECT_EQ(plan.size(), (n + static_cast<std::size_t>(batch_size) - 1) / static_cast<std::size_t>(batch_size));  // buckets hold whole batches
}

TEST(BatchingPlan, SortedWithoutShuffle) {
  const auto ids = random_sequences(1003, 3);
  const Plan plan = plan_batches(ids, 8, false, 0);
  expect_partition(plan, ids.size(), 8);
  std::size_t previous = 0;
  for (const auto& batch : plan) {
    for (const auto i : batch) {
      EXPECT_GE(ids[i].size(), previous);
      previous = ids[i].size();
    }
  }
}

TEST(BatchingPlan, ShuffledIsSeededAndBucketed) {
  const auto ids = random_sequences(2003, 5);
  const Plan a = plan_batches(ids, 8, true, 11);
  expect_partition(a, ids.size(), 8);
  EXPECT_EQ(a, plan_batches(ids, 8, true, 11));
  const Plan b = plan_batches(ids, 8, true, 12);
  expect_partition(b, ids.size(), 8);
  EXPECT_NE(a, b);
  EXPECT_NE(a, plan_batches(ids, 8, false, 11));

  // A plain random batching: shuffle, cut into 8s. Lengths are uniform over [2, 200], so
  // that wastes about half the rectangle; bucketing by 400 keeps each batch within a few
  // lengths of each other.
  std::vector<std::int64_t> order(ids.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(99));
  Plan random;
  for (std::size_t i = 0; i < order.size(); i += 8) {
    random.emplace_back(order.begin() + i, order.begin() + std::min(order.size(), i + 8));
  }
  const double plain = mean_padding_fraction(random, ids), bucketed = mean_padding_fraction(a, ids);
  EXPECT_GT(plain, 0.3);
  EXPECT_LT(bucketed, 0.25 * plain) << "bucketed " << bucketed << " vs random " << plain;

  // The batch order is shuffled too: consecutive batches are not sorted by length.
  int descents = 0;
  for (std::size_t k = 1; k < a.size(); ++k) descents += ids[a[k][0]].size() < ids[a[k - 1][0]].size();
  EXPECT_GT(descents, static_cast<int>(a.size()) / 4);
}

// Each batch takes B × (its longest) slots: lengths 3, 5 | 2, 7 | 4 hold 21 tokens in
// 2·5 + 2·7 + 1·4 = 28 slots.
TEST(BatchingPad, PaddingShareCountsTheSlotsOfEachBatch) {
  const std::vector<Sequence> ids{Sequence(3, 1), Sequence(5, 1), Sequence(2, 1), Sequence(7, 1), Sequence(4, 1)};
  const PaddingShare p = padding_of(ids, {{0, 1}, {2, 3}, {4}});
  EXPECT_EQ(p.real_tokens, 21);
  EXPECT_EQ(p.token_slots, 28);
  EXPECT_DOUBLE_EQ(p.share(), 0.25);
  EXPECT_EQ(padding_of(ids, {}).share(), 0.0);
  // Sorted by length (as plan_batches does without shuffling) pads less than the given order.
  EXPECT_LT(padding_of(ids, plan_batches(ids, 2, false, 0)).share(), p.share());
}

TEST(BatchingPad, MakeBatchPadsMasksAndCounts) {
  EncodedSplit split;
  split.ids = {{2, 5, 6}, {2, 7}, {2, 8, 9, 10}};
  split.labels = {1, 0, 2};
  const Batch batch = make_batch(split, {2, 0, 1});
  ASSERT_EQ(batch.inputs.ids.sizes(), (at::IntArrayRef{3, 4}));
  ASSERT_EQ(batch.inputs.mask.sizes(), (at::IntArrayRef{3, 4}));
  EXPECT_EQ(batch.inputs.ids.scalar_type(), at::kLong);
  EXPECT_EQ(batch.inputs.mask.scalar_type(), at::kBool);
  const std::vector<std::vector<std::int64_t>> ids{{2, 8, 9, 10}, {2, 5, 6, 0}, {2, 7, 0, 0}};
  const std::vector<std::vector<bool>> mask{{1, 1, 1, 1}, {1, 1, 1, 0}, {1, 1, 0, 0}};
  for (int b = 0; b < 3; ++b) {
    for (int t = 0; t < 4; ++t) {
      EXPECT_EQ(batch.inputs.ids[b][t].item<std::int64_t>(), ids[b][t]) << b << "," << t;
      EXPECT_EQ(batch.inputs.mask[b][t].item<bool>(), mask[b][t]) << b << "," << t;
    }
  }
  ASSERT_EQ(batch.labels.numel(), 3);
  EXPECT_EQ(batch.labels.scalar_type(), at::kLong);
  EXPECT_EQ(batch.labels[0].item<std::int64_t>(), 2);
  EXPECT_EQ(batch.labels[1].item<std::int64_t>(), 1);
  EXPECT_EQ(batch.labels[2].item<std::int64_t>(), 0);
  EXPECT_EQ(batch.real_tokens, 9);
  EXPECT_EQ(batch.inputs.mask.sum().item<std::int64_t>(), 9);

  const PaddedBatch one = pad_batch({{2, 3}});
  EXPECT_EQ(one.ids.sizes(), (at::IntArrayRef{1, 2}));
  EXPECT_TRUE(one.mask.all().item<bool>());
}

// One id per space-separated word (the word's length + 2), after [CLS].
class WordLengthTokenizer : public Tokenizer {
 public:
  Encoding encode(std::string_view text) const override {
    Encoding e;
    e.ids.push_back(kClsId);
    e.spans.push_back({0, 0});
    std::istringstream in{std::string(text)};
    for (std::string w; in >> w;) {
      e.ids.push_back(static_cast<std::int64_t>(w.size()) + 2);
      e.spans.push_back({0, 0});
    }
    return e;
  }
  std::int64_t vocab_size() const override { return 64; }
  std::string piece(std::int64_t id) const override { return std::to_string(id); }
  nlohmann::json save(const std::filesystem::path&) const override { return {}; }
};

TEST(BatchingEncode, TruncatesAndCounts) {
  const WordLengthTokenizer tokenizer;
  const std::vector<Example> examples{{"a bb ccc dddd eeeee", "pos", "f.tsv:2"},  // 6 ids: cut to 4
                                      {"a bb", "neg", "f.tsv:3"},                 // 3 ids
                                      {"a bb ccc", "pos", "f.tsv:4"},             // 4 ids: exactly max_len
                                      {"a b c d e f g", "neg", "f.tsv:5"}};       // 8 ids: cut to 4
  const EncodedSplit split = encode_split(tokenizer, examples, {"neg", "pos"}, 4);
  EXPECT_EQ(split.truncated, 2);
  EXPECT_EQ(split.dropped_tokens, 2 + 4);
  const std::vector<Sequence> expected{{2, 3, 4, 5}, {2, 3, 4}, {2, 3, 4, 5}, {2, 3, 3, 3}};
  EXPECT_EQ(split.ids, expected);
  EXPECT_EQ(split.labels, (std::vector<std::int64_t>{1, 0, 1, 0}));
}

TEST(BatchingEncode, UnknownLabelNamesTheExample) {
  const WordLengthTokenizer tokenizer;
  const std::vector<Example> examples{{"a", "neg", "data.tsv:2"}, {"b", "zebra", "data.tsv:17"}};
  try {
    encode_split(tokenizer, examples, {"neg", "pos"}, 8);
    FAIL() << "an unknown label must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("data.tsv:17"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("zebra"), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), "data.tsv:17");
  }
}

TEST(MetricsAccumulator, AccuracyMacroF1AndConfusion) {
  // 4 classes: class 2 occurs but is never predicted, class 3 occurs nowhere.
  const std::vector<std::int64_t> labels{0, 0, 0, 1, 1, 2, 2, 0, 1, 2};
  const std::vector<std::int64_t> predictions{0, 1, 0, 1, 1, 0, 1, 0, 0, 1};
  MetricsAccumulator acc(4);
  acc.add({labels.begin(), labels.begin() + 4}, {predictions.begin(), predictions.begin() + 4}, 3.0);
  acc.add({labels.begin() + 4, labels.end()}, {predictions.begin() + 4, predictions.end()}, 1.5);
  const ClassificationMetrics m = acc.result();

  // Worked by hand: rows true, columns predicted.
  const std::vector<std::vector<std::int64_t>> confusion{{3, 1, 0, 0}, {1, 2, 0, 0}, {1, 2, 0, 0}, {0, 0, 0, 0}};
  EXPECT_EQ(m.confusion, confusion);
  EXPECT_EQ(m.examples, 10);
  EXPECT_DOUBLE_EQ(m.accuracy, 5.0 / 10.0);
  EXPECT_DOUBLE_EQ(m.loss, 4.5 / 10.0);
  // Precision/recall per class: 0: 3/5, 3/4 → F1 2/3; 1: 2/5, 2/3 → F1 1/2; 2: 0 → 0;
  // class 3 is absent from labels and predictions and is not averaged.
  EXPECT_NEAR(m.macro_f1, (2.0 / 3.0 + 0.5 + 0.0) / 3.0, 1e-12);

  // The same from precision and recall, counted straight from the lists.
  double f1_sum = 0.0;
  int present = 0;
  for (std::int64_t c = 0; c < 4; ++c) {
    double tp = 0, predicted = 0, actual = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      tp += labels[i] == c && predictions[i] == c;
      predicted += predictions[i] == c;
      actual += labels[i] == c;
    }
    if (predicted == 0 && actual == 0) continue;
    ++present;
    const double p = predicted > 0 ? tp / predicted : 0.0, r = actual > 0 ? tp / actual : 0.0;
    f1_sum += p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
  EXPECT_EQ(present, 3);
  EXPECT_NEAR(m.macro_f1, f1_sum / present, 1e-12);

  EXPECT_THROW(acc.add({0}, {4}, 0.0), Error);
  EXPECT_THROW(acc.add({0, 1}, {0}, 0.0), Error);
  EXPECT_EQ(MetricsAccumulator(3).result().examples, 0);
}

TrainConfig schedule_config(ScheduleKind kind, double warmup_fraction) {
  TrainConfig c;
  c.lr = 0.02;
  c.schedule = kind;
  c.warmup_fraction = warmup_fraction;
  return c;
}

// 100 planned steps, 10 of warm-up (steps 0..9), then 90 steps of decay (10..99).
constexpr std::int64_t kTotal = 100, kWarm = 10;

TEST(ScheduleLr, WarmupRisesLinearlyToLr) {
  for (const auto kind : {ScheduleKind::linear, ScheduleKind::cosine, ScheduleKind::constant}) {
    const TrainConfig c = schedule_config(kind, 0.1);
    for (std::int64_t s = 0; s < kWarm; ++s) {
      EXPECT_NEAR(learning_rate(c, s, kTotal), c.lr * static_cast<double>(s + 1) / kWarm, 1e-15) << s;
    }
    EXPECT_NEAR(learning_rate(c, kWarm - 1, kTotal), c.lr, 1e-15);
    EXPECT_NEAR(learning_rate(c, kWarm, kTotal), c.lr, 1e-15);  // decay starts at lr
  }
}

TEST(ScheduleLr, LinearDecaysToZero) {
  const TrainConfig c = schedule_config(ScheduleKind::linear, 0.1);
  for (std::int64_t s = kWarm; s <= kTotal; ++s) {
    const double expected = c.lr * (1.0 - static_cast<double>(s - kWarm) / (kTotal - kWarm));
    EXPECT_NEAR(learning_rate(c, s, kTotal), expected, 1e-15) << s;
  }
  EXPECT_LE(learning_rate(c, kTotal - 1, kTotal), c.lr / 90 + 1e-15);  // the last step: ~0
  EXPECT_NEAR(learning_rate(c, kTotal, kTotal), 0.0, 1e-15);
  // No warm-up: the first step runs at the full rate.
  EXPECT_NEAR(learning_rate(schedule_config(ScheduleKind::linear, 0.0), 0, kTotal), c.lr, 1e-15);
}

TEST(ScheduleLr, CosineIsHalfAtMiddle) {
  const TrainConfig c = schedule_config(ScheduleKind::cosine, 0.1);
  EXPECT_NEAR(learning_rate(c, kWarm + 45, kTotal), c.lr / 2, 1e-12);
  for (std::int64_t s = kWarm; s <= kTotal; ++s) {
    const double expected = c.lr * 0.5 * (1.0 + std::cos(3.14159265358979323846 * (s - kWarm) / (kTotal - kWarm)));
    EXPECT_NEAR(learning_rate(c, s, kTotal), expected, 1e-12) << s;
  }
  EXPECT_NEAR(learning_rate(c, kTotal, kTotal), 0.0, 1e-15);
}

TEST(ScheduleLr, ConstantStaysAtLr) {
  const TrainConfig none = schedule_config(ScheduleKind::constant, 0.0);
  const TrainConfig warm = schedule_config(ScheduleKind::constant, 0.1);
  for (std::int64_t s = 0; s < kTotal; ++s) EXPECT_DOUBLE_EQ(learning_rate(none, s, kTotal), none.lr) << s;
  for (std::int64_t s = kWarm; s < kTotal; ++s) EXPECT_DOUBLE_EQ(learning_rate(warm, s, kTotal), warm.lr) << s;
}

// Examples per label in one split.
std::map<std::string, std::size_t> label_counts(const std::vector<Example>& examples) {
  std::map<std::string, std::size_t> out;
  for (const Example& e : examples) ++out[e.label];
  return out;
}

std::int64_t index_of(const Example& e) { return std::stoll(e.where.substr(e.where.find('#') + 1)); }

const char* const kSpec = "synthetic:needle?length=24&examples=403&vocab=16&seed=4";

TEST(SplitsStratified, SizesPerLabelAndDisjoint) {
  const DataSplits s = load_splits(kSpec, {}, SplitOptions{7, 0.1, 0.2});
  const auto generated = generate_synthetic(parse_synthetic_spec(kSpec));
  std::map<std::string, std::size_t> per_label = label_counts(generated);
  ASSERT_EQ(per_label.size(), 4u);
  EXPECT_EQ(s.labels, synthetic_labels(parse_synthetic_spec(kSpec)));

  // Per label n: test round(0.2 n), valid round(0.1 n), the rest train (403 = 101,101,101,100).
  const auto test = label_counts(s.test), valid = label_counts(s.valid), train = label_counts(s.train);
  for (const auto& [label, n] : per_label) {
    const auto n_test = static_cast<std::size_t>(std::lround(0.2 * n));
    const auto n_valid = static_cast<std::size_t>(std::lround(0.1 * n));
    EXPECT_EQ(test.at(label), n_test) << label;
    EXPECT_EQ(valid.at(label), n_valid) << label;
    EXPECT_EQ(train.at(label), n - n_test - n_valid) << label;
  }

  // Every generated example lands in exactly one split, texts unchanged.
  std::set<std::string> texts;
  for (const Example& e : generated) texts.insert(e.text);
  ASSERT_EQ(texts.size(), generated.size()) << "generated texts must be distinct for this check";
  std::map<std::string, int> split_of_text;
  for (const auto* part : {&s.train, &s.valid, &s.test}) {
    for (const Example& e : *part) {
      EXPECT_EQ(++split_of_text[e.text], 1) << "in two splits: " << e.where;
      const Example& original = generated.at(static_cast<std::size_t>(index_of(e)));
      EXPECT_EQ(original.text, e.text);
      EXPECT_EQ(original.label, e.label);
    }
    for (std::size_t k = 1; k < part->size(); ++k) EXPECT_LT(index_of((*part)[k - 1]), index_of((*part)[k]));
  }
  EXPECT_EQ(split_of_text.size(), generated.size());
}

TEST(SplitsStratified, DeterministicBySeed) {
  const auto wheres = [](const std::vector<Example>& v) {
    std::vector<std::string> out;
    for (const Example& e : v) out.push_back(e.where);
    return out;
  };
  const DataSplits a = load_splits(kSpec, {}, SplitOptions{7, 0.1, 0.2});
  const DataSplits b = load_splits(kSpec, {}, SplitOptions{7, 0.1, 0.2});
  const DataSplits c = load_splits(kSpec, {}, SplitOptions{8, 0.1, 0.2});
  EXPECT_EQ(wheres(a.train), wheres(b.train));
  EXPECT_EQ(wheres(a.valid), wheres(b.valid));
  EXPECT_EQ(wheres(a.test), wheres(b.test));
  EXPECT_NE(wheres(a.valid), wheres(c.valid));
  EXPECT_NE(wheres(a.test), wheres(c.test));
}

TEST(SplitsSelect, NamesAndAll) {
  const DataSplits s = load_splits(kSpec, {}, SplitOptions{7, 0.1, 0.2});
  const auto where_of = [](const std::vector<Example>& v) {
    std::vector<std::string> out;
    for (const Example& e : v) out.push_back(e.where);
    return out;
  };
  EXPECT_EQ(where_of(select_split(s, "train")), where_of(s.train));
  EXPECT_EQ(where_of(select_split(s, "valid")), where_of(s.valid));
  EXPECT_EQ(where_of(select_split(s, "test")), where_of(s.test));
  const auto all = where_of(select_split(s, "all"));
  EXPECT_EQ(all.size(), 403u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 403u);
  EXPECT_THROW(select_split(s, "dev"), Error);
}

}  // namespace
}  // namespace fastformer
