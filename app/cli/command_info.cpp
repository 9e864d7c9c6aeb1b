// `fastformer info`: versions, devices, the CPU's bf16 support, threads and BLAS of this build
// and machine, and where the subword tokenizers' plugin and the shipped resources were found.
#include "commands.h"

#include "fastformer/cpu_features.h"
#include "fastformer/cuda_core.h"
#include "fastformer/distributed.h"
#include "fastformer/resources.h"
#include "fastformer/runtime.h"
#include "fastformer/subword_plugin.h"

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
              << "CPU               " << describe(cpu_features()) << "\n"
              << "CPU threads       " << info.threads << "\n"
              << "BLAS              " << info.blas << "\n"
              << "distributed       " << (distributed_available() ? "c10d (Gloo)" : "no (built without c10d/Gloo)")
              << "\n";
    const SubwordPlugin plugin = subword_plugin();
    std::cout << "subword tokenizer " << (plugin.loaded ? "SentencePiece plugin " : "unavailable: ") << plugin.location
              << "\n";
    const auto models = find_resource("models");
    std::cout << "resources         " << (models ? models->parent_path().string() : std::string("not found")) << "\n";
  });
}

}  // namespace fastformer::cli
