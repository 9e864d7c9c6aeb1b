// Synthetic datasets: parses "synthetic:<task>?key=value&..." and generates needle, lookup,
// first-marker and majority examples (definitions in synthetic.h).
#include "data/synthetic.h"

#include "fastformer/error.h"

#include <algorithm>
#include <charconv>
#include <locale>
#include <random>
#include <set>
#include <sstream>

namespace fastformer {
namespace {

constexpr const char* kPrefix = "synthetic:";
constexpr std::int64_t kMaxLength = 1 << 20;
constexpr std::int64_t kMaxExamples = 10'000'000;
constexpr std::int64_t kMaxWords = std::int64_t{1} << 28;  // ~1 GB of text
constexpr std::int64_t kMaxVocab = 100'000;

const std::vector<std::string> kNeedleKinds = {"alpha", "beta", "gamma", "delta"};
const std::vector<std::string> kKeys = {"k0", "k1", "k2", "k3"};
const std::vector<std::string> kValues = {"v0", "v1", "v2", "v3"};
const std::vector<std::string> kTasks = {"needle", "lookup", "first", "majority"};

// Uniform over [0, n): rejects the low (2^64 mod n) outputs so `x % n` is unbiased.
std::uint64_t uniform(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t threshold = (0 - n) % n;
  for (;;) {
    const std::uint64_t x = rng();
    if (x >= threshold) return x % n;
  }
}

template <typename T>
void shuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (std::size_t i = items.size(); i > 1; --i) {
    std::swap(items[i - 1], items[uniform(rng, i)]);
  }
}

std::string task_keys(const std::string& task) {
  if (task == "needle") return "length, examples, seed, vocab, needles";
  if (task == "majority") return "length, examples, seed, vocab, noise";
  return "length, examples, seed, vocab";
}

void check_range(const char* key, std::int64_t value, std::int64_t lo, std::int64_t hi,
                 const std::string& where) {
  if (value < lo || value > hi) {
    throw Error("'" + std::string(key) + "' must be in " + std::to_string(lo) + ".." +
                    std::to_string(hi) + ", got " + std::to_string(value),
                where);
  }
}

void validate(const SyntheticSpec& spec, const std::string& where) {
  if (std::find(kTasks.begin(), kTasks.end(), spec.task) == kTasks.end()) {
    throw Error("unknown synthetic task '" + spec.task + "'", where, "tasks: needle, lookup, first, majority");
  }
  const std::int64_t shortest = spec.task == "needle" ? spec.needles : spec.task == "lookup" ? 9 : spec.task == "first" ? 4 : 1;
  check_range("length", spec.length, shortest, kMaxLength, where);
  check_range("examples", spec.examples, 1, kMaxExamples, where);
  check_range("vocab", spec.vocab, 1, kMaxVocab, where);
  check_range("needles", spec.needles, 1, 2, where);
  if (!(spec.noise >= 0.0 && spec.noise < 1.0)) {
    throw Error("'noise' must be in [0, 1), got " + std::to_string(spec.noise), where);
  }
  if (spec.length * spec.examples > kMaxWords) {
    throw Error("length x examples = " + std::to_string(spec.length * spec.examples) +
                    " words is over the limit of " + std::to_string(kMaxWords),
                where, "use fewer or shorter examples");
  }
}

template <typename T>
T parse_integer(const std::string& key, const std::string& value, const std::string& where) {
  T out{};
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
    throw Error("'" + key + "' needs a whole number, got '" + value + "'", where);
  }
  return out;
}

// The classic locale: a GUI may have set a locale whose decimal point is ','.
double parse_fraction(const std::string& key, const std::string& value, const std::string& where) {
  std::istringstream in(value);
  in.imbue(std::locale::classic());
  double out = 0;
  in >> out;
  if (value.empty() || in.fail() || !in.eof()) {
    throw Error("'" + key + "' needs a number, got '" + value + "'", where);
  }
  return out;
}

// Joins the words with single spaces into one string, sized up front.
std::string join(const std::vector<const std::string*>& words) {
  std::size_t size = words.empty() ? 0 : words.size() - 1;
  for (const std::string* w : words) size += w->size();
  std::string text;
  text.reserve(size);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) text += ' ';
    text += *words[i];
  }
  return text;
}

// Every example's class: i mod classes, then shuffled, so classes are balanced to within one.
std::vector<std::size_t> balanced_classes(std::int64_t examples, std::size_t classes, std::mt19937_64& rng) {
  std::vector<std::size_t> out(static_cast<std::size_t>(examples));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = i % classes;
  shuffle(out, rng);
  return out;
}

}  // namespace

bool is_synthetic_spec(const std::string& spec) { return spec.rfind(kPrefix, 0) == 0; }

SyntheticSpec parse_synthetic_spec(const std::string& spec) {
  if (!is_synthetic_spec(spec)) {
    throw Error("not a synthetic dataset spec", spec, "write synthetic:<task>?key=value&...");
  }
  const std::string body = spec.substr(std::string(kPrefix).size());
  const std::size_t question = body.find('?');
  SyntheticSpec out;
  out.task = body.substr(0, question);
  validate(out, spec);  // the task, before its keys
  if (question == std::string::npos) return out;

  std::set<std::string> seen;
  std::istringstream query(body.substr(question + 1));
  std::string item;
  while (std::getline(query, item, '&')) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("expected key=value, got '" + item + "'", spec, "keys: " + task_keys(out.task));
    }
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    if (!seen.insert(key).second) throw Error("key '" + key + "' is given twice", spec);
    if (key == "length") {
      out.length = parse_integer<std::int64_t>(key, value, spec);
    } else if (key == "examples") {
      out.examples = parse_integer<std::int64_t>(key, value, spec);
    } else if (key == "seed") {
      out.seed = parse_integer<std::uint64_t>(key, value, spec);
    } else if (key == "vocab") {
      out.vocab = parse_integer<std::int64_t>(key, value, spec);
    } else if (key == "needles" && out.task == "needle") {
      out.needles = parse_integer<std::int64_t>(key, value, spec);
    } else if (key == "noise" && out.task == "majority") {
      out.noise = parse_fraction(key, value, spec);
    } else {
      throw Error("unknown key '" + key + "' for task " + out.task, spec, "keys: " + task_keys(out.task));
    }
  }
  if (body.back() == '&' || body.back() == '?') {
    throw Error("expected key=value after the last '" + std::string(1, body.back()) + "'", spec);
  }
  validate(out, spec);
  return out;
}

std::vector<std::string> synthetic_labels(const SyntheticSpec& spec) {
  if (spec.task == "majority") return {"a", "b"};
  if (spec.task == "needle" && spec.needles == 2) return {"same", "different"};
  if (spec.task == "needle" || spec.task == "first") return kNeedleKinds;
  if (spec.task == "lookup") return kValues;
  throw Error("unknown synthetic task '" + spec.task + "'", kPrefix + spec.task, "tasks: needle, lookup, first, majority");
}

std::vector<Example> generate_synthetic(const SyntheticSpec& spec) {
  std::vector<Example> out;
  for (SyntheticExample& e : generate_synthetic_detailed(spec)) out.push_back(std::move(e.example));
  return out;
}

std::vector<SyntheticExample> generate_synthetic_detailed(const SyntheticSpec& spec) {
  validate(spec, kPrefix + spec.task);
  std::mt19937_64 rng(spec.seed);
  const std::vector<std::string> labels = synthetic_labels(spec);

  std::vector<std::string> filler(static_cast<std::size_t>(spec.vocab));
  for (std::size_t i = 0; i < filler.size(); ++i) filler[i] = "w" + std::to_string(i);
  const std::string letter[2] = {"a", "b"};
  const auto length = static_cast<std::size_t>(spec.length);
  const auto fill = [&](std::vector<const std::string*>& words, std::size_t from) {
    for (std::size_t i = from; i < words.size(); ++i) words[i] = &filler[uniform(rng, filler.size())];
  };

  std::vector<SyntheticExample> out;
  out.reserve(static_cast<std::size_t>(spec.examples));
  const std::vector<std::size_t> classes = balanced_classes(spec.examples, labels.size(), rng);
  std::vector<const std::string*> words(length);
  for (std::size_t index = 0; index < classes.size(); ++index) {
    const std::size_t label = classes[index];
    std::vector<std::int64_t> decisive;
    if (spec.task == "needle") {
      fill(words, 0);
      const std::size_t first = uniform(rng, length);
      decisive.push_back(static_cast<std::int64_t>(first));
      if (spec.needles == 1) {
        words[first] = &kNeedleKinds[label];
      } else {
        std::size_t second = uniform(rng, length - 1);  // distinct from first
        if (second >= first) ++second;
        const std::size_t kind = uniform(rng, 2);
        words[first] = &kNeedleKinds[kind];
        words[second] = &kNeedleKinds[label == 0 ? kind : 1 - kind];  // 0: same
        decisive.push_back(static_cast<std::int64_t>(second));
      }
    } else if (spec.task == "lookup") {
      fill(words, 1);
      // Four (key, value) pairs in four of the (length − 1) / 2 two-word slots after word 0.
      std::vector<std::size_t> slots((length - 1) / 2);
      for (std::size_t s = 0; s < slots.size(); ++s) slots[s] = s;
      shuffle(slots, rng);
      std::vector<std::size_t> value_of{0, 1, 2, 3};  // key k → value_of[k]
      shuffle(value_of, rng);
      const std::size_t query = static_cast<std::size_t>(std::find(value_of.begin(), value_of.end(), label) - value_of.begin());
      words[0] = &kKeys[query];
      decisive.push_back(0);
      for (std::size_t k = 0; k < kKeys.size(); ++k) {
        const std::size_t at = 1 + 2 * slots[k];
        words[at] = &kKeys[k];
        words[at + 1] = &kValues[value_of[k]];
        if (k == query) decisive.insert(decisive.end(), {static_cast<std::int64_t>(at), static_cast<std::int64_t>(at + 1)});
      }
    } else if (spec.task == "first") {
      fill(words, 0);
      // Four distinct places; the earliest gets the label's marker, the others the rest in
      // a uniform order.
      std::vector<std::size_t> places;
      while (places.size() < kNeedleKinds.size()) {
        const std::size_t p = uniform(rng, length);
        if (std::find(places.begin(), places.end(), p) == places.end()) places.push_back(p);
      }
      std::sort(places.begin(), places.end());
      std::vector<std::size_t> others;
      for (std::size_t m = 0; m < kNeedleKinds.size(); ++m)
        if (m != label) others.push_back(m);
      shuffle(others, rng);
      words[places[0]] = &kNeedleKinds[label];
      for (std::size_t i = 1; i < places.size(); ++i) words[places[i]] = &kNeedleKinds[others[i - 1]];
      decisive.push_back(static_cast<std::int64_t>(places[0]));
    } else {
      const auto noise = static_cast<std::size_t>(spec.noise * static_cast<double>(length));
      const std::size_t m = std::max<std::size_t>(1, length - std::min(noise, length));
      const std::size_t need = std::max<std::size_t>(1, (m + 9) / 10);  // ceil(m / 10)
      const std::size_t minority = uniform(rng, (m - need) / 2 + 1);
      std::fill(words.begin(), words.begin() + (m - minority), &letter[label]);
      std::fill(words.begin() + (m - minority), words.begin() + m, &letter[1 - label]);
      fill(words, m);
      shuffle(words, rng);
    }
    std::sort(decisive.begin(), decisive.end());
    out.push_back({{join(words), labels[label], kPrefix + spec.task + "#" + std::to_string(index)}, std::move(decisive)});
  }
  return out;
}

}  // namespace fastformer
