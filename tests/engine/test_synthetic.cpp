// Synthetic datasets: spec parsing, determinism, word counts, and labels recomputed from
// the text independently of the generator.
#include "fastformer/error.h"
#include "data/synthetic.h"

#include "error_text.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <sstream>

namespace fastformer {
namespace {

using testing::error_of;

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool is_filler(const std::string& w, std::int64_t vocab) {
  if (w.size() < 2 || w[0] != 'w') return false;
  for (std::size_t i = 1; i < w.size(); ++i) {
    if (w[i] < '0' || w[i] > '9') return false;
  }
  return std::stoll(w.substr(1)) < vocab;
}

bool is_marker(const std::string& w) {
  return w == "alpha" || w == "beta" || w == "gamma" || w == "delta";
}

// Marker positions in the text, for the needle checks below.
std::vector<std::size_t> marker_positions(const std::vector<std::string>& words) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (is_marker(words[i])) out.push_back(i);
  }
  return out;
}

TEST(SyntheticSpecTest, DefaultsAndEachKey) {
  EXPECT_TRUE(is_synthetic_spec("synthetic:needle"));
  EXPECT_FALSE(is_synthetic_spec("data/synthetic:needle"));
  EXPECT_FALSE(is_synthetic_spec("train.jsonl"));

  const SyntheticSpec d = parse_synthetic_spec("synthetic:needle");
  EXPECT_EQ(d.task, "needle");
  EXPECT_EQ(d.length, 1024);
  EXPECT_EQ(d.examples, 2000);
  EXPECT_EQ(d.seed, 1u);
  EXPECT_EQ(d.vocab, 64);
  EXPECT_EQ(d.needles, 1);
  EXPECT_DOUBLE_EQ(d.noise, 0.5);

  const SyntheticSpec n =
      parse_synthetic_spec("synthetic:needle?length=4096&examples=3000&seed=18446744073709551615&vocab=7&needles=2");
  EXPECT_EQ(n.length, 4096);
  EXPECT_EQ(n.examples, 3000);
  EXPECT_EQ(n.seed, 18446744073709551615u);
  EXPECT_EQ(n.vocab, 7);
  EXPECT_EQ(n.needles, 2);

  const SyntheticSpec m = parse_synthetic_spec("synthetic:majority?noise=0.25&length=10");
  EXPECT_EQ(m.task, "majority");
  EXPECT_DOUBLE_EQ(m.noise, 0.25);
  EXPECT_EQ(m.length, 10);
}

TEST(SyntheticSpecTest, ErrorsNameTheKeyOrValue) {
  const auto error = [](const std::string& spec) { return error_of([&] { parse_synthetic_spec(spec); }); };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"train.jsonl", "not a synthetic dataset spec"},
      {"synthetic:", "unknown synthetic task ''"},
      {"synthetic:copy?length=3", "unknown synthetic task 'copy'"},
      {"synthetic:needle?colour=red", "unknown key 'colour'"},
      {"synthetic:needle?noise=0.1", "unknown key 'noise' for task needle"},
      {"synthetic:majority?needles=2", "unknown key 'needles' for task majority"},
      {"synthetic:needle?length=12x", "'length' needs a whole number, got '12x'"},
      {"synthetic:needle?length=", "'length' needs a whole number, got ''"},
      {"synthetic:needle?examples=-5", "'examples' must be in 1..10000000, got -5"},
      {"synthetic:needle?length=0", "'length' must be in 1..1048576, got 0"},
      {"synthetic:needle?length=1&needles=2", "'length' must be in 2..1048576, got 1"},
      {"synthetic:needle?needles=3", "'needles' must be in 1..2, got 3"},
      {"synthetic:needle?vocab=0", "'vocab' must be in 1..100000, got 0"},
      {"synthetic:needle?seed=-1", "'seed' needs a whole number, got '-1'"},
      {"synthetic:majority?noise=1", "'noise' must be in [0, 1)"},
      {"synthetic:majority?noise=half", "'noise' needs a number, got 'half'"},
      {"synthetic:needle?seed=1&seed=2", "key 'seed' is given twice"},
      {"synthetic:needle?seed", "expected key=value, got 'seed'"},
      {"synthetic:needle?seed=1&", "expected key=value after the last '&'"},
      {"synthetic:needle?", "expected key=value after the last '?'"},
      {"synthetic:needle?length=1048576&examples=1000", "over the limit"},
      {"synthetic:lookup?length=8", "'length' must be in 9..1048576, got 8"},
      {"synthetic:first?length=3", "'length' must be in 4..1048576, got 3"},
      {"synthetic:lookup?needles=2", "unknown key 'needles' for task lookup"},
      {"synthetic:first?noise=0.5", "unknown key 'noise' for task first"},
  };
  for (const auto& [spec, message] : cases) {
    const std::string got = error(spec);
    EXPECT_NE(got.find(message), std::string::npos) << spec << " gave: " << got;
    if (got != "no error") {
      EXPECT_EQ(got.rfind(spec, 0), 0u) << "the error names the spec: " << got;
    }
  }
  SyntheticSpec bad;
  bad.task = "needle";
  bad.length = 0;
  EXPECT_NE(error_of([&] { generate_synthetic(bad); }).find("'length'"), std::string::npos);
}

TEST(SyntheticTest, SameSeedSameDataOtherSeedOtherData) {
  for (const std::string task : {"needle?needles=1&", "needle?needles=2&", "majority?"}) {
    SyntheticSpec spec = parse_synthetic_spec("synthetic:" + task + "length=50&examples=40");
    const std::vector<Example> a = generate_synthetic(spec), b = generate_synthetic(spec);
    spec.seed = 2;
    const std::vector<Example> c = generate_synthetic(spec);
    ASSERT_EQ(a.size(), 40u);
    ASSERT_EQ(c.size(), 40u);
    std::size_t differing = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].text, b[i].text);
      EXPECT_EQ(a[i].label, b[i].label);
      EXPECT_EQ(a[i].where, b[i].where);
      differing += a[i].text != c[i].text;
    }
    EXPECT_GT(differing, 30u) << task;
  }
}

TEST(SyntheticTest, ExactWordCountsAndSingleSpaces) {
  for (const std::string task : {"needle?needles=1", "needle?needles=2", "majority?noise=0", "majority?noise=0.5"}) {
    for (const std::int64_t length : {1, 2, 3, 17, 300}) {
      if (length < 2 && task == "needle?needles=2") continue;
      const SyntheticSpec spec =
          parse_synthetic_spec("synthetic:" + task + "&length=" + std::to_string(length) + "&examples=9");
      const std::vector<Example> examples = generate_synthetic(spec);
      ASSERT_EQ(examples.size(), 9u);
      for (std::size_t i = 0; i < examples.size(); ++i) {
        const Example& e = examples[i];
        EXPECT_EQ(static_cast<std::int64_t>(words_of(e.text).size()), length) << task << " " << e.text;
        EXPECT_EQ(e.text.find("  "), std::string::npos);
        EXPECT_NE(e.text.front(), ' ');
        EXPECT_NE(e.text.back(), ' ');
        EXPECT_EQ(e.where, "synthetic:" + spec.task + "#" + std::to_string(i));
      }
    }
  }
}

TEST(SyntheticTest, NeedleLabelIsTheMarkerWhereverItIs) {
  const SyntheticSpec spec = parse_synthetic_spec("synthetic:needle?length=200&examples=800&vocab=10");
  const std::vector<std::string> labels = synthetic_labels(spec);
  EXPECT_EQ(labels, (std::vector<std::string>{"alpha", "beta", "gamma", "delta"}));
  std::map<std::string, int> per_label;
  int first_tenth = 0, last_tenth = 0;
  for (const Example& e : generate_synthetic(spec)) {
    const std::vector<std::string> words = words_of(e.text);
    const std::vector<std::size_t> at = marker_positions(words);
    ASSERT_EQ(at.size(), 1u) << e.text;
    EXPECT_EQ(words[at[0]], e.label);
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (i != at[0]) {
        EXPECT_TRUE(is_filler(words[i], 10)) << words[i];
      }
    }
    ++per_label[e.label];
    first_tenth += at[0] < 20;
    last_tenth += at[0] >= 180;
  }
  for (const std::string& label : labels) EXPECT_EQ(per_label[label], 200) << label;
  // Uniform positions: about 80 of 800 in each tenth.
  EXPECT_GT(first_tenth, 40);
  EXPECT_GT(last_tenth, 40);
}

// Key–value lookup: word 0 names a key; the label is the word after that key's other
// occurrence. Recomputed from the words; every document holds each key and value once after
// word 0, so a bag of words cannot tell the label; the recorded positions are the query, the
// occurrence and the value.
TEST(SyntheticTest, LookupLabelIsTheValueAfterTheQueriedKey) {
  const SyntheticSpec spec = parse_synthetic_spec("synthetic:lookup?length=40&examples=800&seed=5&vocab=20");
  EXPECT_EQ(synthetic_labels(spec), (std::vector<std::string>{"v0", "v1", "v2", "v3"}));
  std::map<std::string, int> per_label;
  std::map<std::pair<std::string, std::string>, int> query_and_label;
  for (const SyntheticExample& d : generate_synthetic_detailed(spec)) {
    const Example& e = d.example;
    const std::vector<std::string> words = words_of(e.text);
    ASSERT_EQ(words.size(), 40u);
    const std::string& query = words[0];
    ASSERT_EQ(query.size(), 2u);
    ASSERT_EQ(query[0], 'k');
    std::map<std::string, int> count;
    std::size_t occurrence = 0;
    for (std::size_t i = 1; i < words.size(); ++i) {
      ++count[words[i]];
      if (words[i] == query) occurrence = i;
    }
    for (const char* w : {"k0", "k1", "k2", "k3", "v0", "v1", "v2", "v3"}) EXPECT_EQ(count[w], 1) << w << ": " << e.text;
    ASSERT_GT(occurrence, 0u);
    ASSERT_LT(occurrence + 1, words.size());
    EXPECT_EQ(e.label, words[occurrence + 1]);
    for (std::size_t i = 1; i < words.size(); ++i)
      if (words[i][0] == 'k') EXPECT_EQ(words[i + 1][0], 'v') << "each key is followed by its value";
    EXPECT_EQ(d.decisive, (std::vector<std::int64_t>{0, static_cast<std::int64_t>(occurrence),
                                                     static_cast<std::int64_t>(occurrence + 1)}));
    ++per_label[e.label];
    ++query_and_label[{query, e.label}];
  }
  for (const char* v : {"v0", "v1", "v2", "v3"}) EXPECT_EQ(per_label[v], 200);
  EXPECT_EQ(query_and_label.size(), 16u);  // the query key does not give the value away
}

// First marker: all four markers once each; the label is the earliest. Recomputed from the
// words; every label occurs and every marker is sometimes last.
TEST(SyntheticTest, FirstMarkerLabelIsTheEarliestMarker) {
  const SyntheticSpec spec = parse_synthetic_spec("synthetic:first?length=64&examples=400&seed=11");
  EXPECT_EQ(synthetic_labels(spec), (std::vector<std::string>{"alpha", "beta", "gamma", "delta"}));
  std::map<std::string, int> per_label, last;
  for (const SyntheticExample& d : generate_synthetic_detailed(spec)) {
    const std::vector<std::string> words = words_of(d.example.text);
    const std::vector<std::size_t> at = marker_positions(words);
    ASSERT_EQ(at.size(), 4u) << d.example.text;
    std::map<std::string, int> seen;
    for (const std::size_t i : at) ++seen[words[i]];
    EXPECT_EQ(seen.size(), 4u);
    EXPECT_EQ(d.example.label, words[at.front()]);
    EXPECT_EQ(d.decisive, (std::vector<std::int64_t>{static_cast<std::int64_t>(at.front())}));
    ++per_label[d.example.label];
    ++last[words[at.back()]];
  }
  for (const char* m : {"alpha", "beta", "gamma", "delta"}) {
    EXPECT_EQ(per_label[m], 100);
    EXPECT_GT(last[m], 50) << m;
  }
}

// The needle tasks record their markers; the plain generator gives the same examples.
TEST(SyntheticTest, NeedlesRecordTheirMarkers) {
  for (const char* text : {"synthetic:needle?length=50&examples=40&seed=2", "synthetic:needle?needles=2&length=50&examples=40"}) {
    const SyntheticSpec spec = parse_synthetic_spec(text);
    const auto detailed = generate_synthetic_detailed(spec);
    const auto plain = generate_synthetic(spec);
    ASSERT_EQ(detailed.size(), plain.size());
    for (std::size_t i = 0; i < plain.size(); ++i) {
      EXPECT_EQ(detailed[i].example.text, plain[i].text);
      const std::vector<std::size_t> at = marker_positions(words_of(plain[i].text));
      EXPECT_EQ(detailed[i].decisive, std::vector<std::int64_t>(at.begin(), at.end())) << text;
    }
  }
}

TEST(SyntheticTest, TwoNeedlesLabelSaysWhetherTheMarkersMatch) {
  const SyntheticSpec spec = parse_synthetic_spec("synthetic:needle?needles=2&length=100&examples=601&seed=9");
  EXPECT_EQ(synthetic_labels(spec), (std::vector<std::string>{"same", "different"}));
  std::map<std::string, int> per_label, per_kind;
  int last_tenth = 0, adjacent_or_far = 0;
  for (const Example& e : generate_synthetic(spec)) {
    const std::vector<std::string> words = words_of(e.text);
    const std::vector<std::size_t> at = marker_positions(words);
    ASSERT_EQ(at.size(), 2u) << e.text;
    const std::string& x = words[at[0]];
    const std::string& y = words[at[1]];
    EXPECT_TRUE(x == "alpha" || x == "beta") << x;
    EXPECT_TRUE(y == "alpha" || y == "beta") << y;
    EXPECT_EQ(e.label, x == y ? "same" : "different");
    ++per_label[e.label];
    ++per_kind[x];
    last_tenth += at[1] >= 90;
    adjacent_or_far += (at[1] - at[0] < 10) || (at[1] - at[0] > 60);
  }
  EXPECT_EQ(per_label["same"], 301);
  EXPECT_EQ(per_label["different"], 300);
  EXPECT_GT(per_kind["alpha"], 200);  // the first marker's kind is not tied to the label
  EXPECT_GT(per_kind["beta"], 200);
  EXPECT_GT(last_tenth, 50);
  EXPECT_GT(adjacent_or_far, 100);
}

TEST(SyntheticTest, MajorityLabelIsTheCommonerLetterWithAClearMargin) {
  for (const double noise : {0.0, 0.5, 0.9}) {
    SyntheticSpec spec = parse_synthetic_spec("synthetic:majority?length=301&examples=500&vocab=5");
    spec.noise = noise;
    EXPECT_EQ(synthetic_labels(spec), (std::vector<std::string>{"a", "b"}));
    std::map<std::string, int> per_label;
    int narrow = 0;
    for (const Example& e : generate_synthetic(spec)) {
      std::int64_t a = 0, b = 0, other = 0;
      for (const std::string& w : words_of(e.text)) {
        if (w == "a") {
          ++a;
        } else if (w == "b") {
          ++b;
        } else {
          EXPECT_TRUE(is_filler(w, 5)) << w;
          ++other;
        }
      }
      ASSERT_NE(a, b);
      EXPECT_EQ(e.label, a > b ? "a" : "b");
      EXPECT_GE(10 * std::abs(a - b), a + b) << "margin under 10%: a=" << a << " b=" << b;
      EXPECT_EQ(other, static_cast<std::int64_t>(noise * 301)) << noise;
      narrow += 4 * std::abs(a - b) < a + b;  // margins near the 10% floor occur too
      ++per_label[e.label];
    }
    EXPECT_EQ(per_label["a"], 250);
    EXPECT_EQ(per_label["b"], 250);
    EXPECT_GT(narrow, 50) << noise;
  }
}

TEST(SyntheticTest, MajorityOfOneWordStillHasALetter) {
  SyntheticSpec spec = parse_synthetic_spec("synthetic:majority?length=1&examples=4&noise=0.99");
  for (const Example& e : generate_synthetic(spec)) EXPECT_EQ(e.text, e.label);
}

TEST(SyntheticTest, LengthOf65536Generates) {
  for (const std::string task : {"needle?needles=2&", "majority?"}) {
    const SyntheticSpec spec = parse_synthetic_spec("synthetic:" + task + "length=65536&examples=3");
    const std::vector<Example> examples = generate_synthetic(spec);
    ASSERT_EQ(examples.size(), 3u);
    for (const Example& e : examples) EXPECT_EQ(words_of(e.text).size(), 65536u);
  }
}

}  // namespace
}  // namespace fastformer
