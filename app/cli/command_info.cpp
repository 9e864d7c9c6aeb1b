// `fastformer info`: versions, devices, threads and BLAS of this build and machine.
#include "commands.h"

#include "fastformer/cuda_core.h"
#include "fastformer/distributed.h"
#include "fastformer/runtime.h"

#include <iostream>

namespace fastformer::cli {

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Show versions, devices, threads and BLAS");
  cmd->callback([] {
    prepare_runtime();
    const RuntimeInfo info = runtime_info();
    std::cout << "Fastformer Studio " << info.version << "\n"
              << "LibTorch          " << info.torch_version << "\n"
              << "devices           cpu" << (info.cuda_devices > 0 ? ", cuda x" + std::to_string(info.cuda_devices) : "")
              << "\n";
    for (int i = 0; i < info.cuda_devices; ++i) {
      const std::string& name = info.cuda_names[static_cast<std::size_t>(i)];
      std::cout << "  cuda:" << i << (name.empty() ? "" : "          " + name) << "\n";
    }
    std::cout << "fused CUDA core   "
              << (!fused_cuda_core_built()     ? "not built (-DFF_CUDA_KERNELS=ON with a CUDA LibTorch)"
                  : fused_cuda_core_enabled() ? "on"
                                              : "off (FF_CUDA_KERNELS=0)")
              << "\n"
              << "CPU threads       " << info.threads << "\n"
              << "BLAS              " << info.blas << "\n"
              << "distributed       " << (distributed_available() ? "c10d (Gloo)" : "no (built without c10d/Gloo)")
              << "\n";
  });
}

}  // namespace fastformer::cli
