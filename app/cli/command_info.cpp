// `fastformer info`: versions, devices, threads and BLAS of this build and machine.
#include "commands.h"

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
              << "\n"
              << "CPU threads       " << info.threads << "\n"
              << "BLAS              " << info.blas << "\n"
              << "distributed       " << (distributed_available() ? "c10d (Gloo)" : "no (built without c10d/Gloo)")
              << "\n";
  });
}

}  // namespace fastformer::cli
