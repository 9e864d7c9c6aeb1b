// Upper estimates of the activation memory a forward pass or a training step needs, and the
// memory the machine has free, so that a batch too large for RAM is refused with a clear
// message instead of the kernel killing the process.
#pragma once

#include "fastformer/model_config.h"

#include <cstdint>

namespace fastformer {

// Activation bytes of one forward pass (training: kept for backward too) in float32.
std::int64_t estimate_activation_bytes(const ModelConfig& config, std::int64_t batch, std::int64_t tokens,
                                       bool training);

// MemAvailable from /proc/meminfo, or -1 when it cannot be read.
std::int64_t available_memory_bytes();

// "3.2 GiB"
std::string format_bytes(std::int64_t bytes);

}  // namespace fastformer
