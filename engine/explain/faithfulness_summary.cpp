// Faithfulness over a set of documents: AOPC means and spreads per method, and how often a
// method beats the spread of random orders on its own document.
#include "fastformer/explain.h"

#include <cmath>
#include <cstdio>
#include <map>

namespace fastformer {
namespace {

struct Stats {
  double sum = 0, sum2 = 0;
  std::int64_t n = 0;
  void add(double x) { sum += x, sum2 += x * x, ++n; }
  double mean() const { return n > 0 ? sum / static_cast<double>(n) : 0.0; }
  double sd() const {  // sample standard deviation
    if (n < 2) return 0.0;
    const double m = mean();
    return std::sqrt(std::max(0.0, (sum2 - static_cast<double>(n) * m * m) / static_cast<double>(n - 1)));
  }
};

// A document's random orders' deletion AOPCs.
Stats random_aopcs(const Faithfulness& f) {
  Stats s;
  for (const double a : f.random_aopc_deletion) s.add(a);
  return s;
}

// Their mean plus one sample sd.
double random_threshold(const Faithfulness& f) {
  const Stats s = random_aopcs(f);
  return s.mean() + s.sd();
}

}  // namespace

std::vector<FaithfulnessSummary> summarize_faithfulness(const std::vector<Explanation>& explanations) {
  std::vector<std::string> order;  // names as first seen
  std::map<std::string, Stats> deletion, insertion, seconds, beats;
  for (const Explanation& e : explanations) {
    const Faithfulness& f = e.faithfulness;
    if (f.curves.empty()) continue;
    const double threshold = random_threshold(f);
    for (const FaithfulnessCurve& c : f.curves) {
      if (!deletion.count(c.name)) order.push_back(c.name);
      deletion[c.name].add(c.aopc_deletion);
      insertion[c.name].add(c.aopc_insertion);
      if (c.name == "random") {
        seconds[c.name].add(f.seconds);
        continue;
      }
      beats[c.name].add(c.aopc_deletion > threshold ? 1.0 : 0.0);
      double s = 0;
      for (const Attribution& a : e.attributions)
        if (to_string(a.method) == c.name) s = a.seconds;
      seconds[c.name].add(s);
    }
  }
  std::vector<FaithfulnessSummary> out;
  for (const std::string& name : order) {
    FaithfulnessSummary s;
    s.name = name;
    s.documents = deletion[name].n;
    s.aopc_deletion = deletion[name].mean();
    s.aopc_deletion_sd = deletion[name].sd();
    s.aopc_insertion = insertion[name].mean();
    s.aopc_insertion_sd = insertion[name].sd();
    s.beats_random = beats[name].mean();
    s.seconds = seconds[name].mean();
    out.push_back(s);
  }
  return out;
}

Verdict faithfulness_verdict(const Faithfulness& f, const FaithfulnessCurve& curve) {
  const Stats s = random_aopcs(f);
  if (curve.aopc_deletion > s.mean() + s.sd()) return Verdict::better;
  if (curve.aopc_deletion < s.mean() - s.sd()) return Verdict::worse;
  return Verdict::no_better;
}

std::string verdict_text(const Faithfulness& f, const FaithfulnessCurve& curve) {
  const Stats s = random_aopcs(f);
  const char* words[] = {"better than random", "no better than random", "worse than random"};
  char numbers[128];
  std::snprintf(numbers, sizeof numbers, " on this document (AOPC deletion %.3f; random %.3f ± %.3f)", curve.aopc_deletion,
                s.mean(), s.sd());
  return curve.name + ": " + words[static_cast<int>(faithfulness_verdict(f, curve))] + numbers;
}

}  // namespace fastformer
