// Data-parallel training across processes and machines on PyTorch's own distributed layer
// (c10d, the Gloo backend): rendezvous through a TCP store (or a file store on one
// machine), bucketed all-reduce of the gradients, broadcast of the starting weights, and
// a check that every rank prepared the same data. Each failure of a peer or of the
// rendezvous becomes a fastformer::Error that says which, within `timeout_s`.
#pragma once

#include "fastformer/error.h"

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fastformer {

// A peer stopped answering or the rendezvous failed: the run cannot go on.
class CommunicationError : public Error {
 public:
  using Error::Error;
};

struct DistributedConfig {
  int world_size = 1;
  int rank = 0;
  std::string master_addr = "127.0.0.1";  // where rank 0 serves the TCP store
  int master_port = 29500;
  std::string store_file;  // non-empty: a file store at this path instead (one machine)
  double timeout_s = 300;  // rendezvous, and any one collective
  std::int64_t bucket_bytes = std::int64_t{25} << 20;  // gradients all-reduced per bucket

  bool enabled() const { return world_size > 1; }
  void validate() const;  // throws fastformer::Error naming the setting
};

// The standard variables WORLD_SIZE, RANK, MASTER_ADDR and MASTER_PORT (as set by
// `fastformer launch`, torchrun or a cluster scheduler) over `base`.
DistributedConfig distributed_config_from_env(DistributedConfig base = {});

// True when this build has c10d with Gloo (Debian's libgloo-dev headers at build time).
bool distributed_available();

// One process's membership of the group. All ranks must call the collectives in the same
// order with tensors of the same shapes.
class Communicator {
 public:
  // Joins the group: blocks until all `world_size` ranks have joined or `timeout_s` passed.
  static std::shared_ptr<Communicator> connect(const DistributedConfig& config);
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  const DistributedConfig& config() const { return config_; }

  // Sums each tensor over the ranks, in place. Tensors are packed into flat buckets of at
  // most config().bucket_bytes (per dtype and device), all buckets in flight at once.
  virtual void all_reduce_sum(const std::vector<torch::Tensor>& tensors) = 0;
  // Copies rank `root`'s tensors into every rank's, in place.
  virtual void broadcast(const std::vector<torch::Tensor>& tensors, int root) = 0;
  // Throws, naming the first differing rank, unless every rank passed the same `value`
  // under this `name` (e.g. a fingerprint of the encoded data).
  virtual void check_same(const std::string& name, const std::string& value) = 0;

  // Sums a few numbers over the ranks (as float64).
  std::vector<double> sum(const std::vector<double>& values);

 protected:
  explicit Communicator(DistributedConfig config) : config_(std::move(config)) {}
  DistributedConfig config_;
};

// This rank's part of a global batch: contiguous, sizes differ by at most one, the lower
// ranks get the extra examples. Every index lands on exactly one rank.
std::vector<std::int64_t> shard_of(const std::vector<std::int64_t>& batch, int rank, int world_size);

}  // namespace fastformer
