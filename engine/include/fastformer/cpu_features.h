// What this CPU offers the bf16 path (precision=bf16): AVX-512, its BF16 dot products and
// Intel AMX tiles, read from /proc/cpuinfo so that `fastformer info` can say whether bf16
// matrix products have hardware behind them here (the machines this runs on differ).
#pragma once

#include <string>

namespace fastformer {

struct CpuFeatures {
  std::string model;         // "model name", or empty where unknown
  bool avx512f = false;      // AVX-512 Foundation
  bool avx512_bf16 = false;  // VDPBF16PS and conversions
  bool amx_bf16 = false;     // AMX tiles with bf16 (needs amx_tile too)
  bool amx_tile = false;
};

// Parses the text of /proc/cpuinfo (its first processor's "model name" and "flags").
CpuFeatures parse_cpuinfo(const std::string& text);
// This machine's; all false (and no model) where /proc/cpuinfo cannot be read.
CpuFeatures cpu_features();
// One line: "AMD EPYC · AVX-512 · AVX512-BF16 · no AMX".
std::string describe(const CpuFeatures& f);

}  // namespace fastformer
