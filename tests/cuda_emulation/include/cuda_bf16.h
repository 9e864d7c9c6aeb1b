// Stands in for CUDA's <cuda_bf16.h> on the CPU: see ../cuda_shim.h.
#pragma once
#include "../cuda_shim.h"
