// Rendezvous flags of `fastformer train --distributed` (see distributed_options.h).
#include "distributed_options.h"

namespace fastformer::cli {

DistributedConfig DistributedOptions::config() const {
  DistributedConfig c = distributed_config_from_env();
  if (world_size) c.world_size = *world_size;
  if (rank) c.rank = *rank;
  if (master_addr) c.master_addr = *master_addr;
  if (master_port) c.master_port = *master_port;
  c.store_file = store_file;
  c.timeout_s = timeout_s;
  return c;
}

void add_distributed_options(CLI::App& cmd, DistributedOptions& o) {
  const std::string group = "Distributed (data-parallel) training";
  cmd.add_flag("--distributed", o.enabled,
               "Train as one rank of a data-parallel group (c10d, Gloo); see also `fastformer launch`")
      ->group(group);
  cmd.add_option("--world-size", o.world_size, "Number of ranks (default: $WORLD_SIZE)")->group(group);
  cmd.add_option("--rank", o.rank, "This process's rank, 0…world_size-1 (default: $RANK)")->group(group);
  cmd.add_option("--master-addr", o.master_addr, "Host of rank 0's TCP store (default: $MASTER_ADDR or 127.0.0.1)")
      ->group(group);
  cmd.add_option("--master-port", o.master_port, "Port of rank 0's TCP store (default: $MASTER_PORT or 29500)")
      ->group(group);
  cmd.add_option("--store-file", o.store_file,
                 "Rendezvous through a file store at this new path instead of TCP (ranks on one machine)")
      ->group(group);
  cmd.add_option("--dist-timeout", o.timeout_s,
                 "Seconds to wait for the rendezvous or for a peer in any collective before giving up")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group(group);
}

}  // namespace fastformer::cli
