// The parts of data-parallel training that need no network: settings, the standard
// environment variables, batch sharding, and the connect() that picks the backend.
#include "fastformer/distributed.h"

#include "fastformer/error.h"

#include <torch/torch.h>

#include <cstdlib>

namespace fastformer {

// In distributed_gloo.cpp when the build has c10d with Gloo, else a stub that throws.
std::shared_ptr<Communicator> connect_gloo(const DistributedConfig& config);

namespace {

int env_int(const char* name, int fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 0 || value > 1'000'000) {
    throw Error(std::string("the environment variable ") + name + "='" + text + "' is not a valid number", name);
  }
  return static_cast<int>(value);
}

}  // namespace

void DistributedConfig::validate() const {
  if (world_size < 1) throw Error("the world size must be at least 1", "world_size");
  if (rank < 0 || rank >= world_size) {
    throw Error("rank " + std::to_string(rank) + " is outside 0…" + std::to_string(world_size - 1), "rank",
                "ranks count from 0 to world_size-1");
  }
  if (store_file.empty() && (master_port < 1 || master_port > 65535)) {
    throw Error("the master port must be in 1…65535", "master_port");
  }
  if (store_file.empty() && master_addr.empty()) throw Error("the master address is empty", "master_addr");
  if (!(timeout_s > 0)) throw Error("the timeout must be positive", "timeout_s");
  if (bucket_bytes < 1024) throw Error("the all-reduce bucket must hold at least 1 KiB", "bucket_bytes");
}

DistributedConfig distributed_config_from_env(DistributedConfig base) {
  base.world_size = env_int("WORLD_SIZE", base.world_size);
  base.rank = env_int("RANK", base.rank);
  base.master_port = env_int("MASTER_PORT", base.master_port);
  if (const char* addr = std::getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0') base.master_addr = addr;
  return base;
}

std::shared_ptr<Communicator> Communicator::connect(const DistributedConfig& config) {
  config.validate();
  return connect_gloo(config);
}

std::vector<double> Communicator::sum(const std::vector<double>& values) {
  torch::Tensor t = torch::tensor(values, torch::kFloat64);  // (n)
  all_reduce_sum({t});
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

std::vector<std::int64_t> shard_of(const std::vector<std::int64_t>& batch, int rank, int world_size) {
  if (world_size < 1 || rank < 0 || rank >= world_size) throw Error("invalid rank for sharding", "rank");
  const auto n = static_cast<std::int64_t>(batch.size());
  const std::int64_t base = n / world_size, extra = n % world_size;
  const std::int64_t begin = rank * base + std::min<std::int64_t>(rank, extra);
  const std::int64_t size = base + (rank < extra ? 1 : 0);
  return {batch.begin() + begin, batch.begin() + begin + size};
}

}  // namespace fastformer
