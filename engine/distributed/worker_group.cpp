// posix_spawn for each rank (no fork of a process with OpenMP threads), waitpid(WNOHANG)
// to watch them, SIGKILL and a blocking reap in the destructor.
#include "fastformer/worker_group.h"

#include "fastformer/error.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace fastformer {
namespace {

WorkerExit exit_of(int rank, int status) {
  WorkerExit e;
  e.rank = rank;
  if (WIFEXITED(status)) e.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
  return e;
}

// This process's environment with `extra` replacing variables of the same name.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  for (char** v = environ; *v != nullptr; ++v) {
    const std::string entry(*v);
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& e : extra) replaced = replaced || e.substr(0, e.find('=')) == name;
    if (!replaced) out.push_back(entry);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

}  // namespace

std::string WorkerExit::describe() const {
  const std::string who = "rank " + std::to_string(rank);
  if (signal != 0) return who + " was killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  if (exit_code == 0) return who + " finished";
  if (exit_code == 130) return who + " stopped on request";
  return who + " exited with status " + std::to_string(exit_code);
}

WorkerGroup::~WorkerGroup() { kill_all(); }

void WorkerGroup::start(int rank, const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                        const std::string& log_path) {
  if (argv.empty()) throw Error("no program to run", "worker");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!log_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::vector<std::string> env = merged_environment(environment);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // Its own process group: a Ctrl-C at the terminal reaches the launcher alone, which
  // passes it on once (a second SIGINT ends a trainer at once, without saving).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attributes, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) throw Error("cannot start " + argv[0] + ": " + std::strerror(rc), "rank " + std::to_string(rank));
  workers_.push_back({rank, pid});
}

std::vector<WorkerExit> WorkerGroup::reap() {
  std::vector<WorkerExit> ended;
  for (auto it = workers_.begin(); it != workers_.end();) {
    int status = 0;
    const pid_t done = ::waitpid(it->pid, &status, WNOHANG);
    if (done == it->pid || (done < 0 && errno == ECHILD)) {
      ended.push_back(done == it->pid ? exit_of(it->rank, status) : WorkerExit{it->rank, -1, 0});
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  return ended;
}

int WorkerGroup::running() const { return static_cast<int>(workers_.size()); }

void WorkerGroup::signal_all(int signal) {
  for (const auto& w : workers_) ::kill(w.pid, signal);
}

std::vector<WorkerExit> WorkerGroup::kill_all() {
  std::vector<WorkerExit> ended;
  for (const auto& w : workers_) {
    ::kill(w.pid, SIGKILL);
    int status = 0;
    pid_t done = 0;
    while ((done = ::waitpid(w.pid, &status, 0)) < 0 && errno == EINTR) {
    }
    ended.push_back(done == w.pid ? exit_of(w.rank, status) : WorkerExit{w.rank, -1, 0});
  }
  workers_.clear();
  return ended;
}

std::vector<std::string> rank_environment(int world_size, int rank, const std::string& master_addr, int master_port) {
  return {"WORLD_SIZE=" + std::to_string(world_size), "RANK=" + std::to_string(rank),
          "LOCAL_RANK=" + std::to_string(rank), "MASTER_ADDR=" + master_addr,
          "MASTER_PORT=" + std::to_string(master_port), "FASTFORMER_PARENT_PID=" + std::to_string(::getpid())};
}

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(std::string("cannot open a socket: ") + std::strerror(errno), "master_port");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw Error("cannot find a free local port", "master_port", "pass --master-port");
  return ntohs(address.sin_port);
}

}  // namespace fastformer
