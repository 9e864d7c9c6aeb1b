// `fastformer launch --nproc N -- train …`: starts N local ranks of a data-parallel run
// (this program with `train --distributed`, the rendezvous on a free loopback port, the
// cores shared out), forwards Ctrl-C to all of them, and when one fails gives the others a
// grace period to notice (their collectives break at once when a peer dies) before it
// kills them. A second Ctrl-C kills them at once; workers whose launcher dies stop
// themselves (FASTFORMER_PARENT_PID).
#include "commands.h"

#include "fastformer/child_process.h"
#include "fastformer/error.h"
#include "fastformer/worker_group.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <thread>

namespace fastformer::cli {
namespace {

std::atomic<int> g_signal{0};   // the first SIGINT/SIGTERM
std::atomic<int> g_signals{0};  // how many arrived

extern "C" void on_launcher_signal(int signal) {
  int none = 0;
  g_signal.compare_exchange_strong(none, signal);
  g_signals.fetch_add(1);
}

struct LaunchOptions {
  int nproc = 2;
  int master_port = 0;  // 0: a free one
  double grace_s = 30;
  std::string log_dir;
  std::vector<std::string> command;
};

// The worker's arguments: `train` gains --distributed when it lacks it, and each worker
// gets its share of the cores unless --threads was given to the launcher.
std::vector<std::string> worker_argv(const LaunchOptions& o) {
  if (o.command.empty() || o.command.front() != "train") {
    throw Error("launch runs `train`: write `fastformer launch --nproc N -- train …`", "fastformer launch");
  }
  int threads = global_options().threads;
  if (threads == 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / o.nproc);
  std::vector<std::string> argv{current_executable(), "--threads", std::to_string(threads)};
  argv.insert(argv.end(), o.command.begin(), o.command.end());
  if (std::find(argv.begin(), argv.end(), "--distributed") == argv.end()) argv.emplace_back("--distributed");
  return argv;
}

int run_launch(const LaunchOptions& o) {
  const std::vector<std::string> argv = worker_argv(o);
  const int port = o.master_port > 0 ? o.master_port : free_local_port();
  WorkerGroup group;
  std::signal(SIGINT, on_launcher_signal);
  std::signal(SIGTERM, on_launcher_signal);
  for (int rank = 0; rank < o.nproc; ++rank) {
    const std::string log = o.log_dir.empty() ? std::string() : o.log_dir + "/rank" + std::to_string(rank) + ".log";
    group.start(rank, argv, rank_environment(o.nproc, rank, "127.0.0.1", port), log);
  }
  std::cerr << "launched " << o.nproc << " ranks (rendezvous 127.0.0.1:" << port << ")\n";

  using Clock = std::chrono::steady_clock;
  std::string failure;  // the first worker that failed, described
  Clock::time_point deadline{};
  bool stopped = false, forwarded = false;
  while (group.running() > 0) {
    for (const WorkerExit& exit : group.reap()) {
      if (exit.stopped()) stopped = true;
      if (exit.ok() || exit.stopped() || !failure.empty()) continue;
      failure = exit.describe();
      std::cerr << "fastformer launch: " << failure << "; the other ranks stop (killed after " << o.grace_s << " s)\n";
      deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.grace_s));
    }
    if (g_signal.load() != 0 && !forwarded) {
      group.signal_all(SIGINT);  // each rank stops after the same step; rank 0 saves
      forwarded = true;
    }
    if (g_signals.load() > 1) group.kill_all();  // a second Ctrl-C: at once, as for `train`
    if (!failure.empty() && Clock::now() >= deadline) {
      for (const WorkerExit& exit : group.kill_all()) std::cerr << "fastformer launch: killed rank " << exit.rank << "\n";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!failure.empty()) throw Error("the run failed: " + failure, "fastformer launch");
  return stopped || forwarded ? 130 : 0;
}

}  // namespace

void add_launch_command(CLI::App& app) {
  auto o = std::make_shared<LaunchOptions>();
  auto* cmd = app.add_subcommand(
      "launch", "Run data-parallel training on N local processes: fastformer launch --nproc N -- train …");
  cmd->add_option("--nproc", o->nproc, "Number of processes (ranks)")->capture_default_str()->check(CLI::Range(1, 256));
  cmd->add_option("--master-port", o->master_port, "Rendezvous port on 127.0.0.1 (0: a free one)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--grace", o->grace_s, "Seconds the other ranks get to stop after one fails, before they are killed")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--log-dir", o->log_dir, "Write each rank's output to DIR/rankR.log instead of this terminal")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("command", o->command, "The train command and its options (after --)")->required();
  cmd->callback([o] { global_options().exit_status = run_launch(*o); });
}

}  // namespace fastformer::cli
