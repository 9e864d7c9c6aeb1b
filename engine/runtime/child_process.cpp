// posix_spawn with both output streams on pipes, a poll loop until the deadline (or a
// cancel), then SIGKILL, and wait4 for the exit status and ru_maxrss.
#include "fastformer/child_process.h"

#include "fastformer/error.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

extern char** environ;

namespace fastformer {
namespace {

using Clock = std::chrono::steady_clock;

// How often a cancellable child's caller looks at its cancel flag.
constexpr long long kCancelPollMs = 50;

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("cannot create a pipe: ") + std::strerror(errno), "child process");
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read >= 0) ::close(read);
    read = -1;
  }
  void close_write() {
    if (write >= 0) ::close(write);
    write = -1;
  }
};

// Appends what `fd` has to `out`; false at end of file.
bool drain(int fd, std::string& out) {
  char buffer[4096];
  const ssize_t got = ::read(fd, buffer, sizeof buffer);
  if (got > 0) out.append(buffer, static_cast<std::size_t>(got));
  return got > 0 || (got < 0 && errno == EINTR);
}

}  // namespace

ChildResult run_child_process(const std::vector<std::string>& argv, double timeout_s,
                              const std::atomic<bool>* cancel) {
  if (argv.empty()) throw Error("no program to run", "child process");
  Pipe out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const auto start = Clock::now();
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error("cannot start " + argv[0] + ": " + std::strerror(rc), "child process");
  out.close_write();
  err.close_write();

  ChildResult result;
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  const auto ms_left = [&] {
    return std::max<long long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
  };
  const auto cancelled = [&] { return cancel != nullptr && cancel->load(); };
  const long long poll_ms = cancel != nullptr ? kCancelPollMs : 1000;
  // Read both streams until they close (the child ended), the deadline passes or the
  // caller cancels.
  while ((out.read >= 0 || err.read >= 0) && !cancelled()) {
    pollfd fds[2] = {{out.read, POLLIN, 0}, {err.read, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(ms_left(), poll_ms)));
    if (ready < 0 && errno != EINTR) break;
    if (fds[0].revents != 0 && !drain(out.read, result.out)) out.close_read();
    if (fds[1].revents != 0 && !drain(err.read, result.err)) err.close_read();
    if (ms_left() == 0) break;
  }
  // Streams closed does not mean exited: wait, still bounded by the deadline and the cancel.
  int status = 0;
  rusage usage{};
  pid_t done = 0;
  while ((done = ::wait4(pid, &status, WNOHANG, &usage)) == 0 && ms_left() > 0 && !cancelled()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (done == 0) {
    ::kill(pid, SIGKILL);
    if (cancelled()) result.cancelled = true;
    else result.timed_out = true;
    while ((done = ::wait4(pid, &status, 0, &usage)) < 0 && errno == EINTR) {
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (done < 0) throw Error(std::string("lost the child process: ") + std::strerror(errno), "child process");
  result.max_rss_bytes = static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::string current_executable() {
  char path[4096];
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) throw Error("cannot read /proc/self/exe", "child process");
  return std::string(path, static_cast<std::size_t>(length));
}

std::int64_t own_peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string key; status >> key;) {
    if (key == "VmHWM:") {
      std::int64_t kib = -1;
      status >> kib;
      return kib * 1024;
    }
  }
  return -1;
}

std::int64_t peak_rss_bytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace fastformer
