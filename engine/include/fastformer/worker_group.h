// The local worker processes of one data-parallel run, as `fastformer launch` and the
// Studio start them: each rank spawned with the standard variables (WORLD_SIZE, RANK,
// LOCAL_RANK, MASTER_ADDR, MASTER_PORT), watched without blocking, signalled together, and
// killed and reaped when the group is destroyed, so that no worker outlives its run.
#pragma once

#include <string>
#include <vector>

namespace fastformer {

struct WorkerExit {
  int rank = -1;
  int exit_code = -1;  // when it exited, else -1
  int signal = 0;      // the signal that ended it, else 0
  bool ok() const { return exit_code == 0; }
  bool stopped() const { return exit_code == 130; }  // ended by a stop request (Ctrl-C)
  // "rank 1 exited with status 1" / "rank 1 was killed by signal 9 (Killed)"
  std::string describe() const;
};

class WorkerGroup {
 public:
  WorkerGroup() = default;
  WorkerGroup(const WorkerGroup&) = delete;
  WorkerGroup& operator=(const WorkerGroup&) = delete;
  ~WorkerGroup();  // SIGKILLs and reaps every worker still running

  // Starts `argv` (argv[0] the program) as `rank` with this process's environment plus
  // `environment` (KEY=VALUE). Output goes to `log_path` when given, else it is inherited.
  // Throws fastformer::Error when the program cannot be started.
  void start(int rank, const std::vector<std::string>& argv, const std::vector<std::string>& environment,
             const std::string& log_path = {});

  // The workers that ended since the last call (never blocks).
  std::vector<WorkerExit> reap();
  int running() const;
  void signal_all(int signal);
  // SIGKILL to all still running, then reaps them; returns how they ended.
  std::vector<WorkerExit> kill_all();

 private:
  struct Worker {
    int rank;
    int pid;
  };
  std::vector<Worker> workers_;  // still running
};

// WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR and MASTER_PORT for one rank of a local run,
// and FASTFORMER_PARENT_PID (this process): the worker stops when its parent is gone.
std::vector<std::string> rank_environment(int world_size, int rank, const std::string& master_addr, int master_port);

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
int free_local_port();

}  // namespace fastformer
