// janus-init: the first program of an isolated model container (after Docker's init), mounted
// read-only at /.janus/init. Docker starts a container's process as soon as its network
// namespace exists, before janusd can put the container's platform endpoint there; this waits
// until 127.0.0.1:PORT accepts (a connect() every millisecond, up to WAIT_MS), then replaces
// itself with the model's own program, so the model can call the platform from its first
// instruction on. It fails loudly (a message and exit 1) when the endpoint never comes.
//   janus-init PORT WAIT_MS -- PROGRAM [ARG...]
//   janus-init --version

#include "apps/janus-init/init_args.hpp"
#include "apps/version/version.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

/// Whether 127.0.0.1:`port` accepts a connection now (a refused connect is the usual no).
bool accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && args[0] == "--version") {
    std::printf("%s\n", janus::version_line("janus-init").c_str());
    return 0;
  }
  std::string error;
  auto parsed = janus::init::parse_init_args(args, error);
  if (!parsed) {
    std::fprintf(stderr, "janus-init: %s\n", error.c_str());
    return 2;
  }
  auto deadline = std::chrono::steady_clock::now() + parsed->wait;
  while (!accepts(parsed->port)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr,
                   "janus-init: the platform endpoint 127.0.0.1:%u did not accept within %lld ms; "
                   "not starting %s\n",
                   static_cast<unsigned>(parsed->port),
                   static_cast<long long>(parsed->wait.count()), parsed->program[0].c_str());
      return 1;
    }
    timespec pause{0, 1000000};
    ::nanosleep(&pause, nullptr);
  }
  std::vector<char*> program;
  for (auto& arg : parsed->program) {
    program.push_back(arg.data());
  }
  program.push_back(nullptr);
  ::execvp(program[0], program.data());
  int err = errno;
  std::fprintf(stderr, "janus-init: cannot run %s: %s\n", program[0], std::strerror(err));
  return err == ENOENT ? 127 : 126;
}
