// `fastformer train --distributed` and its rendezvous settings; unset flags fall back to
// the standard WORLD_SIZE, RANK, MASTER_ADDR and MASTER_PORT variables.
#pragma once

#include "fastformer/distributed.h"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace fastformer::cli {

struct DistributedOptions {
  bool enabled = false;
  std::optional<int> world_size, rank, master_port;
  std::optional<std::string> master_addr;
  std::string store_file;
  double timeout_s = 300;

  // The settings for this process: flags over the environment over the defaults.
  DistributedConfig config() const;
};

// Adds --distributed, --world-size, --rank, --master-addr, --master-port, --store-file and
// --dist-timeout.
void add_distributed_options(CLI::App& cmd, DistributedOptions& options);

}  // namespace fastformer::cli
