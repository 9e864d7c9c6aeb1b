// Built-in synthetic datasets ("synthetic:needle?length=4096") for long-range tests: they
// produce ordinary Examples, so the normal tokenizer + trainer pipeline handles them.
#pragma once

#include "fastformer/dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fastformer {

// Every text is exactly `length` words joined by single spaces (a word-level tokenizer
// gives one token per word). Filler words are "w0".."w{vocab-1}", drawn uniformly.
//
// needle, needles=1: one filler position, uniform over [0, length), is replaced by a marker
//   "alpha" | "beta" | "gamma" | "delta"; label = that marker (4 classes).
// needle, needles=2: two distinct filler positions, uniform over [0, length), are replaced
//   by markers, each "alpha" or "beta"; label = "same" when both markers are the same
//   word, else "different" (2 classes). Only the markers decide the label, wherever they
//   are, so a model needs global context.
// lookup (key–value lookup): word 0 is one of the keys "k0".."k3"; each of the four keys
//   also occurs once later, in word pairs (key, value) at uniform non-overlapping places,
//   its value one of "v0".."v3" (a uniform permutation: every value once); label = the
//   value after the key that word 0 names (4 classes). Every document holds the same bag of
//   keys and values, so only the query's match with its occurrence decides the label.
//   length >= 9.
// first (first marker): each of "alpha" | "beta" | "gamma" | "delta" occurs exactly once,
//   at four uniform distinct places; label = the marker that occurs first (4 classes).
//   The bag of words says nothing; position does. length >= 4.
// majority: m = length - floor(noise * length) words are "a" or "b" (at least one), the
//   other words are filler; label = the letter that occurs more often. The minority count
//   is uniform over [0, floor((m - need) / 2)] with need = max(1, ceil(m / 10)), so the
//   margin (majority - minority) is at least 10% of m and a tie is impossible. Word
//   order is a uniform shuffle.
//
// Labels are balanced: example i gets class (i mod classes) and the class list is then
// shuffled. Everything is drawn from one std::mt19937_64 seeded with `seed`, mapped to
// ranges by our own code (not std::uniform_int_distribution, whose mapping differs
// between standard libraries), so a spec gives the same data everywhere.
// `where` is "synthetic:<task>#<index>".
struct SyntheticSpec {
  std::string task;                // needle | lookup | first | majority
  std::int64_t length = 1024;      // words per example, 1..1048576 (needles=2: >= 2)
  std::int64_t examples = 2000;    // 1..10000000; length * examples <= 2^28 words
  std::uint64_t seed = 1;
  std::int64_t vocab = 64;         // filler words, 1..100000
  std::int64_t needles = 1;        // needle only: 1 or 2
  double noise = 0.5;              // majority only: filler fraction, [0, 1)
};

// Parses "synthetic:<task>[?key=value&...]"; keys: length, examples, seed, vocab,
// needles (needle), noise (majority). An unknown task, unknown or repeated key, a key
// that does not apply to the task, or a bad value throws fastformer::Error naming it.
SyntheticSpec parse_synthetic_spec(const std::string& spec);

// True when `spec` starts with "synthetic:" (so it names no file).
bool is_synthetic_spec(const std::string& spec);

// Label names in a fixed order (the class ids a trainer should use).
std::vector<std::string> synthetic_labels(const SyntheticSpec& spec);

// Generates spec.examples examples; deterministic for the same spec. Throws
// fastformer::Error for a spec that parse_synthetic_spec would reject.
std::vector<Example> generate_synthetic(const SyntheticSpec& spec);

// An example and the word positions that decide its label: needle, the marker(s); lookup,
// the query (0), the key's occurrence and its value; first, the first marker; majority,
// none (every letter counts).
struct SyntheticExample {
  Example example;
  std::vector<std::int64_t> decisive;  // word indices, ascending
};
std::vector<SyntheticExample> generate_synthetic_detailed(const SyntheticSpec& spec);

}  // namespace fastformer
