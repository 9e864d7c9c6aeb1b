#include "fastformer/cpu_features.h"

#include <fstream>
#include <sstream>

namespace fastformer {
namespace {

// The value of the first "key : value" line whose key is `key`.
std::string field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (name != key) continue;
    const auto start = line.find_first_not_of(' ', colon + 1);
    return start == std::string::npos ? std::string() : line.substr(start);
  }
  return {};
}

bool has_flag(const std::string& flags, const std::string& flag) {
  std::istringstream in(flags);
  for (std::string f; in >> f;)
    if (f == flag) return true;
  return false;
}

}  // namespace

CpuFeatures parse_cpuinfo(const std::string& text) {
  CpuFeatures f;
  f.model = field(text, "model name");
  const std::string flags = field(text, "flags");
  f.avx512f = has_flag(flags, "avx512f");
  f.avx512_bf16 = has_flag(flags, "avx512_bf16");
  f.amx_bf16 = has_flag(flags, "amx_bf16");
  f.amx_tile = has_flag(flags, "amx_tile");
  return f;
}

CpuFeatures cpu_features() {
  std::ifstream in("/proc/cpuinfo");
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_cpuinfo(text.str());
}

std::string describe(const CpuFeatures& f) {
  std::string out = f.model.empty() ? std::string("unknown CPU") : f.model;
  out += f.avx512f ? " · AVX-512" : " · no AVX-512";
  out += f.avx512_bf16 ? " · AVX512-BF16" : " · no AVX512-BF16";
  out += f.amx_bf16 && f.amx_tile ? " · AMX-BF16" : " · no AMX";
  return out;
}

}  // namespace fastformer
