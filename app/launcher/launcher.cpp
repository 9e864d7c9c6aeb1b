// `fastformer`: sets what must be in the environment before LibTorch loads, then runs the
// command line proper, fastformer-cli, from the same folder (or PREFIX/libexec). OpenMP's
// wait policy is read once, when libgomp loads: a program linked to LibTorch can only set
// it by executing itself again, which costs a second LibTorch start (0.6 s on 2 cores,
// docs/performance.md). This launcher links no LibTorch and starts in milliseconds.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int, char** argv) {
  // Passive: idle OpenMP threads sleep instead of spinning on the 2 cores the work needs.
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  char self[PATH_MAX];
  const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  std::string dir = ".";
  if (length > 0) {
    dir.assign(self, static_cast<std::size_t>(length));
    dir.resize(dir.rfind('/'));
  }
  const std::string beside = dir + "/fastformer-cli";
  const std::string installed = dir + "/../libexec/fastformer-studio/fastformer-cli";
  for (const std::string& path : {beside, installed}) ::execv(path.c_str(), argv);  // returns only on failure
  std::fprintf(stderr, "fastformer: error: cannot run %s: %s\n", beside.c_str(), std::strerror(errno));
  return 127;
}
