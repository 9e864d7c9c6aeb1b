// Stands in for CUDA's <cuda_runtime_api.h> on the CPU: see ../cuda_shim.h.
#pragma once
#include "../cuda_shim.h"
