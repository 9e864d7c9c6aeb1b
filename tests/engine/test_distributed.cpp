// Data-parallel pieces: batch sharding, and the c10d/Gloo communicator with two ranks as
// two threads of this process (a file store, loopback sockets): bucketed all-reduce,
// broadcast, the same-data check, and a rendezvous that never completes.
#include "fastformer/distributed.h"
#include "fastformer/metrics.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>
#include <unistd.h>

namespace fastformer {
namespace {

namespace fs = std::filesystem;

TEST(ShardTest, EveryIndexOnExactlyOneRankInOrderAndBalanced) {
  for (int n = 0; n <= 17; ++n) {
    std::vector<std::int64_t> batch;
    for (int i = 0; i < n; ++i) batch.push_back(100 + 7 * i);
    for (int world = 1; world <= 5; ++world) {
      std::vector<std::int64_t> joined;
      std::size_t smallest = batch.size(), largest = 0, previous = batch.size() + 1;
      for (int rank = 0; rank < world; ++rank) {
        const auto part = shard_of(batch, rank, world);
        joined.insert(joined.end(), part.begin(), part.end());
        smallest = std::min(smallest, part.size());
        largest = std::max(largest, part.size());
        EXPECT_LE(part.size(), previous) << "lower ranks take the extra examples";
        previous = part.size();
      }
      EXPECT_EQ(joined, batch) << "n=" << n << " world=" << world;
      EXPECT_LE(largest - smallest, 1u);
    }
  }
  EXPECT_ANY_THROW(shard_of({1, 2}, 2, 2));
}

TEST(MetricsTest, AddCountsMergesTwoPartsIntoTheWhole) {
  MetricsAccumulator whole(3), a(3), b(3);
  whole.add({0, 1, 2, 2, 1}, {0, 2, 2, 1, 1}, 5.0);
  a.add({0, 1}, {0, 2}, 2.0);
  b.add({2, 2, 1}, {2, 1, 1}, 3.0);
  MetricsAccumulator merged(3);
  merged.add_counts(a.result().confusion, 2.0);
  merged.add_counts(b.result().confusion, 3.0);
  const auto m = merged.result(), w = whole.result();
  EXPECT_EQ(m.examples, 5);
  EXPECT_EQ(m.confusion, w.confusion);
  EXPECT_DOUBLE_EQ(m.accuracy, 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(m.loss, 1.0);
  EXPECT_DOUBLE_EQ(m.macro_f1, w.macro_f1);
}

TEST(DistributedConfigTest, EnvironmentAndValidation) {
  ::setenv("WORLD_SIZE", "4", 1);
  ::setenv("RANK", "3", 1);
  ::setenv("MASTER_ADDR", "10.1.2.3", 1);
  ::setenv("MASTER_PORT", "1234", 1);
  const DistributedConfig c = distributed_config_from_env();
  EXPECT_EQ(c.world_size, 4);
  EXPECT_EQ(c.rank, 3);
  EXPECT_EQ(c.master_addr, "10.1.2.3");
  EXPECT_EQ(c.master_port, 1234);
  EXPECT_NO_THROW(c.validate());
  ::setenv("RANK", "x1", 1);
  EXPECT_THROW(distributed_config_from_env(), Error);
  for (const char* name : {"WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT"}) ::unsetenv(name);
  DistributedConfig bad;
  bad.world_size = 2;
  bad.rank = 2;
  EXPECT_THROW(bad.validate(), Error);
}

// Runs body(rank, communicator) on two threads joined through a fresh file store.
void with_two_ranks(const std::function<void(int, Communicator&)>& body, std::int64_t bucket_bytes = 1024) {
  const fs::path store = fs::temp_directory_path() / ("ff-store-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::exception_ptr failure[2];
  std::vector<std::thread> threads;
  for (int rank = 0; rank < 2; ++rank) {
    threads.emplace_back([&, rank] {
      try {
        DistributedConfig c;
        c.world_size = 2;
        c.rank = rank;
        c.store_file = store.string();
        c.timeout_s = 30;
        c.bucket_bytes = bucket_bytes;
        auto communicator = Communicator::connect(c);
        body(rank, *communicator);
      } catch (...) {
        failure[rank] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  fs::remove(store);
  for (auto& f : failure) {
    if (f) std::rethrow_exception(f);
  }
}

TEST(CommunicatorTest, BucketedAllReduceSumsEveryTensorOfEveryDtype) {
  if (!distributed_available()) GTEST_SKIP() << "built without c10d/Gloo";
  // Rank r holds value(r, i) at element i of each tensor; the sum is checked element by
  // element in float64. 1 KiB buckets: the 300-float tensor (1200 bytes) is a bucket of its
  // own, the small ones share, float64 ones go in separate buckets.
  const auto value = [](int rank, std::int64_t tensor, std::int64_t i) { return (rank + 1) * 0.5 + tensor * 10.0 + i * 0.001; };
  const std::vector<std::pair<std::vector<std::int64_t>, torch::Dtype>> shapes{
      {{300}, torch::kFloat32}, {{3, 4}, torch::kFloat32}, {{5}, torch::kFloat64}, {{2, 2, 2}, torch::kFloat32}, {{200}, torch::kFloat64}};
  std::vector<std::vector<torch::Tensor>> results(2);
  with_two_ranks([&](int rank, Communicator& comm) {
    std::vector<torch::Tensor> tensors;
    for (std::size_t t = 0; t < shapes.size(); ++t) {
      auto x = torch::empty(shapes[t].first, torch::TensorOptions().dtype(shapes[t].second));
      auto flat = x.view(-1);
      for (std::int64_t i = 0; i < flat.numel(); ++i) flat[i] = value(rank, static_cast<std::int64_t>(t), i);
      tensors.push_back(x);
    }
    comm.all_reduce_sum(tensors);
    results[static_cast<std::size_t>(rank)] = tensors;
    EXPECT_EQ(comm.world_size(), 2);
    EXPECT_EQ(comm.rank(), rank);
  });
  for (int rank = 0; rank < 2; ++rank) {
    for (std::size_t t = 0; t < shapes.size(); ++t) {
      const auto x = results[static_cast<std::size_t>(rank)][t].to(torch::kFloat64).contiguous().view(-1);
      ASSERT_EQ(x.sizes(), results[0][t].view(-1).sizes());
      for (std::int64_t i = 0; i < x.numel(); ++i) {
        const double expected = value(0, static_cast<std::int64_t>(t), i) + value(1, static_cast<std::int64_t>(t), i);
        ASSERT_NEAR(x[i].item<double>(), expected, 1e-4 * std::abs(expected)) << "tensor " << t << " element " << i;
      }
    }
  }
}

TEST(CommunicatorTest, BroadcastCopiesTheRootsTensorsAndSumWorks) {
  if (!distributed_available()) GTEST_SKIP() << "built without c10d/Gloo";
  std::vector<torch::Tensor> got(2);
  std::vector<std::vector<double>> sums(2);
  with_two_ranks([&](int rank, Communicator& comm) {
    auto x = torch::full({4, 3}, static_cast<float>(rank + 1));
    auto y = torch::arange(7, torch::kFloat64) * (rank + 1);
    comm.broadcast({x, y}, /*root=*/1);
    got[static_cast<std::size_t>(rank)] = torch::cat({x.view(-1).to(torch::kFloat64), y});
    sums[static_cast<std::size_t>(rank)] = comm.sum({1.0 + rank, 10.0 * rank});
  });
  for (int rank = 0; rank < 2; ++rank) {
    const auto v = got[static_cast<std::size_t>(rank)];
    for (int i = 0; i < 12; ++i) EXPECT_EQ(v[i].item<double>(), 2.0);
    for (int i = 0; i < 7; ++i) EXPECT_EQ(v[12 + i].item<double>(), 2.0 * i);
    EXPECT_EQ(sums[static_cast<std::size_t>(rank)], (std::vector<double>{3.0, 10.0}));
  }
}

TEST(CommunicatorTest, CheckSameNamesTheRankThatDiffers) {
  if (!distributed_available()) GTEST_SKIP() << "built without c10d/Gloo";
  std::string messages[2];
  with_two_ranks([&](int rank, Communicator& comm) {
    comm.check_same("data", "same");  // equal: passes on both
    try {
      comm.check_same("data", rank == 0 ? "384 examples" : "383 examples");
    } catch (const Error& e) {
      messages[rank] = e.what();
    }
  });
  for (const auto& m : messages) {
    EXPECT_NE(m.find("rank 1 has different data than rank 0"), std::string::npos) << m;
    EXPECT_NE(m.find("383 examples vs 384 examples"), std::string::npos) << m;
  }
}

TEST(CommunicatorTest, RendezvousWithoutThePeersEndsAtTheTimeoutWithAClearError) {
  if (!distributed_available()) GTEST_SKIP() << "built without c10d/Gloo";
  DistributedConfig c;
  c.world_size = 2;
  c.rank = 0;
  c.store_file = (fs::temp_directory_path() / ("ff-lonely-" + std::to_string(::getpid()))).string();
  c.timeout_s = 1;
  const auto start = std::chrono::steady_clock::now();
  try {
    Communicator::connect(c);
    FAIL() << "a rendezvous of one out of two completed";
  } catch (const CommunicationError& e) {
    EXPECT_NE(std::string(e.what()).find("rank 0 of 2: the rendezvous at"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("did not complete within 1 s"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 30.0);
  fs::remove(c.store_file);
}

}  // namespace
}  // namespace fastformer
