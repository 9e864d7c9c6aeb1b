// Thread configuration, device parsing and build facts.
#include "fastformer/runtime.h"

#include "fastformer/error.h"

#include <torch/torch.h>
#include <torch/version.h>

#ifdef FF_HAVE_CUDA_KERNELS
#include "cuda/device_info.h"
#endif

#include <link.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>

#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

namespace fastformer {

void apply_process_policies(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::execv("/proc/self/exe", argv);  // returns only on failure: carry on as we are
  }
  // Large buffers come from the heap instead of fresh mmaps, and freed memory stays there
  // up to 1 GiB instead of going back to the kernel, so repeated same-shaped steps reuse
  // their buffers rather than faulting and zeroing new pages (docs/performance.md).
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

int configure_threads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  return at::get_num_threads();
}

torch::Device parse_device(const std::string& name) {
  std::optional<torch::Device> device;
  try {
    device.emplace(name);
  } catch (const c10::Error&) {
    throw Error("unknown device '" + name + "'", "--device", "use cpu, cuda or cuda:N");
  }
  if (device->is_cuda()) {
    const auto count = static_cast<int>(torch::cuda::device_count());
    if (count == 0) throw Error("CUDA is not available in this build or on this machine", "--device", "use cpu");
    if (device->has_index() && device->index() >= count) {
      throw Error("there is no " + name + " (" + std::to_string(count) + " CUDA devices)", "--device");
    }
  } else if (!device->is_cpu()) {
    throw Error("unsupported device '" + name + "'", "--device", "use cpu, cuda or cuda:N");
  }
  return *device;
}

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.version = FF_VERSION;
  info.torch_version = TORCH_VERSION;
  info.threads = at::get_num_threads();
  info.cuda_devices = static_cast<int>(torch::cuda::device_count());
  for (int i = 0; i < info.cuda_devices; ++i) {
#ifdef FF_HAVE_CUDA_KERNELS
    info.cuda_names.push_back(cuda::describe_device(i));
#else
    info.cuda_names.emplace_back();
#endif
  }
  // at::show_config() lists the build settings; its BLAS_INFO entry names the BLAS.
  std::istringstream config(at::show_config());
  for (std::string line; std::getline(config, line);) {
    const auto pos = line.find("BLAS_INFO=");
    if (pos != std::string::npos) {
      info.blas = line.substr(pos + 10);
      info.blas = info.blas.substr(0, info.blas.find(','));
    }
  }
  if (info.blas.empty()) info.blas = "unknown";
  // "generic" means whatever libblas.so.3 resolves to at run time: name the loaded one.
  std::string loaded;
  dl_iterate_phdr(
      [](dl_phdr_info* lib, size_t, void* out) {
        const std::string path = lib->dlpi_name ? lib->dlpi_name : "";
        if (path.find("blas") == std::string::npos) return 0;
        std::error_code ec;  // libblas.so.3 is a Debian alternatives link: show its target
        const auto real = std::filesystem::canonical(path, ec);
        *static_cast<std::string*>(out) = ec ? path : real.string();
        return 0;
      },
      &loaded);
  if (!loaded.empty()) info.blas += " (" + loaded + ")";
  return info;
}

}  // namespace fastformer
