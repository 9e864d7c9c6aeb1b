// Communicator on c10d's ProcessGroupGloo: the TCP (or file) store for the rendezvous and
// key exchange, flat buckets for the collectives (Gloo takes one tensor per call), and
// every c10d/Gloo failure turned into a fastformer::Error that says what to do.
#include "fastformer/distributed.h"

#include "fastformer/error.h"

#include <torch/torch.h>

#if FF_HAVE_C10D_GLOO
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#include <chrono>
#include <cstdlib>
#include <map>

namespace fastformer {

#if FF_HAVE_C10D_GLOO

bool distributed_available() { return true; }

namespace {

// The first line of a c10d/Gloo message, without Gloo's "[file.cc:line] " prefix.
std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.front() == '[' && line.find("] ") != std::string::npos) line.erase(0, line.find("] ") + 2);
  return line;
}

// The tensors of one collective call: same dtype and device, at most `limit` bytes (a
// single larger tensor gets a bucket of its own).
struct Bucket {
  std::vector<torch::Tensor> tensors;
  torch::Tensor flat;  // (sum of numel) packed copy
};

std::vector<Bucket> make_buckets(const std::vector<torch::Tensor>& tensors, std::int64_t limit) {
  std::vector<Bucket> buckets;
  std::map<std::pair<int, std::string>, std::size_t> open;  // (dtype, device) -> bucket being filled
  std::vector<std::int64_t> bytes;
  for (const auto& t : tensors) {
    const auto key = std::make_pair(static_cast<int>(t.scalar_type()), t.device().str());
    const std::int64_t size = t.numel() * static_cast<std::int64_t>(t.element_size());
    auto it = open.find(key);
    if (it == open.end() || bytes[it->second] + size > limit) {
      buckets.emplace_back();
      bytes.push_back(0);
      it = open.insert_or_assign(key, buckets.size() - 1).first;
    }
    buckets[it->second].tensors.push_back(t);
    bytes[it->second] += size;
  }
  for (auto& b : buckets) {
    std::vector<torch::Tensor> flat;
    for (const auto& t : b.tensors) flat.push_back(t.reshape(-1));
    b.flat = torch::cat(flat);
  }
  return buckets;
}

void unpack(Bucket& bucket) {
  std::int64_t offset = 0;
  for (auto& t : bucket.tensors) {
    t.copy_(bucket.flat.narrow(0, offset, t.numel()).view_as(t));
    offset += t.numel();
  }
}

bool is_loopback(const std::string& addr) {
  return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}

class GlooCommunicator final : public Communicator {
 public:
  explicit GlooCommunicator(DistributedConfig config) : Communicator(std::move(config)) {
    const DistributedConfig& c = config_;
    timeout_ = std::chrono::milliseconds(static_cast<std::int64_t>(c.timeout_s * 1000));
    const std::string where = c.store_file.empty() ? c.master_addr + ":" + std::to_string(c.master_port)
                                                   : c.store_file;
    try {
      if (!c.store_file.empty()) {
        store_ = c10::make_intrusive<c10d::FileStore>(c.store_file, c.world_size);
      } else {
        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(c.master_port);
        options.isServer = c.rank == 0;
        options.numWorkers = static_cast<std::size_t>(c.world_size);
        options.waitWorkers = true;  // rank 0 returns once all have joined, or throws at the timeout
        options.timeout = timeout_;
        store_ = c10::make_intrusive<c10d::TCPStore>(c.master_addr, options);
      }
      store_->setTimeout(timeout_);
      auto options = c10d::ProcessGroupGloo::Options::create(timeout_);
      options->devices.push_back(make_device());
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, c.rank, c.world_size, options);
    } catch (const std::exception& e) {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%g", c.timeout_s);
      throw CommunicationError("rank " + std::to_string(c.rank) + " of " + std::to_string(c.world_size) +
                      ": the rendezvous at " + where + " did not complete within " + seconds + " s (" +
                      first_line(e.what()) + ")",
                  "",
                  "start all " + std::to_string(c.world_size) +
                      " workers with the same master address and port, rank 0 first reachable from the others");
    }
  }

  int rank() const override { return config_.rank; }
  int world_size() const override { return config_.world_size; }

  void all_reduce_sum(const std::vector<torch::Tensor>& tensors) override {
    if (tensors.empty()) return;
    guarded("all-reduce", [&] {
      auto buckets = make_buckets(tensors, config_.bucket_bytes);
      std::vector<c10::intrusive_ptr<c10d::Work>> works;
      for (auto& b : buckets) {
        std::vector<at::Tensor> one{b.flat};
        works.push_back(group_->allreduce(one));  // all buckets in flight before the first wait
      }
      for (auto& w : works) w->wait(timeout_);
      for (auto& b : buckets) unpack(b);
    });
  }

  void broadcast(const std::vector<torch::Tensor>& tensors, int root) override {
    if (tensors.empty()) return;
    guarded("broadcast", [&] {
      auto buckets = make_buckets(tensors, config_.bucket_bytes);
      c10d::BroadcastOptions options;
      options.rootRank = root;
      std::vector<c10::intrusive_ptr<c10d::Work>> works;
      for (auto& b : buckets) {
        std::vector<at::Tensor> one{b.flat};
        works.push_back(group_->broadcast(one, options));
      }
      for (auto& w : works) w->wait(timeout_);
      for (auto& b : buckets) unpack(b);
    });
  }

  void check_same(const std::string& name, const std::string& value) override {
    const std::string prefix = "check/" + std::to_string(checks_++) + "/" + name + "/";
    std::vector<std::string> values(static_cast<std::size_t>(world_size()));
    guarded("exchange of " + name, [&] {
      store_->set(prefix + std::to_string(rank()), std::vector<std::uint8_t>(value.begin(), value.end()));
      for (int r = 0; r < world_size(); ++r) {
        const auto bytes = store_->get(prefix + std::to_string(r));
        values[static_cast<std::size_t>(r)].assign(bytes.begin(), bytes.end());
      }
    });
    for (int r = 1; r < world_size(); ++r) {
      if (values[static_cast<std::size_t>(r)] != values[0]) {
        throw Error("rank " + std::to_string(r) + " has different " + name + " than rank 0 (" +
                        values[static_cast<std::size_t>(r)] + " vs " + values[0] + ")",
                    "rank " + std::to_string(r), "start every rank with the same data and settings");
      }
    }
  }

 private:
  std::shared_ptr<::gloo::transport::Device> make_device() const {
    if (const char* name = std::getenv("GLOO_SOCKET_IFNAME"); name != nullptr && *name != '\0') {
      return c10d::ProcessGroupGloo::createDeviceForInterface(name);
    }
    if (!config_.store_file.empty() || is_loopback(config_.master_addr)) {
      return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    }
    return c10d::ProcessGroupGloo::createDefaultDevice();
  }

  // A peer that died closes its sockets (an error at once); one that hangs or vanishes
  // from the network runs into the timeout.
  template <typename F>
  void guarded(const std::string& what, F&& body) {
    try {
      body();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw CommunicationError("rank " + std::to_string(rank()) + " lost contact with the other workers during the " + what +
                      " (" + first_line(e.what()) + ")",
                  "rank " + std::to_string(rank()), "another worker stopped or the network failed");
    }
  }

  std::chrono::milliseconds timeout_{};
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
  std::int64_t checks_ = 0;
};

}  // namespace

std::shared_ptr<Communicator> connect_gloo(const DistributedConfig& config) {
  return std::make_shared<GlooCommunicator>(config);
}

#else  // no c10d/Gloo headers at build time

bool distributed_available() { return false; }

std::shared_ptr<Communicator> connect_gloo(const DistributedConfig&) {
  throw Error("this build has no distributed training (built with -DFF_DISTRIBUTED=OFF, or c10d with Gloo was not "
              "found)",
              "", "install libgloo-dev (scripts/setup) and rebuild with FF_DISTRIBUTED on");
}

#endif

}  // namespace fastformer
